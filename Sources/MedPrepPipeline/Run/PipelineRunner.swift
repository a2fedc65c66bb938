import Foundation
import MedPrepTransform
import MedPrepCore
import MedPrepDecode
import MedPrepNormalize
import MedPrepReport
import MedPrepWrite

/// Options of `medprep run` that are not part of the pipeline file.
public struct RunOptions: Sendable {
    /// Worker threads, each holding one work unit (a case, or a batch when outputs are batched).
    public var jobs: Int
    /// Decide and report what would be done, writing nothing.
    public var dryRun: Bool
    /// Redo every case whatever the state store says.
    public var force: Bool
    /// Delete the outputs and records of inputs that disappeared (`RunPrune`).
    public var prune: Bool
    /// Prune even when more than `pruneMaxShare` of the recorded cases are gone (a run that finds no case at all
    /// fails before pruning anything, `NoInputs`).
    public var pruneAll: Bool
    /// The largest share (0…1) of the recorded cases that `prune` removes without `pruneAll`.
    public var pruneMaxShare: Double
    /// Wait for another run's lock instead of exiting with 75.
    public var wait: Bool
    /// With `wait`, give up (exit 75) after this many seconds; nil waits as long as it takes.
    public var waitTimeout: Double?
    /// `fsync` every output before renaming it into place (power-loss durability). Without it a killed run still
    /// never leaves a partial file under a final name, and outputs whose size no longer matches the state store
    /// (a file truncated by a power loss) are redone on the next run.
    public var fsync: Bool
    /// Relative change of computed dataset statistics (mean and std, in units of the stored std) above which
    /// previously written outputs count as stale and are redone.
    public var statisticsTolerance: Double
    public var medprepVersion: String
    /// Process only this shard's cases, with the shard's own state store, lock and report files
    /// (`.medprep/shard-K-of-N/`, `report.shard-K-of-N.json`…); nil processes every case.
    public var shard: Shard?
    /// Once the lock is held, let SIGINT and SIGTERM stop the run cleanly (`StopRequest`): no new case is
    /// started, cases in flight finish, and the run ends with `RunInterrupted`.
    public var stopOnSignals = false
    /// Leave the run's per-case structures (discovered cases, records, assessments) to the process's exit instead
    /// of freeing them one by one when `run()` returns (`RunLeftovers`): for a command that exits right after the
    /// run. Freeing them was a tenth of a no-op run's CPU over 100 000 cases.
    public var leavesCasesToExit = false

    public init(jobs: Int = 1, dryRun: Bool = false, force: Bool = false, prune: Bool = false, pruneAll: Bool = false,
                pruneMaxShare: Double = 0.5, wait: Bool = false, fsync: Bool = false,
                statisticsTolerance: Double = 1e-3, medprepVersion: String, shard: Shard? = nil, waitTimeout: Double? = nil) {
        self.jobs = max(1, jobs)
        self.dryRun = dryRun
        self.force = force
        self.prune = prune
        self.pruneAll = pruneAll
        self.pruneMaxShare = pruneMaxShare
        self.wait = wait
        self.fsync = fsync
        self.statisticsTolerance = statisticsTolerance
        self.medprepVersion = medprepVersion
        self.shard = shard
        self.waitTimeout = waitTimeout
    }
}

/// What a run did.
public struct RunSummary: Sendable {
    public var processed = 0
    public var upToDate = 0
    public var failed = 0
    public var removed = 0
    public var wouldProcess = 0
    public var outputDirectory = ""
    public var reports: [String] = []
    /// 0 when every input was done, 1 when some failed.
    public var exitCode: Int32 { failed > 0 ? 1 : 0 }
}

/// Executes a resolved pipeline over its input directory: decode → per-scan stages → batch → normalize → write →
/// report, incrementally and crash-safely.
///
/// - A lock (`RunLock`) keeps overlapping runs off the same output directory.
/// - The state store decides per case: new, changed (inputs, processing, statistics, medprep version, missing
///   outputs) or up to date; only the first two are processed.
/// - Every file gets its final name only when complete (`AtomicFile`); a case's record is written only after
///   all its outputs are in place. A run killed at any moment and started again redoes only unrecorded work, and
///   produces the same bytes as an uninterrupted run.
/// - With a `Shard`, only that shard's cases are processed, and the state store, per-case group statistics and
///   reports are the shard's own; the lock admits the other shards of the same count (never an unsharded run or
///   shards of another count), so shards of one pipeline can run at the same time on machines sharing the
///   output directory. Computed dataset statistics are refused there (each shard would
///   see only part of the dataset): use `medprep stats --shard` and `medprep stats merge` and freeze them.
public final class PipelineRunner: Sendable {
    public let pipeline: ResolvedPipeline
    public let options: RunOptions
    public let log: RunLog
    /// `pipeline.processingHash`, computed once (every case's assessment and record compares it).
    let processingHash: String
    /// The output directory, opened on first write (`outputTree`).
    let outputs: RunOutputDirectory

