import Foundation
import Testing
import MedPrepCore
@testable import MedPrepNormalize

@Suite struct NormalizerTests {
    static func entry(_ name: String) throws -> JSONValue {
        try #require(Fixtures.cases("normalizers").first { $0["name"].string == name })
    }

    static func context(_ entry: JSONValue) -> NormalizationContext {
        NormalizationContext(paths: ["a.png", "b.png"],
                             valueRanges: entry["valueRanges"].array.map { r in
                                 let bounds = r.doubles ?? [0, 1]
                                 return bounds[0] ... bounds[1]
                             })
    }

    static func check(_ normalizer: some Normalizer, fixture name: String, tolerance: Double = 1e-5) throws -> [GroupStatistics] {
        let entry = try entry(name)
        var batch = try Fixtures.tensor(entry)
        let statistics = try normalizer.normalize(&batch, context: context(entry))
        let error = Fixtures.maxError(batch.storage, try Fixtures.floats(entry["expected"].string))
        #expect(error <= tolerance, "\(type(of: normalizer)) (\(name)): max error \(error)")
        #expect(statistics.count == batch.shape.n * batch.shape.c)
        return statistics
    }

    @Test func minMax() throws {
        let statistics = try Self.check(MinMaxNormalizer(), fixture: "minmax")
        #expect(statistics[4].sample == 1 && statistics[4].group == 1 && statistics[4].channels == 1 ..< 2)
    }

    @Test func percentiles() throws {
        _ = try Self.check(PercentileNormalizer(), fixture: "percentile_0.5_99.5")
        _ = try Self.check(PercentileNormalizer(lower: 2, upper: 98), fixture: "percentile_2_98")
        #expect(throws: MedPrepError.self) { try PercentileNormalizer(lower: 60, upper: 40) }
    }

    @Test func exactPercentileMatchesNumpyLinear() {
        let sorted: [Float] = [1, 2, 4, 8, 16]
        #expect(PercentileNormalizer.percentile(sorted: sorted, 0) == 1)
        #expect(PercentileNormalizer.percentile(sorted: sorted, 100) == 16)
        #expect(PercentileNormalizer.percentile(sorted: sorted, 50) == 4)
        #expect(PercentileNormalizer.percentile(sorted: sorted, 90) == 12.8)  // np.percentile([1,2,4,8,16], 90)
    }

    @Test func imageNet() throws {
        _ = try Self.check(ImageNetPreset(), fixture: "imagenet")
        _ = try Self.check(ImageNetPreset(), fixture: "imagenet_gray")
        var batch = try Fixtures.tensor(try Self.entry("imagenet"))
        let error = try #require(throws: MedPrepError.self) {
            try ImageNetPreset().normalize(&batch, context: NormalizationContext(paths: ["a.png", "b.png"], valueRanges: [0 ... 255]))
        }
        #expect(error.kind == .invalidArgument && error.path == "b.png")
        var two = Tensor(shape: TensorShape(c: 2, h: 2, w: 2), repeating: 1)
        #expect(throws: MedPrepError.self) { try ImageNetPreset().normalize(&two, context: NormalizationContext(valueRanges: [0 ... 255])) }
    }

    @Test func instanceNorm() throws {
        let entry = try Self.entry("instancenorm")
        let statistics = try Self.check(InstanceNormNormalizer(), fixture: "instancenorm")
        for (s, r) in zip(statistics, entry["stats"].array) {
            #expect(abs(s.mean - (r["mean"].double ?? .nan)) <= 1e-12 * abs(s.mean))
            #expect(abs(s.variance - (r["var"].double ?? .nan)) <= 1e-11 * s.variance)
        }
    }

    @Test func groupNormNormalizerEqualsGroupNorm() throws {
        var a = try Fixtures.tensor(try Self.entry("minmax"))
        var b = a
        let normalizer = try GroupNormNormalizer(groups: 3)
        let s1 = try normalizer.normalize(&a, context: NormalizationContext(threads: 1))
        let s2 = try GroupNorm(groups: 3, threads: 2).apply(to: &b)
        #expect(a == b && s1 == s2)
    }

    @Test func batchStatistics() throws {
        let statistics = try Self.check(BatchStatistics(), fixture: "batchnorm")
        #expect(statistics.map(\.sample) == [0, 0, 0, 1, 1, 1])
    }

    @Test func nonFiniteUnderIgnoreIsWrittenThrough() throws {
        var batch = Tensor(shape: TensorShape(c: 1, h: 1, w: 4), storage: [1, .nan, 3, .infinity])
        let statistics = try MinMaxNormalizer().normalize(&batch, context: NormalizationContext(nonFinite: .ignore))
        #expect(batch.storage[0] == 0 && batch.storage[1].isNaN && batch.storage[2] == 1 && batch.storage[3] == .infinity)
        #expect(statistics[0].count == 2 && statistics[0].nonFinite == 2)
        var zeroed = Tensor(shape: TensorShape(c: 1, h: 1, w: 4), storage: [1, .nan, 3, .infinity])
        _ = try MinMaxNormalizer().normalize(&zeroed, context: NormalizationContext(nonFinite: .zero))
        #expect(zeroed.storage == [1.0 / 3, 0, 1, 0])
        var refused = Tensor(shape: TensorShape(c: 1, h: 1, w: 2), storage: [1, .nan])
        let error = try #require(throws: MedPrepError.self) {
            try PercentileNormalizer().normalize(&refused, context: NormalizationContext(paths: ["x.tif"]))
        }
        #expect(error.kind == .nonFinite && error.path == "x.tif")
    }
}
