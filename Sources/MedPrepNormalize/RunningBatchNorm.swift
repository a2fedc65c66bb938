import MedPrepCore

/// The running statistics of `torch.nn.BatchNorm{1,2,3}d(C, momentum: 0.1)` and their use in eval mode.
///
/// Starts at `runningMean = 0`, `runningVar = 1`. Each training batch (per channel, over `N·S` values):
///
///     runningMean = (1 − momentum)·runningMean + momentum·μ
///     runningVar  = (1 − momentum)·runningVar  + momentum·σ²·n/(n − 1)     (unbiased, n = N·S)
///
/// while the batch itself is normalized with the biased `σ²` (`BatchStatistics`). Eval mode normalizes with
/// `y = (x − runningMean) / √(runningVar + eps) · γ + β`. Kept in Double (torch keeps float32).
public struct RunningBatchNorm: Sendable, Equatable {
    public var momentum: Double
    public var eps: Double
    public var runningMean: [Double]
    public var runningVar: [Double]
    /// Training batches seen (torch's `num_batches_tracked`).
    public var batchesTracked: Int

    public init(channels: Int, momentum: Double = 0.1, eps: Double = 1e-5) {
        self.momentum = momentum
        self.eps = eps
        runningMean = Array(repeating: 0, count: channels)
        runningVar = Array(repeating: 1, count: channels)
        batchesTracked = 0
    }

    /// Training step: normalizes `batch` with its own statistics (as `BatchStatistics`) and updates the
    /// running mean and variance. Returns the input statistics per (sample, channel).
    public mutating func train(_ batch: inout Tensor, context: NormalizationContext = NormalizationContext(),
                               gamma: [Float]? = nil, beta: [Float]? = nil) throws -> [GroupStatistics] {
        let c = batch.shape.c
        try checkChannels(c, path: context.path(0))
        let perSample = try context.channelMoments(batch)
        let statistics = try BatchStatistics(eps: eps, gamma: gamma, beta: beta).normalize(&batch, context: context)
        update(with: BatchStatistics.channelMoments(perSample, channels: c))
        return statistics
    }

    /// Running-statistics update from one training batch's per-channel moments (over all `N·S` values).
    public mutating func update(with batchMoments: [Moments]) {
        for (channel, m) in batchMoments.enumerated() where channel < runningMean.count {
            runningMean[channel] = (1 - momentum) * runningMean[channel] + momentum * m.mean
            runningVar[channel] = (1 - momentum) * runningVar[channel] + momentum * m.unbiasedVariance
        }
        batchesTracked += 1
    }

    /// Eval step: `y = (x − runningMean_c) / √(runningVar_c + eps) · γ_c + β_c`.
    public func evaluate(_ batch: inout Tensor, context: NormalizationContext = NormalizationContext(),
                         gamma: [Float]? = nil, beta: [Float]? = nil) throws -> [GroupStatistics] {
        let c = batch.shape.c
        try checkChannels(c, path: context.path(0))
        let maps = try affineMaps(samples: batch.shape.n, gamma: gamma, beta: beta, path: context.path(0))
        let moments = try context.channelMoments(batch)
        try context.apply(maps, to: &batch, moments: moments)
        return context.channelStatistics(moments, channels: c, eps: eps)
    }

    /// The eval-mode maps of `samples` samples, the same for each: they depend on the running statistics only.
    /// Throws `.invalidArgument` when γ or β does not have one value per channel (naming `path`).
    public func affineMaps(samples: Int, gamma: [Float]? = nil, beta: [Float]? = nil,
                           path: String? = nil) throws -> [[AffineMap]] {
        try BatchStatistics.checkAffine(gamma: gamma, beta: beta, channels: runningMean.count, path: path)
        let maps = runningMean.indices.map { channel in
            AffineMap.zScore(mean: runningMean[channel], variance: runningVar[channel], eps: eps, gamma: gamma?[channel],
                             beta: beta?[channel])
        }
        return Array(repeating: maps, count: samples)
    }

    private func checkChannels(_ c: Int, path: String?) throws {
        guard c == runningMean.count else {
            throw MedPrepError(.shapeMismatch, path: path,
                reason: "batch has \(c) channels, the running batch norm tracks \(runningMean.count)")
        }
    }
}
