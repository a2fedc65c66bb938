import MedPrepCore

/// Per sample and channel: clip to the exact percentiles `[p_lo, p_hi]` and scale to `[0, 1]`:
/// `y = (clamp(x, p_lo, p_hi) − p_lo) / (p_hi − p_lo)`, 0 when `p_hi == p_lo`. A denormal or ±3e38-wide
/// `[p_lo, p_hi]` is mapped in Double (`ChannelAffine`), so the output stays the exact 0…1 values.
///
/// Percentiles follow numpy's default `'linear'` method over the counted values `v` sorted ascending:
/// `h = (p/100)(n − 1)`, `k = ⌊h⌋`, `P = v_k + (h − k)(v_{k+1} − v_k)` (in Double).
public struct PercentileNormalizer: Normalizer {
    public let lower: Double
    public let upper: Double

    public var name: String { "percentile" }

    /// Throws `.invalidArgument` unless `0 ≤ lower < upper ≤ 100`.
    public init(lower: Double = 0.5, upper: Double = 99.5) throws {
        guard lower >= 0, upper <= 100, lower < upper else {
            throw MedPrepError(.invalidArgument, path: nil,
                reason: "percentile bounds \(lower) and \(upper) must satisfy 0 ≤ lower < upper ≤ 100")
        }
        self.lower = lower
        self.upper = upper
    }

    /// numpy `'linear'` percentile `p` of values sorted ascending (non-empty).
    public static func percentile(sorted values: [Float], _ p: Double) -> Double {
        let h = p / 100 * Double(values.count - 1)
        let k = Swift.min(Int(h.rounded(.down)), values.count - 1)
        let t = h - Double(k)
        guard k + 1 < values.count else { return Double(values[k]) }
        let a = Double(values[k]), b = Double(values[k + 1])
        return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1 - t)
    }

    public func normalize(_ batch: inout Tensor, context: NormalizationContext) throws -> [GroupStatistics] {
        let moments = try context.channelMoments(batch)
        let spatial = batch.shape.spatialCount
        let policy = context.nonFinite
        var bounds = [ClosedRange<Double>?](repeating: nil, count: moments.count)
        batch.storage.withUnsafeBufferPointer { storage in
            bounds.withUnsafeMutableBufferPointer { output in
                nonisolated(unsafe) let input = storage
                nonisolated(unsafe) let results = output
                let (lower, upper) = (self.lower, self.upper)
                Parallel.forEach(tasks: moments.count, threads: context.threads) { segment in
                    var values = [Float]()
                    values.reserveCapacity(spatial)
                    for x in input[segment * spatial ..< (segment + 1) * spatial] {
                        if x.isFinite { values.append(x) } else if policy == .zero { values.append(0) }
                    }
                    guard !values.isEmpty else { return }
                    values.sort()
                    results[segment] = Self.percentile(sorted: values, lower) ... Self.percentile(sorted: values, upper)
                }
            }
        }
        let maps = bounds.map { range -> ChannelAffine in
            guard let range, range.upperBound > range.lowerBound else {
                return ChannelAffine(mean: range?.lowerBound ?? 0, scale: 0, shift: 0)
            }
            return ChannelAffine(mean: range.lowerBound, scale: 1 / (range.upperBound - range.lowerBound),
                                 shift: 0, clip: range)
        }
        try context.apply(maps, to: &batch, moments: moments)
        return context.channelStatistics(moments, channels: batch.shape.c)
    }
}
