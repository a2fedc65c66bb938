import Foundation
import MedPrepCore

/// Records of processed cases on their way to the state store, committed several per transaction.
///
/// A record is added only after its case's outputs are in place, and is committed once `batchSize` records wait
/// or the oldest waiting one is `maximumDelay` old, and at `flush()`. A SQLite commit per case cost about 4 % of
/// the CPU of a run over many small files (400 PNGs). Crash safety is unchanged: a record that was not yet
/// committed when the process died leaves its case looking new, so the next run redoes it, exactly as for a crash
/// between the outputs' rename and the record. At most `batchSize` cases, or `maximumDelay` of work, are redone.
///
/// A commit that fails does not stop the run: the failure is kept for every case of that batch (`failures`),
/// which the run reports as failed — their outputs are in place but unrecorded, so the next run redoes them.
final class RecordQueue: @unchecked Sendable {
    let batchSize: Int
    let maximumDelay: TimeInterval
    /// Where the records go (the state database), to name it in errors.
    let path: String
    private let commit: ([OutputRecord]) throws -> Void
    private var pending: [OutputRecord] = []
    private var oldest = Date.distantFuture
    private var failed: [String: MedPrepError] = [:]
    private let lock = NSLock()
    /// Held while a batch commits, so that batches reach the database in the order they were taken.
    private let committing = NSLock()

    /// Commits to `store`.
    convenience init(store: StateStore, batchSize: Int = 64, maximumDelay: TimeInterval = 1) {
        self.init(path: store.path, batchSize: batchSize, maximumDelay: maximumDelay) { try store.record($0) }
    }

    /// Hands each batch to `commit`, which stores all of its records or throws.
    init(path: String, batchSize: Int = 64, maximumDelay: TimeInterval = 1,
         commit: @escaping ([OutputRecord]) throws -> Void) {
        self.path = path
        self.batchSize = max(1, batchSize)
        self.maximumDelay = maximumDelay
        self.commit = commit
    }

    /// Queues `record`, and commits the waiting records when the batch is full or the oldest is due.
    func add(_ record: OutputRecord) {
        lock.lock()
        if pending.isEmpty { oldest = Date() }
        pending.append(record)
        let due = pending.count >= batchSize || Date().timeIntervalSince(oldest) >= maximumDelay
        lock.unlock()
        if due { flush() }
    }

    /// Commits every waiting record.
    func flush() {
        committing.lock()
        defer { committing.unlock() }
        lock.lock()
        let batch = pending
        pending = []
        lock.unlock()
        guard !batch.isEmpty else { return }
        do {
            try commit(batch)
        } catch {
            let wrapped = MedPrepError.wrap(error, path: path)
            lock.lock()
            for record in batch { failed[record.caseID] = wrapped }
            lock.unlock()
        }
    }

    /// Cases whose record could not be committed, with the reason.
    var failures: [String: MedPrepError] {
        lock.lock()
        defer { lock.unlock() }
        return failed
    }
}
