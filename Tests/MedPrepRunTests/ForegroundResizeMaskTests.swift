import Foundation
import Testing

/// Whether `python3` can import nibabel, scipy and Pillow (the references of `Tests/scripts/stage_e2e.py`).
let stageReferencesAvailable: Bool =
    MedPrepProcess.python(["-c", "import nibabel, scipy.ndimage, PIL"])?.status == 0

extension EndToEnd {
    /// `crop_foreground`, `resize` and `normalize: {method: instance, mask: nonzero}` run by the binary on inputs
    /// written by `Tests/scripts/stage_e2e.py make`, and checked by its `check` against numpy/scipy/nibabel: values,
    /// the label following the image's box, spacing and the output affine.
    @Suite(.enabled(if: stageReferencesAvailable, "python3 with nibabel, scipy and Pillow is not available"))
    struct ForegroundResizeMask {
        static let script = MedPrepProcess.packageRoot + "/Tests/scripts/stage_e2e.py"

        static let stages: [(name: String, stage: String, labels: String?)] = [
            ("crop", "crop_foreground: {threshold: nonzero, margin: [1, 2, 0]}", "crop/lab/{case}.nii.gz"),
            ("resize", "resize: {shape: [8, 9]}", nil),
            ("norm", "normalize: {method: instance, mask: nonzero}", nil),
        ]

        @Test(arguments: stages.map(\.name))
        func stageMatchesTheReference(name: String) throws {
            let stage = try #require(Self.stages.first { $0.name == name })
            let workspace = try Workspace()
            let made = try #require(MedPrepProcess.python([Self.script, "make", workspace.path]))
            #expect(made.status == 0, "\(made.transcript)")
            try workspace.write("""
                version: 1
                name: \(name)
                input:
                  directory: \(name)/in
                \(stage.labels.map { "  labels: \($0)" } ?? "")
                stages:
                  - \(stage.stage)
                output:
                  directory: \(name)/out
                  reports: [json]

                """, to: "\(name).yaml")
            let outcome = try MedPrepProcess.run(["run", workspace.at("\(name).yaml"), "--no-progress"])
            #expect(outcome.status == 0, "\(outcome.transcript)")
            let summary = try #require(outcome.summary, "\(outcome.transcript)")
            #expect(summary.failed == 0 && summary.processed == (name == "resize" ? 2 : 1), "\(outcome.transcript)")
            let check = try #require(MedPrepProcess.python([Self.script, "check", name, workspace.path]))
            #expect(check.status == 0, "\(check.transcript)")
            #expect(check.standardOutput.contains("ok "), "\(check.transcript)")
            if name == "crop" {
                #expect(check.standardOutput.contains("ok labels/case_a.nii.gz"), "\(check.transcript)")
                // The affine checker of the example pipelines models the stage too.
                let affines = try #require(MedPrepProcess.python([MedPrepProcess.packageRoot + "/Tests/scripts/check_outputs.py",
                                                                  workspace.at("crop/out")]))
                #expect(affines.status == 0 && affines.standardOutput.contains("ok labels/case_a.nii.gz"), "\(affines.transcript)")
            }
        }
    }
}
