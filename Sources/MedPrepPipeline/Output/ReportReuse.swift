import Foundation
import MedPrepCore
import MedPrepReport

/// Whether the reports of a run with nothing to do can be left as they are.
///
/// A run's reports carry no timestamp: they are a pure function of the pipeline, the medprep version, the
/// statistics, the notes and, per case, its input, outputs and recorded group statistics. When a run finds every
/// case up to date (nothing processed, failed or removed), its `key` digests exactly those inputs (SHA-256, with
/// each case's recorded group-statistics JSON taken as stored, never decoded). The state store keeps the key of
/// the last reports written together with each report file's size and modification time (`factName`). If this
/// run's key and every report file's size and time match, the reports on disk are byte for byte what this run
/// would write, and they are kept: the run costs no report encoding, whatever the size of the archive. Any other
/// run clears the fact before writing its reports, so a run killed in between leaves no stale claim.
struct ReportReuse {
    /// The state-store fact holding the key and the report files' sizes and times.
    static let factName = "reports"

    let key: String

    /// The key of a run that found every case in `upToDate` up to date; nil when a case's group statistics live
    /// in a legacy side file (older state stores), which the key does not cover.
    init?(upToDate: [InputCase], records: [String: OutputRecord], context: [String]) {
        let hasher = SHA256Hasher()
        for part in context { hasher.update(text: part + "\u{0}") }
        // Discovery gives the cases sorted already (by UTF-8 bytes, which is `<` on strings): then no copy is sorted.
        let inOrder = zip(upToDate, upToDate.dropFirst()).allSatisfy { $0.id < $1.id }
        // The text hashed per case, piece by piece: id NUL inputs(+) NUL outputs(U+0001) NUL groups NUL.
        func update(_ parts: [String], separator: String) {
            for (index, part) in parts.enumerated() {
                if index > 0 { hasher.update(text: separator) }
                hasher.update(text: part)
            }
            hasher.update(text: "\u{0}")
        }
        for input in inOrder ? upToDate : upToDate.sorted(by: { $0.id < $1.id }) {
            guard let record = records[input.id], let groups = record.groupsJSON else { return nil }
            update([input.id], separator: "")
            update(input.relativePaths, separator: "+")
            update(record.outputs.map(\.path), separator: "\u{1}")
            update([groups], separator: "")
        }
        key = hasher.finalizeHex()
    }

    /// The fact to store once `names` (relative to the output directory) are written: the key, then per report
    /// file its name, size and modification time (ns), one per line.
    func fact(names: [String], in tree: OutputTree) throws -> String {
        try ([key] + names.map { name in
            guard let status = try tree.status(of: name) else {
                throw MedPrepError(.io, path: name, reason: "the report just written is missing")
            }
            return "\(name) \(status.size) \(status.modifiedNanoseconds)"
        }).joined(separator: "\n")
    }

    /// True when `stored` (the fact of the last reports) is this key with report files that are still as written.
    func matches(_ stored: String?, names: [String], in tree: OutputTree) -> Bool {
        guard let stored else { return false }
        return (try? fact(names: names, in: tree)) == stored
    }
}

extension PipelineRunner {
    /// What a no-op run's reports depend on besides the cases (see `ReportReuse`).
    func reportContext(statistics: ResolvedStatistics?, notes: [String], skipped: [SkippedCase]) -> [String] {
        [options.medprepVersion, pipeline.name, "\(pipeline.thumbnails)", pipeline.canonicalJSON, pipeline.pipelineHash, processingHash,
         statistics?.hash ?? "-", statistics?.source ?? "-", pipeline.reports.map(\.rawValue).joined(separator: ","),
         options.shard.map { "\($0.index)/\($0.count)" } ?? "-", notes.joined(separator: "\u{1}"),
         skipped.map { "\($0.input)\u{1}\($0.reason)" }.joined(separator: "\u{2}")]
    }

    /// The summary of a run whose reports are kept (`reuse` matches the stored fact), or nil after clearing the
    /// stored fact, when the reports must be written.
    func keptReports(_ reuse: ReportReuse?, store: StateStore?, upToDate: Int) throws -> RunSummary? {
        guard let store else { return nil }
        let names = pipeline.reports.map(layout.reportFile)
        let stored = try store.fact(ReportReuse.factName)
        if let reuse, reuse.matches(stored, names: names, in: try outputTree) {
            var summary = RunSummary(outputDirectory: pipeline.outputDirectory)
            summary.upToDate = upToDate
            summary.reports = try names.map(pipeline.outputPath)
            return summary
        }
        if stored != nil { try store.setFact(ReportReuse.factName, nil) }
        return nil
    }
}
