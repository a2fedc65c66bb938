import Foundation
import MedPrepCore
import MedPrepPipeline
import Testing

extension EndToEnd {
    /// Issue 14, items 1, 2, 3, 5 and 7: attacks of a careless or hostile user on the input and output trees,
    /// each run through the `medprep` binary. Inputs are compared byte for byte (SHA-256) before and after.
    @Suite struct DataSafety {
        /// Item 1: `--output` pointing at the input directory, inside it, or at it through a symbolic link is
        /// refused with exit 2 naming both paths, and nothing is written (not even `.medprep/`).
        @Test func outputOverridesCannotOverlapTheInput() throws {
            let workspace = try Workspace()
            try GeneratedVolumes.write(count: 3, size: 8, to: workspace.at("in"))
            try workspace.write(GeneratedVolumes.pipeline(name: "safe", input: "../in", output: "../out"), to: "p/p.yaml")
            try FileManager.default.createSymbolicLink(atPath: workspace.at("alias"), withDestinationPath: workspace.at("in"))
            let before = try workspace.inputHashes("in")
            for output in ["in", "in/derived", "alias/derived", "alias", "."] {
                let outcome = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--output", workspace.at(output), "--no-progress"])
                #expect(outcome.status == 2, "--output \(output): \(outcome.transcript)")
                #expect(outcome.standardError.contains("overlaps the input directory \(workspace.at("in"))"), "\(outcome.transcript)")
                #expect(try workspace.inputHashes("in") == before, "--output \(output) changed the input tree")
            }
            // `--input` is checked the same way: the output directory of the file inside the given input.
            try FileManager.default.createDirectory(atPath: workspace.at("out"), withIntermediateDirectories: true)
            let inside = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--input", workspace.at("."), "--no-progress"])
            #expect(inside.status == 2, "\(inside.transcript)")
            #expect(!FileManager.default.fileExists(atPath: workspace.at("out/.medprep")))
        }

