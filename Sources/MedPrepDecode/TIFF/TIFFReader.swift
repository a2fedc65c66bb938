import MedPrepCore

/// Decodes TIFF images and multi-page TIFF stacks into `Scan`s with the exact stored sample values.
///
/// Layout: a page of `H` rows, `W` columns and `C` samples per pixel becomes `[1, C, 1, H, W]` with
/// `tensor[0, c, 0, row, column]` = sample `c` of pixel `(row, column)`; `D` pages of equal size, samples per
/// pixel and sample type become `[1, C, D, H, W]` (page `d` at depth `d`). Contiguous and planar
/// (PlanarConfiguration 2) samples give the same tensor.
///
/// Reads BitsPerSample 8/16/32/64 with SampleFormat uint, int or IEEE float (32/64), strips or tiles,
/// uncompressed, LZW, deflate, PackBits (and LZMA/Zstandard if libtiff has them), either byte order,
/// classic TIFF and BigTIFF. Values are the stored ones converted to Float: integers above 2^24 round to the
/// nearest Float, float64 narrows to Float. PhotometricInterpretation is not applied (MinIsWhite is not
/// inverted); palette and YCbCr pages are `.unsupported`.
///
/// Header: `format .tiff`, `dataType` the numpy name (`uint8`, `int16`, `float32`…), `bitsPerSample`,
/// `scaling` nil. Geometry `.pixel(spacing:)`: `[10 / XResolution, 10 / YResolution, 1]` millimetres when the
/// first page's ResolutionUnit is centimetre (3) and both resolutions are positive, else `[1, 1, 1]`
/// (inch and unitless resolutions are ignored).
public enum TIFFReader {
    /// The most pages a stack may have (also bounded by the voxel cap).
    public static let maxPages = 65536

    /// Reads and decodes the TIFF file at `path`.
    public static func read(path: String, limits: DecodeLimits = .default) throws -> Scan {
        try decode(bytes: RasterFile.bytes(path: path), path: path, limits: limits)
    }

    /// The samples per pixel of the first page of the TIFF at `path` (its tags only; no strip or tile is read).
    static func channelCount(path: String) throws -> Int {
        let bytes = try RasterFile.bytes(path: path)
        try checkMagic(bytes, path: path)
        return try bytes.withUnsafeBufferPointer { data in
            let file = try TIFFFile(data: data, path: path, maxSingleAllocation: max(64 << 20, data.count))
            let samples = file.tags().samplesPerPixel
            guard samples > 0 else {
                throw MedPrepError(.malformed, path: path, reason: "page 0 declares \(samples) samples per pixel")
            }
            return samples
        }
    }

    /// Decodes a TIFF held in memory; `path` names it in the scan and in errors.
    ///
    /// Throws `MedPrepError` with `path` set: `.malformed` (zero sizes, IFD loops, contradictory tags),
    /// `.unsupported` (other bit depths, complex or 16-bit float samples, palette/YCbCr, other compressions,
    /// ImageDepth > 1), `.shapeMismatch` (pages that cannot be stacked), `.tooLarge` (declared size over
    /// `limits` or more than `maxPages` pages, checked before allocating), `.truncated` / `.corrupt`
    /// (strip or tile data missing or damaged), `.unknownFormat` (no TIFF byte-order mark).
    public static func decode(bytes: [UInt8], path: String, limits: DecodeLimits = .default) throws -> Scan {
        try checkMagic(bytes, path: path)
        return try bytes.withUnsafeBufferPointer { data in
            let file = try TIFFFile(data: data, path: path, maxSingleAllocation: max(64 << 20, data.count))
            let pages = try directories(of: file, path: path, limits: limits)
            return try scan(of: file, pages: pages, path: path)
        }
    }

    /// The first four bytes of classic TIFF (`II*\0`, `MM\0*`) and BigTIFF (`II+\0`, `MM\0+`).
    static let byteOrderMarks: [[UInt8]] = [[0x49, 0x49, 0x2A, 0x00], [0x4D, 0x4D, 0x00, 0x2A],
                                            [0x49, 0x49, 0x2B, 0x00], [0x4D, 0x4D, 0x00, 0x2B]]

    /// Classic TIFF or BigTIFF (`byteOrderMarks`).
    private static func checkMagic(_ bytes: [UInt8], path: String) throws {
        let prefix = Array(bytes.prefix(4))
        guard byteOrderMarks.contains(where: { Array($0.prefix(prefix.count)) == prefix }) else {
            throw MedPrepError(.unknownFormat, path: path, reason: "not a TIFF file (bad byte-order mark)")
        }
        guard bytes.count >= 8 else {
            throw MedPrepError(.truncated, path: path, reason: "file of \(bytes.count) bytes ends before the TIFF header")
        }
    }

    /// Walks the directory chain, validating every page and the stack's total size before any pixel is read.
    private static func directories(of file: TIFFFile, path: String, limits: DecodeLimits) throws -> [TIFFPage] {
        var pages = [TIFFPage]()
        while true {
            let page = try TIFFPage(tags: file.tags(), index: pages.count, path: path, limits: limits,
                                    isCodecConfigured: file.isCodecConfigured)
            if let first = pages.first, !first.stacks(with: page) {
                throw MedPrepError(.shapeMismatch, path: path,
                    reason: "page \(pages.count) is \(page.summary) but page 0 is \(first.summary)")
            }
            pages.append(page)
            _ = try limits.checkedElementCount([page.samplesPerPixel, pages.count, page.height, page.width], path: path)
            if file.isLastDirectory { return pages }
            guard pages.count < maxPages else {
                throw MedPrepError(.tooLarge, path: path, reason: "more than \(maxPages) pages")
            }
            try file.readNextDirectory()
        }
    }

    /// Decodes every page into one `[1, C, D, H, W]` tensor.
    private static func scan(of file: TIFFFile, pages: [TIFFPage], path: String) throws -> Scan {
        guard let first = pages.first else {
            throw MedPrepError(.malformed, path: path, reason: "no image directory")
        }
        let shape = TensorShape(c: first.samplesPerPixel, d: pages.count, h: first.height, w: first.width)
        var storage = [Float](repeating: 0, count: shape.count)
        let pageBuffer = UnsafeMutableRawPointer.allocate(byteCount: max(first.byteCount, 1), alignment: 16)
        defer { pageBuffer.deallocate() }
        let planeCount = first.height * first.width
        if pages.count > 1 { try file.setDirectory(0) }
        try storage.withUnsafeMutableBufferPointer { out in
            guard let outBase = out.baseAddress else { return }
            for (depth, page) in pages.enumerated() {
                if depth > 0 { try file.readNextDirectory() }
                try file.readSamples(of: page, into: pageBuffer)
                for channel in 0 ..< page.samplesPerPixel {
                    let destination = outBase + shape.offset(c: channel, d: depth, h: 0, w: 0)
                    try page.sampleType.convert(pageBuffer,
                                                start: page.isPlanar ? channel * planeCount : channel,
                                                stride: page.isPlanar ? 1 : page.samplesPerPixel,
                                                count: planeCount, into: destination, path: path)
                }
            }
        }
        let spacing: [Double] = first.spacingMillimetres.map { [$0.x, $0.y, 1] } ?? [1, 1, 1]
        let header = ScanHeader(format: .tiff, dataType: first.sampleType.rawValue,
                                bitsPerSample: first.sampleType.byteCount * 8)
        return Scan(path: path, header: header, tensor: Tensor(shape: shape, storage: storage),
                    geometry: .pixel(spacing: spacing))
    }
}
