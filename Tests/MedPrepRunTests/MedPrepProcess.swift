import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The built `medprep` executable, spawned with `posix_spawn` so that the test can signal it and collect its
/// resource usage (`wait4`), with standard output and error captured in files.
struct MedPrepProcess {
    /// `<package>/.build/debug/medprep`, found from this file's path (`swift test` builds it).
    static let executable: String = {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/medprep").path
    }()

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// How a finished process ended.
    struct Outcome {
        var status: Int32
        /// Signal number when killed by a signal, else nil.
        var signal: Int32?
        var standardOutput: String
        var standardError: String
        /// `ru_maxrss` in KiB (see `waitSamplingPeak` for why it can be the parent's).
        var peakResidentKiB: Int
    }

    enum SpawnError: Error, CustomStringConvertible {
        case missingExecutable(String)
        case spawnFailed(Int32)
        var description: String {
            switch self {
            case .missingExecutable(let path): "medprep executable not found at \(path): run `swift build` first"
            case .spawnFailed(let code): "posix_spawn failed: \(String(cString: strerror(code)))"
            }
        }
    }

    let pid: pid_t
    let outputPath: String
    let errorPath: String

    /// Starts `medprep arguments…` (or another `executable`); relative paths are relative to the test
    /// process's current directory, so tests pass absolute ones.
    init(_ arguments: [String], executable: String = MedPrepProcess.executable) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw SpawnError.missingExecutable(executable)
        }
        let capture = NSTemporaryDirectory() + "medprep-run-" + UUID().uuidString
        outputPath = capture + ".out"
        errorPath = capture + ".err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let code = posix_spawn(&child, executable, &actions, nil, argv, environ)
        guard code == 0 else { throw SpawnError.spawnFailed(code) }
        pid = child
    }

    /// Runs `medprep arguments…` to completion.
    static func run(_ arguments: [String]) throws -> Outcome {
        try MedPrepProcess(arguments).wait()
    }

    /// Runs `python3 arguments…` (the first `python3` on `PATH`); nil when there is none.
    static func python(_ arguments: [String]) -> Outcome? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        guard let python = directories.map({ "\($0)/python3" }).first(where: FileManager.default.isExecutableFile) else {
            return nil
        }
        return try? MedPrepProcess(arguments, executable: python).wait()
    }

    /// Whether the process has exited (a zombie not yet reaped), from `/proc/<pid>/stat`.
    var hasExited: Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return stat[close...].dropFirst(2).first == "Z"
    }

    /// Waits for the process while sampling its own peak RSS (`VmHWM` of `/proc/<pid>/status`, every 5 ms).
    ///
    /// `ru_maxrss` from `wait4` is not usable here: glibc's `posix_spawn` runs the child on the parent's address
    /// space until `execve`, and Linux keeps that address space's high-water mark in the child's `maxrss`, so it
    /// reports the (larger) test process.
    func waitSamplingPeak() -> (outcome: Outcome, peakKiB: Int) {
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

    func kill(_ signal: Int32 = SIGKILL) {
        _ = Glibc.kill(pid, signal)
    }

    /// Waits for the process and collects its status, output and peak RSS.
    func wait() -> Outcome {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let terminatedBySignal = (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
        let outcome = Outcome(status: terminatedBySignal ? -1 : (status >> 8) & 0xff,
                              signal: terminatedBySignal ? status & 0x7f : nil,
                              standardOutput: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
                              standardError: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "",
                              peakResidentKiB: usage.ru_maxrss)
        unlink(outputPath)
        unlink(errorPath)
        return outcome
    }
}

extension MedPrepProcess.Outcome {
    /// The numbers of the `processed P, up to date U, failed F, removed R` summary line.
    var summary: (processed: Int, upToDate: Int, failed: Int, removed: Int)? {
        guard let line = standardOutput.split(separator: "\n").first(where: { $0.hasPrefix("processed ") }) else { return nil }
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard numbers.count == 4 else { return nil }
        return (numbers[0], numbers[1], numbers[2], numbers[3])
    }

    var transcript: String { "exit \(status) signal \(signal.map(String.init) ?? "-")\nstdout:\n\(standardOutput)\nstderr:\n\(standardError)" }
}
