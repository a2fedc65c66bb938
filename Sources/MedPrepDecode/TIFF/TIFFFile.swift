import CTIFF
import MedPrepCore
import TIFFShim

/// The thin interop layer over libtiff: one handle on an in-memory TIFF, its directories and its
/// strips/tiles. Errors libtiff reports are captured per handle (TIFFShim) and thrown as `MedPrepError`.
final class TIFFFile {
    private let source: OpaquePointer
    private let handle: OpaquePointer
    let path: String

    /// Opens `data` (which must outlive this object); libtiff may make no single allocation above
    /// `maxSingleAllocation` bytes.
    init(data: UnsafeBufferPointer<UInt8>, path: String, maxSingleAllocation: Int) throws {
        self.path = path
        guard let base = data.baseAddress, let source = mp_tiff_source_create(base, UInt64(data.count)) else {
            throw MedPrepError(.io, path: path, reason: "cannot create a libtiff source")
        }
        guard let handle = path.withCString({ mp_tiff_open(source, $0, Int64(maxSingleAllocation)) }) else {
            let error = String(cString: mp_tiff_source_error(source))
            let message = error.isEmpty ? String(cString: mp_tiff_source_warning(source)) : error
            mp_tiff_source_destroy(source)
            throw Self.classify(message, path: path, fallback: .malformed)
        }
        self.source = source
        self.handle = handle
    }

    deinit {
        TIFFClose(handle)
        mp_tiff_source_destroy(source)
    }

    /// The tags of the current directory.
    func tags() -> TIFFTags {
        var page = mp_tiff_page()
        mp_tiff_read_page(handle, &page)
        return TIFFTags(
            width: Int(page.width), height: Int(page.height), depth: Int(page.depth),
            bitsPerSample: Int(page.bits_per_sample), samplesPerPixel: Int(page.samples_per_pixel),
            sampleFormat: Int(page.sample_format), planarConfig: Int(page.planar_config),
            compression: Int(page.compression), photometric: page.photometric == 0xFFFF ? nil : Int(page.photometric),
            resolutionUnit: Int(page.resolution_unit),
            xResolution: page.has_resolution != 0 ? page.x_resolution : nil,
            yResolution: page.has_resolution != 0 ? page.y_resolution : nil,
            isTiled: page.tiled != 0, tileWidth: Int(page.tile_width), tileHeight: Int(page.tile_length),
            rowsPerStrip: Int(page.rows_per_strip))
    }

    /// Whether libtiff was built with the codec for Compression `scheme`.
    func isCodecConfigured(_ scheme: Int) -> Bool {
        guard let value = UInt16(exactly: scheme) else { return false }
        return TIFFIsCODECConfigured(value) != 0
    }

    /// Whether the current directory is the last one (its next-IFD offset is 0).
    var isLastDirectory: Bool { TIFFLastDirectory(handle) != 0 }

    /// Reads the next directory; an IFD loop or unreadable IFD is `.malformed`.
    func readNextDirectory() throws {
        mp_tiff_source_clear_error(source)
        guard TIFFReadDirectory(handle) == 1 else {
            throw failure(fallback: .malformed, "cannot read the next directory")
        }
    }

    /// Makes directory `index` current again.
    func setDirectory(_ index: Int) throws {
        mp_tiff_source_clear_error(source)
        guard let number = UInt32(exactly: index), TIFFSetDirectory(handle, number) == 1 else {
            throw failure(fallback: .malformed, "cannot return to directory \(index)")
        }
    }

