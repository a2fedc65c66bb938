import Foundation
import MedPrepCore

/// Thrown when another process (or another `RunLock` in this one) holds the lock; the CLI exits with `exitCode`.
public struct RunLockHeld: Error, Sendable, CustomStringConvertible {
    /// `EX_TEMPFAIL` from sysexits.h.
    public static let exitCode: Int32 = 75

    /// The holder's pid as written into the lock file, nil when unreadable.
    public var pid: Int32?
    /// The output directory.
    public var directory: String

    public var description: String {
        "another medprep run (\(pid.map { "pid \($0)" } ?? "pid unknown")) holds the lock on \(directory)"
    }
}

/// An exclusive `flock(2)` on `<output>/.medprep/lock`, so that only one run writes an output directory.
///
/// The holder's pid is written into the file for the message others get. The lock belongs to the open file
/// description: it is released by `release()`, on deinit, and by the kernel when the process dies, so a
/// crashed run never leaves a stale lock behind (the file itself stays and is reused).
public final class RunLock {
    /// The output directory and the lock file.
    public let directory: String
    public let path: String
    private var descriptor: Int32

    /// Takes the lock `<stateDirectory>/lock` (default `<output>/.medprep/lock`); with `wait` false fails at once
    /// if it is held, otherwise blocks until it is free.
    /// - Throws: `RunLockHeld` when held and not waiting; `MedPrepError(.io)` if the file cannot be created.
    public init(outputDirectory: String, stateDirectory: String? = nil, wait: Bool = false) throws {
        directory = outputDirectory
        let stateDirectory = stateDirectory ?? outputDirectory + "/.medprep"
        path = stateDirectory + "/lock"
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw MedPrepError(.io, path: stateDirectory, reason: "cannot create directory: \(error.localizedDescription)")
        }
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw MedPrepError(.io, path: path, reason: "cannot open lock file: \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            let code = errno
            if code == EINTR { continue }
            let holder = Self.readPid(descriptor)
            close(descriptor)
            descriptor = -1
            if code == EWOULDBLOCK { throw RunLockHeld(pid: holder, directory: outputDirectory) }
            throw MedPrepError(.io, path: path, reason: "cannot lock: \(String(cString: strerror(code)))")
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// Whether this instance still holds the lock.
    public var isHeld: Bool { descriptor >= 0 }

    /// Releases the lock (idempotent).
    public func release() {
        guard descriptor >= 0 else { return }
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    private static func readPid(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text)
    }
}
