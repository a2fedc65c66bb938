import Foundation
import MedPrepTestSupport
import Testing

/// Whether `python3` with numpy and nibabel (the independent writer of the inputs) is importable.
private let nibabelAvailable: Bool = {
    guard let python = PackagePaths.executable(named: "python3") else { return false }
    return (try? ChildProcess.run(python, ["-c", "import numpy, nibabel"]))?.status == 0
}()

/// Issue 14, item 10 and the float64 overflow message of item 11, through the built binary: finite float32
/// input never gives NaN/±inf output, and a case whose output would leave float32 fails as `non_finite` while
/// the others are processed. Inputs are written by nibabel at test time; outputs are read as raw `.npy`.
@Suite(.serialized, .enabled(if: nibabelAvailable, "python3 with numpy and nibabel is not available"))
struct NonFiniteOutputCommandTests {
    /// A temporary directory with an `in/` of NIfTI volumes written by nibabel from `volumes` (file stem →
    /// numpy expression over `np`, a 16×16×16 array), removed at the end.
    final class Directory {
        let root = NSTemporaryDirectory() + "medprep-nonfinite-" + UUID().uuidString

        init(_ volumes: [String: String]) throws {
            try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
            var script = "import numpy as np, nibabel as nib\n"
            for (stem, expression) in volumes.sorted(by: { $0.key < $1.key }) {
                script += "nib.save(nib.Nifti1Image(\(expression), np.eye(4)), '\(root)/in/\(stem).nii')\n"
            }
            let python = try #require(PackagePaths.executable(named: "python3"))
            let outcome = try ChildProcess.run(python, ["-c", script])
            try #require(outcome.status == 0, "\(outcome.transcript)")
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        /// Runs `medprep run` with one normalize stage (`normalize` is its flow mapping body), npy volumes.
        func run(normalize: String, output: String) throws -> ChildProcess.Outcome {
            let pipeline = root + "/\(output).yaml"
            try """
            version: 1
            name: nonfinite
            input:
              directory: \(root)/in
            stages:
              - normalize: {\(normalize)}
            output:
              directory: \(root)/\(output)
              volumes: npy
              reports: [json]
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
            return try ChildProcess.run(PackagePaths.medprep, ["run", pipeline, "--no-progress"], timeout: 120)
        }

        /// The float32 values of `relative` (a little-endian `<f4` `.npy`), nil when it does not exist.
        func npy(_ relative: String) throws -> [Float]? {
            guard let data = FileManager.default.contents(atPath: root + "/" + relative) else { return nil }
            let bytes = [UInt8](data)
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            let header = String(decoding: bytes[10 ..< 10 + headerLength], as: UTF8.self)
            try #require(header.contains("'descr': '<f4'"), "\(header)")
            return stride(from: 10 + headerLength, to: bytes.count, by: 4).map { i in
                Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16
                      | UInt32(bytes[i + 3]) << 24)
            }
        }

        /// The `files` entries of `report.json` under `output`, by input.
        func report(_ output: String) throws -> [String: [String: Any]] {
            let data = try Data(contentsOf: URL(fileURLWithPath: root + "/" + output + "/report.json"))
            let files = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["files"] as? [[String: Any]])
            return Dictionary(uniqueKeysWithValues: files.map { ($0["input"] as? String ?? "", $0) })
        }
    }

    /// Every other voxel of a 16³ float32 volume, in file (Fortran) order, is `b`, the others `a`.
    static func alternating(_ a: String, _ b: String) -> String {
        "np.where(np.arange(4096).reshape(16, 16, 16, order='F') % 2 == 0, np.float32(\(a)), np.float32(\(b))).astype(np.float32)"
    }

    /// (a) and (b): values {0, 1.4e-45} (float32's smallest denormal) and {−3e38, 3e38}. The exact min-max and
    /// percentile outputs are 0 for the smaller value and 1 for the larger (`(x − min)/(max − min)`, and numpy's
    /// p0.5 / p99.5 of half-and-half data are the two values). Before the fix: 2048 NaN + 2048 inf, and 2048 inf.
    @Test(arguments: ["minmax", "percentile"])
    func tinyAndHugeRangesGiveFiniteExactOutput(method: String) throws {
        let directory = try Directory(["denormal": Self.alternating("0", "1.4e-45"),
                                       "huge": Self.alternating("-3.0e38", "3.0e38")])
        let outcome = try directory.run(normalize: "method: \(method)", output: "out")
        #expect(outcome.status == 0, "\(outcome.transcript)")
        for stem in ["denormal", "huge"] {
            let values = try #require(try directory.npy("out/\(stem).npy"), "\(stem): no output\n\(outcome.transcript)")
            #expect(values.count == 4096)
            let nonFinite = values.filter { !$0.isFinite }.count
            #expect(nonFinite == 0, "\(stem) (\(method)): \(nonFinite) NaN/inf written")
            let wrong = values.enumerated().filter { $0.element != ($0.offset % 2 == 0 ? 0 : 1) }.count
            #expect(wrong == 0, "\(stem) (\(method)): \(wrong) voxels differ from 0/1, e.g. \(values.prefix(2))")
        }
    }

    /// A case whose exact output leaves float32 (GroupNorm with γ = 3e38: `±1.342·3e38 ≈ ±4e38`) fails as
    /// `non_finite` naming the file and channel, writes nothing, and the run goes on with the other case and
    /// exits 1. Before the fix: inf written, exit 0.
    @Test func outputBeyondFloatFailsTheCaseAndTheRunGoesOn() throws {
        let directory = try Directory(["bad": "(np.arange(4096) % 4).reshape(16, 16, 16).astype(np.float32)",
                                       "good": Self.alternating("-1", "1")])
        let outcome = try directory.run(normalize: "method: groupnorm, groups: 1, gamma: [3.0e38]", output: "out")
        #expect(outcome.status == 1, "\(outcome.transcript)")
        #expect(outcome.standardError.contains("bad.nii"), "\(outcome.transcript)")
        #expect(outcome.standardError.contains("channel 0"), "\(outcome.transcript)")
        #expect(try directory.npy("out/bad.npy") == nil, "a failed case's output was written")
        let good = try #require(try directory.npy("out/good.npy"), "\(outcome.transcript)")
        // ±1 around mean 0 with variance 1: y = ±1/√(1 + 1e-5)·3e38 ≈ ±2.99998e38, finite.
        #expect(good.allSatisfy { $0.isFinite && abs(abs($0) / 3e38 - 1) < 1e-4 }, "\(good.prefix(2))")
        let report = try directory.report("out")
        let bad = try #require(report["bad.nii"])
        #expect(bad["status"] as? String == "failed")
        #expect(bad["error_kind"] as? String == "non_finite", "\(bad)")
        #expect((bad["error"] as? String)?.contains("into NaN or ±inf") == true, "\(bad)")
        #expect(report["good.nii"]?["status"] as? String == "processed")
    }

    /// (c) A float64 volume holding 1e300 fails with an error that says the value overflows float32, not NaN.
    @Test func float64BeyondFloat32IsReportedAsOverflow() throws {
        let directory = try Directory(["wide": "np.where(np.arange(4096).reshape(16, 16, 16) == 7, 1e300, 1.0)",
                                       "plain": Self.alternating("0", "1")])
        let outcome = try directory.run(normalize: "method: minmax", output: "out")
        #expect(outcome.status == 1, "\(outcome.transcript)")
        #expect(outcome.standardError.contains("wide.nii"), "\(outcome.transcript)")
        #expect(outcome.standardError.contains("value 1e+300 overflows float32"), "\(outcome.transcript)")
        #expect(!outcome.standardError.contains("NaN or ±inf"), "\(outcome.transcript)")
        #expect(try directory.npy("out/plain.npy") != nil)
    }

    /// `medprep normalize` has the same protection: the case fails as non_finite, exit 1, nothing written.
    @Test func normalizeCommandRefusesOutputBeyondFloat() throws {
        let directory = try Directory(["bad": "(np.arange(4096) % 4).reshape(16, 16, 16).astype(np.float32)",
                                       "tiny": Self.alternating("0", "1.4e-45")])
        let outcome = try ChildProcess.run(PackagePaths.medprep, [
            "normalize", directory.root + "/in/bad.nii", "--method", "groupnorm", "--groups", "1", "--gamma", "3e38",
            "--format", "npy", "--output", directory.root + "/cli"], timeout: 120)
        #expect(outcome.status == 1, "\(outcome.transcript)")
        #expect(outcome.standardError.contains("bad.nii") && outcome.standardError.contains("channel 0")
                    && outcome.standardError.contains("into NaN or ±inf"), "\(outcome.transcript)")
        #expect(try directory.npy("cli/bad.npy") == nil)
        let tiny = try ChildProcess.run(PackagePaths.medprep, [
            "normalize", directory.root + "/in/tiny.nii", "--method", "minmax", "--format", "npy",
            "--output", directory.root + "/cli"], timeout: 120)
        #expect(tiny.status == 0, "\(tiny.transcript)")
        let values = try #require(try directory.npy("cli/tiny.npy"))
        #expect(values.enumerated().allSatisfy { $0.element == ($0.offset % 2 == 0 ? 0 : 1) }, "\(values.prefix(2))")
    }

    /// A float64 TIFF (written byte by byte with Python's struct: one strip, 4×2 samples) holding 1e300 is named
    /// as overflow too, not turned into ±inf.
    @Test func float64TIFFBeyondFloat32IsReportedAsOverflow() throws {
        let directory = try Directory([:])
        let path = directory.root + "/in/wide.tif"
        let script = """
        import struct
        values = [1.0, 2.0, 1e300, 4.0, 5.0, 6.0, 7.0, 8.0]
        data = struct.pack('<8d', *values)
        tags = [(256, 3, 1, 4), (257, 3, 1, 2), (258, 3, 1, 64), (259, 3, 1, 1), (262, 3, 1, 1),
                (273, 4, 1, 8), (277, 3, 1, 1), (278, 3, 1, 2), (279, 4, 1, len(data)), (339, 3, 1, 3)]
        ifd_offset = 8 + len(data)
        out = b'II' + struct.pack('<HI', 42, ifd_offset) + data + struct.pack('<H', len(tags))
        for tag, kind, count, value in tags:
            out += struct.pack('<HHI', tag, kind, count) + (struct.pack('<HH', value, 0) if kind == 3 else struct.pack('<I', value))
        out += struct.pack('<I', 0)
        open('\(path)', 'wb').write(out)
        """
        let python = try #require(PackagePaths.executable(named: "python3"))
        let written = try ChildProcess.run(python, ["-c", script])
        try #require(written.status == 0, "\(written.transcript)")
        let outcome = try ChildProcess.run(PackagePaths.medprep, ["inspect", path], timeout: 60)
        #expect(outcome.status == 1, "\(outcome.transcript)")
        #expect(outcome.standardError.contains("wide.tif") && outcome.standardError.contains("value 1e+300 overflows float32"),
                "\(outcome.transcript)")
    }
}
