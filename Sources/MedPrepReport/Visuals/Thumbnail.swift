/// One picture of a scan: a plane of channel 0 as an 8-bit grayscale PNG (base64, for a `data:` URI).
package struct Thumbnail: Sendable, Equatable, Codable {
    /// `axial`, `coronal`, `sagittal` (a scan with a world frame), `k`, `j`, `i` (a volume without one, named
    /// by the voxel axis the slice is taken across), or `image` (a 2D image).
    package var plane: String
    package var width: Int
    package var height: Int
    /// The PNG file, base64-encoded.
    package var png: String

    package init(plane: String, width: Int, height: Int, png: String) {
        self.plane = plane
        self.width = width
        self.height = height
        self.png = png
    }
}

/// The pictures of one scan at one point of the pipeline, with the display window they share.
package struct ThumbnailSet: Sendable, Equatable, Codable {
    package var planes: [Thumbnail]
    /// Values at or below `window[0]` are black, at or above `window[1]` white: the p0.5 and p99.5 (numpy
    /// `'linear'`) of the finite values of all planes of the set as shown (after sampling).
    package var window: [Double]
    /// How the planes are laid out on screen (`ThumbnailMaker.neurological` or `ThumbnailMaker.asStored`).
    package var convention: String
    /// The scan's channel count (the pictures show channel 0).
    package var channels: Int

    package init(planes: [Thumbnail], window: [Double], convention: String, channels: Int) {
        self.planes = planes
        self.window = window
        self.convention = convention
        self.channels = channels
    }
}

/// The pictures of one case: as decoded (before every stage) and after the stages and normalization (nil when the
/// case failed before it was normalized).
package struct CaseThumbnails: Sendable, Equatable, Codable {
    /// The case's files, as `FileOutcome.input` names them.
    package var input: String
    package var failed: Bool
    package var before: ThumbnailSet
    package var after: ThumbnailSet?

    package init(input: String, failed: Bool, before: ThumbnailSet, after: ThumbnailSet?) {
        self.input = input
        self.failed = failed
        self.before = before
        self.after = after
    }
}
