import MedPrepNormalize

/// `minmax`: `y = (x − min) / (max − min)` per sample and channel; a constant channel maps to 0.
struct MinMaxMethod: NormalizationMethod {
    static let name = "minmax"
    static let keys: [String] = []

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> MinMaxMethod? { MinMaxMethod() }

    var canonicalMembers: [String: CanonicalJSON] { [:] }

    func makeNormalizer(statistics: DatasetStatistics?) throws -> any Normalizer { MinMaxNormalizer() }
}

extension NormalizeMethod {
    /// Min-max scaling to `[0, 1]`.
    package static var minMax: NormalizeMethod { NormalizeMethod(MinMaxMethod()) }
}
