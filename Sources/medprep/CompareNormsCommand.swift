import ArgumentParser
import Foundation
import MedPrepCore
import MedPrepDecode
import MedPrepPipeline
import MedPrepReport

/// `medprep compare-norms DIR`: what raw data, the ImageNet preset, small-batch BatchNorm, dataset statistics and
/// GroupNorm leave of the user's own scans.
struct CompareNormsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare-norms",
        abstract: "Compare normalizations on a directory of scans (JSON, CSV and an HTML page with histograms).",
        discussion: """
        For each method the per-channel mean and std of the normalized data over the dataset and their distance from \
        (0, 1); for BatchNorm at each batch size how far per-batch statistics wander from the dataset's and where the \
        running statistics (momentum 0.1) end up. All scans need the same channel count. Two passes: statistics, \
        then histograms; one scan in memory at a time (BatchNorm's statistics are merged from per-scan moments, so \
        scans of different sizes can share a batch). Exit code 1 when a file could not be read.
        """
    )

    @Argument(help: "Directory of scans.")
    var directory: String

    @Option(help: "Comma-separated BatchNorm batch sizes.")
    var batchSizes = PositiveIntList([4, 8, 32])

    @Option(help: "GroupNorm groups.")
    var groups: Int = 1

    @Option(help: "Passes over the dataset that BatchNorm's running statistics are trained for.")
    var epochs: Int = 1

    @Option(name: .shortAndLong, help: "Output directory for comparison.json, comparison.csv and comparison.html.")
    var output: String

    @Option(parsing: .upToNextOption, help: "Glob patterns of files to include.")
    var include: [String] = InputSpec.defaultInclude

    @Option(help: "Refuse scans with more voxels than this.")
    var maxVoxels: Int = DecodeLimits.defaultMaxVoxels

    func run() throws {
        let sizes = batchSizes.values
        let reader = ScanReader(limits: DecodeLimits(maxVoxels: maxVoxels))
        let files = try ScanDirectory.cases(directory, include: include).flatMap(\.paths)
        var comparison = try NormComparison(batchSizes: sizes, groups: groups, epochs: epochs)
        var used: [String] = []
        var failed = false
        for path in files {
            do {
                try comparison.observe(try reader.read(path: path))
                used.append(path)
            } catch {
                failed = true
                FileHandle.standardError.write(Data("error: \(MedPrepError.wrap(error, path: path))\n".utf8))
            }
        }
        guard !used.isEmpty else {
            throw MedPrepError(.io, path: directory, reason: "no readable scans to compare")
        }
        for (index, path) in used.enumerated() {
            comparison.histogram(try reader.read(path: path), index: index)
        }
        let result = comparison.result()
        try AtomicFile.write(Array(try ReportJSON.encoder().encode(result)), to: output + "/comparison.json")
        try AtomicFile.write(text: result.csv(), to: output + "/comparison.csv")
        try AtomicFile.write(text: ComparisonPage.render(result, title: "medprep compare-norms: \(directory)"),
                             to: output + "/comparison.html")
        print("\(used.count) scan(s), \(result.dataset.channels.count) channel(s); distance from mean 0 / std 1 (worst channel):")
        for method in result.methods {
            let distance = result.worstDistance(method)
            let shown = distance.isNaN ? "n/a (needs 1 or 3 channels of an integer type)" : String(format: "%.4g", distance)
            print("  " + method.padding(toLength: 22, withPad: " ", startingAt: 0) + shown)
        }
        for spread in result.batchSpreads {
            let worst = spread.channels.map(\.meanOffsetStd).max() ?? 0
            let running = spread.channels.map { abs($0.runningMeanOffset) }.max() ?? 0
            print(String(format: "  batch %3d: per-batch means wander by %.3f dataset std (std over batches); "
                + "running mean ends %.3f std off after %d epoch(s)", spread.batchSize, worst, running, epochs))
        }
        print("written: \(output)/comparison.html, comparison.json, comparison.csv")
        if failed { throw ExitStatus.someInputsFailed }
    }
}
