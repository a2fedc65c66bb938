import Foundation
import MedPrepCore
import Testing
@testable import MedPrepTransform

/// The fused `clip` → `resample` → `crop_or_pad` kernel against numpy's clip, scipy's `map_coordinates` (order 1,
/// or 0 for labels) and TorchIO's crop/pad rule, applied one after the other in float64
/// (`Scripts/fixtures/make_fusion_fixtures.py`, `Tests/Fixtures/batch/fused_*.json`).
@Suite struct FusedResamplingTests {
    static func transform(_ fixture: FixtureCase) throws -> FusedResampling {
        let parameters = fixture.parameters
        return FusedResampling(clip: try Clip(min: try #require(parameters.min), max: try #require(parameters.max)),
                               sampling: try Resample(spacing: try #require(parameters.spacing)),
                               crop: try CropOrPad(shape: try #require(parameters.shape), padValue: parameters.padValue ?? 0))
    }

    @Test(arguments: ["fused_ct_image", "fused_upsampled_image", "fused_label"])
    func matchesClipThenMapCoordinatesThenCropOrPad(_ name: String) throws {
        let fixture = try FixtureCase.load(name)
        let output = try Self.transform(fixture).apply(to: fixture.inputScan, role: fixture.scanRole)
        #expect(output.tensor.shape == fixture.expected.tensorShape)
        #expect(output.tensor.storage.count == fixture.expected.values.count)
        // float64 references rounded to float32: within one float32 ulp of the value (0 for labels).
        let worst = zip(output.tensor.storage, fixture.expected.values).map { got, expected in
            abs(Double(got) - expected) / Double(Float(expected).ulp)
        }.max() ?? 0
        #expect(worst <= (fixture.scanRole == .label ? 0 : 1), "max |Δ| = \(worst) ulp")
        #expect(maxAbsDifference(output.geometry.spacing, fixture.expected.spacing) <= 1e-12)
        #expect(maxAbsDifference(output.geometry.affine.values, fixture.expected.affine) <= 1e-9)
        #expect(maxAbsDifference(try #require(output.geometry.qform).values, fixture.expected.qform) <= 1e-9)
        #expect(maxAbsDifference(try #require(output.geometry.sform).values, fixture.expected.sform) <= 1e-9)
        #expect(output.geometry.qformCode == 1 && output.geometry.sformCode == 2)
    }

    @Test func fusedEqualsTheStagesOneAfterTheOtherBitForBit() throws {
        for name in ["fused_ct_image", "fused_upsampled_image", "fused_label"] {
            let fixture = try FixtureCase.load(name)
            let fused = try Self.transform(fixture)
            let scan = fixture.inputScan
            let a = try fused.apply(to: scan, role: fixture.scanRole)
            let b = try fused.parts.reduce(scan) { try $1.apply(to: $0, role: fixture.scanRole) }
            #expect(a.tensor.shape == b.tensor.shape, "\(name)")
            #expect(a.tensor.storage.map(\.bitPattern) == b.tensor.storage.map(\.bitPattern), "\(name)")
            #expect(a.geometry == b.geometry, "\(name)")
        }
    }
}
