import MedPrepCore
import MedPrepNormalize

/// What `medprep inspect` reports about one decoded scan: format, shape `[C, D, H, W]`, stored type, spacing,
/// affine and where it came from, scaling, and min/max/mean/std of the decoded values (Double accumulation;
/// std is the population std, ddof 0; non-finite voxels are counted and left out).
package struct ScanSummary: Sendable, Equatable, Encodable {
    package var path: String
    package var format: String
    package var shape: [Int]
    package var dtype: String
    package var bitsPerSample: Int
    package var spacing: [Double]
    package var affine: [[Double]]
    package var affineSource: String
    package var scaling: IntensityScaling?
    package var min: Double?
    package var max: Double?
    package var mean: Double?
    package var std: Double?
    package var nonFinite: Int

    package init(_ scan: Scan) {
        let moments = scan.tensor.storage.withUnsafeBufferPointer { Moments.of($0, nonFinite: .ignore) }
        path = scan.path
        format = scan.header.format.rawValue
        shape = scan.tensor.shape.sampleDimensions
        dtype = scan.header.dataType
        bitsPerSample = scan.header.bitsPerSample
        spacing = scan.geometry.spacing
        affine = scan.geometry.affine.rows
        affineSource = scan.geometry.affineSource.rawValue
        scaling = scan.header.scaling
        let counted = moments.count > 0
        min = counted ? moments.min : nil
        max = counted ? moments.max : nil
        mean = counted ? moments.mean : nil
        std = counted ? moments.std : nil
        nonFinite = moments.nonFinite
    }

    enum CodingKeys: String, CodingKey {
        case path, format, shape, dtype, spacing, affine, scaling, min, max, mean, std
        case bitsPerSample = "bits_per_sample", affineSource = "affine_source", nonFinite = "nonfinite"
    }

    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(format, forKey: .format)
        try c.encode(shape, forKey: .shape)
        try c.encode(dtype, forKey: .dtype)
        try c.encode(bitsPerSample, forKey: .bitsPerSample)
        try c.encode(spacing, forKey: .spacing)
        try c.encode(affine, forKey: .affine)
        try c.encode(affineSource, forKey: .affineSource)
        try c.encode(scaling, forKey: .scaling)
        try c.encode(min, forKey: .min)
        try c.encode(max, forKey: .max)
        try c.encode(mean, forKey: .mean)
        try c.encode(std, forKey: .std)
        try c.encode(nonFinite, forKey: .nonFinite)
    }

    /// The human-readable block `medprep inspect` prints.
    package var text: String {
        let rows = affine.map { row in "    [" + row.map { pad(HTMLPage.format($0), 11) }.joined(separator: " ") + "]" }
        let scaled = scaling.map { "slope \($0.slope), intercept \($0.intercept)" } ?? "none"
        func value(_ x: Double?) -> String { x.map { "\($0)" } ?? "–" }
        return """
        \(path)
          format    \(format) (\(dtype), \(bitsPerSample) bits)
          shape     \(shape) [C, D, H, W]
          spacing   \(spacing)
          scaling   \(scaled)
          affine    from \(affineSource)
        \(rows.joined(separator: "\n"))
          values    min \(value(min))  max \(value(max))  mean \(value(mean))  std \(value(std))\(nonFinite > 0 ? "  non-finite \(nonFinite)" : "")
        """
    }

    private func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: Swift.max(0, width - text.count)) + text
    }
}

/// One entry of `medprep inspect --json`: a summary, or the error of a file that could not be read.
package enum InspectEntry: Sendable, Encodable {
    case scan(ScanSummary)
    case failure(path: String, error: MedPrepError)

    package func encode(to encoder: Encoder) throws {
        switch self {
        case .scan(let summary):
            try summary.encode(to: encoder)
        case .failure(let path, let error):
            var c = encoder.container(keyedBy: FailureKeys.self)
            try c.encode(path, forKey: .path)
            try c.encode(error.description, forKey: .error)
            try c.encode(error.kind.rawValue, forKey: .errorKind)
        }
    }

    enum FailureKeys: String, CodingKey { case path, error, errorKind = "error_kind" }
}
