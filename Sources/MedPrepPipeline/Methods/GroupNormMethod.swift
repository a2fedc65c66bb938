import MedPrepNormalize
import MedPrepReport

/// `groupnorm`: PyTorch `nn.GroupNorm`; channels split into `groups` groups, per sample and group
/// `y = (x − mean) / sqrt(var + eps) · gamma[c] + beta[c]` with the biased variance. `groups` must divide the
/// channel count, and `gamma`/`beta` hold one value per channel.
struct GroupNormMethod: NormalizationMethod {
    var groups: Int
    var eps: Double
    var gamma: [Double]?
    var beta: [Double]?

    static let name = "groupnorm"
    static let keys = ["groups", "eps", "gamma", "beta"]
    static let requiredKeys = ["groups"]

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> GroupNormMethod? {
        let eps = readEps(fields, reader: &reader)
        let groups = fields["groups"].flatMap { reader.positiveInt($0, name: "groups") }
        let gamma = reader.optional(fields["gamma"], default: [Double]?.none) { reader, node in
            reader.list(node, name: "gamma", count: 1 ... Int.max) { $0.number($1, name: "a gamma value") }.map { Optional($0) }
        }
        let beta = reader.optional(fields["beta"], default: [Double]?.none) { reader, node in
            reader.list(node, name: "beta", count: 1 ... Int.max) { $0.number($1, name: "a beta value") }.map { Optional($0) }
        }
        if let gamma = gamma ?? nil, let beta = beta ?? nil, gamma.count != beta.count, let betaNode = fields["beta"] {
            reader.report(betaNode, found: "gamma with \(gamma.count) values and beta with \(beta.count)",
                          expected: "the same number of values (one per channel)")
            return nil
        }
        guard let groups, let gamma, let beta, let eps else { return nil }
        return GroupNormMethod(groups: groups, eps: eps, gamma: gamma, beta: beta)
    }

    var canonicalMembers: [String: CanonicalJSON] {
        [
            "groups": .int(groups),
            "eps": .double(eps),
            "gamma": gamma.map { .array($0.map { .double($0) }) } ?? .null,
            "beta": beta.map { .array($0.map { .double($0) }) } ?? .null,
        ]
    }

    func makeNormalizer(statistics: DatasetStatistics?) throws -> any Normalizer {
        try GroupNormNormalizer(groups: groups, eps: eps, gamma: gamma?.map(Float.init), beta: beta?.map(Float.init))
    }

    func checkChannels(_ count: Int, issues: inout ChannelIssues) {
        if count % groups != 0 {
            issues.report(key: "normalize.groups", found: "groups \(groups) with \(count) channels",
                          expected: "a number of groups that divides the channel count")
        }
        for (name, values) in [("gamma", gamma), ("beta", beta)] {
            if let values, values.count != count {
                issues.report(key: "normalize.\(name)", found: "\(name) with \(values.count) values for \(count) channels",
                              expected: "one value per channel")
            }
        }
    }

    func reportParameters(nonFinite: NonFinitePolicy) -> NormalizationParameters {
        NormalizationParameters(method: Self.name, groups: groups, eps: eps, gamma: gamma?.map(Float.init),
                                beta: beta?.map(Float.init), nonFinite: nonFinite)
    }
}

extension NormalizeMethod {
    /// PyTorch `nn.GroupNorm` with `groups` groups and optional per-channel `gamma`/`beta`.
    package static func groupNorm(groups: Int, eps: Double, gamma: [Double]?, beta: [Double]?) -> NormalizeMethod {
        NormalizeMethod(GroupNormMethod(groups: groups, eps: eps, gamma: gamma, beta: beta))
    }
}
