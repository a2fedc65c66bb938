import MedPrepCore

/// Per sample and channel, scales the values to `[0, 1]`: `y = (x − min) / (max − min)`.
///
/// A constant channel (`max == min`) maps to 0. Min and max are taken over the counted values (see
/// `NonFinitePolicy`). A range too tiny (denormal, e.g. `{0, 1.4e-45}`) or too wide (±3e38) for the Float map
/// is mapped in Double (`ChannelAffine`), giving the exact 0…1 values rather than NaN/±∞.
public struct MinMaxNormalizer: Normalizer {
    public var name: String { "minmax" }

    public init() {}

    public func normalize(_ batch: inout Tensor, context: NormalizationContext) throws -> [GroupStatistics] {
        let moments = try context.channelMoments(batch)
        let maps = moments.map { m -> ChannelAffine in
            guard m.count > 0, m.max > m.min else { return ChannelAffine(mean: m.count > 0 ? m.min : 0, scale: 0, shift: 0) }
            return ChannelAffine(mean: m.min, scale: 1 / (m.max - m.min), shift: 0)
        }
        try context.apply(maps, to: &batch, moments: moments)
        return context.channelStatistics(moments, channels: batch.shape.c)
    }
}