    public init(pipeline: ResolvedPipeline, options: RunOptions, log: RunLog) {
        self.pipeline = pipeline
        self.options = options
        self.log = log
        processingHash = pipeline.processingHash
        outputs = RunOutputDirectory(path: pipeline.outputDirectory)
    }

    /// One unit of work: the cases normalized together (one case, or one batch).
    struct Unit: Sendable {
        var index: Int
        var cases: [InputCase]
        var statisticsKey: String?
    }

    /// - Throws: `RunLockHeld`; `PipelineIssues` when the stages do not fit the first input's channel count
    ///   (`ResolvedPipeline.checkChannels`); `MedPrepError` for I/O failures of the run itself.
    public func run() throws -> RunSummary {
        try RunPaths.check(pipeline)
        let plan = try StagePlan(stages: pipeline.stages, limits: pipeline.decodeLimits)
        if let shard = options.shard, plan.statisticsSource == .computed {
            throw MedPrepError(.invalidArgument, path: pipeline.file, reason: "a sharded run (--shard \(shard)) cannot "
                + "compute dataset statistics: each shard sees only part of the dataset. Compute them in two phases "
                + "(`medprep stats DIR --shard K/N --output partial-K.json` for every K, then `medprep stats merge "
                + "partial-*.json --output stats.json`) and point the normalize stage's `stats:` at the merged file "
                + "(stats: stats.json)")
        }
        try RunPaths.checkStateDirectory(pipeline, stateDirectory: stateDirectory)
        let lock = options.dryRun ? nil : try RunLock(outputDirectory: pipeline.outputDirectory, shard: options.shard,
                                                      wait: options.wait, timeout: options.waitTimeout)
        defer { lock?.release() }
        if options.stopOnSignals { StopRequest.arm() }
        // Temporary files of a killed run are removed; shards share the output tree, so a sharded run leaves
        // them (another shard may be writing its own right now).
        if lock != nil, options.shard == nil { removeStaleTemporaries() }
        var discovery = try InputDiscovery(pipeline).discover()
        // Incomplete cases fail (`input.missing: fail`) and are logged as errors below, or are skipped and noted.
        let shown = discovery.skipped.filter { !$0.reason.isIncompleteCase || pipeline.missing == .skip }
        var notes = shown.map(\.description)
        shown.forEach { log.note($0.description) }
        try requireInputs(discovery)
        // Output paths are settled before anything is written: cases that would share one fail, in every shard.
        var failures = layout.collisions(discovery.cases, outputDirectory: pipeline.outputDirectory)
        var conflicts = discovery.conflicts
        var incompleteNotes = discovery.skipped
        if let shard = options.shard {
            let total = discovery.cases.count
            discovery.cases = discovery.cases.filter(shard.contains)
            failures = failures.filter { id, _ in discovery.cases.contains { $0.id == id } }
            conflicts = conflicts.filter { shard.contains(caseID: $0.id) }
            incompleteNotes = incompleteNotes.filter { $0.incompleteCase.map { shard.contains(caseID: $0.id) } ?? false }
            notes.append("shard \(shard): \(discovery.cases.count) of \(total) case(s)")
        }
        let incomplete = incompleteCases(incompleteNotes)
        failures.merge(incomplete.failures) { first, _ in first }
        failures.sorted { $0.key < $1.key }.forEach { log.note("error: \($0.value)") }
        conflicts.forEach { log.note("error: \($0)") }
        let present = Set(discovery.cases.map(\.id) + conflicts.map(\.id) + incomplete.ids)
        let store = try openStore()
        if let recovery = store?.recovery { notes.append(recovery) }
        // Every record is read once here; cases are then looked up in memory (`assess`, the report of up-to-date cases).
        let records = try store?.records() ?? [:]
        let recorded = records.keys.sorted()
        let removed = recorded.filter { !present.contains($0) }
        if options.prune { try checkPruneShare(removed: removed.count, recorded: recorded.count, discovered: present.count) }
        let loader = CaseLoader(reader: ScanReader(limits: pipeline.decodeLimits), plan: plan,
                                grid: CaseGrid(alignment: pipeline.align, tolerance: pipeline.gridTolerance,
                                               limits: pipeline.decodeLimits))
        // The stages must fit the channel count: checked on the first case the statistics pass decodes, or else
        // on the first case to process, by the worker that decodes it.
        let statisticsGate = ChannelGate(caseID: discovery.cases.first?.id, check: pipeline.checkChannels)
        let statistics = try resolveStatistics(plan: plan, loader: loader, cases: discovery.cases.filter { failures[$0.id] == nil },
                                               gate: statisticsGate,
                                               failures: &failures, notes: &notes)
        let processor = CaseProcessor(loader: loader, normalizer: try plan.makeNormalizer(statistics: statistics?.value),
                                      nonFinite: plan.nonFinite)
        let batched = pipeline.batches == .npy || plan.dependsOnBatch
        let usable = discovery.cases.filter { failures[$0.id] == nil }
        let units = try makeUnits(usable, batched: batched, statisticsHash: statistics?.hash)

        let (staleUnits, upToDate, assessments) = try assess(units, store: store, records: records, failures: &failures)
        defer {
            if options.leavesCasesToExit {
                RunLeftovers.keep([discovery, records, usable, units, staleUnits, upToDate, assessments, present])
            }
        }

        if options.dryRun {
            return dryRunSummary(staleUnits: staleUnits, upToDate: upToDate, assessments: assessments,
                                 failures: failures, removed: removed)
        }
        var outcomes: [String: FileOutcome] = [:]
        if let store, !removed.isEmpty {
            if options.prune {
                notes += try prune(removed, store: store, keeping: plannedOutputs(usable, units: units))
            } else {
                notes += removed.map { "input of \($0) is gone; its outputs are kept (use --prune to remove them)" }
            }
            for id in removed { outcomes[id] = FileOutcome(input: id, status: .removed) }
        }

        try stopIfRequested(done: upToDate.count, failed: 0, left: staleUnits.reduce(0) { $0 + $1.cases.count })
        let gate = statisticsGate.isSettled ? ChannelGate.open
            : ChannelGate(caseID: staleUnits.first?.cases.first?.id, check: pipeline.checkChannels)
        log.begin("normalize", total: staleUnits.reduce(0) { $0 + $1.cases.count })
        // `--jobs` is the run's core budget: one thread per worker, unless there are fewer units than jobs.
        let threads = max(1, options.jobs / max(1, min(options.jobs, staleUnits.count)))
        let work = staleUnits, decided = assessments
        let visuals = pipeline.reports.contains(.html)
            ? RunVisualsCollector(limit: pipeline.thumbnails, cases: work.flatMap(\.cases)) : nil
        let processedUnits = WorkerPool.map(count: work.count, jobs: options.jobs) { index -> [CaseResult]? in
            // After a stop request no unit is started; units in flight finish and record their cases.
            guard self.stopSignal == nil else { return nil }
            return self.process(work[index], processor: processor, store: store,
                                assessments: decided, statisticsHash: work[index].statisticsKey, threads: threads,
                                gate: gate, visuals: visuals)
        }
        log.end()
        try gate.requirePassed()
        let finished = processedUnits.compactMap { $0 }.flatMap { $0 }
        try stopIfRequested(done: upToDate.count + finished.filter { $0.outcome.status == .processed }.count,
                            failed: failures.count + finished.filter { $0.outcome.status == .failed }.count,
                            left: zip(work, processedUnits).filter { $0.1 == nil }.reduce(0) { $0 + $1.0.cases.count })

        if batched, pipeline.batches == .npy {
            try writeBatchIndex(units, written: zip(work, processedUnits).map { ($0.0.index, $0.1 ?? []) })
        }
        // A run with nothing to do keeps the reports of the same state as they are (`ReportReuse`).
        let reuse = work.isEmpty && failures.isEmpty && conflicts.isEmpty && removed.isEmpty
            ? ReportReuse(upToDate: upToDate, records: records,
                          context: reportContext(statistics: statistics, notes: notes, skipped: incomplete.skipped)) : nil
        if let kept = try keptReports(reuse, store: store, upToDate: upToDate.count) { return kept }
        for (id, error) in failures {
            let input = discovery.cases.first { $0.id == id }?.relativePaths.joined(separator: "+") ?? incomplete.inputs[id]
            outcomes[id] = FileOutcome(input: input ?? id, status: .failed, error: error)
        }
        for outcome in finished { outcomes[outcome.caseID] = outcome.outcome }
        for input in upToDate {
            let record = records[input.id]
            outcomes[input.id] = FileOutcome(input: input.relativePaths.joined(separator: "+"), status: .upToDate,
                                             outputs: record?.outputs.map(\.path) ?? [],
                                             groups: groups(of: record))
        }
        for conflict in conflicts {
            for relative in conflict.relativePaths {
                let error = MedPrepError(.outputConflict, path: pipeline.inputDirectory + "/" + relative, reason: conflict.description)
                outcomes["conflict\u{0}" + relative] = FileOutcome(input: relative, status: .failed, error: error)
            }
        }

        let ordered = outcomes.values.sorted { $0.input < $1.input }
        var report = RunReport(medprepVersion: options.medprepVersion, parameters: parameters(plan),
                               pipeline: pipeline.canonicalJSON, pipelineHash: pipeline.pipelineHash,
                               statisticsSource: statistics?.source, datasetStatistics: statistics?.value,
                               files: ordered, notes: notes)
        report.orientations = OrientationCensus.mixed(finished.map(\.orientation), stages: pipeline.stages)
        if let orientations = report.orientations { log.note(OrientationCensus.warning(orientations)) }
        report.shard = options.shard.map { ShardOfRun(index: $0.index, count: $0.count) }
        report.skipped = incomplete.skipped
        report.visuals = visuals?.result()
        var summary = RunSummary(outputDirectory: pipeline.outputDirectory)
        let counts = report.statusCounts
        summary.processed = counts[.processed] ?? 0
        summary.upToDate = counts[.upToDate] ?? 0
        summary.failed = counts[.failed] ?? 0
        summary.removed = counts[.removed] ?? 0
        summary.reports = try writeReports(report)
        if let store, let reuse {
            try store.setFact(ReportReuse.factName, try reuse.fact(names: pipeline.reports.map(layout.reportFile), in: outputTree))
        }
        return summary
    }


