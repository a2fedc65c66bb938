import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// Issue 17, item 4: every JSON, YAML, I/O and command-line problem of a table of bad inputs exits non-zero with
    /// a message that names the file (or the option) and what was expected, and no message shows Swift internals:
    /// `DecodingError`, `CodingKeys`, `NSCocoaErrorDomain`, a Swift or medprep type name, or a debug dump.
    @Suite struct ErrorTexts {
        static let forbidden = [
            "DecodingError", "CodingKeys", "NSCocoaErrorDomain", "NSPOSIXErrorDomain", "Error Domain", "Swift.",
            "Optional(", "keyNotFound", "typeMismatch", "valueNotFound", "dataCorrupted", "Debug description",
            "debugDescription", "intValue", "stringValue", "UserInfo", "NSFilePath", "MedPrepError", "MedPrepCore",
            "MedPrepPipeline", "MedPrepNormalize", "DatasetStatistics", "PartialStatistics", "StatisticsFile",
            "ForegroundMask", "PipelineIssue", "RunReport", "Dictionary<", "Array<", "The operation could not be completed",
        ]

        /// One bad input: the medprep arguments, and what the message must mention.
        struct Case: CustomStringConvertible {
            var name: String
            var arguments: [String]
            var mentions: [String]
            var description: String { name }
        }

        /// A workspace with good scans, a good statistics file, a partial, a report, and the bad files.
        static func workspace() throws -> Workspace {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            for name in ["ct_cohort_00.nii.gz", "ct_cohort_01.nii.gz"] {
                try FileManager.default.copyItem(atPath: MedPrepProcess.packageRoot + "/SampleData/ct-cohort/" + name,
                                                 toPath: workspace.at("in/" + name))
            }
            _ = try MedPrepProcess.run(["stats", workspace.at("in"), "-o", workspace.at("good.json")])
            _ = try MedPrepProcess.run(["stats", workspace.at("in"), "--shard", "0/2", "-o", workspace.at("partial.json")])
            let files: [String: String] = [
                "notjson.json": "hello",
                "truncated.json": "{\"version\": 1, \"files\": ",
                "empty.json": "",
                "badline.json": "{\n  \"version\": 1,\n  \"files\": 2\n  \"mask\": null\n}",
                "files-string.json": "{\"version\": 1, \"files\": \"two\", \"mask\": null, \"channels\": []}",
                "no-channels.json": "{\"version\": 1, \"files\": 2, \"mask\": null}",
                "version2.json": "{\"version\": 2, \"files\": 2, \"mask\": null, \"channels\": []}",
                "channel-number.json": "{\"version\": 1, \"files\": 2, \"mask\": null, \"channels\": [1]}",
                "channel-fields.json": "{\"version\": 1, \"files\": 2, \"mask\": null, \"channels\": [{\"channel\": 0}]}",
                "no-inputs.json": "{\"version\": 1, \"files\": 0, \"mask\": null, \"channels\": []}",
                "partial-cases.json": "{\"kind\": \"partial\", \"version\": 1, \"shard\": {\"index\": 0, \"count\": 1}, \"cases\": 7, \"sketches\": [], \"failures\": []}",
                "partial-shard.json": "{\"kind\": \"partial\", \"version\": 1, \"shard\": {\"index\": 3, \"count\": 2}, \"cases\": [], \"sketches\": [], \"failures\": []}",
                "report-bad.json": "{\"medprep_version\": 3}",
                "a-file": "not a directory",
            ]
            for (name, text) in files {
                try Data(text.utf8).write(to: URL(fileURLWithPath: workspace.at(name)))
            }
            try Data([0x76, 0x3A, 0x20, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: workspace.at("latin1.yaml")))
            let pipelines: [String: String] = [
                "syntax.yaml": "version: 1\nname: [unclosed\n",
                "groups-type.yaml": pipeline(normalize: "{method: groupnorm, groups: three}"),
                "unknown-key.yaml": pipeline(normalize: "{method: groupnorm, groups: 1}") + "colour: red\n",
                "unknown-stage.yaml": pipeline(normalize: "{method: groupnorm, groups: 1}", stage: "  - sharpen: {amount: 2}\n"),
                "no-output.yaml": "version: 1\nname: x\ninput: {directory: ../in}\nstages:\n  - normalize: {method: groupnorm, groups: 1}\n",
                "no-input-dir.yaml": pipeline(normalize: "{method: groupnorm, groups: 1}", input: "../missing-dir"),
                "no-stats.yaml": pipeline(normalize: "{method: dataset, stats: ../missing-stats.json}"),
                "groups3.yaml": pipeline(normalize: "{method: groupnorm, groups: 3}"),
                "gamma-length.yaml": pipeline(normalize: "{method: groupnorm, groups: 1, gamma: [1, 2]}"),
                "empty.yaml": "",
                "bad-stats.yaml": pipeline(normalize: "{method: dataset, stats: ../truncated.json}"),
                "partial-stats.yaml": pipeline(normalize: "{method: dataset, stats: ../partial.json}"),
                "inside.yaml": pipeline(normalize: "{method: groupnorm, groups: 1}", output: "../in/out"),
                "good.yaml": pipeline(normalize: "{method: groupnorm, groups: 1}"),
            ]
            for (name, text) in pipelines { try workspace.write(text, to: "p/" + name) }
            return workspace
        }

        static func pipeline(normalize: String, stage: String = "", input: String = "../in", output: String = "../out") -> String {
            "version: 1\nname: bad\ninput: {directory: \(input)}\nstages:\n\(stage)  - normalize: \(normalize)\n"
                + "output: {directory: \(output), reports: [json]}\n"
        }

        static func cases(_ w: Workspace) -> [Case] {
            let merge = { (name: String, file: String, mentions: [String]) in
                Case(name: name, arguments: ["stats", "merge", w.at(file), "-o", w.at("merged.json")], mentions: [w.at(file)] + mentions)
            }
            let validate = { (name: String, file: String, mentions: [String]) in
                Case(name: name, arguments: ["validate", w.at("p/" + file)], mentions: [w.at("p/" + file)] + mentions)
            }
            var table: [Case] = [
                merge("merge: not JSON", "notjson.json", ["not valid JSON", "line 1, column 1"]),
                merge("merge: JSON cut short", "truncated.json", ["line 1, column 25", "found the end of the text"]),
                merge("merge: empty file", "empty.json", ["not valid JSON"]),
                merge("merge: missing comma", "badline.json", ["line 4, column 3", "expected ',' or '}'"]),
                merge("merge: files is a string", "files-string.json", ["field 'files'", "expected a whole number", "found a string"]),
                merge("merge: no channels", "no-channels.json", ["missing field 'channels'"]),
                merge("merge: version 2", "version2.json", ["version 2", "reads version 1"]),
                merge("merge: channel is a number", "channel-number.json", ["field 'channels[0]'", "expected an object"]),
                merge("merge: channel without fields", "channel-fields.json", ["missing field 'channels[0].count'"]),
                merge("merge: no input list", "no-inputs.json", ["does not list the inputs", "regenerate"]),
                merge("merge: partial cases not a list", "partial-cases.json", ["field 'cases'", "expected a list"]),
                merge("merge: partial shard 3 of 2", "partial-shard.json", ["3"]),
                merge("merge: a directory", "in", ["Is a directory"]),
                merge("merge: missing file", "nothing.json", ["No such file or directory"]),
                Case(name: "merge: a file with itself", arguments: ["stats", "merge", w.at("good.json"), w.at("good.json"), "-o", w.at("m.json")],
                     mentions: [w.at("good.json"), "given twice"]),
                Case(name: "normalize --stats: partial", arguments: ["normalize", w.at("in/ct_cohort_00.nii.gz"), "--method", "dataset",
                                                                     "--stats", w.at("partial.json"), "-o", w.at("n1")],
                     mentions: [w.at("partial.json"), "stats merge"]),
                Case(name: "normalize --stats: missing", arguments: ["normalize", w.at("in/ct_cohort_00.nii.gz"), "--method", "dataset",
                                                                     "--stats", w.at("nothing.json"), "-o", w.at("n2")],
                     mentions: [w.at("nothing.json"), "No such file or directory"]),
                Case(name: "normalize --stats: wrong type", arguments: ["normalize", w.at("in/ct_cohort_00.nii.gz"), "--method", "dataset",
                                                                        "--stats", w.at("files-string.json"), "-o", w.at("n3")],
                     mentions: [w.at("files-string.json"), "field 'files'"]),
                Case(name: "report merge: not a report", arguments: ["report", "merge", w.at("report-bad.json"), "-o", w.at("r1")],
                     mentions: [w.at("report-bad.json"), "field 'medprep_version'"]),
                Case(name: "report merge: not JSON", arguments: ["report", "merge", w.at("notjson.json"), "-o", w.at("r2")],
                     mentions: [w.at("notjson.json"), "line 1, column 1"]),
                Case(name: "report merge: missing", arguments: ["report", "merge", w.at("nothing.json"), "-o", w.at("r3")],
                     mentions: [w.at("nothing.json"), "No such file or directory"]),
                validate("validate: YAML syntax", "syntax.yaml", [":3:1:", "well-formed YAML"]),
                validate("validate: groups not a number", "groups-type.yaml", [":5:", "groups"]),
                validate("validate: unknown top-level key", "unknown-key.yaml", [":7:", "colour"]),
                validate("validate: unknown stage", "unknown-stage.yaml", [":5:", "sharpen"]),
                validate("validate: output missing", "no-output.yaml", ["output"]),
                validate("validate: input directory missing", "no-input-dir.yaml", ["missing-dir", "an existing input directory"]),
                validate("validate: statistics file missing", "no-stats.yaml", ["missing-stats.json"]),
                validate("validate: groups 3 on 1 channel", "groups3.yaml", [":5:", "groups 3 with 1 channels"]),
                validate("validate: gamma of 2 on 1 channel", "gamma-length.yaml", [":5:", "gamma"]),
                validate("validate: empty file", "empty.yaml", ["empty"]),
                validate("validate: missing file", "nothing.yaml", ["No such file or directory"]),
                Case(name: "validate: not UTF-8", arguments: ["validate", w.at("latin1.yaml")], mentions: [w.at("latin1.yaml"), "UTF-8"]),
                Case(name: "validate: a directory", arguments: ["validate", w.at("p")], mentions: [w.at("p"), "directory"]),
                Case(name: "run: statistics file cut short", arguments: ["run", w.at("p/bad-stats.yaml"), "--no-progress"],
                     mentions: [w.at("truncated.json"), "line 1, column 25"]),
                Case(name: "run: statistics file is a partial", arguments: ["run", w.at("p/partial-stats.yaml"), "--no-progress"],
                     mentions: [w.at("partial.json"), "partial statistics of shard 0/2"]),
                Case(name: "run: output inside the input", arguments: ["run", w.at("p/inside.yaml"), "--no-progress"],
                     mentions: [w.at("p/inside.yaml"), "output"]),
                Case(name: "run: missing pipeline", arguments: ["run", w.at("p/nothing.yaml")], mentions: [w.at("p/nothing.yaml")]),
                Case(name: "run: output under a regular file", arguments: ["run", w.at("p/good.yaml"), "-o", w.at("a-file/out"), "--no-progress"],
                     mentions: [w.at("a-file"), "Not a directory"]),
                Case(name: "stats: a file as the directory", arguments: ["stats", w.at("a-file")], mentions: [w.at("a-file"), "not a directory"]),
                Case(name: "stats: output under a regular file", arguments: ["stats", w.at("in"), "-o", w.at("a-file/s.json")],
                     mentions: [w.at("a-file"), "Not a directory"]),
                Case(name: "normalize: output under a regular file", arguments: ["normalize", w.at("in/ct_cohort_00.nii.gz"), "--method",
                                                                                 "groupnorm", "-o", w.at("a-file/n")],
                     mentions: [w.at("a-file"), "Not a directory"]),
                Case(name: "compare-norms: output under a regular file", arguments: ["compare-norms", w.at("in"), "-o", w.at("a-file/c")],
                     mentions: [w.at("a-file"), "Not a directory"]),
                Case(name: "inspect: missing file", arguments: ["inspect", w.at("nothing.nii")], mentions: [w.at("nothing.nii"), "No such file"]),
                Case(name: "stats: -j 0", arguments: ["stats", w.at("in"), "-j", "0"], mentions: ["--jobs must be at least 1"]),
                Case(name: "stats: -j x", arguments: ["stats", w.at("in"), "-j", "x"], mentions: ["'x'", "jobs"]),
                Case(name: "stats: bad mask", arguments: ["stats", w.at("in"), "--mask", "bogus"], mentions: ["'bogus'", "--mask"]),
                Case(name: "stats: shard 3/2", arguments: ["stats", w.at("in"), "--shard", "3/2", "-o", w.at("p3.json")], mentions: ["3/2"]),
                Case(name: "normalize: unknown method", arguments: ["normalize", w.at("in/ct_cohort_00.nii.gz"), "--method", "zscore", "-o", w.at("n4")],
                     mentions: ["'zscore'", "--method"]),
                Case(name: "run: bad log format", arguments: ["run", w.at("p/good.yaml"), "--log-format", "xml"], mentions: ["'xml'", "--log-format"]),
                Case(name: "run: shard 5/2", arguments: ["run", w.at("p/good.yaml"), "--shard", "5/2"], mentions: ["5/2"]),
                Case(name: "compare-norms: batch size 0", arguments: ["compare-norms", w.at("in"), "--batch-sizes", "0", "-o", w.at("c2")],
                     mentions: ["'0'", "--batch-sizes"]),
            ]
            if geteuid() != 0 {
                table.append(Case(name: "stats: unreadable directory", arguments: ["stats", w.at("locked")], mentions: [w.at("locked"), "Permission denied"]))
            }
            return table
        }

        @Test func badInputsGiveClearMessagesAndNonZeroExits() throws {
            let workspace = try Self.workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("locked/sub"), withIntermediateDirectories: true)
            chmod(workspace.at("locked"), 0)
            defer { chmod(workspace.at("locked"), 0o755) }
            let table = Self.cases(workspace)
            #expect(table.count >= 30)
            for item in table {
                let outcome = try MedPrepProcess.run(item.arguments)
                let text = outcome.standardError + outcome.standardOutput
                #expect(outcome.signal == nil && outcome.status != 0, "\(item): exit \(outcome.status): \(text)")
                for word in Self.forbidden {
                    #expect(!text.contains(word), "\(item): the message shows '\(word)': \(text)")
                }
                for mention in item.mentions {
                    #expect(text.contains(mention), "\(item): no '\(mention)' in: \(text)")
                }
            }
        }
    }
}
