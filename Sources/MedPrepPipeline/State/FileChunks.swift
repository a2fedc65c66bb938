import Foundation
import MedPrepCore

/// Reads a regular file in 1 MiB chunks, for hashing.
enum FileChunks {
    static let size = 1 << 20

    /// Hands every chunk of the regular file at `path` to `body`, in order.
    ///
    /// Refuses anything that is not a regular file (checked on the open descriptor; FIFOs are opened
    /// non-blocking so that the check never hangs).
    static func read(_ path: String, _ body: (UnsafeRawBufferPointer) -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw MedPrepError(.io, path: path, reason: "cannot open for hashing: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw MedPrepError(.io, path: path, reason: "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw MedPrepError(.io, path: path, reason: "not a regular file")
        }
        // The chunk buffer is the thread's spare (`ScratchArrays`), not a fresh 1 MiB block per file: allocated and
        // freed for every file while a run hashes its inputs, such blocks left holes that the run's long-lived small
        // allocations split, and the first run's peak RSS grew with the number of files.
        var chunk = ScratchArrays.bytes(count: size)
        defer { ScratchArrays.recycle(&chunk) }
        try chunk.withUnsafeMutableBytes { buffer in
            while true {
                let count = Foundation.read(fd, buffer.baseAddress, size)
                if count < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    throw MedPrepError(.io, path: path, reason: "read failed: \(String(cString: strerror(errno)))")
                }
                if count == 0 { return }
                body(UnsafeRawBufferPointer(start: buffer.baseAddress, count: count))
            }
        }
    }
}