    /// Assesses every case against its record in `records` (in parallel: each case costs a `stat` of its inputs
    /// and outputs, and new or touched files are hashed); a unit is stale when any of its cases is, or with
    /// `--force`. Records of cases whose files were only touched are refreshed in one transaction (not in a dry run).
    func assess(_ units: [Unit], store: StateStore?, records: [String: OutputRecord], failures: inout [String: MedPrepError])
        throws -> (stale: [Unit], upToDate: [InputCase], assessments: [String: InputAssessment]) {
        let members = units.flatMap { unit in unit.cases.map { (unit.statisticsKey, $0) } }
        let results = WorkerPool.map(count: members.count, jobs: options.jobs) { index -> Result<InputAssessment, MedPrepError> in
            let (key, input) = members[index]
            guard let store else { return .success(InputAssessment(decision: .new, inputs: [])) }
            do {
                return .success(try store.assess(recorded: records[input.id], inputPaths: input.fingerprintedPaths,
                                                 pipelineHash: processingHash, statisticsHash: key,
                                                 medprepVersion: options.medprepVersion))
            } catch {
                return .failure(MedPrepError.wrap(error, path: input.paths.first))
            }
        }
        var assessments: [String: InputAssessment] = [:]
        assessments.reserveCapacity(members.count)
        for ((_, input), result) in zip(members, results) {
            switch result {
            case .success(let assessment): assessments[input.id] = assessment
            case .failure(let error): failures[input.id] = error
            }
        }
        if let store, !options.dryRun { try store.record(assessments.values.compactMap(\.refresh)) }
        var stale: [Unit] = []
        var upToDate: [InputCase] = []
        for unit in units {
            let isStale = options.force || unit.cases.contains { assessments[$0.id]?.decision != .upToDate }
            if isStale { stale.append(unit) } else { upToDate += unit.cases }
        }
        return (stale, upToDate, assessments)
    }

