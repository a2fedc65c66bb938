/// The integer element type of a label map as written: NIfTI label files and `.npy` label batches.
///
/// Rule of a case's label file (`forLabel(storedType:values:)`): the integer type the input file stores is kept
/// (`uint8` stays `uint8`, and an `int32` file stays `int32` even when its values would fit `uint8`) as long as
/// every value after the stages fits it; otherwise (a float file, or scaling that took the values out of the
/// stored type) the label takes the smallest of `uint8`, `int16`, `int32` that holds its values. A label batch
/// takes the smallest of those three that holds every member's values (`smallest(holding:)`). Label values lie
/// within ±2²⁴ (`LabelValues`), so `int32` always holds them.
package enum LabelType: String, CaseIterable, Sendable {
    case uint8, int8, uint16, int16, uint32, int32, int64, uint64

    /// The types a label takes when it does not keep its stored one, smallest first.
    package static let compact: [LabelType] = [.uint8, .int16, .int32]

    /// Bytes per value.
    package var size: Int {
        switch self {
        case .uint8, .int8: 1
        case .uint16, .int16: 2
        case .uint32, .int32: 4
        case .int64, .uint64: 8
        }
    }

    /// The NIfTI-1 `datatype` code (`NIFTI_TYPE_UINT8` = 2 …).
    package var niftiCode: Int {
        switch self {
        case .uint8: 2
        case .int16: 4
        case .int32: 8
        case .int8: 256
        case .uint16: 512
        case .uint32: 768
        case .int64: 1024
        case .uint64: 1280
        }
    }

    /// The NumPy `descr` of the type, little-endian: `|u1`, `<i2`, `<i4` …
    package var numpyDescriptor: String {
        let kind = rawValue.hasPrefix("u") ? "u" : "i"
        return (size == 1 ? "|" : "<") + kind + String(size)
    }

    /// The values the type holds.
    package var range: ClosedRange<Double> {
        switch self {
        case .uint8: 0 ... Double(UInt8.max)
        case .int8: Double(Int8.min) ... Double(Int8.max)
        case .uint16: 0 ... Double(UInt16.max)
        case .int16: Double(Int16.min) ... Double(Int16.max)
        case .uint32: 0 ... Double(UInt32.max)
        case .int32: Double(Int32.min) ... Double(Int32.max)
        case .int64: Double(Int64.min) ... Double(Int64.max)
        case .uint64: 0 ... Double(UInt64.max)
        }
    }

    /// Whether every value of `values` fits the type (an empty label, nil, fits every type).
    package func holds(_ values: ClosedRange<Float>?) -> Bool {
        guard let values else { return true }
        return range.contains(Double(values.lowerBound)) && range.contains(Double(values.upperBound))
    }

    /// The smallest of `uint8`, `int16`, `int32` that holds `values`.
    package static func smallest(holding values: ClosedRange<Float>?) -> LabelType {
        compact.first { $0.holds(values) } ?? .int32
    }

    /// The type of a label file whose input stored `storedType` (numpy's name, `ScanHeader.dataType`) and whose values
    /// after the stages span `values`: the stored integer type when it holds them, else `smallest(holding:)`.
    package static func forLabel(storedType: String, values: ClosedRange<Float>?) -> LabelType {
        if let stored = LabelType(rawValue: storedType), stored.holds(values) { return stored }
        return smallest(holding: values)
    }

    /// Appends `values` as little-endian integers of this type to `bytes`. Returns the first value that the type does
    /// not hold exactly (a fraction, NaN, out of range), nil when every value was written exactly.
    package func append(_ values: UnsafeBufferPointer<Float>, to bytes: inout [UInt8]) -> Float? {
        switch self {
        case .uint8: Self.append(values, as: UInt8.self, to: &bytes)
        case .int8: Self.append(values, as: Int8.self, to: &bytes)
        case .uint16: Self.append(values, as: UInt16.self, to: &bytes)
        case .int16: Self.append(values, as: Int16.self, to: &bytes)
        case .uint32: Self.append(values, as: UInt32.self, to: &bytes)
        case .int32: Self.append(values, as: Int32.self, to: &bytes)
        case .int64: Self.append(values, as: Int64.self, to: &bytes)
        case .uint64: Self.append(values, as: UInt64.self, to: &bytes)
        }
    }

    private static func append<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<Float>, as _: T.Type,
                                                     to bytes: inout [UInt8]) -> Float? {
        let start = bytes.count, width = MemoryLayout<T>.size
        bytes.append(contentsOf: repeatElement(0, count: values.count * width))
        return bytes.withUnsafeMutableBytes { raw -> Float? in
            for (index, value) in values.enumerated() {
                guard let exact = T(exactly: value) else { return value }
                raw.storeBytes(of: exact.littleEndian, toByteOffset: start + index * width, as: T.self)
            }
            return nil
        }
    }
}
