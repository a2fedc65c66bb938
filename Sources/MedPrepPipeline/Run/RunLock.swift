import Foundation
import MedPrepCore

/// The lock that keeps incompatible runs off one output directory: one unsharded run at a time, or any number of
/// shard runs of one shard count N, each shard K/N at most once.
///
/// Three lock files under `<output>/.medprep/`, all released by the kernel when their holder exits or dies, so a
/// crashed run never leaves a stale lock:
/// - `lock`, `flock(2)`: an unsharded run holds it exclusively, a shard run shared. This alone excludes unsharded
///   runs from everything, and lets `flock OUTPUT/.medprep/lock COMMAND` keep every run out (scripts, backups).
/// - `shards.lock`, open-file-description byte-range locks (`F_OFD_SETLK`): a shard run of N holds a read lock on
///   byte N for its whole life. Byte 0 is a gate, write-locked only for the few calls in which a shard run
///   registers its N and then looks for a read lock on any other byte; registration and check under the gate make
///   the decision atomic, so two shard runs of different N can never both proceed (nor both refuse spuriously).
/// - `shard-K-of-N/lock`, `flock(2)` exclusive: one run per shard K/N.
///
/// Holders write `pid host` into `lock` (unsharded) or `shard-K-of-N/lock`, for the message others get.
/// Waiting polls every 0.1 s with nothing held in between, so a waiter never blocks compatible runs.
package final class RunLock {
    /// The output directory and the main lock file `<output>/.medprep/lock`.
    package let directory: String
    package let path: String
    /// The shard this lock was taken for, nil for an unsharded run.
    package let shard: Shard?
    private var descriptors: [Int32] = []

    /// Takes the lock for an unsharded run (`shard` nil) or for shard `shard` of a sharded run.
    /// - Parameters:
    ///   - wait: keep trying while an incompatible run holds the lock instead of failing at once.
    ///   - timeout: with `wait`, give up after this many seconds (nil: wait as long as it takes).
    /// - Throws: `RunLockHeld` when held (and not waiting, or the time-out expired); `MedPrepError(.io)` when a
    ///   lock file or the state directory cannot be created, opened or locked.
    package init(outputDirectory: String, shard: Shard? = nil, wait: Bool = false, timeout: Double? = nil) throws {
        directory = outputDirectory
        self.shard = shard
        let stateDirectory = outputDirectory + "/.medprep"
        path = stateDirectory + "/lock"
        try Self.createDirectory(shard.map { stateDirectory + "/" + $0.name } ?? stateDirectory)
        let started = Date()
        while true {
            let holder = try attempt()
            guard let holder else { return }
            let waited = Date().timeIntervalSince(started)
            guard wait else { throw RunLockHeld(holder: holder, directory: outputDirectory) }
            if let timeout, waited >= timeout { throw RunLockHeld(holder: holder, directory: outputDirectory, waited: waited) }
            let pause = min(0.1, timeout.map { max(0.001, $0 - waited) } ?? 0.1)
            usleep(useconds_t(pause * 1_000_000))
        }
    }

    /// Whether this instance still holds the lock.
    package var isHeld: Bool { !descriptors.isEmpty }

    /// Releases the lock (idempotent): closing the files releases their locks.
    package func release() {
        descriptors.reversed().forEach { close($0) }
        descriptors = []
    }

    deinit { release() }

    /// One try: takes every lock this run needs and returns nil, or releases what it took and returns the holder.
    private func attempt() throws -> RunLockHeld.Holder? {
        let main = try Self.openLockFile(path)
        descriptors = [main]
        guard try Self.tryFlock(main, shard == nil ? LOCK_EX : LOCK_SH, path: path) else {
            release()
            return try holderOfMainLock()
        }
        guard let shard else {
            Self.writeOwner(main)
            return nil
        }
        let registry = try Self.openLockFile(registryPath)
        descriptors.append(registry)
        try Self.setLock(registry, type: F_WRLCK, start: 0, length: 1, wait: true, path: registryPath)
        _ = try Self.setLock(registry, type: F_RDLCK, start: Int64(shard.count), length: 1, wait: false, path: registryPath)
        let other = try otherShardCount(registry, than: shard.count)
        _ = try Self.setLock(registry, type: F_UNLCK, start: 0, length: 1, wait: false, path: registryPath)
        if let other {
            release()
            return .shards(count: other, pids: shardPids(count: other))
        }
        let shardPath = directory + "/.medprep/" + shard.name + "/lock"
        let own = try Self.openLockFile(shardPath)
        descriptors.append(own)
        guard try Self.tryFlock(own, LOCK_EX, path: shardPath) else {
            release()
            return .shard(shard, pid: Self.owner(ofFile: shardPath))
        }
        Self.writeOwner(own)
        return nil
    }

    private var registryPath: String { directory + "/.medprep/shards.lock" }

    /// Who holds `lock` when it cannot be had: shard runs when `shards.lock` has a registered N, else the pid
    /// written by an unsharded holder if that process is alive here, else a process that is not a medprep run.
    private func holderOfMainLock() throws -> RunLockHeld.Holder {
        let registry = open(registryPath, O_RDWR | O_CLOEXEC)
        if registry >= 0 {
            defer { close(registry) }
            if let count = try otherShardCount(registry, than: 0) {
                return .shards(count: count, pids: shardPids(count: count))
            }
        }
        return Self.owner(ofFile: path).map { .unsharded(pid: $0) } ?? .unknown
    }

    /// Live local pids recorded by the shard runs of `count` (at most 8).
    private func shardPids(count: Int) -> [Int32] {
        let stateDirectory = directory + "/.medprep"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? []
        return names.filter { $0.hasPrefix("shard-") && $0.hasSuffix("-of-\(count)") }.sorted()
            .compactMap { Self.owner(ofFile: stateDirectory + "/" + $0 + "/lock") }.prefix(8).map { $0 }
    }

    /// A shard count other than `count` registered in `shards.lock` by a live shard run, if any (`F_OFD_GETLK`
    /// for a write lock on bytes 1 ..< count and count + 1 ..< ∞; `count` 0 probes every byte from 1).
    private func otherShardCount(_ descriptor: Int32, than count: Int) throws -> Int? {
        var ranges: [(start: Int64, length: Int64)] = []
        if count > 1 { ranges.append((1, Int64(count) - 1)) }
        if count == 0 { ranges.append((1, 0)) } else if Int64(count) < Int64.max { ranges.append((Int64(count) + 1, 0)) }
        for range in ranges {
            var probe = Self.flockRecord(type: F_WRLCK, start: range.start, length: range.length)
            while fcntl(descriptor, Self.openFileDescriptionGetLock, &probe) != 0 {
                guard errno == EINTR else {
                    throw MedPrepError(.io, path: registryPath, reason: "cannot query the lock: \(String(cString: strerror(errno)))")
                }
            }
            if probe.l_type != Int16(F_UNLCK) { return Int(probe.l_start) }
        }
        return nil
    }

    // MARK: - System calls

    // Linux's F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW (the same on every architecture); Swift's Glibc module does
    // not define _GNU_SOURCE, which glibc needs to declare them.
    private static let openFileDescriptionGetLock: Int32 = 36
    private static let openFileDescriptionSetLock: Int32 = 37
    private static let openFileDescriptionSetLockWait: Int32 = 38

    private static func flockRecord(type: Int32, start: Int64, length: Int64) -> Glibc.flock {
        var record = Glibc.flock()
        record.l_type = Int16(type)
        record.l_whence = Int16(SEEK_SET)
        record.l_start = off_t(start)
        record.l_len = off_t(length)
        record.l_pid = 0
        return record
    }

    /// Sets an OFD byte-range lock; returns false when `wait` is false and it is held elsewhere.
    @discardableResult
    private static func setLock(_ descriptor: Int32, type: Int32, start: Int64, length: Int64, wait: Bool,
                                path: String) throws -> Bool {
        var record = flockRecord(type: type, start: start, length: length)
        while fcntl(descriptor, wait ? openFileDescriptionSetLockWait : openFileDescriptionSetLock, &record) != 0 {
            let code = errno
            if code == EINTR { continue }
            if !wait && (code == EAGAIN || code == EACCES) { return false }
            throw MedPrepError(.io, path: path, reason: "cannot lock: \(String(cString: strerror(code))); the file "
                + "system must support fcntl byte-range locks (local file systems and NFSv4 do)")
        }
        return true
    }

    /// `flock(2)` without blocking; returns false when held elsewhere.
    private static func tryFlock(_ descriptor: Int32, _ operation: Int32, path: String) throws -> Bool {
        while flock(descriptor, operation | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            if code == EWOULDBLOCK { return false }
            throw MedPrepError(.io, path: path, reason: "cannot lock: \(String(cString: strerror(code)))")
        }
        return true
    }

    private static func openLockFile(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw MedPrepError(.io, path: path, reason: "cannot open lock file: \(String(cString: strerror(errno))); "
                + "the output directory's .medprep directory must be writable")
        }
        return descriptor
    }

    private static func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            var isDirectory: ObjCBool = false
            let blocked = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            throw MedPrepError(.io, path: path, reason: "cannot create the state directory: "
                + (blocked ? "a file of that name is in the way; move it away" : ErrorText.reason(error)
                    + "; make the output directory writable, or choose another one with --output"))
        }
    }

    private static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Writes `pid host` into a held lock file.
    private static func writeOwner(_ descriptor: Int32) {
        let text = Array("\(getpid()) \(hostName)\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// The pid written into a lock file, when it names this host and a live process.
    private static func owner(ofFile path: String) -> Int32? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard let first = fields.first, let pid = Int32(first), pid > 0 else { return nil }
        if fields.count > 1, String(fields[1]) != hostName { return nil }
        return kill(pid, 0) == 0 || errno == EPERM ? pid : nil
    }
}
