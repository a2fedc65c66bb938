/// A glob over relative `/`-separated paths.
///
/// - `**` as a whole path segment matches zero or more directories;
/// - `*` matches any run of characters within one segment (including none), `?` exactly one character;
/// - `{a,b,…}` matches any of the comma-separated alternatives (which may contain `/`, globs and nested braces).
///
/// Matching is case-sensitive and works on Unicode scalars. Other characters, `[` included, match themselves.
public struct GlobPattern: Hashable, Sendable, CustomStringConvertible {
    private enum Segment: Hashable, Sendable {
        case globstar
        case pattern([Unicode.Scalar])
    }

    public let text: String
    /// One segment list per brace alternative.
    private let alternatives: [[Segment]]

    /// Compiles `text`; nil when `problem(in:)` reports something.
    public init?(_ text: String) {
        guard Self.problem(in: text) == nil, let expanded = Self.expandBraces(Array(text.unicodeScalars)) else { return nil }
        self.text = text
        alternatives = expanded.map { scalars in
            String(String.UnicodeScalarView(scalars)).split(separator: "/", omittingEmptySubsequences: true).map {
                $0 == "**" ? .globstar : .pattern(Array($0.unicodeScalars))
            }
        }
    }

    public var description: String { text }

    /// Why `text` is not a usable pattern (absolute, `..` segments, unbalanced braces), or nil.
    public static func problem(in text: String) -> String? {
        if text.hasPrefix("/") { return "is absolute" }
        if text.split(separator: "/").contains("..") { return "contains '..'" }
        var depth = 0
        for scalar in text.unicodeScalars {
            if scalar == "{" { depth += 1 }
            if scalar == "}" { depth -= 1 }
            if depth < 0 { return "has an unmatched '}'" }
        }
        return depth == 0 ? nil : "has an unmatched '{'"
    }

    /// Whether the relative path matches.
    public func matches(_ path: String) -> Bool {
        let components = path.split(separator: "/", omittingEmptySubsequences: true).map { Array($0.unicodeScalars) }
        return alternatives.contains { Self.match($0[...], components[...]) }
    }

    private static func match(_ segments: ArraySlice<Segment>, _ components: ArraySlice<[Unicode.Scalar]>) -> Bool {
        guard let first = segments.first else { return components.isEmpty }
        switch first {
        case .globstar:
            let rest = segments.dropFirst()
            var remaining = components
            while true {
                if match(rest, remaining) { return true }
                guard !remaining.isEmpty else { return false }
                remaining = remaining.dropFirst()
            }
        case .pattern(let pattern):
            guard let component = components.first, matchSegment(pattern[...], component[...]) else { return false }
            return match(segments.dropFirst(), components.dropFirst())
        }
    }

    /// `*` / `?` matching within one segment, iterative with single-star backtracking.
    private static func matchSegment(_ pattern: ArraySlice<Unicode.Scalar>, _ name: ArraySlice<Unicode.Scalar>) -> Bool {
        var p = pattern.startIndex, n = name.startIndex
        var starP: Int?, starN = name.startIndex
        while n < name.endIndex {
            if p < pattern.endIndex, pattern[p] == "*" {
                starP = p
                starN = n
                p += 1
            } else if p < pattern.endIndex, pattern[p] == "?" || pattern[p] == name[n] {
                p += 1
                n += 1
            } else if let star = starP {
                p = star + 1
                starN += 1
                n = starN
            } else {
                return false
            }
        }
        while p < pattern.endIndex, pattern[p] == "*" { p += 1 }
        return p == pattern.endIndex
    }

    /// Expands the first (outermost) brace group recursively: `a{b,c}d` → `abd`, `acd`.
    private static func expandBraces(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]]? {
        guard let open = scalars.firstIndex(of: "{") else { return [scalars] }
        var depth = 0
        var close: Int?
        var commas = [Int]()
        for index in open ..< scalars.count {
            switch scalars[index] {
            case "{": depth += 1
            case "}":
                depth -= 1
                if depth == 0 { close = index }
            case "," where depth == 1: commas.append(index)
            default: break
            }
            if close != nil { break }
        }
        guard let close else { return nil }
        let prefix = Array(scalars[..<open])
        let suffix = Array(scalars[(close + 1)...])
        var bounds = [open] + commas + [close]
        var results = [[Unicode.Scalar]]()
        for i in 0 ..< bounds.count - 1 {
            let option = Array(scalars[(bounds[i] + 1) ..< bounds[i + 1]])
            guard let expanded = expandBraces(prefix + option + suffix) else { return nil }
            results += expanded
        }
        bounds.removeAll()
        return results
    }
}
