import Foundation

/// Runs an executable as a child with `posix_spawn` and reaps it with `wait4`, so that its peak resident set size
/// (`ru_maxrss`) and whether a signal ended it are known. Standard output and error go to files.
struct ChildProcess {
    struct Outcome {
        /// Exit code, nil when a signal ended the process.
        var exitCode: Int32?
        /// The terminating signal, nil for a normal exit.
        var signal: Int32?
        /// Peak resident set size in bytes.
        var peakRSS: Int
        var seconds: Double
        var timedOut: Bool
        var stdout: String
        var stderr: String
    }

    /// Runs `executable arguments…` (output files in `directory`); kills it (SIGKILL, by its pid) after `timeout` seconds.
    static func run(_ executable: String, _ arguments: [String], in directory: String, timeout: Double) throws -> Outcome {
        let stdoutPath = directory + "/child.stdout", stderrPath = directory + "/child.stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let start = Date()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL)
        }
        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        while true {
            let reaped = wait4(pid, &status, WNOHANG, &usage)
            if reaped == pid { break }
            if reaped < 0, errno != EINTR { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD) }
            if !timedOut, Date().timeIntervalSince(start) > timeout {
                timedOut = true
                kill(pid, SIGKILL)
            }
            usleep(20_000)
        }
        let seconds = Date().timeIntervalSince(start)
        let signalled = (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
        return Outcome(exitCode: signalled ? nil : (status >> 8) & 0xff, signal: signalled ? status & 0x7f : nil,
                       peakRSS: Int(usage.ru_maxrss) * 1024, seconds: seconds, timedOut: timedOut,
                       stdout: (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "")
    }
}
