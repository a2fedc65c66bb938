import Foundation
import Testing

extension EndToEnd {
    /// Issue 18, "every real series in pydicom's test files": `medprep run` over the series of pydicom's
    /// `dicomdirtests` (Tests/Fixtures/dicom-real, copied with references by
    /// Scripts/fixtures/make_dicom_real_fixtures.py from dcm2niix, pydicom and nibabel).
    @Suite(.enabled(if: dicomSeriesReferencesAvailable, "python3 with pydicom and nibabel is not available"))
    struct DICOMRealSeries {
        static let fixtures = MedPrepProcess.packageRoot + "/Tests/Fixtures/dicom-real"

        static func workspace() throws -> Workspace {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            for name in ["77654033", "98892001", "98892003", "DICOMDIR"] {
                try FileManager.default.copyItem(atPath: fixtures + "/" + name, toPath: workspace.at("in/" + name))
            }
            try workspace.write("""
                version: 1
                name: real
                input:
                  directory: ../in
                  include: ["**/*"]
                stages: []
                output:
                  directory: ../out
                  reports: [json]
                """, to: "p/p.yaml")
            return workspace
        }

        /// CT5N (5 slices) and the 15 localizer slices of MR1, MR2, MR700 and the CT2N scout (each its own 2D
        /// case: their orientations differ, as dcm2niix splits them) are written with dcm2niix's shape, affine
        /// (1e-3 mm, in canonical orientation) and values (1e-4 relative), equal to pydicom's rescaled pixels;
        /// the three CR radiographs (no patient frame) are 2D cases in pixel space (MONOCHROME1 inverted, spacing
        /// from ImagerPixelSpacing, pydicom's values); CT2 (a scout 202.5 mm from three 1.25 mm slices) fails with the
        /// documented error; the DICOMDIR is a note; exit 1. `check` lists the same 24 cases.
        @Test func pydicomSeriesMatchDcm2niix() throws {
            let workspace = try Self.workspace()
            let outcome = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            let summary = try #require(outcome.summary, "\(outcome.transcript)")
            #expect(summary.processed == 23 && summary.failed == 1, "\(outcome.transcript)")

            let check = try #require(MedPrepProcess.python([MedPrepProcess.packageRoot + "/Tests/scripts/dicom_real_e2e.py",
                                                            workspace.at("out"), Self.fixtures]))
            #expect(check.status == 0, "\(check.transcript)")
            #expect(check.standardOutput.components(separatedBy: "ok ").count - 1 == 24, "\(check.transcript)")

            let report = try #require(try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: workspace.at("out/report.json")))) as? [String: Any])
            #expect((report["notes"] as? [String]) == ["DICOMDIR: skipped (dicom_not_image): not an image: Media Storage "
                + "Directory (DICOMDIR) (SOP class 1.2.840.10008.1.3.10); skipped"], "\(report["notes"] ?? "")")

            let checked = try MedPrepProcess.run(["check", workspace.at("p/p.yaml")])
            #expect(checked.status == 1, "\(checked.transcript)")
            #expect(checked.standardOutput.contains("24 case(s)"), "\(checked.transcript)")
            #expect(checked.standardOutput.contains("98892001/CT5N | dicom | (16, 16, 5) | (0.488281, 0.488281, 2.5) | LAS"),
                    "\(checked.transcript)")
            #expect(checked.standardOutput.components(separatedBy: "| dicom | (16, 16, 1) |").count - 1 == 22,
                    "\(checked.transcript)")
            #expect(checked.standardOutput.contains("unreadable: 77654033/CT2: 77654033/CT2/"), "\(checked.transcript)")
            #expect(!checked.standardOutput.contains("unreadable: 77654033/CR"), "\(checked.transcript)")
            #expect(checked.standardOutput.contains("161 slices are missing"), "\(checked.transcript)")
        }
    }
}