    /// Decodes the current directory's samples (`page` describes it) into `buffer` (`page.byteCount` bytes)
    /// in native byte order: `[H][W][C]` for contiguous pages, `[C][H][W]` for planar ones.
    func readSamples(of page: TIFFPage, into buffer: UnsafeMutableRawPointer) throws {
        mp_tiff_source_clear_error(source)
        let planes = page.isPlanar ? page.samplesPerPixel : 1
        let pixelBytes = (page.isPlanar ? 1 : page.samplesPerPixel) * page.sampleType.byteCount
        let rowBytes = page.width * pixelBytes
        let planeBytes = rowBytes * page.height
        if let tile = page.tile {
            try readTiles(page: page, tile: tile, planes: planes, pixelBytes: pixelBytes, rowBytes: rowBytes,
                          planeBytes: planeBytes, into: buffer)
            return
        }
        for plane in 0 ..< planes {
            var row = 0
            while row < page.height {
                let rows = min(page.rowsPerStrip, page.height - row)
                let strip = TIFFComputeStrip(handle, UInt32(row), UInt16(plane))
                let expected = rows * rowBytes
                let destination = buffer + plane * planeBytes + row * rowBytes
                let decoded = TIFFReadEncodedStrip(handle, strip, destination, tmsize_t(expected))
                guard decoded == expected else {
                    throw failure(fallback: .truncated,
                        "strip \(strip) decoded to \(max(decoded, 0)) of \(expected) bytes")
                }
                row += rows
            }
        }
    }

    private func readTiles(page: TIFFPage, tile: (width: Int, height: Int), planes: Int, pixelBytes: Int,
                           rowBytes: Int, planeBytes: Int, into buffer: UnsafeMutableRawPointer) throws {
        let tileRowBytes = tile.width * pixelBytes
        let tileBytes = tileRowBytes * tile.height
        guard TIFFTileSize(handle) == tileBytes else {
            throw MedPrepError(.malformed, path: path,
                reason: "libtiff tile size \(TIFFTileSize(handle)) does not match \(tile.width)×\(tile.height) tiles")
        }
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: tileBytes, alignment: 16)
        defer { scratch.deallocate() }
        for plane in 0 ..< planes {
            for top in stride(from: 0, to: page.height, by: tile.height) {
                for left in stride(from: 0, to: page.width, by: tile.width) {
                    let index = TIFFComputeTile(handle, UInt32(left), UInt32(top), 0, UInt16(plane))
                    let decoded = TIFFReadEncodedTile(handle, index, scratch, tmsize_t(tileBytes))
                    guard decoded == tileBytes else {
                        throw failure(fallback: .truncated,
                            "tile \(index) decoded to \(max(decoded, 0)) of \(tileBytes) bytes")
                    }
                    let rows = min(tile.height, page.height - top)
                    let runBytes = min(tile.width, page.width - left) * pixelBytes
                    for row in 0 ..< rows {
                        let destination = buffer + plane * planeBytes + (top + row) * rowBytes + left * pixelBytes
                        destination.copyMemory(from: scratch + row * tileRowBytes, byteCount: runBytes)
                    }
                }
            }
        }
    }

    private func failure(fallback: MedPrepError.Kind, _ what: String) -> MedPrepError {
        let error = String(cString: mp_tiff_source_error(source))
        let message = error.isEmpty ? String(cString: mp_tiff_source_warning(source)) : error
        let classified = Self.classify(message, path: path, fallback: fallback)
        return MedPrepError(classified.kind, path: path,
                            reason: message.isEmpty ? what : "\(what): libtiff: \(message)")
    }

    /// Maps libtiff's message to a kind: data past the end → `.truncated`, codec damage → `.corrupt`,
    /// refused allocations → `.tooLarge`, IFD loops and anything else → `fallback`. libtiff quotes the file name
    /// in some messages; it is left out of the match, so a folder named `decoded/` changes nothing.
    private static func classify(_ message: String, path: String, fallback: MedPrepError.Kind) -> MedPrepError {
        let lowered = message.replacingOccurrences(of: path, with: "").lowercased()
        let reason = "libtiff: \(message.isEmpty ? "cannot open" : message)"
        let kind: MedPrepError.Kind
        if lowered.contains("memory allocation") || lowered.contains("exceeds the limit") {
            kind = .tooLarge
        } else if lowered.contains("looping") {
            kind = .malformed
        } else if ["read error", "cannot read", "can not read", "end of file", "past end", "beyond"]
                    .contains(where: lowered.contains) {
            kind = .truncated
        } else if ["decod", "corrupt", "zlib", "lzw", "packbits", "not yet in table"].contains(where: lowered.contains) {
            kind = .corrupt
        } else {
            kind = fallback
        }
        return MedPrepError(kind, path: path, reason: reason)
    }
}
