import Foundation
import Testing

extension EndToEnd {
    /// Issue 18 item 6: `medprep inspect` on a DICOM directory lists the series a run would make, from headers,
    /// checked against the generator's reference (Tests/Fixtures/dicom-series/reference.json and headers.json,
    /// written by Scripts/fixtures/make_dicom_series_fixtures.py) — never against medprep's own output.
    @Suite struct DICOMInspect {
        static let fixtures = MedPrepProcess.packageRoot + "/Tests/Fixtures/dicom-series"

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
                var shape: [Int]?
                var spacing: [Double]?
                var slopes: [Double]?
                var intercepts: [Double]?
            }

            var cases: [Case]
            var skipped: [String]
        }

        struct Header: Decodable {
            var path: String
            var modality: String?
            var transferSyntaxUID: String
        }

        /// A copy of the series directories plus one non-DICOM file (`notes.txt`: a case of its own that no format
        /// reads, as `run` would make it).
        static func workspace() throws -> Workspace {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            for name in EndToEnd.DICOMSeriesRun.directories {
                try FileManager.default.copyItem(atPath: fixtures + "/" + name, toPath: workspace.at("in/" + name))
            }
            try workspace.write("not a scan\n", to: "in/notes.txt")
            return workspace
        }

        @Test func directoryListsTheSeriesOfTheReference() throws {
            let workspace = try Self.workspace()
            let reference = try JSONDecoder().decode(Reference.self,
                from: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/reference.json")))
            let headers = try JSONDecoder().decode([Header].self,
                from: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/headers.json")))
            let outcome = try MedPrepProcess.run(["inspect", workspace.at("in"), "--include", "**/*", "--json"])
            #expect(outcome.status == 1, "four series cannot be stacked and notes.txt is no scan: \(outcome.transcript)")
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [[String: Any]])
            let listing = try #require(entries.first)
            #expect(listing["kind"] as? String == "directory")
            let series = try #require(listing["series"] as? [[String: Any]])
            #expect(series.compactMap { $0["id"] as? String } == reference.cases.map(\.id).sorted())
            for expected in reference.cases {
                let entry = try #require(series.first { $0["id"] as? String == expected.id }, "\(expected.id)")
                let files = headers.filter { $0.path.hasPrefix(expected.directory + "/") }
                #expect(entry["directory"] as? String == expected.directory, "\(expected.id)")
                let syntaxes = entry["transfer_syntaxes"] as? [[String: String]] ?? []
                #expect(syntaxes.map { $0["uid"] } == Array(Set(files.map(\.transferSyntaxUID))).sorted(), "\(expected.id)")
                #expect(syntaxes.allSatisfy { $0["name"]?.contains("Explicit") == true }, "\(syntaxes)")
                #expect(entry["modality"] as? String == files.first?.modality, "\(expected.id)")
                if let failure = expected.error {
                    // Every image file of the directory is a slice of the failing series.
                    #expect(entry["slices"] as? Int == files.count, "\(expected.id)")
                    #expect(entry["error_kind"] as? String == failure.kind, "\(expected.id): \(entry)")
                    let message = entry["error"] as? String ?? ""
                    for part in failure.contains {
                        #expect(message.contains(part), "\(expected.id): '\(part)' not in \(message)")
                    }
                    #expect(entry["shape"] is NSNull && entry["spacing"] is NSNull, "\(expected.id)")
                    continue
                }
                let order = try #require(expected.order), shape = try #require(expected.shape)
                #expect(entry["slices"] as? Int == order.count && entry["files"] as? Int == order.count, "\(expected.id)")
                #expect(entry["shape"] as? [Int] == [1, shape[2], shape[1], shape[0]], "\(expected.id): \(entry)")
                let spacing = entry["spacing"] as? [Double] ?? []
                let want = try #require(expected.spacing)
                #expect(spacing.count == 3 && zip(spacing, want).allSatisfy { abs($0 - $1) < 1e-6 }, "\(expected.id): \(spacing) vs \(want)")
                #expect(entry["error"] is NSNull, "\(expected.id)")
                let rescale = try #require(entry["rescale"] as? [String: Any])
                let slopes = try #require(expected.slopes), intercepts = try #require(expected.intercepts)
                #expect(rescale["slope"] as? [Double] == [slopes.min()!, slopes.max()!], "\(expected.id)")
                #expect(rescale["intercept"] as? [Double] == [intercepts.min()!, intercepts.max()!], "\(expected.id)")
                #expect(rescale["per_slice"] as? Bool == (Set(slopes).count > 1 || Set(intercepts).count > 1))
            }
            // Axis-aligned IOPs of the generator: axial [1,0,0,0,1,0] → i = −x (L), j = −c flipped rows (A), k = n (S);
            // coronal [1,0,0,0,0,−1] → L, then −c = +z (S), n = r × c = +y LPS (P).
            let axes = Dictionary(uniqueKeysWithValues: series.map { ($0["id"] as? String ?? "", $0["axis_codes"] as? String) })
            #expect(axes["P002/20240102_2_T1_axial"] == "LAS" && axes["P002/20240102_3_T2_cor"] == "LSP", "\(axes)")
            let notes = listing["notes"] as? [[String: String]] ?? []
            #expect(notes.map { $0["path"] } == reference.skipped, "\(notes)")
            #expect(notes.allSatisfy { $0["reason"] == "dicom_not_image" && $0["detail"]?.contains("RT Structure Set") == true })
            let others = listing["others"] as? [[String: Any]] ?? []
            #expect(others.count == 1 && others.first?["id"] as? String == "notes", "\(others)")
            #expect((others.first?["error"] as? String)?.contains("notes.txt: not a PNG, TIFF, NIfTI or DICOM file") == true, "\(others)")
        }

        /// The text form: one block per series with its axis codes, syntax, per-slice rescale and errors, the
        /// RTSTRUCT as a note; with the default include patterns, suffix-less DICOM files are not selected (as in a run).
        @Test func directoryText() throws {
            let workspace = try Self.workspace()
            let outcome = try MedPrepProcess.run(["inspect", workspace.at("in"), "--include", "**/*"])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            let text = outcome.standardOutput
            #expect(text.contains("12 DICOM series (4 would fail), 1 other case"), "\(outcome.transcript)")
            #expect(text.contains("  series oblique\n    directory  oblique\n    slices     5 (5 files)\n"
                                  + "    shape      [1, 5, 6, 8] [C, D, H, W]\n"), "\(outcome.transcript)")
            #expect(text.contains("    syntax     1.2.840.10008.1.2.1 (Little Endian Explicit)"))
            // oblique's slopes 1 + 0.5k and intercepts -1000 + 10k (the generator's values).
            #expect(text.contains("    rescale    per slice: slope 1.0…3.0, intercept -1000.0…-960.0"), "\(text)")
            #expect(text.contains("    error      ") && text.contains("gantry tilt of 20°"))
            #expect(text.contains("note: interleaved/RS0001: skipped (dicom_not_image)"), "\(text)")

            let suffixed = try MedPrepProcess.run(["inspect", workspace.at("in")])
            #expect(suffixed.standardOutput.contains("6 DICOM series (4 would fail), 0 other cases"), "\(suffixed.transcript)")
            #expect(!suffixed.standardOutput.contains("P002/"), "\(suffixed.transcript)")
        }

        /// A single DICOM file: decoded as before, plus the series it makes on its own.
        @Test func singleFileListsItsSeries() throws {
            let outcome = try MedPrepProcess.run(["inspect", Self.fixtures + "/single/only.dcm", "--json"])
            #expect(outcome.status == 0, "\(outcome.transcript)")
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [[String: Any]])
            let entry = try #require(entries.first)
            #expect(entry["format"] as? String == "dicom")
            let series = try #require(entry["series"] as? [[String: Any]])
            #expect(series.count == 1 && series.first?["id"] as? String == "P005/20240105_1_Scout", "\(series)")
            #expect(series.first?["shape"] as? [Int] == [1, 1, 6, 8])
        }
    }
}
