import MedPrepCore

/// Instance normalization: `GroupNorm` with one group per channel (`G = C`), as PyTorch
/// `nn.GroupNorm(C, C)` / `nn.InstanceNorm3d(C, affine:)` without running statistics:
/// `y = (x − μ_nc) / √(σ²_nc + eps) · γ_c + β_c` over the `S` voxels of each (sample, channel).
public struct InstanceNormNormalizer: AffineNormalizer {
    public let eps: Double
    public let gamma: [Float]?
    public let beta: [Float]?

    public init(eps: Double = 1e-5, gamma: [Float]? = nil, beta: [Float]? = nil) throws {
        _ = try GroupNorm(groups: 1, eps: eps, gamma: gamma, beta: beta, threads: 1)
        self.eps = eps
        self.gamma = gamma
        self.beta = beta
    }

    public func normalize(_ batch: inout Tensor, context: NormalizationContext) throws -> [GroupStatistics] {
        try norm(batch, threads: context.threads).apply(to: &batch, nonFinite: context.nonFinite, paths: context.path)
    }

    public func affineMaps(of batch: Tensor, context: NormalizationContext) throws -> [[AffineMap]] {
        try norm(batch, threads: context.threads).affineMaps(of: batch, nonFinite: context.nonFinite, paths: context.path)
    }

    private func norm(_ batch: Tensor, threads: Int) throws -> GroupNorm {
        try GroupNorm(groups: Swift.max(batch.shape.c, 1), eps: eps, gamma: gamma, beta: beta, threads: threads)
    }
}
