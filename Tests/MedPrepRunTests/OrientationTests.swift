import Foundation
import MedPrepCore
import MedPrepDecode
import Testing

extension EndToEnd {
    /// Issue 16, item 1: the `orient` stage and the mixed-orientation warning, on RAS/LAS/PSR/LPS copies of
    /// SampleData/ct/ct_001 and its label made by nibabel (`Tests/scripts/orientation_copies.py`).
    @Suite(.enabled(if: nibabelAvailable, "python3 with nibabel is not available"))
    struct Orientation {
        static let script = MedPrepProcess.packageRoot + "/Tests/scripts/orientation_copies.py"

        /// Writes `in/images/NAME.nii.gz` and `in/labels/NAME.nii.gz` for each `NAME=CODE`.
        static func copies(_ workspace: Workspace, _ pairs: [String]) throws {
            let outcome = try #require(MedPrepProcess.python([script, "copies",
                MedPrepProcess.packageRoot + "/SampleData/ct/ct_001.nii.gz",
                MedPrepProcess.packageRoot + "/SampleData/ct-labels/ct_001.nii.gz", workspace.at("in")] + pairs))
            #expect(outcome.status == 0, "\(outcome.transcript)")
        }

        static func pipeline(_ orient: String?) -> String {
            """
            version: 1
            name: orient
            input:
              directory: ../in/images
              labels: "../in/labels/{case}.nii.gz"
            stages:
            \(orient.map { "  - \($0)\n" } ?? "")  - resample: {spacing: [1.5, 1.5, 3]}
              - crop_or_pad: {shape: [48, 48, 32]}
              - normalize: {method: groupnorm, groups: 1, eps: 1.0e-5}
            output:
              directory: ../out
              reports: [json]
            """
        }

        static func orientations(_ workspace: Workspace) throws -> [String: Int]? {
            let data = try Data(contentsOf: URL(fileURLWithPath: workspace.at("out/report.json")))
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            return object?["orientations"] as? [String: Int]
        }

        /// The four orientations of one volume give the same tensors (to 1e-6), labels and affines after
        /// `orient` + `resample` + `crop_or_pad` + GroupNorm; nibabel reads every output as the target code, with
        /// the affine `Tests/scripts/check_outputs.py` derives, and `spacing`/`shape` apply along the oriented axes.
        @Test(arguments: ["RAS", "PSR"]) func fourOrientationsGiveOneOutput(target: String) throws {
            let workspace = try Workspace()
            let names = ["ras", "las", "psr", "lps"]
            try Self.copies(workspace, names.map { "\($0)=\($0.uppercased())" })
            try workspace.write(Self.pipeline("orient: {to: \(target)}"), to: "p/p.yaml")
            let outcome = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(outcome.status == 0, "\(outcome.transcript)")
            #expect(outcome.summary?.processed == 4, "\(outcome.transcript)")
            #expect(!outcome.standardError.contains("orientations"), "\(outcome.transcript)")
            #expect(try Self.orientations(workspace) == nil)

            let reference = try NIfTIReader.read(path: workspace.at("out/ras.nii.gz"))
            let referenceLabel = try NIfTIReader.read(path: workspace.at("out/labels/ras.nii.gz"))
            #expect(reference.tensor.shape.sampleDimensions == [1, 32, 48, 48])
            #expect(reference.geometry.spacing.map { ($0 * 1e5).rounded() / 1e5 } == [1.5, 1.5, 3])
            #expect(Set(referenceLabel.tensor.storage) == [0, 1, 2])
            var files: [String] = []
            for name in names {
                let output = try NIfTIReader.read(path: workspace.at("out/\(name).nii.gz"))
                let label = try NIfTIReader.read(path: workspace.at("out/labels/\(name).nii.gz"))
                #expect(output.tensor.shape == reference.tensor.shape, "\(name)")
                let difference = zip(output.tensor.storage, reference.tensor.storage).map { abs($0 - $1) }.max() ?? .infinity
                #expect(difference <= 1e-6, "\(name): max |difference| \(difference)")
                #expect(label.tensor == referenceLabel.tensor, "labels/\(name)")
                expectClose(output.geometry.affine, reference.geometry.affine, tolerance: 1e-4, name)
                expectClose(label.geometry.affine, reference.geometry.affine, tolerance: 1e-4, "labels/\(name)")
                files += [workspace.at("out/\(name).nii.gz"), workspace.at("out/labels/\(name).nii.gz")]
            }
            let codes = try #require(MedPrepProcess.python([Self.script, "axcodes"] + files))
            #expect(codes.status == 0, "\(codes.transcript)")
            let lines = codes.standardOutput.split(separator: "\n")
            #expect(lines.count == files.count)
            #expect(lines.allSatisfy { $0.hasSuffix(" " + target) }, "\(codes.standardOutput)")
            // Each output's affine, zooms and shape are what nibabel's as_reoriented and the later stages give its input.
            let check = try #require(MedPrepProcess.python([MedPrepProcess.packageRoot + "/Tests/scripts/check_outputs.py", workspace.at("out")]))
            #expect(check.status == 0, "\(check.transcript)")
        }

        /// Without `orient`, cases of several orientations give one warning line with the counts per code and
        /// `orientations` in report.json; with `orient`, or with one orientation, neither.
        @Test func mixedOrientationsWithoutOrientWarn() throws {
            let workspace = try Workspace()
            try Self.copies(workspace, ["a=LPS", "b=LPS", "c=RAS", "d=PSR"])
            try workspace.write(Self.pipeline(nil), to: "p/p.yaml")
            let outcome = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(outcome.status == 0, "\(outcome.transcript)")
            let warnings = outcome.standardError.split(separator: "\n").filter { $0.hasPrefix("warning:") }
            #expect(warnings == ["warning: the cases have 3 orientations (LPS 2, PSR 1, RAS 1) and the pipeline has no orient "
                + "stage: their voxel axes point along different world axes, so spacing and shape apply differently to "
                + "them; add '- orient: {to: RAS}' as the first stage"], "\(outcome.transcript)")
            #expect(try Self.orientations(workspace) == Optional(["LPS": 2, "PSR": 1, "RAS": 1]))

            try workspace.write(Self.pipeline("orient:"), to: "p/p.yaml")
            let oriented = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(oriented.status == 0 && oriented.summary?.processed == 4, "\(oriented.transcript)")
            #expect(!oriented.standardError.contains("warning:"), "\(oriented.transcript)")
            #expect(try Self.orientations(workspace) == nil)

            for name in ["c", "d"] {
                try FileManager.default.removeItem(atPath: workspace.at("in/images/\(name).nii.gz"))
            }
            try workspace.write(Self.pipeline(nil), to: "p/p.yaml")
            let single = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress", "--prune"])
            #expect(single.status == 0, "\(single.transcript)")
            #expect(!single.standardError.contains("warning:"), "\(single.transcript)")
            #expect(try Self.orientations(workspace) == nil)
        }
    }
}
