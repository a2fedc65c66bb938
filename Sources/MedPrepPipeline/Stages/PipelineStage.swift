import MedPrepCore
import MedPrepTransform
import Yams

/// One kind of pipeline stage, described in one place: its name and parameter keys in pipeline files, how its
/// parameters are read, what it becomes in a `StagePlan`, its canonical JSON (hashed into `pipelineHash`) and
/// how it changes the channel count. A value of a conforming type is one stage with its parameters.
///
/// To add a stage: a file in `Stages/` with a conforming type (and a `StageSpec` factory for it), and one line in
/// `StageRegistry.all`.
protocol PipelineStage: Hashable, Sendable {
    /// The stage's name in pipeline files (`- name: {parameters}`).
    static var name: String { get }
    /// Reads the parameters (the node after `name:`; `path` is its dotted key path, `location` that of the stage
    /// name), reporting every problem to `reader`; nil after any.
    static func read(_ node: Node, path: String, at location: SourceLocation, reader: inout NodeReader) -> Self?

    /// The parameters, every default spelled out, for `StageSpec.canonicalJSON` (which adds `stage`).
    var canonicalMembers: [String: CanonicalJSON] { get }
    /// What the stage becomes in a `StagePlan`.
    /// - Throws: `MedPrepError(.invalidArgument)` for parameters the transform refuses.
    func planned(limits: DecodeLimits) throws -> PlannedStage
    /// The channel count after the stage given the count before, reporting what the stage cannot take.
    func channels(after count: Int, issues: inout ChannelIssues) -> Int
    /// The stage with its relative file paths made absolute against `base`.
    func resolvingPaths(base: String) -> Self
    /// The files the stage reads, which must exist when a pipeline is checked against the file system.
    var inputFiles: [StageInputFile] { get }
}

/// What a stage becomes in a `StagePlan`: a per-scan transform, or the normalization of the whole batch.
enum PlannedStage {
    case transform(any ScanTransform)
    case normalize(NormalizeSpec)
}

/// A file a stage reads: its path as written, the parameter key naming it (below the stage, e.g.
/// `normalize.stats`) and what it must be.
struct StageInputFile: Hashable, Sendable {
    var key: String
    var path: String
    var expected: String
}

/// Problems of one stage with the channel count it receives, each with the parameter key it concerns (below the
/// stage, e.g. `normalize.groups`).
struct ChannelIssues {
    private(set) var found: [(key: String, found: String, expected: String)] = []

    mutating func report(key: String, found: String, expected: String) {
        self.found.append((key, found, expected))
    }
}

/// A stage whose parameters are one mapping with a fixed set of keys (null or `{}` when it takes none).
protocol KeyedStage: PipelineStage {
    /// The keys its parameter mapping may hold.
    static var allowedKeys: [String] { get }
    /// The keys its parameter mapping must hold.
    static var requiredKeys: [String] { get }
    /// Reads the parameters out of their mapping, reporting every problem to `reader`; nil after any.
    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> Self?
}

extension KeyedStage {
    static var requiredKeys: [String] { [] }

    static func read(_ node: Node, path: String, at location: SourceLocation, reader: inout NodeReader) -> Self? {
        let parameters = NodeReader.isNull(node) ? Node.mapping(Node.Mapping([], .implicit, .any, node.mark)) : node
        guard let fields = reader.fields(parameters, path: path, name: name, at: location,
                                         allowed: allowedKeys, required: requiredKeys) else { return nil }
        return parse(fields, reader: &reader)
    }
}

extension PipelineStage {
    func channels(after count: Int, issues: inout ChannelIssues) -> Int { count }

    func resolvingPaths(base: String) -> Self { self }

    var inputFiles: [StageInputFile] { [] }

    /// `read`, wrapped in a `StageSpec`.
    static func readSpec(_ node: Node, path: String, at location: SourceLocation, reader: inout NodeReader) -> StageSpec? {
        read(node, path: path, at: location, reader: &reader).map { StageSpec($0) }
    }
}
