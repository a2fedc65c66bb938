import MedPrepCodecs
import MedPrepCore

/// Writes a single-sample tensor as a NIfTI-1 float32 volume: `.nii.gz` (gzip, libdeflate level 1, as nibabel's
/// default level) when the path ends in `.gz`, else `.nii`. Output is atomic (`OutputTree`, `AtomicFile`).
///
/// Header: datatype 16 (float32), bitpix 32, vox_offset 352, scl_slope 1, scl_inter 0, little-endian;
/// `dim = [3, W, H, D, 1…]`, or `[4, W, H, D, C, 1…]` when `C > 1` (a 2D image has `dim[3] = 1`);
/// `pixdim[1…3]` = spacing, `pixdim[4]` = time step; `xyzt_units` from the geometry.
///
/// Orientation, chosen so that nibabel's `img.affine` equals `geometry.affine`:
/// - source `.sform`: sform (its code) = affine; qform as in the input (its code and matrix, code 0 if none);
/// - source `.qform`: sform code 0; qform (its code) = affine, and `pixdim[1…3]` are the quaternion's voxel sizes;
/// - source `.dicom`: sform and qform code 1 (scanner) = affine, as dcm2niix writes them;
/// - source `.pixdim` / `.pixel` (no world frame in the input): sform and qform code 2 (aligned) = affine.
///
/// As a `VolumeWriter` (`nifti` in `output.volumes`), it writes `.nii.gz` when `compressed`, else `.nii`. As the
/// label writer (`labels`), it writes the label map's integer type (`LabelType.forLabel`: datatype 2/4/8/…, bitpix
/// 8/16/32/…, scl_slope 1, scl_inter 0, so nibabel's `img.dataobj` gives the integers in that dtype).
package struct NIfTIWriter: VolumeWriter {
    /// Whether files are `.nii.gz` rather than `.nii`.
    package var compressed: Bool
    /// Whether scans are label maps, written in their integer type rather than float32.
    package var labels: Bool

    package init(compressed: Bool = true, labels: Bool = false) {
        self.compressed = compressed
        self.labels = labels
    }

    package var name: String { "nifti" }
    package var suffix: String { compressed ? ".nii.gz" : ".nii" }

    /// Writes the scan's tensor with its geometry (`write(_:geometry:to:in:durable:observer:)`).
    package func write(_ scan: Scan, to relative: String, in tree: OutputTree, durable: Bool,
                      observer: ((UnsafeRawBufferPointer) -> Void)?) throws {
        let type = labels ? LabelType.forLabel(storedType: scan.header.dataType, values: LabelValues.range(scan.tensor.storage)) : nil
        try Self.write(scan.tensor, geometry: scan.geometry, as: type, to: relative, in: tree, durable: durable, observer: observer)
    }

    /// NIfTI-1 header (348 bytes) + 4-byte extension flag.
    static let voxOffset = NIfTI1Layout.singleFileDataOffset

    /// Writes `tensor` (`shape.n == 1`, else `.invalidArgument`) with `geometry` to `path`; `observer` sees every
    /// byte of the file as written; `durable` as in `AtomicFile`.
    ///
    /// `.nii.gz` is written as gzip members of `GzipCodec.defaultMemberSize` input bytes (the header is the first
    /// member), so memory stays at the tensor plus one member whatever the volume's size.
    package static func write(_ tensor: Tensor, geometry: ScanGeometry, to path: String,
                             durable: Bool = true,
                             observer: ((UnsafeRawBufferPointer) -> Void)? = nil) throws {
        let (tree, name) = try OutputTree.containing(path)
        try write(tensor, geometry: geometry, to: name, in: tree, durable: durable, observer: observer)
    }

    /// As `write(_:geometry:to:durable:observer:)`, to file `relative` of `tree` (never through a symbolic link
    /// below the tree's root; see `OutputTree`), as float32 or, with `type`, as that integer type: every value must
    /// be one of its integers, else `.invalidLabel` naming the value and nothing is written under the name.
    package static func write(_ tensor: Tensor, geometry: ScanGeometry, as type: LabelType? = nil, to relative: String,
                             in tree: OutputTree, durable: Bool = true,
                             observer: ((UnsafeRawBufferPointer) -> Void)? = nil) throws {
        let path = tree.location(relative)
        let shape = tensor.shape
        guard shape.n == 1 else {
            throw MedPrepError(.invalidArgument, path: path, reason: "a NIfTI file holds one sample, the tensor has N = \(shape.n)")
        }
        let header = try header(shape: shape, geometry: geometry, type: type, path: path)
        let compressed = relative.hasSuffix(".gz")
        try tree.write(to: relative, durable: durable, observer: observer) { sink in
            let valueSize = type?.size ?? MemoryLayout<Float>.size
            if !compressed { try sink.preallocate(header.count + tensor.storage.count * valueSize) }
            let emit = compressed
                ? { (bytes: UnsafeRawBufferPointer) in try GzipCodec.deflate(bytes, level: 1, path: path) { try sink.write($0) } }
                : { (bytes: UnsafeRawBufferPointer) in try sink.write(bytes) }
            try header.withUnsafeBytes(emit)
            if let type {
                try LabelEncoding.emit(tensor.storage, as: type, path: path) { try $0.withUnsafeBytes(emit) }
            } else if 1.littleEndian == 1 {
                try tensor.storage.withUnsafeBytes(emit)
            } else {
                var bytes = [UInt8]()
                appendLittleEndian(tensor.storage, to: &bytes)
                try bytes.withUnsafeBytes(emit)
            }
        }
    }

    /// The 352 header bytes (header + zero extension flag) for `shape` and `geometry`; float32, or `type`.
    static func header(shape: TensorShape, geometry: ScanGeometry, type: LabelType? = nil, path: String) throws -> [UInt8] {
        let extent = [shape.w, shape.h, shape.d] + (shape.c > 1 ? [shape.c] : [])
        guard let largest = extent.max(), largest <= Int(Int16.max) else {
            throw MedPrepError(.invalidArgument, path: path, reason: "shape \(shape) exceeds NIfTI-1's 32767 voxels per axis")
        }
        var sformCode = 0, qformCode = 0
        var sform = geometry.affine, qform = geometry.affine
        switch geometry.affineSource {
        case .sform:
            sformCode = geometry.sformCode > 0 ? geometry.sformCode : 2
            qformCode = geometry.qformCode
            qform = geometry.qform ?? geometry.affine
        case .qform:
            qformCode = geometry.qformCode > 0 ? geometry.qformCode : 2
            sform = geometry.affine
        case .dicom:
            sformCode = 1
            qformCode = 1
        case .pixdim, .pixel:
            sformCode = 2
            qformCode = 2
        }
        let quaternion = NIfTILibrary.quaternion(of: qform)
        let padded = geometry.spacing + Array(repeating: 1, count: max(0, 3 - geometry.spacing.count))
        var spacing = Array(padded.prefix(3))
        if geometry.affineSource == .qform { spacing = [quaternion.dx, quaternion.dy, quaternion.dz] }

        typealias Layout = NIfTI1Layout
        var header = HeaderBytes(count: voxOffset)
        header.int32(Layout.size, at: Layout.sizeofHeader)
        header.bytes[Layout.regular] = UInt8(ascii: "r")
        let dim = [extent.count] + extent + Array(repeating: 1, count: 7 - extent.count)
        for (index, value) in dim.enumerated() { header.int16(value, at: Layout.dim + 2 * index) }
        header.int16(type?.niftiCode ?? 16, at: Layout.datatype)  // NIFTI_TYPE_FLOAT32 unless a label type
        header.int16(8 * (type?.size ?? 4), at: Layout.bitpix)
        let pixdim = [quaternion.qfac] + spacing + [shape.c > 1 ? geometry.timeStep : 1, 1, 1, 1]
        for (index, value) in pixdim.enumerated() { header.float32(value, at: Layout.pixdim + 4 * index) }
        header.float32(Double(voxOffset), at: Layout.voxOffset)
        header.float32(1, at: Layout.sclSlope)
        header.float32(0, at: Layout.sclInter)
        header.bytes[Layout.xyztUnits] = UInt8(truncatingIfNeeded: geometry.xyztUnits)
        for (index, byte) in "medprep".utf8.enumerated() { header.bytes[Layout.descrip + index] = byte }
        header.int16(qformCode, at: Layout.qformCode)
        header.int16(sformCode, at: Layout.sformCode)
        let qfields = [quaternion.b, quaternion.c, quaternion.d, qform[0, 3], qform[1, 3], qform[2, 3]]
        for (index, value) in qfields.enumerated() { header.float32(value, at: Layout.quaternion + 4 * index) }
        for row in 0 ..< 3 {
            for column in 0 ..< 4 { header.float32(sform[row, column], at: Layout.sformRows + 16 * row + 4 * column) }
        }
        for (index, byte) in "n+1".utf8.enumerated() { header.bytes[Layout.magic + index] = byte }
        return header.bytes
    }

    static func appendLittleEndian(_ values: [Float], to bytes: inout [UInt8]) {
        if 1.littleEndian == 1 {
            values.withUnsafeBytes { bytes.append(contentsOf: $0) }
            return
        }
        for value in values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
    }
}

/// A zero-filled little-endian header being assembled at fixed offsets.
private struct HeaderBytes {
    var bytes: [UInt8]

    init(count: Int) { bytes = [UInt8](repeating: 0, count: count) }

    private mutating func store(_ value: UInt64, size: Int, at offset: Int) {
        for index in 0 ..< size { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }

    mutating func int16(_ value: Int, at offset: Int) { store(UInt64(UInt16(truncatingIfNeeded: value)), size: 2, at: offset) }
    mutating func int32(_ value: Int, at offset: Int) { store(UInt64(UInt32(truncatingIfNeeded: value)), size: 4, at: offset) }
    mutating func float32(_ value: Double, at offset: Int) { store(UInt64(Float(value).bitPattern), size: 4, at: offset) }
}
