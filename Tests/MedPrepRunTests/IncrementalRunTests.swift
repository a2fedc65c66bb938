import Foundation
import MedPrepCore
import MedPrepDecode
import MedPrepWrite
import Testing

extension EndToEnd {
    /// Incremental runs, pruning, job-count independence and partial failure, on generated volumes.
    @Suite struct IncrementalRuns {
        /// Second run processes nothing and changes no byte; a rewritten input redoes only its case; a changed
        /// pipeline value redoes all; `--prune` removes the outputs of a deleted input.
        @Test func secondRunIsANoOpAndChangesRedoOnlyWhatChanged() throws {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            try GeneratedVolumes.write(count: 6, size: 16, to: workspace.at("in"))
            try workspace.write(GeneratedVolumes.pipeline(name: "inc", input: "../in", output: "../out"), to: "p/inc.yaml")
            let pipeline = workspace.at("p/inc.yaml")

            let first = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(first.status == 0, "\(first.transcript)")
            #expect(first.summary?.processed == 6)
            let before = try workspace.outputHashes(under: "out")
            #expect(before.count == 6)
            let groupsBefore = try workspace.reportGroups(under: "out")
            #expect(groupsBefore.count == 6 && groupsBefore.values.allSatisfy { $0.contains("mean") }, "\(groupsBefore)")

            let second = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(second.status == 0)
            #expect(second.summary?.processed == 0 && second.summary?.upToDate == 6, "\(second.transcript)")
            let afterNoOp = try workspace.outputHashes(under: "out")
            #expect(afterNoOp == before)
            // Up-to-date cases are reported with the group statistics recorded when they were processed.
            #expect(try workspace.reportGroups(under: "out") == groupsBefore)

            try GeneratedVolumes.write(index: 2, size: 16, seed: 99, to: workspace.at("in/scan_002.nii.gz"))
            let third = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(third.summary?.processed == 1 && third.summary?.upToDate == 5, "\(third.transcript)")
            let afterRewrite = try workspace.outputHashes(under: "out")
            #expect(afterRewrite.filter { before[$0.key] != $0.value }.map(\.key) == ["scan_002.nii.gz"])

            try workspace.write(GeneratedVolumes.pipeline(name: "inc", input: "../in", output: "../out",
                                                          normalize: "{method: groupnorm, groups: 1, eps: 1.0e-3}"),
                                to: "p/inc.yaml")
            let fourth = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(fourth.summary?.processed == 6, "\(fourth.transcript)")

            try FileManager.default.removeItem(atPath: workspace.at("in/scan_004.nii.gz"))
            let kept = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(kept.summary?.removed == 1 && kept.summary?.upToDate == 5, "\(kept.transcript)")
            #expect(FileManager.default.fileExists(atPath: workspace.at("out/scan_004.nii.gz")))
            let pruned = try MedPrepProcess.run(["run", pipeline, "--no-progress", "--prune"])
            #expect(pruned.status == 0 && pruned.summary?.removed == 1, "\(pruned.transcript)")
            #expect(!FileManager.default.fileExists(atPath: workspace.at("out/scan_004.nii.gz")))
            #expect(workspace.files(under: "out").filter { $0.hasSuffix(".nii.gz") }.count == 5)
            let afterPrune = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(afterPrune.summary?.removed == 0 && afterPrune.summary?.upToDate == 5, "\(afterPrune.transcript)")
        }

