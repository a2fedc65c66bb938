import Foundation
import MedPrepCodecs
import MedPrepCore

/// Reads NIfTI-1 and NIfTI-2 volumes (`.nii`, `.nii.gz`, `.hdr`/`.img` pairs, either byte order) into float32 scans.
///
/// Layout: `tensor[0, t, k, j, i] = voxel(i, j, k, t)`, so memory order equals the file's voxel order.
/// Values: `slope · stored + intercept` in Double, rounded to Float, when `scl_slope` is finite and non-zero.
/// Affine (nibabel's `get_best_affine`): the sform if `sform_code > 0`, else the qform if `qform_code > 0`,
/// else nibabel's base affine `[[-p1, 0, 0, p1·(W−1)/2], [0, p2, 0, −p2·(H−1)/2], [0, 0, p3, −p3·(D−1)/2]]`.
/// Negative (invalid) codes count as 0, as in libnifti.
public enum NIfTIReader {
    /// Reads `path`: `.nii`, `.nii.gz`, or one half of a `.hdr`/`.img` pair (each possibly gzip-compressed;
    /// `.img` finds its `.hdr` and vice versa).
    public static func read(path: String, limits: DecodeLimits = .default) throws -> Scan {
        try read(path: path, limits: limits, conversionChunk: conversionChunk)
    }

    /// `read(path:limits:)` converting plain files `conversionChunk` bytes at a time (tests use small chunks).
    static func read(path: String, limits: DecodeLimits, conversionChunk: Int) throws -> Scan {
        if let (headerPath, imagePath) = try pairPaths(for: path) {
            let headerSource = try NIfTISource(path: headerPath)
            let header = try readHeader(headerSource)
            try headerSource.finish()
            let imageSource = try NIfTISource(path: imagePath)
            return try decodeData(header: header, source: imageSource, scanPath: path, limits: limits,
                                  conversionChunk: conversionChunk)
        }
        let source = try NIfTISource(path: path)
        let header = try singleFileHeader(source)
        return try decodeData(header: header, source: source, scanPath: path, limits: limits, conversionChunk: conversionChunk)
    }

    /// The channel count `read` gives for `path`, from the header alone: `dim[4]` (1 for 3D), 3 for RGB24.
    static func channelCount(path: String) throws -> Int {
        let header: NIfTIHeader
        if let (headerPath, _) = try pairPaths(for: path) {
            header = try readHeader(try NIfTISource(path: headerPath))
        } else {
            header = try singleFileHeader(try NIfTISource(path: path))
        }
        let extent = header.extent
        if header.dataType == .rgb24, extent.t > 1 {
            throw MedPrepError(.unsupported, path: path, reason: "4D RGB24 data (dim[4] = \(extent.t)) is not supported")
        }
        return header.dataType == .rgb24 ? 3 : extent.t
    }

    /// Decodes a single-file `.nii` or `.nii.gz` held in memory; `path` is used for errors and `Scan.path`.
    public static func decode(bytes: [UInt8], path: String, limits: DecodeLimits = .default) throws -> Scan {
        let source = try NIfTISource(bytes: bytes, path: path)
        let header = try singleFileHeader(source)
        return try decodeData(header: header, source: source, scanPath: path, limits: limits,
                              conversionChunk: conversionChunk)
    }

