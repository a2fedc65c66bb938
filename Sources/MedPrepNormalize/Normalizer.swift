import MedPrepCore

/// A normalization method applied in place to a batch `[N, C, D, H, W]`.
///
/// Returns the statistics of the *input* per (sample, group) as the method used them, sample-major;
/// per-channel methods report one group per channel.
public protocol Normalizer: Sendable {
    func normalize(_ batch: inout Tensor, context: NormalizationContext) throws -> [GroupStatistics]
}

/// A normalizer whose output, per (sample, channel), is an affine map of its input.
public protocol AffineNormalizer: Normalizer {
    /// The map of each (sample, channel) of `batch`, `[sample][channel]`, computed as `normalize` computes it,
    /// without changing `batch`. Throws what `normalize` throws before it changes the batch.
    func affineMaps(of batch: Tensor, context: NormalizationContext) throws -> [[AffineMap]]
}

/// A normalizer whose maps depend on no voxel of the batch, only on its shape and context (frozen dataset
/// statistics, the ImageNet constants): `normalize` and `affineMaps(of:context:)` follow from
/// `affineMaps(samples:channels:context:)`.
public protocol DataIndependentNormalizer: AffineNormalizer {
    /// The maps of `samples` samples of `channels` channels, `[sample][channel]`.
    func affineMaps(samples: Int, channels: Int, context: NormalizationContext) throws -> [[AffineMap]]
}

extension DataIndependentNormalizer {
    public func normalize(_ batch: inout Tensor, context: NormalizationContext) throws -> [GroupStatistics] {
        let maps = try affineMaps(samples: batch.shape.n, channels: batch.shape.c, context: context)
        let moments = try context.channelMoments(batch)
        try context.apply(maps, to: &batch, moments: moments)
        return context.channelStatistics(moments, channels: batch.shape.c)
    }

    /// The maps, after the same checks of the voxels that `normalize` makes (non-finite values refused).
    public func affineMaps(of batch: Tensor, context: NormalizationContext) throws -> [[AffineMap]] {
        let maps = try affineMaps(samples: batch.shape.n, channels: batch.shape.c, context: context)
        _ = try context.channelMoments(batch)
        return maps
    }
}
