import MedPrepTestSupport
import Testing
import MedPrepCore
@testable import MedPrepNormalize

/// The maps normalizers report (`AffineNormalizer.affineMaps`) are the ones `normalize` applies.
@Suite struct AffineMapTests {
    /// Two samples of three channels, values in a few hundred around different means per channel.
    static func batch() -> Tensor {
        var generator = SplitMix(seed: 7)
        let shape = TensorShape(n: 2, c: 3, d: 1, h: 5, w: 7)
        let storage = (0 ..< shape.count).map { index -> Float in
            let channel = index / shape.spatialCount % 3
            return Float(generator.unit() * 400) + Float(channel * 1000 - 500)
        }
        return Tensor(shape: shape, storage: storage)
    }

    static let context = NormalizationContext(paths: ["a.png", "b.png"], valueRanges: [0 ... 255, -1024 ... 3071], threads: 2)

    static func statistics() throws -> DatasetStatistics {
        var statistics = DatasetStatistics()
        try statistics.accumulate(batch(), mask: nil, nonFinite: .error)
        return statistics
    }

    static func normalizers() throws -> [any AffineNormalizer] {
        [MinMaxNormalizer(), try PercentileNormalizer(lower: 2, upper: 98), ImageNetPreset(),
         try DatasetNormalizer(statistics: statistics()), try DatasetNormalizer(statistics: statistics(), ctClipping: true),
         try GroupNormNormalizer(groups: 3, gamma: [1, 2, 0.5], beta: [0, 1, -1]), try GroupNormNormalizer(groups: 1),
         try InstanceNormNormalizer(), try BatchStatistics(eps: 1e-3, gamma: [2, 1, 1], beta: [0, 0, 3])]
    }

    @Test func normalizeAppliesTheReportedMaps() throws {
        for normalizer in try Self.normalizers() {
            let input = Self.batch()
            let maps = try normalizer.affineMaps(of: input, context: Self.context)
            #expect(maps.count == 2 && maps.allSatisfy { $0.count == 3 }, "\(type(of: normalizer))")
            var normalized = input
            _ = try normalizer.normalize(&normalized, context: Self.context)
            var mapped = input
            try Self.context.apply(maps, to: &mapped, moments: Self.context.channelMoments(input))
            #expect(mapped == normalized, "\(type(of: normalizer))")
            for map in maps.joined() {
                let expected = map.shift - map.center * map.scale
                #expect(abs(map.intercept - expected) <= 1e-12 * Swift.max(1, abs(expected)), "\(type(of: normalizer))")
            }
        }
    }

    @Test func slopeInterceptFormMatchesTheNormalizedValues() throws {
        let input = Self.batch()
        let maps = try MinMaxNormalizer().affineMaps(of: input, context: Self.context)
        var normalized = input
        _ = try MinMaxNormalizer().normalize(&normalized, context: Self.context)
        let spatial = input.shape.spatialCount
        for index in 0 ..< input.shape.count {
            let map = maps[index / spatial / 3][index / spatial % 3]
            let y = map.scale * Double(input.storage[index]) + map.intercept
            #expect(abs(y - Double(normalized.storage[index])) <= 1e-6)
        }
        let percentile = try PercentileNormalizer(lower: 10, upper: 90).affineMaps(of: input, context: Self.context)
        #expect(percentile.joined().allSatisfy { $0.clip != nil && $0.clip?.lowerBound == $0.center })
    }

    @Test func mapsRefuseWhatNormalizeRefuses() throws {
        let input = Self.batch()
        let noRange = NormalizationContext(paths: ["a.png", "b.png"], valueRanges: [0 ... 255])
        let error = try #require(throws: MedPrepError.self) { try ImageNetPreset().affineMaps(of: input, context: noRange) }
        #expect(error.kind == .invalidArgument && error.path == "b.png")
        #expect(throws: MedPrepError.self) { try GroupNormNormalizer(groups: 2).affineMaps(of: input, context: Self.context) }
        var nonFinite = input
        nonFinite.storage[3] = .nan
        let refused = try #require(throws: MedPrepError.self) {
            try MinMaxNormalizer().affineMaps(of: nonFinite, context: Self.context)
        }
        #expect(refused.kind == .nonFinite && refused.path == "a.png")
        let single = try DatasetNormalizer(statistics: Self.statistics())
        #expect(throws: MedPrepError.self) { try single.affineMaps(samples: 1, channels: 2, context: Self.context) }
    }

    /// From per-channel moments (as `compare-norms` gathers them) the maps agree with the ones taken over the voxels.
    @Test func mapsFromChannelMoments() throws {
        let input = Self.batch()
        let moments = try Self.context.channelMoments(input)
        let batch = try BatchStatistics(gamma: [2, 1, 1])
        #expect(try batch.affineMaps(channelMoments: moments, channels: 3) == batch.affineMaps(of: input, context: Self.context))
        let minMax = MinMaxNormalizer()
        #expect(minMax.affineMaps(channelMoments: moments, channels: 3) == (try minMax.affineMaps(of: input, context: Self.context)))
        let group = try GroupNormNormalizer(groups: 1, beta: [1, 2, 3])
        let merged = try group.affineMaps(channelMoments: moments, channels: 3)
        let direct = try group.affineMaps(of: input, context: Self.context)
        for (a, b) in zip(merged.joined(), direct.joined()) {
            #expect(abs(a.center - b.center) <= 1e-12 * abs(b.center) && abs(a.scale - b.scale) <= 1e-12 * b.scale)
            #expect(a.shift == b.shift)
        }
        #expect(throws: MedPrepError.self) { try GroupNormNormalizer(groups: 2).affineMaps(channelMoments: moments, channels: 3) }
    }

    @Test func runningBatchNormEvaluatesWithItsMaps() throws {
        var running = RunningBatchNorm(channels: 3)
        var training = Self.batch()
        _ = try running.train(&training)
        let maps = try running.affineMaps(samples: 2, gamma: [1, 2, 3], beta: [0, 0, 1])
        #expect(maps.count == 2 && maps[0] == maps[1])
        #expect(maps[0][1].center == running.runningMean[1] && maps[0][2].shift == 1)
        var evaluated = Self.batch()
        _ = try running.evaluate(&evaluated, gamma: [1, 2, 3], beta: [0, 0, 1])
        var mapped = Self.batch()
        try NormalizationContext().apply(maps, to: &mapped, moments: NormalizationContext().channelMoments(mapped))
        #expect(mapped == evaluated)
        #expect(throws: MedPrepError.self) { try running.affineMaps(samples: 1, gamma: [1]) }
    }

    @Test func identityAndDefaultIntercept() {
        #expect(AffineMap.identity.scale == 1 && AffineMap.identity.intercept == 0 && AffineMap.identity.clip == nil)
        let map = AffineMap(center: 10, scale: 0.5, shift: 2)
        #expect(map.intercept == -3)
        #expect(AffineMap(center: 10, scale: 0.5, intercept: 7).intercept == 7)
    }
}
