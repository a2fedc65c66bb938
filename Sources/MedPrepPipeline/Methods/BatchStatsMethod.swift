import MedPrepNormalize
import MedPrepReport

/// `batchstats`: per-channel statistics over the whole batch (BatchNorm in training mode, no affine),
/// `y = (x − mean_c) / sqrt(var_c + eps)`; a sample's output depends on its batch-mates.
struct BatchStatsMethod: NormalizationMethod {
    var eps: Double

    static let name = "batchstats"
    static let keys = ["eps"]
    static let dependsOnBatch = true

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> BatchStatsMethod? {
        readEps(fields, reader: &reader).map { BatchStatsMethod(eps: $0) }
    }

    var canonicalMembers: [String: CanonicalJSON] { ["eps": .double(eps)] }

    func makeNormalizer(statistics: DatasetStatistics?) throws -> any Normalizer {
        try BatchStatistics(eps: eps)
    }

    func reportParameters(nonFinite: NonFinitePolicy) -> NormalizationParameters {
        NormalizationParameters(method: Self.name, eps: eps, nonFinite: nonFinite)
    }
}

extension NormalizeMethod {
    /// Per-channel statistics over the whole batch.
    package static func batchStats(eps: Double) -> NormalizeMethod { NormalizeMethod(BatchStatsMethod(eps: eps)) }
}
