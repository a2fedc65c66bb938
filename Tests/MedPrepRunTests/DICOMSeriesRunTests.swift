import Foundation
import MedPrepDecode
import Testing

/// Whether `python3` can import pydicom and nibabel (the references of `Tests/scripts/dicom_series_e2e.py`).
let dicomSeriesReferencesAvailable: Bool =
    MedPrepProcess.python(["-c", "import pydicom, nibabel, numpy"])?.status == 0

extension EndToEnd {
    /// Issue 18 items 4–5: `medprep run` over a directory of DICOM series (Tests/Fixtures/dicom-series, written by
    /// Scripts/fixtures/make_dicom_series_fixtures.py) makes one case per series.
    @Suite(.enabled(if: dicomSeriesReferencesAvailable, "python3 with pydicom and nibabel is not available"))
    struct DICOMSeriesRun {
        static let fixtures = MedPrepProcess.packageRoot + "/Tests/Fixtures/dicom-series"
        static let directories = ["duplicate", "echoes", "interleaved", "localizer", "missing", "nonuniform",
                                  "oblique", "single", "tilt"]

        struct Reference: Decodable {
            struct Failure: Decodable {
                var kind: String
                var contains: [String]
            }

            struct Case: Decodable {
                var id: String
                var directory: String
                var error: Failure?
                var order: [String]?
            }

            var cases: [Case]
            var skipped: [String]
        }

        static func workspace() throws -> Workspace {
            let workspace = try Workspace()
            for name in directories {
                try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: fixtures + "/" + name, toPath: workspace.at("in/" + name))
            }
            try workspace.write("""
                version: 1
                name: series
                input:
                  directory: ../in
                  include: ["**/*"]
                stages:
                  - normalize: {method: minmax}
                output:
                  directory: ../out
                  reports: [json]
                """, to: "p/p.yaml")
            return workspace
        }

        /// Eight series are written, their affines equal to dcm2niix's (1e-3 mm) and their values to pydicom's
        /// rescaled pixels after minmax (checked by the Python helper); the four series that cannot be stacked fail
        /// with the reference errors in report.json (exit 1); the RTSTRUCT is a note; `check` and `compare-norms` see the same series;
        /// a re-run is a no-op and removing a slice redoes only its series.
        @Test func directoryOfSeriesMakesOneCasePerSeries() throws {
            let workspace = try Self.workspace()
            let reference = try JSONDecoder().decode(Reference.self,
                from: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/reference.json")))
            let outcome = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            let summary = try #require(outcome.summary, "\(outcome.transcript)")
            #expect(summary.processed == 8 && summary.failed == 4, "\(outcome.transcript)")
            let produced = workspace.files(under: "out").filter { $0.hasSuffix(".nii.gz") }
            #expect(produced == reference.cases.filter { $0.error == nil }.map { $0.id + ".nii.gz" }.sorted())

            let check = try #require(MedPrepProcess.python([MedPrepProcess.packageRoot + "/Tests/scripts/dicom_series_e2e.py",
                                                            workspace.at("out"), Self.fixtures]))
            #expect(check.status == 0, "\(check.transcript)")
            #expect(check.standardOutput.components(separatedBy: "ok ").count - 1 == 8, "\(check.transcript)")

            let report = try #require(try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: workspace.at("out/report.json")))) as? [String: Any])
            let files = try #require(report["files"] as? [[String: Any]])
            for expected in reference.cases {
                guard let failure = expected.error else { continue }
                let entry = try #require(files.first { ($0["input"] as? String)?.hasPrefix(expected.directory + "/") == true },
                                         "\(expected.id)")
                #expect(entry["status"] as? String == "failed", "\(expected.id)")
                #expect(entry["error_kind"] as? String == failure.kind, "\(expected.id): \(entry)")
                let message = entry["error"] as? String ?? ""
                for part in failure.contains {
                    #expect(message.contains(part), "\(expected.id): '\(part)' not in \(message)")
                }
            }
            let notes = report["notes"] as? [String] ?? []
            for skipped in reference.skipped {
                #expect(notes.contains { $0.hasPrefix(skipped + ": skipped (dicom_not_image)") && $0.contains("RT Structure Set") },
                        "\(notes)")
            }
            #expect(!files.contains { ($0["input"] as? String) == reference.skipped.first })

            // `check` reads the same cases: series as volumes, the failing series as unreadable problems.
            let checked = try MedPrepProcess.run(["check", workspace.at("p/p.yaml")])
            #expect(checked.status == 1, "\(checked.transcript)")
            #expect(checked.standardOutput.contains("12 case(s)"), "\(checked.transcript)")
            #expect(checked.standardOutput.contains("oblique | dicom | (8, 6, 5) | (0.6, 0.8, 2.5) | LAS"), "\(checked.transcript)")
            for name in ["duplicate", "missing", "nonuniform", "tilt"] {
                #expect(checked.standardOutput.contains("unreadable: \(name): \(name)/"), "\(checked.transcript)")
            }

            // `compare-norms` reads each series as one volume (8 × 6 × (5+5+1+5+4+4+5+1) = 1440 voxels); the four
            // failing series are rejected inputs, so it exits 1.
            let compared = try MedPrepProcess.run(["compare-norms", workspace.at("in"), "--include", "**/*",
                                                   "--output", workspace.at("cmp")])
            #expect(compared.status == 1, "\(compared.transcript)")
            let comparison = try #require(try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: workspace.at("cmp/comparison.json")))) as? [String: Any])
            #expect((comparison["files"] as? [Any])?.count == 8 && (comparison["rejected"] as? [Any])?.count == 4)
            #expect(compared.standardOutput.contains("Raw values have mean 551, std 1774"), "\(compared.transcript)")

            let again = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(again.status == 1, "\(again.transcript)")
            #expect(again.summary?.processed == 0 && again.summary?.upToDate == 8, "\(again.transcript)")

            // The slice at the end of the stack (a middle one would fail the series as a missing slice).
            let last = try #require(reference.cases.first { $0.id == "oblique" }?.order?.last)
            try FileManager.default.removeItem(atPath: workspace.at("in/" + last))
            let third = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(third.summary?.processed == 1 && third.summary?.upToDate == 7, "\(third.transcript)")
            let oblique = try NIfTIReader.read(path: workspace.at("out/oblique.nii.gz"))
            #expect(oblique.tensor.shape.sampleDimensions == [1, 4, 6, 8], "\(oblique.tensor.shape)")
        }
    }
}
