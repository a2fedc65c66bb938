import Foundation
import Testing

extension EndToEnd {
    /// Issue 16, item 4: one bad case never costs another case its outputs. With `batches: npy`, a case whose
    /// channel count or spatial shape differs from its batch's first good case fails alone, naming what differs
    /// and the stage that fixes it; the batch holds the others and `batches/index.csv` lists exactly what is in
    /// each file. Inputs: the X-ray and photo PNGs of `SampleData` (`Scripts/make_sample_data.py`), and generated
    /// volumes of two sizes.
    @Suite struct BatchIsolation {
        static func pipeline(name: String, include: String, volumes: String) -> String {
            """
            version: 1
            name: \(name)
            input:
              directory: ../in
              include: ["\(include)"]
            stages:
              - normalize: {method: minmax}
            batch: {size: 4}
            output:
              directory: ../out
              volumes: \(volumes)
              batches: npy
              reports: [json]

            """
        }

        /// The `shape` of a `.npy` file's header, e.g. `(3, 1, 256, 256)`.
        static func npyShape(_ path: String) throws -> String? {
            let data = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(256)
            let header = String(decoding: data, as: UTF8.self)
            guard let start = header.range(of: "'shape': (") else { return nil }
            return header[start.upperBound...].split(separator: ")").first.map { "(" + $0 + ")" }
        }

        /// An RGB photo among gray X-rays: it fails alone (channels, `select_channels`/`drop_alpha`), the three
        /// X-rays get their per-case outputs and one batch file of 3 samples, and `index.csv` lists positions 0…2.
        @Test func rgbImageAmongGrayXraysFailsAlone() throws {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            let sample = MedPrepProcess.packageRoot + "/SampleData/"
            for name in ["xray_001.png", "xray_002.png", "xray_003.png"] {
                try FileManager.default.copyItem(atPath: sample + "xray/" + name, toPath: workspace.at("in/" + name))
            }
            try FileManager.default.copyItem(atPath: sample + "photo/photo_001.png", toPath: workspace.at("in/xray_002_rgb.png"))
            try workspace.write(Self.pipeline(name: "mixed", include: "*.png", volumes: "npy"), to: "p/p.yaml")

            let outcome = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(outcome.status == 1 && outcome.summary?.processed == 3 && outcome.summary?.failed == 1, "\(outcome.transcript)")
            #expect(outcome.standardError.contains("\(workspace.at("in/xray_002_rgb.png")): has 3 channel(s) after the stages, "
                + "the first case of its batch (\(workspace.at("in/xray_001.png"))) has 1"), "\(outcome.transcript)")
            #expect(outcome.standardError.contains("select_channels") && outcome.standardError.contains("drop_alpha"))
            #expect(!outcome.standardError.contains("crop_or_pad"), "the channel error must not suggest a spatial stage")
            #expect(workspace.files(under: "out").filter { !$0.hasPrefix(".medprep/") } == [
                "batches/batch_00000.npy", "batches/index.csv", "report.json", "xray_001.npy", "xray_002.npy", "xray_003.npy",
            ])
            #expect(try Self.npyShape(workspace.at("out/batches/batch_00000.npy")) == "(3, 1, 256, 256)")
            let index = try String(contentsOfFile: workspace.at("out/batches/index.csv"), encoding: .utf8)
            #expect(index == "case,batch,position,label_batch\nxray_001,batch_00000.npy,0,\n"
                + "xray_002,batch_00000.npy,1,\nxray_003,batch_00000.npy,2,\n", "\(index)")

            // Unchanged inputs: the re-run redoes the batch of the failed case and lists the same.
            let again = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(again.status == 1 && again.summary?.failed == 1, "\(again.transcript)")
            #expect(try String(contentsOfFile: workspace.at("out/batches/index.csv"), encoding: .utf8) == index)
        }

        /// A volume of another spatial shape fails alone, with both shapes in (W, H, D) and a `crop_or_pad`
        /// suggestion; an undecodable case fails alone too, and its batch file holds only the other case.
        @Test func volumeOfAnotherShapeFailsAlone() throws {
            let workspace = try Workspace()
            for index in 0 ..< 5 {
                try GeneratedVolumes.write(index: index, size: index == 2 ? 10 : 8, seed: index,
                                           to: workspace.at(String(format: "in/scan_%03d.nii.gz", index)))
            }
            try GeneratedVolumes.write(index: 5, size: 8, seed: 5, to: workspace.at("in/scan_005.nii.gz"))
            try workspace.write("not a volume\n", to: "in/scan_004.nii.gz")
            try workspace.write(Self.pipeline(name: "sizes", include: "*.nii.gz", volumes: "nifti"), to: "p/p.yaml")
            let outcome = try MedPrepProcess.run(["run", workspace.at("p/p.yaml"), "--no-progress"])
            #expect(outcome.status == 1 && outcome.summary?.processed == 4 && outcome.summary?.failed == 2, "\(outcome.transcript)")
            #expect(outcome.standardError.contains("\(workspace.at("in/scan_002.nii.gz")): has the spatial shape (W, H, D) = "
                + "(10, 10, 10) after the stages, the first case of its batch (\(workspace.at("in/scan_000.nii.gz"))) has "
                + "(8, 8, 8)"), "\(outcome.transcript)")
            #expect(outcome.standardError.contains("crop_or_pad: {shape: [8, 8, 8]}"), "\(outcome.transcript)")
            #expect(try Self.npyShape(workspace.at("out/batches/batch_00000.npy")) == "(3, 1, 8, 8, 8)")
            #expect(try Self.npyShape(workspace.at("out/batches/batch_00001.npy")) == "(1, 1, 8, 8, 8)")
            let index = try String(contentsOfFile: workspace.at("out/batches/index.csv"), encoding: .utf8)
            #expect(index == "case,batch,position,label_batch\nscan_000,batch_00000.npy,0,\nscan_001,batch_00000.npy,1,\n"
                + "scan_003,batch_00000.npy,2,\nscan_005,batch_00001.npy,0,\n", "\(index)")
            try workspace.expectEveryListedFileExists(under: "out")
        }
    }
}
