import ArgumentParser
import Foundation
import MedPrepTransform
import MedPrepCore
import MedPrepDecode
import MedPrepNormalize
import MedPrepPipeline
import MedPrepReport
import MedPrepWrite

/// `medprep normalize INPUT... --method M --output DIR`: normalizes files directly, without a pipeline file.
struct NormalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Normalize scans (\(NormalizeMethod.names.joined(separator: ", "))).",
        discussion: """
        Each input is normalized alone (a batch of one) and written as NIfTI float32 with the input's affine, or \
        as .npy in NC(D)HW order; with --batch all inputs (of equal shape) form one batch written as one .npy. \
        groups.csv and report.json (per-group statistics, parameters, dataset statistics used) go beside them. \
        Exit code 1 when an input failed (the others are still written).
        """
    )

    @Argument(help: "PNG, TIFF, NIfTI or DICOM files.")
    var inputs: [String]

    @Option(help: "Normalization method (parameters as in pipeline files: pipelines/README.md).")
    var method: MethodName

    @Option(help: "GroupNorm groups (must divide the channel count).")
    var groups: Int = 1

    @Option(help: "Added to the variance before the square root.")
    var eps: Double = 1e-5

    @Option(help: "Per-channel scale γ, comma-separated (groupnorm).")
    var gamma: FloatList?

    @Option(help: "Per-channel shift β, comma-separated (groupnorm).")
    var beta: FloatList?

    @Option(help: "Frozen dataset statistics JSON (dataset); without it, statistics are computed over the inputs.")
    var stats: String?

    @Flag(help: "nnU-Net CT mode for dataset: clip to the dataset's p0.5/p99.5 before the z-score.")
    var ctClip = false

    @Option(help: "Foreground mask: for computed dataset statistics, or for instance (statistics inside it, 0 outside): nonzero or threshold:VALUE.")
    var mask: MaskOption?

    @Option(help: "Lower and upper percentile for the percentile method.")
    var lower: Double = 0.5
    @Option(help: "Upper percentile for the percentile method.")
    var upper: Double = 99.5

    @Option(help: "Non-finite voxels: error, ignore (excluded from statistics, written through) or zero.")
    var nonfinite: NonFinitePolicy = .error

    @Option(help: "Output format.")
    var format: VolumeFileFormat = .nifti

    @Flag(help: "Write .nii instead of .nii.gz.")
    var uncompressed = false

    @Flag(help: "Normalize all inputs as one N·C·(D)·H·W batch, written as batch.npy.")
    var batch = false

    @Option(name: .shortAndLong, help: "Output directory.")
    var output: String

    @Option(help: "Refuse scans with more voxels than this.")
    var maxVoxels: Int = DecodeLimits.defaultMaxVoxels

    func validate() throws {
        guard groups >= 1 else { throw ValidationError("--groups must be at least 1") }
        _ = try normalizeSpec()
    }

    func run() throws {
        let clashes = RunPaths.clashes(outputs: plannedOutputs(), inputs: inputs)
        guard clashes.isEmpty else {
            FileHandle.standardError.write(Data(clashes.map { "error: refusing to run: \($0)\n" }.joined().utf8))
            throw ExitStatus.usage
        }
        let limits = DecodeLimits(maxVoxels: maxVoxels)
        let policy = nonfinite
        let spec = try normalizeSpec()
        let plan = try StagePlan(stages: [.normalize(spec)], limits: limits)
        let reader = ScanReader(limits: limits)
        var outcomes: [FileOutcome] = []
        var statistics: DatasetStatistics?
        var statisticsSource: String?
        switch plan.statisticsSource {
        case nil:
            break
        case .file(let stats)?:
            statistics = try StatisticsFile.readDataset(path: stats)
            statisticsSource = "frozen: \(stats)"
        case .computed?:
            let cases = inputs.map { InputCase(id: $0, relativePaths: [$0], paths: [$0], channelNumbers: [0]) }
            let loader = CaseLoader(reader: reader, plan: try StagePlan(stages: [], limits: limits))
            let pass = StatisticsPass(loader: loader, mask: plan.statisticsMask, nonFinite: policy, jobs: 1)
            let (computed, failures) = pass.run(cases)
            statistics = computed
            statisticsSource = "computed over \(computed.files) input file(s)"
            outcomes += failures.map { FileOutcome(input: $0.key, status: .failed, error: $0.value) }
        }
        let processor = CaseProcessor(loader: CaseLoader(reader: reader, plan: plan),
                                      normalizer: try plan.makeNormalizer(statistics: statistics), nonFinite: policy)
        let failed = Set(outcomes.map(\.input))
        let remaining = inputs.filter { !failed.contains($0) }.map {
            InputCase(id: $0, relativePaths: [$0], paths: [$0], channelNumbers: [0])
        }
        // One unit of all inputs with --batch, else one unit per input (a batch of one).
        for unit in batch ? [remaining] : remaining.map({ [$0] }) where !unit.isEmpty {
            outcomes += normalize(unit, processor: processor)
        }
        let report = RunReport(medprepVersion: MedPrep.version,
                               parameters: NormalizationParameters(method: spec.method.name,
                                                                   groups: spec.method.parameterKeys.contains("groups") ? groups : nil,
                                                                   eps: eps, gamma: gamma?.values, beta: beta?.values,
                                                                   nonFinite: policy),
                               statisticsSource: statisticsSource, datasetStatistics: statistics, files: outcomes)
        try AtomicFile.write(Array(try report.jsonData()), to: output + "/report.json")
        try AtomicFile.write(text: GroupsCSV.render(report.groupRows), to: output + "/groups.csv")
        for outcome in outcomes {
            if let error = outcome.error {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            } else {
                print("\(outcome.input) → \(outcome.outputs.joined(separator: ", "))")
            }
        }
        print("report: \(output)/report.json, \(output)/groups.csv")
        if outcomes.contains(where: { $0.status == .failed }) { throw ExitStatus.someInputsFailed }
    }

    /// Normalizes one unit through the case processor that `medprep run` uses, and writes each member to
    /// `outputPath(of:)`, or the whole unit to `batch.npy` with `--batch`. Failed inputs come first, in input order.
    func normalize(_ unit: [InputCase], processor: CaseProcessor) -> [FileOutcome] {
        let result = processor.process(unit, threads: ProcessInfo.processInfo.activeProcessorCount) {
            try processor.loader.decodeChannels(of: $0)
        }
        var outcomes = result.failures.map {
            FileOutcome(input: $0.input.id, status: .failed, error: MedPrepError.wrap($0.error, path: $0.input.id))
        }
        guard let normalized = result.normalized else { return outcomes }
        do {
            if batch {
                let path = output + "/batch.npy"
                try NPYWriter.write(normalized.batch.tensor, to: path)
                for (n, input) in normalized.members.enumerated() {
                    outcomes.append(FileOutcome(input: input.id, status: .processed, outputs: [path],
                                                groups: normalized.groups.filter { $0.sample == n }))
                }
            } else {
                for (n, input) in normalized.members.enumerated() {
                    let (scan, _, _) = normalized.member(n)
                    let path = outputPath(of: input.id)
                    if format == .npy {
                        try NPYWriter.write(scan.tensor, to: path)
                    } else {
                        try NIfTIWriter.write(scan.tensor, geometry: scan.geometry, to: path)
                    }
                    outcomes.append(FileOutcome(input: input.id, status: .processed, outputs: [path],
                                                groups: normalized.groups.filter { $0.sample == n }))
                }
            }
        } catch {
            let done = Set(outcomes.map(\.input))
            outcomes += normalized.members.filter { !done.contains($0.id) }.map {
                FileOutcome(input: $0.id, status: .failed, error: MedPrepError.wrap(error, path: $0.id))
            }
        }
        return outcomes
    }

    /// The normalize stage from the flags: the method's parameters by their pipeline-file keys, read by the
    /// method's own parser (flags the method does not take are left out).
    func normalizeSpec() throws -> NormalizeSpec {
        var parameters: [String: CanonicalJSON] = [
            "groups": .int(groups), "eps": .double(eps), "ct_clip": .bool(ctClip),
            "lower": .double(lower), "upper": .double(upper),
        ]
        parameters["gamma"] = gamma.map { .array($0.values.map { .double(Double($0)) }) }
        parameters["beta"] = beta.map { .array($0.values.map { .double(Double($0)) }) }
        parameters["stats"] = stats.map { .string($0) }
        parameters["mask"] = mask.map { .mask($0.mask) }
        do {
            return try NormalizeSpec(method: method.name, parameters: parameters, nonFinite: nonfinite, source: "normalize")
        } catch let issues as PipelineIssues {
            throw ValidationError(issues.issues.map(\.message).joined(separator: "\n"))
        }
    }

    /// Where the normalized `input` goes.
    func outputPath(of input: String) -> String {
        output + "/" + Self.stem(of: input) + (format == .npy ? ".npy" : uncompressed ? ".nii" : ".nii.gz")
    }

    /// Every file this command may write, with the input it comes from (nil for the reports and the batch).
    func plannedOutputs() -> [(path: String, source: String?)] {
        let volumes: [(path: String, source: String?)] = batch ? [(output + "/batch.npy", nil)]
            : inputs.map { (outputPath(of: $0), $0) }
        return volumes + [(output + "/report.json", nil), (output + "/groups.csv", nil)]
    }

    /// File name without directory and without its format's suffix (`ScanFileFormats.suffix(of:)`: `.nii.gz`, `.nii`,
    /// `.png`, `.tif(f)`, `.hdr`, `.img`…, in any case).
    static func stem(of path: String) -> String {
        let name = (path as NSString).lastPathComponent
        return ScanFileFormats.suffix(of: name).map { String(name.dropLast($0.count)) } ?? name
    }
}
