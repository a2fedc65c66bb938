import Foundation
import MedPrepCore

/// Whole-file reads for the raster decoders (PNG and TIFF decode from memory).
enum RasterFile {
    /// The bytes of the regular file at `path`; `.io` naming the system's reason on failure.
    static func bytes(path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw MedPrepError(.io, path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw MedPrepError(.io, path: path, reason: "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw MedPrepError(.io, path: path, reason: "not a regular file")
        }
        // Read straight into an array of the file's size (one byte more, to see whether it grew); only a file
        // that grew since `fstat` is read on in chunks.
        let expected = max(0, Int(status.st_size))
        var failure: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, initialized in
            while initialized < buffer.count {
                let count = Foundation.read(descriptor, buffer.baseAddress! + initialized, buffer.count - initialized)
                if count < 0, errno == EINTR { continue }
                if count < 0 { failure = errno }
                if count <= 0 { break }
                initialized += count
            }
        }
        guard failure == 0 else {
            throw MedPrepError(.io, path: path, reason: "read failed: \(String(cString: strerror(failure)))")
        }
        guard bytes.count > expected else { return bytes }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw MedPrepError(.io, path: path, reason: "read failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0 ..< count])
        }
        return bytes
    }
}
