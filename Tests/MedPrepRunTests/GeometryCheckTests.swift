import Foundation
import MedPrepCore
import MedPrepDecode
import Testing

extension EndToEnd {
    /// Issue 16, item 2: every channel file and the label map of a case must be on its first channel file's grid;
    /// `input: {align: resample}` resamples them onto it instead. Data and nibabel/scipy references from
    /// `Scripts/fixtures/make_geometry_fixtures.py` (Tests/Fixtures/geometry).
    @Suite struct GeometryCheck {
        static let fixtures = MedPrepProcess.packageRoot + "/Tests/Fixtures/geometry"
        static let rule = "every channel file and the label map of a case must be on its first channel file's voxel grid "
            + "(same shape; origin within 0.001 mm, direction cosines and spacing ratios within 0.0001: "
            + "input.tolerance): resample the file onto that grid, or set 'input: {align: resample}'"

        /// A pipeline without stages over the fixture set `set` (`volumes` or `planar`), writing to `../NAME`.
        static func pipeline(_ set: String, name: String, input extra: [String] = []) -> String {
            let input = set == "volumes"
                ? ["  directory: \(fixtures)/volumes/images", "  channels: \"{case}_{channel:4}.nii\"",
                   "  labels: \"\(fixtures)/volumes/labels/{case}.nii\""]
                : ["  directory: \(fixtures)/planar/images", "  labels: \"\(fixtures)/planar/labels/{case}.png\""]
            return (["version: 1", "name: \(name)", "input:"] + input + extra.map { "  " + $0 } + [
                "stages: []", "output:", "  directory: ../\(name)", "  reports: [json]",
            ]).joined(separator: "\n") + "\n"
        }

        static func run(_ workspace: Workspace, _ text: String, name: String) throws -> MedPrepProcess.Outcome {
            try workspace.write(text, to: "p/\(name).yaml")
            return try MedPrepProcess.run(["run", workspace.at("p/\(name).yaml"), "--no-progress"])
        }

        static func report(_ workspace: Workspace, _ output: String) throws -> [String: Any] {
            let data = try Data(contentsOf: URL(fileURLWithPath: workspace.at(output + "/report.json")))
            return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        }

        /// `error_kind` by input of the failed files in report.json.
        static func failures(_ report: [String: Any]) -> [String: String] {
            var kinds: [String: String] = [:]
            for file in report["files"] as? [[String: Any]] ?? [] where file["status"] as? String == "failed" {
                kinds[file["input"] as? String ?? ""] = file["error_kind"] as? String
            }
            return kinds
        }

        struct Expected: Decodable {
            struct Volume: Decodable {
                var shape: [Int]
                var values: [Double]
                var affine: [Double]
            }
            var image: Volume
            var label: Volume
        }

        static func reference(_ set: String) throws -> [String: Expected] {
            let data = try Data(contentsOf: URL(fileURLWithPath: fixtures + "/reference.json"))
            return try JSONDecoder().decode([String: [String: Expected]].self, from: data)[set] ?? [:]
        }

        /// The output `path` against `expected`: shape, affine to 1e-6, values to 1e-4 of the reference's range
        /// (`exact`: equal as float32; the reference holds 10 significant digits, which name one float32).
        static func expectMatches(_ path: String, _ expected: Expected.Volume, exact: Bool,
                                  sourceLocation: SourceLocation = #_sourceLocation) throws {
            let scan = try NIfTIReader.read(path: path)
            #expect(scan.tensor.shape.sampleDimensions == expected.shape, "\(path)", sourceLocation: sourceLocation)
            expectClose(scan.geometry.affine, Affine(values: expected.affine), tolerance: 1e-6, path,
                        sourceLocation: sourceLocation)
            guard scan.tensor.storage.count == expected.values.count else { return }
            let range = (expected.values.max() ?? 0) - (expected.values.min() ?? 0)
            let worst = zip(scan.tensor.storage, expected.values).map { abs(Double($0) - $1) }.max() ?? 0
            let equal = zip(scan.tensor.storage, expected.values).allSatisfy { $0 == Float($1) }
            #expect(exact ? equal : worst <= 1e-4 * range, "\(path): max |difference| \(worst), range \(range)",
                    sourceLocation: sourceLocation)
        }

