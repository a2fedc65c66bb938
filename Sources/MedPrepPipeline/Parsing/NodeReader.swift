import Yams

/// Reads typed values out of a composed YAML tree, collecting an issue for every problem instead of stopping.
struct NodeReader {
    let file: String
    private(set) var issues: [PipelineIssue] = []
    private(set) var keyLocations: [String: SourceLocation] = [:]

    init(file: String) {
        self.file = file
    }

    /// The keys of a mapping with their value nodes, in file order, plus where the mapping is named.
    struct Fields {
        var values: [String: Node]
        var keyLocations: [String: SourceLocation]
        /// Where the mapping itself is introduced (its key, or the mapping for the root).
        var location: SourceLocation
        /// Dotted path of the mapping (`input`, `stages.2.normalize`…), used to name keys in the source map.
        var path: String

        subscript(key: String) -> Node? { values[key] }

        func location(of key: String) -> SourceLocation { keyLocations[key] ?? location }
    }

    static func location(_ node: Node) -> SourceLocation {
        guard let mark = node.mark else { return SourceLocation(line: 1, column: 1) }
        return SourceLocation(line: mark.line, column: mark.column)
    }

    mutating func report(at location: SourceLocation, found: String, expected: String) {
        issues.append(PipelineIssue(file: file, at: location, found: found, expected: expected))
    }

    mutating func report(_ node: Node, found: String, expected: String) {
        report(at: Self.location(node), found: found, expected: expected)
    }

    /// A short description of what a node is, for `found …`.
    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull(scalar) { return "null" }
            var text = scalar.string
            if text.count > 40 { text = String(text.prefix(40)) + "…" }
            return scalar.style == .plain ? "'\(text)'" : "string \"\(text)\""
        }
    }

    static func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    static func isNull(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node { return isNull(scalar) }
        return false
    }

    /// Reads a mapping, reporting keys that are not string scalars, unknown keys (with the allowed list) and
    /// missing required keys (at `location`, where the mapping is named). Returns nil if `node` is not a mapping.
    mutating func fields(_ node: Node, path: String, name: String, at location: SourceLocation,
                         allowed: [String], required: [String] = []) -> Fields? {
        guard case .mapping(let mapping) = node else {
            report(node, found: Self.describe(node), expected: "a mapping for \(name)")
            return nil
        }
        var result = Fields(values: [:], keyLocations: [:], location: location, path: path)
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                report(keyNode, found: Self.describe(keyNode) + " as a key in \(name)", expected: "one of: \(allowed.joined(separator: ", "))")
                continue
            }
            let keyLocation = Self.location(keyNode)
            guard allowed.contains(key.string) else {
                report(at: keyLocation, found: "unknown key '\(key.string)' in \(name)",
                       expected: "one of: \(allowed.joined(separator: ", "))")
                continue
            }
            result.values[key.string] = value
            result.keyLocations[key.string] = keyLocation
            keyLocations[path.isEmpty ? key.string : "\(path).\(key.string)"] = keyLocation
        }
        for key in required where result.values[key] == nil {
            report(at: location, found: "\(name) without '\(key)'", expected: "key '\(key)' (required)")
        }
        return result
    }

    /// `value` when the key is absent, else what `read` makes of the node (nil after reporting a problem).
    mutating func optional<T>(_ node: Node?, default value: T, _ read: (inout NodeReader, Node) -> T?) -> T? {
        guard let node else { return value }
        return read(&self, node)
    }

    /// A plain integer scalar.
    mutating func int(_ node: Node, name: String) -> Int? {
        if case .scalar(let scalar) = node, scalar.style == .plain, let value = Int(scalar.string) { return value }
        report(node, found: Self.describe(node) + " for \(name)", expected: "an integer")
        return nil
    }

    /// A plain integer scalar `≥ 1`.
    mutating func positiveInt(_ node: Node, name: String) -> Int? {
        guard let value = int(node, name: name) else { return nil }
        guard value > 0 else {
            report(node, found: "\(name) \(value)", expected: "a positive integer")
            return nil
        }
        return value
    }

    /// A plain, finite number scalar (integer or decimal).
    mutating func number(_ node: Node, name: String) -> Double? {
        if case .scalar(let scalar) = node, scalar.style == .plain, let value = Double(scalar.string) {
            if value.isFinite { return value }
            report(node, found: "\(name) \(scalar.string)", expected: "a finite number")
            return nil
        }
        report(node, found: Self.describe(node) + " for \(name)", expected: "a number")
        return nil
    }

    /// A plain `true` / `false` scalar.
    mutating func bool(_ node: Node, name: String) -> Bool? {
        if case .scalar(let scalar) = node, scalar.style == .plain {
            switch scalar.string {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        report(node, found: Self.describe(node) + " for \(name)", expected: "true or false")
        return nil
    }

    /// Any non-null scalar, as text.
    mutating func string(_ node: Node, name: String) -> String? {
        if case .scalar(let scalar) = node, !Self.isNull(scalar) { return scalar.string }
        report(node, found: Self.describe(node) + " for \(name)", expected: "a string")
        return nil
    }

    /// A non-empty string scalar.
    mutating func nonEmptyString(_ node: Node, name: String) -> String? {
        guard let value = string(node, name: name) else { return nil }
        guard !value.isEmpty else {
            report(node, found: "an empty \(name)", expected: "a non-empty string")
            return nil
        }
        return value
    }

    /// A string scalar from a closed set of choices.
    mutating func choice<T: RawRepresentable & CaseIterable>(_ node: Node, name: String, as type: T.Type) -> T?
        where T.RawValue == String {
        choice(node, name: name, among: T.allCases.map(\.rawValue)).flatMap(T.init(rawValue:))
    }

    /// A string scalar that is one of `allowed`.
    mutating func choice(_ node: Node, name: String, among allowed: [String]) -> String? {
        if case .scalar(let scalar) = node, allowed.contains(scalar.string) { return scalar.string }
        report(node, found: Self.describe(node) + " for \(name)", expected: "one of: \(allowed.joined(separator: ", "))")
        return nil
    }

    /// A list whose elements are each read by `element`; nil if not a list or any element fails.
    /// `count` restricts the number of elements.
    mutating func list<T>(_ node: Node, name: String, count: ClosedRange<Int>? = nil,
                          element: (inout NodeReader, Node) -> T?) -> [T]? {
        guard case .sequence(let sequence) = node else {
            report(node, found: Self.describe(node) + " for \(name)", expected: "a list")
            return nil
        }
        let items = Array(sequence)
        if let count, !count.contains(items.count) {
            let expected = count.lowerBound == count.upperBound
                ? "\(count.lowerBound) values" : "\(count.lowerBound) to \(count.upperBound) values"
            report(node, found: "\(items.count) values for \(name)", expected: expected)
            return nil
        }
        var values = [T]()
        var failed = false
        for item in items {
            if let value = element(&self, item) { values.append(value) } else { failed = true }
        }
        return failed ? nil : values
    }
}
