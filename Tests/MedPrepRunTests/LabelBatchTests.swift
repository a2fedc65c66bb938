import Foundation
import Testing

extension EndToEnd {
    /// Issue 16, item 3: labels are integers and part of the training set. The binary runs on inputs written by
    /// `Tests/scripts/label_e2e.py make`, whose `check` compares the outputs with numpy/nibabel: label dtypes (a
    /// `uint8` label stays `uint8`, an `int32` one with values ≤ 255 stays `int32`, a float one takes the smallest
    /// of uint8/int16/int32), values after resample (nearest) and crop_or_pad, the label batch files (shape, dtype,
    /// contents, order) and `index.csv`. A label holding 0.5 fails only its case.
    @Suite(.enabled(if: stageReferencesAvailable, "python3 with nibabel, scipy and Pillow is not available"))
    struct LabelBatches {
        static let script = MedPrepProcess.packageRoot + "/Tests/scripts/label_e2e.py"

        static let volumePipeline = """
            version: 1
            name: labels
            input:
              directory: vol/in
              labels: vol/lab/{case}.nii.gz
            stages:
              - resample: {spacing: [1.2, 1.2, 1.2]}
              - crop_or_pad: {shape: [9, 8, 7]}
              - normalize: {method: minmax}
            batch: {size: 3}
            output:
              directory: vol/out
              volumes: nifti
              batches: npy
              reports: [json]

            """

        static func made() throws -> Workspace {
            let workspace = try Workspace()
            let made = try #require(MedPrepProcess.python([script, "make", workspace.path]))
            #expect(made.status == 0, "\(made.transcript)")
            try workspace.write(volumePipeline, to: "vol.yaml")
            return workspace
        }

        static func index(_ workspace: Workspace, _ directory: String = "vol/out/batches") throws -> String {
            try String(contentsOfFile: workspace.at(directory + "/index.csv"), encoding: .utf8)
        }

