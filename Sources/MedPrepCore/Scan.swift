import Foundation

/// The on-disk formats medprep decodes, recognised from magic bytes.
public enum ScanFormat: String, Sendable, Codable {
    case png
    case tiff
    case nifti1
    case nifti2
    case dicom
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

extension ScanHeader {
    /// The value range the stored integer type can hold, after scaling: `0…255` for uint8, `0…2^b−1` for
    /// sub-byte PNG gray, `−32768…32767` for int16 (mapped through `scaling` when present); nil for float data.
    /// This is the range torchvision's `ToTensor` maps to [0, 1] (the ImageNet preset uses it).
    public var storedValueRange: ClosedRange<Double>? {
        let bits: Int
        let signed: Bool
        switch dataType {
        case "uint8", "rgb24": bits = format == .png ? bitsPerSample : 8; signed = false
        case "uint16": bits = 16; signed = false
        case "uint32": bits = 32; signed = false
        case "uint64": bits = 64; signed = false
        case "int8": bits = 8; signed = true
        case "int16": bits = 16; signed = true
        case "int32": bits = 32; signed = true
        case "int64": bits = 64; signed = true
        default: return nil
        }
        let lower = signed ? -pow(2, Double(bits - 1)) : 0
        let upper = signed ? pow(2, Double(bits - 1)) - 1 : pow(2, Double(bits)) - 1
        guard let scaling else { return lower ... upper }
        let a = scaling.slope * lower + scaling.intercept, b = scaling.slope * upper + scaling.intercept
        return Swift.min(a, b) ... Swift.max(a, b)
    }
}
