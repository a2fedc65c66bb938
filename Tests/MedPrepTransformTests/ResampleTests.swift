import Foundation
import MedPrepCore
import Testing
@testable import MedPrepTransform

@Suite struct ResampleTests {
    @Test(arguments: ["resample_image_3d", "resample_label_3d", "resample_image_same_ratio_label", "resample_image_2d"])
    func matchesScipyMapCoordinates(_ name: String) throws {
        let fixture = try FixtureCase.load(name)
        let scan = fixture.inputScan
        let output = try Resample(spacing: try #require(fixture.parameters.spacing)).apply(to: scan, role: fixture.scanRole)
        #expect(output.tensor.shape == fixture.expected.tensorShape)
        #expect(output.tensor.storage.count == fixture.expected.values.count)
        let difference = maxAbsDifference(output.tensor.storage.map(Double.init), fixture.expected.values)
        #expect(difference <= (fixture.scanRole == .label ? 0 : 1e-5), "max |Δ| = \(difference)")
        #expect(maxAbsDifference(output.geometry.spacing, fixture.expected.spacing) <= 1e-12)
        #expect(output.geometry.spacing.count == fixture.input.spacing.count)
        #expect(maxAbsDifference(output.geometry.affine.values, fixture.expected.affine) <= 1e-9)
        #expect(maxAbsDifference(try #require(output.geometry.qform).values, fixture.expected.qform) <= 1e-9)
        #expect(maxAbsDifference(try #require(output.geometry.sform).values, fixture.expected.sform) <= 1e-9)
        #expect(output.geometry.qformCode == 1 && output.geometry.sformCode == 2 && output.geometry.affineSource == .sform)
        #expect(output.geometry.xyztUnits == 10)
    }

    @Test func labelsKeepTheirValueSet() throws {
        let fixture = try FixtureCase.load("resample_label_3d")
        let output = try Resample(spacing: [0.37, 0.61, 1.9]).apply(to: fixture.inputScan, role: .label)
        let input = Set(fixture.input.values.map { Float($0) })
        #expect(Set(output.tensor.storage).isSubset(of: input))
    }

    @Test func voxelZeroKeepsItsWorldPosition() throws {
        let fixture = try FixtureCase.load("resample_image_3d")
        let output = try Resample(spacing: [0.5, 1.3, 1.1]).apply(to: fixture.inputScan, role: .image)
        let before = fixture.inputScan.geometry.affine.apply(0, 0, 0)
        let after = output.geometry.affine.apply(0, 0, 0)
        #expect(before == after)
        #expect(output.tensor.storage[0] == fixture.inputScan.tensor.storage[0])
    }

    @Test func sameSpacingIsIdentity() throws {
        let scan = try FixtureCase.load("resample_image_3d").inputScan
        let output = try Resample(spacing: [0.8, 0.9, 2.5]).apply(to: scan, role: .image)
        #expect(output.tensor == scan.tensor)
        #expect(output.geometry == scan.geometry)
    }

    @Test func nanSpreadsOnlyWhereInterpolated() throws {
        var storage = [Float](repeating: 1, count: 8)
        storage[7] = .nan
        let scan = Scan(path: "nan.png", header: ScanHeader(format: .png, dataType: "uint8", bitsPerSample: 8),
                        tensor: Tensor(shape: TensorShape(c: 1, h: 1, w: 8), storage: storage), geometry: .pixel())
        let output = try Resample(spacing: [2, 1]).apply(to: scan, role: .image)
        #expect(output.tensor.shape.w == 4)
        #expect(output.tensor.storage.allSatisfy { $0 == 1 })
    }

    @Test func planarRulesAndBadArguments() throws {
        let planar = try FixtureCase.load("resample_image_2d").inputScan
        let volume = try FixtureCase.load("resample_image_3d").inputScan
        #expect(try Resample(spacing: [0.5, 0.5, 1]).apply(to: planar, role: .image).tensor.shape.d == 1)
        let alongK = #expect(throws: MedPrepError.self) { try Resample(spacing: [0.5, 0.5, 0.5]).apply(to: planar, role: .image) }
        #expect(alongK?.kind == .invalidArgument && alongK?.path == planar.path)
        let twoEntries = #expect(throws: MedPrepError.self) { try Resample(spacing: [0.5, 0.5]).apply(to: volume, role: .image) }
        #expect(twoEntries?.kind == .invalidArgument)
        #expect(throws: MedPrepError.self) { try Resample(spacing: [1, 0, 1]) }
        #expect(throws: MedPrepError.self) { try Resample(spacing: [1, .nan, 1]) }
        #expect(throws: MedPrepError.self) { try Resample(spacing: [1]) }
        var broken = volume
        broken.geometry.spacing = [0.8, 0, 2.5]
        let malformed = #expect(throws: MedPrepError.self) { try Resample(spacing: [1, 1, 1]).apply(to: broken, role: .image) }
        #expect(malformed?.kind == .malformed)
    }

    @Test func hugeOutputIsRefusedBeforeAllocation() throws {
        let volume = try FixtureCase.load("resample_image_3d").inputScan
        let error = #expect(throws: MedPrepError.self) {
            try Resample(spacing: [1e-6, 1e-6, 1e-6], limits: DecodeLimits(maxVoxels: 1 << 20)).apply(to: volume, role: .image)
        }
        #expect(error?.kind == .tooLarge)
        #expect(throws: MedPrepError.self) {
            try Resample(spacing: [1e-300, 1, 1]).apply(to: volume, role: .image)
        }
    }
}
