import Foundation
import Testing

extension EndToEnd {
    /// Issue 19: discovery classifies files named as a format (`.nii.gz`, `.nii`, `.png`, `.tif`…) by their name,
    /// without opening them to look for DICOM; only `.dcm`/`.dicom` files and names no format claims are looked
    /// into. A DICOM file named as another format is therefore not grouped into its series: it must fail loudly,
    /// never be processed as a lone slice.
    @Suite struct NamedFormatDiscovery {
        static let slice = MedPrepProcess.packageRoot + "/Tests/Fixtures/dicom-series/single/only.dcm"

        static func workspace(sliceName: String) throws -> (Workspace, String) {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            try GeneratedVolumes.write(count: 2, size: 8, to: workspace.at("in"))
            try FileManager.default.copyItem(atPath: slice, toPath: workspace.at("in/" + sliceName))
            try workspace.write(GeneratedVolumes.pipeline(name: "named", input: "../in", output: "../out"), to: "p/p.yaml")
            return (workspace, workspace.at("p/p.yaml"))
        }

        /// The failed files of report.json with their error messages.
        static func failures(_ workspace: Workspace) throws -> [String: String] {
            let data = try Data(contentsOf: URL(fileURLWithPath: workspace.at("out/report.json")))
            let files = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["files"] as? [[String: Any]])
            var result: [String: String] = [:]
            for file in files where file["status"] as? String == "failed" {
                result[file["input"] as? String ?? "?"] = file["error"] as? String ?? ""
            }
            return result
        }

        @Test func dicomFileNamedAsNIfTIFailsWithTheReasonAndTheOtherCasesRun() throws {
            let (workspace, pipeline) = try Self.workspace(sliceName: "slice.nii")
            let outcome = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            #expect(outcome.summary?.processed == 2 && outcome.summary?.failed == 1, "\(outcome.transcript)")
            let failed = try Self.failures(workspace)
            #expect(failed.keys.sorted() == ["slice.nii"], "\(failed)")
            #expect(failed["slice.nii"]?.contains("holds DICOM") == true && failed["slice.nii"]?.contains(".dcm") == true,
                    "\(failed)")
            #expect(!FileManager.default.fileExists(atPath: workspace.at("out/slice.nii.gz")))
            // Failures are not recorded: the next run fails it again, never takes it as up to date.
            let again = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(again.status == 1 && again.summary?.upToDate == 2 && again.summary?.failed == 1, "\(again.transcript)")
        }

        @Test func dicomFileNamedDcmIsStillASeries() throws {
            let (workspace, pipeline) = try Self.workspace(sliceName: "slice.dcm")
            let outcome = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(outcome.status == 0 && outcome.summary?.processed == 3, "\(outcome.transcript)")
            #expect(try Self.failures(workspace).isEmpty)
        }
    }
}
