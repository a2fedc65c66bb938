import Foundation
import Testing
import MedPrepCore
@testable import MedPrepWrite

/// Integer label maps (issue 16, item 3): the type rule, the exactness of the conversion, the `.npy` label batch and
/// the NIfTI label header. Files are read back with nibabel/numpy in `Tests/scripts/label_e2e.py`.
@Suite struct LabelWriterTests {
    static func label(_ values: [Float], w: Int, dataType: String = "float32") -> Scan {
        Scan(path: "lab.nii", header: ScanHeader(format: .nifti1, dataType: dataType, bitsPerSample: 32),
             tensor: Tensor(shape: TensorShape(c: 1, h: 1, w: w), storage: values), geometry: .pixel())
    }

    /// The stored integer type is kept while it holds the values; otherwise the smallest of uint8/int16/int32.
    @Test func typeRule() {
        #expect(LabelType.forLabel(storedType: "uint8", values: 0 ... 3) == .uint8)
        #expect(LabelType.forLabel(storedType: "int32", values: 0 ... 255) == .int32)
        #expect(LabelType.forLabel(storedType: "uint16", values: 0 ... 2) == .uint16)
        #expect(LabelType.forLabel(storedType: "float32", values: 0 ... 255) == .uint8)
        #expect(LabelType.forLabel(storedType: "float64", values: -1 ... 2) == .int16)
        #expect(LabelType.forLabel(storedType: "uint8", values: 0 ... 510) == .int16, "scaling took values out of uint8")
        #expect(LabelType.forLabel(storedType: "rgb24", values: 0 ... 70_000) == .int32)
        #expect(LabelType.smallest(holding: nil) == .uint8)
        #expect(LabelType.smallest(holding: -32768 ... 32767) == .int16)
        #expect(LabelType.smallest(holding: 0 ... 32768) == .int32)
        #expect([LabelType.uint8, .int16, .int32, .uint16, .int64].map(\.numpyDescriptor) == ["|u1", "<i2", "<i4", "<u2", "<i8"])
        #expect([LabelType.uint8, .int16, .int32, .int8, .uint16].map(\.niftiCode) == [2, 4, 8, 256, 512])
    }

    /// Integers are written little-endian; the first value the type does not hold exactly is reported.
    @Test func conversionIsExact() {
        var bytes: [UInt8] = []
        let ok = [Float(1), 300, -2].withUnsafeBufferPointer { LabelType.int16.append($0, to: &bytes) }
        #expect(ok == nil && bytes == [1, 0, 0x2c, 0x01, 0xfe, 0xff])
        for (type, value) in [(LabelType.uint8, Float(256)), (.uint8, -1), (.int16, 0.5), (.int32, .nan)] {
            var scratch: [UInt8] = []
            let bad = [Float(0), value].withUnsafeBufferPointer { type.append($0, to: &scratch) }
            #expect(bad.map { $0 == value || ($0.isNaN && value.isNaN) } == true, "\(type) \(value)")
        }
    }

    /// A non-integer, NaN or over-large value, or a second channel, fails with the file, the value and its voxel.
    @Test func labelValuesAreChecked() throws {
        try LabelValues.requireClassNumbers(Self.label([0, 1, -3, 16_777_216], w: 4))
        for (values, text) in [([Float(0), 0.5], "value 0.5 at voxel (i, j, k) = (1, 0, 0)"),
                               ([.nan, 1], "value nan at voxel (i, j, k) = (0, 0, 0)"),
                               ([1, 2e7], "beyond ±16777216")] {
            #expect {
                try LabelValues.requireClassNumbers(Self.label(values, w: 2))
            } throws: { error in
                let error = error as? MedPrepError
                return error?.kind == .invalidLabel && error?.path == "lab.nii" && error?.reason.contains(text) == true
            }
        }
        var rgb = Self.label([1], w: 1)
        rgb.tensor = Tensor(shape: TensorShape(c: 3, h: 1, w: 1), storage: [1, 2, 3])
        #expect(throws: MedPrepError.self) { try LabelValues.requireClassNumbers(rgb) }
    }

    /// A label batch is `[N, 1, H, W]` of one integer dtype, the members in order; a NIfTI label has the type's
    /// datatype and bitpix.
    @Test func labelBatchAndNIfTIHeader() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("medprep-labels-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tree = try OutputTree(directory: directory, create: false)
        let members = [Self.label([0, 1, 2], w: 3).tensor, Self.label([3, 0, 255], w: 3).tensor]
        try NPYWriter.writeLabels(members, as: .uint8, to: "labels.npy", in: tree)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/labels.npy")))
        let header = NPYWriter.header(shape: [2, 1, 1, 3], descriptor: "|u1")
        #expect(String(decoding: header, as: UTF8.self).contains("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1, 1, 3), }"))
        #expect(Array(bytes.prefix(header.count)) == header && Array(bytes.dropFirst(header.count)) == [0, 1, 2, 3, 0, 255])
        #expect(throws: MedPrepError.self) { try NPYWriter.writeLabels(members, as: .int8, to: "bad.npy", in: tree) }
        #expect(!FileManager.default.fileExists(atPath: directory + "/bad.npy"), "nothing under the name after a failure")

        try VolumeWriters.labels(compressed: false).write(Self.label([0, 300, -2], w: 3), to: "lab.nii", in: tree,
                                                           durable: false, observer: nil)
        let nifti = Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/lab.nii")))
        #expect(Int(nifti[70]) | Int(nifti[71]) << 8 == 4 && Int(nifti[72]) | Int(nifti[73]) << 8 == 16, "int16, bitpix 16")
        #expect(nifti.count == 352 + 6 && Array(nifti.suffix(6)) == [0, 0, 0x2c, 0x01, 0xfe, 0xff])
    }
}
