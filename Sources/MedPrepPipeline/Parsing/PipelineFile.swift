import Foundation
import MedPrepCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads pipeline files as bounded, strictly valid UTF-8 text.
///
/// A pipeline file is at most `maxBytes` long: a regular file's size is checked with `fstat` before anything is
/// read, and at most `maxBytes + 1` bytes are ever read (devices and pipes have no size to check). The bytes must
/// be valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF); nothing is replaced with U+FFFD.
package enum PipelineFile {
    /// Largest pipeline file read, in bytes (1 MiB; the example pipelines are under 2 KB).
    package static let maxBytes = 1 << 20

    /// The text of the pipeline file at `path`.
    /// - Throws: `MedPrepError` `.io` (cannot open or read), `.tooLarge` (over `maxBytes`, with its size),
    ///   `.malformed` (not UTF-8, with the offset of the first invalid byte).
    package static func read(path: String, maxBytes: Int = maxBytes) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path, "cannot open pipeline file") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure(path, "cannot read pipeline file") }
        if status.st_mode & S_IFMT == S_IFDIR {
            throw MedPrepError(.io, path: path, reason: "is a directory, expected a pipeline file")
        }
        if status.st_mode & S_IFMT == S_IFREG, Int(status.st_size) > maxBytes {
            throw tooLarge(path, size: "is \(Int(status.st_size)) bytes", maxBytes: maxBytes)
        }
        var bytes = [UInt8](repeating: 0, count: maxBytes + 1)
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { readSome(descriptor, $0.baseAddress! + count, $0.count - count) }
            if got == 0 { break }
            if got < 0 {
                if errno == EINTR { continue }
                throw failure(path, "cannot read pipeline file")
            }
            count += got
        }
        if count > maxBytes { throw tooLarge(path, size: "has more than \(maxBytes) bytes", maxBytes: maxBytes) }
        bytes.removeSubrange(count...)
        return try text(of: bytes, path: path)
    }

    /// `bytes` as text when they are valid UTF-8.
    /// - Throws: `MedPrepError(.malformed)` naming the byte offset (0-based) and line of the first invalid byte.
    package static func text(of bytes: [UInt8], path: String) throws -> String {
        if let offset = firstInvalidUTF8(in: bytes) {
            let line = bytes[..<offset].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            let byte = String(bytes[offset], radix: 16, uppercase: true)
            throw MedPrepError(.malformed, path: path,
                               reason: "pipeline file is not UTF-8: invalid byte sequence at byte offset \(offset) (line \(line), "
                                   + "byte 0x\(byte)); save the file as UTF-8")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Offset of the first byte of the first ill-formed UTF-8 sequence, nil when all of `bytes` is well-formed.
    ///
    /// Well-formed sequences are those of Unicode Table 3-7: the second byte's range depends on the first
    /// (E0 A0…BF, ED 80…9F, F0 90…BF, F4 80…8F: no overlong forms, no surrogates, nothing past U+10FFFF), and
    /// every later byte is 80…BF.
    static func firstInvalidUTF8(in bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { buffer -> Int? in
            var index = 0
            while index < buffer.count {
                let lead = buffer[index]
                if lead < 0x80 {
                    index += 1
                    continue
                }
                let length: Int
                var second: ClosedRange<UInt8> = 0x80...0xBF
                switch lead {
                case 0xC2...0xDF: length = 2
                case 0xE0: length = 3; second = 0xA0...0xBF
                case 0xE1...0xEC, 0xEE...0xEF: length = 3
                case 0xED: length = 3; second = 0x80...0x9F
                case 0xF0: length = 4; second = 0x90...0xBF
                case 0xF1...0xF3: length = 4
                case 0xF4: length = 4; second = 0x80...0x8F
                default: return index
                }
                guard index + length <= buffer.count, second.contains(buffer[index + 1]) else { return index }
                for next in index + 2..<index + length where buffer[next] & 0xC0 != 0x80 { return index }
                index += length
            }
            return nil
        }
    }

    static func failure(_ path: String, _ what: String) -> MedPrepError {
        MedPrepError(.io, path: path, reason: "\(what): \(String(cString: strerror(errno)))")
    }

    static func tooLarge(_ path: String, size: String, maxBytes: Int) -> MedPrepError {
        MedPrepError(.tooLarge, path: path,
                     reason: "pipeline file \(size), over the cap of \(maxBytes) bytes for a pipeline file; "
                         + "check that this is the pipeline (the example pipelines are under 2 KB)")
    }
}

/// read(2), named apart from `PipelineFile.read(path:)`.
private func readSome(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
