import Testing
import MedPrepCore
@testable import MedPrepNormalize

/// Finite input never gives NaN/±inf output (issue 14, item 10). Expected values are derived by hand in the
/// comments: `d = 2⁻¹⁴⁹` is float32's smallest denormal (1.4e-45), `v = Float(3e38)`.
@Suite struct NonFiniteOutputTests {
    static let d = Float.leastNonzeroMagnitude
    static let v = Float(3.0e38)

    /// One channel of `count` voxels alternating `a`, `b`.
    static func alternating(_ a: Float, _ b: Float, count: Int = 4096) -> Tensor {
        Tensor(shape: TensorShape(c: 1, d: 16, h: 16, w: count / 256),
               storage: (0 ..< count).map { $0 % 2 == 0 ? a : b })
    }

    static let context = NormalizationContext(paths: ["a.nii"], threads: 2)

    /// min 0, max d: `(x − 0)·(1/d)` in Double is `d·2¹⁴⁹ = 1` exactly (Float `1/d` overflows to +inf, which
    /// made 0·inf = NaN and d·inf = inf before).
    @Test func minMaxOverADenormalRangeGivesZeroAndOne() throws {
        var batch = Self.alternating(0, Self.d)
        _ = try MinMaxNormalizer().normalize(&batch, context: Self.context)
        #expect(batch.storage.enumerated().allSatisfy { $0.element == ($0.offset % 2 == 0 ? 0 : 1) })
    }

    /// min −v, max v: `(x + v)/(2v)` is 0, ½, 1 for −v, 0, v (Float `x + v` overflowed to +inf before).
    @Test func minMaxOverARangeWiderThanFloatGivesExactValues() throws {
        var batch = Tensor(shape: TensorShape(c: 1, d: 1, h: 1, w: 48),
                           storage: (0 ..< 48).map { [-Self.v, 0, Self.v][$0 % 3] })
        _ = try MinMaxNormalizer().normalize(&batch, context: Self.context)
        #expect(batch.storage.enumerated().allSatisfy { $0.element == [0, 0.5, 1][$0.offset % 3] }, "\(batch.storage.prefix(3))")
    }

    /// With half the voxels 0 and half d, numpy's linear p0.5 is `v₂₀ = 0` and p99.5 is `v₄₀₇₄ = d`
    /// (`h = 0.005·4095 = 20.475`, `h = 0.995·4095 = 4074.5`), so the output is that of min-max: 0 and 1.
    @Test func percentileOverADenormalRangeGivesZeroAndOne() throws {
        var batch = Self.alternating(0, Self.d)
        _ = try PercentileNormalizer().normalize(&batch, context: Self.context)
        #expect(batch.storage.enumerated().allSatisfy { $0.element == ($0.offset % 2 == 0 ? 0 : 1) })
        var wide = Self.alternating(-Self.v, Self.v)
        _ = try PercentileNormalizer().normalize(&wide, context: Self.context)
        #expect(wide.storage.enumerated().allSatisfy { $0.element == ($0.offset % 2 == 0 ? 0 : 1) })
    }

