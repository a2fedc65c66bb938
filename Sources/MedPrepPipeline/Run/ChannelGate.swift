import Foundation
import MedPrepCore

/// The channel check of a run (`ResolvedPipeline.checkChannels` on one case's decoded channel count), made by the
/// worker that decodes that case anyway, while the other workers go on decoding and normalizing theirs; they wait
/// for the verdict only before writing anything, and stop taking new cases once it has failed.
final class ChannelGate: @unchecked Sendable {
    /// The case whose decoded image is checked; nil when there is nothing to check.
    let caseID: String?
    private let check: @Sendable (Int) -> [PipelineIssue]
    private var decided: Bool
    private var found: [PipelineIssue] = []
    private let condition = NSCondition()

    init(caseID: String?, check: @escaping @Sendable (Int) -> [PipelineIssue]) {
        self.caseID = caseID
        self.check = check
        decided = caseID == nil
    }

    /// A gate that is already open.
    static let open = ChannelGate(caseID: nil) { _ in [] }

    /// Records the verdict for `input` when it is the checked case: the issues for `channels` decoded channels,
    /// or none when it could not be decoded (its own error is reported with the case).
    func settle(_ input: InputCase, channels: Int?) {
        guard input.id == caseID else { return }
        condition.lock()
        if !decided {
            found = channels.map(check) ?? []
            decided = true
            condition.broadcast()
        }
        condition.unlock()
    }

    /// Decodes `input`'s channel files with `loader`, settling the gate when `input` is the checked case.
    func decodeChannels(of input: InputCase, loader: CaseLoader) throws -> Scan {
        do {
            let decoded = try loader.decodeChannels(of: input)
            settle(input, channels: decoded.tensor.shape.c)
            return decoded
        } catch {
            settle(input, channels: nil)
            throw error
        }
    }

    /// Waits for the verdict; true when the stages fit.
    func waitUntilSettled() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !decided { condition.wait() }
        return found.isEmpty
    }

    /// True once the check has failed (does not wait).
    var hasFailed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return decided && !found.isEmpty
    }

    /// True once a verdict was reached.
    var isSettled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return decided
    }

    /// Throws `PipelineIssues` when the check failed.
    func requirePassed() throws {
        condition.lock()
        let issues = found
        condition.unlock()
        if !issues.isEmpty { throw PipelineIssues(issues) }
    }
}
