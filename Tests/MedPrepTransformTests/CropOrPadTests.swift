import Foundation
import MedPrepCore
import Testing
@testable import MedPrepTransform

@Suite struct CropOrPadTests {
    @Test(arguments: ["crop_or_pad_image_mixed", "crop_or_pad_image_odd", "crop_or_pad_label", "crop_or_pad_2d"])
    func matchesTorchIORule(_ name: String) throws {
        let fixture = try FixtureCase.load(name)
        let scan = fixture.inputScan
        let transform = try CropOrPad(shape: try #require(fixture.parameters.shape), padValue: try #require(fixture.parameters.padValue))
        let output = try transform.apply(to: scan, role: fixture.scanRole)
        #expect(output.tensor.shape == fixture.expected.tensorShape)
        #expect(output.tensor.storage.count == fixture.expected.values.count)
        #expect(maxAbsDifference(output.tensor.storage.map(Double.init), fixture.expected.values) == 0)
        #expect(output.geometry.spacing == scan.geometry.spacing)
        #expect(transform.offsets(for: scan.tensor.shape.sizeIJK) == fixture.expected.offsets)
        #expect(maxAbsDifference(output.geometry.affine.values, fixture.expected.affine) <= 1e-9)
        #expect(maxAbsDifference(try #require(output.geometry.qform).values, fixture.expected.qform) <= 1e-9)
        #expect(maxAbsDifference(try #require(output.geometry.sform).values, fixture.expected.sform) <= 1e-9)
    }

    @Test(arguments: ["crop_or_pad_image_mixed", "crop_or_pad_image_odd", "crop_or_pad_label"])
    func keptVoxelsKeepWorldCoordinates(_ name: String) throws {
        let fixture = try FixtureCase.load(name)
        let scan = fixture.inputScan
        let output = try CropOrPad(shape: try #require(fixture.parameters.shape)).apply(to: scan, role: fixture.scanRole)
        let offsets = try #require(fixture.expected.offsets)
        let inShape = scan.tensor.shape, outShape = output.tensor.shape
        var checked = 0
        for k in 0 ..< outShape.d {
            for j in 0 ..< outShape.h {
                for i in 0 ..< outShape.w {
                    let (si, sj, sk) = (i + offsets[0], j + offsets[1], k + offsets[2])
                    guard (0 ..< inShape.w).contains(si), (0 ..< inShape.h).contains(sj), (0 ..< inShape.d).contains(sk) else { continue }
                    #expect(output.tensor[0, 0, k, j, i] == scan.tensor[0, 0, sk, sj, si])
                    for (new, old) in [(output.geometry.affine, scan.geometry.affine),
                                       (try #require(output.geometry.sform), try #require(scan.geometry.sform))] {
                        let a = new.apply(Double(i), Double(j), Double(k))
                        let b = old.apply(Double(si), Double(sj), Double(sk))
                        #expect(abs(a.x - b.x) + abs(a.y - b.y) + abs(a.z - b.z) <= 1e-9)
                    }
                    checked += 1
                }
            }
        }
        #expect(checked > 0)
    }

    @Test func labelsPadWithBackgroundAndSameShapeIsIdentity() throws {
        let scan = try FixtureCase.load("crop_or_pad_label").inputScan
        let padded = try CropOrPad(shape: [9, 6, 5], padValue: 5).apply(to: scan, role: .label)
        #expect(padded.tensor[0, 0, 0, 0, 0] == 0)
        let image = try CropOrPad(shape: [9, 6, 5], padValue: 5).apply(to: scan, role: .image)
        #expect(image.tensor[0, 0, 0, 0, 0] == 5)
        let same = try CropOrPad(shape: [7, 6, 5]).apply(to: scan, role: .image)
        #expect(same.tensor == scan.tensor && same.geometry == scan.geometry)
    }

    @Test func badArgumentsAreRefused() throws {
        #expect(throws: MedPrepError.self) { try CropOrPad(shape: [4, 0, 4]) }
        #expect(throws: MedPrepError.self) { try CropOrPad(shape: [4]) }
        #expect(throws: MedPrepError.self) { try CropOrPad(shape: [4, 4, 4], padValue: .nan) }
        let scan = try FixtureCase.load("crop_or_pad_label").inputScan
        let error = #expect(throws: MedPrepError.self) {
            try CropOrPad(shape: [1 << 20, 1 << 20, 1 << 20]).apply(to: scan, role: .image)
        }
        #expect(error?.kind == .tooLarge && error?.path == scan.path)
    }
}
