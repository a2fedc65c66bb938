// libyaml as Yams bundles it (Yams' own C target): the scanner and parser whose event stream Yams composes into
// nodes, so this scan sees exactly the anchors, aliases and nodes that composing would build.
import CYaml

/// Screens pipeline text on libyaml's parse events, before Yams composes a single node, so that no document
/// costs more than linear time and bounded memory to reject.
///
/// Rules, checked in file order on the event stream (stopping at the first violation):
/// - no anchor (`&name`) and no alias (`*name`): an alias shares its anchor's node, so ten anchors of ten aliases
///   each stand for 10¹⁰ nodes, and Yams' duplicate-key check hashes an alias key in full (exponential time).
///   A lexical search for `&`/`*` cannot tell them from text inside quoted scalars, block scalars, comments or
///   plain scalars (`a*b`, a continuation line), so the parser's own events decide;
/// - at most `maxNodes` nodes (scalars, lists, mappings): the bound on Yams' node tree and on the issues reported;
/// - at most `maxDepth` nested lists and mappings: libyaml's scanner spends time proportional to the flow nesting
///   on every token (its stale simple-key check): 99,000 values took 0.3 s to compose unnested and 1.4 s
///   inside 999 nested `[` (debug build); refusing the start event of level `maxDepth + 1` stops such input
///   after a few tokens.
///
/// A syntax error ends the scan without an issue: composing stops at the same event and reports it with Yams'
/// message.
enum YAMLEventScan {
    /// Most nodes a pipeline file may have (the example pipelines have under 100).
    static let maxNodes = 100_000
    /// Deepest nesting of lists and mappings (a pipeline needs 5: stages, a stage, its parameters, a list).
    static let maxDepth = 64

    /// The first rule `text` breaks, or nil.
    static func problem(in text: String, file: String, maxNodes: Int = maxNodes,
                        maxDepth: Int = maxDepth) -> PipelineIssue? {
        var bytes = Array(text.utf8)
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return PipelineIssue(file: file, at: SourceLocation(line: 1, column: 1), found: "no memory to start the YAML parser",
                                 expected: "memory for the YAML parser")
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        return bytes.withUnsafeMutableBufferPointer { buffer -> PipelineIssue? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var nodes = 0
            var depth = 0
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                let location = SourceLocation(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
                let anchor: UnsafeMutablePointer<yaml_char_t>?
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_ALIAS_EVENT:
                    let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
                    return PipelineIssue(file: file, at: location, found: "the YAML alias '*\(name)'",
                                         expected: "no anchors or aliases (write the value out; quote text that starts with '*')")
                case YAML_SCALAR_EVENT:
                    anchor = event.data.scalar.anchor
                case YAML_SEQUENCE_START_EVENT:
                    anchor = event.data.sequence_start.anchor
                    depth += 1
                case YAML_MAPPING_START_EVENT:
                    anchor = event.data.mapping_start.anchor
                    depth += 1
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    depth -= 1
                    continue
                default:  // stream start, document start and end: no node
                    continue
                }
                if let anchor {
                    return PipelineIssue(file: file, at: location, found: "the YAML anchor '&\(String(cString: anchor))'",
                                         expected: "no anchors or aliases (write the value out; quote text that starts with '&')")
                }
                if depth > maxDepth {
                    return PipelineIssue(file: file, at: location, found: "lists and mappings nested more than \(maxDepth) deep",
                                         expected: "at most \(maxDepth) levels of nesting in a pipeline file")
                }
                nodes += 1
                if nodes > maxNodes {
                    return PipelineIssue(file: file, at: location, found: "more than \(maxNodes) YAML nodes",
                                         expected: "at most \(maxNodes) (values, lists and mappings) in a pipeline file")
                }
            }
            return nil
        }
    }
}
