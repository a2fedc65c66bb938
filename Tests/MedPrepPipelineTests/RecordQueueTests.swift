import Foundation
import MedPrepCore
import Testing
@testable import MedPrepPipeline

@Suite struct RecordQueueTests {
    private func record(_ id: String, output: String = "o.npy") -> OutputRecord {
        OutputRecord(caseID: id, inputs: [InputFingerprint(path: "/in/\(id).png", size: 4, modifiedNanoseconds: 7, digest: "d-\(id)")],
                     pipelineHash: "p", statisticsHash: nil, medprepVersion: "v",
                     outputs: [OutputFile(path: "\(id)/\(output)", size: 3, digest: "x")])
    }

    /// Several records go into the state store in one call, replacing earlier records of the same cases.
    @Test func storeRecordsSeveralCasesAtOnce() throws {
        let temp = try TemporaryDirectory()
        let store = try StateStore(outputDirectory: temp.path + "/out", durable: false)
        try store.record([record("a", output: "old.npy"), record("b")])
        try store.record([record("a"), record("c")])
        #expect(try store.caseIDs() == ["a", "b", "c"])
        let a = try #require(try store.record(caseID: "a"))
        #expect(a.outputs.map(\.path) == ["a/o.npy"])
        #expect(a.inputs == record("a").inputs)
    }

    /// Records wait until a batch is full, then go in one commit; `flush` commits the rest.
    @Test func commitsFullBatchesThenTheRest() {
        let commits = Commits()
        let queue = RecordQueue(path: "state.sqlite", batchSize: 3, maximumDelay: 3600) { try commits.append($0) }
        for id in ["a", "b"] { queue.add(record(id)) }
        #expect(commits.batches.isEmpty)
        queue.add(record("c"))
        #expect(commits.batches == [["a", "b", "c"]])
        queue.add(record("d"))
        queue.flush()
        queue.flush()
        #expect(commits.batches == [["a", "b", "c"], ["d"]])
        #expect(queue.failures.isEmpty)
    }

    /// A record older than `maximumDelay` is committed with the next one, however small the batch: slow cases are
    /// recorded one by one.
    @Test func commitsWhenTheOldestRecordIsDue() {
        let commits = Commits()
        let queue = RecordQueue(path: "state.sqlite", batchSize: 100, maximumDelay: 0.05) { try commits.append($0) }
        queue.add(record("a"))
        #expect(commits.batches.isEmpty)
        usleep(80_000)
        queue.add(record("b"))
        #expect(commits.batches == [["a", "b"]])
    }

    /// Records added from many threads all arrive, each once.
    @Test func recordsFromConcurrentWorkersAllArrive() throws {
        let temp = try TemporaryDirectory()
        let store = try StateStore(outputDirectory: temp.path + "/out", durable: false)
        let queue = RecordQueue(store: store, batchSize: 7)
        let ids = (0 ..< 200).map { String(format: "case%03d", $0) }
        DispatchQueue.concurrentPerform(iterations: ids.count) { queue.add(record(ids[$0])) }
        queue.flush()
        #expect(try store.caseIDs() == ids)
        #expect(queue.failures.isEmpty)
    }

    /// A failed commit marks every case of its batch as failed, naming the database, and the queue goes on.
    @Test func failedCommitFailsItsBatchOnly() {
        let commits = Commits(failing: ["b"])
        let queue = RecordQueue(path: "/out/.medprep/state.sqlite", batchSize: 2, maximumDelay: 3600) { try commits.append($0) }
        for id in ["a", "b", "c", "d"] { queue.add(record(id)) }
        queue.flush()
        #expect(commits.batches == [["c", "d"]])
        let failures = queue.failures
        #expect(failures.keys.sorted() == ["a", "b"])
        #expect(failures["a"]?.path == "/out/.medprep/state.sqlite")
        #expect(failures["a"]?.description.contains("disk I/O error") == true)
    }

    /// What the queue committed, in order; a batch holding a case of `failing` throws instead.
    final class Commits: @unchecked Sendable {
        private(set) var batches: [[String]] = []
        let failing: Set<String>
        init(failing: Set<String> = []) { self.failing = failing }
        func append(_ records: [OutputRecord]) throws {
            let ids = records.map(\.caseID)
            if !failing.isDisjoint(with: ids) { throw MedPrepError(.io, path: nil, reason: "disk I/O error") }
            batches.append(ids)
        }
    }
}