        /// Without `align`, a channel shifted 10 mm, a label at 2 mm spacing and an oblique channel fail their case
        /// (exit 1, `grid_mismatch` in report.json) with an error naming both files and every difference; the case
        /// whose channel is shifted 0.0005 mm (within the default 1e-3 mm) and the good case are processed, with
        /// their files' values and first channel's affine.
        @Test func offGridFilesFailTheirCase() throws {
            let workspace = try Workspace()
            let outcome = try Self.run(workspace, Self.pipeline("volumes", name: "check"), name: "check")
            #expect(outcome.status == 1, "\(outcome.transcript)")
            #expect(outcome.summary?.processed == 2 && outcome.summary?.failed == 3, "\(outcome.transcript)")
            let images = Self.fixtures + "/volumes/images/", labels = Self.fixtures + "/volumes/labels/"
            for message in [
                "\(images)shifted_0001.nii: channel 1 origin differs from channel 0 by 10 mm (channel 0: "
                    + "\(images)shifted_0000.nii); " + Self.rule,
                "\(labels)coarse_label.nii: label shape (7, 4, 3) ≠ image (14, 8, 6), label spacing (2, 2, 2) mm ≠ "
                    + "image (1, 1, 1) mm (image: \(images)coarse_label_0000.nii); " + Self.rule,
                "\(images)oblique_0001.nii: channel 1 spacing (1.2, 0.9, 1.1) mm ≠ channel 0 (1, 1, 1) mm, channel 1 "
                    + "axis directions differ from channel 0 by up to 0.0754 (direction cosines), channel 1 origin "
                    + "differs from channel 0 by 0.68 mm (channel 0: \(images)oblique_0000.nii); " + Self.rule,
            ] {
                #expect(outcome.standardError.contains(message), "\(message)\n\(outcome.transcript)")
            }
            let report = try Self.report(workspace, "check")
            #expect(Self.failures(report) == ["shifted_0000.nii+shifted_0001.nii": "grid_mismatch",
                                              "coarse_label_0000.nii+coarse_label_0001.nii": "grid_mismatch",
                                              "oblique_0000.nii+oblique_0001.nii": "grid_mismatch"], "\(report)")
            let pipeline = report["pipeline"] as? String ?? ""
            #expect(!pipeline.contains("align") && !pipeline.contains("tolerance"), "\(pipeline)")
            #expect(workspace.files(under: "check").filter { !$0.hasPrefix(".medprep/") }
                    == ["good.nii.gz", "labels/good.nii.gz", "labels/tolerant.nii.gz", "report.json", "tolerant.nii.gz"])
            let expected = try Self.reference("volumes")
            for name in ["good", "tolerant"] {
                let reference = try #require(expected[name])
                try Self.expectMatches(workspace.at("check/\(name).nii.gz"), reference.image, exact: true)
                try Self.expectMatches(workspace.at("check/labels/\(name).nii.gz"), reference.label, exact: true)
            }
        }

        /// `input.tolerance` is settable: with `mm: 0.0001` the channel shifted 0.0005 mm fails too, and the key
        /// is in the pipeline's canonical JSON; with `mm: 20` the channel shifted 10 mm passes.
        @Test func toleranceIsSettable() throws {
            let workspace = try Workspace()
            let tight = try Self.run(workspace, Self.pipeline("volumes", name: "tight", input: ["tolerance: {mm: 0.0001}"]),
                                     name: "tight")
            #expect(tight.status == 1 && tight.summary?.processed == 1 && tight.summary?.failed == 4, "\(tight.transcript)")
            let images = Self.fixtures + "/volumes/images/"
            #expect(tight.standardError.contains("\(images)tolerant_0001.nii: channel 1 origin differs from channel 0 by "
                + "0.0005 mm (channel 0: \(images)tolerant_0000.nii); every channel file and the label map of a case must "
                + "be on its first channel file's voxel grid (same shape; origin within 0.0001 mm, direction cosines and "
                + "spacing ratios within 0.0001: input.tolerance)"), "\(tight.transcript)")
            let pipeline = try Self.report(workspace, "tight")["pipeline"] as? String ?? ""
            #expect(pipeline.contains("\"tolerance\":{\"direction\":0.0001,\"mm\":0.0001}"), "\(pipeline)")

            let loose = try Self.run(workspace, Self.pipeline("volumes", name: "loose", input: ["tolerance: {mm: 20}"]),
                                     name: "loose")
            #expect(loose.status == 1 && loose.summary?.processed == 3 && loose.summary?.failed == 2, "\(loose.transcript)")
            #expect(Self.failures(try Self.report(workspace, "loose")).keys.sorted()
                    == ["coarse_label_0000.nii+coarse_label_0001.nii", "oblique_0000.nii+oblique_0001.nii"])
        }

        /// `input: {align: resample}` resamples the shifted and oblique channels (trilinear) and the coarse and
        /// oblique labels (nearest) onto the first channel's grid in world coordinates: every case is processed
        /// (exit 0), with the values of nibabel's `resample_from_to` (scipy, 0 outside) to 1e-4 of the range, labels
        /// exactly, and the first channel's affine. The channel within tolerance is not resampled.
        @Test func alignResampleMatchesNibabel() throws {
            let workspace = try Workspace()
            let outcome = try Self.run(workspace, Self.pipeline("volumes", name: "aligned", input: ["align: resample"]),
                                       name: "aligned")
            #expect(outcome.status == 0 && outcome.summary?.processed == 5, "\(outcome.transcript)")
            let pipeline = try Self.report(workspace, "aligned")["pipeline"] as? String ?? ""
            #expect(pipeline.contains("\"align\":\"resample\"") && !pipeline.contains("tolerance"), "\(pipeline)")
            let expected = try Self.reference("volumes")
            #expect(expected.count == 5)
            for (name, reference) in expected {
                try Self.expectMatches(workspace.at("aligned/\(name).nii.gz"), reference.image, exact: name == "good" || name == "tolerant")
                try Self.expectMatches(workspace.at("aligned/labels/\(name).nii.gz"), reference.label, exact: true)
            }
        }

        /// PNG and TIFF (no world frame, affine diag(spacing)): a label of another shape or spacing fails its case
        /// naming both; with `align: resample` it is resampled (nearest) as scipy's map_coordinates does.
        @Test func planarImagesCompareShapeAndSpacing() throws {
            let workspace = try Workspace()
            let checked = try Self.run(workspace, Self.pipeline("planar", name: "check"), name: "check")
            #expect(checked.status == 1 && checked.summary?.processed == 1 && checked.summary?.failed == 2, "\(checked.transcript)")
            let images = Self.fixtures + "/planar/images/", labels = Self.fixtures + "/planar/labels/"
            for message in [
                "\(labels)xray_b.png: label shape (16, 12, 1) ≠ image (32, 24, 1) (image: \(images)xray_b.png); " + Self.rule,
                "\(labels)xray_c.png: label spacing (1, 1, 1) mm ≠ image (0.5, 0.5, 1) mm (image: \(images)xray_c.tif); "
                    + Self.rule,
            ] {
                #expect(checked.standardError.contains(message), "\(message)\n\(checked.transcript)")
            }
            #expect(Self.failures(try Self.report(workspace, "check")) == ["xray_b.png": "grid_mismatch",
                                                                           "xray_c.tif": "grid_mismatch"])

            let aligned = try Self.run(workspace, Self.pipeline("planar", name: "aligned", input: ["align: resample"]),
                                       name: "aligned")
            #expect(aligned.status == 0 && aligned.summary?.processed == 3, "\(aligned.transcript)")
            for (name, reference) in try Self.reference("planar") {
                try Self.expectMatches(workspace.at("aligned/\(name).nii.gz"), reference.image, exact: true)
                try Self.expectMatches(workspace.at("aligned/labels/\(name).nii.gz"), reference.label, exact: true)
            }
        }

        /// Bad `align` and `tolerance` values are pipeline errors (exit 2) with their position.
        @Test func invalidKeysArePipelineErrors() throws {
            let workspace = try Workspace()
            try workspace.write(Self.pipeline("volumes", name: "bad", input: [
                "align: nearest", "tolerance: {mm: -1, direction: .inf, translation: 1}",
            ]), to: "p/bad.yaml")
            let outcome = try MedPrepProcess.run(["validate", workspace.at("p/bad.yaml")])
            #expect(outcome.status == 2, "\(outcome.transcript)")
            let file = workspace.at("p/bad.yaml")
            for line in [
                "\(file):7:10: found 'nearest' for input.align, expected one of: check, resample",
                "\(file):8:40: found unknown key 'translation' in input.tolerance, expected one of: mm, direction",
                "\(file):8:19: found input.tolerance.mm -1.0, expected a number ≥ 0",
                "\(file):8:34: found '.inf' for input.tolerance.direction, expected a number",
            ] {
                #expect(outcome.standardError.contains(line) || outcome.standardOutput.contains(line),
                        "\(line)\n\(outcome.transcript)")
            }
        }
    }
}
