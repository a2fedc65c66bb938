/// A position in a pipeline file: 1-based line and column (columns count Unicode scalars, as libyaml does).
public struct SourceLocation: Hashable, Sendable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

/// One problem found in a pipeline file, printed as `file:line:column: found X, expected Y`.
public struct PipelineIssue: Hashable, Sendable, CustomStringConvertible {
    /// The pipeline file as the user named it.
    public var file: String
    public var line: Int
    public var column: Int
    /// `found X, expected Y`.
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public init(file: String, at location: SourceLocation, found: String, expected: String) {
        self.init(file: file, line: location.line, column: location.column, message: "found \(found), expected \(expected)")
    }

    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// Thrown by `PipelineParser.parse` when a pipeline file has problems; carries every one of them.
public struct PipelineIssues: Error, Sendable, CustomStringConvertible {
    public var issues: [PipelineIssue]

    public init(_ issues: [PipelineIssue]) {
        self.issues = issues
    }

    /// Most issues `description` prints; the rest are counted on a last line.
    public static let printedLimit = 50

    /// One issue per line: the first `limit`, then `… and N more issues` when there are more.
    public func lines(limit: Int = printedLimit) -> [String] {
        let shown = issues.prefix(limit).map(\.description)
        let rest = issues.count - shown.count
        return rest > 0 ? shown + ["… and \(rest) more issue\(rest == 1 ? "" : "s")"] : shown
    }

    /// The first `printedLimit` issues, one per line, then the count of the rest.
    public var description: String { lines().joined(separator: "\n") }
}
