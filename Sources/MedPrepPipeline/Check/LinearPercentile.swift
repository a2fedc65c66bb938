/// numpy's default percentile (`method='linear'`) of a small exact sample, such as one value per case.
///
/// For ascending `x₀ … xₙ₋₁` and `p ∈ [0, 100]`: `h = (n − 1)·p/100`, `k = ⌊h⌋`, `t = h − k`, and the result is
/// `xₖ + (xₖ₊₁ − xₖ)·t`, computed as numpy's `_lerp` does (`xₖ₊₁ − (xₖ₊₁ − xₖ)·(1 − t)` when `t ≥ ½`).
public enum LinearPercentile {
    /// The percentiles `medprep check` reports per axis.
    public static let reported: [Double] = [0, 10, 50, 90, 100]

    /// The `p`-th percentile of `sorted` (ascending); nil when empty.
    public static func of(sorted: [Double], _ p: Double) -> Double? {
        guard let first = sorted.first else { return nil }
        guard sorted.count > 1 else { return first }
        let h = Double(sorted.count - 1) * p / 100
        let k = min(max(Int(h.rounded(.down)), 0), sorted.count - 1)
        guard k + 1 < sorted.count else { return sorted[k] }
        let t = h - Double(k)
        let (a, b) = (sorted[k], sorted[k + 1])
        let difference = b - a
        return t >= 0.5 ? b - difference * (1 - t) : a + difference * t
    }

    /// Per axis, the percentiles `reported` of `rows` (one row of equal length per case), keyed `p0`, `p10`…;
    /// nil when there is no row.
    public static func perAxis(_ rows: [[Double]]) -> [String: [Double]]? {
        guard let width = rows.first?.count, rows.allSatisfy({ $0.count == width }) else { return nil }
        let columns = (0 ..< width).map { axis in rows.map { $0[axis] }.sorted() }
        var result: [String: [Double]] = [:]
        for p in reported {
            result[key(p)] = columns.map { of(sorted: $0, p) ?? 0 }
        }
        return result
    }

    /// `p0`, `p10`, `p0.5`, `p99.5`…
    public static func key(_ p: Double) -> String {
        p == p.rounded() ? "p\(Int(p))" : "p\(p)"
    }
}
