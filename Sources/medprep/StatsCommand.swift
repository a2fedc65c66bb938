import ArgumentParser
import Foundation
import MedPrepCore
import MedPrepDecode
import MedPrepNormalize
import MedPrepPipeline

/// `medprep stats DIR`: exact per-channel dataset statistics, streamed over every scan of a directory.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Compute per-channel dataset statistics (count, mean, biased var, std, min, max, p0.5, p99.5).",
        discussion: """
        Statistics are streamed: one scan per worker in memory. Means and variances are exact (Double, Chan merge);
        percentiles come from a mergeable log-bucket sketch with relative error ≤ 0.5 %. Variance is biased (ddof 0).
        Exit code 1 when a file could not be read (the others are still counted).
        """
    )

    @Argument(help: "Directory of scans.")
    var directory: String

    @Option(help: "Foreground mask: nonzero, or threshold:VALUE (voxels of channel 0 above VALUE).")
    var mask: String?

    @Option(help: "Write the statistics JSON here.")
    var output: String?

    @Flag(help: "Print the statistics JSON instead of a table.")
    var json = false

    @Option(help: "Parallel workers.")
    var jobs: Int = 1

    @Option(parsing: .upToNextOption, help: "Glob patterns of files to include.")
    var include: [String] = InputSpec.defaultInclude

    @Option(help: "Refuse scans with more voxels than this.")
    var maxVoxels: Int = DecodeLimits.defaultMaxVoxels

    func run() throws {
        let foreground = try Self.parseMask(mask)
        let cases = try ScanDirectory.cases(directory, include: include)
        let limits = DecodeLimits(maxVoxels: maxVoxels)
        let loader = CaseLoader(reader: ScanReader(limits: limits), plan: try StagePlan(stages: [], limits: limits))
        let (statistics, failures) = StatisticsPass(loader: loader, mask: foreground, nonFinite: .error, jobs: jobs).run(cases)
        for (_, error) in failures.sorted(by: { $0.key < $1.key }) {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        }
        let data = try statistics.jsonData()
        if let output { try AtomicFile.write(Array(data), to: output) }
        if json {
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(statistics.files) file(s), mask \(mask ?? "none"), variance biased (ddof 0)")
            print("channel        count            mean             std             min             max            p0.5           p99.5")
            for c in statistics.channels {
                let cells = [c.mean, c.std, c.min ?? .nan, c.max ?? .nan, c.percentile(0.5) ?? .nan, c.percentile(99.5) ?? .nan]
                print(String(format: "%7d %12d", c.channel, c.count) + cells.map { String(format: " %15.6g", $0) }.joined())
            }
            if let output { print("written: \(output)") }
        }
        if !failures.isEmpty { throw ExitStatus.someInputsFailed }
    }

    static func parseMask(_ text: String?) throws -> ForegroundMask? {
        guard let text else { return nil }
        if text == "nonzero" { return .nonzero }
        if text.hasPrefix("threshold:"), let value = Double(text.dropFirst("threshold:".count)) { return .threshold(value) }
        throw ValidationError("--mask must be nonzero or threshold:VALUE, got \(text)")
    }
}
