import ArgumentParser
import Foundation
import MedPrepCore
import MedPrepPipeline

/// `medprep run PIPELINE`: the pipeline over its input directory, incrementally and crash-safely.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline file over its input directory (incremental, crash-safe, parallel).",
        discussion: """
        Exit codes: 0 every input done; 1 some inputs failed (all others done, each failure reported; a case \
        lacking its label or a channel file fails unless input: {missing: skip}), or no input matched the include \
        patterns; 2 invalid pipeline or usage, an output directory overlapping the input, or --prune refused; 74 I/O failure of the run's own files in the output directory (lock, state \
        store, reports: EX_IOERR); 75 an incompatible run holds the lock on the output directory (EX_TEMPFAIL), \
        or --wait-timeout expired; 130/143 stopped by SIGINT/SIGTERM (cases in flight finish; the line printed \
        says how many are done and left; a re-run continues).

        Nothing is written outside the output directory, no symbolic link below it is followed, and no two cases \
        share an output path (both fail as output_conflict). --prune removes only files no present case uses, and \
        is refused when over --prune-max-share of the recorded cases are gone (--prune-all); with no case found nothing \
        is pruned.

        One lock per output directory: one unsharded run at a time, or the shards of one count N together (each \
        shard K/N once). --wait waits for it, --wait-timeout SECONDS waits at most that long.

        With --shard K/N only the cases of shard K (0-based) of N are processed (a case belongs to shard \
        SHA-256(case id)[0..<8] mod N), each shard with its own state store (.medprep/shard-K-of-N/) and \
        reports (report.shard-K-of-N.json, …), so shards can run at once on machines sharing the output directory. \
        `medprep report merge` combines the shard reports. Pipelines with computed dataset statistics must use \
        two-phase statistics instead (`medprep stats --shard`, `medprep stats merge`, then `stats: stats.json` in the normalize stage).
        """
    )

    @Argument(help: "Pipeline YAML file.")
    var pipeline: String

    @Option(help: "Input directory (overrides input.directory).")
    var input: String?

    @Option(name: .shortAndLong, help: "Output directory (overrides output.directory).")
    var output: String?

    @Option(name: .shortAndLong, help: "Cores to use: parallel workers, one case (or batch) each; memory is bounded by jobs × the largest scan (or batch).")
    var jobs: Int = 1

    @Flag(help: "Show what would be processed without writing anything.")
    var dryRun = false

    @Flag(help: "Redo every input, whatever the state store says.")
    var force = false

    @Flag(help: "Delete outputs whose inputs were removed (refused when over --prune-max-share of the recorded cases are gone; nothing is pruned when no case is found).")
    var prune = false

    @Flag(help: "With --prune: prune however many recorded cases are gone, even all of them.")
    var pruneAll = false

    @Option(help: ArgumentHelp("With --prune: the largest share of the recorded cases that may be removed without --prune-all.",
                               valueName: "fraction"))
    var pruneMaxShare: Double = 0.5

    @Flag(help: "Wait for another run's lock instead of exiting with 75.")
    var wait = false

    @Option(help: ArgumentHelp("Wait for another run's lock at most this long, then exit with 75 (implies --wait).",
                               valueName: "seconds"))
    var waitTimeout: Double?

    @Flag(help: "fsync every output before renaming it into place (survives a power loss, slower).")
    var fsync = false

    @Option(help: ArgumentHelp("How far computed dataset statistics may move (in units of the stored std) before earlier outputs count as stale.",
                               valueName: "fraction"))
    var statisticsTolerance: Double = 1e-3

    @Option(help: "Only the cases of shard K/N (0-based K < N), or slurm / slurm/N (from the Slurm array task).")
    var shard: String?

    @Option(help: "Log format when standard error is not a terminal, or with --no-progress.")
    var logFormat: RunLog.Format = .text

    @Flag(inversion: .prefixedNo, help: "Progress bar on a terminal.")
    var progress = true

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard statisticsTolerance >= 0 else { throw ValidationError("--statistics-tolerance must not be negative") }
        guard (0 ... 1).contains(pruneMaxShare) else { throw ValidationError("--prune-max-share must be between 0 and 1") }
        if let waitTimeout, !(waitTimeout >= 0 && waitTimeout.isFinite) {
            throw ValidationError("--wait-timeout must be a number of seconds ≥ 0")
        }
    }

    func run() throws {
        let log = RunLog(format: logFormat, progressBar: progress ? nil : false)
        let spec: PipelineSpec
        do {
            var loaded = try PipelineParser.load(path: pipeline, checkFilesystem: input == nil)
            if let input { loaded.input.directory = PathResolution.absolute(input, base: PathResolution.currentDirectory) }
            if let output { loaded.output.directory = PathResolution.absolute(output, base: PathResolution.currentDirectory) }
            spec = loaded
        } catch let issues as PipelineIssues {
            issues.lines().forEach { log.failure($0, exitCode: ExitStatus.usage.rawValue) }
            throw ExitStatus.usage
        } catch let error as MedPrepError {
            log.failure("error: \(error)", exitCode: ExitStatus.usage.rawValue)
            throw ExitStatus.usage
        }
        let selected: Shard?
        do {
            selected = try shard.map { try Shard(parsing: $0, environment: ProcessInfo.processInfo.environment) }
        } catch let error as MedPrepError {
            throw ValidationError(error.reason)
        }
        var options = RunOptions(jobs: jobs, dryRun: dryRun, force: force, prune: prune || pruneAll,
                                                        pruneAll: pruneAll, pruneMaxShare: pruneMaxShare,
                                                        wait: wait || waitTimeout != nil, fsync: fsync,
                                                        statisticsTolerance: statisticsTolerance,
                                                        medprepVersion: MedPrep.version, shard: selected,
                                                        waitTimeout: waitTimeout)
        options.stopOnSignals = true
        options.leavesCasesToExit = true
        let runner = PipelineRunner(pipeline: spec.resolved(), options: options, log: log)
        let summary: RunSummary
        do {
            summary = try runner.run()
        } catch let error as MedPrepError where error.kind == .invalidArgument && selected != nil {
            log.failure("medprep: \(error)", exitCode: ExitStatus.usage.rawValue)
            throw ExitStatus.usage
        } catch let interrupted as RunInterrupted {
            let code = ExitStatus.interrupted(by: interrupted.signal)
            log.failure("medprep: \(interrupted)", exitCode: code.rawValue)
            throw code
        } catch let nothing as NoInputs {
            log.failure("error: \(nothing)", exitCode: ExitStatus.someInputsFailed.rawValue)
            throw ExitStatus.someInputsFailed
        } catch let held as RunLockHeld {
            log.failure("medprep: \(held.description)", exitCode: ExitStatus.locked.rawValue)
            throw ExitStatus.locked
        } catch let issues as PipelineIssues {
            issues.lines().forEach { log.failure($0, exitCode: ExitStatus.usage.rawValue) }
            throw ExitStatus.usage
        } catch let error as MedPrepError where error.kind == .io && Self.isInside(error.path, runner.pipeline.outputDirectory) {
            log.failure("error: \(error)", exitCode: ExitStatus.ioError.rawValue)
            throw ExitStatus.ioError
        } catch let error as MedPrepError {
            log.failure("error: \(error)", exitCode: ExitStatus.usage.rawValue)
            throw ExitStatus.usage
        }
        if dryRun {
            print("dry run: would process \(summary.wouldProcess), up to date \(summary.upToDate), "
                + "failed \(summary.failed), removed \(summary.removed)")
        } else {
            print("processed \(summary.processed), up to date \(summary.upToDate), failed \(summary.failed), "
                + "removed \(summary.removed)")
            print("outputs: \(summary.outputDirectory)")
            summary.reports.forEach { print("report:  \($0)") }
        }
        if summary.exitCode != 0 { throw ExitStatus.someInputsFailed }
    }

    /// Whether `path` is `directory` or lies under it: an I/O failure there is of the run's own files (exit 74),
    /// elsewhere (input directory, statistics file) of what the pipeline or the command line named (exit 2).
    static func isInside(_ path: String?, _ directory: String) -> Bool {
        guard let path else { return false }
        return path == directory || path.hasPrefix(directory.hasSuffix("/") ? directory : directory + "/")
    }
}
