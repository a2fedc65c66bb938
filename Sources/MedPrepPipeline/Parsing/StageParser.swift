import MedPrepNormalize
import Yams

/// Reads the `stages:` list: each entry a one-key mapping `- name: {parameters}` with a stage from `StageRegistry`,
/// whose descriptor reads the parameters.
enum StageParser {
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
        let registry = StageSpec.names.joined(separator: ", ")
        guard case .mapping(let mapping) = item, mapping.count == 1, let (keyNode, value) = mapping.first,
              case .scalar(let key) = keyNode else {
            reader.report(item, found: NodeReader.describe(item) + " as stage \(index + 1)",
                          expected: "a one-key mapping '- stage: {parameters}' with a stage from: \(registry)")
            return nil
        }
        let name = key.string
        guard let stage = StageRegistry.stage(named: name) else {
            reader.report(keyNode, found: "unknown stage '\(name)'", expected: "one of: \(registry)")
            return nil
        }
        return stage.readSpec(value, path: "stages.\(index).\(name)", at: NodeReader.location(keyNode), reader: &reader)
    }
}

extension NormalizeSpec {
    /// The normalize stage from parameters given outside a pipeline file (the command line): `method` with its
    /// `parameters` by key, as a pipeline file spells them, read by the method's own parser. Keys the method does
    /// not take are left out.
    /// - Throws: `PipelineIssues` (at `source`) for an unknown method or a parameter the method refuses.
    package init(method: String, parameters: [String: CanonicalJSON], nonFinite: NonFinitePolicy, source: String) throws {
        let keys = NormalizeMethodRegistry.method(named: method)?.keys ?? []
        var members = parameters.filter { keys.contains($0.key) }
        members["method"] = .string(method)
        members["nonfinite"] = .string(nonFinite.rawValue)
        var reader = NodeReader(file: source)
        let spec = NormalizeSpec.read(CanonicalJSON.object(members).node, path: Self.name, at: SourceLocation(line: 1, column: 1),
                                      reader: &reader)
        guard reader.issues.isEmpty, let spec else { throw PipelineIssues(reader.issues) }
        self = spec
    }
}

extension CanonicalJSON {
    /// The value as a YAML node, as a pipeline file would write it: numbers, booleans and null as plain scalars,
    /// strings double-quoted.
    var node: Node {
        switch self {
        case .null: Node.Scalar("null", .implicit, .plain).node
        case .bool(let value): Node.Scalar(value ? "true" : "false", .implicit, .plain).node
        case .int(let value): Node.Scalar(String(value), .implicit, .plain).node
        case .double(let value): Node.Scalar("\(value)", .implicit, .plain).node
        case .string(let value): Node.Scalar(value, .implicit, .doubleQuoted).node
        case .array(let values): .sequence(Node.Sequence(values.map(\.node)))
        case .object(let members):
            .mapping(Node.Mapping(members.sorted { $0.key < $1.key }.map { (Node.Scalar($0.key, .implicit, .plain).node, $0.value.node) }))
        }
    }
}

extension Node.Scalar {
    fileprivate var node: Node { .scalar(self) }
}
