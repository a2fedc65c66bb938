import MedPrepCodecs
import MedPrepCore

/// The fields medprep needs from a NIfTI-1 (348-byte) or NIfTI-2 (540-byte) header, read in the file's byte order
/// and validated against the standard before any data is touched.
struct NIfTIHeader {
    /// 1 or 2.
    var version: Int
    var bigEndian: Bool
    /// Magic `n+1`/`n+2` (header and data in one file) rather than `ni1`/`ni2` (.hdr/.img pair).
    var singleFile: Bool
    /// `dim[0…7]`.
    var dim: [Int]
    var dataType: NIfTIDataType
    /// `pixdim[0…7]`.
    var pixdim: [Double]
    /// Byte offset of the voxel data, as declared (negative, NaN, non-integral or huge → refused).
    var voxOffset: Int
    var scaling: IntensityScaling?
    var xyztUnits: Int
    var qformCode: Int
    var sformCode: Int
    /// The header bytes as stored, for libnifti.
    var raw: [UInt8]

    /// Header size for a given version.
    static func size(version: Int) -> Int { version == 1 ? NIfTI1Layout.size : NIfTI2Layout.size }

    /// Version and byte order from `sizeof_hdr` (the first 4 bytes), or nil if it is neither 348 nor 540.
    static func identify(_ bytes: [UInt8]) -> (version: Int, bigEndian: Bool)? {
        guard bytes.count >= 4 else { return nil }
        let little = Int(Int32(bitPattern: UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24))
        let big = Int(Int32(bitPattern: UInt32(bytes[3]) | UInt32(bytes[2]) << 8 | UInt32(bytes[1]) << 16 | UInt32(bytes[0]) << 24))
        switch (little, big) {
        case (NIfTI1Layout.size, _): return (1, false)
        case (NIfTI2Layout.size, _): return (2, false)
        case (_, NIfTI1Layout.size): return (1, true)
        case (_, NIfTI2Layout.size): return (2, true)
        default: return nil
        }
    }

    /// The magic (`n+1`, `ni1`, `n+2`, `ni2`) if the bytes carry one at the right place for `version`.
    static func magic(_ bytes: [UInt8], version: Int) -> String? {
        let start = version == 1 ? NIfTI1Layout.magic : NIfTI2Layout.magic
        guard bytes.count >= start + 4, bytes[start + 3] == 0 else { return nil }
        let text = String(decoding: bytes[start ..< start + 3], as: UTF8.self)
        let expected = version == 1 ? ["n+1", "ni1"] : ["n+2", "ni2"]
        return expected.contains(text) ? text : nil
    }

