import Foundation
import MedPrepTestSupport
import Testing

/// Issue 17's public-data check, end to end: `medprep compare-norms` on a directory of the SampleData CT volumes, a
/// float MRI-like volume, a 2-channel volume and a volume with NaN voxels, against the numpy float64 reference of
/// Scripts/fixtures/make_compare_reference.py (Tests/Fixtures/compare/public-check.json).
@Suite struct CompareNormsPublicCheckTests {
    static let fixtures = URL(fileURLWithPath: PackagePaths.root).appendingPathComponent("Tests/Fixtures/compare")

    struct Expected: Decodable {
        struct Row: Decodable { var mean: Double; var std: Double }
        var files: [String]
        var sample_data: [String]
        var batch_sizes: [Int]
        var methods: [String: Row]
        var rejected: [String: String]
        var phrases: [String]
    }

    struct Report: Decodable {
        struct Row: Decodable {
            var method: String
            var channel: Int
            var status: String
            var reason: String?
            var note: String?
            var mean: Double?
            var std: Double?
            var min: Double?
            var max: Double?
        }
        struct Rejected: Decodable { var file: String; var reason: String }
        var files: [String]
        var scans_used: Int
        var scans_rejected: Int
        var rejected: [Rejected]
        var batch_sizes: [Int]
        var batch_sizes_default: Bool
        var methods: [String]
        var rows: [Row]
        var findings: String
    }

    /// A flat directory with the check's inputs.
    static func inputs() throws -> (directory: URL, expected: Expected) {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: fixtures.appendingPathComponent("public-check.json")))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("compare-public-\(UUID().uuidString)")
        let input = directory.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let extras = try FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent("public-check").path)
        let sources = expected.sample_data.map { URL(fileURLWithPath: PackagePaths.root).appendingPathComponent($0) }
            + extras.map { fixtures.appendingPathComponent("public-check/\($0)") }
        for source in sources {
            try FileManager.default.copyItem(at: source, to: input.appendingPathComponent(source.lastPathComponent))
        }
        return (directory, expected)
    }

    @Test func publicDataCheck() throws {
        let (directory, expected) = try Self.inputs()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out")
        let outcome = try ChildProcess.run(PackagePaths.medprep,
            ["compare-norms", directory.appendingPathComponent("in").path, "--output", output.path], timeout: 600)
        #expect(outcome.status == 1, "rejected inputs make exit code 1: \(outcome.transcript)")
        for (file, reason) in expected.rejected {
            #expect(outcome.standardError.contains(file) && outcome.standardError.contains(reason), "\(outcome.transcript)")
        }
        let jsonData = try Data(contentsOf: output.appendingPathComponent("comparison.json"))
        let report = try JSONDecoder().decode(Report.self, from: jsonData)
        #expect(report.files.map { URL(fileURLWithPath: $0).lastPathComponent } == expected.files)
        #expect(report.scans_used == 28 && report.scans_rejected == 2)
        #expect(Dictionary(uniqueKeysWithValues: report.rejected.map { (URL(fileURLWithPath: $0.file).lastPathComponent, $0.reason) })
            .allSatisfy { file, reason in expected.rejected[file].map(reason.contains) == true })
        #expect(report.batch_sizes == expected.batch_sizes && report.batch_sizes_default)

        // 7 methods plus batchnorm-train/eval per batch size, one row per method and channel, all finite.
        let batch = expected.batch_sizes.flatMap { ["batchnorm-train(\($0))", "batchnorm-eval(\($0))"] }
        #expect(report.methods == ["raw", "imagenet", "dataset", "groupnorm", "instance", "minmax", "percentile"] + batch)
        #expect(report.rows.map(\.method) == report.methods && report.rows.allSatisfy { $0.channel == 0 })
        for row in report.rows {
            let reference = try #require(expected.methods[row.method], "\(row.method)")
            #expect(row.status == "ok" && row.reason == nil, "\(row.method)")
            for value in [row.mean, row.std, row.min, row.max] { #expect(value?.isFinite == true, "\(row.method)") }
            #expect(row.mean.map { abs($0 - reference.mean) <= 1e-9 * max(1, abs(reference.mean)) } == true, "\(row.method) mean")
            #expect(row.std.map { abs($0 - reference.std) <= 1e-9 * max(1, abs(reference.std)) } == true, "\(row.method) std")
        }
        #expect(report.rows.first { $0.method == "batchnorm-eval(16)" }?.note == "last batch holds 12 of 16 scans")

        let csv = try String(contentsOf: output.appendingPathComponent("comparison.csv"), encoding: .utf8)
        let html = try String(contentsOf: output.appendingPathComponent("comparison.html"), encoding: .utf8)
        let json = String(decoding: jsonData, as: UTF8.self)
        for text in [json, csv, html] { #expect(!text.lowercased().contains("nan"), "no NaN anywhere") }
        #expect(csv.split(separator: "\n").count == report.rows.count + 1)
        #expect(csv.contains("batchnorm-eval(8),0,ok,") && csv.contains("last batch holds 4 of 8 scans"))

        // The page: counts, rejected files with reasons, one summary row per method and channel, the findings.
        #expect(html.contains("28 scans used, 2 rejected"))
        for (file, reason) in expected.rejected { #expect(html.contains(file) && html.contains(reason)) }
        #expect(html.components(separatedBy: "<tr data-method=").count - 1 == report.rows.count)
        #expect(report.rows.allSatisfy { html.contains("data-method=\"\($0.method)\" data-channel=\"\($0.channel)\"") })
        for phrase in expected.phrases {
            #expect(report.findings.contains(phrase), "findings lack \(phrase): \(report.findings)")
            #expect(html.contains(phrase.replacingOccurrences(of: "&", with: "&amp;")), "page lacks \(phrase)")
        }
        #expect(html.contains("<svg") && !html.contains("<script"))
        #expect(!html.contains("src=") && !html.contains("href="), "self-contained: no external resources")
        #expect(outcome.standardOutput.contains(expected.phrases[1]))
    }

    /// A batch size above the number of scans used is refused before anything is written (here the float MRI is
    /// the only usable scan of the three extra files).
    @Test func batchSizeAboveTheScansIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("compare-refuse-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out")
        let outcome = try ChildProcess.run(PackagePaths.medprep,
            ["compare-norms", Self.fixtures.appendingPathComponent("public-check").path, "--batch-sizes", "1,2", "--output", output.path],
            timeout: 600)
        #expect(outcome.status == 2, "\(outcome.transcript)")
        #expect(outcome.standardError.contains("batch size 2 is larger than the 1 scan(s) used"), "\(outcome.transcript)")
        #expect(outcome.standardError.contains("leave out --batch-sizes for 1"), "\(outcome.transcript)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}
