import Foundation
import MedPrepCore

/// `--prune`: the outputs and records of cases whose inputs are gone are removed, before any new output is written.
///
/// - A file is removed only when no present case references it: neither its record (a batch file is shared by
///   every case of its batch) nor what this run will write.
/// - Every stored path is checked to lie inside the output directory, and only regular files reached without a
///   symbolic link are removed (`OutputTree.removeFile`); anything else is kept, with a note.
/// - Pruning is refused, before anything is written, when more than `RunOptions.pruneMaxShare` (default 50 %) of
///   the recorded cases are gone, or all of a shard's: an unmounted or mistyped input directory looks exactly like
///   that. `--prune-all` overrides. (A run that finds no case at all fails earlier, `NoInputs`.)
extension PipelineRunner {
    /// - Throws: `MedPrepError(.invalidArgument)` saying how many cases would be removed and what to check.
    func checkPruneShare(removed: Int, recorded: Int, discovered: Int) throws {
        guard removed > 0, !options.pruneAll else { return }
        let share = Double(removed) / Double(max(1, recorded))
        let why: String
        if discovered == 0 {
            why = "none of this shard's cases is left in the input directory \(pipeline.inputDirectory)"
        } else if share > options.pruneMaxShare {
            why = String(format: "that is %.0f %% of the recorded cases, more than the %.0f %% allowed", share * 100,
                         options.pruneMaxShare * 100)
        } else {
            return
        }
        throw MedPrepError(.invalidArgument, path: pipeline.outputDirectory, reason: "refusing to prune: --prune would "
            + "remove the outputs of \(removed) of \(recorded) recorded case(s), and \(why). Check the input directory; "
            + "to prune anyway, run again with --prune-all. Nothing was written or removed")
    }

    /// Every output path this run may write for `cases` in `units`: the volumes and label maps, the batch files and
    /// their label files.
    func plannedOutputs(_ cases: [InputCase], units: [Unit]) -> Set<String> {
        var paths = Set(cases.flatMap { input in
            layout.volumeFiles(caseID: input.id, hasLabel: input.labelPath != nil).map(\.path)
        })
        if pipeline.batches == .npy {
            units.forEach { paths.insert(layout.batchFile($0.index)) }
            if pipeline.labelPattern != nil { units.forEach { paths.insert(layout.labelBatchFile($0.index)) } }
        }
        return paths
    }

    /// Removes the outputs, cached statistics and records of the `removed` cases, except files that a present case
    /// references or that are in `keeping`; returns one note per case.
    func prune(_ removed: [String], store: StateStore, keeping: Set<String>) throws -> [String] {
        let removedSet = Set(removed)
        var referenced = keeping
        for (caseID, path) in try store.outputPaths() where !removedSet.contains(caseID) { referenced.insert(path) }
        var notes: [String] = []
        for id in removed {
            guard let record = try store.record(caseID: id) else { continue }
            var deleted = 0, kept = 0
            for output in record.outputs {
                if referenced.contains(output.path) {
                    kept += 1
                } else if removeOutput(output.path, notes: &notes) {
                    deleted += 1
                }
            }
            removeOutput(relative(legacyGroupsPath(caseID: id)), notes: &notes)
            removeOutput(relative(StatisticsCache.entryPath(directory: statisticsCacheDirectory, caseID: id)), notes: &notes)
            try store.delete(caseIDs: [id])
            notes.append("pruned \(id): removed \(deleted) output(s)" + (kept > 0 ? ", kept \(kept) still used by other cases" : ""))
            log.note(notes[notes.count - 1])
        }
        return notes
    }
}
