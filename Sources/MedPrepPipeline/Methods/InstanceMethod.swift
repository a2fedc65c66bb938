import MedPrepNormalize
import MedPrepReport

/// `instance`: instance norm, `y = (x − mean_nc) / sqrt(var_nc + eps)` per sample and channel (GroupNorm with one
/// group per channel).
struct InstanceMethod: NormalizationMethod {
    var eps: Double

    static let name = "instance"
    static let keys = ["eps"]

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> InstanceMethod? {
        readEps(fields, reader: &reader).map { InstanceMethod(eps: $0) }
    }

    var canonicalMembers: [String: CanonicalJSON] { ["eps": .double(eps)] }

    func makeNormalizer(statistics: DatasetStatistics?) throws -> any Normalizer {
        try InstanceNormNormalizer(eps: eps)
    }

    func reportParameters(nonFinite: NonFinitePolicy) -> NormalizationParameters {
        NormalizationParameters(method: Self.name, eps: eps, nonFinite: nonFinite)
    }
}

extension NormalizeMethod {
    /// Instance norm: per sample and channel z-score.
    package static func instance(eps: Double) -> NormalizeMethod { NormalizeMethod(InstanceMethod(eps: eps)) }
}
