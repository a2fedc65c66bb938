/// Statistics of the *input* of one (sample, group) as a normalizer used them.
///
/// `variance` is biased (`m2 / count`), `std = √variance`, `rstd = 1 / √(max(variance, 0) + eps)` with the
/// normalizer's eps (1e-5 for normalizers that have none). For per-channel normalizers the group is the channel.
/// `min`/`max` are nil when no value was counted (every voxel non-finite under `.ignore`).
public struct GroupStatistics: Sendable, Equatable, Codable {
    public var sample: Int
    public var group: Int
    /// Channels of the group, `lowerBound ..< upperBound`.
    public var channels: Range<Int>
    public var count: Int
    public var mean: Double
    public var variance: Double
    public var std: Double
    public var rstd: Double
    public var min: Double?
    public var max: Double?
    /// Non-finite voxels met in the group.
    public var nonFinite: Int

    public init(sample: Int, group: Int, channels: Range<Int>, moments: Moments, eps: Double) {
        self.sample = sample
        self.group = group
        self.channels = channels
        count = moments.count
        mean = moments.mean
        variance = moments.variance
        std = moments.std
        rstd = 1 / (Swift.max(moments.variance, 0) + eps).squareRoot()
        min = moments.count > 0 ? moments.min : nil
        max = moments.count > 0 ? moments.max : nil
        nonFinite = moments.nonFinite
    }
}
