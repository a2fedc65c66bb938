import Foundation
import MedPrepBatch
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
    /// Delete the outputs and records of inputs that disappeared.
    public var prune: Bool
    /// Wait for another run's lock instead of exiting with 75.
    public var wait: Bool
    /// Relative change of computed dataset statistics (mean and std, in units of the stored std) above which
    /// previously written outputs count as stale and are redone.
    public var statisticsTolerance: Double
    public var medprepVersion: String
    /// Process only this shard's cases, with the shard's own state store, lock and report files
    /// (`.medprep/shard-K-of-N/`, `report.shard-K-of-N.json`…); nil processes every case.
    public var shard: Shard?

    public init(jobs: Int = 1, dryRun: Bool = false, force: Bool = false, prune: Bool = false, wait: Bool = false,
                statisticsTolerance: Double = 1e-3, medprepVersion: String, shard: Shard? = nil) {
        self.jobs = max(1, jobs)
        self.dryRun = dryRun
        self.force = force
        self.prune = prune
        self.wait = wait
        self.statisticsTolerance = statisticsTolerance
        self.medprepVersion = medprepVersion
        self.shard = shard
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
/// - Every file is written to a temporary name and renamed; a case's record is written only after all its
///   outputs are in place. A run killed at any moment and started again redoes only unrecorded work, and
///   produces the same bytes as an uninterrupted run.
/// - With a `Shard`, only that shard's cases are processed, and the lock, state store, per-case group
///   statistics and reports are the shard's own, so shards of one pipeline can run at the same time on
///   machines sharing the output directory. Computed dataset statistics are refused there (each shard would
///   see only part of the dataset): use `medprep stats --shard` and `medprep stats merge` and freeze them.
public final class PipelineRunner: Sendable {
    public let pipeline: ResolvedPipeline
    public let options: RunOptions
    public let log: RunLog

    public init(pipeline: ResolvedPipeline, options: RunOptions, log: RunLog) {
        self.pipeline = pipeline
        self.options = options
        self.log = log
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
        let plan = try StagePlan(stages: pipeline.stages, limits: pipeline.decodeLimits)
        if let shard = options.shard, plan.statisticsSource == .computed {
            throw MedPrepError(.invalidArgument, path: pipeline.file, reason: "a sharded run (--shard \(shard)) cannot "
                + "compute dataset statistics: each shard sees only part of the dataset. Compute them in two phases "
                + "(`medprep stats DIR --shard K/N --output partial-K.json` for every K, then `medprep stats merge "
                + "partial-*.json --output stats.json`) and point the normalize stage's `stats:` at the merged file "
                + "(stats: stats.json)")
        }
        let lock = options.dryRun ? nil : try RunLock(outputDirectory: pipeline.outputDirectory,
                                                      stateDirectory: stateDirectory, wait: options.wait)
        defer { lock?.release() }
        // Temporary files of a killed run are removed; shards share the output tree, so a sharded run leaves
        // them (another shard may be writing its own right now).
        if lock != nil, options.shard == nil { removeStaleTemporaries() }
        var discovery = try InputDiscovery(pipeline).discover()
        var notes = discovery.skipped.map(\.description)
        discovery.skipped.forEach { log.note($0.description) }
        if let shard = options.shard {
            let total = discovery.cases.count
            discovery.cases = discovery.cases.filter(shard.contains)
            notes.append("shard \(shard): \(discovery.cases.count) of \(total) case(s)")
        }
        let loader = CaseLoader(reader: ScanReader(limits: pipeline.decodeLimits), plan: plan)
        if let first = discovery.cases.first, let decoded = try? loader.decodeChannels(first.paths) {
            let issues = pipeline.checkChannels(decoded.tensor.shape.c)
            if !issues.isEmpty { throw PipelineIssues(issues) }
        }
        var failures: [String: MedPrepError] = [:]
        let statistics = try resolveStatistics(plan: plan, loader: loader, cases: discovery.cases,
                                               failures: &failures, notes: &notes)
        let normalizer = try plan.makeNormalizer(statistics: statistics?.value)
        let store = try openStore()
        let batched = pipeline.batches == .npy || plan.dependsOnBatch
        let usable = discovery.cases.filter { failures[$0.id] == nil }
        let units = makeUnits(usable, batched: batched, statisticsHash: statistics?.hash)

        var staleUnits: [Unit] = []
        var assessments: [String: InputAssessment] = [:]
        var upToDate: [InputCase] = []
        for unit in units {
            var stale = options.force
            for input in unit.cases {
                do {
                    let assessment = try store.map {
                        try $0.assess(caseID: input.id, inputPaths: input.paths + (input.labelPath.map { [$0] } ?? []),
                                      pipelineHash: pipeline.processingHash, statisticsHash: unit.statisticsKey,
                                      medprepVersion: options.medprepVersion)
                    } ?? InputAssessment(decision: .new, inputs: [])
                    assessments[input.id] = assessment
                    if assessment.decision != .upToDate { stale = true }
                } catch {
                    failures[input.id] = MedPrepError.wrap(error, path: input.paths.first)
                    stale = true
                }
            }
            if stale { staleUnits.append(unit) } else { upToDate += unit.cases }
        }

        var summary = RunSummary(outputDirectory: pipeline.outputDirectory)
        let removed = try store?.removedCases(present: Set(discovery.cases.map(\.id))) ?? []
        if options.dryRun {
            summary.wouldProcess = staleUnits.reduce(0) { $0 + $1.cases.count }
            summary.upToDate = upToDate.count
            summary.failed = failures.count
            summary.removed = removed.count
            for unit in staleUnits {
                for input in unit.cases {
                    let reason: String
                    switch assessments[input.id]?.decision {
                    case .changed(let why)?: reason = "changed: \(why)"
                    case .upToDate?: reason = "batch member of a changed case"
                    default: reason = "new"
                    }
                    log.note("would process \(input.id) (\(options.force ? "forced" : reason))")
                }
            }
            failures.sorted { $0.key < $1.key }.forEach { log.note("error: \($0.value)") }
            removed.forEach { log.note("removed input: \($0)") }
            return summary
        }

        log.begin("normalize", total: staleUnits.reduce(0) { $0 + $1.cases.count })
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount / options.jobs)
        let work = staleUnits, decided = assessments
        let processedUnits = WorkerPool.map(count: work.count, jobs: options.jobs) { index in
            self.process(work[index], loader: loader, normalizer: normalizer, plan: plan, store: store,
                         assessments: decided, statisticsHash: work[index].statisticsKey, threads: threads)
        }
        log.end()

        var outcomes: [String: FileOutcome] = [:]
        for (id, error) in failures {
            let input = discovery.cases.first { $0.id == id }
            outcomes[id] = FileOutcome(input: input?.relativePaths.joined(separator: "+") ?? id, status: .failed, error: error)
        }
        for outcome in processedUnits.flatMap({ $0 }) { outcomes[outcome.caseID] = outcome.outcome }
        for input in upToDate {
            let record = try store?.record(caseID: input.id)
            outcomes[input.id] = FileOutcome(input: input.relativePaths.joined(separator: "+"), status: .upToDate,
                                             outputs: record?.outputs.map(\.path) ?? [],
                                             groups: loadGroups(caseID: input.id))
        }
        for id in removed {
            if options.prune, let record = try store?.record(caseID: id) {
                for output in record.outputs { unlink(pipeline.outputDirectory + "/" + output.path) }
                try store?.delete(caseIDs: [id])
                notes.append("pruned \(id): removed \(record.outputs.count) output(s)")
            } else {
                notes.append("input of \(id) is gone; its outputs are kept (use --prune to remove them)")
            }
            outcomes[id] = FileOutcome(input: id, status: .removed)
        }
        if batched, pipeline.batches == .npy { try writeBatchIndex(units) }

        let ordered = outcomes.values.sorted { $0.input < $1.input }
        var report = RunReport(medprepVersion: options.medprepVersion, parameters: parameters(plan),
                               pipeline: pipeline.canonicalJSON, pipelineHash: pipeline.pipelineHash,
                               statisticsSource: statistics?.source, datasetStatistics: statistics?.value,
                               files: ordered, notes: notes)
        report.shard = options.shard.map { ShardOfRun(index: $0.index, count: $0.count) }
        let counts = report.statusCounts
        summary.processed = counts[.processed] ?? 0
        summary.upToDate = counts[.upToDate] ?? 0
        summary.failed = counts[.failed] ?? 0
        summary.removed = counts[.removed] ?? 0
        summary.reports = try writeReports(report)
        return summary
    }

    // MARK: - Statistics

    struct ResolvedStatistics {
        var value: DatasetStatistics
        var hash: String
        var source: String
    }

    /// Loads frozen statistics, or computes them in a streaming pass and decides whether they moved beyond the
    /// tolerance from the stored ones (then outputs made with the old ones are stale).
    func resolveStatistics(plan: StagePlan, loader: CaseLoader, cases: [InputCase],
                           failures: inout [String: MedPrepError], notes: inout [String]) throws -> ResolvedStatistics? {
        switch plan.statisticsSource {
        case nil:
            return nil
        case .file(let file)?:
            let path = PathResolution.absolute(file, base: (pipeline.file as NSString).deletingLastPathComponent)
            let data = try readFile(path)
            let value = try DatasetStatistics.decode(data, path: path)
            notes.append("frozen dataset statistics from \(path): outputs never change because inputs were added")
            return ResolvedStatistics(value: value, hash: SHA256.hexDigest(data), source: "frozen: \(path)")
        case .computed?:
            log.begin("statistics", total: cases.count)
            let pass = StatisticsPass(loader: loader, mask: plan.statisticsMask, nonFinite: plan.nonFinite, jobs: options.jobs)
            let (computed, passFailures) = pass.run(cases) { input, error in
                self.log.item(input.id, status: error == nil ? "read" : "failed", error: error?.description)
            }
            log.end()
            failures.merge(passFailures) { first, _ in first }
            let storedPath = pipeline.stateDirectory + "/statistics.json"
            var value = computed
            if let data = FileManager.default.contents(atPath: storedPath),
               let stored = try? DatasetStatistics.decode(data, path: storedPath) {
                let change = Self.relativeChange(from: stored, to: computed)
                if change <= options.statisticsTolerance {
                    value = stored
                    notes.append("computed statistics moved by \(change) (≤ tolerance \(options.statisticsTolerance)): "
                        + "the stored statistics are kept and earlier outputs stay valid")
                } else {
                    notes.append("computed statistics moved by \(change) (> tolerance \(options.statisticsTolerance)): "
                        + "outputs normalized with the earlier statistics are stale and redone")
                }
            }
            let data = try value.jsonData()
            if !options.dryRun { try AtomicFile.write(Array(data), to: storedPath) }
            return ResolvedStatistics(value: value, hash: SHA256.hexDigest(data), source: "computed over \(value.files) file(s)")
        }
    }

    /// The largest per-channel change of mean or std, in units of the earlier std; infinite if the channel
    /// count or mask differs.
    static func relativeChange(from old: DatasetStatistics, to new: DatasetStatistics) -> Double {
        guard old.channels.count == new.channels.count, old.mask == new.mask else { return .infinity }
        return zip(old.channels, new.channels).map { a, b in
            let scale = a.std > 0 ? a.std : 1
            return max(abs(a.mean - b.mean), abs(a.std - b.std)) / scale
        }.max() ?? 0
    }

    // MARK: - Units

    func makeUnits(_ cases: [InputCase], batched: Bool, statisticsHash: String?) -> [Unit] {
        guard batched else {
            return cases.enumerated().map { Unit(index: $0.offset, cases: [$0.element], statisticsKey: statisticsHash) }
        }
        let size = max(1, pipeline.batchSize)
        return stride(from: 0, to: cases.count, by: size).enumerated().map { number, start in
            let members = Array(cases[start ..< min(start + size, cases.count)])
            let membership = SHA256.hexDigest(text: members.map(\.id).joined(separator: "\n") + "\n#\(number)")
            return Unit(index: number, cases: members, statisticsKey: (statisticsHash ?? "") + "|batch:" + membership)
        }
    }

    struct CaseResult: Sendable {
        var caseID: String
        var outcome: FileOutcome
    }

    /// Decodes, prepares, normalizes and writes one unit; records each case after its outputs are in place.
    func process(_ unit: Unit, loader: CaseLoader, normalizer: (any Normalizer)?, plan: StagePlan, store: StateStore?,
                 assessments: [String: InputAssessment], statisticsHash: String?, threads: Int) -> [CaseResult] {
        var results: [CaseResult] = []
        var prepared: [(InputCase, PreparedCase)] = []
        for input in unit.cases {
            do {
                prepared.append((input, try loader.load(input)))
            } catch {
                results.append(failure(input, error))
            }
        }
        guard !prepared.isEmpty else { return results }
        do {
            let scans = prepared.map(\.1.image)
            var batch: Tensor
            if prepared.count > 1 {
                try BatchAssembler.requireCommonShape(scans)
                batch = try Tensor.stacking(scans.map(\.tensor))
            } else {
                batch = scans[0].tensor
            }
            var groups: [GroupStatistics] = []
            if let normalizer {
                let context = NormalizationContext(paths: scans.map(\.path), valueRanges: scans.map(\.header.storedValueRange),
                                                   nonFinite: plan.nonFinite, threads: threads)
                groups = try normalizer.normalize(&batch, context: context)
            }
            var batchFile: OutputFile?
            if pipeline.batches == .npy {
                let path = try pipeline.outputPath(batchDirectory + String(format: "/batch_%05d.npy", unit.index))
                try NPYWriter.write(batch, to: path)
                batchFile = try outputFile(path)
            }
            for (n, (input, preparedCase)) in prepared.enumerated() {
                var sample = preparedCase.image
                sample.tensor = prepared.count > 1 ? batch.sample(n) : batch
                var sampleGroups = groups.filter { $0.sample == n }
                for index in sampleGroups.indices { sampleGroups[index].sample = 0 }
                var files = try writeVolumes(sample, label: preparedCase.label, caseID: input.id)
                if let batchFile { files.append(batchFile) }
                try saveGroups(sampleGroups, caseID: input.id)
                if let store {
                    try store.record(OutputRecord(caseID: input.id, inputs: assessments[input.id]?.inputs ?? [],
                                                  pipelineHash: pipeline.processingHash, statisticsHash: statisticsHash,
                                                  medprepVersion: options.medprepVersion, outputs: files, recordedAt: Date()))
                }
                log.item(input.id, status: "processed")
                results.append(CaseResult(caseID: input.id, outcome: FileOutcome(
                    input: input.relativePaths.joined(separator: "+"), status: .processed,
                    outputs: files.map(\.path), groups: sampleGroups)))
            }
        } catch {
            for (input, _) in prepared where !results.contains(where: { $0.caseID == input.id }) {
                results.append(failure(input, error))
            }
        }
        return results
    }

    func failure(_ input: InputCase, _ error: Error) -> CaseResult {
        let wrapped = MedPrepError.wrap(error, path: input.paths.first)
        log.item(input.id, status: "failed", error: wrapped.description)
        return CaseResult(caseID: input.id, outcome: FileOutcome(input: input.relativePaths.joined(separator: "+"),
                                                                 status: .failed, error: wrapped))
    }

    // MARK: - Output

    /// Writes the normalized volume(s) and the label map of one case; returns the files written (paths relative
    /// to the output directory).
    func writeVolumes(_ scan: Scan, label: Scan?, caseID: String) throws -> [OutputFile] {
        var files: [OutputFile] = []
        let niftiExtension = pipeline.compression == .gzip ? ".nii.gz" : ".nii"
        if pipeline.volumes == .nifti || pipeline.volumes == .both {
            let path = try pipeline.outputPath(caseID + niftiExtension)
            try NIfTIWriter.write(scan.tensor, geometry: scan.geometry, to: path)
            files.append(try outputFile(path))
        }
        if pipeline.volumes == .npy || pipeline.volumes == .both {
            let path = try pipeline.outputPath(caseID + ".npy")
            try NPYWriter.write(scan.tensor, to: path)
            files.append(try outputFile(path))
        }
        if let label, pipeline.volumes != VolumeFormat.none {
            let path = try pipeline.outputPath("labels/" + caseID + niftiExtension)
            try NIfTIWriter.write(label.tensor, geometry: label.geometry, to: path)
            files.append(try outputFile(path))
        }
        return files
    }

    /// Deletes the temporary files (`.<name>.tmp-XXXXXX`, see `AtomicFile`) that a killed run left under the
    /// output directory. Only called while holding the lock, so no other run is writing them.
    func removeStaleTemporaries() {
        guard let walk = FileManager.default.enumerator(atPath: pipeline.outputDirectory) else { return }
        while let item = walk.nextObject() as? String {
            let name = (item as NSString).lastPathComponent
            guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards),
                  name[marker.upperBound...].count == 6 else { continue }
            unlink(pipeline.outputDirectory + "/" + item)
        }
    }

    /// The record of an output just renamed into place, its path relative to the output directory.
    func outputFile(_ path: String) throws -> OutputFile {
        let (size, _) = try InputFingerprint.status(of: path)
        return OutputFile(path: relative(path), size: size, sha256: try SHA256.hexDigest(file: path))
    }

    func relative(_ path: String) -> String {
        path.hasPrefix(pipeline.outputDirectory + "/") ? String(path.dropFirst(pipeline.outputDirectory.count + 1)) : path
    }

    /// `batches/index.csv`: which case sits at which position of which batch file.
    func writeBatchIndex(_ units: [Unit]) throws {
        var text = "batch,file,position,case,inputs\n"
        for unit in units {
            for (position, input) in unit.cases.enumerated() {
                text += "\(unit.index),\(String(format: "batch_%05d.npy", unit.index)),\(position),\(CSV.field(input.id)),"
                    + CSV.field(input.relativePaths.joined(separator: "+")) + "\n"
            }
        }
        try AtomicFile.write(text: text, to: try pipeline.outputPath(batchDirectory + "/index.csv"))
    }

    /// `batches`, or `batches/shard-K-of-N` in a sharded run (batches are formed within the shard).
    var batchDirectory: String {
        options.shard.map { "batches/" + $0.name } ?? "batches"
    }

    /// `<output>/.medprep`, or `<output>/.medprep/shard-K-of-N` in a sharded run: state store, lock, groups.
    var stateDirectory: String {
        options.shard.map { pipeline.stateDirectory + "/" + $0.name } ?? pipeline.stateDirectory
    }

    /// The per-group statistics of each case are kept beside the state store, so that reports of later runs
    /// can include cases that were up to date.
    func groupsPath(caseID: String) -> String {
        stateDirectory + "/groups/" + SHA256.hexDigest(text: caseID) + ".json"
    }

    func saveGroups(_ groups: [GroupStatistics], caseID: String) throws {
        try AtomicFile.write(Array(try ReportJSON.encoder().encode(groups)), to: groupsPath(caseID: caseID))
    }

    func loadGroups(caseID: String) -> [GroupStatistics] {
        guard let data = FileManager.default.contents(atPath: groupsPath(caseID: caseID)) else { return [] }
        return (try? JSONDecoder().decode([GroupStatistics].self, from: data)) ?? []
    }

    func writeReports(_ report: RunReport) throws -> [String] {
        var written: [String] = []
        for format in pipeline.reports {
            switch format {
            case .json:
                let path = try pipeline.outputPath(reportName("report", "json"))
                try AtomicFile.write(Array(try report.jsonData()), to: path)
                written.append(path)
            case .csv:
                let path = try pipeline.outputPath(reportName("groups", "csv"))
                try AtomicFile.write(text: GroupsCSV.render(report.groupRows), to: path)
                written.append(path)
            case .html:
                let path = try pipeline.outputPath(reportName("report", "html"))
                try AtomicFile.write(text: RunReportPage.render(report, title: "medprep run: \(pipeline.name)"), to: path)
                written.append(path)
            }
        }
        return written
    }

    /// `report.json`, or `report.shard-K-of-N.json` in a sharded run.
    func reportName(_ stem: String, _ fileExtension: String) -> String {
        stem + (options.shard.map { "." + $0.name } ?? "") + "." + fileExtension
    }

    func parameters(_ plan: StagePlan) -> NormalizationParameters {
        guard let spec = plan.normalize else { return NormalizationParameters(method: "none", nonFinite: .error) }
        switch spec.method {
        case .groupNorm(let groups, let eps, let gamma, let beta):
            return NormalizationParameters(method: "groupnorm", groups: groups, eps: eps, gamma: gamma?.map(Float.init),
                                           beta: beta?.map(Float.init), nonFinite: spec.nonFinite)
        case .instance(let eps), .batchStats(let eps):
            return NormalizationParameters(method: spec.method.name, eps: eps, nonFinite: spec.nonFinite)
        case .dataset(_, _, let ctClip, _):
            return NormalizationParameters(method: ctClip ? "dataset-ct" : "dataset", nonFinite: spec.nonFinite)
        default:
            return NormalizationParameters(method: spec.method.name, nonFinite: spec.nonFinite)
        }
    }

    func openStore() throws -> StateStore? {
        if options.dryRun && !FileManager.default.fileExists(atPath: stateDirectory + "/state.sqlite") { return nil }
        return try StateStore(outputDirectory: pipeline.outputDirectory, stateDirectory: stateDirectory)
    }

    func readFile(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MedPrepError(.io, path: path, reason: "cannot read the statistics file")
        }
        return data
    }
}
