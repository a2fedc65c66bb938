import MedPrepCore
import MedPrepReport

/// A run found nothing to process: no file matched the include patterns (an empty, mistyped or unmounted input
/// directory), or every case found was skipped as incomplete. `medprep run` exits 1 with `description`, writing
/// no output and removing nothing.
public struct NoInputs: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// The incomplete cases of a run (`SkippedInput.Reason.isIncompleteCase`), as `input.missing` makes them:
/// failures under `fail`, skipped cases under `skip`.
struct IncompleteCases {
    /// `fail`: the error of each incomplete case, by case id.
    var failures: [String: MedPrepError] = [:]
    /// The report name of each incomplete case (its files joined by `+`, as `FileOutcome.input`), by case id.
    var inputs: [String: String] = [:]
    /// `skip`: the cases left out, sorted by input.
    var skipped: [SkippedCase] = []
    /// Every incomplete case id.
    var ids: [String] = []
}

extension PipelineRunner {
    /// Sorts the incomplete cases among `notes` (already limited to this run's shard) by `input.missing`.
    func incompleteCases(_ notes: [SkippedInput]) -> IncompleteCases {
        var result = IncompleteCases()
        for note in notes {
            guard note.reason.isIncompleteCase, let (id, files) = note.incompleteCase else { continue }
            let input = files.isEmpty ? id : files.joined(separator: "+")
            result.ids.append(id)
            result.inputs[id] = input
            switch pipeline.missing {
            case .fail:
                let path = note.reason == .missingLabel ? note.path : pipeline.inputDirectory + "/" + id
                result.failures[id] = MedPrepError(.incompleteCase, path: path, reason: "\(note.detail) "
                    + "(\(note.reason.rawValue)); add the missing file, or leave such cases out with input: {missing: skip}")
            case .skip:
                result.skipped.append(SkippedCase(input: input, reason: note.reason.rawValue, detail: note.detail))
            }
        }
        result.skipped.sort { $0.input < $1.input }
        return result
    }

    /// Throws `NoInputs` when the whole input directory (every shard's part of it) holds no case to process.
    ///
    /// A case that fails (an incomplete case under `missing: fail`, files claiming one case id) counts as found:
    /// the run goes on and reports it. A sharded run whose own shard is empty is not an error.
    func requireInputs(_ discovery: DiscoveryResult) throws {
        guard discovery.cases.isEmpty, discovery.conflicts.isEmpty else { return }
        let incomplete = discovery.skipped.filter(\.reason.isIncompleteCase)
        if !incomplete.isEmpty, pipeline.missing == .fail { return }
        var message: String
        if incomplete.isEmpty {
            message = "no inputs matched \(pipeline.include.joined(separator: ", ")) under \(pipeline.inputDirectory)"
            if !pipeline.exclude.isEmpty { message += " (excluding \(pipeline.exclude.joined(separator: ", ")))" }
            let mismatched = discovery.skipped.filter { $0.reason == .channelPatternMismatch }.count
            if mismatched > 0, let channels = pipeline.channelPattern {
                message += "; \(mismatched) file(s) matched but not the channel pattern \(channels)"
            }
            message += ". Is the directory mounted, and are input.directory and input.include right?"
        } else {
            message = "all \(incomplete.count) case(s) under \(pipeline.inputDirectory) were skipped as incomplete "
                + "(input: {missing: skip}); is the label or channel directory mounted?"
        }
        if options.prune { message += " Nothing was pruned" }
        throw NoInputs(description: message)
    }
}
