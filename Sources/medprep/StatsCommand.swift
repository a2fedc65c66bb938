import ArgumentParser
import Foundation
import MedPrepCore
import MedPrepDecode
import MedPrepNormalize
import MedPrepPipeline

/// `medprep stats [compute] DIR`: exact per-channel dataset statistics, streamed over every scan of a directory.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compute",
        abstract: "Compute per-channel dataset statistics (count, mean, biased var, std, min, max, p0.5, p99.5).",
        discussion: """
        Statistics are streamed: one scan per worker in memory. Means and variances are exact (Double, Chan merge); \
        percentiles come from a mergeable log-bucket sketch with relative error ≤ 0.5 %. Variance is biased (ddof 0). \
        Exit code 1 when a file could not be read (the others are still counted).

        The statistics file lists the inputs it covers (path and content digest), so that `medprep stats merge` can \
        combine statistics files of disjoint inputs (two sites, two cohorts) and refuse overlapping ones.

        Two-phase statistics for several machines: `medprep stats DIR --shard K/N --output partial-K.json` on each \
        shard K = 0…N−1 writes a partial file (per-case moments and the shard's sketch); `medprep stats merge \
        partial-*.json --output stats.json` then gives bit for bit the statistics of one `medprep stats DIR`.
        """
    )

    @Argument(help: "Directory of scans.")
    var directory: String

    @Option(help: "Foreground mask: nonzero, or threshold:VALUE (voxels of channel 0 above VALUE).")
    var mask: MaskOption?

    @Option(name: .shortAndLong, help: "Write the statistics JSON here (with the inputs it covers, for `medprep stats merge`).")
    var output: String?

    @Flag(help: "Print the statistics JSON instead of a table.")
    var json = false

    @Option(name: .shortAndLong, help: "Parallel workers.")
    var jobs: Int = 1

    @Option(parsing: .upToNextOption, help: "Glob patterns of files to include.")
    var include: [String] = InputSpec.defaultInclude

    @Option(help: "Refuse scans with more voxels than this.")
    var maxVoxels: Int = DecodeLimits.defaultMaxVoxels

    @Option(help: "Only the cases of shard K/N (0-based K < N), or slurm / slurm/N (from the Slurm array task); writes partial statistics to --output, for `medprep stats merge`.")
    var shard: String?

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if shard != nil, output == nil { throw ValidationError("--shard needs --output for the partial statistics file") }
    }

    func run() throws {
        let foreground = mask?.mask
        let cases = try ScanDirectory.cases(directory, include: include)
        let limits = DecodeLimits(maxVoxels: maxVoxels)
        let loader = CaseLoader(reader: ScanReader(limits: limits), plan: try StagePlan(stages: [], limits: limits))
        let pass = StatisticsPass(loader: loader, mask: foreground, nonFinite: .error, jobs: jobs)
        if let shard, let output {
            try runShard(try Shard(parsing: shard, environment: ProcessInfo.processInfo.environment),
                         cases: cases, pass: pass, mask: foreground, output: output)
            return
        }
        let (file, failures) = StatisticsFile.compute(cases, pass: pass)
        let statistics = file.statistics
        for (_, error) in failures.sorted(by: { $0.key < $1.key }) {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        }
        let data = try file.jsonData()
        if let output { try AtomicFile.write(Array(data), to: output) }
        if json {
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(statistics.files) file(s), mask \(mask?.text ?? "none"), variance biased (ddof 0)")
            print("channel        count            mean             std             min             max            p0.5           p99.5")
            for c in statistics.channels {
                let cells = [c.mean, c.std, c.min ?? .nan, c.max ?? .nan, c.percentile(0.5) ?? .nan, c.percentile(99.5) ?? .nan]
                print(String(format: "%7d %12d", c.channel, c.count) + cells.map { String(format: " %15.6g", $0) }.joined())
            }
            if let output { print("written: \(output)") }
        }
        if !failures.isEmpty { throw ExitStatus.someInputsFailed }
    }

    /// Phase one of two-phase statistics: the partial statistics of one shard's cases.
    func runShard(_ shard: Shard, cases: [InputCase], pass: StatisticsPass, mask: ForegroundMask?, output: String) throws {
        let selected = cases.filter(shard.contains)
        var partial = PartialStatistics(shard: shard, mask: mask,
                                        directory: PathResolution.absolute(directory, base: PathResolution.currentDirectory))
        var failed = 0
        pass.forEachCase(selected) { input, result in
            do {
                let statistics = try result.get()
                try partial.add(caseID: input.id, statistics: statistics, inputs: try CoveredInput.of(input))
            } catch {
                let wrapped = MedPrepError.wrap(error, path: input.paths.first)
                FileHandle.standardError.write(Data("error: \(wrapped)\n".utf8))
                partial.addFailure(caseID: input.id, error: wrapped)
                failed += 1
            }
        }
        let data = try partial.jsonData()
        try AtomicFile.write(Array(data), to: output)
        if json {
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("shard \(shard): \(partial.cases.count) case(s) of \(cases.count), \(failed) failed, mask \(self.mask?.text ?? "none")")
            print("written: \(output) (partial statistics; combine all shards with `medprep stats merge`)")
        }
        if failed > 0 { throw ExitStatus.someInputsFailed }
    }
}
