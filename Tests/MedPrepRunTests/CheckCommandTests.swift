import Foundation
import Testing

extension EndToEnd {
    /// Issue 16, item 7: `medprep check` against the datasets and reference numbers of
    /// `Scripts/fixtures/make_check_fixtures.py` (nibabel aff2axcodes and zooms, numpy percentiles, an independent
    /// implementation of nnU-Net's target-spacing rule).
    @Suite struct Check {
        static let fixtures = MedPrepProcess.packageRoot + "/Tests/Fixtures/check"

        static func reference(_ name: String) throws -> [String: Any] {
            let data = try Data(contentsOf: URL(fileURLWithPath: fixtures + "/reference.json"))
            let all = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            return try #require(all[name] as? [String: Any])
        }

        /// A copy of the fixtures in a fresh workspace (check writes nothing, but the tests never run on the originals).
        static func workspace() throws -> Workspace {
            let workspace = try Workspace()
            try FileManager.default.copyItem(atPath: fixtures, toPath: workspace.at("check"))
            return workspace
        }

        static func json(_ outcome: MedPrepProcess.Outcome) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any],
                         "\(outcome.transcript)")
        }

        /// `(kind, case)` of every problem, sorted like the reference.
        static func problemKinds(_ report: [String: Any]) -> [[String]] {
            ((report["problems"] as? [[String: Any]]) ?? []).map { [($0["kind"] as? String) ?? "?", ($0["case"] as? String) ?? ""] }
                .sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }
        }

        static func expectedKinds(_ list: Any?) -> [[String]] {
            ((list as? [[Any]]) ?? []).map { [($0[0] as? String) ?? "?", ($0[1] as? String) ?? ""] }
        }

        static func doubles(_ value: Any?) -> [Double] { (value as? [NSNumber])?.map(\.doubleValue) ?? [] }

        static func expectClose(_ a: [Double], _ b: [Double], _ tolerance: Double, _ what: String) {
            #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }, "\(what): \(a) vs \(b)")
        }

        /// Every per-case row and the dataset fingerprint of `report` agree with `reference`.
        static func compare(_ report: [String: Any], with reference: [String: Any]) throws {
            let rows = try #require(report["cases"] as? [[String: Any]])
            let expectedRows = try #require(reference["cases"] as? [String: [String: Any]])
            #expect(Set(rows.compactMap { $0["id"] as? String }) == Set(expectedRows.keys))
            for row in rows {
                let id = try #require(row["id"] as? String)
                let expected = try #require(expectedRows[id])
                guard expected["readable"] as? Bool == true else {
                    #expect((row["errors"] as? [String])?.isEmpty == false, "\(id) should be unreadable")
                    continue
                }
                #expect(row["errors"] == nil, "\(id)")
                #expect(row["format"] as? String == "nifti1", "\(id)")
                #expect(row["shape"] as? [Int] == expected["shape"] as? [Int], "\(id) shape")
                expectClose(doubles(row["spacing"]), doubles(expected["spacing"]), 1e-9, "\(id) spacing")
                #expect(row["axis_codes"] as? String == expected["axis_codes"] as? String, "\(id) axis codes")
                #expect(row["dtype"] as? String == expected["dtype"] as? String, "\(id) dtype")
                #expect(row["channels"] as? Int == expected["channels"] as? Int, "\(id) channels")
                #expect(row["nonfinite"] as? Int == expected["nonfinite"] as? Int, "\(id) nonfinite")
                #expect(row["cropped_shape"] as? [Int] == expected["cropped_shape"] as? [Int], "\(id) cropped shape")
                #expect(row["same_grid"] as? Bool == expected["same_grid"] as? Bool, "\(id) same grid")
                #expect(row["label_values"] as? [Int] == expected["label_values"] as? [Int], "\(id) label values")
            }

            let dataset = try #require(report["dataset"] as? [String: Any])
            let expected = try #require(reference["dataset"] as? [String: Any])
            #expect(dataset["readable"] as? Int == expected["readable"] as? Int)
            #expect(dataset["orientations"] as? [String: Int] == expected["orientations"] as? [String: Int])
            for table in ["spacing", "shape", "cropped_shape"] {
                let got = try #require(dataset[table] as? [String: Any], "\(table)")
                let want = try #require(expected[table] as? [String: Any])
                #expect(Set(got.keys) == ["p0", "p10", "p50", "p90", "p100"])
                for key in want.keys { expectClose(doubles(got[key]), doubles(want[key]), 1e-9, "\(table) \(key)") }
            }

            let foreground = try #require(dataset["foreground"] as? [String: Any])
            let wantForeground = try #require(expected["foreground"] as? [String: Any])
            #expect(foreground["definition"] as? String == wantForeground["definition"] as? String)
            #expect(foreground["cases_left_out"] as? Int == wantForeground["cases_left_out"] as? Int)
            #expect(foreground["relative_error"] as? Double == 0.005)
            let channels = try #require(foreground["channels"] as? [[String: Any]])
            let wantChannels = try #require(wantForeground["channels"] as? [[String: Any]])
            #expect(channels.count == wantChannels.count)
            for (got, want) in zip(channels, wantChannels) {
                let c = want["channel"] as? Int ?? -1
                #expect(got["voxels"] as? Int == want["voxels"] as? Int, "channel \(c) voxels")
                for key in ["min", "max"] { #expect(got[key] as? Double == want[key] as? Double, "channel \(c) \(key)") }
                for key in ["mean", "std"] {
                    let (g, w) = ((got[key] as? Double) ?? .nan, (want[key] as? Double) ?? .nan)
                    #expect(abs(g - w) <= 1e-9 * max(1, abs(w)), "channel \(c) \(key): \(g) vs \(w)")
                }
                let percentiles = try #require(got["percentiles"] as? [String: Double])
                let wantPercentiles = try #require(want["percentiles"] as? [String: [String: Double]])
                #expect(Set(percentiles.keys) == Set(wantPercentiles.keys))
                for (key, entry) in wantPercentiles {
                    let (value, bound) = (entry["value"] ?? .nan, entry["bound"] ?? .nan)
                    let estimate = percentiles[key] ?? .nan
                    #expect(abs(estimate - value) <= bound + 1e-6, "channel \(c) \(key): \(estimate) vs numpy \(value) ± \(bound)")
                }
            }

            let labels = try #require(dataset["labels"] as? [String: Any])
            let wantLabels = try #require(expected["labels"] as? [String: Any])
            #expect(labels["voxels"] as? Int == wantLabels["voxels"] as? Int)
            let classes = try #require(labels["classes"] as? [[String: Any]])
            let wantClasses = try #require(wantLabels["classes"] as? [[String: Any]])
            #expect(classes.compactMap { $0["value"] as? Int } == wantClasses.compactMap { $0["value"] as? Int })
            #expect(classes.compactMap { $0["voxels"] as? Int } == wantClasses.compactMap { $0["voxels"] as? Int })
            expectClose(classes.compactMap { $0["share"] as? Double }, wantClasses.compactMap { $0["share"] as? Double }, 1e-12, "shares")

            let suggestion = try #require(dataset["suggestion"] as? [String: Any])
            let wantSuggestion = try #require(expected["suggestion"] as? [String: Any])
            expectClose(doubles(suggestion["target_spacing"]), doubles(wantSuggestion["target_spacing"]), 1e-9, "target spacing")
            #expect(suggestion["crop_or_pad_shape"] as? [Int] == wantSuggestion["crop_or_pad_shape"] as? [Int])
            #expect(suggestion["anisotropic_axis"] as? Int == wantSuggestion["anisotropic_axis"] as? Int)
            #expect((suggestion["rule"] as? String)?.contains("determine_fullres_target_spacing") == true)
        }

        /// The messy dataset through its pipeline: rows, fingerprint and problem kinds as the reference; exit 1.
        @Test func messyPipelineMatchesTheReference() throws {
            let workspace = try Self.workspace()
            let outcome = try MedPrepProcess.run(["check", workspace.at("check/messy/messy.yaml"), "--json"])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            let report = try Self.json(outcome)
            let reference = try Self.reference("messy")
            try Self.compare(report, with: reference)
            #expect(Self.problemKinds(report) == Self.expectedKinds(reference["problems"]))
            #expect(report["source"] as? String == "pipeline")
            #expect(report["channels"] as? String == "{case}_{channel:4}.nii.gz")
        }

        /// The text output names each problem with its case, files and the difference.
        @Test func messyTextNamesEveryProblem() throws {
            let workspace = try Self.workspace()
            let outcome = try MedPrepProcess.run(["check", workspace.at("check/messy/messy.yaml")])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            let text = outcome.standardOutput
            for expected in [
                "9 problem(s):",
                "grid_mismatch: case_d: label spacing (2, 2, 4) mm ≠ image (1, 1, 2) mm (",
                "grid_mismatch: case_d: label shape (6, 5, 4) ≠ image (12, 10, 8)",
                "grid_mismatch: case_e: channel 1 origin differs from channel 0 by 10 mm (case_e_0001.nii.gz vs case_e_0000.nii.gz)",
                "non_finite: case_f: 1 non-finite voxel(s) (NaN or ±inf) in case_f_0000.nii.gz (1)",
                "missing_label: case_g: no regular label file for case case_g (",
                "unreadable: case_h: case_h_0000.nii.gz: not a PNG, TIFF, NIfTI or DICOM file",
                "non_integer_labels: case_i: label map ",
                "has 1 non-integer value(s) (e.g. 0.5)",
                "mixed_orientations: the cases have 3 orientations (LAS 1, PSR 1, RAS 6)",
                "channel_count_mismatch: case_j: 3 channel(s), 7 of 8 cases have 2",
                "case_h | unreadable",
                "orientations: LAS 1, PSR 1, RAS 6",
                "foreground intensities (label > 0)",
                "suggested: - resample: {spacing: [1, 1, 2]}   - crop_or_pad: {shape: [8, 8, 6]}",
                "rule: target spacing = per-axis median spacing",
            ] {
                #expect(text.contains(expected), "missing '\(expected)' in\n\(text)")
            }
        }

        /// With an orient stage, several orientations are no problem; everything else still is.
        @Test func orientedPipelineHasNoOrientationProblem() throws {
            let workspace = try Self.workspace()
            let outcome = try MedPrepProcess.run(["check", workspace.at("check/messy/oriented.yaml"), "--json"])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            let report = try Self.json(outcome)
            #expect(Self.problemKinds(report) == Self.expectedKinds(try Self.reference("messy")["problems_oriented"]))
            #expect((report["dataset"] as? [String: Any])?["orientations"] as? [String: Int] == ["RAS": 6, "LAS": 1, "PSR": 1])
        }

        /// A pipeline's `input.tolerance` is the run's, so `check` judges grids as `run` will: at 20 mm the channel
        /// shifted by 10 mm is on its case's grid and is no problem; every other problem remains.
        @Test func pipelineToleranceIsTheRunsTolerance() throws {
            let workspace = try Self.workspace()
            let text = try String(contentsOfFile: workspace.at("check/messy/messy.yaml"), encoding: .utf8)
            try workspace.write(text.replacingOccurrences(of: "  directory: images\n",
                                                          with: "  directory: images\n  tolerance: {mm: 20}\n"),
                                to: "check/messy/tolerant.yaml")
            let strict = try Self.json(try MedPrepProcess.run(["check", workspace.at("check/messy/messy.yaml"), "--json"]))
            let outcome = try MedPrepProcess.run(["check", workspace.at("check/messy/tolerant.yaml"), "--json"])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            let report = try Self.json(outcome)
            let isShift = { (problem: [String]) in problem[0] == "grid_mismatch" && problem[1] == "case_e" }
            #expect(Self.problemKinds(strict).contains(where: isShift), "\(Self.problemKinds(strict))")
            #expect(Self.problemKinds(report) == Self.problemKinds(strict).filter { !isShift($0) })
        }

        /// A clean anisotropic directory with `--label`: exit 0, and the 10th-percentile slice spacing.
        @Test func anisotropicDirectoryIsCleanAndTakesTheTenthPercentile() throws {
            let workspace = try Self.workspace()
            let outcome = try MedPrepProcess.run(["check", workspace.at("check/aniso/images"),
                                                  "--label", workspace.at("check/aniso/labels/{case}.nii.gz"), "--json"])
            #expect(outcome.status == 0, "\(outcome.transcript)")
            let report = try Self.json(outcome)
            try Self.compare(report, with: try Self.reference("aniso"))
            #expect(Self.problemKinds(report).isEmpty)
            #expect(report["source"] as? String == "directory")
            let text = try MedPrepProcess.run(["check", workspace.at("check/aniso/images"),
                                               "--label", workspace.at("check/aniso/labels/{case}.nii.gz")])
            #expect(text.status == 0, "\(text.transcript)")
            #expect(text.standardOutput.contains("no problems"))
            #expect(text.standardOutput.contains("(axis 2 anisotropic: its 10th percentile)"))
        }

        /// Without `--label` a directory is checked without labels: the foreground is channel 0's nonzero voxels.
        @Test func directoryWithoutLabelsUsesNonzeroForeground() throws {
            let workspace = try Self.workspace()
            let outcome = try MedPrepProcess.run(["check", workspace.at("check/aniso/images"), "--json"])
            #expect(outcome.status == 0, "\(outcome.transcript)")
            let dataset = try #require(try Self.json(outcome)["dataset"] as? [String: Any])
            let foreground = try #require(dataset["foreground"] as? [String: Any])
            #expect(foreground["definition"] as? String == "channel 0 != 0")
            #expect(dataset["labels"] == nil)
        }

        /// `pipelines/nnunet-like.yaml` resamples and crops/pads to what `check` suggests for its own input.
        @Test func nnunetLikePipelineUsesTheSuggestion() throws {
            let outcome = try MedPrepProcess.run(["check", MedPrepProcess.packageRoot + "/pipelines/nnunet-like.yaml", "--json"])
            #expect(outcome.status == 0, "\(outcome.transcript)")
            let dataset = try #require(try Self.json(outcome)["dataset"] as? [String: Any])
            let suggestion = try #require(dataset["suggestion"] as? [String: Any])
            let text = try String(contentsOfFile: MedPrepProcess.packageRoot + "/pipelines/nnunet-like.yaml", encoding: .utf8)
            let spacing = Self.doubles(suggestion["target_spacing"]).map { String(format: "%.1f", $0) }.joined(separator: ", ")
            let shape = ((suggestion["crop_or_pad_shape"] as? [Int]) ?? []).map(String.init).joined(separator: ", ")
            #expect(text.contains("- resample: {spacing: [\(spacing)]}"), "suggested \(spacing)")
            #expect(text.contains("- crop_or_pad: {shape: [\(shape)]}"), "suggested \(shape)")
        }

        @Test func emptyDirectoryIsAProblem() throws {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("empty"), withIntermediateDirectories: true)
            let outcome = try MedPrepProcess.run(["check", workspace.at("empty")])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            #expect(outcome.standardOutput.contains("no_inputs: no inputs matched **/*.dcm, **/*.dicom, **/*.nii.gz"), "\(outcome.transcript)")
        }

        @Test func usageErrorsExit2() throws {
            let workspace = try Self.workspace()
            let badLabel = try MedPrepProcess.run(["check", workspace.at("check/aniso/images"), "--label", workspace.at("labels/x.nii.gz")])
            #expect(badLabel.status == 2, "\(badLabel.transcript)")
            #expect(badLabel.standardError.contains("is not a path with exactly one {case} placeholder"), "\(badLabel.transcript)")
            let missing = try MedPrepProcess.run(["check", workspace.at("nowhere")])
            #expect(missing.status == 2, "\(missing.transcript)")
            #expect(missing.standardError.contains("no such pipeline file or directory"), "\(missing.transcript)")
            let labelWithPipeline = try MedPrepProcess.run(["check", workspace.at("check/messy/messy.yaml"), "--label", "x/{case}"])
            #expect(labelWithPipeline.status == 2, "\(labelWithPipeline.transcript)")
        }
    }
}
