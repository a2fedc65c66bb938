import Foundation

/// JSON rendering shared by the subcommands: sorted keys, non-finite numbers as `null`.
enum JSONOutput {
    /// `value` as a JSON number, or `NSNull` when it is NaN or infinite (JSON has no such numbers).
    static func number(_ value: Double) -> Any {
        value.isFinite ? value : NSNull()
    }

    /// Pretty-printed JSON text of a JSON-compatible object.
    static func string(_ object: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
