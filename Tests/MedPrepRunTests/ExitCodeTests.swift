import Foundation
import MedPrepPipeline
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// Issue 16, item 5: exit codes tell the truth. Incomplete cases fail unless `input: {missing: skip}`, an
    /// input directory without any matching file fails, and SIGINT/SIGTERM stop a run cleanly with one line.
    @Suite struct ExitCodes {
        /// A pipeline over `in` with labels from `labels/{case}.nii.gz` (and a channel pattern when given).
        static func pipeline(name: String, missing: String? = nil, labels: Bool = true, channels: String? = nil) -> String {
            var input = ["  directory: ../in"]
            if labels { input.append("  labels: ../labels/{case}.nii.gz") }
            if let channels { input.append("  channels: \"\(channels)\"") }
            if let missing { input.append("  missing: \(missing)") }
            return (["version: 1", "name: \(name)", "input:"] + input + [
                "stages:", "  - normalize: {method: groupnorm, groups: 1, eps: 1.0e-5}",
                "output:", "  directory: ../\(name)", "  reports: [json]",
            ]).joined(separator: "\n") + "\n"
        }

        static func report(_ workspace: Workspace, _ output: String) throws -> [String: Any] {
            let data = try Data(contentsOf: URL(fileURLWithPath: workspace.at(output + "/report.json")))
            return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        }

        /// A case without its label map fails with exit 1, naming the label path, the reason and both fixes; its
        /// batch-mates are processed. With `missing: skip` the same run exits 0 and `report.json` lists the case
        /// under `skipped`. A report with nothing skipped has no `skipped` key.
        @Test func missingLabelFailsUnlessSkipped() throws {
            let workspace = try Workspace()
            try GeneratedVolumes.write(count: 3, size: 8, to: workspace.at("in"))
            for index in 0 ..< 2 {
                try GeneratedVolumes.writeLabel(index: index, size: 8, seed: 10 + index,
                                                to: workspace.at(String(format: "labels/scan_%03d.nii.gz", index)))
            }
            try workspace.write(Self.pipeline(name: "fail"), to: "p/fail.yaml")
            try workspace.write(Self.pipeline(name: "skip", missing: "skip"), to: "p/skip.yaml")

            let failed = try MedPrepProcess.run(["run", workspace.at("p/fail.yaml"), "--no-progress"])
            #expect(failed.status == 1, "\(failed.transcript)")
            #expect(failed.summary?.processed == 2 && failed.summary?.failed == 1, "\(failed.transcript)")
            let label = workspace.at("labels/scan_002.nii.gz")
            #expect(failed.standardError.contains("error: \(label): no regular label file for case scan_002 (missing_label); "
                + "add the missing file, or leave such cases out with input: {missing: skip}"), "\(failed.transcript)")
            let failReport = try Self.report(workspace, "fail")
            let files = failReport["files"] as? [[String: Any]] ?? []
            let entry = files.first { $0["input"] as? String == "scan_002.nii.gz" }
            #expect(entry?["status"] as? String == "failed" && entry?["error_kind"] as? String == "incomplete_case", "\(files)")
            #expect(failReport["skipped"] == nil)
            #expect(FileManager.default.fileExists(atPath: workspace.at("fail/scan_001.nii.gz")))

            let skipped = try MedPrepProcess.run(["run", workspace.at("p/skip.yaml"), "--no-progress"])
            #expect(skipped.status == 0 && skipped.summary?.processed == 2 && skipped.summary?.failed == 0, "\(skipped.transcript)")
            #expect(skipped.standardError.contains("\(label): skipped (missing_label)"), "\(skipped.transcript)")
            let skipReport = try Self.report(workspace, "skip")
            let list = skipReport["skipped"] as? [[String: String]] ?? []
            #expect(list == [["input": "scan_002.nii.gz", "reason": "missing_label",
                              "detail": "no regular label file for case scan_002"]], "\(skipReport)")
            #expect((skipReport["pipeline"] as? String)?.contains("\"missing\":\"skip\"") == true)
            #expect((failReport["pipeline"] as? String)?.contains("missing") == false)

            // The label appears: the failed case is processed, the others stay up to date.
            try GeneratedVolumes.writeLabel(index: 2, size: 8, seed: 12, to: label)
            let fixed = try MedPrepProcess.run(["run", workspace.at("p/fail.yaml"), "--no-progress"])
            #expect(fixed.status == 0 && fixed.summary?.processed == 1 && fixed.summary?.upToDate == 2, "\(fixed.transcript)")
            #expect(try Self.report(workspace, "fail")["skipped"] == nil)
        }

        /// A case lacking a channel that other cases have, or with a channel number twice, fails (exit 1) naming
        /// the case and the channels; `missing: skip` leaves both out with exit 0.
        @Test func missingOrDuplicateChannelFailsUnlessSkipped() throws {
            let workspace = try Workspace()
            for (index, name) in ["a_0000.nii.gz", "a_0001.nii.gz", "b_0000.nii.gz", "c_0000.nii.gz", "c_0001.nii.gz",
                                  "c_001.nii.gz"].enumerated() {
                try GeneratedVolumes.write(index: 0, size: 8, seed: index, to: workspace.at("in/" + name))
            }
            try workspace.write(Self.pipeline(name: "fail", labels: false, channels: "{case}_{channel}.nii.gz"), to: "p/fail.yaml")
            try workspace.write(Self.pipeline(name: "skip", missing: "skip", labels: false, channels: "{case}_{channel}.nii.gz"),
                                to: "p/skip.yaml")
            let failed = try MedPrepProcess.run(["run", workspace.at("p/fail.yaml"), "--no-progress"])
            #expect(failed.status == 1 && failed.summary?.processed == 1 && failed.summary?.failed == 2, "\(failed.transcript)")
            #expect(failed.standardError.contains("error: \(workspace.at("in/b")): case lacks channel(s) [1] that other cases "
                + "have (missing_channel)"), "\(failed.transcript)")
            #expect(failed.standardError.contains("error: \(workspace.at("in/c")): a channel number appears twice"), "\(failed.transcript)")
            #expect(failed.standardError.contains("(duplicate_channel)"), "\(failed.transcript)")
            let inputs = (try Self.report(workspace, "fail")["files"] as? [[String: Any]] ?? []).compactMap { $0["input"] as? String }
            #expect(inputs == ["a_0000.nii.gz+a_0001.nii.gz", "b_0000.nii.gz", "c_0000.nii.gz+c_0001.nii.gz+c_001.nii.gz"])

            let skipped = try MedPrepProcess.run(["run", workspace.at("p/skip.yaml"), "--no-progress"])
            #expect(skipped.status == 0 && skipped.summary?.processed == 1, "\(skipped.transcript)")
            let list = try Self.report(workspace, "skip")["skipped"] as? [[String: String]] ?? []
            #expect(list.map { $0["reason"] ?? "" } == ["missing_channel", "duplicate_channel"], "\(list)")
        }

        /// An empty input directory, or one with no file the include patterns match, fails with exit 1 and
        /// `no inputs matched <patterns> under <dir>`, also with `--dry-run`, and writes no report. A shard with no
        /// case of a non-empty dataset is not an error; a shard of an empty dataset is.
        @Test func noMatchingInputExitsOne() throws {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            try workspace.write("not a scan\n", to: "in/readme.txt")
            try workspace.write(Self.pipeline(name: "out", labels: false), to: "p/p.yaml")
            for extra in [[], ["--dry-run"], ["--shard", "0/2"]] {
                let outcome = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"] + extra)
                #expect(outcome.status == 1, "\(extra): \(outcome.transcript)")
                #expect(outcome.standardError.contains("error: no inputs matched **/*.dcm, **/*.dicom, **/*.nii.gz, **/*.nii, **/*.hdr, "),
                        "\(outcome.transcript)")
                #expect(outcome.standardError.contains(" under \(workspace.at("in")). Is the directory mounted"), "\(outcome.transcript)")
                #expect(!FileManager.default.fileExists(atPath: workspace.at("out/report.json")))
            }

            try GeneratedVolumes.write(count: 2, size: 8, to: workspace.at("in"))
            var cases = 0
            for index in 0 ..< 8 {
                let outcome = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress", "--shard", "\(index)/8"])
                #expect(outcome.status == 0, "shard \(index)/8: \(outcome.transcript)")
                cases += outcome.summary?.processed ?? 0
            }
            #expect(cases == 2)
        }

        /// SIGINT (exit 130) and SIGTERM (exit 143) stop a run: one line says how many cases are done and how
        /// many are left and that a re-run continues; every output under a final name is complete (equal to a
        /// clean run's), and the re-run processes exactly the cases left.
        @Test(arguments: [(SIGINT, 130, "SIGINT"), (SIGTERM, 143, "SIGTERM")])
        func signalStopsCleanly(signal: Int32, code: Int32, name: String) throws {
            let workspace = try Workspace()
            try GeneratedVolumes.write(count: 24, size: 24, to: workspace.at("in"))
            for output in ["clean", "stopped"] {
                try workspace.write(GeneratedVolumes.pipeline(name: output, input: "../in", output: "../\(output)",
                                                              extraStages: ["resample: {spacing: [0.4, 0.4, 0.5]}"]),
                                    to: "p/\(output).yaml")
            }
            let clean = try MedPrepProcess.run(["run", workspace.at("p/clean.yaml"), "--no-progress"])
            #expect(clean.status == 0, "\(clean.transcript)")
            let reference = try workspace.outputHashes(under: "clean")

            let process = try MedPrepProcess.start(["run", workspace.at("p/stopped.yaml"), "--no-progress"])
            let deadline = Date().addingTimeInterval(60)
            while !process.hasExited, Date() < deadline, outputs(workspace).count < 2 { usleep(2_000) }
            #expect(!process.hasExited, "the run ended before the signal")
            process.kill(signal)
            let stopped = process.wait()
            #expect(stopped.status == code && stopped.signal == nil, "\(stopped.transcript)")
            let present = outputs(workspace)
            let last = stopped.standardError.split(separator: "\n").last.map(String.init) ?? ""
            #expect(last == "medprep: interrupted by \(name): \(present.count) case(s) done, \(24 - present.count) left; "
                + "run the same command again to continue with the rest", "\(stopped.transcript)")
            #expect(present.count < 24)
            for file in present {
                #expect(try SHA256Hasher.hexDigest(file: workspace.at("stopped/\(file)")) == reference[file], "\(file)")
            }
            #expect(workspace.files(under: "stopped").filter { $0.contains(".tmp-") }.isEmpty)

            let rerun = try MedPrepProcess.run(["run", workspace.at("p/stopped.yaml"), "--no-progress"])
            #expect(rerun.status == 0 && rerun.summary?.processed == 24 - present.count
                && rerun.summary?.upToDate == present.count, "\(rerun.transcript)")
            #expect(try workspace.outputHashes(under: "stopped") == reference)
        }

        func outputs(_ workspace: Workspace) -> [String] {
            workspace.files(under: "stopped").filter { $0.hasSuffix(".nii.gz") && !$0.hasPrefix(".") }
        }
    }
}
