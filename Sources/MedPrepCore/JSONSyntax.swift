/// Finds the first syntax error of JSON text (RFC 8259) for messages: `line L, column C: expected X, found Y`.
/// Foundation's `JSONDecoder` says only "The given data was not valid JSON"; this says where and what.
///
/// A recursive-descent check that builds nothing; nesting deeper than 512 levels is reported as an error.
package struct JSONSyntax {
    private let bytes: [UInt8]
    private var index = 0

    private struct Problem: Error {
        let offset: Int
        let expected: String
    }

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The first syntax error of `bytes`, or nil when they are one well-formed JSON value.
    package static func problem(in bytes: [UInt8]) -> String? {
        var scanner = JSONSyntax(bytes)
        do {
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { scanner.index = 3 }
            try scanner.value(depth: 0)
            scanner.skipSpace()
            if scanner.index < bytes.count { throw Problem(offset: scanner.index, expected: "the end of the text") }
            return nil
        } catch let problem as Problem {
            return scanner.describe(problem)
        } catch {
            return nil
        }
    }

    private func describe(_ problem: Problem) -> String {
        var line = 1, column = 1
        for byte in bytes[..<min(problem.offset, bytes.count)] {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        let found: String
        if problem.offset >= bytes.count {
            found = "the end of the text"
        } else {
            let byte = bytes[problem.offset]
            found = byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
        }
        return "line \(line), column \(column): expected \(problem.expected), found \(found)"
    }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func expect(_ byte: UInt8, _ expected: String) throws {
        skipSpace()
        guard peek() == byte else { throw Problem(offset: index, expected: expected) }
        index += 1
    }

    private mutating func value(depth: Int) throws {
        skipSpace()
        guard depth < 512 else { throw Problem(offset: index, expected: "at most 512 levels of nesting") }
        switch peek() {
        case UInt8(ascii: "{"): try object(depth: depth)
        case UInt8(ascii: "["): try list(depth: depth)
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case let byte? where byte == UInt8(ascii: "-") || (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte):
            try number()
        default:
            throw Problem(offset: index, expected: "a value (object, list, string, number, true, false or null)")
        }
    }

    private mutating func object(depth: Int) throws {
        index += 1
        skipSpace()
        if peek() == UInt8(ascii: "}") { index += 1; return }
        while true {
            skipSpace()
            guard peek() == UInt8(ascii: "\"") else { throw Problem(offset: index, expected: "a field name in double quotes") }
            try string()
            try expect(UInt8(ascii: ":"), "':' after the field name")
            try value(depth: depth + 1)
            skipSpace()
            if peek() == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "}"), "',' or '}'")
            return
        }
    }

    private mutating func list(depth: Int) throws {
        index += 1
        skipSpace()
        if peek() == UInt8(ascii: "]") { index += 1; return }
        while true {
            try value(depth: depth + 1)
            skipSpace()
            if peek() == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "]"), "',' or ']'")
            return
        }
    }

    private mutating func string() throws {
        index += 1
        while let byte = peek() {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return
            case UInt8(ascii: "\\"):
                guard let escaped = peek(), Array("\"\\/bfnrtu".utf8).contains(escaped) else {
                    throw Problem(offset: index, expected: "an escape (\\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX)")
                }
                index += 1
                if escaped == UInt8(ascii: "u") {
                    for _ in 0 ..< 4 {
                        guard let digit = peek(), digit.isHexDigit else { throw Problem(offset: index, expected: "a hex digit") }
                        index += 1
                    }
                }
            case 0 ..< 0x20:
                throw Problem(offset: index - 1, expected: "no control character inside a string (write \\n, \\t …)")
            default:
                break
            }
        }
        throw Problem(offset: index, expected: "'\"' closing the string")
    }

    private mutating func number() throws {
        if peek() == UInt8(ascii: "-") { index += 1 }
        if peek() == UInt8(ascii: "0") {
            index += 1
        } else {
            try digits()
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            try digits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            try digits()
        }
    }

    private mutating func digits() throws {
        guard let first = peek(), first.isDecimalDigit else { throw Problem(offset: index, expected: "a digit") }
        while let byte = peek(), byte.isDecimalDigit { index += 1 }
    }

    private mutating func literal(_ word: String) throws {
        for byte in word.utf8 {
            guard peek() == byte else { throw Problem(offset: index, expected: "'\(word)'") }
            index += 1
        }
    }
}

private extension UInt8 {
    var isDecimalDigit: Bool { (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(self) }
    var isHexDigit: Bool {
        isDecimalDigit || (UInt8(ascii: "a") ... UInt8(ascii: "f")).contains(self) || (UInt8(ascii: "A") ... UInt8(ascii: "F")).contains(self)
    }
}
