import Foundation
import MedPrepTransform
import MedPrepCore
import MedPrepDecode
import MedPrepNormalize
import MedPrepReport
import MedPrepWrite

/// Where a run writes: volumes, labels, batch files and their index, per-case group statistics, reports.
extension PipelineRunner {
    /// Writes the normalized volume(s) and the label map of one case; returns the files written (paths relative
    /// to the output directory).
    func writeVolumes(_ scan: Scan, label: Scan?, caseID: String) throws -> [OutputFile] {
        try layout.volumeFiles(caseID: caseID, hasLabel: label != nil).map { file in
            let volume = file.isLabel ? label ?? scan : scan
            return try recordedOutput(file.path) { tree, relative, observer in
                try file.writer.write(volume, to: relative, in: tree, durable: options.fsync, observer: observer)
            }
        }
    }

    /// The output directory, opened once (after the lock, which creates it): every output is written, checked
    /// and removed through it, never through a symbolic link below it (`OutputTree`).
    var outputTree: OutputTree {
        get throws { try outputs.tree() }
    }

    /// Writes one output at `relativePath` of the output tree with `write` (given the tree and the path), hashing
    /// the bytes as they are written (no read-back), and returns its record (path relative to the output
    /// directory, size, digest).
    func recordedOutput(_ relativePath: String,
                        _ write: (OutputTree, String, @escaping (UnsafeRawBufferPointer) -> Void) throws -> Void) throws -> OutputFile {
        try OutputTree.checkContained(relativePath)
        let tree = try outputTree
        let hasher = ContentDigest()
        var size: Int64 = 0
        try write(tree, relativePath) { bytes in
            hasher.update(bytes)
            size += Int64(bytes.count)
        }
        guard let status = try tree.status(of: relativePath) else {
            throw MedPrepError(.io, path: tree.location(relativePath), reason: "the output just written is gone")
        }
        return OutputFile(path: relativePath, size: size, digest: hasher.finalizeHex(),
                          modifiedNanoseconds: status.modifiedNanoseconds)
    }

    /// Removes output `relative` (a path read from the state store) of a pruned case when it is a regular file
    /// inside the output directory; returns whether it was removed. A path that leaves the output directory,
    /// passes through a symbolic link or names something else than a regular file is kept, with a note.
    @discardableResult
    func removeOutput(_ relative: String, notes: inout [String]) -> Bool {
        do {
            return try outputTree.removeFile(relative)
        } catch {
            let note = "prune kept \(relative): \(error)"
            log.note(note)
            notes.append(note)
            return false
        }
    }

    /// Deletes the temporary files (`.<name>.tmp-XXXXXX`, see `AtomicFile`) that a killed run left under the
    /// output directory, without following links (`OutputTree.removeStaleTemporaries`). Only called while holding
    /// the lock, so no other run is writing them.
    func removeStaleTemporaries() {
        (try? outputTree)?.removeStaleTemporaries()
    }

    func relative(_ path: String) -> String {
        path.hasPrefix(pipeline.outputDirectory + "/") ? String(path.dropFirst(pipeline.outputDirectory.count + 1)) : path
    }

    /// Writes `batch_NNNNN_labels.npy` of unit `index`: the members' label maps after the stages (`labels`, in batch
    /// order) as `[N, 1, D, H, W]` (`[N, 1, H, W]` for 2D) of the smallest of uint8, int16, int32 that holds every
    /// member's values (`LabelType.smallest`). Nil when the pipeline has no `input.labels`; with it, every case
    /// that reaches a batch has its label map (a case lacking one fails or is skipped at discovery).
    func writeLabelBatch(_ labels: [Scan?], unit index: Int) throws -> OutputFile? {
        guard pipeline.labelPattern != nil else { return nil }
        let maps = labels.compactMap { $0?.tensor }
        guard maps.count == labels.count else {
            throw MedPrepError(.incompleteCase, path: nil, reason: "batch \(index) has \(labels.count - maps.count) "
                + "case(s) without a label map although the pipeline has input.labels; no label batch was written")
        }
        let ranges = maps.compactMap { LabelValues.range($0.storage) }
        let span = ranges.first.map { first in
            ranges.reduce(first) { min($0.lowerBound, $1.lowerBound) ... max($0.upperBound, $1.upperBound) }
        }
        let type = LabelType.smallest(holding: span)
        return try recordedOutput(layout.labelBatchFile(index)) { tree, relative, observer in
            try NPYWriter.writeLabels(maps, as: type, to: relative, in: tree, durable: options.fsync, observer: observer)
        }
    }

