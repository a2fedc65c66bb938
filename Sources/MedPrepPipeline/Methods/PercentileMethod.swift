import MedPrepNormalize
import Yams

/// `percentile`: clips to the `lower` and `upper` percentiles `p_l`, `p_u` (0…100, lower < upper) per sample and
/// channel and maps `y = (x − p_l) / (p_u − p_l)`; a constant channel maps to 0.
struct PercentileMethod: NormalizationMethod {
    var lower: Double
    var upper: Double

    static let name = "percentile"
    static let keys = ["lower", "upper"]

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> PercentileMethod? {
        let lower = reader.optional(fields["lower"], default: 0.5) { readPercent($1, name: "lower", reader: &$0) }
        let upper = reader.optional(fields["upper"], default: 99.5) { readPercent($1, name: "upper", reader: &$0) }
        guard let lower, let upper else { return nil }
        guard lower < upper else {
            reader.report(at: fields.location(of: "upper"), found: "upper \(upper) not above lower \(lower)",
                          expected: "lower < upper")
            return nil
        }
        return PercentileMethod(lower: lower, upper: upper)
    }

    static func readPercent(_ node: Node, name: String, reader: inout NodeReader) -> Double? {
        guard let value = reader.number(node, name: name) else { return nil }
        guard (0 ... 100).contains(value) else {
            reader.report(node, found: "\(name) \(value)", expected: "a percentile in 0…100")
            return nil
        }
        return value
    }

    var canonicalMembers: [String: CanonicalJSON] { ["lower": .double(lower), "upper": .double(upper)] }

    func makeNormalizer(statistics: DatasetStatistics?) throws -> any Normalizer {
        try PercentileNormalizer(lower: lower, upper: upper)
    }
}

extension NormalizeMethod {
    /// Percentile clipping and scaling.
    package static func percentile(lower: Double, upper: Double) -> NormalizeMethod {
        NormalizeMethod(PercentileMethod(lower: lower, upper: upper))
    }
}
