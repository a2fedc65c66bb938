import ArgumentParser
import Foundation
import MedPrepCore
#if canImport(Glibc)
import CMalloc
#endif

/// The `medprep` command: turns directories of medical scans into normalized training tensors.
@main
struct MedPrep: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "medprep",
        abstract: "Decode medical scans, normalize them (GroupNorm, dataset statistics) and write training tensors.",
        discussion: """
        Exit codes: 0 success; 1 some inputs failed (the others were processed); 2 invalid pipeline or usage; \
        74 I/O failure of the run's lock, state store or reports (`run`); 75 another run holds the lock on the \
        output directory; 130/143 `run` stopped by SIGINT/SIGTERM (a re-run continues).
        """,
        version: version,
        subcommands: [
            InspectCommand.self, StatsGroupCommand.self, NormalizeCommand.self, CompareNormsCommand.self,
            ValidateCommand.self, RunCommand.self, ReportCommand.self, CheckCommand.self,
        ]
    )

    /// Parses and runs, mapping usage errors to exit code 2 (ArgumentParser's default is 64).
    static func main() {
        keepLargeBuffersInHeap()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            if Self.isOwnError(error) {
                exit(withError: error)
            }
            // medprep's and Foundation's errors, in plain words (no Swift type names): exit 1 as before.
            FileHandle.standardError.write(Data("Error: \(ErrorText.describe(error))\n".utf8))
            Foundation.exit(ExitStatus.someInputsFailed.rawValue)
        }
    }

    /// Whether `error` is swift-argument-parser's (usage errors, `ExitCode`, help and version requests), which it
    /// prints and maps to exit codes itself.
    static func isOwnError(_ error: Error) -> Bool {
        String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }

    /// Scans are decoded into, normalized in and encoded from buffers of tens of MB, one set per worker and
    /// file. glibc serves such sizes with fresh `mmap`s that the kernel must fault in and zero on every file
    /// (≈ 40 % of a run's system time); served from the heap and kept there, the same pages are reused from
    /// file to file. One arena: a worker thread's own arena would put each such buffer in a heap of its own,
    /// which glibc unmaps as soon as it is free (5× the page faults with `--jobs 2`). Memory stays bounded by
    /// jobs × one file's buffers.
    static func keepLargeBuffersInHeap() {
        #if canImport(Glibc)
        _ = mallopt(M_ARENA_MAX, 1)
        _ = mallopt(M_MMAP_MAX, 0)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
    }
}