    /// `batches/index.csv` (`case,batch,position,label_batch`): which case sits at which position of which batch
    /// file, exactly as the files hold them, and the label file beside it (empty without `input.labels`). File
    /// names are relative to the index's directory. A unit processed by this run lists the members written into
    /// its file (`written`, by unit index: a member that failed is not in the file, and a unit whose every member
    /// failed has no file); a unit left up to date lists all its cases, as the run that wrote its files did (every
    /// one of them is a recorded output of its cases, so a missing one makes the unit stale).
    func writeBatchIndex(_ units: [Unit], written: [(unit: Int, results: [CaseResult])]) throws {
        let processed = Dictionary(written, uniquingKeysWith: { first, _ in first })
        var text = "case,batch,position,label_batch\n"
        for unit in units {
            let members: [(position: Int, input: InputCase)]
            if let results = processed[unit.index] {
                let positions = Dictionary(results.compactMap { result in result.batchPosition.map { (result.caseID, $0) } },
                                           uniquingKeysWith: { first, _ in first })
                members = unit.cases.compactMap { input in positions[input.id].map { ($0, input) } }.sorted { $0.position < $1.position }
            } else {
                members = unit.cases.enumerated().map { ($0.offset, $0.element) }
            }
            let batch = (layout.batchFile(unit.index) as NSString).lastPathComponent
            let labels = pipeline.labelPattern == nil ? "" : (layout.labelBatchFile(unit.index) as NSString).lastPathComponent
            for (position, input) in members {
                text += "\(CSV.field(input.id)),\(batch),\(position),\(labels)\n"
            }
        }
        try outputTree.write(text: text, to: layout.batchIndex)
    }

    /// `batches`, or `batches/shard-K-of-N` in a sharded run (batches are formed within the shard).
    var batchDirectory: String { layout.batchDirectory }

    /// Where this run's outputs go (`OutputLayout`).
    var layout: OutputLayout { OutputLayout(pipeline, shard: options.shard) }

    /// `<output>/.medprep`, or `<output>/.medprep/shard-K-of-N` in a sharded run: state store, lock, statistics cache.
    var stateDirectory: String {
        options.shard.map { pipeline.stateDirectory + "/" + $0.name } ?? pipeline.stateDirectory
    }

    /// Where earlier builds kept a case's group statistics (one file per case); read for records that do not hold
    /// them, and removed on prune.
    func legacyGroupsPath(caseID: String) -> String {
        stateDirectory + "/groups/" + SHA256Hasher.hexDigest(text: caseID) + ".json"
    }

    /// The JSON kept with a case's record (`OutputRecord.groupsJSON`).
    func groupsJSON(_ groups: [GroupStatistics]) throws -> String {
        String(decoding: try ReportJSON.encoder().encode(groups), as: UTF8.self)
    }

    /// The group statistics recorded for a case that is up to date.
    func groups(of record: OutputRecord?) -> [GroupStatistics] {
        guard let record else { return [] }
        let data = record.groupsJSON.map { Data($0.utf8) }
            ?? FileManager.default.contents(atPath: legacyGroupsPath(caseID: record.caseID))
        return data.flatMap { try? JSONDecoder().decode([GroupStatistics].self, from: $0) } ?? []
    }

    func writeReports(_ report: RunReport) throws -> [String] {
        try pipeline.reports.map { format in
            let name = layout.reportFile(format)
            switch format {
            case .json: try outputTree.write(try report.jsonData(), to: name)
            case .csv: try outputTree.write(text: GroupsCSV.render(report.groupRows), to: name)
            case .html: try outputTree.write(text: RunReportPage.render(report, title: "medprep run: \(pipeline.name)"), to: name)
            }
            return try pipeline.outputPath(name)
        }
    }

    func parameters(_ plan: StagePlan) -> NormalizationParameters {
        plan.normalize?.reportParameters ?? NormalizationParameters(method: "none", nonFinite: .error)
    }

    func openStore() throws -> StateStore? {
        if options.dryRun && !FileManager.default.fileExists(atPath: stateDirectory + "/state.sqlite") { return nil }
        let store = try StateStore(outputDirectory: pipeline.outputDirectory, stateDirectory: stateDirectory,
                                   durable: options.fsync, recoverDamaged: !options.dryRun)
        if let recovery = store.recovery { log.note(recovery) }
        return store
    }
}

/// The output directory of one run as an `OutputTree`, opened at its first use and kept for the run: a dry run,
/// which writes nothing, never opens (or creates) it.
final class RunOutputDirectory: @unchecked Sendable {
    let path: String
    private let lock = NSLock()
    private var opened: OutputTree?

    init(path: String) { self.path = path }

    /// The tree, opened (creating the directory if needed) on the first call.
    func tree() throws -> OutputTree {
        lock.lock()
        defer { lock.unlock() }
        if let opened { return opened }
        let tree = try OutputTree(directory: path, create: true)
        opened = tree
        return tree
    }
}
