import Foundation
import MedPrepTestSupport
import Testing

/// `medprep normalize` never overwrites an input and never lets two inputs write one file: it refuses (exit 2,
/// both paths named) before writing anything. Inputs are copies of SampleData's CT phantoms.
@Suite struct NormalizeCommandSafetyTests {
    final class Directory {
        let root = NSTemporaryDirectory() + "medprep-normalize-safety-" + UUID().uuidString

        init() throws {
            try FileManager.default.createDirectory(atPath: root + "/scans", withIntermediateDirectories: true)
            let phantom = PackagePaths.root + "/SampleData/ct-labels/ct_001.nii.gz"
            try FileManager.default.copyItem(atPath: phantom, toPath: root + "/scans/a.nii.gz")
            try FileManager.default.copyItem(atPath: phantom, toPath: root + "/scans/b.nii.gz")
            let data = try #require(FileManager.default.contents(atPath: phantom))
            try Data(data).write(to: URL(fileURLWithPath: root + "/scans/b.png"))
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        func contents() throws -> [String: Data] {
            var result: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: root + "/scans") {
                result[name] = FileManager.default.contents(atPath: root + "/scans/" + name)
            }
            return result
        }

        func normalize(_ inputs: [String], output: String) throws -> ChildProcess.Outcome {
            try ChildProcess.run(PackagePaths.medprep, ["normalize"] + inputs.map { root + "/scans/" + $0 }
                + ["--method", "groupnorm", "--groups", "1", "--output", root + "/" + output], timeout: 60)
        }
    }

    @Test func anOutputOverTheInputIsRefused() throws {
        let directory = try Directory()
        let before = try directory.contents()
        let outcome = try directory.normalize(["a.nii.gz"], output: "scans")
        #expect(outcome.status == 2, "\(outcome.transcript)")
        #expect(outcome.standardError.contains("would overwrite the input \(directory.root)/scans/a.nii.gz"), "\(outcome.transcript)")
        #expect(try directory.contents() == before)
    }

    @Test func twoInputsWritingOneFileAreRefused() throws {
        let directory = try Directory()
        let outcome = try directory.normalize(["b.nii.gz", "b.png"], output: "out")
        #expect(outcome.status == 2, "\(outcome.transcript)")
        #expect(outcome.standardError.contains("would both write"), "\(outcome.transcript)")
        #expect(!FileManager.default.fileExists(atPath: directory.root + "/out"))
        let fine = try directory.normalize(["a.nii.gz", "b.nii.gz"], output: "out")
        #expect(fine.status == 0, "\(fine.transcript)")
    }
}
