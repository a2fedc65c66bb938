import Foundation
import Testing

extension EndToEnd {
    /// Issue 18: DICOM series as channels — `input.channels: "{case}_{channel:4}"` matching one series directory
    /// per channel (Tests/Fixtures/dicom-channels, written by Scripts/fixtures/make_dicom_channel_fixtures.py).
    @Suite(.enabled(if: dicomSeriesReferencesAvailable, "python3 with pydicom and nibabel is not available"))
    struct DICOMChannelRun {
        static let fixtures = MedPrepProcess.packageRoot + "/Tests/Fixtures/dicom-channels"

        static func workspace(_ parts: [String], align: String) throws -> Workspace {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            for part in parts {
                for name in try FileManager.default.contentsOfDirectory(atPath: fixtures + "/" + part) {
                    try FileManager.default.copyItem(atPath: "\(fixtures)/\(part)/\(name)", toPath: workspace.at("in/" + name))
                }
            }
            try workspace.write("""
                version: 1
                name: channels
                input:
                  directory: ../in
                  channels: "{case}_{channel:4}"
                  align: \(align)
                stages: []
                output:
                  directory: ../out
                  reports: [json]
                """, to: "p/p.yaml")
            return workspace
        }

        static func report(_ workspace: Workspace) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: workspace.at("out/report.json")))) as? [String: Any])
        }

        /// Under `align: check`: case1 (T1 and T2 series on one grid) is written with two channels; case2, whose
        /// T2 series is shifted, fails with `grid_mismatch`; case3, whose channel directory holds two series, fails
        /// with `malformed` naming both; the RTSTRUCT in case1's T1 directory is a note; exit 1. `check` lists the
        /// three cases: case1 and case2 with C = 2, case2 off the grid, case3 unreadable.
        @Test func channelDirectoriesAreSeriesChecked() throws {
            let workspace = try Self.workspace(["good", "mixed"], align: "check")
            let outcome = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            #expect(outcome.summary?.processed == 1 && outcome.summary?.failed == 2, "\(outcome.transcript)")
            #expect(workspace.files(under: "out").filter { $0.hasSuffix(".nii.gz") } == ["case1.nii.gz"])
            let report = try Self.report(workspace)
            let files = try #require(report["files"] as? [[String: Any]])
            let byInput = Dictionary(uniqueKeysWithValues: files.map { (($0["input"] as? String) ?? "", $0) })
            let case2 = try #require(byInput["case2_0000/IM0001.dcm+case2_0001/IM0001.dcm"], "\(files)")
            #expect(case2["error_kind"] as? String == "grid_mismatch")
            #expect((case2["error"] as? String)?.contains("channel 1 origin differs from channel 0") == true, "\(case2)")
            let case3 = try #require(byInput["case3_0000/AIM0001.dcm+case3_0001/IM0001.dcm"], "\(files)")
            #expect(case3["error_kind"] as? String == "malformed")
            let message = case3["error"] as? String ?? ""
            for part in ["channel 0 of case 'case3' is the DICOM directory 'case3_0000', which holds 2 series",
                         "'P3/20240102_1_T1' (4 file(s))", "'P3/20240102_3_T1_repeat' (4 file(s))",
                         "a channel must be one series"] {
                #expect(message.contains(part), "'\(part)' not in \(message)")
            }
            let notes = report["notes"] as? [String] ?? []
            #expect(notes.contains { $0.hasPrefix("case1_0000/RS.dcm: skipped (dicom_not_image)") }, "\(notes)")

            let checked = try MedPrepProcess.run(["check", workspace.at("p/p.yaml")])
            #expect(checked.status == 1, "\(checked.transcript)")
            #expect(checked.standardOutput.contains("3 case(s)"), "\(checked.transcript)")
            #expect(checked.standardOutput.contains("case1 | dicom | (8, 6, 4) | (0.6, 0.8, 2) | LAS | uint16 | 2 | - | yes |"),
                    "\(checked.transcript)")
            #expect(checked.standardOutput.contains("case2 | dicom | (8, 6, 4) | (0.6, 0.8, 2) | LAS | uint16 | 2 | - | NO |"),
                    "\(checked.transcript)")
            #expect(checked.standardOutput.contains("case3 | unreadable"), "\(checked.transcript)")
        }

        /// Under `align: resample`: both cases are written (exit 0), channel 0 equal to dcm2niix's volume of the T1
        /// directory and channel 1 to dcm2niix's T2 volume resampled onto it (scipy, as documented; checked by
        /// Tests/scripts/dicom_channels_e2e.py); a re-run is a no-op; removing the last slice of case2's T2 series
        /// redoes case2 only.
        @Test func channelDirectoriesResampleOntoChannelZero() throws {
            let workspace = try Self.workspace(["good"], align: "resample")
            let outcome = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(outcome.status == 0, "\(outcome.transcript)")
            #expect(outcome.summary?.processed == 2, "\(outcome.transcript)")
            let check = try #require(MedPrepProcess.python([MedPrepProcess.packageRoot + "/Tests/scripts/dicom_channels_e2e.py",
                                                            workspace.at("out"), Self.fixtures]))
            #expect(check.status == 0, "\(check.transcript)")
            #expect(check.standardOutput.components(separatedBy: "ok ").count - 1 == 2, "\(check.transcript)")

            let again = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(again.status == 0 && again.summary?.processed == 0 && again.summary?.upToDate == 2, "\(again.transcript)")
            try FileManager.default.removeItem(atPath: workspace.at("in/case2_0001/IM0001.dcm"))
            let third = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(third.status == 0 && third.summary?.processed == 1 && third.summary?.upToDate == 1, "\(third.transcript)")
        }
    }
}
