import MedPrepCore

/// A NIfTI `datatype` code medprep can decode, with its storage size and numpy name.
enum NIfTIDataType: Int, Sendable {
    case uint8 = 2
    case int16 = 4
    case int32 = 8
    case float32 = 16
    case float64 = 64
    case rgb24 = 128
    case int8 = 256
    case uint16 = 512
    case uint32 = 768
    case int64 = 1024
    case uint64 = 1280

    /// Codes that are valid NIfTI but refused on purpose, by numpy-style name.
    static let refused: [Int: String] = [
        1: "binary (1-bit)", 32: "complex64", 1536: "float128", 1792: "complex128", 2048: "complex256", 2304: "rgba32",
    ]

    /// Looks up `code`, throwing `.unsupported` for complex/float128/rgba/binary and `.malformed` for unknown codes.
    init(code: Int, path: String) throws {
        if let known = NIfTIDataType(rawValue: code) {
            self = known
        } else if let name = Self.refused[code] {
            throw MedPrepError(.unsupported, path: path, reason: "\(name) is not supported (datatype \(code))")
        } else {
            throw MedPrepError(.malformed, path: path, reason: "datatype \(code) is not a NIfTI datatype")
        }
    }

    /// Bits per voxel as `bitpix` must state them.
    var bitsPerVoxel: Int {
        switch self {
        case .uint8, .int8: 8
        case .int16, .uint16: 16
        case .rgb24: 24
        case .int32, .uint32, .float32: 32
        case .int64, .uint64, .float64: 64
        }
    }

    var bytesPerVoxel: Int { bitsPerVoxel / 8 }

    /// Bytes of one stored sample (one colour component for RGB24); the unit byte-swapped in big-endian files.
    var bytesPerSample: Int { self == .rgb24 ? 1 : bytesPerVoxel }

    /// Samples per voxel: 3 for RGB24, else 1.
    var samplesPerVoxel: Int { self == .rgb24 ? 3 : 1 }

    /// The numpy name medprep reports (`ScanHeader.dataType`).
    var name: String {
        switch self {
        case .uint8: "uint8"
        case .int16: "int16"
        case .int32: "int32"
        case .float32: "float32"
        case .float64: "float64"
        case .rgb24: "rgb24"
        case .int8: "int8"
        case .uint16: "uint16"
        case .uint32: "uint32"
        case .int64: "int64"
        case .uint64: "uint64"
        }
    }
}
