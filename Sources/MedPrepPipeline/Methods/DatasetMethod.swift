import MedPrepCore
import MedPrepNormalize
import MedPrepReport
import Yams

/// `dataset`: z-score `y = (x − mean_c) / sqrt(var_c + eps)` with per-channel statistics over the whole dataset
/// (masked voxels only), computed in a first pass or read from a statistics file. With `ct_clip`, voxels are
/// first clipped to the dataset's 0.5 and 99.5 percentiles (nnU-Net CT normalization).
struct DatasetMethod: NormalizationMethod {
    var source: DatasetStatisticsSource
    /// The foreground mask; nil counts every voxel.
    var mask: ForegroundMask?
    var ctClip: Bool
    var eps: Double

    static let name = "dataset"
    static let keys = ["stats", "mask", "ct_clip", "eps"]

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> DatasetMethod? {
        let eps = readEps(fields, reader: &reader)
        let source = reader.optional(fields["stats"], default: DatasetStatisticsSource.computed) { reader, node in
            guard let text = reader.nonEmptyString(node, name: "stats") else { return nil }
            return text == "computed" ? .computed : .file(text)
        }
        let mask = reader.optional(fields["mask"], default: ForegroundMask?.all) { reader, node in
            readMask(node, path: fields.path, reader: &reader)
        }
        let ctClip = reader.optional(fields["ct_clip"], default: false) { $0.bool($1, name: "ct_clip") }
        guard let source, let mask, let ctClip, let eps else { return nil }
        return DatasetMethod(source: source, mask: mask, ctClip: ctClip, eps: eps)
    }

    /// `all`, `nonzero` or `{threshold: v}`; nil after a problem, `.some(nil)` for `all`.
    static func readMask(_ node: Node, path: String, reader: inout NodeReader) -> ForegroundMask?? {
        if case .scalar(let scalar) = node {
            switch scalar.string {
            case "nonzero": return .some(.nonzero)
            case "all": return .some(.all)
            default: break
            }
        } else if case .mapping = node {
            guard let fields = reader.fields(node, path: path + ".mask", name: "mask", at: NodeReader.location(node),
                                             allowed: ["threshold"], required: ["threshold"]) else { return nil }
            return fields["threshold"].flatMap { reader.number($0, name: "mask.threshold") }.map { .some(.threshold($0)) }
        }
        reader.report(node, found: NodeReader.describe(node) + " for mask", expected: "all, nonzero or {threshold: number}")
        return nil
    }

    var canonicalMembers: [String: CanonicalJSON] {
        let stats: CanonicalJSON = switch source {
        case .computed: .string("computed")
        case .file(let path): .object(["file": .string(path)])
        }
        return ["stats": stats, "mask": .mask(mask), "ct_clip": .bool(ctClip), "eps": .double(eps)]
    }

    func makeNormalizer(statistics: DatasetStatistics?) throws -> any Normalizer {
        guard let statistics else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "dataset normalization needs dataset statistics")
        }
        return try DatasetNormalizer(statistics: statistics, ctClipping: ctClip)
    }

    func reportParameters(nonFinite: NonFinitePolicy) -> NormalizationParameters {
        NormalizationParameters(method: ctClip ? "dataset-ct" : "dataset", nonFinite: nonFinite)
    }

    var statistics: StatisticsRequirement? { StatisticsRequirement(source: source, mask: mask) }

    func resolvingPaths(base: String) -> DatasetMethod {
        guard case .file(let path) = source else { return self }
        var resolved = self
        resolved.source = .file(PathResolution.absolute(path, base: base))
        return resolved
    }

    var inputFiles: [StageInputFile] {
        guard case .file(let path) = source else { return [] }
        return [StageInputFile(key: "normalize.stats", path: path, expected: "an existing dataset statistics file")]
    }
}

extension NormalizeMethod {
    /// Dataset z-score with statistics from `statistics` over the voxels of `mask` (`.all`: every voxel).
    package static func dataset(statistics: DatasetStatisticsSource, mask: ForegroundMask?, ctClip: Bool, eps: Double) -> NormalizeMethod {
        NormalizeMethod(DatasetMethod(source: statistics, mask: mask, ctClip: ctClip, eps: eps))
    }
}

extension CanonicalJSON {
    /// A foreground mask as the `mask` key spells it: `"all"`, `"nonzero"` or `{"threshold": v}`.
    package static func mask(_ mask: ForegroundMask?) -> CanonicalJSON {
        switch mask {
        case nil: .string("all")
        case .nonzero?: .string("nonzero")
        case .threshold(let value)?: .object(["threshold": .double(value)])
        }
    }
}
