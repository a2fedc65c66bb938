import Foundation
import MedPrepTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// Exit 74 for I/O failures of the run's own files, a damaged state store moved aside and rebuilt, and file
    /// names that cannot forge log lines.
    @Suite struct StateAndLog {
        /// A workspace with `count` volumes in `in` and the pipeline `p/run.yaml` writing to `out`.
        static func workspace(count: Int = 4) throws -> Workspace {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            try GeneratedVolumes.write(count: count, size: 8, to: workspace.at("in"))
            try workspace.write(GeneratedVolumes.pipeline(name: "state", input: "../in", output: "../out"), to: "p/run.yaml")
            return workspace
        }

        static func run(_ workspace: Workspace, _ extra: [String] = []) throws -> MedPrepProcess.Outcome {
            try MedPrepProcess.run(["run", workspace.at("p/run.yaml"), "--no-progress"] + extra)
        }

        /// Root ignores permissions, so the state directory and the database are blocked by things in their way:
        /// a regular file where `.medprep` (or a shard's directory) should be, a directory where `state.sqlite` should be.
        @Test func ioFailuresOfTheLockAndTheStateStoreExitSeventyFour() throws {
            let workspace = try Self.workspace()
            try workspace.write("not a directory\n", to: "out/.medprep")
            let blocked = try Self.run(workspace)
            #expect(blocked.status == 74, "\(blocked.transcript)")
            #expect(blocked.standardError.contains(workspace.at("out/.medprep")) && blocked.standardError.contains("in the way"),
                    "\(blocked.transcript)")
            #expect(!FileManager.default.fileExists(atPath: workspace.at("out/scan_000.nii.gz")))

            try FileManager.default.removeItem(atPath: workspace.at("out/.medprep"))
            try workspace.write("not a directory\n", to: "out/.medprep/shard-0-of-2")
            let shard = try Self.run(workspace, ["--shard", "0/2"])
            #expect(shard.status == 74, "\(shard.transcript)")
            #expect(shard.standardError.contains(workspace.at("out/.medprep/shard-0-of-2")), "\(shard.transcript)")

            try FileManager.default.removeItem(atPath: workspace.at("out/.medprep"))
            try FileManager.default.createDirectory(atPath: workspace.at("out/.medprep/state.sqlite"), withIntermediateDirectories: true)
            let store = try Self.run(workspace)
            #expect(store.status == 74, "\(store.transcript)")
            #expect(store.standardError.contains(workspace.at("out/.medprep/state.sqlite") + ": cannot open state database"),
                    "\(store.transcript)")
            #expect(!FileManager.default.fileExists(atPath: workspace.at("out/scan_000.nii.gz")))
        }

        /// A state.sqlite overwritten with garbage (and a garbage WAL beside it), or with one page destroyed: a dry
        /// run says what to do and changes nothing; a run moves both aside, says so, redoes every case and exits 0.
        @Test(arguments: ["garbage", "page"]) func damagedStateStoreIsMovedAsideAndRebuilt(damage: String) throws {
            let workspace = try Self.workspace()
            let first = try Self.run(workspace)
            #expect(first.status == 0 && first.summary?.processed == 4, "\(first.transcript)")
            let state = workspace.at("out/.medprep/state.sqlite")
            var bytes = try Data(contentsOf: URL(fileURLWithPath: state))
            var generator = SystemRandomNumberGenerator()
            let noise = Data((0 ..< 4096).map { _ in UInt8.random(in: 0 ... 255, using: &generator) })
            if damage == "garbage" {
                bytes = noise
                try Data("garbage WAL".utf8).write(to: URL(fileURLWithPath: state + "-wal"))
            } else {
                try #require(bytes.count >= 8192)
                bytes.replaceSubrange(4096 ..< 8192, with: noise)
            }
            try bytes.write(to: URL(fileURLWithPath: state))

            let dry = try Self.run(workspace, ["--dry-run"])
            #expect(dry.status == 74, "\(dry.transcript)")
            #expect(dry.standardError.contains("the state database is damaged") && dry.standardError.contains("moves it aside"),
                    "\(dry.transcript)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: state)) == bytes, "a dry run changes nothing")
            #expect(damage != "garbage" || FileManager.default.fileExists(atPath: state + "-wal"), "a dry run keeps the WAL")

            let rebuilt = try Self.run(workspace)
            #expect(rebuilt.status == 0 && rebuilt.summary?.processed == 4, "\(rebuilt.transcript)")
            #expect(rebuilt.standardError.contains("the state database \(state) was damaged"), "\(rebuilt.transcript)")
            #expect(rebuilt.standardError.contains("every case will be processed again"), "\(rebuilt.transcript)")
            let names = try FileManager.default.contentsOfDirectory(atPath: workspace.at("out/.medprep"))
            let aside = try #require(names.first { $0.hasPrefix("state.sqlite.corrupt-") && !$0.hasSuffix("-wal") }, "\(names)")
            #expect(aside.range(of: #"^state\.sqlite\.corrupt-\d{8}T\d{6}Z$"#, options: .regularExpression) != nil, "\(aside)")
            #expect(rebuilt.standardError.contains("moved it aside to " + workspace.at("out/.medprep/" + aside)))
            #expect(try Data(contentsOf: URL(fileURLWithPath: workspace.at("out/.medprep/" + aside))) == bytes)
            #expect(try workspace.reportNotes(under: "out").contains { $0.contains("moved it aside to") },
                    "report.json notes say that the state store was rebuilt")
            if damage == "garbage" {
                #expect(names.contains(aside + "-wal"), "the WAL moves with its database: \(names)")
            }
            let again = try Self.run(workspace)
            #expect(again.status == 0 && again.summary?.upToDate == 4, "\(again.transcript)")
        }

        /// A file name with a newline, a carriage return and ESC sequences makes exactly one text log line, with
        /// the characters escaped; in a JSON log every line is one JSON object holding the exact name.
        @Test func controlCharactersInFileNamesCannotForgeLogLines() throws {
            let workspace = try Self.workspace(count: 2)
            let evil = "evil\nnormalize [9/9] forged processed\r\u{1B}[2Kcase"
            try GeneratedVolumes.write(index: 7, size: 8, seed: 7, to: workspace.at("in/" + evil + ".nii.gz"))

            let text = try Self.run(workspace)
            #expect(text.status == 0 && text.summary?.processed == 3, "\(text.transcript)")
            let lines = text.standardError.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(lines.count == 5, "begin, 3 items, end: \(lines)")
            let evilLines = lines.filter { $0.contains("evil") }
            #expect(evilLines.count == 1 && evilLines.allSatisfy {
                $0.hasPrefix("normalize [") && $0.hasSuffix(#"] evil\nnormalize [9/9] forged processed\r\x1b[2Kcase processed"#)
            }, "\(lines)")
            #expect(!lines.contains { $0.hasPrefix("normalize [9/9]") }, "\(lines)")
            #expect(!text.standardError.unicodeScalars.contains { $0 == "\r" || $0 == "\u{1B}" })

            let json = try Self.run(workspace, ["--force", "--log-format", "json"])
            #expect(json.status == 0, "\(json.transcript)")
            let events = try json.standardError.split(separator: "\n").map {
                try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not one JSON object: \($0)")
            }
            #expect(events.count == 5, "\(json.standardError)")
            #expect(events.compactMap { $0["item"] as? String }.filter { $0.hasPrefix("evil") } == [evil])
        }
    }
}
