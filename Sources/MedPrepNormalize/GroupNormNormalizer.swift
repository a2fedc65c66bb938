import MedPrepCore

/// `GroupNorm` as a `Normalizer` (PyTorch `nn.GroupNorm` semantics, see `GroupNorm`).
public struct GroupNormNormalizer: Normalizer {
    public let groups: Int
    public let eps: Double
    public let gamma: [Float]?
    public let beta: [Float]?

    public var name: String { "groupnorm" }

    /// Validates the parameters as `GroupNorm.init` does.
    public init(groups: Int, eps: Double = 1e-5, gamma: [Float]? = nil, beta: [Float]? = nil) throws {
        _ = try GroupNorm(groups: groups, eps: eps, gamma: gamma, beta: beta, threads: 1)
        self.groups = groups
        self.eps = eps
        self.gamma = gamma
        self.beta = beta
    }

    public func normalize(_ batch: inout Tensor, context: NormalizationContext) throws -> [GroupStatistics] {
        let norm = try GroupNorm(groups: groups, eps: eps, gamma: gamma, beta: beta, threads: context.threads)
        return try norm.apply(to: &batch, nonFinite: context.nonFinite, paths: context.path)
    }
}
