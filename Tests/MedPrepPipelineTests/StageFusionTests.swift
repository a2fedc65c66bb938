import MedPrepCore
import MedPrepTransform
import Testing
@testable import MedPrepPipeline

/// `StageFusion`: the fused plan gives bit-identical outputs and geometry to the separate stages, and fuses only
/// the adjacent pattern `orient`? → `clip`? → `resample` | `resize` → `crop_or_pad`?.
@Suite struct StageFusionTests {
    /// A 2-channel 23×17×9 volume with anisotropic spacing, an oblique-free affine with a translation, values
    /// spread over −3000…5000 (beyond the clip bounds), one NaN and one infinity.
    static func volume() -> Scan {
        let shape = TensorShape(c: 2, d: 9, h: 17, w: 23)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var storage = (0 ..< shape.count).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int(state >> 33) % 8001 - 3000) + 0.25
        }
        storage[400] = .nan
        storage[1234] = .infinity
        let spacing = [0.7, 0.9, 2.5]
        var affine = Affine.scaling(spacing)
        (affine[0, 3], affine[1, 3], affine[2, 3]) = (-12.5, 30.25, -7)
        let geometry = ScanGeometry(spacing: spacing, affine: affine, affineSource: .sform, qformCode: 1, qform: affine,
                                    sformCode: 2, sform: affine, xyztUnits: 10)
        return Scan(path: "fusion.nii.gz", header: ScanHeader(format: .nifti1, dataType: "int16", bitsPerSample: 16),
                    tensor: Tensor(shape: shape, storage: storage), geometry: geometry)
    }

    static let pipelines: [[StageSpec]] = [
        [.clip(min: -1024, max: 3000), .resample(spacing: [1.5, 1.5, 1.5], interpolation: .linear), .cropOrPad(shape: [12, 8, 20], padValue: -7)],
        [.clip(min: -1024, max: 3000), .resample(spacing: [1.1, 0.6, 3.1], interpolation: .linear)],
        [.resample(spacing: [0.5, 1.3, 1.1], interpolation: .linear), .cropOrPad(shape: [40, 9, 7], padValue: 0)],
        [.clip(min: 0, max: 100), .resample(spacing: [1.5, 1.5, 1.5], interpolation: .nearest), .cropOrPad(shape: [5, 30, 6], padValue: 3)],
        [.clip(min: -500, max: 500), .resize(shape: [30, 10, 4], interpolation: .linear), .cropOrPad(shape: [20, 12], padValue: 1)],
        [.resize(shape: [7, 40, 9], interpolation: .nearest), .cropOrPad(shape: [9, 20, 11], padValue: 0)],
        [.clip(min: -1024, max: 3000), .resample(spacing: [0.7, 0.9, 2.5], interpolation: .linear), .cropOrPad(shape: [10, 10, 10], padValue: 0)],
        // orient read through reversed axes (RAS → LPS, LAI, RPS), and one that permutes axes (ASR: a copy first)
        [.orient(to: "LPS")!, .clip(min: -1024, max: 3000), .resample(spacing: [1.5, 1.5, 1.5], interpolation: .linear), .cropOrPad(shape: [12, 8, 20], padValue: -7)],
        [.orient(to: "LAI")!, .resample(spacing: [0.5, 1.3, 1.1], interpolation: .linear), .cropOrPad(shape: [40, 9, 7], padValue: 0)],
        [.orient(to: "RPS")!, .clip(min: 0, max: 100), .resample(spacing: [1.5, 1.5, 1.5], interpolation: .nearest)],
        [.orient(to: "LPI")!, .resize(shape: [30, 10, 4], interpolation: .linear), .cropOrPad(shape: [20, 12], padValue: 1)],
        [.orient(to: "ASR")!, .clip(min: -1024, max: 3000), .resample(spacing: [1.1, 0.6, 3.1], interpolation: .linear), .cropOrPad(shape: [9, 9, 9], padValue: 0)],
        [.orient(to: "RAS")!, .resample(spacing: [1.5, 1.5, 1.5], interpolation: .linear)],
    ]

    @Test(arguments: pipelines.indices)
    func fusedMatchesSeparateStagesBitForBit(_ index: Int) throws {
        let stages = Self.pipelines[index]
        let fused = try StagePlan(stages: stages, limits: .default)
        let separate = try StagePlan(stages: stages, limits: .default, fusing: false)
        #expect(fused.transforms.count == 1 && fused.transforms[0] is FusedResampling)
        #expect(separate.transforms.count == stages.count)
        let scan = Self.volume()
        for role in ScanRole.allCases {
            let a = try fused.transforms.reduce(scan) { try $1.apply(to: $0, role: role) }
            let b = try separate.transforms.reduce(scan) { try $1.apply(to: $0, role: role) }
            #expect(a.tensor.shape == b.tensor.shape, "\(role)")
            #expect(a.tensor.storage.map(\.bitPattern) == b.tensor.storage.map(\.bitPattern), "\(role): values differ")
            #expect(a.geometry == b.geometry, "\(role)")
        }
    }

    @Test func onlyTheAdjacentPatternIsFused() throws {
        let limits = DecodeLimits.default
        let resample = StageSpec.resample(spacing: [1.5, 1.5, 1.5], interpolation: .linear)
        let clip = StageSpec.clip(min: 0, max: 1)
        let crop = StageSpec.cropOrPad(shape: [4, 4, 4], padValue: 0)
        let orient = try #require(StageSpec.orient(to: "RAS"))
        let names = { (stages: [StageSpec]) in try StagePlan(stages: stages, limits: limits).transforms.map(\.name) }
        #expect(try names([resample, clip, crop]) == ["resample", "clip", "crop_or_pad"])
        #expect(try names([clip, orient, resample, crop]) == ["clip", "orient+resample+crop_or_pad"])
        #expect(try names([orient, clip, resample, crop]) == ["orient+clip+resample+crop_or_pad"])
        #expect(try names([orient, crop]) == ["orient", "crop_or_pad"])
        #expect(try names([clip, resample, orient, crop]) == ["clip+resample", "orient", "crop_or_pad"])
        #expect(try names([resample]) == ["resample"])
        #expect(try names([clip, clip, resample, crop, crop]) == ["clip", "clip+resample+crop_or_pad", "crop_or_pad"])
    }
}