    /// What `--dry-run` reports: each case that would be processed and why; nothing is written.
    func dryRunSummary(staleUnits: [Unit], upToDate: [InputCase], assessments: [String: InputAssessment],
                       failures: [String: MedPrepError], removed: [String]) -> RunSummary {
        var summary = RunSummary(outputDirectory: pipeline.outputDirectory)
        summary.wouldProcess = staleUnits.reduce(0) { $0 + $1.cases.count }
        summary.upToDate = upToDate.count
        summary.failed = failures.count
        summary.removed = removed.count
        for input in staleUnits.flatMap(\.cases) {
            let reason: String
            switch assessments[input.id]?.decision {
            case .changed(let why)?: reason = "changed: \(why)"
            case .upToDate?: reason = "batch member of a changed case"
            case .new?, nil: reason = "new"
            }
            log.note("would process \(input.id) (\(options.force ? "forced" : reason))")
        }
        failures.sorted { $0.key < $1.key }.forEach { log.note("error: \($0.value)") }
        removed.forEach { log.note("removed input: \($0)") }
        return summary
    }


    /// The units of work: one per case, or the batches of `BatchAssembler` when outputs are batched; a batch's
    /// statistics key names its members and position, so a change of membership redoes the batch.
    func makeUnits(_ cases: [InputCase], batched: Bool, statisticsHash: String?) throws -> [Unit] {
        guard batched else {
            return cases.enumerated().map { Unit(index: $0.offset, cases: [$0.element], statisticsKey: statisticsHash) }
        }
        return try BatchAssembler(batchSize: pipeline.batchSize).ranges(count: cases.count).enumerated().map { number, range in
            let members = Array(cases[range])
            let membership = SHA256Hasher.hexDigest(text: members.map(\.id).joined(separator: "\n") + "\n#\(number)")
            return Unit(index: number, cases: members, statisticsKey: (statisticsHash ?? "") + "|batch:" + membership)
        }
    }