    /// Whether `prefix` (raw or gzip-compressed leading bytes of a file) starts with a NIfTI-1/2 header:
    /// `sizeof_hdr` 348 or 540 in either byte order and the matching magic.
    public static func recognizes(prefix: [UInt8]) -> Bool {
        var bytes = prefix
        if GzipCodec.isGzip(prefix) {
            guard let inflater = try? GzipInflater(compressed: prefix, path: nil) else { return false }
            var head = [UInt8](repeating: 0, count: NIfTIHeader.size(version: 2))
            var got = 0
            while got < head.count,
                  let more = try? head.withUnsafeMutableBytes({ try inflater.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[got...])) }),
                  more > 0 {
                got += more
            }
            bytes = Array(head.prefix(got))
        }
        guard let (version, _) = NIfTIHeader.identify(bytes) else { return false }
        return NIfTIHeader.magic(bytes, version: version) != nil
    }

    /// For a `.hdr`/`.img` name (optionally `.gz`), the existing header and image paths; nil for other names.
    private static func pairPaths(for path: String) throws -> (header: String, image: String)? {
        let lower = path.lowercased()
        let suffixes = [".hdr", ".hdr.gz", ".img", ".img.gz"]
        guard let suffix = suffixes.first(where: { lower.hasSuffix($0) }) else { return nil }
        let stem = String(path.dropLast(suffix.count))
        let isHeader = suffix.hasPrefix(".hdr")
        let partner = isHeader ? [".img", ".img.gz", ".IMG", ".IMG.GZ"] : [".hdr", ".hdr.gz", ".HDR", ".HDR.GZ"]
        guard let found = partner.map({ stem + $0 }).first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw MedPrepError(.io, path: path,
                reason: "no matching \(isHeader ? ".img" : ".hdr") file for this half of a .hdr/.img pair")
        }
        return isHeader ? (path, found) : (found, path)
    }

    /// Reads and validates the header at the start of `source`.
    private static func readHeader(_ source: NIfTISource) throws -> NIfTIHeader {
        var raw = try source.bytes(at: 0, count: NIfTIHeader.size(version: 1))
        guard !raw.isEmpty else {
            throw MedPrepError(.truncated, path: source.path, reason: "empty file")
        }
        if let (version, _) = NIfTIHeader.identify(raw), version == 2, raw.count == NIfTIHeader.size(version: 1) {
            raw += try source.bytes(at: raw.count, count: NIfTIHeader.size(version: 2) - raw.count)
        }
        return try NIfTIHeader(raw: raw, path: source.path)
    }

    /// The header of a `.nii`: its magic must say `n+1`/`n+2` (data in the same file).
    private static func singleFileHeader(_ source: NIfTISource) throws -> NIfTIHeader {
        let header = try readHeader(source)
        guard header.singleFile else {
            throw MedPrepError(.malformed, path: source.path,
                reason: "magic ni\(header.version) marks the header of a .hdr/.img pair, not a single-file NIfTI")
        }
        return header
    }

    /// Checks the declared data against the limits and the file, then reads and converts it.
    private static func decodeData(header: NIfTIHeader, source: NIfTISource, scanPath: String,
                                   limits: DecodeLimits, conversionChunk: Int) throws -> Scan {
        let path = source.path
        let extent = header.extent
        if header.dataType == .rgb24, extent.t > 1 {
            throw MedPrepError(.unsupported, path: path, reason: "4D RGB24 data (dim[4] = \(extent.t)) is not supported")
        }
        let channels = header.dataType == .rgb24 ? 3 : extent.t
        let count = try limits.checkedElementCount([channels, extent.d, extent.h, extent.w], path: path)
        let voxels = count / header.dataType.samplesPerVoxel
        let (dataBytes, overflow) = voxels.multipliedReportingOverflow(by: header.dataType.bytesPerVoxel)
        let (dataEnd, endOverflow) = header.voxOffset.addingReportingOverflow(dataBytes)
        guard !overflow, !endOverflow else {
            throw MedPrepError(.tooLarge, path: path, reason: "declared data size overflows")
        }
        guard dataEnd <= source.lengthBound else {
            if source.isCompressed {
                throw MedPrepError(.truncated, path: path,
                    reason: "header declares \(dataBytes) data bytes at offset \(header.voxOffset), more than this gzip file can hold")
            }
            throw MedPrepError(.truncated, path: path,
                reason: "header declares data up to byte \(dataEnd) (vox_offset \(header.voxOffset) + \(dataBytes) bytes), file has \(source.lengthBound)")
        }

        let nativeFloat = header.dataType == .float32 && header.scaling == nil && header.bigEndian == (1.bigEndian == 1)
        // A gzip file is inflated (and its compressed bytes dropped) before the float32 buffer exists; a stream
        // that cannot hold the declared data fails here, before any buffer of its declared size.
        try source.inflateWholeIfWorthIt(at: header.voxOffset, count: dataBytes)
        // Every element is written below (or an error is thrown and the array dropped). Its pages come in as data
        // is written, so a stream read chunk by chunk holds only the memory of the data that arrived.
        var storage = try ScratchArrays.floats(count: count, path: path)
        try storage.withUnsafeMutableBufferPointer { output in
            if nativeFloat {
                try readData(source, offset: header.voxOffset, into: UnsafeMutableRawBufferPointer(output), total: dataBytes)
            } else {
                let convert = { (raw: UnsafeRawBufferPointer) in
                    try NIfTIVoxelConversion.convert(raw, type: header.dataType, bigEndian: header.bigEndian,
                                                     scaling: header.scaling, into: output, path: path)
                }
                if try source.withContiguousBytes(at: header.voxOffset, count: dataBytes, convert) == nil {
                    try readConverting(source, header: header, into: output, total: dataBytes, chunkBytes: conversionChunk)
                }
            }
        }
        try source.finish()

        let shape = TensorShape(n: 1, c: channels, d: extent.d, h: extent.h, w: extent.w)
        let scanHeader = ScanHeader(format: header.version == 1 ? .nifti1 : .nifti2, dataType: header.dataType.name,
                                    bitsPerSample: header.dataType.bytesPerSample * 8, scaling: header.scaling)
        return Scan(path: scanPath, header: scanHeader, tensor: Tensor(shape: shape, storage: storage),
                    geometry: try geometry(of: header, path: path))
    }

    /// Bytes read and converted at a time: 1 MiB stays in L2/L3 between the read and the conversion, where a
    /// whole-region buffer (21 MB for a 256×256×160 int16 CT) went through memory twice.
    static let conversionChunk = 1 << 20

    /// Reads the data region (a plain file, or a gzip stream inflated chunk by chunk) and converts it a chunk of
    /// voxels at a time (each voxel's value depends on its own bytes only), so the raw bytes are converted while
    /// still in cache and no buffer of the whole region is allocated: memory follows the data that arrives.
    private static func readConverting(_ source: NIfTISource, header: NIfTIHeader,
                                       into output: UnsafeMutableBufferPointer<Float>, total: Int,
                                       chunkBytes: Int) throws {
        let voxelBytes = header.dataType.bytesPerVoxel
        let voxelCount = output.count / header.dataType.samplesPerVoxel
        let chunkVoxels = max(1, chunkBytes / voxelBytes)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkVoxels * voxelBytes, alignment: 64)
        defer { chunk.deallocate() }
        var done = 0
        while done < voxelCount {
            let voxels = min(chunkVoxels, voxelCount - done)
            let bytes = UnsafeMutableRawBufferPointer(rebasing: chunk[..<(voxels * voxelBytes)])
            let got = try source.read(at: header.voxOffset + done * voxelBytes, into: bytes)
            guard got == bytes.count else {
                throw MedPrepError(.truncated, path: source.path, reason: "data ends after \(done * voxelBytes + got) of \(total) bytes")
            }
            if header.dataType == .rgb24 {
                NIfTIVoxelConversion.splitRGB(UnsafeRawBufferPointer(bytes), firstVoxel: done, into: output)
            } else {
                try NIfTIVoxelConversion.convert(UnsafeRawBufferPointer(bytes), type: header.dataType, bigEndian: header.bigEndian,
                                                 scaling: header.scaling, into: UnsafeMutableBufferPointer(rebasing: output[done ..< done + voxels]),
                                                 path: source.path)
            }
            done += voxels
        }
    }

    private static func readData(_ source: NIfTISource, offset: Int, into buffer: UnsafeMutableRawBufferPointer,
                                 total: Int) throws {
        let got = try source.read(at: offset, into: buffer)
        guard got == total else {
            throw MedPrepError(.truncated, path: source.path, reason: "data ends after \(got) of \(total) bytes")
        }
    }

    /// Spacing, affine (nibabel's choice) and the NIfTI codes and matrices; qform/sform matrices come from libnifti.
    static func geometry(of header: NIfTIHeader, path: String) throws -> ScanGeometry {
        guard let transforms = NIfTILibrary.transforms(rawHeader: header.raw, version: header.version) else {
            throw MedPrepError(.malformed, path: path, reason: "libnifti rejects the header")
        }
        let qformCode = max(0, header.qformCode), sformCode = max(0, header.sformCode)
        let qform = qformCode > 0 ? transforms.qform : nil
        let sform = sformCode > 0 ? transforms.sform : nil
        let affine: Affine
        let source: AffineSource
        if let sform {
            (affine, source) = (sform, .sform)
        } else if let qform {
            (affine, source) = (qform, .qform)
        } else {
            (affine, source) = (baseAffine(header), .pixdim)
        }
        return ScanGeometry(spacing: header.spacing, affine: affine, affineSource: source,
                            qformCode: qformCode, qform: qform, sformCode: sformCode, sform: sform,
                            xyztUnits: header.xyztUnits, timeStep: header.dim[0] >= 4 ? header.pixdim[4] : 0)
    }

    /// nibabel's `shape_zoom_affine(shape, zooms, x_flip=True)`: centred on the volume, x axis flipped.
    private static func baseAffine(_ header: NIfTIHeader) -> Affine {
        let extent = header.extent
        let shape = [extent.w, extent.h, extent.d].map(Double.init)
        var zooms = (1 ... 3).map { $0 <= header.dim[0] ? header.pixdim[$0] : 1 }
        zooms[0] = -zooms[0]
        var affine = Affine.scaling(zooms)
        for axis in 0 ..< 3 { affine[axis, 3] = -(shape[axis] - 1) / 2 * zooms[axis] }
        return affine
    }
}
