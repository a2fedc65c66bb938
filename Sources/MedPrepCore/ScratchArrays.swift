#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Spare large arrays of the current thread, so that the next case a worker decodes reuses the buffers of the last
/// one (compressed file, inflated data, float32 scan, deflate output) instead of freeing and allocating them anew.
///
/// Freed and reallocated, these blocks (10–42 MB each for a 256×256×160 CT) leave holes in the heap that small
/// allocations made meanwhile split, and the heap grows: the peak RSS of the same run varied by 80 MB from run to
/// run. Kept per thread and reused, they are allocated once per worker.
///
/// An array taken from here has the requested count and unspecified contents: the caller overwrites every element.
/// At most `sparesPerKind` arrays of each element type wait per thread, the largest ones kept.
package enum ScratchArrays {
    /// Arrays smaller than this are not kept: the heap handles them well.
    package static let minimumBytes = 1 << 20
    static let sparesPerKind = 3

    /// An array of `count` bytes with unspecified contents.
    package static func bytes(count: Int) -> [UInt8] { take(count: count, from: \.bytes) { _ in } }

    /// An array of `count` floats with unspecified contents.
    package static func floats(count: Int) -> [Float] { take(count: count, from: \.floats) { _ in } }

    /// `bytes(count:)` for a size a file declares: throws `.tooLarge` naming `path` when the memory cannot be had
    /// (`reserve(bytes:for:path:)`), where a failed Swift allocation would abort the process.
    package static func bytes(count: Int, path: String?) throws -> [UInt8] {
        try take(count: count, from: \.bytes) { try reserve(bytes: $0, for: "\(count) bytes of data", path: path) }
    }

    /// `floats(count:)` for a size a file declares; throws `.tooLarge` as `bytes(count:path:)` does.
    package static func floats(count: Int, path: String?) throws -> [Float] {
        try take(count: count, from: \.floats) { try reserve(bytes: $0, for: "\(count) float32 values", path: path) }
    }

    /// Checks that `bytes` bytes can be allocated now: `malloc` (which returns nil, where Swift's allocator aborts
    /// the process) then `free`, so that the array allocated right after gets the same memory. A failure (out of
    /// memory, or over the address-space limit `ulimit -v` / Slurm set) throws `.tooLarge` naming `path`, failing
    /// that one file instead of the run.
    package static func reserve(bytes: Int, for what: String, path: String?) throws {
        guard bytes >= minimumBytes else { return }
        guard bytes < Int.max, let probe = malloc(bytes) else {
            throw MedPrepError(.tooLarge, path: path,
                reason: "cannot allocate \(bytes) bytes for \(what) (out of memory or over the address-space limit); " +
                        "lower --jobs or --max-voxels, or give medprep more memory")
        }
        free(probe)
    }

    /// Keeps `array`'s storage for reuse on this thread, leaving `array` empty.
    package static func recycle(_ array: inout [UInt8]) { give(&array, to: \.bytes) }

    /// Keeps `array`'s storage for reuse on this thread, leaving `array` empty.
    package static func recycle(_ array: inout [Float]) { give(&array, to: \.floats) }

    /// The smallest spare that holds `count` elements, else a new array, for which the largest spare (too small) is
    /// given up first, so that a worker keeps one block per role. `check` sees the byte size of every large block
    /// about to be allocated. A new array's memory is not touched here: its pages come in as the caller writes
    /// them, so memory follows the data that actually arrives. (Growing the spare instead zero-filled the new part:
    /// a 1 MiB hashing buffer grown to 500 MB touched every page and, in a debug build, took minutes.)
    private static func take<Element: Numeric>(count: Int, from kind: ReferenceWritableKeyPath<Spares, [[Element]]>,
                                               check: (Int) throws -> Void) rethrows -> [Element] {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Element>.stride)
        let spares = Spares.current
        let capacities = spares[keyPath: kind].map(\.capacity)
        let fitting = capacities.indices.filter { capacities[$0] >= count }.min { capacities[$0] < capacities[$1] }
        if fitting == nil { try check(overflow ? Int.max : bytes) }
        guard bytes >= minimumBytes, let index = fitting else {
            if bytes >= minimumBytes, let largest = capacities.indices.max(by: { capacities[$0] < capacities[$1] }) {
                spares[keyPath: kind].remove(at: largest)
            }
            return [Element](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        }
        var array = spares[keyPath: kind].remove(at: index)
        if array.count > count {
            array.removeLast(array.count - count)
        } else if array.count < count {
            array.append(contentsOf: repeatElement(0, count: count - array.count))
        }
        return array
    }

    private static func give<Element>(_ array: inout [Element], to kind: ReferenceWritableKeyPath<Spares, [[Element]]>) {
        guard array.capacity * MemoryLayout<Element>.stride >= minimumBytes else { return }
        let spares = Spares.current
        spares[keyPath: kind].append(array)
        array = []
        if spares[keyPath: kind].count > sparesPerKind {
            let capacities = spares[keyPath: kind].map(\.capacity)
            spares[keyPath: kind].remove(at: capacities.indices.min { capacities[$0] < capacities[$1] }!)
        }
    }
}

/// One thread's spare arrays, reached through a pthread key (released with the thread).
final class Spares {
    var bytes: [[UInt8]] = []
    var floats: [[Float]] = []

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<Spares>.fromOpaque(pointer).release() }
        }
        return key
    }()

    static var current: Spares {
        if let pointer = pthread_getspecific(key) {
            return Unmanaged<Spares>.fromOpaque(pointer).takeUnretainedValue()
        }
        let spares = Spares()
        pthread_setspecific(key, Unmanaged.passRetained(spares).toOpaque())
        return spares
    }
}
