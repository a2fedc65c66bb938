import Foundation
import Testing
import MedPrepCore
@testable import MedPrepNormalize

/// `MaskedInstanceNormalizer` against the numpy float64 reference of `Scripts/fixtures/make_stage_fixtures.py`
/// (`Tests/Fixtures/batch/instance_masked.json`).
@Suite struct MaskedInstanceNormalizerTests {
    struct Case: Decodable {
        var name: String
        var threshold: Double?
        var eps: Double
        var shape: [Int]
        var input: [Double]
        var expected: [Double]
        var stats: [Statistic]
    }

    struct Statistic: Decodable {
        var count: Int
        var mean: Double
        var `var`: Double
    }

    static func cases() throws -> [Case] {
        struct File: Decodable { var cases: [Case] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/batch/instance_masked.json")
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }

    static func tensor(_ fixture: Case) -> Tensor {
        let s = fixture.shape
        return Tensor(shape: TensorShape(n: s[0], c: s[1], d: s[2], h: s[3], w: s[4]), storage: fixture.input.map { Float($0) })
    }

    @Test func matchesNumpyMaskedZScore() throws {
        for fixture in try Self.cases() {
            var batch = Self.tensor(fixture)
            let normalizer = try MaskedInstanceNormalizer(eps: fixture.eps, mask: fixture.threshold.map { .threshold($0) } ?? .nonzero)
            let statistics = try normalizer.normalize(&batch, context: NormalizationContext(threads: 2))
            let error = zip(batch.storage, fixture.expected).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(error <= 1e-5, "\(fixture.name): max error \(error)")
            #expect(statistics.count == fixture.stats.count)
            for (got, want) in zip(statistics, fixture.stats) {
                #expect(got.count == want.count, "\(fixture.name)")
                #expect(abs(got.mean - want.mean) <= 1e-9 * max(1, abs(want.mean)), "\(fixture.name)")
                #expect(abs(got.variance - want.var) <= 1e-9 * max(1, want.var), "\(fixture.name)")
            }
        }
    }

    /// Outside the mask every voxel is exactly 0; a sample without foreground comes out all 0.
    @Test func outsideTheMaskIsExactlyZero() throws {
        let fixture = try #require(try Self.cases().first { $0.name == "nonzero" })
        var batch = Self.tensor(fixture)
        let input = batch
        _ = try MaskedInstanceNormalizer(eps: 1e-5, mask: .nonzero).normalize(&batch, context: NormalizationContext())
        let spatial = batch.shape.spatialCount, channels = batch.shape.c
        for sample in 0 ..< batch.shape.n {
            for voxel in 0 ..< spatial where input.storage[sample * channels * spatial + voxel] == 0 {
                for channel in 0 ..< channels {
                    #expect(batch.storage[(sample * channels + channel) * spatial + voxel].bitPattern == Float(0).bitPattern)
                }
            }
        }
        #expect(batch.storage[(2 * channels) * spatial ..< 3 * channels * spatial].allSatisfy { $0 == 0 })
    }

    @Test func nonFiniteVoxelsFollowThePolicy() throws {
        let storage: [Float] = [0, 1, 2, 3, .nan, 0, 5, 7]
        let shape = TensorShape(n: 1, c: 1, d: 1, h: 1, w: 8)
        let normalizer = try MaskedInstanceNormalizer(eps: 0, mask: .nonzero)
        var batch = Tensor(shape: shape, storage: storage)
        let refused = #expect(throws: MedPrepError.self) {
            _ = try normalizer.normalize(&batch, context: NormalizationContext(paths: ["a.nii"]))
        }
        #expect(refused?.kind == .nonFinite && refused?.path == "a.nii")
        #expect(batch.storage.map(\.bitPattern) == storage.map(\.bitPattern))
        // Under ignore the NaN channel-0 voxel is background (ForegroundMask), so it becomes 0.
        _ = try normalizer.normalize(&batch, context: NormalizationContext(nonFinite: .ignore))
        let values: [Double] = [1, 2, 3, 5, 7]
        let mean = values.reduce(0, +) / 5
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5).squareRoot()
        #expect(batch.storage[4] == 0 && batch.storage[0] == 0 && batch.storage[5] == 0)
        #expect(abs(Double(batch.storage[7]) - (7 - mean) / std) <= 1e-6)
        #expect(throws: MedPrepError.self) { try MaskedInstanceNormalizer(eps: -1) }
    }

    /// Not an affine normalizer: compare-norms and affine maps never see it as one.
    @Test func isNotAnAffineNormalizer() throws {
        let normalizer: any Normalizer = try MaskedInstanceNormalizer()
        #expect(!(normalizer is any AffineNormalizer))
    }
}
