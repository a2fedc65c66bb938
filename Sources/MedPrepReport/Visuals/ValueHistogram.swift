import Foundation

/// A histogram of values on a fixed grid of power-of-two-wide bins, so that histograms of different cases,
/// workers and shards merge exactly, in any order, into the histogram of all their values.
///
/// Bin `m` of exponent `e` holds the values `x` with `⌊x / 2^e⌋ = m`, i.e. `[m·2^e, (m+1)·2^e)`; dividing by a power
/// of two is exact, so every value lands in the bin numpy's `histogram` gives it for the edges `edges`. The
/// exponent is the smallest `e ≥ max(minimumExponent, ⌊log2 max|x|⌋ − 60)` (so bin indices fit an `Int`) for which the bins from `⌊min / 2^e⌋` to `⌊max / 2^e⌋` number at
/// most `maximumBins`. Coarsening by one step merges bin pairs (`⌊m / 2⌋`), and `⌊⌊x/2^e⌋ / 2⌋ = ⌊x/2^(e+1)⌋`, so the
/// merge of two histograms equals the histogram of the union. Memory: at most `maximumBins` counts. Non-finite
/// values are counted apart (`nonFinite`).
package struct ValueHistogram: Sendable, Equatable, Codable {
    package static let maximumBins = 128
    package static let minimumExponent = -40

    /// The bin width is `2^exponent`.
    package private(set) var exponent: Int
    /// Index `m` of the first bin.
    package private(set) var firstBin: Int
    /// Counts of bins `firstBin`, `firstBin + 1`, …; empty when no finite value was added.
    package private(set) var counts: [Int]
    package private(set) var nonFinite: Int

    package init() {
        exponent = Self.minimumExponent
        firstBin = 0
        counts = []
        nonFinite = 0
    }

    enum CodingKeys: String, CodingKey {
        case exponent, counts
        case firstBin = "first_bin", nonFinite = "nonfinite"
    }

    /// The histogram of `values`.
    package init(_ values: UnsafeBufferPointer<Float>) {
        self.init()
        var low = Float.infinity, high = -Float.infinity, bad = 0
        for x in values {
            if x.isFinite { low = Swift.min(low, x); high = Swift.max(high, x) } else { bad += 1 }
        }
        nonFinite = bad
        guard low <= high else { return }
        let magnitude = Swift.max(abs(Double(low)), abs(Double(high)))
        var e = magnitude > 0 ? Swift.max(Self.minimumExponent, Int(magnitude.exponent) - 60) : Self.minimumExponent
        while Self.bin(Double(high), e) - Self.bin(Double(low), e) + 1 > Self.maximumBins { e += 1 }
        exponent = e
        firstBin = Self.bin(Double(low), e)
        counts = [Int](repeating: 0, count: Self.bin(Double(high), e) - firstBin + 1)
        for x in values where x.isFinite { counts[Self.bin(Double(x), e) - firstBin] += 1 }
    }

    /// `⌊x / 2^e⌋` (exact: scaling by a power of two does not round for these magnitudes).
    static func bin(_ x: Double, _ e: Int) -> Int {
        Int((x * pow(2, Double(-e))).rounded(.down))
    }

    /// The number of finite values counted.
    package var total: Int { counts.reduce(0, +) }

    /// The bin edges, `counts.count + 1` values: `(firstBin + i) · 2^exponent`.
    package var edges: [Double] {
        guard !counts.isEmpty else { return [] }
        return (0 ... counts.count).map { Double(firstBin + $0) * pow(2, Double(exponent)) }
    }

    /// Adds the values of `other` (exact, order-independent).
    package mutating func merge(_ other: ValueHistogram) {
        nonFinite += other.nonFinite
        guard !other.counts.isEmpty else { return }
        guard !counts.isEmpty else {
            (exponent, firstBin, counts) = (other.exponent, other.firstBin, other.counts)
            return
        }
        var mine = self, theirs = other
        let e = Swift.max(exponent, other.exponent)
        mine.coarsen(to: e)
        theirs.coarsen(to: e)
        let first = Swift.min(mine.firstBin, theirs.firstBin)
        let last = Swift.max(mine.firstBin + mine.counts.count, theirs.firstBin + theirs.counts.count)
        var sum = [Int](repeating: 0, count: last - first)
        for part in [mine, theirs] {
            for (offset, count) in part.counts.enumerated() { sum[part.firstBin - first + offset] += count }
        }
        (exponent, firstBin, counts) = (e, first, sum)
        while counts.count > Self.maximumBins { coarsen(to: exponent + 1) }
    }

    /// Merges bins until the width is `2^target` (`m → ⌊m / 2^(target − exponent)⌋`, an arithmetic shift).
    mutating func coarsen(to target: Int) {
        guard target > exponent, !counts.isEmpty else { exponent = Swift.max(exponent, target); return }
        let shift = target - exponent
        let first = firstBin >> shift, last = (firstBin + counts.count - 1) >> shift
        var merged = [Int](repeating: 0, count: last - first + 1)
        for (offset, count) in counts.enumerated() { merged[((firstBin + offset) >> shift) - first] += count }
        (exponent, firstBin, counts) = (target, first, merged)
    }
}
