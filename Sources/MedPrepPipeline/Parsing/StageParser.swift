import MedPrepNormalize
import Yams

/// Reads the `stages:` list: each entry a one-key mapping `- name: {parameters}` from the stage registry.
enum StageParser {
    static let normalizeKeys: [String: [String]] = [
        "groupnorm": ["groups", "eps", "gamma", "beta"],
        "instance": ["eps"],
        "dataset": ["stats", "mask", "ct_clip", "eps"],
        "minmax": [],
        "percentile": ["lower", "upper"],
        "imagenet": [],
        "batchstats": ["eps"],
    ]
    static let commonNormalizeKeys = ["method", "nonfinite"]
    static let defaultEps = 1e-5

    static func readStages(_ node: Node, reader: inout NodeReader, locations: inout [SourceLocation]) -> [StageSpec]? {
        guard case .sequence(let sequence) = node else {
            reader.report(node, found: NodeReader.describe(node) + " for stages", expected: "a list of stages")
            return nil
        }
        var stages = [StageSpec]()
        var failed = false
        for (index, item) in sequence.enumerated() {
            let location = NodeReader.location(item)
            locations.append(location)
            if let stage = readStage(item, index: index, at: location, reader: &reader) {
                stages.append(stage)
            } else {
                failed = true
            }
        }
        return failed ? nil : stages
    }

    static func readStage(_ item: Node, index: Int, at location: SourceLocation, reader: inout NodeReader) -> StageSpec? {
        let registry = StageSpec.registry.joined(separator: ", ")
        guard case .mapping(let mapping) = item, mapping.count == 1, let (keyNode, value) = mapping.first,
              case .scalar(let key) = keyNode else {
            reader.report(item, found: NodeReader.describe(item) + " as stage \(index + 1)",
                          expected: "a one-key mapping '- stage: {parameters}' with a stage from: \(registry)")
            return nil
        }
        let name = key.string
        guard StageSpec.registry.contains(name) else {
            reader.report(keyNode, found: "unknown stage '\(name)'", expected: "one of: \(registry)")
            return nil
        }
        let path = "stages.\(index).\(name)"
        let keyLocation = NodeReader.location(keyNode)
        let allowed: [String]
        var required = [String]()
        switch name {
        case "clip": allowed = ["min", "max"]; required = ["min", "max"]
        case "resample": allowed = ["spacing", "interpolation"]; required = ["spacing"]
        case "crop_or_pad": allowed = ["shape", "pad_value"]; required = ["shape"]
        case "select_channels": allowed = ["channels"]; required = ["channels"]
        case "drop_alpha": allowed = []
        default: return readNormalize(value, path: path, at: keyLocation, reader: &reader).map { .normalize($0) }
        }
        let parameters: Node = NodeReader.isNull(value) ? Node.mapping(Node.Mapping([], .implicit, .any, value.mark)) : value
        guard let fields = reader.fields(parameters, path: path, name: name, at: keyLocation,
                                         allowed: allowed, required: required) else { return nil }
        switch name {
        case "clip":
            guard let minNode = fields["min"], let maxNode = fields["max"],
                  let low = reader.number(minNode, name: "clip.min"), let high = reader.number(maxNode, name: "clip.max") else { return nil }
            guard low <= high else {
                reader.report(maxNode, found: "clip.max \(high) below clip.min \(low)", expected: "min ≤ max")
                return nil
            }
            return .clip(min: low, max: high)
        case "resample":
            let spacing: [Double]? = fields["spacing"].flatMap { node in
                reader.list(node, name: "resample.spacing", count: 2 ... 3) { (reader: inout NodeReader, item: Node) -> Double? in
                    guard let value = reader.number(item, name: "a spacing value") else { return nil }
                    guard value > 0 else {
                        reader.report(item, found: "spacing \(value)", expected: "a positive number (mm)")
                        return nil
                    }
                    return value
                }
            }
            let interpolation = reader.optional(fields["interpolation"], default: StageSpec.Interpolation.linear) {
                $0.choice($1, name: "resample.interpolation", as: StageSpec.Interpolation.self)
            }
            guard let spacing, let interpolation else { return nil }
            return .resample(spacing: spacing, interpolation: interpolation)
        case "crop_or_pad":
            let shape = fields["shape"].flatMap { node in
                reader.list(node, name: "crop_or_pad.shape", count: 2 ... 3) { $0.positiveInt($1, name: "shape value") }
            }
            let padValue = reader.optional(fields["pad_value"], default: 0.0) { $0.number($1, name: "crop_or_pad.pad_value") }
            guard let shape, let padValue else { return nil }
            return .cropOrPad(shape: shape, padValue: padValue)
        case "select_channels":
            let channels: [Int]? = fields["channels"].flatMap { node in
                reader.list(node, name: "select_channels.channels", count: 1 ... Int.max) { (reader: inout NodeReader, item: Node) -> Int? in
                    guard let value = reader.int(item, name: "a channel index") else { return nil }
                    guard value >= 0 else {
                        reader.report(item, found: "channel index \(value)", expected: "an index ≥ 0")
                        return nil
                    }
                    return value
                }
            }
            return channels.map { StageSpec.selectChannels($0) }
        default:
            return .dropAlpha
        }
    }

