import Foundation
import Testing
import MedPrepCore
@testable import MedPrepNormalize

@Suite struct DatasetStatisticsTests {
    static let dataset = Fixtures.manifest["dataset"]

    static func shards() throws -> [Tensor] {
        try zip(dataset["shards"].array, dataset["shapes"].array).map { file, shape in
            Tensor(shape: Fixtures.shape(shape), storage: try Fixtures.floats(file.string))
        }
    }

    static func mask(_ key: String) -> ForegroundMask? {
        switch key {
        case "nonzero": return .nonzero
        case "threshold": return .threshold(dataset["expected"]["threshold"]["mask"]["threshold"].double ?? .nan)
        default: return nil
        }
    }

    static func statistics(_ shards: [Tensor], mask: ForegroundMask?, threads: Int = 2) throws -> DatasetStatistics {
        var statistics = DatasetStatistics()
        for shard in shards { try statistics.accumulate(shard, mask: mask, path: "shard", threads: threads) }
        return statistics
    }

    static func close(_ a: Double, _ b: Double, relative: Double = 1e-12) -> Bool {
        abs(a - b) <= relative * max(abs(a), abs(b))
    }

    @Test(arguments: ["none", "nonzero", "threshold"])
    func matchesNumpy(maskKey: String) throws {
        let statistics = try Self.statistics(try Self.shards(), mask: Self.mask(maskKey))
        let expected = Self.dataset["expected"][maskKey]["channels"].array
        #expect(statistics.files == 4 && statistics.channels.count == expected.count)
        for (channel, reference) in zip(statistics.channels, expected) {
            #expect(channel.count == reference["count"].int)
            #expect(Self.close(channel.mean, reference["mean"].double ?? .nan), "\(maskKey) mean")
            #expect(Self.close(channel.variance, reference["var"].double ?? .nan), "\(maskKey) var")
            #expect(Self.close(channel.moments.m2, reference["m2"].double ?? .nan), "\(maskKey) m2")
            #expect(channel.min == reference["min"].double && channel.max == reference["max"].double)
            #expect(reference["percentiles"].array.count == 9)
            for p in reference["percentiles"].array {
                let q = p["p"].double ?? .nan
                let estimate = try #require(try statistics.percentile(q, channel: channel.channel))
                let exact = p["value"].double ?? .nan
                let bound = QuantileSketch.alpha * max(abs(p["low"].double ?? .nan), abs(p["high"].double ?? .nan))
                    * (1 + 1e-9) + Double(Float.leastNormalMagnitude)
                #expect(abs(estimate - exact) <= bound, "\(maskKey) p\(q): \(estimate) vs numpy \(exact), bound \(bound)")
            }
        }
    }

    @Test func mergedShardsEqualSinglePassInAnyOrder() throws {
        let shards = try Self.shards()
        let mask = Self.mask("threshold")
        let single = try Self.statistics(shards, mask: mask, threads: 1)
        let parts = try shards.map { try Self.statistics([$0], mask: mask) }
        for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2], [2, 0, 1]] {
            var merged = DatasetStatistics()
            for index in order { try merged.merge(parts[index]) }
            #expect(merged.files == single.files && merged.mask == single.mask)
            for (a, b) in zip(merged.channels, single.channels) {
                #expect(a.count == b.count && a.min == b.min && a.max == b.max)
                #expect(Self.close(a.mean, b.mean) && Self.close(a.moments.m2, b.moments.m2), "order \(order)")
                #expect(a.sketch == b.sketch)
            }
        }
    }

    @Test func jsonRoundTripAndVersionCheck() throws {
        let statistics = try Self.statistics(try Self.shards(), mask: .nonzero)
        let data = try statistics.jsonData()
        let decoded = try DatasetStatistics.decode(data, path: "stats.json")
        #expect(decoded == statistics)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["version"] as? Int == 1 && object["files"] as? Int == 4)
        let channel = try #require((object["channels"] as? [[String: Any]])?.first)
        for key in ["channel", "count", "mean", "var", "std", "min", "max", "p0_5", "p99_5", "m2", "sketch"] {
            #expect(channel[key] != nil, "missing \(key)")
        }
        let wrong = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 2")
        let error = try #require(throws: MedPrepError.self) { try DatasetStatistics.decode(Data(wrong.utf8), path: "stats.json") }
        #expect(error.kind == .unsupported && error.path == "stats.json" && error.reason.contains("version 2"))
        let garbage = try #require(throws: MedPrepError.self) { try DatasetStatistics.decode(Data("{}".utf8), path: "x.json") }
        #expect(garbage.kind == .malformed && garbage.path == "x.json")
    }

    @Test func mismatchedMaskOrChannelsAreErrors() throws {
        let shards = try Self.shards()
        var statistics = try Self.statistics([shards[0]], mask: .nonzero)
        #expect(throws: MedPrepError.self) { try statistics.accumulate(shards[1], mask: nil) }
        let oneChannel = Tensor(shape: TensorShape(c: 1, h: 2, w: 2), repeating: 1)
        #expect(throws: MedPrepError.self) { try statistics.accumulate(oneChannel, mask: .nonzero) }
        #expect(throws: MedPrepError.self) { try statistics.merge(try Self.statistics([shards[1]], mask: nil)) }
        #expect(throws: MedPrepError.self) { try statistics.percentile(101, channel: 0) }
        var bad = Tensor(shape: TensorShape(c: 1, h: 2, w: 2), repeating: 1)
        bad.storage[1] = .nan
        var fresh = DatasetStatistics()
        let error = try #require(throws: MedPrepError.self) { try fresh.accumulate(bad, mask: nil, path: "nan.nii") }
        #expect(error.kind == .nonFinite && error.path == "nan.nii" && fresh.files == 0)
        try fresh.accumulate(bad, mask: nil, nonFinite: .ignore)
        #expect(fresh.channels[0].count == 3 && fresh.channels[0].moments.nonFinite == 1)
    }

    @Test func datasetNormalizerMatchesNumpy() throws {
        let shards = try Self.shards()
        let statistics = try Self.statistics(shards, mask: Self.mask("threshold"))
        var zscore = shards[0]
        _ = try DatasetNormalizer(statistics: statistics).normalize(&zscore, context: NormalizationContext())
        let zError = Fixtures.maxError(zscore.storage, try Fixtures.floats(Self.dataset["zscore"].string))
        #expect(zError <= 1e-5, "z-score error \(zError)")
        var ct = shards[0]
        let stats = try DatasetNormalizer(statistics: statistics, ctClipping: true).normalize(&ct, context: NormalizationContext())
        #expect(stats.count == 2 && stats[1].group == 1 && stats[0].count == shards[0].shape.spatialCount)
        let expected = Self.dataset["expected"]["threshold"]["channels"].array
        let reference = try Fixtures.floats(Self.dataset["ct"].string)
        let spatial = ct.shape.spatialCount
        for c in 0 ..< 2 {
            // The clip bounds come from the sketch: each within α·|p| of numpy's exact percentile.
            let p = expected[c]["percentiles"].array.filter { [0.5, 99.5].contains($0["p"].double ?? -1) }
            let slack = QuantileSketch.alpha * p.map { abs($0["high"].double ?? .nan) + abs($0["low"].double ?? .nan) }.max()!
                / statistics.channels[c].std
            let error = Fixtures.maxError(Array(ct.storage[c * spatial ..< (c + 1) * spatial]),
                                          Array(reference[c * spatial ..< (c + 1) * spatial]))
            #expect(error <= slack + 1e-5, "CT channel \(c): \(error) > \(slack)")
        }
    }
}