    /// Parses and validates a complete header (`raw.count ≥ size(version:)`).
    init(raw: [UInt8], path: String) throws {
        guard let (version, bigEndian) = Self.identify(raw) else {
            let found = raw.count >= 4 ? "\(Int32(littleEndian: raw.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }))" : "missing"
            throw MedPrepError(.malformed, path: path, reason: "sizeof_hdr is \(found), not 348 (NIfTI-1) or 540 (NIfTI-2)")
        }
        guard raw.count >= Self.size(version: version) else {
            throw MedPrepError(.truncated, path: path,
                reason: "header ends after \(raw.count) of \(Self.size(version: version)) bytes")
        }
        guard let magic = Self.magic(raw, version: version) else {
            throw MedPrepError(.malformed, path: path, reason: "bad NIfTI-\(version) magic (not n+\(version) or ni\(version))")
        }
        let fields = FieldReader(bytes: raw, bigEndian: bigEndian)
        self.version = version
        self.bigEndian = bigEndian
        self.singleFile = magic.hasPrefix("n+")
        self.raw = Array(raw.prefix(Self.size(version: version)))

        let datatypeCode: Int
        let bitpix: Int
        let voxOffset: Double
        let slope: Double, intercept: Double
        if version == 1 {
            typealias Layout = NIfTI1Layout
            dim = (0 ..< 8).map { fields.int16(Layout.dim + 2 * $0) }
            datatypeCode = fields.int16(Layout.datatype)
            bitpix = fields.int16(Layout.bitpix)
            pixdim = (0 ..< 8).map { fields.float32(Layout.pixdim + 4 * $0) }
            voxOffset = fields.float32(Layout.voxOffset)
            slope = fields.float32(Layout.sclSlope)
            intercept = fields.float32(Layout.sclInter)
            xyztUnits = Int(raw[Layout.xyztUnits])
            qformCode = fields.int16(Layout.qformCode)
            sformCode = fields.int16(Layout.sformCode)
        } else {
            typealias Layout = NIfTI2Layout
            dim = (0 ..< 8).map { fields.int64(Layout.dim + 8 * $0) }
            datatypeCode = fields.int16(Layout.datatype)
            bitpix = fields.int16(Layout.bitpix)
            pixdim = (0 ..< 8).map { fields.float64(Layout.pixdim + 8 * $0) }
            voxOffset = Double(fields.int64(Layout.voxOffset))
            slope = fields.float64(Layout.sclSlope)
            intercept = fields.float64(Layout.sclInter)
            xyztUnits = fields.int32(Layout.xyztUnits)
            qformCode = fields.int32(Layout.qformCode)
            sformCode = fields.int32(Layout.sformCode)
        }

        guard (1 ... 7).contains(dim[0]) else {
            throw MedPrepError(.malformed, path: path, reason: "dim[0] is \(dim[0]), not 1…7")
        }
        for axis in 1 ... dim[0] where dim[axis] <= 0 {
            throw MedPrepError(.malformed, path: path, reason: "dim[\(axis)] is \(dim[axis]), not positive")
        }
        let dims = dim
        if dims[0] >= 5, let axis = (5 ... dims[0]).first(where: { dims[$0] > 1 }) {
            throw MedPrepError(.unsupported, path: path,
                reason: "\(axis)-dimensional data (dim[\(axis)] = \(dim[axis])) is not supported; medprep reads up to 4D")
        }
        dataType = try NIfTIDataType(code: datatypeCode, path: path)
        guard bitpix == dataType.bitsPerVoxel else {
            throw MedPrepError(.malformed, path: path,
                reason: "bitpix \(bitpix) contradicts datatype \(dataType.name) (\(dataType.bitsPerVoxel) bits)")
        }
        guard voxOffset.isFinite, voxOffset >= 0, voxOffset < 0x1p62 else {
            throw MedPrepError(.malformed, path: path, reason: "vox_offset \(voxOffset) is negative or not finite")
        }
        // A single file's data cannot start inside the header; 0 there means "after header + extension flag".
        let declaredOffset = Int(voxOffset)
        if singleFile, declaredOffset == 0 {
            self.voxOffset = Self.size(version: version) + 4
        } else if singleFile, declaredOffset < Self.size(version: version) {
            throw MedPrepError(.malformed, path: path,
                reason: "vox_offset \(voxOffset) lies inside the \(Self.size(version: version))-byte header")
        } else {
            self.voxOffset = declaredOffset
        }

        if slope == 0 || !slope.isFinite || dataType == .rgb24 {
            scaling = nil
        } else if !intercept.isFinite {
            throw MedPrepError(.malformed, path: path, reason: "scl_slope \(slope) is valid but scl_inter is \(intercept)")
        } else {
            scaling = IntensityScaling(slope: slope, intercept: intercept)
        }
    }

    /// Axes of the tensor: `W = dim[1]`, `H = dim[2]`, `D = dim[3]`, `T = dim[4]` (1 where `dim[0]` stops).
    var extent: (w: Int, h: Int, d: Int, t: Int) {
        func axis(_ index: Int) -> Int { index <= dim[0] ? dim[index] : 1 }
        return (axis(1), axis(2), axis(3), axis(4))
    }

    /// `|pixdim[1…3]|`, 1 for axes beyond `dim[0]`.
    var spacing: [Double] {
        (1 ... 3).map { $0 <= dim[0] ? abs(pixdim[$0]) : 1 }
    }
}

/// Reads fixed-offset header fields in a given byte order.
private struct FieldReader {
    let bytes: [UInt8]
    let bigEndian: Bool

    private func unsigned(_ offset: Int, _ count: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0 ..< count {
            let byte = UInt64(bytes[bigEndian ? offset + index : offset + count - 1 - index])
            value = value << 8 | byte
        }
        return value
    }

    func int16(_ offset: Int) -> Int { Int(Int16(truncatingIfNeeded: unsigned(offset, 2))) }
    func int32(_ offset: Int) -> Int { Int(Int32(truncatingIfNeeded: unsigned(offset, 4))) }
    func int64(_ offset: Int) -> Int { Int(Int64(bitPattern: unsigned(offset, 8))) }
    func float32(_ offset: Int) -> Double { Double(Float(bitPattern: UInt32(truncatingIfNeeded: unsigned(offset, 4)))) }
    func float64(_ offset: Int) -> Double { Double(bitPattern: unsigned(offset, 8)) }
}
