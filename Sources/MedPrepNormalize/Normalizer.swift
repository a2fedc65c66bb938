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
