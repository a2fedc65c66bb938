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

        /// Every fixture that dcm2niix converts with medprep's semantics (expected.json's `dcm2niix` entries: each
        /// transfer syntax Debian's dcm2niix decodes) gets dcm2niix's affine from the binary (`inspect --json`), to
        /// 1e-3 mm. 693_J2KI.dcm, a single CT slice with SliceThickness 5 and SpacingBetweenSlices 20, had a 15 mm
        /// error: medprep took the thickness where dcm2niix takes the spacing.
        @Test func singleFilesHaveDcm2niixAffines() throws {
            let expected = try #require(try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "expected.json"))) as? [String: [String: Any]])
            let names = expected.filter { $0.value["dcm2niix"] != nil }.keys.sorted()
            #expect(names.count >= 10 && names.contains("693_J2KI.dcm"))
            for name in names {
                let reference = try #require((expected[name]?["dcm2niix"] as? [String: Any])?["affine"] as? [[Double]])
                let outcome = try MedPrepProcess.run(["inspect", "--json", Self.fixtures + name])
                #expect(outcome.status == 0, "\(outcome.transcript)")
                let entries = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [[String: Any]]
                let affine = try #require(entries?.first?["affine"] as? [[Double]], "\(outcome.transcript)")
                for (row, want) in zip(affine, reference) {
                    #expect(zip(row, want).allSatisfy { abs($0 - $1) <= 1e-3 }, "\(name): \(row) vs dcm2niix \(want)")
                }
            }
        }

        /// RLE (pydicom's files and ones written by pydicom's encoder), deflated and JPEG 2000 (lossless, RGB) files are
        /// decoded by the binary: `inspect` exits 0 and prints the shape, min, max and mean of pydicom's reference
        /// (expected.json, Scripts/fixtures/make_dicom_fixtures.py).
        @Test(arguments: ["MR_small_RLE.dcm", "SC_rgb_rle_2frame.dcm", "rle_signed16.dcm", "rle_multiframe.dcm",
                          "image_dfl.dcm", "deflated.dcm", "MR_small_jp2klossless.dcm", "GDCMJ2K_TextGBR.dcm"])
        func decodesRLEDeflatedAndJPEG2000(name: String) throws {
            let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "expected.json"))) as? [String: [String: Any]]
            let reference = try #require(expected?[name])
            let outcome = try MedPrepProcess.run(["inspect", Self.fixtures + name])
            #expect(outcome.status == 0, "\(outcome.transcript)")
            let shape = try #require(reference["shape"] as? [Int])
            #expect(outcome.standardOutput.contains("\(shape) [C, D, H, W]"), "\(name): \(outcome.transcript)")
            let minimum = try #require(reference["min"] as? Double), maximum = try #require(reference["max"] as? Double)
            #expect(outcome.standardOutput.contains("min \(minimum)  max \(maximum)  mean "), "\(name): \(outcome.transcript)")
            let sum = try #require(reference["sum"] as? Double)
            let mean = sum / Double(shape.reduce(1, *))
            let printed = outcome.standardOutput.components(separatedBy: "mean ").last?.split(separator: " ").first
            let value = try #require(printed.flatMap { Double($0) }, "\(outcome.transcript)")
            #expect(abs(value - mean) <= 1e-6 * max(1, abs(mean)), "\(name): mean \(value) vs \(mean)")
        }

        /// Damaged RLE, JPEG 2000 and deflated files — among them the two `make fuzz` found against DCMTK (its RLE
        /// decoder's SEGV, its inflate stream's 2 GB allocation) — fail with exit 1, the file and the reason; no
        /// crash, for `inspect` and for `normalize`.
        @Test(arguments: [
            ("../dicom-hostile/rle_segv.dcm", "RLE segment 3 starts at 33554896, beyond the fragment's 664 bytes"),
            ("../dicom-hostile/deflate_oom.dcm", "the deflated DICOM dataset is inconsistent"),
            ("hostile_rle_segment_count.dcm", "the RLE header declares 3 segment(s)"),
            ("hostile_rle_offset_beyond.dcm", "RLE segment 2 starts at 5000, beyond the fragment"),
            ("hostile_rle_run_overflow.dcm", "RLE segment 2 has a run past its 16 bytes"),
            ("hostile_j2k_siz_mismatch.dcm", "the JPEG 2000 header declares 64x64 pixels"),
            ("hostile_j2k_truncated.dcm", "the JPEG 2000 codestream cannot be decoded"),
        ])
        func damagedCompressedFilesFailCleanly(name: String, reason: String) throws {
            let path = Self.fixtures + name
            let file = (name as NSString).lastPathComponent
            let output = NSTemporaryDirectory() + "medprep-codec-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: output) }
            for command in [["inspect", path], ["normalize", path, "--method", "minmax", "--output", output]] {
                let outcome = try MedPrepProcess.run(command)
                #expect(outcome.status == 1, "\(command): \(outcome.transcript)")
                #expect(outcome.standardError.contains(file), "\(outcome.transcript)")
                #expect(outcome.standardError.contains(reason), "\(outcome.transcript)")
            }
        }

        /// A 40 KB deflated file that inflates to 40 MB stops at the inflate cap (4 · --max-voxels + 16 MiB) with
        /// exit 1 and says so; with the default cap it decodes.
        @Test func deflateBombStopsAtTheCap() throws {
            let path = Self.fixtures + "deflate_bomb.dcm"
            let capped = try MedPrepProcess.run(["inspect", path, "--max-voxels", "1048576"])
            #expect(capped.status == 1, "\(capped.transcript)")
            #expect(capped.standardError.contains("deflate_bomb.dcm"), "\(capped.transcript)")
            #expect(capped.standardError.contains("inflates beyond 20971520 bytes"), "\(capped.transcript)")
            let plain = try MedPrepProcess.run(["inspect", path])
            #expect(plain.status == 0, "\(plain.transcript)")
            #expect(plain.standardOutput.contains("[1, 1, 4, 4] [C, D, H, W]"), "\(plain.transcript)")
        }

        /// A syntax still not decoded (HTJ2K) is refused naming its UID.
        @Test func unsupportedSyntaxIsRefusedByName() throws {
            let outcome = try MedPrepProcess.run(["inspect", Self.fixtures + "htj2k.dcm"])
            #expect(outcome.status == 1, "\(outcome.transcript)")
            #expect(outcome.standardError.contains("htj2k.dcm"))
            #expect(outcome.standardError.contains("transfer syntax 1.2.840.10008.1.2.4.201"), "\(outcome.transcript)")
        }

        /// Three single-slice files (explicit LE, implicit LE, an oblique slice), each in a directory of its name,
        /// become three single-slice series cases named by their directories, whose NIfTI outputs carry the reference
        /// affine (Scripts/fixtures/make_dicom_fixtures.py, equal to dcm2niix's). A JPEG 2000 slice is decoded, with its
        /// reference affine, while an HTJ2K file beside it fails with exit 1, naming its syntax; they run on their own,
        /// since pydicom's MR_small files share one SeriesInstanceUID and position (together they are one series with a
        /// duplicate slice).
        @Test func runOverADirectoryOfSlices() throws {
            let workspace = try Workspace()
            let names = ["CT_small.dcm", "MR_small_implicit.dcm", "oblique.dcm", "MR_small_jp2klossless.dcm", "htj2k.dcm"]
            for name in names {
                let input = name.contains("jp2k") || name.hasPrefix("htj2k") ? "jp2k" : "in"
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
            #expect(refused.summary?.processed == 1, "\(refused.transcript)")
            #expect(refused.standardError.contains("htj2k.dcm"), "\(refused.transcript)")
            #expect(refused.standardError.contains("1.2.840.10008.1.2.4.201"), "\(refused.transcript)")
            let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "expected.json"))) as? [String: [String: Any]]
            for (name, input) in [("CT_small", "in"), ("MR_small_implicit", "in"), ("oblique", "in"), ("MR_small_jp2klossless", "jp2k")] {
                let output = try NIfTIReader.read(path: workspace.at("out-\(input)/\(name).nii.gz"))
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
