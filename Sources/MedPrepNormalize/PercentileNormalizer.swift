import MedPrepCore

/// Per sample and channel: clip to the exact percentiles `[p_lo, p_hi]` and scale to `[0, 1]`:
/// `y = (clamp(x, p_lo, p_hi) − p_lo) / (p_hi − p_lo)`, 0 when `p_hi == p_lo`. A denormal or ±3e38-wide
/// `[p_lo, p_hi]` is mapped in Double (`ChannelAffine`), so the output stays the exact 0…1 values.
///
/// Percentiles follow numpy's default `'linear'` method over the counted values `v` sorted ascending:
/// `h = (p/100)(n − 1)`, `k = ⌊h⌋`, `P = v_k + (h − k)(v_{k+1} − v_k)` (in Double).
public struct PercentileNormalizer: AffineNormalizer {
    public let lower: Double
    public let upper: Double

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
        try context.apply(affineMaps(bounds: bounds(of: batch, context: context), channels: batch.shape.c), to: &batch,
                          moments: moments)
        return context.channelStatistics(moments, channels: batch.shape.c)
    }

    public func affineMaps(of batch: Tensor, context: NormalizationContext) throws -> [[AffineMap]] {
        _ = try context.channelMoments(batch)
        return affineMaps(bounds: bounds(of: batch, context: context), channels: batch.shape.c)
    }

    /// The clip bounds `[p_lower, p_upper]` per (sample, channel), sample-major; nil where nothing was counted.
    func bounds(of batch: Tensor, context: NormalizationContext) -> [ClosedRange<Double>?] {
        let spatial = batch.shape.spatialCount
        let policy = context.nonFinite
        var bounds = [ClosedRange<Double>?](repeating: nil, count: batch.shape.n * batch.shape.c)
        batch.storage.withUnsafeBufferPointer { storage in
            bounds.withUnsafeMutableBufferPointer { output in
                nonisolated(unsafe) let input = storage
                nonisolated(unsafe) let results = output
                let (lower, upper) = (self.lower, self.upper)
                Parallel.forEach(tasks: output.count, threads: context.threads) { segment in
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
        return bounds
    }

    /// The maps clipping each (sample, channel) to its `bounds` and scaling them to `[0, 1]`.
    func affineMaps(bounds: [ClosedRange<Double>?], channels: Int) -> [[AffineMap]] {
        AffineMap.bySample(bounds.map { range in
            guard let range, range.upperBound > range.lowerBound else {
                return AffineMap(center: range?.lowerBound ?? 0, scale: 0)
            }
            let width = range.upperBound - range.lowerBound
            return AffineMap(center: range.lowerBound, scale: 1 / width, clip: range, intercept: -range.lowerBound / width)
        }, channels: channels)
    }
}
