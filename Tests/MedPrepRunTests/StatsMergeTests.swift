import Foundation
import Testing

extension EndToEnd {
    /// Issue 17, item 3: `medprep stats merge` takes full statistics files and shard partials in any mix, equals
    /// one `medprep stats` over the union to 1e-12, and refuses a file given twice, copies and overlapping inputs.
    /// The fixtures (two "sites", 2-channel float32 volumes) and their numpy float64 mean/std come from
    /// `Scripts/fixtures/make_stats_merge_fixtures.py`.
    @Suite struct StatsMerge {
        static let fixtures = MedPrepProcess.packageRoot + "/Tests/Fixtures/statsmerge"
        static let numbers = ["count", "mean", "var", "std", "min", "max", "m2", "p0_5", "p99_5"]

        /// A workspace with `A` (site a), `B` (site b) and `U` (both).
        static func sites() throws -> Workspace {
            let workspace = try Workspace()
            for (site, targets) in [("a", ["A", "U"]), ("b", ["B", "U"])] {
                for target in targets {
                    try FileManager.default.createDirectory(atPath: workspace.at(target), withIntermediateDirectories: true)
                    for name in try FileManager.default.contentsOfDirectory(atPath: fixtures + "/" + site) {
                        try FileManager.default.copyItem(atPath: fixtures + "/\(site)/\(name)", toPath: workspace.at("\(target)/\(name)"))
                    }
                }
            }
            return workspace
        }

        @discardableResult
        static func medprep(_ arguments: [String], status: Int32 = 0) throws -> MedPrepProcess.Outcome {
            let outcome = try MedPrepProcess.run(arguments)
            #expect(outcome.status == status, "medprep \(arguments.joined(separator: " ")): \(outcome.transcript)")
            return outcome
        }

        static func json(_ path: String) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
        }

        static func channels(_ object: [String: Any]) -> [[String: Any]] {
            object["channels"] as? [[String: Any]] ?? []
        }