        /// A `.hdr/.img` pair under the default include patterns is one case; rewriting only its `.img` redoes it.
        @Test func analyzeStylePairIsOneCaseAndItsImageIsWatched() throws {
            let workspace = try Workspace()
            let fixtures = MedPrepProcess.packageRoot + "/Tests/MedPrepDecodeTests/Fixtures/nifti/"
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            for name in ["pair_int16.hdr", "pair_int16.img"] {
                try FileManager.default.copyItem(atPath: fixtures + name, toPath: workspace.at("in/" + name))
            }
            try GeneratedVolumes.write(count: 1, size: 8, to: workspace.at("in"))
            try workspace.write("""
                version: 1
                name: pair
                input: {directory: ../in}
                stages:
                  - normalize: {method: instance}
                output: {directory: ../out, reports: [json]}
                """, to: "p/pair.yaml")
            let pipeline = workspace.at("p/pair.yaml")
            let first = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(first.status == 0 && first.summary?.processed == 2, "\(first.transcript)")
            #expect(try workspace.reportNotes(under: "out").isEmpty)
            #expect(FileManager.default.fileExists(atPath: workspace.at("out/pair_int16.nii.gz")))
            let second = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(second.summary?.upToDate == 2, "\(second.transcript)")

            let image = workspace.at("in/pair_int16.img")
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: image)))
            bytes[bytes.count - 1] &+= 1
            try Data(bytes).write(to: URL(fileURLWithPath: image))
            let third = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(third.summary?.processed == 1 && third.summary?.upToDate == 1, "\(third.transcript)")
        }

        /// `--jobs 1` and `--jobs 2` write byte-identical outputs, with dataset statistics and batch files.
        @Test func jobsDoNotChangeBytes() throws {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            try GeneratedVolumes.write(count: 8, size: 16, to: workspace.at("in"))
            for jobs in [1, 2] {
                try workspace.write(GeneratedVolumes.pipeline(name: "jobs", input: "../in", output: "../out\(jobs)",
                                                              normalize: "{method: dataset, mask: nonzero}",
                                                              extraStages: ["resample: {spacing: [1.5, 1.5, 1.5]}"],
                                                              batches: "npy", batchSize: 3),
                                    to: "p/jobs\(jobs).yaml")
                let outcome = try MedPrepProcess.run(["run", workspace.at("p/jobs\(jobs).yaml"), "--no-progress", "--jobs", "\(jobs)"])
                #expect(outcome.status == 0 && outcome.summary?.processed == 8, "\(outcome.transcript)")
            }
            let one = try workspace.outputHashes(under: "out1"), two = try workspace.outputHashes(under: "out2")
            #expect(one.count == 8 + 3 + 1)
            #expect(one == two)
        }

        /// A file that cannot be decoded among good ones: exit 1, every good case written, the bad one in
        /// report.json with its error.
        @Test func badFileAmongGoodOnesExitsOne() throws {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            try GeneratedVolumes.write(count: 4, size: 12, to: workspace.at("in"))
            var truncated = try Data(contentsOf: URL(fileURLWithPath: workspace.at("in/scan_001.nii.gz")))
            truncated = truncated.prefix(truncated.count / 2)
            try truncated.write(to: URL(fileURLWithPath: workspace.at("in/broken.nii.gz")))
            try workspace.write(GeneratedVolumes.pipeline(name: "bad", input: "../in", output: "../out"), to: "p/bad.yaml")
            let outcome = try MedPrepProcess.run(["run", workspace.at("p/bad.yaml"), "--no-progress", "--jobs", "2"])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            #expect(outcome.summary?.processed == 4 && outcome.summary?.failed == 1)
            for index in 0 ..< 4 {
                #expect(FileManager.default.fileExists(atPath: workspace.at(String(format: "out/scan_%03d.nii.gz", index))))
            }
            #expect(!FileManager.default.fileExists(atPath: workspace.at("out/broken.nii.gz")))
            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: workspace.at("out/report.json"))))
            let files = try #require((report as? [String: Any])?["files"] as? [[String: Any]])
            let broken = try #require(files.first { $0["input"] as? String == "broken.nii.gz" })
            #expect(broken["status"] as? String == "failed")
            #expect("\(broken["error"] ?? "")".contains("broken.nii.gz"), "\(broken)")
            #expect(files.filter { $0["status"] as? String == "processed" }.count == 4)
        }
    }
}

extension EndToEnd {
    /// Computed dataset statistics: new inputs that move the statistics beyond the tolerance make every earlier
    /// output stale; within the tolerance the stored statistics are kept and only the new input is processed; the
    /// statistics pass decodes only new inputs.
    @Suite struct StatisticsStaleness {
        @Test func outputsAreRedoneOnlyWhenStatisticsMoveBeyondTheTolerance() throws {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            try GeneratedVolumes.write(count: 5, size: 12, to: workspace.at("in"))
            try workspace.write(GeneratedVolumes.pipeline(name: "stale", input: "../in", output: "../out",
                                                          normalize: "{method: dataset}"), to: "p/stale.yaml")
            let pipeline = workspace.at("p/stale.yaml")
            let first = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(first.status == 0 && first.summary?.processed == 5, "\(first.transcript)")

            // A much brighter scan moves the dataset mean by far more than 1e-3 std: everything is redone.
            var bright = GeneratedVolumes.tensor(size: 12, seed: 5)
            for index in bright.storage.indices { bright.storage[index] += 1000 }
            try NIfTIWriter.write(bright, geometry: GeneratedVolumes.geometry(5), to: workspace.at("in/scan_005.nii.gz"))
            let second = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(second.status == 0 && second.summary?.processed == 6 && second.summary?.upToDate == 0, "\(second.transcript)")
            #expect(try workspace.reportNotes(under: "out").contains { $0.contains("stale and redone") })

            // A scan like the others, with a generous tolerance: the stored statistics stay, only it is processed.
            try GeneratedVolumes.write(index: 6, size: 12, seed: 6, to: workspace.at("in/scan_006.nii.gz"))
            let third = try MedPrepProcess.run(["run", pipeline, "--no-progress", "--statistics-tolerance", "0.5"])
            #expect(third.status == 0 && third.summary?.processed == 1 && third.summary?.upToDate == 6, "\(third.transcript)")
            // The statistics pass decoded only the new scan; the others came from the per-case statistics cache.
            #expect(third.standardError.contains("scan_006 decoded") && third.standardError.contains("scan_000 cached"),
                    "\(third.transcript)")
            #expect(try workspace.reportNotes(under: "out").contains { $0.contains("stored statistics are kept") })
        }
    }
}
