import MedPrepCore

/// Per sample and channel, scales the values to `[0, 1]`: `y = (x − min) / (max − min)`.
///
/// A constant channel (`max == min`) maps to 0. Min and max are taken over the counted values (see
/// `NonFinitePolicy`). A range too tiny (denormal, e.g. `{0, 1.4e-45}`) or too wide (±3e38) for the Float map
/// is mapped in Double (`ChannelAffine`), giving the exact 0…1 values rather than NaN/±∞.
public struct MinMaxNormalizer: AffineNormalizer {
    public init() {}

    public func normalize(_ batch: inout Tensor, context: NormalizationContext) throws -> [GroupStatistics] {
        let moments = try context.channelMoments(batch)
        try context.apply(affineMaps(channelMoments: moments, channels: batch.shape.c), to: &batch, moments: moments)
        return context.channelStatistics(moments, channels: batch.shape.c)
    }

    public func affineMaps(of batch: Tensor, context: NormalizationContext) throws -> [[AffineMap]] {
        affineMaps(channelMoments: try context.channelMoments(batch), channels: batch.shape.c)
    }

    /// The maps of a batch with these per-(sample, channel) input moments, sample-major.
    public func affineMaps(channelMoments moments: [Moments], channels: Int) -> [[AffineMap]] {
        AffineMap.bySample(moments.map { m in
            guard m.count > 0, m.max > m.min else { return AffineMap(center: m.count > 0 ? m.min : 0, scale: 0) }
            let width = m.max - m.min
            return AffineMap(center: m.min, scale: 1 / width, intercept: -m.min / width)
        }, channels: channels)
    }
}
