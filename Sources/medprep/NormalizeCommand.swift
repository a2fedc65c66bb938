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
        abstract: "Normalize scans (groupnorm, instance, dataset, minmax, percentile, imagenet, batchstats).",
        discussion: """
        Each input is normalized alone (a batch of one) and written as NIfTI float32 with the input's affine, or \
        as .npy in NC(D)HW order; with --batch all inputs (of equal shape) form one batch written as one .npy. \
        groups.csv and report.json (per-group statistics, parameters, dataset statistics used) go beside them. \
        Exit code 1 when an input failed (the others are still written).
        """
    )

    @Argument(help: "PNG, TIFF or NIfTI files.")
    var inputs: [String]

    @Option(help: "groupnorm, instance, dataset, minmax, percentile, imagenet or batchstats.")
    var method: String

    @Option(help: "GroupNorm groups (must divide the channel count).")
    var groups: Int = 1

    @Option(help: "Added to the variance before the square root.")
    var eps: Double = 1e-5

    @Option(help: "Per-channel scale γ, comma-separated (groupnorm).")
    var gamma: String?

    @Option(help: "Per-channel shift β, comma-separated (groupnorm).")
    var beta: String?

    @Option(help: "Frozen dataset statistics JSON (dataset); without it, statistics are computed over the inputs.")
    var stats: String?

    @Flag(help: "nnU-Net CT mode for dataset: clip to the dataset's p0.5/p99.5 before the z-score.")
    var ctClip = false

    @Option(help: "Foreground mask for computed dataset statistics: nonzero or threshold:VALUE.")
    var mask: String?

    @Option(help: "Lower and upper percentile for the percentile method.")
    var lower: Double = 0.5
    @Option(help: "Upper percentile for the percentile method.")
    var upper: Double = 99.5

    @Option(help: "Non-finite voxels: error, ignore (excluded from statistics, written through) or zero.")
    var nonfinite: String = "error"

    @Option(help: "Output format: nifti or npy.")
    var format: String = "nifti"

    @Flag(help: "Write .nii instead of .nii.gz.")
    var uncompressed = false

    @Flag(help: "Normalize all inputs as one N·C·(D)·H·W batch, written as batch.npy.")
    var batch = false

    @Option(help: "Output directory.")
    var output: String

    @Option(help: "Refuse scans with more voxels than this.")
    var maxVoxels: Int = DecodeLimits.defaultMaxVoxels

    func validate() throws {
        guard NormalizeMethod.registry.contains(method) else {
            throw ValidationError("unknown --method \(method); expected one of \(NormalizeMethod.registry.joined(separator: ", "))")
        }
        guard format == "nifti" || format == "npy" else { throw ValidationError("--format must be nifti or npy") }
        guard NonFinitePolicy(rawValue: nonfinite) != nil else { throw ValidationError("--nonfinite must be error, ignore or zero") }
        guard groups >= 1 else { throw ValidationError("--groups must be at least 1") }
    }

    func run() throws {
        let clashes = RunPaths.clashes(outputs: plannedOutputs(), inputs: inputs)
        guard clashes.isEmpty else {
            FileHandle.standardError.write(Data(clashes.map { "error: refusing to run: \($0)\n" }.joined().utf8))
            throw ExitStatus.usage
        }
        let limits = DecodeLimits(maxVoxels: maxVoxels)
        let policy = NonFinitePolicy(rawValue: nonfinite) ?? .error
        let spec = NormalizeSpec(method: try normalizeMethod(), nonFinite: policy)
        let plan = try StagePlan(stages: [.normalize(spec)], limits: limits)
        let reader = ScanReader(limits: limits)
        var outcomes: [FileOutcome] = []
        var statistics: DatasetStatistics?
        var statisticsSource: String?
        if method == "dataset" {
            if let stats {
                statistics = try DatasetStatistics.decode(try Data(contentsOf: URL(fileURLWithPath: stats)), path: stats)
                statisticsSource = "frozen: \(stats)"
            } else {
                let cases = inputs.map { InputCase(id: $0, relativePaths: [$0], paths: [$0], channelNumbers: [0]) }
                let loader = CaseLoader(reader: reader, plan: try StagePlan(stages: [], limits: limits))
                let pass = StatisticsPass(loader: loader, mask: try StatsCommand.parseMask(mask), nonFinite: policy, jobs: 1)
                let (computed, failures) = pass.run(cases)
                statistics = computed
                statisticsSource = "computed over \(computed.files) input file(s)"
                outcomes += failures.map { FileOutcome(input: $0.key, status: .failed, error: $0.value) }
            }
        }
        let normalizer = try plan.makeNormalizer(statistics: statistics)!
        let failed = Set(outcomes.map(\.input))
        let remaining = inputs.filter { !failed.contains($0) }
        if batch {
            outcomes += normalizeBatch(remaining, reader: reader, normalizer: normalizer, policy: policy)
        } else {
            for input in remaining {
                outcomes.append(normalizeOne(input, reader: reader, normalizer: normalizer, policy: policy))
            }
        }
        let report = RunReport(medprepVersion: MedPrep.version,
                               parameters: NormalizationParameters(method: method, groups: method == "groupnorm" ? groups : nil,
                                                                   eps: eps, gamma: try floats(gamma), beta: try floats(beta),
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

    func normalizeOne(_ input: String, reader: ScanReader, normalizer: any Normalizer, policy: NonFinitePolicy) -> FileOutcome {
        do {
            var scan = try reader.read(path: input)
            let context = NormalizationContext(paths: [input], valueRanges: [scan.header.storedValueRange], nonFinite: policy)
            let groups = try normalizer.normalize(&scan.tensor, context: context)
            let path = outputPath(of: input)
            if format == "npy" {
                try NPYWriter.write(scan.tensor, to: path)
            } else {
                try NIfTIWriter.write(scan.tensor, geometry: scan.geometry, to: path)
            }
            return FileOutcome(input: input, status: .processed, outputs: [path], groups: groups)
        } catch {
            return FileOutcome(input: input, status: .failed, error: MedPrepError.wrap(error, path: input))
        }
    }

    func normalizeBatch(_ inputs: [String], reader: ScanReader, normalizer: any Normalizer, policy: NonFinitePolicy) -> [FileOutcome] {
        var scans: [Scan] = []
        var outcomes: [FileOutcome] = []
        for input in inputs {
            do { scans.append(try reader.read(path: input)) } catch {
                outcomes.append(FileOutcome(input: input, status: .failed, error: MedPrepError.wrap(error, path: input)))
            }
        }
        guard !scans.isEmpty else { return outcomes }
        do {
            var batch = try BatchAssembler(batchSize: scans.count).assemble(scans)
            let context = NormalizationContext(paths: scans.map(\.path), valueRanges: scans.map(\.header.storedValueRange),
                                               nonFinite: policy)
            let groups = try normalizer.normalize(&batch.tensor, context: context)
            let path = output + "/batch.npy"
            try NPYWriter.write(batch.tensor, to: path)
            for (n, scan) in scans.enumerated() {
                outcomes.append(FileOutcome(input: scan.path, status: .processed, outputs: [path],
                                            groups: groups.filter { $0.sample == n }))
            }
        } catch {
            outcomes += scans.map { FileOutcome(input: $0.path, status: .failed, error: MedPrepError.wrap(error, path: $0.path)) }
        }
        return outcomes
    }

    func normalizeMethod() throws -> NormalizeMethod {
        switch method {
        case "groupnorm":
            return .groupNorm(groups: groups, eps: eps, gamma: try floats(gamma)?.map(Double.init),
                              beta: try floats(beta)?.map(Double.init))
        case "instance": return .instance(eps: eps)
        case "dataset":
            let foreground: StatisticsMask
            switch try StatsCommand.parseMask(mask) {
            case nil: foreground = .all
            case .nonzero?: foreground = .nonzero
            case .threshold(let value)?: foreground = .threshold(value)
            }
            return .dataset(statistics: stats.map { .file($0) } ?? .computed, mask: foreground, ctClip: ctClip, eps: eps)
        case "minmax": return .minMax
        case "percentile": return .percentile(lower: lower, upper: upper)
        case "imagenet": return .imagenet
        default: return .batchStats(eps: eps)
        }
    }

    func floats(_ text: String?) throws -> [Float]? {
        guard let text else { return nil }
        return try text.split(separator: ",").map {
            guard let value = Float($0.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("not a number in \(text): \($0)")
            }
            return value
        }
    }

    /// Where the normalized `input` goes.
    func outputPath(of input: String) -> String {
        output + "/" + Self.stem(of: input) + (format == "npy" ? ".npy" : uncompressed ? ".nii" : ".nii.gz")
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
