import ArgumentParser
import Foundation
import MedPrepCore
import MedPrepNormalize
import MedPrepPipeline

/// `medprep stats merge PARTIALS… --output stats.json`: phase two of two-phase statistics.
struct StatsMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the partial statistics of shards 0…N−1 into dataset statistics.",
        discussion: """
        The per-case moments of all partials are folded in case-id order, exactly as one `medprep stats` over the \
        whole directory folds them, so mean, var and m2 are bit-identical to it; the percentile sketches are added. \
        Errors (exit 2): partials of different shard counts or masks, a shard missing or given twice, a case in two \
        partials. Exit 1 when shards recorded unreadable cases (the merged statistics are still written).
        """
    )

    @Argument(help: "Partial statistics files written by `medprep stats DIR --shard K/N --output …`.")
    var partials: [String]

    @Option(help: "Write the merged statistics JSON here.")
    var output: String

    func run() throws {
        var loaded: [(path: String, partial: PartialStatistics)] = []
        for path in partials {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw MedPrepError(.io, path: path, reason: "cannot read the partial statistics file")
            }
            loaded.append((path, try PartialStatistics.decode(data, path: path)))
        }
        let merged: (statistics: DatasetStatistics, failures: [PartialStatistics.Failure])
        do {
            merged = try PartialStatistics.merge(loaded)
        } catch let error as MedPrepError {
            FileHandle.standardError.write(Data("medprep: \(error)\n".utf8))
            throw ExitStatus.usage
        }
        for failure in merged.failures {
            FileHandle.standardError.write(Data("error: \(failure.error)\n".utf8))
        }
        try AtomicFile.write(Array(try merged.statistics.jsonData()), to: output)
        print("merged \(loaded.count) partial(s): \(merged.statistics.files) file(s), \(merged.failures.count) failed")
        print("written: \(output)")
        if !merged.failures.isEmpty { throw ExitStatus.someInputsFailed }
    }
}
