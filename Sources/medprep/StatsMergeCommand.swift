import ArgumentParser
import Foundation
import MedPrepCore
import MedPrepNormalize
import MedPrepPipeline

/// `medprep stats merge FILE… --output stats.json`: statistics files of disjoint inputs merged into one.
struct StatsMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge statistics files (full files of `medprep stats`, shard partials, or a mix) into one.",
        discussion: """
        Full statistics files (`medprep stats DIR --output F`) and shard partials (`--shard K/N`) can be mixed, for \
        example the statistics of two sites. The partials of one directory must be all shards 0…N−1; their per-case \
        moments are folded in case-id order, exactly as one `medprep stats` over that directory, so mean, var and m2 \
        are bit-identical to it. Full files and partial sets are then combined with Chan's merge of count, mean and \
        m2 (equal to one pass over the union to 1e-12), min/max, and the sum of the percentile sketches.

        Errors (exit 2): a file that cannot be read or is no statistics file; a file given twice or a copy of one; files covering the same input (same content digest), \
        named with an example; different masks or channel counts; partials of one directory with a shard missing \
        or given twice; a file of an earlier medprep that does not list its inputs (regenerate it). Exit 1 when \
        shards recorded unreadable cases (the merged statistics are still written).
        """
    )

    @Argument(help: "Statistics files written by `medprep stats DIR --output …`, with or without --shard K/N.")
    var files: [String]

    @Option(name: .shortAndLong, help: "Write the merged statistics JSON here.")
    var output: String

    func run() throws {
        let merged: StatisticsMerge.Merged
        do {
            merged = try StatisticsMerge.merge(paths: files)
        } catch let error as MedPrepError {
            FileHandle.standardError.write(Data("medprep: \(error)\n".utf8))
            throw ExitStatus.usage
        }
        for failure in merged.failures {
            FileHandle.standardError.write(Data("error: \(failure.error)\n".utf8))
        }
        try AtomicFile.write(Array(try merged.file.jsonData()), to: output)
        print("merged \(files.count) statistics file(s): \(merged.file.statistics.files) file(s), \(merged.failures.count) failed")
        print("written: \(output)")
        if !merged.failures.isEmpty { throw ExitStatus.someInputsFailed }
    }
}
