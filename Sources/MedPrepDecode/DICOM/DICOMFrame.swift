/// One frame of one DICOM object: a candidate slice of a series (a single-frame object has one, frame 0).
package struct DICOMFrame: Sendable, Hashable {
    /// The object's header (shared by all its frames).
    package var header: DICOMSliceHeader
    /// The frame's index in its object (0-based).
    package var frame: Int

    package init(header: DICOMSliceHeader, frame: Int) {
        self.header = header
        self.frame = frame
    }

    /// The frame's IPP (LPS mm), nil when the object has none for it.
    package var position: [Double]? {
        frame < header.imagePositions.count && header.imagePositions[frame].count == 3
            ? header.imagePositions[frame] : nil
    }

    /// The frame's RescaleSlope: its own, or the object's single value, else 1.
    package var slope: Double { perFrame(header.rescaleSlopes, default: 1) }

    /// The frame's RescaleIntercept: its own, or the object's single value, else 0.
    package var intercept: Double { perFrame(header.rescaleIntercepts, default: 0) }

    /// `path` for a single-frame object, `path [frame f]` for a multi-frame one.
    package var name: String { header.numberOfFrames > 1 ? "\(header.path) [frame \(frame)]" : header.path }

    private func perFrame(_ values: [Double], default value: Double) -> Double {
        frame < values.count ? values[frame] : (values.count == 1 ? values[0] : value)
    }
}
