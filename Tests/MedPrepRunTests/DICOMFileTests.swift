import Foundation
import MedPrepCore
import MedPrepDecode
import Testing

extension EndToEnd {
    /// Issue 18 (one DICOM object per file): `inspect` on a DICOM file, and `run` over single-slice series, each in
    /// its own directory (series assembly over a directory of series: `DICOMSeriesRun`).
    @Suite struct DICOMFiles {
        static let fixtures = MedPrepProcess.packageRoot + "/Tests/MedPrepDecodeTests/Fixtures/dicom/"

        /// pydicom's CT_small.dcm (whose preamble is a TIFF header) used to fail with a libtiff message.
        @Test func inspectReadsADICOMFile() throws {
            let outcome = try MedPrepProcess.run(["inspect", Self.fixtures + "CT_small.dcm"])
            #expect(outcome.status == 0, "\(outcome.transcript)")
            #expect(outcome.standardOutput.contains("dicom (int16, 16 bits)"), "\(outcome.transcript)")
            #expect(outcome.standardOutput.contains("[1, 1, 128, 128]"))
            #expect(outcome.standardOutput.contains("slope 1.0, intercept -1024.0"))
            #expect(outcome.standardOutput.contains("from dicom"))
            #expect(outcome.standardOutput.contains("min -896.0  max 1167.0"))
            #expect(!outcome.transcript.contains("libtiff"))
        }

        @Test func jpeg2000IsRefusedByName() throws {
            let outcome = try MedPrepProcess.run(["inspect", Self.fixtures + "MR_small_jp2klossless.dcm"])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            #expect(outcome.standardError.contains("MR_small_jp2klossless.dcm"))
            #expect(outcome.standardError.contains("1.2.840.10008.1.2.4.90 (JPEG 2000"), "\(outcome.transcript)")
        }

        /// A one-bit change of an RLE file (found by `make fuzz`) made DCMTK 3.6.7's RLE decoder SEGV inside
        /// `medprep`; RLE is now refused by name before any decoding, and the process exits 1 with the file named.
        @Test func damagedRLEIsRefusedWithoutACrash() throws {
            let path = Self.fixtures + "../dicom-hostile/rle_segv.dcm"
            for command in [["inspect", path], ["normalize", path, "--method", "minmax", "--output", NSTemporaryDirectory() + "medprep-rle-" + UUID().uuidString]] {
                let outcome = try MedPrepProcess.run(command)
                #expect(outcome.status == 1, "\(command): \(outcome.transcript)")
                #expect(outcome.standardError.contains("rle_segv.dcm"), "\(outcome.transcript)")
                #expect(outcome.standardError.contains("1.2.840.10008.1.2.5 (RLE Lossless)"), "\(outcome.transcript)")
            }
        }

        /// A 4.7 KB deflated file (found by `make fuzz`) whose dataset declares an element of gigabytes made DCMTK
        /// allocate it while reading the header; deflated files are now refused from the meta header alone.
        @Test func deflatedIsRefusedBeforeTheDatasetIsRead() throws {
            let path = Self.fixtures + "../dicom-hostile/deflate_oom.dcm"
            let outcome = try MedPrepProcess.run(["inspect", path])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            #expect(outcome.standardError.contains("deflate_oom.dcm"), "\(outcome.transcript)")
            #expect(outcome.standardError.contains("1.2.840.10008.1.2.1.99"), "\(outcome.transcript)")
        }

        /// Three single-slice files (explicit LE, implicit LE, an oblique slice), each in a directory of its name,
        /// become three single-slice series cases named by their directories, whose NIfTI outputs carry the reference
        /// affine (Scripts/fixtures/make_dicom_fixtures.py, equal to dcm2niix's). A JPEG 2000 series fails with
        /// exit 1, naming its syntax; it runs on its own, since pydicom's MR_small files share one SeriesInstanceUID
        /// and position (together they are one series with a duplicate slice).
        @Test func runOverADirectoryOfSlices() throws {
            let workspace = try Workspace()
            let names = ["CT_small.dcm", "MR_small_implicit.dcm", "oblique.dcm", "MR_small_jp2klossless.dcm"]
            for name in names {
                let input = name.contains("jp2k") ? "jp2k" : "in"
                let directory = workspace.at(input + "/" + (name as NSString).deletingPathExtension)
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: Self.fixtures + name, toPath: directory + "/" + name)
            }
            for input in ["in", "jp2k"] {
                try workspace.write("""
                    version: 1
                    name: dicom
                    input:
                      directory: ../\(input)
                    stages:
                      - normalize: {method: groupnorm, groups: 1, eps: 1.0e-5}
                    output:
                      directory: ../out-\(input)
                      reports: [json]
                    """, to: "p/\(input).yaml")
            }
            let outcome = try MedPrepProcess.run(["run", workspace.at("p/in.yaml"), "--no-progress"])
            #expect(outcome.status == 0, "\(outcome.transcript)")
            #expect(outcome.summary?.processed == 3, "\(outcome.transcript)")
            let refused = try MedPrepProcess.run(["run", workspace.at("p/jp2k.yaml"), "--no-progress"])
            #expect(refused.status == 1, "\(refused.transcript)")
            #expect(refused.summary?.failed == 1, "\(refused.transcript)")
            #expect(refused.standardError.contains("MR_small_jp2klossless.dcm"), "\(refused.transcript)")
            #expect(refused.standardError.contains("1.2.840.10008.1.2.4.90"), "\(refused.transcript)")
            let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "expected.json"))) as? [String: [String: Any]]
            for name in ["CT_small", "MR_small_implicit", "oblique"] {
                let output = try NIfTIReader.read(path: workspace.at("out-in/\(name).nii.gz"))
                let reference = try #require(expected?[name + ".dcm"]?["affine"] as? [[Double]])
                let shape = try #require(expected?[name + ".dcm"]?["shape"] as? [Int])
                #expect(output.tensor.shape.sampleDimensions == shape, "\(name)")
                for (row, want) in zip(output.geometry.affine.rows, reference) {
                    #expect(zip(row, want).allSatisfy { abs($0 - $1) <= 1e-4 }, "\(name): \(row) vs \(want)")
                }
            }
        }
    }
}