    struct CaseResult: Sendable {
        var caseID: String
        var outcome: FileOutcome
        /// The decoded case's axis code (`OrientationCensus.code(of:)`).
        var orientation: String?
        /// The case's sample index in its unit's batch file, for a case processed into one.
        var batchPosition: Int?
    }

    /// Decodes, prepares and normalizes one unit (`CaseProcessor`), then writes it; records each case after its
    /// outputs are in place. Settles `gate` when the unit holds its case, and writes nothing unless the gate passes.
    func process(_ unit: Unit, processor: CaseProcessor, store: StateStore?,
                 assessments: [String: InputAssessment], statisticsHash: String?, threads: Int,
                 gate: ChannelGate, visuals: RunVisualsCollector?) -> [CaseResult] {
        guard !gate.hasFailed else { return [] }
        var orientations: [String: String] = [:]
        var before: [String: RunVisualsCollector.Decoded] = [:], after = before
        let result = processor.process(unit.cases, threads: threads) { input in
            let scan = try gate.decodeChannels(of: input, loader: processor.loader)
            orientations[input.id] = OrientationCensus.code(of: scan)
            if let visuals { before[input.id] = visuals.describe(scan); visuals.decoded(before[input.id]!) }
            return scan
        }
        let oriented = { (results: [CaseResult]) in
            visuals?.offer(results.map(\.outcome), ids: results.map(\.caseID), before: before, after: after)
            return results.map { var labelled = $0; labelled.orientation = orientations[$0.caseID]; return labelled }
        }
        var results = result.failures.map { failure($0.input, $0.error) }
        guard var normalized = result.normalized else { return oriented(results) }
        do {
            guard gate.waitUntilSettled() else { return [] }
            var batchFiles: [OutputFile] = []
            if pipeline.batches == .npy {
                let batch = normalized.batch.tensor
                batchFiles.append(try recordedOutput(layout.batchFile(unit.index)) { tree, relative, observer in
                    try NPYWriter.write(batch, to: relative, in: tree, durable: options.fsync, observer: observer)
                })
                if let labels = try writeLabelBatch(normalized.labels, unit: unit.index) { batchFiles.append(labels) }
            }
            for (n, input) in normalized.members.enumerated() {
                var (sample, label, sampleGroups) = normalized.member(n)
                if let visuals { after[input.id] = visuals.describe(sample); visuals.normalized(after[input.id]!) }
                var files = try writeVolumes(sample, label: label, caseID: input.id)
                files += batchFiles
                if let store {
                    try store.record(OutputRecord(caseID: input.id, inputs: assessments[input.id]?.inputs ?? [],
                                                  pipelineHash: processingHash, statisticsHash: statisticsHash,
                                                  medprepVersion: options.medprepVersion, outputs: files,
                                                  groupsJSON: try groupsJSON(sampleGroups), recordedAt: Date()))
                }
                sample.tensor.storage = []
                log.item(input.id, status: "processed")
                results.append(CaseResult(caseID: input.id, outcome: FileOutcome(
                    input: input.relativePaths.joined(separator: "+"), status: .processed,
                    outputs: files.map(\.path), groups: sampleGroups), batchPosition: batchFiles.isEmpty ? nil : n))
            }
            ScratchArrays.recycle(&normalized.batch.tensor.storage)
        } catch {
            for input in normalized.members where !results.contains(where: { $0.caseID == input.id }) {
                results.append(failure(input, error))
            }
        }
        return oriented(results)
    }

    func failure(_ input: InputCase, _ error: Error) -> CaseResult {
        let wrapped = MedPrepError.wrap(error, path: input.paths.first)
        log.item(input.id, status: "failed", error: wrapped.description)
        return CaseResult(caseID: input.id, outcome: FileOutcome(input: input.relativePaths.joined(separator: "+"),
                                                                 status: .failed, error: wrapped))
    }
}
