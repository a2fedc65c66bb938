import MedPrepCore
import MedPrepNormalize
import MedPrepReport
import Yams

/// `normalize: {method, nonfinite, …}`: the normalization of the whole batch, by a method from
/// `NormalizeMethodRegistry` whose keys the mapping may hold besides `method` and `nonfinite`.
extension NormalizeSpec: PipelineStage {
    static let name = "normalize"
    static let commonKeys = ["method", "nonfinite"]
    /// `method`, `nonfinite`, then every method's keys (sorted): what a mapping without a valid method may hold.
    /// With a valid method, only `method`, `nonfinite` and that method's keys are allowed.
    static var allowedKeys: [String] {
        commonKeys + Set(NormalizeMethodRegistry.all.flatMap { $0.keys }).sorted()
    }

    /// A mapping with a known `method`, then the keys of that method.
    static func read(_ node: Node, path: String, at location: SourceLocation, reader: inout NodeReader) -> NormalizeSpec? {
        let registry = NormalizeMethod.names.joined(separator: ", ")
        guard case .mapping = node else {
            reader.report(node, found: NodeReader.describe(node) + " for normalize", expected: "a mapping with 'method'")
            return nil
        }
        guard let methodNode = node["method"] else {
            reader.report(at: location, found: "normalize without 'method'", expected: "key 'method' (required), one of: \(registry)")
            _ = reader.fields(node, path: path, name: "normalize", at: location, allowed: allowedKeys)
            return nil
        }
        guard case .scalar(let methodScalar) = methodNode, let method = NormalizeMethodRegistry.method(named: methodScalar.string) else {
            reader.report(methodNode, found: "unknown normalize method \(NodeReader.describe(methodNode))", expected: "one of: \(registry)")
            _ = reader.fields(node, path: path, name: "normalize", at: location, allowed: allowedKeys)
            return nil
        }
        guard let fields = reader.fields(node, path: path, name: "normalize (\(method.name))", at: location,
                                         allowed: commonKeys + method.keys, required: method.requiredKeys) else { return nil }
        let nonFinite = reader.optional(fields["nonfinite"], default: NonFinitePolicy.error) {
            $0.choice($1, name: "normalize.nonfinite", as: NonFinitePolicy.self)
        }
        guard let parsed = method.parseMethod(fields, reader: &reader), let nonFinite else { return nil }
        return NormalizeSpec(method: parsed, nonFinite: nonFinite)
    }

    var canonicalMembers: [String: CanonicalJSON] {
        var members = method.kind.canonicalMembers
        members["method"] = .string(method.name)
        members["nonfinite"] = .string(nonFinite.rawValue)
        return members
    }

    func planned(limits: DecodeLimits) throws -> PlannedStage { .normalize(self) }

    func channels(after count: Int, issues: inout ChannelIssues) -> Int {
        method.kind.checkChannels(count, issues: &issues)
        return count
    }

    func resolvingPaths(base: String) -> NormalizeSpec {
        NormalizeSpec(method: NormalizeMethod(method.kind.resolvingPaths(base: base)), nonFinite: nonFinite)
    }

    var inputFiles: [StageInputFile] { method.kind.inputFiles }

    /// The parameters a run report shows.
    var reportParameters: NormalizationParameters { method.kind.reportParameters(nonFinite: nonFinite) }
}

extension NormalizationMethod {
    /// `parse`, wrapped in a `NormalizeMethod`.
    static func parseMethod(_ fields: NodeReader.Fields, reader: inout NodeReader) -> NormalizeMethod? {
        parse(fields, reader: &reader).map { NormalizeMethod($0) }
    }
}

extension StageSpec {
    /// Normalizes intensities.
    package static func normalize(_ spec: NormalizeSpec) -> StageSpec { StageSpec(spec) }
}
