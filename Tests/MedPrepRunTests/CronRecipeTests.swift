import Foundation
import MedPrepTestSupport
import Testing

extension EndToEnd {
    /// The committed `pipelines/cron/` recipes, run as written: the `ExecStart=` line of the systemd service and the
    /// command of the crontab line, with only their documented placeholders replaced by test paths, through
    /// `/bin/sh -c` as systemd's `/bin/sh` and cron do.
    @Suite struct CronRecipe {
        static let directory = PackagePaths.root + "/pipelines/cron/"
        static let placeholders = ["/usr/local/bin/medprep", "/srv/medprep/pipeline.yaml", "/var/log/medprep/nightly.jsonl"]

        /// A workspace with 3 volumes and the pipeline `p/nightly.yaml` writing to `out`.
        static func workspace() throws -> Workspace {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: workspace.at("log"), withIntermediateDirectories: true)
            try GeneratedVolumes.write(count: 3, size: 8, to: workspace.at("in"))
            try workspace.write(GeneratedVolumes.pipeline(name: "nightly", input: "../in", output: "../out"), to: "p/nightly.yaml")
            return workspace
        }

        /// `command` with the placeholders replaced; every placeholder must occur in it.
        static func substitute(_ command: String, _ workspace: Workspace, pipeline: String = "p/nightly.yaml") throws -> String {
            for placeholder in placeholders {
                try #require(command.contains(placeholder), "\(placeholder) is not in \(command)")
            }
            return command.replacingOccurrences(of: placeholders[0], with: PackagePaths.medprep)
                .replacingOccurrences(of: placeholders[1], with: workspace.at(pipeline))
                .replacingOccurrences(of: placeholders[2], with: workspace.at("log/nightly.jsonl"))
        }

        /// The log's lines, each required to be one JSON object.
        static func logEvents(_ workspace: Workspace) throws -> [[String: Any]] {
            let text = try String(contentsOfFile: workspace.at("log/nightly.jsonl"), encoding: .utf8)
            return try text.split(separator: "\n").map {
                try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not a JSON object: \($0)")
            }
        }

        @Test func serviceExecStartRunsAsWritten() throws {
            let unit = try String(contentsOfFile: Self.directory + "medprep-nightly.service", encoding: .utf8)
            let lines = unit.split(separator: "\n").map(String.init)
            let execStart = try #require(lines.first { $0.hasPrefix("ExecStart=") }).dropFirst("ExecStart=".count)
            #expect(lines.contains("OnFailure=medprep-alert@%n.service"))
            #expect(FileManager.default.fileExists(atPath: Self.directory + "medprep-alert@.service"))
            let timer = try String(contentsOfFile: Self.directory + "medprep-nightly.timer", encoding: .utf8)
            #expect(timer.contains("\nOnCalendar=*-*-* 02:30:00\n") && timer.contains("\nPersistent=true\n"))
            #expect(execStart.contains("--log-format json") && execStart.contains("--wait-timeout "), "\(execStart)")
            #expect(!execStart.contains("%") && !execStart.contains("$"), "systemd would expand specifiers or variables")

            let workspace = try Self.workspace()
            let command = try Self.substitute(String(execStart), workspace)
            // The first night processes 3 cases (begin, 3 items, end); the second finds them up to date (begin, end),
            // appended to the same log.
            for (night, expected) in [(1, 5), (2, 7)] {
                let outcome = try ChildProcess.run("/bin/sh", ["-c", command], timeout: 120)
                #expect(outcome.status == 0, "night \(night): \(outcome.transcript)")
                #expect(outcome.standardError.isEmpty, "everything goes to the log: \(outcome.standardError)")
                let events = try Self.logEvents(workspace)
                #expect(events.count == expected, "night \(night): \(events)")
                #expect(events.filter { $0["event"] as? String == "item" }.count == 3)
            }
            #expect(FileManager.default.fileExists(atPath: workspace.at("out/scan_002.nii.gz")))

            try FileManager.default.removeItem(atPath: workspace.at("out/.medprep"))
            try workspace.write("in the way\n", to: "out/.medprep")
            let failed = try ChildProcess.run("/bin/sh", ["-c", command], timeout: 120)
            #expect(failed.status == 74, "a non-zero exit fails the unit (OnFailure=): \(failed.transcript)")
            let last = try #require(try Self.logEvents(workspace).last)
            #expect(last["event"] as? String == "error" && last["exit"] as? Int == 74, "\(last)")
        }

        @Test func crontabLineRunsAsWritten() throws {
            let crontab = try String(contentsOfFile: Self.directory + "medprep.crontab", encoding: .utf8)
            let lines = crontab.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
            #expect(lines.contains { $0.hasPrefix("MAILTO=") })
            let entries = lines.filter { !($0.split(separator: " ").first ?? "").contains("=") }
            try #require(entries.count == 1, "\(entries)")
            let fields = entries[0].split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            try #require(fields.count == 6)
            #expect(fields.prefix(5) == ["30", "2", "*", "*", "*"], "nightly at 02:30")
            let command = String(fields[5])
            #expect(!command.contains("%"), "cron turns % into a newline")
            #expect(command.contains("--log-format json") && command.contains("--wait-timeout "), "\(command)")

            let workspace = try Self.workspace()
            let outcome = try ChildProcess.run("/bin/sh", ["-c", try Self.substitute(command, workspace)], timeout: 120)
            #expect(outcome.status == 0, "\(outcome.transcript)")
            #expect(outcome.standardOutput.isEmpty && outcome.standardError.isEmpty, "no output, no mail: \(outcome.transcript)")
            #expect(try Self.logEvents(workspace).filter { $0["event"] as? String == "item" }.count == 3)

            let failing = try Self.substitute(command, workspace, pipeline: "p/missing.yaml")
            let failed = try ChildProcess.run("/bin/sh", ["-c", failing], timeout: 120)
            #expect(failed.standardOutput.contains("medprep nightly run failed with exit 2"),
                    "output that cron mails to MAILTO: \(failed.transcript)")
        }
    }
}
