import Foundation
import Testing
import MedPrepCore
import MedPrepDecode
@testable import MedPrepWrite

/// Fixtures of MedPrepDecodeTests (nibabel-written, see Scripts/fixtures/make_nifti_fixtures.py).
enum WriterFixtures {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let directory = repository.appendingPathComponent("Tests/MedPrepDecodeTests/Fixtures/nifti").path

    /// Valid fixtures (the keys of expected.json).
    static let names: [String] = {
        guard let data = FileManager.default.contents(atPath: directory + "/expected.json"),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        return object.keys.sorted()
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static func temporaryDirectory(_ label: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("medprep-\(label)-\(getpid())-\(UInt32.random(in: 0 ... .max))").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Whether python3 with numpy and nibabel can run the reference check script.
    static let pythonReference: Bool = run(["python3", "-c", "import numpy, nibabel"]).status == 0

    static func run(_ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}

@Suite struct NIfTIWriterTests {
    /// read → write (.nii and .nii.gz) → read keeps values exactly and affine/spacing within 1e-5.
    @Test(arguments: WriterFixtures.names)
    func roundTripKeepsValuesAndGeometry(name: String) throws {
        let directory = WriterFixtures.temporaryDirectory("roundtrip")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let scan = try NIfTIReader.read(path: WriterFixtures.path(name))
        for output in [directory + "/out.nii", directory + "/out.nii.gz"] {
            try NIfTIWriter.write(scan.tensor, geometry: scan.geometry, to: output)
            let again = try NIfTIReader.read(path: output)
            #expect(again.tensor == scan.tensor)
            #expect(again.header.dataType == "float32")
            #expect(again.header.format == .nifti1)
            let affineError = zip(again.geometry.affine.values, scan.geometry.affine.values).map { abs($0 - $1) }.max() ?? .infinity
            #expect(affineError < 1e-5, "\(again.geometry.affine.rows) vs \(scan.geometry.affine.rows)")
            #expect(zip(again.geometry.spacing, scan.geometry.spacing).allSatisfy { abs($0 - $1) < 1e-5 })
            #expect(again.geometry.xyztUnits == scan.geometry.xyztUnits)
            if scan.geometry.affineSource == .sform || scan.geometry.affineSource == .qform {
                #expect(again.geometry.affineSource == scan.geometry.affineSource)
            }
        }
    }

    @Test func headerFieldsAreNIfTI1Float32() throws {
        let tensor = Tensor(shape: TensorShape(c: 2, d: 3, h: 4, w: 5), repeating: 1.5)
        let geometry = ScanGeometry.pixel(spacing: [0.5, 0.25, 2])
        let header = try NIfTIWriter.header(shape: tensor.shape, geometry: geometry, path: "x.nii")
        func int16(_ offset: Int) -> Int { Int(Int16(header[offset]) | Int16(header[offset + 1]) << 8) }
        func float32(_ offset: Int) -> Float {
            Float(bitPattern: UInt32(header[offset]) | UInt32(header[offset + 1]) << 8 | UInt32(header[offset + 2]) << 16 | UInt32(header[offset + 3]) << 24)
        }
        #expect(header.count == 352)
        #expect(Int(header[0]) | Int(header[1]) << 8 == 348)
        #expect((0 ..< 8).map { int16(40 + 2 * $0) } == [4, 5, 4, 3, 2, 1, 1, 1])
        #expect(int16(70) == 16)
        #expect(int16(72) == 32)
        #expect(float32(108) == 352)
        #expect(float32(112) == 1)
        #expect(float32(116) == 0)
        #expect([float32(80), float32(84), float32(88)] == [0.5, 0.25, 2])
        #expect(int16(254) == 2)
        #expect([float32(280), float32(300), float32(320)] == [0.5, 0.25, 2])
        #expect(Array(header[344 ..< 352]) == [0x6e, 0x2b, 0x31, 0, 0, 0, 0, 0])
    }

    @Test func pixelGeometryIsWrittenAsAlignedSform() throws {
        let directory = WriterFixtures.temporaryDirectory("pixel")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tensor = Tensor(shape: TensorShape(c: 1, h: 3, w: 4), storage: (0 ..< 12).map(Float.init))
        let path = directory + "/image.nii"
        try NIfTIWriter.write(tensor, geometry: .pixel(spacing: [0.5, 0.25, 1]), to: path)
        let scan = try NIfTIReader.read(path: path)
        #expect(scan.tensor.shape.sampleDimensions == [1, 1, 3, 4])
        #expect(scan.geometry.affineSource == .sform)
        #expect(scan.geometry.sformCode == 2)
        #expect(scan.geometry.affine == Affine.scaling([0.5, 0.25, 1]))
        #expect(scan.tensor == tensor)
    }

    @Test func batchesAreRefused() throws {
        let tensor = Tensor(shape: TensorShape(n: 2, c: 1, h: 2, w: 2))
        let error = try #require(throws: MedPrepError.self) {
            try NIfTIWriter.write(tensor, geometry: .pixel(), to: "/tmp/never-written.nii")
        }
        #expect(error.kind == .invalidArgument)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written.nii"))
    }

    /// nibabel opens medprep's .nii/.nii.gz with the source's affine and values, `gzip -t` accepts the .nii.gz,
    /// and numpy.load opens the .npy (Scripts/check_nifti_outputs.py).
    @Test(.enabled(if: WriterFixtures.pythonReference, "python3 with numpy + nibabel not importable"))
    func nibabelAndNumpyReadTheOutputs() throws {
        let directory = WriterFixtures.temporaryDirectory("reference")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var nifti = [[String: String]](), npy = [[String: String]]()
        for (index, name) in WriterFixtures.names.enumerated() {
            let scan = try NIfTIReader.read(path: WriterFixtures.path(name))
            // nibabel cannot pair a plain .hdr with an .img.gz; pair_int16 holds the same header and voxels.
            let source = WriterFixtures.path(name == "pairgz_int16.hdr" ? "pair_int16.hdr" : name)
            for suffix in ["nii", "nii.gz"] {
                let output = "\(directory)/\(index).\(suffix)"
                try NIfTIWriter.write(scan.tensor, geometry: scan.geometry, to: output)
                nifti.append(["output": output, "source": source])
            }
            let output = "\(directory)/\(index).npy"
            try NPYWriter.write(scan.tensor, to: output)
            npy.append(["output": output, "source": source])
            let gzipTest = WriterFixtures.run(["gzip", "-t", "\(directory)/\(index).nii.gz"])
            #expect(gzipTest.status == 0, "gzip -t: \(gzipTest.output)")
        }
        let manifest = directory + "/manifest.json"
        try JSONSerialization.data(withJSONObject: ["nifti": nifti, "npy": npy]).write(to: URL(fileURLWithPath: manifest))
        let script = WriterFixtures.repository.appendingPathComponent("Scripts/check_nifti_outputs.py").path
        let result = WriterFixtures.run(["python3", script, manifest])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("checked \(nifti.count) NIfTI and \(npy.count) .npy outputs, 0 problems"))
    }
}
