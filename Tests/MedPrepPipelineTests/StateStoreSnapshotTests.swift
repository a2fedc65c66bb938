import Foundation
import Testing
@testable import MedPrepPipeline

/// `StateStore.records()` (every record in one read) and `assess(recorded:…)` (the in-memory decision a run makes
/// per case) agree with the per-case queries they replace.
@Suite struct StateStoreSnapshotTests {
    /// Three cases with 1–2 inputs and 0–3 outputs, nil and set optional fields.
    private func fill(_ store: StateStore) throws -> [OutputRecord] {
        let records = [
            OutputRecord(caseID: "b", inputs: [InputFingerprint(path: "/in/b.nii", size: 4, modifiedNanoseconds: 7, digest: "d1")],
                         pipelineHash: "p", statisticsHash: nil, medprepVersion: "v", outputs: [],
                         recordedAt: Date(timeIntervalSince1970: 1000.5)),
            OutputRecord(caseID: "a", inputs: [InputFingerprint(path: "/in/a_0000.nii", size: 9, modifiedNanoseconds: 1, digest: "x0"),
                                               InputFingerprint(path: "/in/a_0001.nii", size: 8, modifiedNanoseconds: 2, digest: "x1")],
                         pipelineHash: "p", statisticsHash: "s", medprepVersion: "v",
                         outputs: [OutputFile(path: "a.nii.gz", size: 3, digest: "o1", modifiedNanoseconds: 5),
                                   OutputFile(path: "labels/a.nii.gz", size: 2, digest: "o2"),
                                   OutputFile(path: "batch_0000.npy", size: 1, digest: "o3", modifiedNanoseconds: 6)],
                         groupsJSON: "[{\"mean\":1}]", recordedAt: Date(timeIntervalSince1970: 2000)),
            OutputRecord(caseID: "c/d", inputs: [InputFingerprint(path: "/in/c/d.nii", size: 1, modifiedNanoseconds: 3, digest: "q")],
                         pipelineHash: "p2", statisticsHash: nil, medprepVersion: "w",
                         outputs: [OutputFile(path: "c/d.nii.gz", size: 11, digest: "o4", modifiedNanoseconds: 9)],
                         recordedAt: Date(timeIntervalSince1970: 3000)),
        ]
        try store.record(Array(records.prefix(2)))
        try store.record(records[2])
        return records
    }

    @Test func recordsEqualsPerCaseQueries() throws {
        let temp = try TemporaryDirectory()
        let store = try StateStore(outputDirectory: temp.path + "/out")
        #expect(try store.records().isEmpty)
        let written = try fill(store)
        let snapshot = try store.records()
        #expect(snapshot.keys.sorted() == ["a", "b", "c/d"])
        for record in written {
            #expect(snapshot[record.caseID] == record)
            #expect(try store.record(caseID: record.caseID) == snapshot[record.caseID])
        }
        // A record replaced in a batch replaces its inputs and outputs, never appends to them.
        var replaced = written[1]
        replaced.outputs = [replaced.outputs[0]]
        try store.record([replaced])
        #expect(try store.records()["a"] == replaced)
    }

    /// Decisions from the snapshot match the per-case `assess`; the snapshot path writes nothing and hands back the
    /// refreshed record of a touched input instead.
    @Test func inMemoryAssessmentMatchesAndDefersRefresh() throws {
        let temp = try TemporaryDirectory()
        let a = try temp.write("in/a.nii", "aaaa")
        let store = try StateStore(outputDirectory: temp.path + "/out")
        let output = store.outputDirectory + "/a.out"
        try Data("out".utf8).write(to: URL(fileURLWithPath: output))
        let assessed = try store.assess(recorded: nil, inputPaths: [a], pipelineHash: "p", statisticsHash: nil, medprepVersion: "v")
        #expect(assessed.decision == .new && assessed.refresh == nil)
        try store.record(OutputRecord(caseID: "a", inputs: assessed.inputs, pipelineHash: "p", statisticsHash: nil, medprepVersion: "v",
                                      outputs: [OutputFile(path: "a.out", size: 3, digest: try ContentDigest.hexDigest(file: output))]))
        let decide = { (records: [String: OutputRecord], pipeline: String) in
            try store.assess(recorded: records["a"], inputPaths: [a], pipelineHash: pipeline, statisticsHash: nil, medprepVersion: "v")
        }
        // The output was recorded without a time: the first assessment hashes it and returns the record to refresh.
        let first = try decide(store.records(), "p")
        #expect(first.decision == .upToDate)
        let refresh = try #require(first.refresh)
        #expect(refresh.outputs[0].modifiedNanoseconds != nil)
        #expect(try store.record(caseID: "a")?.outputs[0].modifiedNanoseconds == nil, "the snapshot path wrote to the store")
        try store.record([refresh])
        #expect(try decide(store.records(), "p").refresh == nil)
        #expect(try decide(store.records(), "p2").decision == .changed("pipeline changed"))
        #expect(try store.assess(caseID: "a", inputPaths: [a], pipelineHash: "p2", statisticsHash: nil, medprepVersion: "v").decision
            == .changed("pipeline changed"))
        // A modified output (same size, new bytes and time) and a missing one are stale, from the snapshot too.
        try Data("OUT".utf8).write(to: URL(fileURLWithPath: output))
        #expect(try decide(store.records(), "p").decision
            == .changed("output a.out was modified (its content differs from the one written)"))
        try FileManager.default.removeItem(atPath: output)
        #expect(try decide(store.records(), "p").decision == .changed("output a.out is missing"))
    }

    @Test func factsAreSetReplacedAndCleared() throws {
        let temp = try TemporaryDirectory()
        let store = try StateStore(outputDirectory: temp.path + "/out")
        #expect(try store.fact("reports") == nil)
        try store.setFact("reports", "k1")
        try store.setFact("reports", "k2")
        #expect(try StateStore(outputDirectory: temp.path + "/out").fact("reports") == "k2")
        try store.setFact("reports", nil)
        #expect(try store.fact("reports") == nil)
    }
}
