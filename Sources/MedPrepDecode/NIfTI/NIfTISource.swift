import Foundation
import MedPrepCodecs
import MedPrepCore

/// The bytes of one NIfTI file (.nii, .hdr, .img, possibly gzip-compressed), read at increasing offsets.
///
/// Plain files are read with `pread` only where asked (the header, then the data region), so their size bounds
/// every allocation exactly. Gzip files are held compressed in memory and inflated as a stream, so the header is
/// inspected before the data buffer exists; their inflated size is bounded by `compressed size · 1032`, checked
/// against the gzip trailer before any buffer of the declared size exists (`GzipLayout`), and every large buffer
/// is allocated checked (`.tooLarge` instead of an abort).
final class NIfTISource {
    let path: String
    private enum Storage {
        case memory([UInt8])
        case file(descriptor: Int32, size: Int)
        case gzip(GzipInflater)
    }
    private var storage: Storage
    /// Set once a whole-stream inflate was tried and failed (the stream is then read incrementally), so that it is
    /// not tried again for every later read.
    private var wholeInflateFailed = false
    /// Whether a `.memory` storage is this source's own buffer (inflated here), handed to `ScratchArrays` on release;
    /// bytes passed in by a caller are not.
    private var ownsMemory = false

    /// Reads at least this large from a gzip file inflate the whole single-member stream in one libdeflate call.
    static let wholeInflateThreshold = 1 << 16

    /// Opens `path`; gzip is recognised by its magic bytes, not by the name.
    init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw MedPrepError(.io, path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw MedPrepError(.io, path: path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        var magic = [UInt8](repeating: 0, count: 2)
        let got = magic.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 2, 0) }
        if got == 2, GzipCodec.isGzip(magic) {
            defer { close(descriptor) }
            var compressed = try ScratchArrays.bytes(count: size, path: path)
            try compressed.withUnsafeMutableBytes { try Self.readFully(descriptor, into: $0, at: 0, path: path) }
            storage = .gzip(try GzipInflater(compressed: compressed, path: path, ownsCompressed: true))
        } else {
            storage = .file(descriptor: descriptor, size: size)
        }
    }

    /// Wraps in-memory file bytes (plain or gzip).
    init(bytes: [UInt8], path: String) throws {
        self.path = path
        storage = GzipCodec.isGzip(bytes) ? .gzip(try GzipInflater(compressed: bytes, path: path)) : .memory(bytes)
    }

    deinit {
        switch storage {
        case .file(let descriptor, _):
            close(descriptor)
        case .memory(var bytes):
            guard ownsMemory else { return }
            storage = .file(descriptor: -1, size: 0)
            ScratchArrays.recycle(&bytes)
        case .gzip:
            break
        }
    }

    var isCompressed: Bool {
        if case .gzip = storage { return true }
        return false
    }

    /// The exact length of a plain file, or the most a gzip stream can inflate to.
    var lengthBound: Int {
        switch storage {
        case .memory(let bytes): bytes.count
        case .file(_, let size): size
        case .gzip(let inflater): inflater.capacity
        }
    }

    /// Up to `count` bytes starting at `offset` (fewer only at the end of the file).
    /// For gzip, `offset` must not precede the bytes already read.
    func bytes(at offset: Int, count: Int) throws -> [UInt8] {
        let available = max(0, min(count, lengthBound - offset))
        var buffer = [UInt8](repeating: 0, count: available)
        let got = try buffer.withUnsafeMutableBytes { try read(at: offset, into: $0) }
        return Array(buffer.prefix(got))
    }

    /// Runs `body` on `count` bytes at `offset` in place, without copying, when the file is held in memory (an
    /// in-memory file, or a gzip file that libdeflate inflated whole); nil when the bytes must be read instead.
    func withContiguousBytes<Result>(at offset: Int, count: Int,
                                     _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result? {
        try inflateWholeIfWorthIt(at: offset, count: count)
        guard case .memory(let bytes) = storage, offset >= 0, offset + count <= bytes.count else { return nil }
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[offset ..< offset + count])) }
    }

    /// Inflates a gzip file whole in one libdeflate call, and drops its compressed bytes, when `count` bytes at
    /// `offset` are at least `wholeInflateThreshold` (what a read of them would do anyway). Calling it before
    /// allocating the destination of those bytes keeps the compressed and the decoded copy from being held at once.
    /// Throws when the stream provably cannot hold `offset + count` bytes or the buffer cannot be allocated
    /// (`GzipInflater.inflateWhole`); otherwise a stream left to the streaming path must still reach that size.
    func inflateWholeIfWorthIt(at offset: Int, count: Int) throws {
        guard case .gzip(let inflater) = storage, !wholeInflateFailed, count >= Self.wholeInflateThreshold,
              offset >= inflater.produced else { return }
        if let whole = try inflater.inflateWhole(minimumSize: offset + count) {
            storage = .memory(whole)
            ownsMemory = true
        } else {
            wholeInflateFailed = true
            inflater.requiredSize = offset + count
        }
    }

    /// Fills as much of `buffer` as the file holds from `offset` on; returns the bytes read.
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        switch storage {
        case .memory(let bytes):
            let end = min(bytes.count, offset + buffer.count)
            guard offset < end else { return 0 }
            bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset ..< end])) }
            return end - offset
        case .file(let descriptor, let size):
            let count = max(0, min(buffer.count, size - offset))
            try Self.readFully(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<count]), at: offset, path: path)
            return count
        case .gzip(let inflater):
            guard offset >= inflater.produced else {
                throw MedPrepError(.malformed, path: path, reason: "data offset \(offset) lies inside the header")
            }
            try inflateWholeIfWorthIt(at: offset, count: buffer.count)
            if case .memory = storage { return try read(at: offset, into: buffer) }
            guard try inflater.skip(offset - inflater.produced) else { return 0 }
            let got = try inflater.read(into: buffer)
            if got < buffer.count { try inflater.throwIfDamaged() }
            return got
        }
    }

    /// Verifies the rest of a gzip stream (checksums); nothing to do for plain files.
    func finish() throws {
        if case .gzip(let inflater) = storage { try inflater.finish() }
    }

    private static func readFully(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int,
                                  path: String) throws {
        var done = 0
        while done < buffer.count {
            let got = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if got < 0, errno == EINTR { continue }
            guard got > 0 else {
                let reason = got < 0 ? String(cString: strerror(errno)) : "file shrank while reading"
                throw MedPrepError(.io, path: path, reason: "read failed at byte \(offset + done): \(reason)")
            }
            done += got
        }
    }
}
