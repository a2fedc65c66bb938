import MedPrepCore
import PNGShim

/// The thin interop layer over libpng (through PNGShim, which contains every setjmp/longjmp).
enum PNGFile {
    /// Decodes the PNG in `data`, checking the declared size against `limits` before allocating: hands the layout to
    /// `layout`, then every row, top to bottom, to `row` (its index and bytes, valid during the call only).
    ///
    /// A non-interlaced image is decoded one row at a time into one reused row buffer; an Adam7 image, whose passes
    /// fill every row in turn, is decoded whole first.
    static func decode(_ data: UnsafeBufferPointer<UInt8>, path: String, limits: DecodeLimits,
                       layout: (PNGRaster) throws -> Void,
                       row: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard let base = data.baseAddress, let decoder = mp_png_decoder_create(base, data.count) else {
            throw MedPrepError(.io, path: path, reason: "cannot create a libpng decoder")
        }
        defer { mp_png_decoder_destroy(decoder) }

        var header = mp_png_header()
        let headerStatus = mp_png_read_header(decoder, &header)
        guard headerStatus == Int32(MP_PNG_OK) else { throw failure(decoder, status: headerStatus, path: path) }

        var raster = PNGRaster(
            width: Int(header.width), height: Int(header.height), bitDepth: Int(header.bit_depth),
            colorType: Int(header.color_type), samplesPerPixel: Int(header.channels), rowBytes: 0,
            palette: withUnsafeBytes(of: header.palette) { Array($0.prefix(3 * Int(header.palette_size))) })
        _ = try limits.checkedElementCount([raster.channels, raster.height, raster.width], path: path)

        var rowBytes = 0
        let startStatus = mp_png_start(decoder, &rowBytes)
        guard startStatus == Int32(MP_PNG_OK) else { throw failure(decoder, status: startStatus, path: path) }
        raster.rowBytes = rowBytes
        let bytesPerSample = raster.bitDepth == 16 ? 2 : 1
        let (expectedRow, rowOverflow) = (raster.width * raster.samplesPerPixel).multipliedReportingOverflow(by: bytesPerSample)
        guard !rowOverflow, expectedRow == raster.rowBytes else {
            throw MedPrepError(.malformed, path: path,
                reason: "libpng row size \(raster.rowBytes) does not match \(raster.width) pixels × \(raster.samplesPerPixel) samples")
        }
        try layout(raster)
        if header.interlaced != 0 {
            try decodeWhole(decoder, raster: raster, path: path, row: row)
            return
        }
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(rowBytes, 1))
        defer { buffer.deallocate() }
        let decoded = UnsafeBufferPointer(rebasing: buffer[0 ..< rowBytes])
        for index in 0 ..< raster.height {
            let status = mp_png_read_row(decoder, buffer.baseAddress)
            guard status == Int32(MP_PNG_OK) else { throw failure(decoder, status: status, path: path) }
            try row(index, decoded)
        }
        let endStatus = mp_png_finish(decoder)
        guard endStatus == Int32(MP_PNG_OK) else { throw failure(decoder, status: endStatus, path: path) }
    }

    /// Decodes an interlaced image whole (`height × rowBytes` bytes), then hands its rows to `row`.
    private static func decodeWhole(_ decoder: OpaquePointer, raster: PNGRaster, path: String,
                                    row: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let (total, overflow) = raster.rowBytes.multipliedReportingOverflow(by: raster.height)
        guard !overflow else {
            throw MedPrepError(.tooLarge, path: path, reason: "image of \(raster.height) rows × \(raster.rowBytes) bytes overflows")
        }
        // libpng writes every row (or fails, and the buffer is dropped), so it is not cleared first.
        var pixelStatus: Int32 = 0
        let rows = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            pixelStatus = mp_png_read_pixels(decoder, buffer.baseAddress, buffer.count)
            initialized = total
        }
        guard pixelStatus == Int32(MP_PNG_OK) else { throw failure(decoder, status: pixelStatus, path: path) }
        try rows.withUnsafeBufferPointer { all in
            for index in 0 ..< raster.height {
                try row(index, UnsafeBufferPointer(rebasing: all[index * raster.rowBytes ..< (index + 1) * raster.rowBytes]))
            }
        }
    }

    /// Classifies what libpng reported: data ending early → `.truncated`, CRC or zlib damage → `.corrupt`,
    /// anything else → `.malformed`.
    private static func failure(_ decoder: OpaquePointer, status: Int32, path: String) -> MedPrepError {
        if status == Int32(MP_PNG_NO_MEMORY) {
            return MedPrepError(.io, path: path, reason: "out of memory while decoding the PNG")
        }
        let message = String(cString: mp_png_message(decoder))
        let reason = "libpng: \(message.isEmpty ? "decoding failed" : message)"
        if mp_png_ended_early(decoder) != 0 {
            return MedPrepError(.truncated, path: path, reason: reason)
        }
        let lowered = message.lowercased()
        if lowered.contains("not enough image data") {
            return MedPrepError(.truncated, path: path, reason: reason)
        }
        // libpng prefixes chunk errors with the chunk name ("IDAT: Missing PLTE before IDAT"): structure first.
        if lowered.contains("missing plte") {
            return MedPrepError(.malformed, path: path, reason: reason)
        }
        let damage = ["crc", "idat:", "too much image data", "incorrect", "invalid distance", "invalid block",
                      "invalid code", "invalid stored", "data check", "header check", "zlib"]
        if damage.contains(where: lowered.contains) {
            return MedPrepError(.corrupt, path: path, reason: reason)
        }
        return MedPrepError(.malformed, path: path, reason: reason)
    }
}
