/// Dataset statistics of one channel: exact moments plus a quantile sketch of the same values.
public struct ChannelStatistics: Sendable, Equatable {
    public var channel: Int
    public var moments: Moments
    public var sketch: QuantileSketch

    public init(channel: Int, moments: Moments = Moments(), sketch: QuantileSketch = QuantileSketch()) {
        self.channel = channel
        self.moments = moments
        self.sketch = sketch
    }

    public var count: Int { moments.count }
    public var mean: Double { moments.mean }
    /// Biased variance `m2 / count` (ddof 0).
    public var variance: Double { moments.variance }
    public var std: Double { moments.std }
    /// Smallest value, nil when empty.
    public var min: Double? { count > 0 ? moments.min : nil }
    /// Largest value, nil when empty.
    public var max: Double? { count > 0 ? moments.max : nil }

    /// numpy-`'linear'` percentile `p ∈ [0, 100]` from the sketch (bound: see `QuantileSketch`); nil when empty.
    public func percentile(_ p: Double) -> Double? {
        sketch.percentile(p, min: moments.min, max: moments.max)
    }

    /// Combines with the statistics of a disjoint set of values (Chan for moments, bucket sums for the sketch).
    public mutating func merge(_ other: ChannelStatistics) {
        moments.merge(other.moments)
        sketch.merge(other.sketch)
    }
}

extension ChannelStatistics: Codable {
    private enum CodingKeys: String, CodingKey {
        case channel, count, mean, variance = "var", std, min, max, p05 = "p0_5", p995 = "p99_5", m2, nonFinite, sketch
    }

    /// JSON: `{"channel", "count", "mean", "var", "std", "min", "max", "p0_5", "p99_5", "m2", "nonFinite",
    /// "sketch"}`; `var`, `std` and the percentiles are derived and recomputed on load.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(channel, forKey: .channel)
        try container.encode(count, forKey: .count)
        try container.encode(mean, forKey: .mean)
        try container.encode(variance, forKey: .variance)
        try container.encode(std, forKey: .std)
        try container.encode(min, forKey: .min)
        try container.encode(max, forKey: .max)
        try container.encode(percentile(0.5), forKey: .p05)
        try container.encode(percentile(99.5), forKey: .p995)
        try container.encode(moments.m2, forKey: .m2)
        try container.encode(moments.nonFinite, forKey: .nonFinite)
        try container.encode(sketch, forKey: .sketch)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        channel = try container.decode(Int.self, forKey: .channel)
        let count = try container.decode(Int.self, forKey: .count)
        let min = try container.decodeIfPresent(Double.self, forKey: .min)
        let max = try container.decodeIfPresent(Double.self, forKey: .max)
        moments = Moments(count: count, mean: try container.decode(Double.self, forKey: .mean),
                          m2: try container.decode(Double.self, forKey: .m2),
                          min: min ?? .infinity, max: max ?? -.infinity,
                          nonFinite: try container.decodeIfPresent(Int.self, forKey: .nonFinite) ?? 0)
        sketch = try container.decode(QuantileSketch.self, forKey: .sketch)
        guard count >= 0, sketch.count == count, count == 0 || (min != nil && max != nil) else {
            throw DecodingError.dataCorruptedError(forKey: .count, in: container,
                debugDescription: "channel \(channel): count \(count) does not match its sketch (\(sketch.count)) or min/max are missing")
        }
    }
}
