import ArgumentParser
import Foundation
import MedPrepCore
import MedPrepDecode
import MedPrepPipeline
import MedPrepReport

/// `medprep compare-norms DIR`: what raw data, the ImageNet preset, dataset statistics, GroupNorm, instance, minmax,
/// percentile and BatchNorm at several batch sizes leave of the user's own scans.
struct CompareNormsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare-norms",
        abstract: "Compare normalizations on a directory of scans (JSON, CSV and an HTML page with histograms).",
        discussion: """
        For each method (raw, imagenet, dataset, groupnorm, instance, minmax, percentile, and per batch size \
        batchnorm-train(B) and batchnorm-eval(B)) and each channel: the mean and std of the normalized data over the \
        dataset and their distance from (0, 1), or why the method cannot apply; for BatchNorm how far per-batch \
        statistics wander from the dataset's and where the running statistics (momentum 0.1) end up. Scans of another \
        channel count than most, with non-finite voxels, or unreadable are left out and listed with their reason \
        (exit code 1). Two passes: statistics, then histograms; one scan in memory at a time.
        """
    )

    @Argument(help: "Directory of scans.")
    var directory: String

    @Option(help: ArgumentHelp("Comma-separated BatchNorm batch sizes, each at most the number of scans used.",
                               discussion: "Default: 2,4,8,16,32 up to the number of scans used."))
    var batchSizes: PositiveIntList?

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
        let reader = ScanReader(limits: DecodeLimits(maxVoxels: maxVoxels))
        let sources = try ScanDirectory.cases(directory, include: include).flatMap(\.channels)
        var comparison: NormComparison
        do {
            comparison = try NormComparison(batchSizes: batchSizes?.values, groups: groups, epochs: epochs)
        } catch let error as MedPrepError {
            throw ValidationError(error.description)
        }
        for source in sources {
            let path = source.path
            do {
                // A DICOM series is one volume (`DICOMSeriesSource`), any other file one scan.
                try comparison.observe(try source.dicomSeries.map { try $0.read(limits: reader.limits) } ?? reader.read(path: path))
            } catch {
                let failure = MedPrepError.wrap(error, path: path)
                comparison.reject(path, reason: failure.reason)
                FileHandle.standardError.write(Data("error: \(failure)\n".utf8))
            }
        }
        let reported = Set(comparison.rejected.map(\.file))
        do {
            try comparison.settle()
        } catch let error as MedPrepError {
            throw ValidationError("\(directory): \(error.reason)")
        }
        for rejected in comparison.rejected where !reported.contains(rejected.file) {
            FileHandle.standardError.write(Data("error: \(rejected.file): \(rejected.reason)\n".utf8))
        }
        for (index, path) in comparison.files.enumerated() {
            comparison.histogram(try reader.read(path: path), index: index)
        }
        let result = comparison.result()
        try AtomicFile.write(Array(try ReportJSON.encoder().encode(result)), to: output + "/comparison.json")
        try AtomicFile.write(text: result.csv(), to: output + "/comparison.csv")
        try AtomicFile.write(text: ComparisonPage.render(result, title: "medprep compare-norms: \(directory)"),
                             to: output + "/comparison.html")
        print("\(result.files.count) scans used, \(result.rejected.count) rejected; \(result.dataset.channels.count) channel(s); "
            + "distance from mean 0 / std 1 (worst channel):")
        for method in result.methods {
            let shown = result.worstDistance(method).map { String(format: "%.4g", $0) }
                ?? "n/a: " + (result.rows(of: method).first { $0.status != .ok }?.reason ?? "no rows")
            print("  " + method.padding(toLength: 22, withPad: " ", startingAt: 0) + shown)
        }
        print(result.findings)
        print("written: \(output)/comparison.html, comparison.json, comparison.csv")
        if !result.rejected.isEmpty { throw ExitStatus.someInputsFailed }
    }
}
