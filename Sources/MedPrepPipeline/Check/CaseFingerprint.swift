import MedPrepCore

/// One case in `medprep check`'s output. Keys without a value (a case that could not be read, a case without a
/// label map) are left out of the JSON.
public struct CaseFingerprint: Codable, Sendable, Equatable {
    /// The case id (`sub/case01`).
    public var id: String
    /// The channel files, relative to the input directory, in channel order.
    public var files: [String]
    /// The label map's path, when the input declares labels.
    public var label: String?
    /// Channel 0's format (`nifti1`, `nifti2`, `png`, `tiff`).
    public var format: String?
    /// Channel 0's spatial shape `(i, j, k)` (tensor `W, H, D`).
    public var shape: [Int]?
    /// Channel 0's voxel spacing `(i, j, k)`.
    public var spacing: [Double]?
    /// nibabel's `aff2axcodes` of channel 0's affine (`RAS`, `LPS`…); absent for PNG/TIFF.
    public var axisCodes: String?
    /// Channel 0's stored type as numpy names it.
    public var dtype: String?
    /// Channels over all channel files.
    public var channels: Int?
    /// The integer values of the label map, ascending.
    public var labelValues: [Int]?
    /// Whether every channel and the label map are on channel 0's grid.
    public var sameGrid: Bool?
    /// NaN/±∞ voxels over the image channels.
    public var nonFinite: Int?
    /// Shape `(i, j, k)` of the box where any channel is nonzero.
    public var croppedShape: [Int]?
    /// Why the case could not be read (one line per unreadable file).
    public var errors: [String]?

    public init(id: String, files: [String], label: String?) {
        self.id = id
        self.files = files
        self.label = label
    }

    private enum CodingKeys: String, CodingKey {
        case id, files, label, format, shape, spacing, dtype, channels, errors
        case axisCodes = "axis_codes"
        case labelValues = "label_values"
        case sameGrid = "same_grid"
        case nonFinite = "nonfinite"
        case croppedShape = "cropped_shape"
    }
}
