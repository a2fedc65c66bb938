import Foundation
import Testing

extension EndToEnd {
    /// Writes and deletes of `medprep run` stay inside the output directory (issue 14, item 4): a symbolic link
    /// inside the output tree is never followed, and a path read back from the state store is checked before use.
    @Suite struct OutputContainment {
        /// `out/sub -> elsewhere` and an input `sub/x.nii.gz`: the case fails with an error naming the link,
        /// nothing is written into `elsewhere`, the other cases are processed, and the run exits 1.
        @Test func symlinkedDirectoryInTheOutputTreeIsNotWrittenThrough() throws {
            let workspace = try Workspace()
            try createDirectories(workspace, ["in/sub", "out", "elsewhere"])
            try GeneratedVolumes.write(count: 2, size: 8, to: workspace.at("in"))
            try GeneratedVolumes.write(index: 5, size: 8, seed: 5, to: workspace.at("in/sub/x.nii.gz"))
            try FileManager.default.createSymbolicLink(atPath: workspace.at("out/sub"),
                                                       withDestinationPath: workspace.at("elsewhere"))
            try workspace.write(GeneratedVolumes.pipeline(name: "link", input: "../in", output: "../out"), to: "p/link.yaml")

            let run = try MedPrepProcess.run(["run", workspace.at("p/link.yaml"), "--no-progress"])
            #expect(run.status == 1, "\(run.transcript)")
            #expect(run.summary?.processed == 2 && run.summary?.failed == 1, "\(run.transcript)")
            #expect(run.transcript.contains("is a symbolic link inside the output directory"), "\(run.transcript)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.at("elsewhere")).isEmpty)
            #expect(FileManager.default.fileExists(atPath: workspace.at("out/scan_000.nii.gz")))
            #expect(FileManager.default.fileExists(atPath: workspace.at("out/scan_001.nii.gz")))
        }

        /// A state store whose `output_files` row was edited to `../../victim/precious`: pruning the case whose
        /// input was deleted leaves the file outside the output directory alone.
        @Test func storedPathLeavingTheOutputDirectoryIsNotPruned() throws {
            let workspace = try Workspace()
            try createDirectories(workspace, ["in", "a/out", "victim"])
            try GeneratedVolumes.write(count: 3, size: 8, to: workspace.at("in"))
            try workspace.write("only copy\n", to: "victim/precious")
            try workspace.write(GeneratedVolumes.pipeline(name: "victim", input: "../in", output: "../a/out"), to: "p/v.yaml")
            let pipeline = workspace.at("p/v.yaml")

            let first = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(first.status == 0 && first.summary?.processed == 3, "\(first.transcript)")
            let edit = try #require(MedPrepProcess.python(["-c", """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1])
                n = db.execute("UPDATE output_files SET path = '../../victim/precious' WHERE case_id = 'scan_001'").rowcount
                db.commit()
                sys.exit(0 if n == 1 else 3)
                """, workspace.at("a/out/.medprep/state.sqlite")]), "python3 is needed to edit the state store")
            #expect(edit.status == 0, "\(edit.transcript)")
            try FileManager.default.removeItem(atPath: workspace.at("in/scan_001.nii.gz"))

            let pruned = try MedPrepProcess.run(["run", pipeline, "--no-progress", "--prune"])
            #expect(pruned.signal == nil && (pruned.status == 0 || pruned.status == 1), "\(pruned.transcript)")
            #expect(try String(contentsOfFile: workspace.at("victim/precious"), encoding: .utf8) == "only copy\n",
                    "\(pruned.transcript)")
        }

        /// After a run, `out/sub` is replaced by a link to a directory holding a file of the same name; `--prune`
        /// of the deleted input `sub/x.nii.gz` deletes nothing through the link.
        @Test func pruneDoesNotDeleteThroughASymlinkedDirectory() throws {
            let workspace = try Workspace()
            try createDirectories(workspace, ["in/sub", "elsewhere"])
            try GeneratedVolumes.write(count: 2, size: 8, to: workspace.at("in"))
            try GeneratedVolumes.write(index: 5, size: 8, seed: 5, to: workspace.at("in/sub/x.nii.gz"))
            try workspace.write(GeneratedVolumes.pipeline(name: "prune", input: "../in", output: "../out"), to: "p/prune.yaml")
            let pipeline = workspace.at("p/prune.yaml")

            let first = try MedPrepProcess.run(["run", pipeline, "--no-progress"])
            #expect(first.status == 0 && first.summary?.processed == 3, "\(first.transcript)")
            try FileManager.default.removeItem(atPath: workspace.at("out/sub"))
            try workspace.write("precious\n", to: "elsewhere/x.nii.gz")
            try FileManager.default.createSymbolicLink(atPath: workspace.at("out/sub"),
                                                       withDestinationPath: workspace.at("elsewhere"))
            try FileManager.default.removeItem(atPath: workspace.at("in/sub/x.nii.gz"))

            let pruned = try MedPrepProcess.run(["run", pipeline, "--no-progress", "--prune"])
            #expect(pruned.signal == nil && (pruned.status == 0 || pruned.status == 1), "\(pruned.transcript)")
            #expect(try String(contentsOfFile: workspace.at("elsewhere/x.nii.gz"), encoding: .utf8) == "precious\n",
                    "\(pruned.transcript)")
        }

        private func createDirectories(_ workspace: Workspace, _ paths: [String]) throws {
            for path in paths {
                try FileManager.default.createDirectory(atPath: workspace.at(path), withIntermediateDirectories: true)
            }
        }
    }
}
