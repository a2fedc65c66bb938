import MedPrepCore

/// Batch normalization in training mode, as `torch.nn.BatchNorm{1,2,3}d` computes it on a training batch.
///
/// Per channel `c`, over all `N·S` values of the batch: `μ_c`, biased `σ²_c` (per-(sample, channel)
/// `Moments` merged in sample order), then `y = (x − μ_c) / √(σ²_c + eps) · γ_c + β_c`.
/// The output of a sample depends on the whole batch by design.
public struct BatchStatistics: AffineNormalizer {
    public let eps: Double
    public let gamma: [Float]?
    public let beta: [Float]?

    public init(eps: Double = 1e-5, gamma: [Float]? = nil, beta: [Float]? = nil) throws {
        _ = try GroupNorm(groups: 1, eps: eps, gamma: gamma, beta: beta, threads: 1)
        self.eps = eps
        self.gamma = gamma
        self.beta = beta
    }

    /// The per-channel moments of the whole batch, from per-(sample, channel) moments merged in sample order.
    public static func channelMoments(_ perSample: [Moments], channels: Int) -> [Moments] {
        (0 ..< channels).map { c in
            var total = Moments()
            for n in 0 ..< perSample.count / Swift.max(channels, 1) { total.merge(perSample[n * channels + c]) }
            return total
        }
    }

    public func normalize(_ batch: inout Tensor, context: NormalizationContext) throws -> [GroupStatistics] {
        let moments = try context.channelMoments(batch)
        try context.apply(affineMaps(channelMoments: moments, channels: batch.shape.c, path: context.path(0)), to: &batch,
                          moments: moments)
        return context.channelStatistics(moments, channels: batch.shape.c, eps: eps)
    }

    public func affineMaps(of batch: Tensor, context: NormalizationContext) throws -> [[AffineMap]] {
        try affineMaps(channelMoments: try context.channelMoments(batch), channels: batch.shape.c, path: context.path(0))
    }

    /// The maps of a batch from its per-(sample, channel) input moments, sample-major: every sample gets the
    /// z-score of the channel's moments over the whole batch. Throws `.invalidArgument` when γ or β does not have
    /// `channels` values (naming `path`).
    public func affineMaps(channelMoments moments: [Moments], channels c: Int, path: String? = nil) throws -> [[AffineMap]] {
        try Self.checkAffine(gamma: gamma, beta: beta, channels: c, path: path)
        let maps = zip(Self.channelMoments(moments, channels: c), 0 ..< c).map { m, channel in
            AffineMap.zScore(mean: m.mean, variance: m.variance, eps: eps, gamma: gamma?[channel], beta: beta?[channel])
        }
        return Array(repeating: maps, count: moments.count / Swift.max(c, 1))
    }

    /// Throws `.invalidArgument` when γ or β does not have one value per channel.
    static func checkAffine(gamma: [Float]?, beta: [Float]?, channels: Int, path: String?) throws {
        for (name, values) in [("gamma", gamma), ("beta", beta)] {
            if let values, values.count != channels {
                throw MedPrepError(.invalidArgument, path: path,
                    reason: "batch norm \(name) has \(values.count) values for \(channels) channels")
            }
        }
    }
}