    static func readNormalize(_ node: Node, path: String, at location: SourceLocation, reader: inout NodeReader) -> NormalizeSpec? {
        let allKeys = commonNormalizeKeys + Set(normalizeKeys.values.joined()).sorted()
        guard case .mapping = node else {
            reader.report(node, found: NodeReader.describe(node) + " for normalize", expected: "a mapping with 'method'")
            return nil
        }
        guard let methodNode = node["method"] else {
            reader.report(at: location, found: "normalize without 'method'",
                          expected: "key 'method' (required), one of: \(NormalizeMethod.registry.joined(separator: ", "))")
            _ = reader.fields(node, path: path, name: "normalize", at: location, allowed: allKeys)
            return nil
        }
        guard case .scalar(let methodScalar) = methodNode, let keys = normalizeKeys[methodScalar.string] else {
            reader.report(methodNode, found: "unknown normalize method \(NodeReader.describe(methodNode))",
                          expected: "one of: \(NormalizeMethod.registry.joined(separator: ", "))")
            _ = reader.fields(node, path: path, name: "normalize", at: location, allowed: allKeys)
            return nil
        }
        let method = methodScalar.string
        let required = method == "groupnorm" ? ["groups"] : []
        guard let fields = reader.fields(node, path: path, name: "normalize (\(method))", at: location,
                                         allowed: commonNormalizeKeys + keys, required: required) else { return nil }
        let nonFinite = reader.optional(fields["nonfinite"], default: NonFinitePolicy.error) {
            $0.choice($1, name: "normalize.nonfinite", as: NonFinitePolicy.self)
        }
        let eps = reader.optional(fields["eps"], default: defaultEps) { reader, node in
            guard let value = reader.number(node, name: "eps") else { return nil }
            guard value > 0 else {
                reader.report(node, found: "eps \(value)", expected: "a positive number")
                return nil
            }
            return value
        }
        let parsed: NormalizeMethod?
        switch method {
        case "groupnorm":
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
            guard let groups, let gamma, let beta else { return nil }
            parsed = eps.map { .groupNorm(groups: groups, eps: $0, gamma: gamma, beta: beta) }
        case "instance":
            parsed = eps.map { .instance(eps: $0) }
        case "dataset":
            let statistics = reader.optional(fields["stats"], default: DatasetStatisticsSource.computed) { reader, node in
                guard let text = reader.nonEmptyString(node, name: "stats") else { return nil }
                return text == "computed" ? .computed : .file(text)
            }
            let mask = reader.optional(fields["mask"], default: StatisticsMask.all) { readMask($1, path: path, reader: &$0) }
            let ctClip = reader.optional(fields["ct_clip"], default: false) { $0.bool($1, name: "ct_clip") }
            guard let statistics, let mask, let ctClip, let eps else { return nil }
            parsed = .dataset(statistics: statistics, mask: mask, ctClip: ctClip, eps: eps)
        case "minmax":
            parsed = .minMax
        case "percentile":
            let lower = reader.optional(fields["lower"], default: 0.5) { readPercent($1, name: "lower", reader: &$0) }
            let upper = reader.optional(fields["upper"], default: 99.5) { readPercent($1, name: "upper", reader: &$0) }
            guard let lower, let upper else { return nil }
            guard lower < upper else {
                reader.report(at: fields.location(of: "upper"), found: "upper \(upper) not above lower \(lower)",
                              expected: "lower < upper")
                return nil
            }
            parsed = .percentile(lower: lower, upper: upper)
        case "imagenet":
            parsed = .imagenet
        default:
            parsed = eps.map { .batchStats(eps: $0) }
        }
        guard let parsed, let nonFinite else { return nil }
        return NormalizeSpec(method: parsed, nonFinite: nonFinite)
    }

    static func readPercent(_ node: Node, name: String, reader: inout NodeReader) -> Double? {
        guard let value = reader.number(node, name: name) else { return nil }
        guard (0 ... 100).contains(value) else {
            reader.report(node, found: "\(name) \(value)", expected: "a percentile in 0…100")
            return nil
        }
        return value
    }

    static func readMask(_ node: Node, path: String, reader: inout NodeReader) -> StatisticsMask? {
        if case .scalar(let scalar) = node {
            switch scalar.string {
            case "nonzero": return .nonzero
            case "all": return .all
            default: break
            }
        } else if case .mapping = node {
            guard let fields = reader.fields(node, path: path + ".mask", name: "mask", at: NodeReader.location(node),
                                             allowed: ["threshold"], required: ["threshold"]) else { return nil }
            return fields["threshold"].flatMap { reader.number($0, name: "mask.threshold") }.map { .threshold($0) }
        }
        reader.report(node, found: NodeReader.describe(node) + " for mask", expected: "all, nonzero or {threshold: number}")
        return nil
    }
}
