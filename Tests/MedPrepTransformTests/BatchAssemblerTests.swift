import Foundation
import MedPrepCore
import Testing
@testable import MedPrepTransform

@Suite struct BatchAssemblerTests {
    static func scan(_ name: String, c: Int = 1, d: Int = 2, h: Int = 3, w: Int = 4, start: Float = 0) -> Scan {
        let shape = TensorShape(c: c, d: d, h: h, w: w)
        return Scan(path: name, header: ScanHeader(format: .nifti1, dataType: "int16", bitsPerSample: 16),
                    tensor: Tensor(shape: shape, storage: (0 ..< shape.count).map { start + Float($0) }),
                    geometry: ScanGeometry(spacing: [1, 1, Double(start) + 1], affine: .scaling([1, 1, Double(start) + 1]), affineSource: .pixdim))
    }

    @Test func groupsIntoBatchesAndSplitsBack() throws {
        let scans = (0 ..< 5).map { Self.scan("s\($0).nii.gz", start: Float($0 * 100)) }
        let batches = try BatchAssembler(batchSize: 2).batches(scans)
        #expect(batches.map(\.count) == [2, 2, 1])
        #expect(batches[0].tensor.shape == TensorShape(n: 2, c: 1, d: 2, h: 3, w: 4))
        #expect(batches[1].paths == ["s2.nii.gz", "s3.nii.gz"])
        #expect(batches[1].tensor[1, 0, 0, 0, 1] == 301)
        let back = batches.flatMap { $0.scans() }
        for (original, split) in zip(scans, back) {
            #expect(split.path == original.path)
            #expect(split.tensor == original.tensor)
            #expect(split.geometry == original.geometry)
            #expect(split.header == original.header)
        }
        #expect(try BatchAssembler(batchSize: 3).ranges(count: 7) == [0 ..< 3, 3 ..< 6, 6 ..< 7])
        #expect(try BatchAssembler(batchSize: 3).ranges(count: 0).isEmpty)
        #expect(try BatchAssembler(batchSize: 2).assemble(scans).count == 5)
    }

    @Test func shapeMismatchNamesFilesAndSuggestsCropOrPad() throws {
        let scans = [Self.scan("a.nii.gz"), Self.scan("b.nii.gz"), Self.scan("c.nii.gz", d: 5, h: 7, w: 9), Self.scan("d.nii.gz", c: 2)]
        let error = #expect(throws: MedPrepError.self) { try BatchAssembler(batchSize: 2).batches(scans) }
        #expect(error?.kind == .shapeMismatch)
        #expect(error?.path == "c.nii.gz")
        let reason = error?.reason ?? ""
        #expect(reason.contains("a.nii.gz") && reason.contains("c.nii.gz") && reason.contains("d.nii.gz"))
        #expect(!reason.contains("b.nii.gz"))
        #expect(reason.contains("[1, 5, 7, 9]") && reason.contains("[2, 2, 3, 4]") && reason.contains("[1, 2, 3, 4]"))
        #expect(reason.contains("crop_or_pad"))
    }

    /// Moved from the core tests when `Tensor.stacking` gave way to the assembler: samples are concatenated
    /// along N, a differing shape is refused, and the members give up their voxels (a single one is moved).
    @Test func assemblingConsumesTheMembers() throws {
        let a = Scan(path: "a", header: ScanHeader(format: .nifti1, dataType: "int16", bitsPerSample: 16),
                     tensor: Tensor(shape: TensorShape(c: 1, h: 1, w: 2), storage: [1, 2]), geometry: Self.scan("x").geometry)
        var b = a
        b.tensor.storage = [3, 4]
        var members = [a, b]
        let batch = try BatchAssembler.assemble(consuming: &members)
        #expect(batch.tensor.shape.n == 2)
        #expect(batch.tensor.storage == [1, 2, 3, 4])
        #expect(batch.tensor.sample(1) == b.tensor)
        #expect(members.allSatisfy { $0.tensor.storage.isEmpty })
        var single = [a]
        let alone = try BatchAssembler.assemble(consuming: &single)
        #expect(alone.tensor == a.tensor && single[0].tensor.storage.isEmpty)
        var c = a
        c.tensor = Tensor(shape: TensorShape(c: 2, h: 1, w: 1), storage: [5, 6])
        var mismatched = [a, c]
        #expect(throws: MedPrepError.self) { try BatchAssembler.assemble(consuming: &mismatched) }
    }

    @Test func badInputsAreRefused() throws {
        #expect(throws: MedPrepError.self) { try BatchAssembler(batchSize: 0) }
        #expect(throws: MedPrepError.self) { try BatchAssembler(batchSize: 1).batches([]) }
        var double = Self.scan("two.nii.gz")
        double.tensor = Tensor(shape: TensorShape(n: 2, c: 1, d: 2, h: 3, w: 4), storage: double.tensor.storage + double.tensor.storage)
        let error = #expect(throws: MedPrepError.self) { try BatchAssembler(batchSize: 1).batches([double]) }
        #expect(error?.path == "two.nii.gz")
        #expect(throws: MedPrepError.self) {
            try Batch(tensor: Self.scan("x").tensor, paths: [], headers: [], geometries: [])
        }
    }
}
