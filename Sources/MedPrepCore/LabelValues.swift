/// What a label map must hold, and the span of its values.
///
/// A label map is one channel of integer class numbers (0 background, 1, 2, … classes; negative numbers are
/// allowed) within ±2²⁴ = ±16 777 216, the integers float32 holds exactly: a decoded label is float32, and a larger
/// stored integer could already have been rounded. Anything else fails the case (`requireClassNumbers`), so a
/// probability map or an image given as `input.labels` never turns into wrong class numbers.
package enum LabelValues {
    /// The largest class number magnitude, 2²⁴.
    package static let largestMagnitude: Float = 16_777_216

    /// - Throws: `MedPrepError(.invalidLabel)` naming `scan.path` and, for the first offending value in the file's
    ///   voxel order, the value and its voxel `(i, j, k)`; or the channel count when it is not 1.
    package static func requireClassNumbers(_ scan: Scan) throws {
        let shape = scan.tensor.shape
        guard shape.c == 1 else {
            throw MedPrepError(.invalidLabel, path: scan.path, reason: "label map has \(shape.c) channels; a label map "
                + "holds one class number per voxel: store it as one gray image or one 3D volume (not RGB, not 4D)")
        }
        let offending = scan.tensor.storage.withUnsafeBufferPointer { values in
            values.firstIndex { !($0.rounded() == $0 && abs($0) <= largestMagnitude) }
        }
        guard let index = offending else { return }
        let value = scan.tensor.storage[index]
        let (i, j, k) = (index % shape.w, index / shape.w % shape.h, index / (shape.w * shape.h))
        let scaled = scan.header.scaling.flatMap { $0.slope == 1 && $0.intercept == 0 ? nil
            : " (after the file's scaling: slope \($0.slope), intercept \($0.intercept))" } ?? ""
        let why = value.isFinite && value.rounded() == value
            ? "which lies beyond ±16777216, the largest class numbers medprep keeps exact"
            : "which is not an integer class number"
        throw MedPrepError(.invalidLabel, path: scan.path, reason: "label map has the value \(value) at voxel "
            + "(i, j, k) = (\(i), \(j), \(k))\(scaled), \(why). A label map holds integer class numbers (0 background, "
            + "1, 2, … classes): check that input.labels names label maps, not images or probability maps, or round "
            + "the file to integers first (numpy: np.rint(data).astype(np.int16))")
    }

    /// The smallest and largest value of `values`, nil when there is none. NaN is never among checked labels.
    package static func range(_ values: [Float]) -> ClosedRange<Float>? {
        guard var lower = values.first else { return nil }
        var upper = lower
        for value in values {
            lower = min(lower, value)
            upper = max(upper, value)
        }
        return lower ... upper
    }
}
