import MedPrepCore

/// The stored sample types medprep decodes from TIFF (BitsPerSample × SampleFormat).
enum TIFFSampleType: String, Sendable {
    case uint8, int8, uint16, int16, uint32, int32, uint64, int64, float32, float64

    /// The type for `bits` per sample in SampleFormat `format` (1 uint, 2 int, 3 float, 4 void read as uint).
    /// BitsPerSample other than 8/16/32/64, 8/16-bit floats and complex formats are `.unsupported`.
    init(bits: Int, format: Int, path: String) throws {
        guard [8, 16, 32, 64].contains(bits) else {
            throw MedPrepError(.unsupported, path: path, reason: "BitsPerSample \(bits) is not supported (only 8, 16, 32, 64)")
        }
        switch (format, bits) {
        case (1, 8), (4, 8): self = .uint8
        case (1, 16), (4, 16): self = .uint16
        case (1, 32), (4, 32): self = .uint32
        case (1, 64), (4, 64): self = .uint64
        case (2, 8): self = .int8
        case (2, 16): self = .int16
        case (2, 32): self = .int32
        case (2, 64): self = .int64
        case (3, 32): self = .float32
        case (3, 64): self = .float64
        case (3, _):
            throw MedPrepError(.unsupported, path: path, reason: "\(bits)-bit floating-point samples are not supported")
        case (5, _), (6, _):
            throw MedPrepError(.unsupported, path: path, reason: "complex samples (SampleFormat \(format)) are not supported")
        default:
            throw MedPrepError(.malformed, path: path, reason: "SampleFormat \(format) is not defined by TIFF")
        }
    }

    /// Bytes per sample.
    var byteCount: Int {
        switch self {
        case .uint8, .int8: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        }
    }

    /// Converts `count` native-endian samples, read from `source` at element `start` with step `stride`,
    /// to Float (rounded to nearest where the type has more precision) into `destination`.
    /// - Throws: `.nonFinite` naming `path` when a finite float64 sample lies beyond float32's range (it would
    ///   round to ±∞); stored NaN/±∞ pass through for the non-finite policy.
    func convert(_ source: UnsafeRawPointer, start: Int, stride: Int, count: Int,
                 into destination: UnsafeMutablePointer<Float>, path: String) throws {
        if self == .float64, count > 0 {
            let samples = source.bindMemory(to: Double.self, capacity: start + (count - 1) * stride + 1) + start
            for index in 0 ..< count where samples[index * stride].isFinite
                && abs(samples[index * stride]) > Double(Float.greatestFiniteMagnitude) {
                throw MedPrepError(.nonFinite, path: path, reason: "float64 value \(samples[index * stride]) overflows "
                    + "float32 (finite float32 values lie within ±\(Float.greatestFiniteMagnitude)); medprep works in "
                    + "float32: rescale the data first")
            }
        }
        switch self {
        case .uint8: Self.convert(source, UInt8.self, start, stride, count, destination) { Float($0) }
        case .int8: Self.convert(source, Int8.self, start, stride, count, destination) { Float($0) }
        case .uint16: Self.convert(source, UInt16.self, start, stride, count, destination) { Float($0) }
        case .int16: Self.convert(source, Int16.self, start, stride, count, destination) { Float($0) }
        case .uint32: Self.convert(source, UInt32.self, start, stride, count, destination) { Float($0) }
        case .int32: Self.convert(source, Int32.self, start, stride, count, destination) { Float($0) }
        case .uint64: Self.convert(source, UInt64.self, start, stride, count, destination) { Float($0) }
        case .int64: Self.convert(source, Int64.self, start, stride, count, destination) { Float($0) }
        case .float32: Self.convert(source, Float.self, start, stride, count, destination) { $0 }
        case .float64: Self.convert(source, Double.self, start, stride, count, destination) { Float($0) }
        }
    }

    @inline(__always)
    private static func convert<T>(_ source: UnsafeRawPointer, _: T.Type, _ start: Int, _ stride: Int, _ count: Int,
                                   _ destination: UnsafeMutablePointer<Float>, _ toFloat: (T) -> Float) {
        guard count > 0 else { return }
        let samples = source.bindMemory(to: T.self, capacity: start + (count - 1) * stride + 1) + start
        for index in 0 ..< count {
            destination[index] = toFloat(samples[index * stride])
        }
    }
}
