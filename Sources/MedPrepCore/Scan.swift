/// The on-disk formats medprep decodes, recognised from magic bytes.
public enum ScanFormat: String, Sendable, Codable {
    case png
    case tiff
    case nifti1
    case nifti2
}

/// Linear intensity scaling applied on decode: `value = slope · stored + intercept`.
public struct IntensityScaling: Hashable, Sendable, Codable {
    public var slope: Double
    public var intercept: Double

    public init(slope: Double, intercept: Double) {
        self.slope = slope
        self.intercept = intercept
    }
}

/// What the file said about itself: format, stored type, scaling.
public struct ScanHeader: Hashable, Sendable {
    public var format: ScanFormat
    /// Stored voxel type as numpy names it (`uint8`, `int16`, `float32`, `rgb24`…).
    public var dataType: String
    /// Bits per stored sample.
    public var bitsPerSample: Int
    /// The scaling that was applied, nil when the file declares none (or slope 0 / non-finite).
    public var scaling: IntensityScaling?

    public init(format: ScanFormat, dataType: String, bitsPerSample: Int, scaling: IntensityScaling? = nil) {
        self.format = format
        self.dataType = dataType
        self.bitsPerSample = bitsPerSample
        self.scaling = scaling
    }
}

/// A decoded scan, as nibabel has it: header + data + affine. `tensor.shape.n == 1`.
public struct Scan: Sendable {
    /// Where the scan was read from.
    public var path: String
    public var header: ScanHeader
    public var tensor: Tensor
    public var geometry: ScanGeometry

    public init(path: String, header: ScanHeader, tensor: Tensor, geometry: ScanGeometry) {
        self.path = path
        self.header = header
        self.tensor = tensor
        self.geometry = geometry
    }
}
