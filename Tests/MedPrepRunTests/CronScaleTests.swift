import Foundation
import MedPrepPipeline
import Testing

extension EndToEnd {
    /// The cron path: a run with nothing to do touches no file, not even its reports (`ReportReuse`); a touched
    /// input is rehashed, not redone; a changed input, a deleted or modified output, and an edited report are
    /// noticed and redone.
    @Suite struct CronScale {
        /// Every file under `out` (state store excluded) with its modification time (ns) and SHA-256.
        static func snapshot(_ workspace: Workspace) throws -> [String: String] {
            var result: [String: String] = [:]
            for file in workspace.files(under: "out") where !file.hasPrefix(".medprep/") {
                var info = stat()
                try #require(stat(workspace.at("out/" + file), &info) == 0)
                result[file] = "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) "
                    + (try SHA256Hasher.hexDigest(file: workspace.at("out/" + file)))
            }
            return result
        }

        /// The statuses report.json gives, by input.
        static func statuses(_ workspace: Workspace) throws -> [String: String] {
            let data = try Data(contentsOf: URL(fileURLWithPath: workspace.at("out/report.json")))
            let files = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["files"] as? [[String: Any]])
            return Dictionary(uniqueKeysWithValues: files.map { ($0["input"] as? String ?? "?", $0["status"] as? String ?? "?") })
        }

        static func workspace() throws -> (Workspace, String) {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            try GeneratedVolumes.write(count: 5, size: 8, to: workspace.at("in"))
            let text = GeneratedVolumes.pipeline(name: "cron", input: "../in", output: "../out")
                .replacingOccurrences(of: "reports: [json]", with: "reports: [json, csv, html]")
            try workspace.write(text, to: "p/cron.yaml")
            return (workspace, workspace.at("p/cron.yaml"))
        }

        @Test func noOpRunRewritesNothingAndItsReportsAreWhatARunWouldWrite() throws {
            let (workspace, pipeline) = try Self.workspace()
            let first = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(first.status == 0 && first.summary?.processed == 5, "\(first.transcript)")
            // The first run with nothing to do reports every case up to date (its reports differ from the first run's).
            let second = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(second.status == 0 && second.summary?.processed == 0 && second.summary?.upToDate == 5, "\(second.transcript)")
            #expect(Set(try Self.statuses(workspace).values) == ["up_to_date"])
            let settled = try Self.snapshot(workspace)
            #expect(settled.keys.contains("report.json") && settled.keys.contains("report.html") && settled.keys.contains("groups.csv"))

            let third = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(third.status == 0 && third.summary?.processed == 0 && third.summary?.upToDate == 5
                && third.summary?.failed == 0, "\(third.transcript)")
            #expect(third.standardOutput.contains("report:  " + workspace.at("out/report.json")), "\(third.transcript)")
            #expect(try Self.snapshot(workspace) == settled, "a no-op run rewrote a file")

            // Reports deleted or edited by hand are written again, byte for byte what the no-op run kept.
            let kept = try Data(contentsOf: URL(fileURLWithPath: workspace.at("out/report.json")))
            let keptHTML = try Data(contentsOf: URL(fileURLWithPath: workspace.at("out/report.html")))
            try FileManager.default.removeItem(atPath: workspace.at("out/report.json"))
            try "edited".write(toFile: workspace.at("out/report.html"), atomically: false, encoding: .utf8)
            let fourth = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(fourth.status == 0 && fourth.summary?.upToDate == 5, "\(fourth.transcript)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: workspace.at("out/report.json"))) == kept)
            #expect(try Data(contentsOf: URL(fileURLWithPath: workspace.at("out/report.html"))) == keptHTML)
        }

        @Test func touchedInputIsRehashedAndChangedInputRedone() throws {
            let (workspace, pipeline) = try Self.workspace()
            for _ in 0 ..< 2 { _ = try MedPrepProcess.run(["run", pipeline, "--no-progress"]) }
            let settled = try Self.snapshot(workspace)
            // Same bytes, new time: rehashed, nothing redone, no output or report rewritten.
            var times = [timespec(tv_sec: 2_000_000_000, tv_nsec: 0), timespec(tv_sec: 2_000_000_000, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, workspace.at("in/scan_001.nii.gz"), &times, 0) == 0)
            let touched = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(touched.status == 0 && touched.summary?.processed == 0 && touched.summary?.upToDate == 5, "\(touched.transcript)")
            #expect(try Self.snapshot(workspace) == settled)

            try GeneratedVolumes.write(index: 3, size: 8, seed: 77, to: workspace.at("in/scan_003.nii.gz"))
            let changed = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(changed.status == 0 && changed.summary?.processed == 1 && changed.summary?.upToDate == 4, "\(changed.transcript)")
            let after = try Self.snapshot(workspace)
            #expect(after.filter { settled[$0.key] != $0.value }.keys.sorted()
                == ["groups.csv", "report.html", "report.json", "scan_003.nii.gz"])
            #expect(try Self.statuses(workspace)["scan_003.nii.gz"] == "processed")
        }

        @Test func deletedOrModifiedOutputIsRedone() throws {
            let (workspace, pipeline) = try Self.workspace()
            for _ in 0 ..< 2 { _ = try MedPrepProcess.run(["run", pipeline, "--no-progress"]) }
            let original = try Data(contentsOf: URL(fileURLWithPath: workspace.at("out/scan_002.nii.gz")))
            try FileManager.default.removeItem(atPath: workspace.at("out/scan_002.nii.gz"))
            let deleted = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(deleted.status == 0 && deleted.summary?.processed == 1 && deleted.summary?.upToDate == 4, "\(deleted.transcript)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: workspace.at("out/scan_002.nii.gz"))) == original)

            // Same size, one byte flipped, new time: the content hash differs from the one recorded.
            var modified = original
            modified[modified.count / 2] ^= 0xFF
            try modified.write(to: URL(fileURLWithPath: workspace.at("out/scan_002.nii.gz")))
            let redone = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(redone.status == 0 && redone.summary?.processed == 1 && redone.summary?.upToDate == 4, "\(redone.transcript)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: workspace.at("out/scan_002.nii.gz"))) == original)
            #expect(try Self.statuses(workspace)["scan_002.nii.gz"] == "processed")
        }
    }
}
