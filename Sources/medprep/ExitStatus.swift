import ArgumentParser

/// medprep's documented exit codes.
///
/// | code | meaning |
/// |---|---|
/// | 0 | every input was processed |
/// | 1 | some inputs failed; all others were processed and each failure was reported with its file and reason |
/// | 2 | invalid pipeline file or command-line usage |
/// | 74 | I/O failure of the run's own files in the output directory: lock, state store, reports (EX_IOERR) |
/// | 75 | another run holds the lock on the output directory (EX_TEMPFAIL: try again later) |
/// | 130, 143 | `run` stopped by SIGINT or SIGTERM (128 + the signal number, as a shell reports a process the signal killed) |
enum ExitStatus {
    static let success = ExitCode(0)
    static let someInputsFailed = ExitCode(1)
    static let usage = ExitCode(2)
    static let ioError = ExitCode(74)
    static let locked = ExitCode(75)

    /// 128 + `signal`: 130 for SIGINT, 143 for SIGTERM.
    static func interrupted(by signal: Int32) -> ExitCode { ExitCode(128 + signal) }
}
