import Foundation
import MedPrepCore

/// Combines the reports of the shards of one sharded run (`medprep run --shard K/N`) into the report of the
/// whole run.
///
/// Checks: every report comes from the same pipeline (`pipeline_hash`) with the same parameters and dataset
/// statistics; either none or all reports carry a shard, and then all share the shard count N and together
/// cover shards 0…N−1 exactly once; no input appears in two reports. The merged files are sorted by input, as
/// a single run sorts them; notes keep their first-seen order without repeats; the visuals of `report.html`
/// merge exactly (`RunVisuals.merged`).
package enum ShardReportMerge {
    /// - Parameter reports: each report with the path it was read from (for error messages).
    /// - Throws: `MedPrepError(.invalidArgument)` naming the offending report when a check fails.
    package static func merge(_ reports: [(path: String, report: RunReport)]) throws -> RunReport {
        guard let (firstPath, first) = reports.first else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "no reports to merge")
        }
        for (path, report) in reports.dropFirst() {
            guard report.pipelineHash == first.pipelineHash else {
                throw MedPrepError(.invalidArgument, path: path, reason: "pipeline hash \(report.pipelineHash ?? "none") "
                    + "differs from \(first.pipelineHash ?? "none") of \(firstPath): the reports come from different pipelines")
            }
            guard report.parameters == first.parameters, report.datasetStatistics == first.datasetStatistics else {
                throw MedPrepError(.invalidArgument, path: path,
                    reason: "normalization parameters or dataset statistics differ from those of \(firstPath)")
            }
        }
        try checkShards(reports)
        var files: [String: FileOutcome] = [:]
        var origin: [String: String] = [:]
        var notes: [String] = []
        var seenNotes = Set<String>()
        for (path, report) in reports {
            for file in report.files {
                if let other = origin[file.input] {
                    throw MedPrepError(.invalidArgument, path: path, reason: "input \(file.input) also appears in \(other)")
                }
                origin[file.input] = path
                files[file.input] = file
            }
            for note in report.notes where seenNotes.insert(note).inserted { notes.append(note) }
        }
        var merged = RunReport(medprepVersion: first.medprepVersion, parameters: first.parameters, pipeline: first.pipeline,
                               pipelineHash: first.pipelineHash, statisticsSource: first.statisticsSource,
                               datasetStatistics: first.datasetStatistics,
                               files: files.values.sorted { $0.input < $1.input }, notes: notes)
        merged.skipped = reports.flatMap(\.report.skipped).sorted { $0.input < $1.input }
        merged.visuals = RunVisuals.merged(reports.compactMap(\.report.visuals))
        return merged
    }

    /// None or all reports carry a shard; then one report per shard 0…N−1 of a common N.
    static func checkShards(_ reports: [(path: String, report: RunReport)]) throws {
        let sharded = reports.filter { $0.report.shard != nil }
        guard !sharded.isEmpty else { return }
        if let whole = reports.first(where: { $0.report.shard == nil }) {
            throw MedPrepError(.invalidArgument, path: whole.path,
                reason: "is the report of a whole run, the others are shard reports")
        }
        let count = sharded[0].report.shard?.count ?? 0
        var seen: [Int: String] = [:]
        for (path, report) in sharded {
            guard let shard = report.shard, shard.count == count, shard.index >= 0, shard.index < count else {
                throw MedPrepError(.invalidArgument, path: path,
                    reason: "shard \(report.shard.map { "\($0.index)/\($0.count)" } ?? "?") does not belong to a run of \(count) shards")
            }
            if let other = seen[shard.index] {
                throw MedPrepError(.invalidArgument, path: path, reason: "shard \(shard.index)/\(count) is also reported by \(other)")
            }
            seen[shard.index] = path
        }
        let missing = (0 ..< count).filter { seen[$0] == nil }
        guard missing.isEmpty else {
            throw MedPrepError(.invalidArgument, path: nil,
                reason: "missing report(s) of shard(s) \(missing.map(String.init).joined(separator: ", ")) of \(count)")
        }
    }
}
