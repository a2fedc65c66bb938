import Foundation
import Testing

extension EndToEnd.DICOMSeriesRun {
    /// The pipeline of `dicomPipelineIsIncremental`, over `in/`.
    static let pipeline = """
        version: 1
        name: dicom-pipeline
        input:
          directory: ../in
          include: ["**/*"]
        stages:
          - orient: {to: RAS}
          - resample: {spacing: [1.1, 1.1, 3.0]}
          - normalize: {method: minmax}
        output:
          directory: ../out
          reports: [json, html]
        """
    static let pipelineCases = ["P002/20240102_2_T1_axial", "P002/20240102_3_T2_cor", "P004/20240104_5_ME_GRE_e1",
                                "P004/20240104_5_ME_GRE_e2", "oblique"]

    /// Runs Tests/scripts/dicom_pipeline_e2e.py (pydicom + nibabel + scipy reference of orient RAS, resample
    /// [1.1, 1.1, 3.0], minmax) over `ids` of `workspace`'s output.
    static func expectPipelineReference(_ workspace: Workspace, _ ids: [String]) {
        let check = MedPrepProcess.python([MedPrepProcess.packageRoot + "/Tests/scripts/dicom_pipeline_e2e.py",
                                           workspace.at("out"), workspace.at("in"), fixtures + "/reference.json",
                                           "1.1", "1.1", "3.0"] + ids)
        #expect(check?.status == 0, "\(check?.transcript ?? "python3 did not run")")
        #expect((check?.standardOutput.components(separatedBy: "ok ").count ?? 1) - 1 == ids.count)
    }

    /// Issue 18 "a pipeline over a DICOM directory": five series (an oblique CT one slice short at the end, two
    /// interleaved MR series beside an RTSTRUCT, a two-echo MR) through `orient` RAS + `resample` + `normalize`
    /// with json and html reports: exit 0, the RTSTRUCT a note, every output's shape, affine (1e-3 mm) and values
    /// (1e-4) equal to the Python reference. Then, incrementally: a re-run is a no-op; adding the final slice redoes
    /// only that series (now 5 slices deep, again equal to the reference); changing one slice's pixels redoes only
    /// its series (reference read from the changed file); removing a middle slice fails only that series with
    /// `incomplete_case` (exit 1).
    @Test func dicomPipelineIsIncremental() throws {
        let workspace = try Workspace()
        for name in ["oblique", "interleaved", "echoes"] {
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.fixtures + "/" + name, toPath: workspace.at("in/" + name))
        }
        try workspace.write(Self.pipeline, to: "p/p.yaml")
        let reference = try JSONDecoder().decode(Reference.self,
            from: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/reference.json")))
        let order = try #require(reference.cases.first { $0.id == "oblique" }?.order)
        try FileManager.default.moveItem(atPath: workspace.at("in/" + order.last!), toPath: workspace.at("spare"))
        let run = { try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"]) }

        let first = try run()
        #expect(first.status == 0 && first.summary?.processed == 5 && first.summary?.failed == 0, "\(first.transcript)")
        #expect(FileManager.default.fileExists(atPath: workspace.at("out/report.html")))
        let report = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: workspace.at("out/report.json")))) as? [String: Any])
        let notes = report["notes"] as? [String] ?? []
        #expect(notes.contains { $0.hasPrefix("interleaved/RS0001: skipped (dicom_not_image)") }, "\(notes)")
        Self.expectPipelineReference(workspace, Self.pipelineCases)

        let second = try run()
        #expect(second.status == 0 && second.summary?.processed == 0 && second.summary?.upToDate == 5, "\(second.transcript)")

        try FileManager.default.moveItem(atPath: workspace.at("spare"), toPath: workspace.at("in/" + order.last!))
        let added = try run()
        #expect(added.status == 0 && added.summary?.processed == 1 && added.summary?.upToDate == 4, "\(added.transcript)")
        Self.expectPipelineReference(workspace, ["oblique"])

        let axial = try #require(reference.cases.first { $0.id == "P002/20240102_2_T1_axial" }?.order)
        let edit = MedPrepProcess.python(["-c", """
            import sys, pydicom
            ds = pydicom.dcmread(sys.argv[1]); pixels = ds.pixel_array.copy(); pixels[2, 3] += 700
            ds.PixelData = pixels.tobytes(); ds.save_as(sys.argv[1])
            """, workspace.at("in/" + axial[2])])
        #expect(edit?.status == 0, "\(edit?.transcript ?? "")")
        let changed = try run()
        #expect(changed.status == 0 && changed.summary?.processed == 1 && changed.summary?.upToDate == 4, "\(changed.transcript)")
        Self.expectPipelineReference(workspace, ["P002/20240102_2_T1_axial"])

        try FileManager.default.removeItem(atPath: workspace.at("in/" + order[2]))
        let removed = try run()
        #expect(removed.status == 1 && removed.summary?.processed == 0 && removed.summary?.failed == 1
                && removed.summary?.upToDate == 4, "\(removed.transcript)")
        #expect(removed.transcript.contains("oblique failed") && removed.transcript.contains("1 slice is missing"),
                "\(removed.transcript)")
    }
}
