/// An nnU-Net style file name pattern grouping one file per channel into cases, e.g. `{case}_{channel:4}.nii.gz`.
///
/// `{case}` matches one or more characters; `{channel:N}` exactly `N` decimal digits, `{channel}` one or more.
/// The pattern applies to file names only; files in different directories form different cases.
public struct ChannelPattern: Hashable, Sendable {
    private enum Token: Hashable, Sendable {
        case literal(Unicode.Scalar)
        case caseID
        case channel(width: Int?)
    }

    public let text: String
    private let tokens: [Token]

    /// Compiles `text`; nil when `problem(in:)` reports something.
    public init?(_ text: String) {
        guard let tokens = Self.tokenize(text) else { return nil }
        self.text = text
        self.tokens = tokens
    }

    /// Why `text` is not a usable channel pattern, or nil.
    public static func problem(in text: String) -> String? {
        if text.contains("/") { return "contains '/'" }
        guard let tokens = tokenize(text) else { return "has a placeholder other than {case}, {channel}, {channel:N}" }
        if tokens.filter({ $0 == .caseID }).count != 1 { return "needs exactly one {case}" }
        if tokens.filter({ if case .channel = $0 { true } else { false } }).count != 1 { return "needs exactly one {channel}" }
        return nil
    }

    private static func tokenize(_ text: String) -> [Token]? {
        var tokens = [Token]()
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "}" { return nil }
            guard scalar == "{" else {
                tokens.append(.literal(scalar))
                index += 1
                continue
            }
            guard let close = scalars[index...].firstIndex(of: "}") else { return nil }
            let name = String(String.UnicodeScalarView(scalars[(index + 1) ..< close]))
            if name == "case" {
                tokens.append(.caseID)
            } else if name == "channel" {
                tokens.append(.channel(width: nil))
            } else if name.hasPrefix("channel:"), let width = Int(name.dropFirst("channel:".count)), (1 ... 9).contains(width) {
                tokens.append(.channel(width: width))
            } else {
                return nil
            }
            index = close + 1
        }
        return tokens
    }

    /// The case id and channel number encoded in `fileName`, or nil if it does not match.
    public func match(_ fileName: String) -> (caseID: String, channel: Int)? {
        let name = Array(fileName.unicodeScalars)
        var caseRange: Range<Int>?
        var channelRange: Range<Int>?
        guard match(tokens[...], name, 0, &caseRange, &channelRange), let caseRange, let channelRange,
              let channel = Int(String(String.UnicodeScalarView(name[channelRange]))) else { return nil }
        return (String(String.UnicodeScalarView(name[caseRange])), channel)
    }

    private func match(_ tokens: ArraySlice<Token>, _ name: [Unicode.Scalar], _ position: Int,
                       _ caseRange: inout Range<Int>?, _ channelRange: inout Range<Int>?) -> Bool {
        guard let token = tokens.first else { return position == name.count }
        let rest = tokens.dropFirst()
        switch token {
        case .literal(let scalar):
            guard position < name.count, name[position] == scalar else { return false }
            return match(rest, name, position + 1, &caseRange, &channelRange)
        case .caseID:
            for end in stride(from: name.count, to: position, by: -1) {
                caseRange = position ..< end
                if match(rest, name, end, &caseRange, &channelRange) { return true }
            }
            return false
        case .channel(let width):
            var end = position
            while end < name.count, ("0" ... "9").contains(name[end]) { end += 1 }
            let longest = end - position
            let lengths = width.map { longest >= $0 ? [$0] : [] } ?? Array(stride(from: longest, to: 0, by: -1))
            for length in lengths {
                channelRange = position ..< position + length
                if match(rest, name, position + length, &caseRange, &channelRange) { return true }
            }
            return false
        }
    }
}
