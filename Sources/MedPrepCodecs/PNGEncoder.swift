internal import CZlib

/// A minimal PNG encoder for 8-bit grayscale images (colour type 0, bit depth 8, no interlace): signature, IHDR,
/// one IDAT holding the zlib stream (level 9) of the rows, each prefixed with filter type 0, and IEND. Every chunk
/// carries its CRC-32 over type and data. Equal pixels give equal bytes.
package enum PNGEncoder {
    /// The PNG file of a `width` × `height` image whose rows are stored top to bottom in `pixels`.
    package static func gray8(width: Int, height: Int, pixels: [UInt8]) -> [UInt8] {
        precondition(width > 0 && height > 0 && pixels.count == width * height, "PNG size does not match the pixels")
        var raw = [UInt8]()
        raw.reserveCapacity((width + 1) * height)
        for row in 0 ..< height {
            raw.append(0)
            raw.append(contentsOf: pixels[row * width ..< (row + 1) * width])
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 0, 0, 0, 0]
        append(chunk: "IHDR", data: header, to: &png)
        append(chunk: "IDAT", data: deflate(raw), to: &png)
        append(chunk: "IEND", data: [], to: &png)
        return png
    }

    /// The zlib stream (RFC 1950) of `bytes`, as PNG's IDAT needs.
    static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBufferPointer { target in
            bytes.withUnsafeBufferPointer { source in
                compress2(target.baseAddress, &size, source.baseAddress, uLong(bytes.count), 9)
            }
        }
        precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
        return Array(out[..<Int(size)])
    }

    static func append(chunk type: String, data: [UInt8], to png: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        png += bigEndian(UInt32(data.count))
        let body = typeBytes + data
        png += body
        let crc = body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        png += bigEndian(UInt32(crc))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
