import Foundation
import Testing
@testable import MedPrepPipeline

@Suite struct StateStoreTests {
    /// Sets a file's modification time (ns since the epoch).
    private func setModified(_ path: String, seconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    }

    private func record(_ store: StateStore, _ caseID: String, _ assessment: InputAssessment, output: String,
                        pipeline: String = "p1", version: String = "0.1.0") throws {
        let full = store.outputDirectory + "/" + output
        try Data("out".utf8).write(to: URL(fileURLWithPath: full))
        try store.record(OutputRecord(caseID: caseID, inputs: assessment.inputs, pipelineHash: pipeline, statisticsHash: nil,
                                      medprepVersion: version,
                                      outputs: [OutputFile(path: output, size: 3, digest: try ContentDigest.hexDigest(file: full))]))
    }

    @Test func decisionsAcrossReopen() throws {
        let temp = try TemporaryDirectory()
        let a = try temp.write("in/a.nii", "aaaa")
        let b = try temp.write("in/b.nii", "bbbb")
        let out = temp.path + "/out"
        var store: StateStore? = try StateStore(outputDirectory: out)
        let first = try #require(store)
        let assessA = try first.assess(caseID: "a", inputPaths: [a], pipelineHash: "p1", statisticsHash: nil, medprepVersion: "0.1.0")
        #expect(assessA.decision == .new)
        #expect(assessA.inputs.first?.digest == "dff6d5c2c4dd89f6222af96e64a46941")  // xxhash.xxh3_128_hexdigest(b"aaaa")
        #expect(assessA.inputs.first?.size == 4)
        try record(first, "a", assessA, output: "a.nii.gz")
        let assessB = try first.assess(caseID: "b", inputPaths: [b], pipelineHash: "p1", statisticsHash: nil, medprepVersion: "0.1.0")
        try record(first, "b", assessB, output: "b.nii.gz")
        store = nil

        let reopened = try StateStore(outputDirectory: out)
        #expect(FileManager.default.fileExists(atPath: out + "/.medprep/state.sqlite"))
        #expect(try reopened.caseIDs() == ["a", "b"])
        let stored = try #require(try reopened.record(caseID: "a"))
        #expect(stored.inputs == assessA.inputs)
        #expect(stored.outputs.map(\.path) == ["a.nii.gz"])
        #expect(stored.medprepVersion == "0.1.0")

        func decide(_ id: String, _ path: String, pipeline: String = "p1", statistics: String? = nil,
                    version: String = "0.1.0") throws -> InputDecision {
            try reopened.assess(caseID: id, inputPaths: [path], pipelineHash: pipeline, statisticsHash: statistics,
                                medprepVersion: version).decision
        }
        #expect(try decide("a", a) == .upToDate)
        #expect(try decide("a", a, pipeline: "p2") == .changed("pipeline changed"))
        #expect(try decide("a", a, statistics: "s") == .changed("dataset statistics changed"))
        #expect(try decide("a", a, version: "0.2.0") == .changed("medprep version changed from 0.1.0 to 0.2.0"))
        #expect(try decide("a", b) == .changed("input files changed from [\"\(a)\"] to [\"\(b)\"]"))

        // Same content, new timestamp: rehashed, still up to date, timestamp refreshed.
        setModified(a, seconds: 1_000_000)
        #expect(try decide("a", a) == .upToDate)
        #expect(try reopened.record(caseID: "a")?.inputs.first?.modifiedNanoseconds == 1_000_000 * 1_000_000_000)

        // New content of the same size: detected because the timestamp moved with it.
        try Data("AAAA".utf8).write(to: URL(fileURLWithPath: a))
        #expect(try decide("a", a) == .changed("content of \(a) changed"))

        // Output deleted.
        try FileManager.default.removeItem(atPath: out + "/b.nii.gz")
        #expect(try decide("b", b) == .changed("output b.nii.gz is missing"))

        // Removed inputs and pruning.
        #expect(try reopened.removedCases(present: ["a"]) == ["b"])
        try reopened.delete(caseIDs: ["b", "unknown"])
        #expect(try reopened.caseIDs() == ["a"])
        #expect(try decide("b", b) == .new)
        #expect(throws: (any Error).self) { try decide("c", temp.path + "/in/missing.nii") }
    }

    @Test func fastPathTrustsUnchangedSizeAndTime() throws {
        let temp = try TemporaryDirectory()
        let a = try temp.write("in/a.nii", "aaaa")
        setModified(a, seconds: 2_000_000)
        let store = try StateStore(outputDirectory: temp.path + "/out")
        let first = try store.assess(caseID: "a", inputPaths: [a], pipelineHash: "p", statisticsHash: nil, medprepVersion: "v")
        try record(store, "a", first, output: "a.npy", pipeline: "p", version: "v")
        // Same size, timestamp restored: the documented fast path does not rehash, so the change goes unseen.
        try Data("zzzz".utf8).write(to: URL(fileURLWithPath: a))
        setModified(a, seconds: 2_000_000)
        let second = try store.assess(caseID: "a", inputPaths: [a], pipelineHash: "p", statisticsHash: nil, medprepVersion: "v")
        #expect(second.decision == .upToDate)
        #expect(second.inputs.first?.digest == "dff6d5c2c4dd89f6222af96e64a46941")
    }

    @Test func databaseUsesWAL() throws {
        let temp = try TemporaryDirectory()
        _ = try StateStore(outputDirectory: temp.path)
        let header = try Data(contentsOf: URL(fileURLWithPath: temp.path + "/.medprep/state.sqlite")).prefix(20)
        // SQLite header bytes 18 and 19 are the write/read format versions: 2 means WAL.
        #expect(Array(header.suffix(2)) == [2, 2])
    }
}

@Suite struct RunLockTests {
    private func runFlock(_ path: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        process.arguments = ["-n", path, "true"]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func secondLockInTheSameProcessIsRefused() throws {
        let temp = try TemporaryDirectory()
        let first = try RunLock(outputDirectory: temp.path)
        do {
            _ = try RunLock(outputDirectory: temp.path)
            Issue.record("a second lock was granted")
        } catch let held as RunLockHeld {
            #expect(held.pid == getpid())
            #expect(held.description == "another medprep run (unsharded, pid \(getpid())) holds the lock on \(temp.path)")
            #expect(RunLockHeld.exitCode == 75)
        }
        first.release()
        #expect(!first.isHeld)
        let second = try RunLock(outputDirectory: temp.path)
        #expect(second.isHeld)
    }

    @Test func anotherProcessIsRefusedWhileHeld() throws {
        let temp = try TemporaryDirectory()
        var lock: RunLock? = try RunLock(outputDirectory: temp.path)
        #expect(lock?.isHeld == true)
        #expect(try runFlock(temp.path + "/.medprep/lock") == 1)
        lock = nil
        #expect(try runFlock(temp.path + "/.medprep/lock") == 0)
    }

    @Test func waitingLockGetsItWhenReleased() async throws {
        let temp = try TemporaryDirectory()
        let path = temp.path
        let first = try RunLock(outputDirectory: path)
        let waiter = Task.detached { () throws -> Bool in
            let lock = try RunLock(outputDirectory: path, wait: true)
            return lock.isHeld
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        first.release()
        #expect(try await waiter.value)
    }
}