        static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
            abs(a - b) <= tolerance * max(1, abs(b)) || (a == b)
        }

        /// Every number of every channel, and `files`, within 1e-12 (relative above 1) of `reference`.
        static func expectEqualStatistics(_ merged: [String: Any], _ reference: [String: Any], _ label: String) {
            #expect(merged["files"] as? Int == reference["files"] as? Int, "\(label): files")
            let (a, b) = (channels(merged), channels(reference))
            #expect(a.count == b.count && !a.isEmpty, "\(label): channel count")
            for (x, y) in zip(a, b) {
                for key in numbers {
                    let (u, v) = ((x[key] as? NSNumber)?.doubleValue, (y[key] as? NSNumber)?.doubleValue)
                    #expect(u != nil && v != nil && close(u!, v!), "\(label): channel \(y["channel"] ?? "?") \(key): \(u ?? .nan) vs \(v ?? .nan)")
                }
            }
        }

        @Test func twoFullFilesMergeToTheStatisticsOfTheUnion() throws {
            let workspace = try Self.sites()
            try Self.medprep(["stats", workspace.at("A"), "-o", workspace.at("a.json")])
            try Self.medprep(["stats", workspace.at("B"), "-j", "2", "-o", workspace.at("b.json")])
            try Self.medprep(["stats", workspace.at("U"), "--output", workspace.at("u.json")])
            let outcome = try Self.medprep(["stats", "merge", workspace.at("a.json"), workspace.at("b.json"), "-o", workspace.at("m.json")])
            #expect(outcome.standardOutput.contains("5 file(s)"))
            let merged = try Self.json(workspace.at("m.json"))
            Self.expectEqualStatistics(merged, try Self.json(workspace.at("u.json")), "merge(A, B) vs stats(A ∪ B)")
            let inputs = merged["inputs"] as? [[String: Any]] ?? []
            #expect(inputs.count == 5)
            #expect(inputs.allSatisfy { ($0["digest"] as? String)?.count == 32 })
            #expect(inputs.compactMap { $0["path"] as? String }.filter { $0.contains("/A/site_a_") }.count == 3)

            // The numpy float64 reference of the generator script.
            let expected = try Self.json(Self.fixtures + "/expected.json")
            #expect(merged["files"] as? Int == expected["files"] as? Int)
            for (x, y) in zip(Self.channels(merged), Self.channels(expected)) {
                for key in ["mean", "std", "min", "max", "count"] {
                    let (u, v) = ((x[key] as? NSNumber)?.doubleValue ?? .nan, (y[key] as? NSNumber)?.doubleValue ?? .nan)
                    #expect(abs(u - v) <= 1e-12 * abs(v), "numpy reference, channel \(y["channel"] ?? "?") \(key): \(u) vs \(v)")
                }
            }
        }

        @Test func fullFilesAndShardPartialsMix() throws {
            let workspace = try Self.sites()
            try Self.medprep(["stats", workspace.at("A"), "-o", workspace.at("a.json")])
            try Self.medprep(["stats", workspace.at("U"), "-o", workspace.at("u.json")])
            for shard in 0 ..< 2 {
                try Self.medprep(["stats", workspace.at("B"), "--shard", "\(shard)/2", "-o", workspace.at("b-\(shard).json")])
                try Self.medprep(["stats", workspace.at("U"), "--shard", "\(shard)/2", "-o", workspace.at("u-\(shard).json")])
            }
            try Self.medprep(["stats", "merge", workspace.at("b-1.json"), workspace.at("a.json"), workspace.at("b-0.json"),
                              "-o", workspace.at("mix.json")])
            Self.expectEqualStatistics(try Self.json(workspace.at("mix.json")), try Self.json(workspace.at("u.json")), "a + partials of B")

            // Partials of one directory alone still give the single pass's bytes.
            try Self.medprep(["stats", "merge", workspace.at("u-0.json"), workspace.at("u-1.json"), "-o", workspace.at("pu.json")])
            #expect(try Data(contentsOf: URL(fileURLWithPath: workspace.at("pu.json")))
                == Data(contentsOf: URL(fileURLWithPath: workspace.at("u.json"))))

            // A shard missing from B's set is named with B's directory.
            let missing = try Self.medprep(["stats", "merge", workspace.at("a.json"), workspace.at("b-0.json"), "-o", workspace.at("x.json")],
                                           status: 2)
            #expect(missing.standardError.contains("shard(s) 1/2") && missing.standardError.contains(workspace.at("B")))
        }

        @Test func aFileMergedWithItselfOrACopyIsRefused() throws {
            let workspace = try Self.sites()
            try Self.medprep(["stats", workspace.at("A"), "-o", workspace.at("a.json")])
            let twice = try Self.medprep(["stats", "merge", workspace.at("a.json"), workspace.at("a.json"), "-o", workspace.at("x.json")],
                                         status: 2)
            #expect(twice.standardError.contains("\(workspace.at("a.json")): is given twice: merging a statistics file with itself"))
            try FileManager.default.copyItem(atPath: workspace.at("a.json"), toPath: workspace.at("copy.json"))
            let copy = try Self.medprep(["stats", "merge", workspace.at("a.json"), workspace.at("copy.json"), "-o", workspace.at("x.json")],
                                        status: 2)
            #expect(copy.standardError.contains("copy.json: has the same content as \(workspace.at("a.json"))"))
            #expect(!FileManager.default.fileExists(atPath: workspace.at("x.json")))
        }

        @Test func overlappingInputsAreRefusedWithBothFilesAndAnExample() throws {
            let workspace = try Self.sites()
            try Self.medprep(["stats", workspace.at("A"), "-o", workspace.at("a.json")])
            try Self.medprep(["stats", workspace.at("U"), "-o", workspace.at("u.json")])
            let outcome = try Self.medprep(["stats", "merge", workspace.at("a.json"), workspace.at("u.json"), "-o", workspace.at("x.json")],
                                           status: 2)
            let text = outcome.standardError
            #expect(text.contains(workspace.at("u.json") + ": covers inputs that " + workspace.at("a.json") + " covers too"), "\(text)")
            #expect(text.contains(workspace.at("U/site_a_0.nii.gz")) && text.contains(workspace.at("A/site_a_0.nii.gz")), "\(text)")
            #expect(text.contains("3 shared input(s)"), "\(text)")
            #expect(!FileManager.default.fileExists(atPath: workspace.at("x.json")))
        }

        /// Files of an earlier medprep list no inputs: refused with the command that regenerates them.
        @Test func aFileWithoutItsInputListIsRefused() throws {
            let workspace = try Self.sites()
            try Self.medprep(["stats", workspace.at("A"), "-o", workspace.at("a.json")])
            try Self.medprep(["stats", workspace.at("B"), "-o", workspace.at("b.json")])
            var old = try Self.json(workspace.at("b.json"))
            old["inputs"] = nil
            try JSONSerialization.data(withJSONObject: old).write(to: URL(fileURLWithPath: workspace.at("old.json")))
            let outcome = try Self.medprep(["stats", "merge", workspace.at("a.json"), workspace.at("old.json"), "-o", workspace.at("x.json")],
                                           status: 2)
            #expect(outcome.standardError.contains("old.json: does not list the inputs it covers"))
            #expect(outcome.standardError.contains("regenerate it with `medprep stats DIR --output \(workspace.at("old.json"))`"))
            // Readers of dataset statistics ignore the list: a normalize with the old file still works.
            try Self.medprep(["normalize", workspace.at("A/site_a_0.nii.gz"), "--method", "dataset", "--stats", workspace.at("old.json"),
                              "-o", workspace.at("norm")])
        }
    }
}
