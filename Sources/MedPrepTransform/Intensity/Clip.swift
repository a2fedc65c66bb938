import MedPrepCore

/// Clamps image intensities to `[min, max]`: `y = min(max(x, lo), hi)`, like `numpy.clip`.
///
/// NaN stays NaN. Label maps pass through unchanged.
package struct Clip: ScanTransform {
    package let min: Float
    package let max: Float

    /// Throws `.invalidArgument` when a bound is NaN or `min > max`.
    package init(min: Float, max: Float) throws {
        guard !min.isNaN, !max.isNaN, min <= max else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "clip needs min ≤ max, got min \(min), max \(max)")
        }
        self.min = min
        self.max = max
    }

    package var name: String { "clip" }

    package func apply(to scan: Scan, role: ScanRole) throws -> Scan {
        guard role == .image else { return scan }
        var result = scan
        let lo = min, hi = max
        result.tensor.storage.withUnsafeMutableBufferPointer { values in
            for index in values.indices {
                let x = values[index]
                if x < lo { values[index] = lo } else if x > hi { values[index] = hi }
            }
        }
        return result
    }
}
