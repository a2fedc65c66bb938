import MedPrepCore

/// `GroupNorm` as a `Normalizer` (PyTorch `nn.GroupNorm` semantics, see `GroupNorm`).
public struct GroupNormNormalizer: AffineNormalizer {
    public let groups: Int
    public let eps: Double
    public let gamma: [Float]?
    public let beta: [Float]?

    /// Validates the parameters as `GroupNorm.init` does.
    public init(groups: Int, eps: Double = 1e-5, gamma: [Float]? = nil, beta: [Float]? = nil) throws {
        _ = try GroupNorm(groups: groups, eps: eps, gamma: gamma, beta: beta, threads: 1)
        self.groups = groups
        self.eps = eps
        self.gamma = gamma
        self.beta = beta
    }

    public func normalize(_ batch: inout Tensor, context: NormalizationContext) throws -> [GroupStatistics] {
        try norm(threads: context.threads).apply(to: &batch, nonFinite: context.nonFinite, paths: context.path)
    }

    public func affineMaps(of batch: Tensor, context: NormalizationContext) throws -> [[AffineMap]] {
        try norm(threads: context.threads).affineMaps(of: batch, nonFinite: context.nonFinite, paths: context.path)
    }

    /// The maps from per-(sample, channel) input moments (see `GroupNorm.affineMaps(channelMoments:channels:)`).
    public func affineMaps(channelMoments: [Moments], channels: Int) throws -> [[AffineMap]] {
        try norm(threads: 1).affineMaps(channelMoments: channelMoments, channels: channels)
    }

    private func norm(threads: Int) throws -> GroupNorm {
        try GroupNorm(groups: groups, eps: eps, gamma: gamma, beta: beta, threads: threads)
    }
}
