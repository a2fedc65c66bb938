import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where the package and the `medprep` executable under test are.
public enum PackagePaths {
    /// The package root, found from this file's path.
    public static let root: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The built `medprep`: beside the test bundle (the build directory `swift test` used), else `.build/debug`.
    public static let medprep: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("medprep").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return root + "/.build/debug/medprep"
    }()

    /// The first executable `name` on `PATH`, if any.
    public static func executable(named name: String) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        return directories.map { "\($0)/\(name)" }.first(where: FileManager.default.isExecutableFile)
    }
}

/// A child process spawned with `posix_spawn` (standard input from /dev/null, standard output and error captured
/// in files) and reaped with `wait4`, so that a test can signal it, time it out and see how it ended.
public struct ChildProcess {
    /// How a finished process ended.
    public struct Outcome {
        /// Exit code, or −1 when a signal ended the process.
        public var status: Int32
        /// The terminating signal, nil for a normal exit.
        public var signal: Int32?
        public var standardOutput: String
        public var standardError: String
        /// `ru_maxrss` from `wait4` in KiB (see `waitSamplingPeak` for when it is the parent's).
        public var peakResidentKiB: Int
        public var seconds: Double
        /// Whether the process was killed for running past its time-out.
        public var timedOut: Bool

        /// Exit status, signal and both outputs, for test failure messages.
        public var transcript: String {
            "exit \(status) signal \(signal.map(String.init) ?? "-")\nstdout:\n\(standardOutput)\nstderr:\n\(standardError)"
        }
    }

    public enum SpawnError: Error, CustomStringConvertible {
        case missingExecutable(String)
        case spawnFailed(Int32)
        public var description: String {
            switch self {
            case .missingExecutable(let path): "executable not found at \(path) (run `swift build` first for medprep)"
            case .spawnFailed(let code): "posix_spawn failed: \(String(cString: strerror(code)))"
            }
        }
    }

    public let pid: pid_t
    private let outputPath: String
    private let errorPath: String
    private let start = Date()

    /// Starts `executable arguments…`; relative paths are relative to the test process's current directory.
    public init(_ executable: String, _ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw SpawnError.missingExecutable(executable)
        }
        let capture = NSTemporaryDirectory() + "medprep-child-" + UUID().uuidString
        outputPath = capture + ".out"
        errorPath = capture + ".err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let code = posix_spawn(&child, executable, &actions, nil, argv, environ)
        guard code == 0 else { throw SpawnError.spawnFailed(code) }
        pid = child
    }

    /// Runs `executable arguments…` to completion, killing it (SIGKILL) after `timeout` seconds if given.
    public static func run(_ executable: String, _ arguments: [String], timeout: Double? = nil) throws -> Outcome {
        try ChildProcess(executable, arguments).wait(timeout: timeout)
    }

    /// Whether the process has exited (a zombie not yet reaped), from `/proc/<pid>/stat`.
    public var hasExited: Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return stat[close...].dropFirst(2).first == "Z"
    }

    public func kill(_ signal: Int32 = SIGKILL) {
        _ = Glibc.kill(pid, signal)
    }

    /// Waits for the process while sampling its own peak RSS (`VmHWM` of `/proc/<pid>/status`, every 5 ms).
    ///
    /// `ru_maxrss` from `wait4` can be wrong here: glibc's `posix_spawn` runs the child on the parent's address
    /// space until `execve`, and Linux keeps that address space's high-water mark in the child's `maxrss`, so it
    /// reports the test process when that is larger.
    public func waitSamplingPeak() -> (outcome: Outcome, peakKiB: Int) {
        var peak = 0
        while !hasExited {
            if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let value = line.split(separator: " ").compactMap({ Int($0) }).first {
                peak = max(peak, value)
            }
            usleep(5_000)
        }
        return (wait(), peak)
    }

    /// Waits for the process (killing it after `timeout` seconds if given) and collects how it ended.
    public func wait(timeout: Double? = nil) -> Outcome {
        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        while true {
            let reaped = wait4(pid, &status, timeout == nil ? 0 : WNOHANG, &usage)
            if reaped == pid { break }
            if reaped < 0, errno != EINTR { break }
            if let timeout, !timedOut, Date().timeIntervalSince(start) > timeout {
                timedOut = true
                kill(SIGKILL)
            }
            if timeout != nil { usleep(20_000) }
        }
        let signalled = (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
        let outcome = Outcome(status: signalled ? -1 : (status >> 8) & 0xff, signal: signalled ? status & 0x7f : nil,
                              standardOutput: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
                              standardError: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "",
                              peakResidentKiB: usage.ru_maxrss, seconds: Date().timeIntervalSince(start),
                              timedOut: timedOut)
        unlink(outputPath)
        unlink(errorPath)
        return outcome
    }
}
