import MedPrepCore

/// Label values (float32 in memory, integer class numbers) converted to their integer file type in chunks of
/// `chunk` values, so that writing a label costs one chunk of memory beyond the label itself.
enum LabelEncoding {
    static let chunk = 1 << 18

    /// Calls `emit` with the little-endian bytes of `values` as `type`, chunk by chunk.
    /// - Throws: `MedPrepError(.invalidLabel)` naming `path` and the first value `type` does not hold exactly.
    static func emit(_ values: [Float], as type: LabelType, path: String, _ emit: ([UInt8]) throws -> Void) throws {
        var bytes = [UInt8]()
        bytes.reserveCapacity(min(values.count, chunk) * type.size)
        try values.withUnsafeBufferPointer { all in
            for start in stride(from: 0, to: all.count, by: chunk) {
                bytes.removeAll(keepingCapacity: true)
                let part = UnsafeBufferPointer(rebasing: all[start ..< min(start + chunk, all.count)])
                if let value = type.append(part, to: &bytes) {
                    throw MedPrepError(.invalidLabel, path: path,
                        reason: "label value \(value) is not an integer of the output type \(type.rawValue); nothing was written")
                }
                try emit(bytes)
            }
        }
    }
}