    /// ±v half and half: mean 0, biased variance v², `rstd = 1/√(v² + 1e-5) = 1/v` to Double precision, so
    /// `y = ±1` (rstd ≈ 3.3e-39 is a float32 denormal: the Float scale lost ~7 of its 24 bits before).
    @Test func groupNormOverHugeValuesGivesPlusMinusOne() throws {
        var batch = Self.alternating(-Self.v, Self.v)
        _ = try GroupNormNormalizer(groups: 1).normalize(&batch, context: Self.context)
        #expect(batch.storage.enumerated().allSatisfy { abs($0.element - ($0.offset % 2 == 0 ? -1 : 1)) <= 1e-6 },
                "\(batch.storage.prefix(2))")
    }

    /// Values 0, 1, 2, 3: mean 1.5, variance 1.25, `(3 − 1.5)/√1.25 ≈ 1.342`; with γ = 3e38 the 2048 voxels
    /// 0 and 3 give ∓4.0e38, beyond float32: the case fails naming the file and the channel.
    @Test func outputBeyondFloatFailsAsNonFinite() throws {
        let values: [Float] = (0 ..< 4096).map { Float($0 % 4) }
        var batch = Tensor(shape: TensorShape(c: 2, d: 16, h: 16, w: 16), storage: values + values)
        let error = try #require(throws: MedPrepError.self) {
            try GroupNormNormalizer(groups: 2, gamma: [1, 3e38], beta: nil).normalize(&batch, context: Self.context)
        }
        #expect(error.kind == .nonFinite && error.path == "a.nii")
        #expect(error.reason.contains("channel 1 of sample 0"), "\(error.reason)")
        #expect(error.reason.contains("2048 finite voxels"), "\(error.reason)")
        var batchNorm = Tensor(shape: TensorShape(c: 1, d: 16, h: 16, w: 16), storage: values)
        let batchError = try #require(throws: MedPrepError.self) {
            try BatchStatistics(eps: 1e-5, gamma: [3e38], beta: nil).normalize(&batchNorm, context: Self.context)
        }
        #expect(batchError.kind == .nonFinite && batchError.reason.contains("channel 0"), "\(batchError.reason)")
    }

    /// The policies keep their meaning on the Double path: NaN passes through under `.ignore` (not counted as
    /// made by the normalizer) and is normalized as 0 under `.zero`.
    @Test func policiesHoldOnTheDoublePath() throws {
        var storage = Self.alternating(0, Self.d).storage
        storage[5] = .nan
        var ignored = Tensor(shape: TensorShape(c: 1, d: 16, h: 16, w: 16), storage: storage)
        _ = try MinMaxNormalizer().normalize(&ignored, context: NormalizationContext(paths: ["a.nii"], nonFinite: .ignore))
        #expect(ignored.storage[5].isNaN && ignored.storage[3] == 1 && ignored.storage[4] == 0)
        var zeroed = Tensor(shape: TensorShape(c: 1, d: 16, h: 16, w: 16), storage: storage)
        _ = try MinMaxNormalizer().normalize(&zeroed, context: NormalizationContext(paths: ["a.nii"], nonFinite: .zero))
        #expect(zeroed.storage[5] == 0 && zeroed.storage[3] == 1)
        var refused = Tensor(shape: TensorShape(c: 1, d: 16, h: 16, w: 16), storage: storage)
        let error = try #require(throws: MedPrepError.self) {
            try MinMaxNormalizer().normalize(&refused, context: NormalizationContext(paths: ["a.nii"]))
        }
        #expect(error.kind == .nonFinite && error.reason.contains("1 non-finite voxel (NaN or ±inf)"))
    }

    /// Ordinary maps stay on the Float path (GroupNorm's bytes are unchanged); the ones that overflow do not.
    @Test func floatPathIsChosenOnlyWhenSafe() {
        #expect(ChannelAffine(AffineMap(center: 300, scale: 1 / 50.0)).isFloatSafe(over: -1000 ... 3000))
        #expect(ChannelAffine(AffineMap(center: 0, scale: 0)).isFloatSafe(over: 0 ... 0))
        #expect(ChannelAffine(AffineMap(center: 0, scale: 1)).isFloatSafe(over: nil))
        #expect(!ChannelAffine(AffineMap(center: 0, scale: 1 / Double(Self.d))).isFloatSafe(over: 0 ... Double(Self.d)))
        #expect(!ChannelAffine(AffineMap(center: -3e38, scale: 1 / 6e38)).isFloatSafe(over: -3e38 ... 3e38))
        #expect(!ChannelAffine(AffineMap(center: 0, scale: 1e30)).isFloatSafe(over: -1e10 ... 1e10))
    }

    /// The fused check of the SIMD path counts outputs that overflow in the vector part and in the tail.
    @Test func vectorPathCountsOverflow() {
        var values = [Float](repeating: 1, count: 35)
        values[7] = 1e30
        values[34] = -1e30
        let map = ChannelAffine(AffineMap(center: 0, scale: 1e9))
        let produced = values.withUnsafeMutableBufferPointer { map.applyVector(to: $0) }
        #expect(produced == 2 && values[7] == .infinity && values[34] == -.infinity && values[0] == 1e9)
        var fine = [Float](repeating: 2, count: 35)
        #expect(fine.withUnsafeMutableBufferPointer { map.applyVector(to: $0) } == 0)
    }
}
