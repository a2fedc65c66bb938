internal import CDeflate
internal import CZlib
import MedPrepCore

/// Streaming gzip decompression (zlib) of an in-memory compressed file (with a one-call libdeflate path), so that a caller can inspect the first
/// inflated bytes (a header) before deciding how much memory the rest deserves.
///
/// Concatenated gzip members are read as one stream (as `gzip -d` does); trailing zero padding is ignored, any other
/// trailing bytes are `.corrupt`. Every member's CRC-32 and length are verified by zlib when its end is reached.
package final class GzipInflater {
    /// Deflate cannot expand data by more than 1032:1, so a compressed file of `n` bytes never inflates to more
    /// than `n · 1032` bytes; used to refuse declared sizes a small file cannot hold before allocating.
    package static let maximumExpansion = 1032

    private let stream: UnsafeMutablePointer<z_stream>
    private var compressed: [UInt8]
    /// Whether `compressed` is this inflater's own buffer, handed to `ScratchArrays` when it is released.
    private let ownsCompressed: Bool
    private let path: String?
    private var consumed = 0
    private var atEnd = false
    private var pendingError: MedPrepError?

    /// Bytes produced so far.
    package private(set) var produced = 0

    /// An upper bound on the total inflated size.
    package var capacity: Int {
        let (bound, overflow) = compressed.count.multipliedReportingOverflow(by: Self.maximumExpansion)
        return overflow ? Int.max : bound
    }

    /// `ownsCompressed`: `compressed` came from `ScratchArrays` and is referenced nowhere else, so that its storage
    /// can be reused when the inflater is released.
    package init(compressed: [UInt8], path: String?, ownsCompressed: Bool = false) throws {
        self.compressed = compressed
        self.ownsCompressed = ownsCompressed
        self.path = path
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw MedPrepError(.io, path: path, reason: "cannot start gzip decompression (zlib status \(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        if ownsCompressed { ScratchArrays.recycle(&compressed) }
    }

    /// Inflates into `buffer`; returns the bytes written, fewer than `buffer.count` only at the end of the stream
    /// or before damage.
    /// A damaged stream still delivers the bytes inflated before the damage; the error comes with the next call.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let pendingError { throw pendingError }
        var written = 0
        while written < buffer.count, !atEnd {
            do {
                written += try step(output: UnsafeMutableRawBufferPointer(rebasing: buffer[written...]))
            } catch let error as MedPrepError where written > 0 {
                pendingError = error
                break
            }
        }
        produced += written
        return written
    }

    /// The whole decompressed file by libdeflate (about twice zlib's speed), member after member, or nil when
    /// the streaming path must handle the file.
    ///
    /// The output buffer holds the last member's size (ISIZE) when that alone covers `minimumSize` (a single
    /// member), else `minimumSize + slack`: the allocation is bounded by what the already checked header declares.
    /// libdeflate verifies every member's CRC-32 and size. Output that does not fit, trailing padding, damaged
    /// streams and files shorter than `minimumSize` return nil: the streaming path then reads them, or reports
    /// exactly what is wrong.
    /// The result comes from `ScratchArrays`; the caller may hand it back when done.
    package func inflateWhole(minimumSize: Int, slack: Int = 1 << 20) -> [UInt8]? {
        let n = compressed.count
        guard n >= 18, produced < minimumSize else { return nil }
        let isize = Int(compressed[n - 4]) | Int(compressed[n - 3]) << 8 | Int(compressed[n - 2]) << 16 | Int(compressed[n - 1]) << 24
        let capacity = isize >= minimumSize && isize - minimumSize <= slack ? isize : minimumSize + slack
        guard capacity <= self.capacity, let decompressor = libdeflate_alloc_decompressor() else { return nil }
        defer { libdeflate_free_decompressor(decompressor) }
        var succeeded = false
        var output = ScratchArrays.bytes(count: capacity)
        var producedBytes = 0
        output.withUnsafeMutableBufferPointer { out in
            var consumedBytes = 0
            let complete = compressed.withUnsafeBytes { input -> Bool in
                while consumedBytes < n {
                    var memberIn = 0, memberOut = 0
                    let result = libdeflate_gzip_decompress_ex(
                        decompressor, input.baseAddress! + consumedBytes, n - consumedBytes,
                        out.baseAddress! + producedBytes, capacity - producedBytes, &memberIn, &memberOut)
                    guard result == LIBDEFLATE_SUCCESS, memberIn > 0 else { return false }
                    consumedBytes += memberIn
                    producedBytes += memberOut
                }
                return true
            }
            succeeded = complete && producedBytes >= minimumSize
        }
        guard succeeded else {
            ScratchArrays.recycle(&output)
            return nil
        }
        output.removeLast(output.count - producedBytes)
        return output
    }

    /// Inflates exactly `count` bytes and discards them; returns false if the stream ended first.
    package func skip(_ count: Int) throws -> Bool {
        var scratch = [UInt8](repeating: 0, count: min(count, 1 << 16))
        var remaining = count
        while remaining > 0 {
            let chunk = min(remaining, scratch.count)
            let got = try scratch.withUnsafeMutableBytes { try read(into: UnsafeMutableRawBufferPointer(rebasing: $0[..<chunk])) }
            if got < chunk {
                try throwIfDamaged()
                return false
            }
            remaining -= chunk
        }
        return true
    }

    /// Throws the error that cut the last `read` short, if any.
    package func throwIfDamaged() throws {
        if let pendingError { throw pendingError }
    }

    /// Inflates and discards the rest of the stream so that every member's checksum is verified.
    package func finish() throws {
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        while !atEnd {
            _ = try scratch.withUnsafeMutableBytes { try read(into: $0) }
        }
    }

    /// One `inflate` call; handles member boundaries and maps zlib errors to `MedPrepError`.
    private func step(output: UnsafeMutableRawBufferPointer) throws -> Int {
        let remaining = compressed.count - consumed
        let offered = min(remaining, Int(UInt32.max))
        let outputCount = min(output.count, Int(UInt32.max))
        let (status, used, written) = compressed.withUnsafeBufferPointer { input -> (Int32, Int, Int) in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress.map { $0 + consumed })
            stream.pointee.avail_in = uInt(offered)
            stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(outputCount)
            let status = inflate(stream, Z_NO_FLUSH)
            return (status, offered - Int(stream.pointee.avail_in), outputCount - Int(stream.pointee.avail_out))
        }
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        consumed += used
        switch status {
        case Z_OK:
            if used == 0, written == 0, consumed == compressed.count { throw truncated() }
        case Z_STREAM_END:
            try startNextMember()
        case Z_BUF_ERROR:
            if consumed == compressed.count { throw truncated() }
        case Z_DATA_ERROR:
            let message = stream.pointee.msg.map { String(cString: $0) } ?? "invalid data"
            throw MedPrepError(.corrupt, path: path, reason: "corrupt gzip stream: \(message)")
        case Z_MEM_ERROR:
            throw MedPrepError(.io, path: path, reason: "out of memory while inflating")
        default:
            throw MedPrepError(.corrupt, path: path, reason: "gzip decompression failed (zlib status \(status))")
        }
        return written
    }

    /// After a member's end: another member follows, zero padding ends the file, anything else is corrupt.
    private func startNextMember() throws {
        let rest = compressed[consumed...]
        if rest.isEmpty || rest.allSatisfy({ $0 == 0 }) {
            atEnd = true
        } else if rest.count >= 2, rest[consumed] == 0x1f, rest[consumed + 1] == 0x8b {
            guard inflateReset(stream) == Z_OK else {
                throw MedPrepError(.corrupt, path: path, reason: "cannot restart gzip decompression for the next member")
            }
        } else {
            throw MedPrepError(.corrupt, path: path, reason: "\(rest.count) trailing bytes after the gzip stream are not a gzip member")
        }
    }

    private func truncated() -> MedPrepError {
        MedPrepError(.truncated, path: path, reason: "gzip stream ends early (truncated file, \(produced) bytes inflated)")
    }
}
