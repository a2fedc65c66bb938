import MedPrepCore

/// Decodes PNG images into `Scan`s with the exact stored sample values.
///
/// Layout: an image of `H` rows and `W` columns with `C` channels becomes a tensor of shape
/// `[1, C, 1, H, W]` with `tensor[0, c, 0, row, column]` = sample `c` of pixel `(row, column)`.
/// Channels: gray → 1, gray+alpha → 2, RGB → 3, RGBA → 4, palette → 3 (indices looked up in PLTE).
///
/// Values are never gamma-corrected or rescaled: sub-byte gray keeps its raw range `0 … 2^bits − 1`,
/// 16-bit samples stay `0 … 65535`, and gAMA, cHRM, sRGB, iCCP and tRNS chunks are ignored (tRNS adds no
/// alpha channel). Header: `format .png`, `dataType` `uint8` (bit depth ≤ 8, and palette images) or `uint16`,
/// `bitsPerSample` the stored bit depth (8 for palette images, whose entries are 8-bit), `scaling` nil.
/// Geometry: `.pixel(spacing: [1, 1, 1])` (pHYs is not used).
public enum PNGReader {
    /// The 8-byte PNG signature.
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Reads and decodes the PNG file at `path`.
    public static func read(path: String, limits: DecodeLimits = .default) throws -> Scan {
        try decode(bytes: RasterFile.bytes(path: path), path: path, limits: limits)
    }

    /// The channel count of the PNG at `path` from its IHDR chunk (colour type at byte 25): gray 1, gray+alpha 2,
    /// RGB and palette 3, RGBA 4. Reads 33 bytes.
    static func channelCount(path: String) throws -> Int {
        let head = try ScanReader.prefix(of: path, count: 33)
        guard head.starts(with: signature) else {
            throw MedPrepError(.unknownFormat, path: path, reason: "not a PNG file (bad signature)")
        }
        guard head.count == 33 else {
            throw MedPrepError(.truncated, path: path, reason: "file of \(head.count) bytes ends before the PNG header")
        }
        guard Array(head[12 ..< 16]) == Array("IHDR".utf8) else {
            throw MedPrepError(.malformed, path: path, reason: "the first chunk is not IHDR")
        }
        switch head[25] {
        case 0: return 1
        case 2, 3: return 3
        case 4: return 2
        case 6: return 4
        default: throw MedPrepError(.malformed, path: path, reason: "IHDR colour type \(head[25]) is not 0, 2, 3, 4 or 6")
        }
    }

    /// Decodes a PNG held in memory; `path` names it in the scan and in errors.
    ///
    /// Throws `MedPrepError` with `path` set: `.truncated` (data ends early), `.corrupt` (CRC or zlib damage),
    /// `.malformed` (invalid header, palette index outside PLTE…), `.tooLarge` (declared `W·H·C` over
    /// `limits`, checked before allocating), `.unknownFormat` (no PNG signature).
    public static func decode(bytes: [UInt8], path: String, limits: DecodeLimits = .default) throws -> Scan {
        let prefix = Array(bytes.prefix(signature.count))
        guard prefix == Array(signature.prefix(prefix.count)) else {
            throw MedPrepError(.unknownFormat, path: path, reason: "not a PNG file (bad signature)")
        }
        guard bytes.count > signature.count else {
            throw MedPrepError(.truncated, path: path, reason: "file of \(bytes.count) bytes ends before the PNG header")
        }
        var layout: PNGRaster?
        var storage: [Float] = []
        try bytes.withUnsafeBufferPointer { data in
            try PNGFile.decode(data, path: path, limits: limits) { raster in
                layout = raster
                // Every element is written by `store` (or an error is thrown and the array dropped).
                storage = try ScratchArrays.floats(count: raster.channels * raster.height * raster.width, path: path)
            } row: { index, row in
                try storage.withUnsafeMutableBufferPointer { out in
                    try store(row: row, at: index, of: layout!, into: out, path: path)
                }
            }
        }
        guard let raster = layout else {
            throw MedPrepError(.malformed, path: path, reason: "libpng returned no image layout")
        }
        let shape = TensorShape(c: raster.channels, h: raster.height, w: raster.width)
        let isPalette = raster.colorType == PNGRaster.paletteColorType
        let header = ScanHeader(format: .png, dataType: raster.bitDepth == 16 ? "uint16" : "uint8",
                                bitsPerSample: isPalette ? 8 : raster.bitDepth)
        return Scan(path: path, header: header, tensor: Tensor(shape: shape, storage: storage), geometry: .pixel())
    }

    /// Stores decoded row `row` (interleaved samples) into its place in each channel plane `[C][H][W]` of `out`.
    private static func store(row: UnsafeBufferPointer<UInt8>, at rowIndex: Int, of raster: PNGRaster,
                              into out: UnsafeMutableBufferPointer<Float>, path: String) throws {
        let width = raster.width, plane = raster.width * raster.height
        if raster.colorType == PNGRaster.paletteColorType {
            try expandPalette(row, at: rowIndex, into: out, raster: raster, path: path)
            return
        }
        let samples = raster.samplesPerPixel
        let bytesPerSample = raster.bitDepth == 16 ? 2 : 1
        let stride = samples * bytesPerSample
        for channel in 0 ..< raster.channels {
            let target = out.baseAddress! + channel * plane + rowIndex * width
            let first = row.baseAddress! + channel * bytesPerSample
            if bytesPerSample == 2, stride == 2 {
                bigEndianGray16(UnsafeRawPointer(first), into: target, count: width)
            } else if bytesPerSample == 2 {
                for column in 0 ..< width {
                    let at = first + column * stride
                    target[column] = Float(UInt16(at[0]) << 8 | UInt16(at[1]))
                }
            } else {
                for column in 0 ..< width { target[column] = Float(first[column * stride]) }
            }
        }
    }

    /// Converts `count` consecutive big-endian 16-bit samples to Float, eight at a time.
    private static func bigEndianGray16(_ source: UnsafeRawPointer, into target: UnsafeMutablePointer<Float>, count: Int) {
        var column = 0
        while column + 8 <= count {
            let stored = source.loadUnaligned(fromByteOffset: column * 2, as: SIMD8<UInt16>.self)
            let values = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: (stored &<< 8) | (stored &>> 8)))
            UnsafeMutableRawPointer(target + column).storeBytes(of: values, as: SIMD8<Float>.self)
            column += 8
        }
        while column < count {
            let at = source.assumingMemoryBound(to: UInt8.self) + column * 2
            target[column] = Float(UInt16(at[0]) << 8 | UInt16(at[1]))
            column += 1
        }
    }

    /// Looks the palette indices of row `rowIndex` up in PLTE; an index outside the palette is `.malformed`.
    private static func expandPalette(_ row: UnsafeBufferPointer<UInt8>, at rowIndex: Int,
                                      into out: UnsafeMutableBufferPointer<Float>,
                                      raster: PNGRaster, path: String) throws {
        let width = raster.width, plane = raster.width * raster.height
        let entries = raster.palette.count / 3
        try raster.palette.withUnsafeBufferPointer { palette in
            for column in 0 ..< width {
                let index = Int(row[column])
                guard index < entries else {
                    throw MedPrepError(.malformed, path: path,
                        reason: "palette index \(index) at row \(rowIndex), column \(column) is outside the \(entries)-entry palette")
                }
                let at = rowIndex * width + column
                out[at] = Float(palette[3 * index])
                out[plane + at] = Float(palette[3 * index + 1])
                out[2 * plane + at] = Float(palette[3 * index + 2])
            }
        }
    }
}
