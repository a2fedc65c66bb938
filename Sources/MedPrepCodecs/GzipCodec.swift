internal import CDeflate
import MedPrepCore

/// gzip (RFC 1952) detection, decompression (zlib streaming, or libdeflate in one call for a single member)
/// and compression (libdeflate).
package enum GzipCodec {
    /// Whether `prefix` starts with the gzip magic bytes `1f 8b`.
    package static func isGzip(_ prefix: [UInt8]) -> Bool {
        prefix.count >= 2 && prefix[0] == 0x1f && prefix[1] == 0x8b
    }

    /// Inflates a whole gzip file (all members), verifying every CRC.
    ///
    /// Throws `.tooLarge` if the output would exceed `maxOutputBytes`, `.corrupt`/`.truncated` for a damaged stream.
    package static func inflate(_ compressed: [UInt8], path: String? = nil, maxOutputBytes: Int = Int.max) throws -> [UInt8] {
        let inflater = try GzipInflater(compressed: compressed, path: path)
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = try chunk.withUnsafeMutableBytes { try inflater.read(into: $0) }
            guard output.count + got <= maxOutputBytes else {
                throw MedPrepError(.tooLarge, path: path, reason: "gzip stream inflates to more than \(maxOutputBytes) bytes")
            }
            output.append(contentsOf: chunk[..<got])
            if got < chunk.count {
                try inflater.throwIfDamaged()
                return output
            }
        }
    }

    /// Compresses `bytes` into one standard gzip member (libdeflate; level 1 is fastest, 12 smallest).
    package static func deflate(_ bytes: UnsafeRawBufferPointer, level: Int = 1, path: String? = nil) throws -> [UInt8] {
        guard (0 ... 12).contains(level) else {
            throw MedPrepError(.invalidArgument, path: path, reason: "gzip level \(level) is outside 0…12")
        }
        guard let compressor = libdeflate_alloc_compressor(Int32(level)) else {
            throw MedPrepError(.io, path: path, reason: "cannot allocate a gzip compressor")
        }
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_gzip_compress_bound(compressor, bytes.count)
        let output = [UInt8](unsafeUninitializedCapacity: bound) { out, initialized in
            initialized = libdeflate_gzip_compress(compressor, bytes.baseAddress, bytes.count, out.baseAddress, out.count)
        }
        guard !output.isEmpty else {
            throw MedPrepError(.io, path: path, reason: "gzip compression of \(bytes.count) bytes failed")
        }
        return output
    }

    /// Default member size of `deflate(_:level:memberSize:path:emit:)`.
    package static let defaultMemberSize = 4 << 20

    /// Compresses `bytes` as consecutive gzip members of `memberSize` input bytes each (RFC 1952 allows any
    /// number of members; `gzip -d`, zlib, Python's gzip and nibabel read them as one stream), handing each
    /// compressed member to `emit`. Memory stays at one member's output however large the input is.
    package static func deflate(_ bytes: UnsafeRawBufferPointer, level: Int = 1, memberSize: Int = defaultMemberSize,
                               path: String? = nil, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard (0 ... 12).contains(level), memberSize > 0 else {
            throw MedPrepError(.invalidArgument, path: path, reason: "gzip level \(level) / member size \(memberSize) is invalid")
        }
        guard let compressor = libdeflate_alloc_compressor(Int32(level)) else {
            throw MedPrepError(.io, path: path, reason: "cannot allocate a gzip compressor")
        }
        defer { libdeflate_free_compressor(compressor) }
        let capacity = libdeflate_gzip_compress_bound(compressor, min(memberSize, max(bytes.count, 1)))
        var buffer = ScratchArrays.bytes(count: capacity)
        defer { ScratchArrays.recycle(&buffer) }
        try buffer.withUnsafeMutableBytes { output in
            var start = 0
            repeat {
                let end = min(bytes.count, start + memberSize)
                let written = libdeflate_gzip_compress(compressor, bytes.baseAddress.map { $0 + start }, end - start,
                                                       output.baseAddress, capacity)
                guard written > 0 else {
                    throw MedPrepError(.io, path: path, reason: "gzip compression of \(end - start) bytes failed")
                }
                try emit(UnsafeRawBufferPointer(rebasing: output[..<written]))
                start = end
            } while start < bytes.count
        }
    }

    /// Compresses `bytes` into one standard gzip member.
    package static func deflate(_ bytes: [UInt8], level: Int = 1, path: String? = nil) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try deflate($0, level: level, path: path) }
    }
}
