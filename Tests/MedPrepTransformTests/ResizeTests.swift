import Foundation
import MedPrepCore
import Testing
@testable import MedPrepTransform

/// `Resize` against `scipy.ndimage.zoom(grid_mode=True, mode='nearest')` (`Scripts/fixtures/make_stage_fixtures.py`).
@Suite struct ResizeTests {
    @Test(arguments: ["resize_image_3d", "resize_image_nearest", "resize_label_3d", "resize_image_2d"])
    func matchesScipyGridModeZoom(_ fixtureName: String) throws {
        let fixture = try FixtureCase.load(fixtureName)
        let name = try #require(fixture.parameters.interpolation)
        let interpolation = try #require(Resample.Interpolation(rawValue: name))
        let output = try Resize(shape: try #require(fixture.parameters.shape), interpolation: interpolation)
            .apply(to: fixture.inputScan, role: fixture.scanRole)
        #expect(output.tensor.shape == fixture.expected.tensorShape)
        #expect(output.tensor.storage.count == fixture.expected.values.count)
        let difference = maxAbsDifference(output.tensor.storage.map(Double.init), fixture.expected.values)
        #expect(difference <= (fixture.scanRole == .label || interpolation == .nearest ? 0 : 1e-5), "max |Δ| = \(difference)")
        #expect(maxAbsDifference(output.geometry.spacing, fixture.expected.spacing) <= 1e-12)
        #expect(maxAbsDifference(output.geometry.affine.values, fixture.expected.affine) <= 1e-9)
        #expect(maxAbsDifference(try #require(output.geometry.qform).values, fixture.expected.qform) <= 1e-9)
        #expect(maxAbsDifference(try #require(output.geometry.sform).values, fixture.expected.sform) <= 1e-9)
        #expect(output.geometry.qformCode == 1 && output.geometry.sformCode == 2 && output.geometry.affineSource == .sform)
    }

    /// Labels use nearest whatever the interpolation; the same size is the identity.
    @Test func labelsStayNearestAndSameShapeIsIdentity() throws {
        let fixture = try FixtureCase.load("resize_label_3d")
        let output = try Resize(shape: [4, 3, 3], interpolation: .linear).apply(to: fixture.inputScan, role: .label)
        #expect(output.tensor.storage.map(Double.init) == fixture.expected.values)
        let scan = fixture.inputScan
        let same = try Resize(shape: [8, 6, 6]).apply(to: scan, role: .image)
        #expect(same.tensor == scan.tensor && same.geometry == scan.geometry)
    }

    @Test func planarRulesAndBadArguments() throws {
        let planar = try FixtureCase.load("resize_image_2d").inputScan
        #expect(try Resize(shape: [5, 4, 1]).apply(to: planar, role: .image).tensor.shape.d == 1)
        let error = #expect(throws: MedPrepError.self) { try Resize(shape: [5, 4, 3]).apply(to: planar, role: .image) }
        #expect(error?.kind == .invalidArgument && error?.path == planar.path)
        #expect(throws: MedPrepError.self) { try Resize(shape: [4]) }
        #expect(throws: MedPrepError.self) { try Resize(shape: [4, 0]) }
        let huge = #expect(throws: MedPrepError.self) {
            try Resize(shape: [1 << 20, 1 << 20, 1]).apply(to: planar, role: .image)
        }
        #expect(huge?.kind == .tooLarge)
    }
}