        /// Item 2: a case `labels/case000` whose output is the label output of `case000`, a case id under the
        /// reserved `batches/`, and `scan.png` beside `scan.nii`: every claimant fails naming the other and the
        /// path, exit 1, the other cases are processed, and no output is written twice.
        @Test func twoCasesNeverShareAnOutputPath() throws {
            let workspace = try Workspace()
            try GeneratedVolumes.write(index: 0, size: 8, seed: 1, to: workspace.at("in/case000.nii.gz"))
            try GeneratedVolumes.write(index: 1, size: 8, seed: 2, to: workspace.at("in/labels/case000.nii.gz"))
            try GeneratedVolumes.write(index: 2, size: 8, seed: 3, to: workspace.at("in/good.nii.gz"))
            try GeneratedVolumes.write(index: 3, size: 8, seed: 4, to: workspace.at("in/batches/batch_00000.nii.gz"))
            try GeneratedVolumes.write(index: 4, size: 8, seed: 5, to: workspace.at("in/twin.nii"))
            try GeneratedVolumes.write(index: 5, size: 8, seed: 6, to: workspace.at("in/twin.nii.gz"))
            // Each label map on its image's grid (same generated affine), as the geometry check requires, and
            // integer classes, as labels must be.
            for (index, name) in ["case000", "labels/case000", "good", "batches/batch_00000", "twin"].enumerated() {
                try GeneratedVolumes.writeLabel(index: index, size: 8, seed: 7, to: workspace.at("lab/\(name).nii.gz"))
            }
            let text = GeneratedVolumes.pipeline(name: "collide", input: "../in", output: "../out", batches: "npy")
                .replacingOccurrences(of: "  directory: ../in\n", with: "  directory: ../in\n  labels: ../lab/{case}.nii.gz\n")
            try workspace.write(text, to: "p/p.yaml")
            let outcome = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            #expect(outcome.summary?.processed == 1 && outcome.summary?.failed == 5, "\(outcome.transcript)")
            let report = try workspace.reportFiles(under: "out")
            #expect(report["good.nii.gz"]?.status == "processed")
            let labelClash = workspace.at("out") + "/labels/case000.nii.gz"
            #expect(report["case000.nii.gz"]?.error?.contains(labelClash) == true, "\(report)")
            #expect(report["case000.nii.gz"]?.error?.contains("labels/case000.nii.gz") == true)
            #expect(report["labels/case000.nii.gz"]?.error?.contains(labelClash) == true, "\(report)")
            #expect(report["batches/batch_00000.nii.gz"]?.error?.contains("batch directory") == true, "\(report)")
            for twin in ["twin.nii", "twin.nii.gz"] {
                #expect(report[twin]?.status == "failed", "\(twin): \(report)")
                #expect(report[twin]?.error?.contains("twin.nii, twin.nii.gz") == true, "\(report)")
            }
            #expect(workspace.files(under: "out").filter { !$0.hasPrefix(".medprep/") }.sorted() == [
                "batches/batch_00000.npy", "batches/batch_00000_labels.npy", "batches/index.csv", "good.nii.gz",
                "labels/good.nii.gz", "report.json",
            ])
        }

        /// Items 3 and 7: pruning keeps a batch file that present cases still share, prunes before writing, and
        /// is refused when over half of the recorded cases are gone, unless `--prune-all`; an empty input
        /// directory is a failed run (issue 16) that removes nothing, even with `--prune-all`.
        @Test func pruneKeepsSharedBatchesAndRefusesMassRemoval() throws {
            let workspace = try Workspace()
            try GeneratedVolumes.write(count: 5, size: 8, to: workspace.at("in"))
            try workspace.write(GeneratedVolumes.pipeline(name: "prune", input: "../in", output: "../out", batches: "npy",
                                                          batchSize: 2), to: "p/p.yaml")
            let pipeline = workspace.at("p/p.yaml")
            let first = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(first.status == 0 && first.summary?.processed == 5, "\(first.transcript)")

            try FileManager.default.removeItem(atPath: workspace.at("in/scan_000.nii.gz"))
            let pruned = try MedPrepProcess.run(["run", pipeline, "--no-progress", "--prune"])
            #expect(pruned.status == 0 && pruned.summary?.removed == 1, "\(pruned.transcript)")
            #expect(!FileManager.default.fileExists(atPath: workspace.at("out/scan_000.nii.gz")))
            try workspace.expectEveryListedFileExists(under: "out")

            // An empty (unmounted) input: no input matched, exit 1, nothing removed, even with --prune-all.
            let outputsBefore = try workspace.outputHashes(under: "out")
            try FileManager.default.createDirectory(atPath: workspace.at("empty"), withIntermediateDirectories: true)
            for flag in ["--prune", "--prune-all"] {
                let empty = try MedPrepProcess.run(["run", pipeline, "--input", workspace.at("empty"), "--no-progress", flag])
                #expect(empty.status == 1, "\(empty.transcript)")
                #expect(empty.standardError.contains("no inputs matched") && empty.standardError.contains("Nothing was pruned"),
                        "\(empty.transcript)")
                #expect(try workspace.outputHashes(under: "out") == outputsBefore)
            }

            // Three of four gone: 75 % > 50 %, refused; with --prune-all done.
            for index in 1 ... 3 { try FileManager.default.removeItem(atPath: workspace.at(String(format: "in/scan_%03d.nii.gz", index))) }
            let many = try MedPrepProcess.run(["run", pipeline, "--no-progress", "--prune"])
            #expect(many.status == 2 && many.standardError.contains("3 of 4 recorded case(s)"), "\(many.transcript)")
            #expect(try workspace.outputHashes(under: "out") == outputsBefore)
            let all = try MedPrepProcess.run(["run", pipeline, "--no-progress", "--prune-all"])
            #expect(all.status == 0 && all.summary?.removed == 3, "\(all.transcript)")
            try workspace.expectEveryListedFileExists(under: "out")
            #expect(workspace.files(under: "out").filter { $0.hasSuffix(".nii.gz") } == ["scan_004.nii.gz"])
        }

        /// Item 4: a symbolic link where the run keeps its state (`.medprep`, or `state.sqlite` in it) is refused
        /// with exit 74 naming it; nothing is written through it.
        @Test func stateFilesAreNeverReachedThroughALink() throws {
            let workspace = try Workspace()
            try GeneratedVolumes.write(count: 2, size: 8, to: workspace.at("in"))
            try workspace.write(GeneratedVolumes.pipeline(name: "state", input: "../in", output: "../out"), to: "p/p.yaml")
            try FileManager.default.createDirectory(atPath: workspace.at("out"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: workspace.at("elsewhere"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: workspace.at("out/.medprep"), withDestinationPath: workspace.at("elsewhere"))
            let linked = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(linked.status == 74, "\(linked.transcript)")
            #expect(linked.standardError.contains(workspace.at("out/.medprep")), "\(linked.transcript)")
            #expect(workspace.files(under: "elsewhere").isEmpty)

            try FileManager.default.removeItem(atPath: workspace.at("out/.medprep"))
            try FileManager.default.createDirectory(atPath: workspace.at("out/.medprep"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: workspace.at("out/.medprep/state.sqlite"),
                                                       withDestinationPath: workspace.at("elsewhere/state.sqlite"))
            let store = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(store.status == 74, "\(store.transcript)")
            #expect(workspace.files(under: "elsewhere").isEmpty)
        }

        /// With `--log-format json` (the cron recipe's log), a pipeline file that cannot be loaded and a refused
        /// overlap are JSON `error` events with the exit code, so every line of the log stays parseable.
        @Test func refusalsBeforeTheRunAreJSONEvents() throws {
            let workspace = try Workspace()
            try GeneratedVolumes.write(count: 1, size: 8, to: workspace.at("in"))
            try workspace.write("version: 1\nname: bad\nanchor: &a [1]\n", to: "p/bad.yaml")
            try workspace.write(GeneratedVolumes.pipeline(name: "ok", input: "../in", output: "../out"), to: "p/ok.yaml")
            let runs = [
                try MedPrepProcess.run(["run", workspace.at("p/bad.yaml"), "--log-format", "json", "--no-progress"]),
                try MedPrepProcess.run(["run", workspace.at("p/ok.yaml"), "--output", workspace.at("in/x"), "--log-format", "json",
                                        "--no-progress"]),
            ]
            for outcome in runs {
                #expect(outcome.status == 2, "\(outcome.transcript)")
                let lines = outcome.standardError.split(separator: "\n")
                #expect(!lines.isEmpty)
                for line in lines {
                    let event = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    #expect(event?["event"] as? String == "error" && event?["exit"] as? Int == 2, "not a JSON error event: \(line)")
                }
            }
        }

        /// Item 5: an output damaged in place with its size kept and a new timestamp is rehashed and redone.
        @Test func anOutputDamagedInPlaceIsRedone() throws {
            let workspace = try Workspace()
            try GeneratedVolumes.write(count: 3, size: 8, to: workspace.at("in"))
            try workspace.write(GeneratedVolumes.pipeline(name: "verify", input: "../in", output: "../out"), to: "p/p.yaml")
            let pipeline = workspace.at("p/p.yaml")
            #expect(try MedPrepProcess.run(["run", pipeline, "--no-progress"]).status == 0)
            let written = try workspace.outputHashes(under: "out")
            let target = workspace.at("out/scan_001.nii.gz")
            let handle = try #require(FileHandle(forUpdatingAtPath: target))
            try handle.seek(toOffset: 40)
            let byte = try #require(try handle.read(upToCount: 1)?.first)
            try handle.seek(toOffset: 40)
            try handle.write(contentsOf: [byte ^ 0xFF])
            try handle.close()
            #expect(try workspace.outputHashes(under: "out") != written)

            let again = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(again.summary?.processed == 1 && again.summary?.upToDate == 2, "\(again.transcript)")
            #expect(try workspace.outputHashes(under: "out") == written)
            // Only a new timestamp: rehashed once, found intact, up to date.
            let now = Date().addingTimeInterval(5)
            try FileManager.default.setAttributes([.modificationDate: now], ofItemAtPath: workspace.at("out/scan_002.nii.gz"))
            let touched = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(touched.summary?.processed == 0 && touched.summary?.upToDate == 3, "\(touched.transcript)")
        }
    }
}

extension Workspace {
    /// SHA-256 of every file under `relative` (hidden ones included), by relative path.
    func inputHashes(_ relative: String) throws -> [String: String] {
        var hashes: [String: String] = [:]
        for file in files(under: relative) { hashes[file] = try SHA256Hasher.hexDigest(file: at(relative) + "/" + file) }
        return hashes
    }

    /// `report.json`'s files under `relative`, by input: status and error text.
    func reportFiles(under relative: String) throws -> [String: (status: String, error: String?)] {
        let data = try Data(contentsOf: URL(fileURLWithPath: at(relative) + "/report.json"))
        let files = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["files"] as? [[String: Any]] ?? []
        var result: [String: (status: String, error: String?)] = [:]
        for file in files {
            guard let input = file["input"] as? String else { continue }
            let error = (file["error"] as? [String: Any]).map { "\($0["path"] ?? ""): \($0["reason"] ?? "")" }
                ?? file["error"] as? String
            result[input] = (file["status"] as? String ?? "", error)
        }
        return result
    }

    /// Every file that `batches/index.csv` (`case,batch,position,label_batch`) and `report.json` under `relative`
    /// name exists, and every position lies inside its files.
    func expectEveryListedFileExists(under relative: String, batches: String = "batches", report: String = "report.json") throws {
        let index = try String(contentsOfFile: at(relative) + "/\(batches)/index.csv", encoding: .utf8)
        #expect(index.hasPrefix("case,batch,position,label_batch\n"), "\(index)")
        for line in index.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            let position = Int(fields[2]) ?? -1
            for file in [fields[1], fields[3]] where !file.isEmpty {
                let path = at(relative) + "/\(batches)/" + file
                #expect(FileManager.default.fileExists(atPath: path), "index.csv lists \(file)")
                let count = try EndToEnd.BatchIsolation.npyShape(path).flatMap { Int($0.dropFirst().prefix { $0 != "," }) }
                #expect(position >= 0 && position < count ?? 0, "index.csv: position \(position) of \(file)")
            }
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: at(relative) + "/" + report))
        let files = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["files"] as? [[String: Any]] ?? []
        for file in files {
            for output in file["outputs"] as? [String] ?? [] {
                #expect(FileManager.default.fileExists(atPath: at(relative) + "/" + output), "report.json lists \(output)")
            }
        }
    }
}