        @Test func integerLabelsAndBatchesMatchTheReference() throws {
            let workspace = try Self.made()
            let outcome = try MedPrepProcess.run(["run", workspace.at("vol.yaml"), "--no-progress"])
            #expect(outcome.status == 1 && outcome.summary?.processed == 4 && outcome.summary?.failed == 1, "\(outcome.transcript)")
            #expect(outcome.standardError.contains("\(workspace.at("vol/lab/case_d.nii.gz")): label map has the value 0.5 at "
                + "voxel (i, j, k) = (3, 4, 5), which is not an integer class number"), "\(outcome.transcript)")
            #expect(outcome.standardError.contains("np.rint(data).astype(np.int16)"), "the message says how to fix it")
            let report = try workspace.reportFiles(under: "vol/out")
            #expect(report["case_d.nii.gz"]?.status == "failed" && report["case_e.nii.gz"]?.status == "processed", "\(report)")
            let data = try Data(contentsOf: URL(fileURLWithPath: workspace.at("vol/out/report.json")))
            let files = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["files"] as? [[String: Any]] ?? []
            #expect(files.first { $0["input"] as? String == "case_d.nii.gz" }?["error_kind"] as? String == "invalid_label")
            #expect(workspace.files(under: "vol/out/batches") == ["batch_00000.npy", "batch_00000_labels.npy", "batch_00001.npy",
                                                                   "batch_00001_labels.npy", "index.csv"])
            #expect(!workspace.files(under: "vol/out").contains("labels/case_d.nii.gz"))
            #expect(try BatchIsolation.npyShape(workspace.at("vol/out/batches/batch_00000_labels.npy")) == "(3, 1, 7, 8, 9)")
            #expect(try Self.index(workspace) == "case,batch,position,label_batch\n"
                + "case_a,batch_00000.npy,0,batch_00000_labels.npy\ncase_b,batch_00000.npy,1,batch_00000_labels.npy\n"
                + "case_c,batch_00000.npy,2,batch_00000_labels.npy\ncase_e,batch_00001.npy,0,batch_00001_labels.npy\n")
            try workspace.expectEveryListedFileExists(under: "vol/out")
            let check = try #require(MedPrepProcess.python([Self.script, "check", workspace.path]))
            #expect(check.status == 0, "\(check.transcript)")
            for line in ["ok labels/case_a.nii.gz uint8", "ok labels/case_b.nii.gz int32", "ok labels/case_c.nii.gz int16",
                         "ok labels/case_e.nii.gz uint16", "ok batches/batch_00000_labels.npy int16 (3, 1, 7, 8, 9)",
                         "ok batches/batch_00001_labels.npy uint8 (1, 1, 7, 8, 9)"] {
                #expect(check.standardOutput.contains(line), "\(line)\n\(check.transcript)")
            }
        }

        /// A re-run keeps the index; once the bad label is fixed, its batch is redone with it, the label batch's
        /// dtype follows the new members, and the index lists it; a missing label batch file makes its batch stale.
        @Test func rerunsKeepTheIndexConsistent() throws {
            let workspace = try Self.made()
            _ = try MedPrepProcess.run(["run", workspace.at("vol.yaml"), "--no-progress"])
            let first = try Self.index(workspace)
            let again = try MedPrepProcess.run(["run", workspace.at("vol.yaml"), "--no-progress"])
            #expect(again.status == 1 && again.summary?.upToDate == 3 && again.summary?.failed == 1, "\(again.transcript)")
            #expect(try Self.index(workspace) == first)

            try FileManager.default.removeItem(atPath: workspace.at("vol/lab/case_d.nii.gz"))
            try FileManager.default.copyItem(atPath: workspace.at("vol/lab/case_a.nii.gz"), toPath: workspace.at("vol/lab/case_d.nii.gz"))
            try FileManager.default.removeItem(atPath: workspace.at("vol/out/batches/batch_00000_labels.npy"))
            let fixed = try MedPrepProcess.run(["run", workspace.at("vol.yaml"), "--no-progress"])
            #expect(fixed.status == 0 && fixed.summary?.processed == 5, "\(fixed.transcript)")
            #expect(try Self.index(workspace) == first.replacingOccurrences(of: "case_e,batch_00001.npy,0,",
                with: "case_d,batch_00001.npy,0,batch_00001_labels.npy\ncase_e,batch_00001.npy,1,"))
            #expect(try BatchIsolation.npyShape(workspace.at("vol/out/batches/batch_00001_labels.npy")) == "(2, 1, 7, 8, 9)")
            let header = try String(decoding: Data(contentsOf: URL(fileURLWithPath: workspace.at("vol/out/batches/batch_00001_labels.npy"))).prefix(64), as: UTF8.self)
            #expect(header.contains("'descr': '|u1'"), "classes 0…3 of case_a and 0…2 of case_e: uint8")
            try workspace.expectEveryListedFileExists(under: "vol/out")
        }

        /// Each shard writes its own batch files, label files and index under `batches/shard-K-of-N/`; together the
        /// indexes list every good case once, and every file and position they name exists.
        @Test func shardsWriteOneConsistentIndexEach() throws {
            let workspace = try Self.made()
            var listed: [String] = []
            for shard in ["0/2", "1/2"] {
                let outcome = try MedPrepProcess.run(["run", workspace.at("vol.yaml"), "--no-progress", "--shard", shard])
                #expect(outcome.status <= 1, "\(outcome.transcript)")
                let directory = "batches/shard-\(shard.prefix(1))-of-2"
                try workspace.expectEveryListedFileExists(under: "vol/out", batches: directory, report: "report.shard-\(shard.prefix(1))-of-2.json")
                listed += try Self.index(workspace, "vol/out/" + directory).split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "," }) }
            }
            #expect(listed.sorted() == ["case_a", "case_b", "case_c", "case_e"], "\(listed)")
        }
    }

    /// The PyTorch `Dataset` of README.md, run for one training step over the index of a 2D run (X-ray PNGs with PNG
    /// labels, Conv2d) and of a 3D run (Conv3d) by `Tests/scripts/torch_dataset_step.py`, which takes the class
    /// from the README's code block. PyTorch is a test dependency: without it this test fails (`make pydeps`).
    @Suite struct ReadmeDataset {
        @Test func readmeDatasetTrainsOneStep() throws {
            let probe = MedPrepProcess.python(["-c", "import torch, numpy, nibabel, PIL"])
            guard probe?.status == 0 else {
                let why = probe?.standardError ?? "no python3 on PATH"
                Issue.record(Comment(rawValue: "python3 cannot import torch, numpy, nibabel and PIL (\(why)): run `make pydeps`, "
                    + "which installs them (PyTorch as the CPU wheel)"))
                return
            }
            let workspace = try LabelBatches.made()
            try workspace.write("""
                version: 1
                name: xray
                input:
                  directory: png/in
                  labels: png/lab/{case}.png
                stages:
                  - normalize: {method: minmax}
                batch: {size: 2}
                output:
                  directory: png/out
                  volumes: none
                  batches: npy
                  reports: [json]

                """, to: "png.yaml")
            let xray = try MedPrepProcess.run(["run", workspace.at("png.yaml"), "--no-progress"])
            #expect(xray.status == 0 && xray.summary?.processed == 5, "\(xray.transcript)")
            #expect(try BatchIsolation.npyShape(workspace.at("png/out/batches/batch_00000_labels.npy")) == "(2, 1, 16, 20)")
            let volume = try MedPrepProcess.run(["run", workspace.at("vol.yaml"), "--no-progress"])
            #expect(volume.status == 1 && volume.summary?.processed == 4, "\(volume.transcript)")
            let step = try #require(MedPrepProcess.python([
                MedPrepProcess.packageRoot + "/Tests/scripts/torch_dataset_step.py", MedPrepProcess.packageRoot + "/README.md",
                workspace.at("png/out/batches/index.csv"), workspace.at("vol/out/batches/index.csv"),
            ]))
            #expect(step.status == 0, "\(step.transcript)")
            #expect(step.standardOutput.contains("5 samples, images torch.float32 (5, 1, 16, 20), labels torch.int64 (5, 1, 16, 20)"),
                    "\(step.transcript)")
            #expect(step.standardOutput.contains("4 samples, images torch.float32 (4, 1, 7, 8, 9), labels torch.int64 (4, 1, 7, 8, 9)"),
                    "\(step.transcript)")
        }
    }
}
