import Foundation

/// Plain-words text for errors that come from Swift's decoders and Foundation's file APIs, so that no message a
/// user sees shows `DecodingError`, `CodingKeys`, `NSCocoaErrorDomain` or a Swift type name.
///
/// - A decoding error names the field (`channels[0].mean`) and what was expected there (`expected a number, found a
///   string`); JSON that is not well-formed names the line and column of the first syntax error (`JSONSyntax`).
/// - A Foundation file error becomes `PATH: strerror text` (`No such file or directory`), from its underlying POSIX
///   error when it has one.
package enum ErrorText {
    /// `error` in plain words, with the file it names when it names one.
    package static func describe(_ error: Error) -> String {
        if let error = error as? MedPrepError { return error.description }
        if let file = fileError(error) { return file.path.map { "\($0): \(file.reason)" } ?? file.reason }
        return reason(error)
    }

    /// `error` in plain words, without the file it may name (for a message that names the file itself).
    package static func reason(_ error: Error) -> String {
        if let error = error as? MedPrepError { return error.reason }
        if let error = error as? DecodingError { return decoding(error) }
        if let file = fileError(error) { return file.reason }
        return String(describing: error)
    }

    /// The problem of JSON `data` that failed to decode with `error`, as `MedPrepError(.malformed)` naming `path`:
    /// `PATH: not a valid WHAT: field x: expected …` or `PATH: not valid JSON: line L, column C: expected …`.
    /// A `MedPrepError` thrown by a decoder (say, an unsupported version) is kept, attributed to `path`.
    package static func jsonError(_ error: Error, data: Data, path: String?, holding what: String) -> MedPrepError {
        if let error = error as? MedPrepError { return path.map { error.at($0) } ?? error }
        if case DecodingError.dataCorrupted(let context)? = error as? DecodingError, context.codingPath.isEmpty {
            let syntax = JSONSyntax.problem(in: [UInt8](data)) ?? "the text is not JSON"
            return MedPrepError(.malformed, path: path, reason: "not valid JSON (\(what) expected): \(syntax)")
        }
        return MedPrepError(.malformed, path: path, reason: "not a valid \(what): \(reason(error))")
    }

    // MARK: Decoding errors

    static func decoding(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field \(field(context.codingPath + [key]))"
        case .typeMismatch(let type, let context):
            return "field \(field(context.codingPath)): expected \(word(for: type))\(found(in: context.debugDescription))"
        case .valueNotFound(let type, let context):
            return "field \(field(context.codingPath)): expected \(word(for: type)), found null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "field \(field(context.codingPath)): invalid value"
        @unknown default:
            return "not the expected JSON"
        }
    }

    /// `channels[0].mean`; `the top level` for the root.
    static func field(_ path: [CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue, key.stringValue.hasPrefix("Index ") || key.stringValue == String(index) {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "at the top level" : "'\(text)'"
    }

    /// What a JSON value of Swift type `type` is called in plain words.
    static func word(for type: Any.Type) -> String {
        let name = String(describing: type)
        let words: [(prefix: String, word: String)] = [
            ("Optional<", "a value"), ("Int", "a whole number"), ("UInt", "a whole number ≥ 0"),
            ("Double", "a number"), ("Float", "a number"), ("String", "a string"), ("Bool", "true or false"),
            ("Array<", "a list"), ("Dictionary<", "an object"), ("Set<", "a list"),
        ]
        return words.first { name.hasPrefix($0.prefix) }?.word ?? "a value of another kind"
    }

    /// `, found a string` from a decoder's `…but found a string instead.`; empty when it says nothing usable.
    static func found(in description: String) -> String {
        let known = ["a string": "a string", "a number": "a number", "an array": "a list", "a dictionary": "an object",
                     "a bool": "true or false", "bool": "true or false", "null": "null", "a null value": "null"]
        guard let range = description.range(of: "found ") else { return "" }
        let rest = description[range.upperBound...]
        let phrase = rest.range(of: " instead").map { String(rest[..<$0.lowerBound]) } ?? String(rest)
        return known[phrase.trimmingCharacters(in: .punctuationCharacters)].map { ", found \($0)" } ?? ""
    }

    // MARK: Foundation file errors

    /// The path and strerror-style reason of a Foundation (Cocoa or POSIX) file error; nil for other errors.
    static func fileError(_ error: Error) -> (path: String?, reason: String)? {
        if let posix = error as? POSIXError { return (nil, strerrorText(posix.code.rawValue)) }
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return nil }
        if ns.domain == NSPOSIXErrorDomain { return (nil, strerrorText(Int32(ns.code))) }
        let path = ns.userInfo[NSFilePathErrorKey] as? String ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? POSIXError {
            return (path, strerrorText(underlying.code.rawValue))
        }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? Error, (underlying as NSError).domain == NSPOSIXErrorDomain {
            return (path, strerrorText(Int32((underlying as NSError).code)))
        }
        return (path, cocoaReason(CocoaError.Code(rawValue: ns.code)))
    }

    static func strerrorText(_ code: Int32) -> String { String(cString: strerror(code)) }

    static func cocoaReason(_ code: CocoaError.Code) -> String {
        switch code {
        case .fileNoSuchFile, .fileReadNoSuchFile: return strerrorText(ENOENT)
        case .fileReadNoPermission, .fileWriteNoPermission: return strerrorText(EACCES)
        case .fileWriteOutOfSpace: return strerrorText(ENOSPC)
        case .fileWriteFileExists: return strerrorText(EEXIST)
        case .fileWriteVolumeReadOnly: return strerrorText(EROFS)
        case .fileReadTooLarge: return strerrorText(EFBIG)
        case .fileReadInapplicableStringEncoding, .fileReadUnknownStringEncoding, .fileWriteInapplicableStringEncoding:
            return "the file is not UTF-8 text"
        case .fileReadCorruptFile: return "the file is damaged or not in the expected format"
        case .fileWriteInvalidFileName: return "invalid file name"
        case .fileLocking: return "the file is locked"
        default: return "the file could not be read or written"
        }
    }
}
