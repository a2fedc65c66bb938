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

    /// The least the stream must inflate to (0: no requirement). Reading throws `.truncated` as soon as the
    /// compressed bytes left cannot deliver the rest (deflate's 1032:1 bound), instead of inflating up to the end.
    package var requiredSize = 0

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
                try checkReachable(produced + written)
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
    /// Before allocating, the trailer is checked (`GzipLayout`): the output buffer holds the last member's size
    /// (ISIZE) when that covers `minimumSize` (one member), else `minimumSize + slack`; a single-member file whose
    /// size cannot reach `minimumSize` throws without inflating anything. The buffer is checked (`.tooLarge` when
    /// it cannot be had) and its pages are touched only as data arrives. Between members, a stream whose rest
    /// cannot inflate to the missing bytes (`1032` per byte) throws `.truncated`, as does a complete stream (every
    /// member verified) that is shorter than `minimumSize`. Output that does not fit, damaged members and other
    /// failures return nil: the streaming path then reads the file, or reports exactly what is wrong.
    /// The result comes from `ScratchArrays`; the caller may hand it back when done.
    package func inflateWhole(minimumSize: Int, slack: Int = 1 << 20) throws -> [UInt8]? {
        let n = compressed.count
        guard n >= 18, produced < minimumSize else { return nil }
        let verdict = try compressed.withUnsafeBytes {
            try GzipLayout($0).verdict(minimumSize: minimumSize, slack: slack, path: path)
        }
        let capacity: Int
        switch verdict {
        case .matches(let total): capacity = total
        case .unknown: capacity = minimumSize + slack
        }
        guard capacity <= self.capacity, let decompressor = libdeflate_alloc_decompressor() else { return nil }
        defer { libdeflate_free_decompressor(decompressor) }
        // Bytes after the last non-zero one are padding once a member has ended there.
        let end = (compressed.lastIndex { $0 != 0 } ?? -1) + 1
        var output = try ScratchArrays.bytes(count: capacity, path: path)
        var producedBytes = 0, consumedBytes = 0
        var complete = false
        try output.withUnsafeMutableBufferPointer { out in
            complete = try compressed.withUnsafeBytes { input -> Bool in
                while consumedBytes < end {
                    let reachable = (n - consumedBytes).multipliedReportingOverflow(by: Self.maximumExpansion)
                    if !reachable.overflow, producedBytes + reachable.partialValue < minimumSize {
                        throw MedPrepError(.truncated, path: path,
                            reason: "the gzip stream cannot hold the data its NIfTI header declares: after \(producedBytes) " +
                                    "bytes, its last \(n - consumedBytes) compressed bytes inflate to at most \(reachable.partialValue), " +
                                    "\(minimumSize - producedBytes) are missing")
                    }
                    var memberIn = 0, memberOut = 0
                    let result = libdeflate_gzip_decompress_ex(
                        decompressor, input.baseAddress! + consumedBytes, n - consumedBytes,
                        out.baseAddress! + producedBytes, capacity - producedBytes, &memberIn, &memberOut)
                    guard result == LIBDEFLATE_SUCCESS, memberIn > 0 else {
                        guard result == LIBDEFLATE_BAD_DATA else { return false }
                        try diagnoseMember(decompressor, input, at: consumedBytes,
                                           into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(out)[producedBytes...]))
                        return false
                    }
                    consumedBytes += memberIn
                    producedBytes += memberOut
                }
                return true
            }
        }
        guard complete else {
            output = []
            return nil
        }
        guard producedBytes >= minimumSize else {
            throw MedPrepError(.truncated, path: path,
                reason: "the gzip stream ends after \(producedBytes) bytes (every member complete and its CRC verified), " +
                        "the NIfTI header declares data up to byte \(minimumSize)")
        }
        output.removeLast(output.count - producedBytes)
        return output
    }

    /// After libdeflate refused the member at `start`: throws `.corrupt` when a complete member is followed by
    /// bytes that do not start another one; else inflates its deflate data alone into `output` and, when that
    /// data is complete and valid, throws what is wrong with the member's trailer (a forged or damaged size or
    /// CRC-32, or no trailer), so that a file whose data is intact is not inflated again by zlib just to say so.
    /// Returns when the deflate data itself is damaged or does not fit (the streaming path then tells).
    private func diagnoseMember(_ decompressor: OpaquePointer, _ input: UnsafeRawBufferPointer, at start: Int,
                                into output: UnsafeMutableRawBufferPointer) throws {
        if start > 0, input.count - start >= 2, input[start] != 0x1f || input[start + 1] != 0x8b {
            throw MedPrepError(.corrupt, path: path,
                reason: "\(input.count - start) trailing bytes after the gzip stream are not a gzip member")
        }
        guard let body = Self.deflateStart(input, member: start) else { return }
        var used = 0, written = 0
        let result = libdeflate_deflate_decompress_ex(decompressor, input.baseAddress! + body, input.count - body,
                                                      output.baseAddress, output.count, &used, &written)
        guard result == LIBDEFLATE_SUCCESS else { return }
        let trailer = body + used
        guard trailer + 8 <= input.count else {
            throw MedPrepError(.truncated, path: path,
                reason: "gzip stream ends inside the trailer of the member at byte \(start) (\(written) bytes inflated)")
        }
        let crc = input.loadUnaligned(fromByteOffset: trailer, as: UInt32.self).littleEndian
        let isize = input.loadUnaligned(fromByteOffset: trailer + 4, as: UInt32.self).littleEndian
        if isize != UInt32(truncatingIfNeeded: written) {
            throw MedPrepError(.corrupt, path: path,
                reason: "the gzip member at byte \(start) inflates to \(written) bytes, its trailer says \(isize) (mod 2^32)")
        }
        if crc != UInt32(libdeflate_crc32(0, output.baseAddress, written)) {
            throw MedPrepError(.corrupt, path: path, reason: "CRC-32 mismatch in the gzip member at byte \(start)")
        }
    }

    /// Where the deflate data of the gzip member starting at `start` begins (after the optional extra field, name,
    /// comment and header CRC of RFC 1952 §2.3), or nil when the header is not a complete, valid one.
    static func deflateStart(_ input: UnsafeRawBufferPointer, member start: Int) -> Int? {
        guard start + 10 <= input.count, input[start] == 0x1f, input[start + 1] == 0x8b, input[start + 2] == 8,
              input[start + 3] & 0xe0 == 0 else { return nil }
        let flags = input[start + 3]
        var offset = start + 10
        if flags & 0x04 != 0 {
            guard offset + 2 <= input.count else { return nil }
            offset += 2 + (Int(input[offset]) | Int(input[offset + 1]) << 8)
        }
        for flag in [UInt8(0x08), 0x10] where flags & flag != 0 {
            while offset < input.count, input[offset] != 0 { offset += 1 }
            offset += 1
        }
        if flags & 0x02 != 0 { offset += 2 }
        return offset < input.count ? offset : nil
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

    /// Throws `.truncated` when `requiredSize` is out of reach after `producedSoFar` bytes: the compressed bytes
    /// left inflate to at most 1032 each, plus 64 KiB for what zlib holds back (a pending match, its bit buffer).
    private func checkReachable(_ producedSoFar: Int) throws {
        guard requiredSize > producedSoFar else { return }
        let (reachable, overflow) = (compressed.count - consumed).multipliedReportingOverflow(by: Self.maximumExpansion)
        guard !overflow, producedSoFar + reachable + (1 << 16) < requiredSize else { return }
        throw MedPrepError(.truncated, path: path,
            reason: "the gzip stream cannot hold the data its NIfTI header declares: after \(producedSoFar) bytes, " +
                    "its last \(compressed.count - consumed) compressed bytes inflate to at most \(reachable), " +
                    "\(requiredSize - producedSoFar) are missing")
    }

    private func truncated() -> MedPrepError {
        MedPrepError(.truncated, path: path, reason: "gzip stream ends early (truncated file, \(produced) bytes inflated)")
    }
}
