import Foundation

/// A mergeable quantile sketch with relative accuracy `α = 0.005` (DDSketch-style log buckets).
///
/// With `γ = (1 + α)/(1 − α)`, a value `x` with `|x| ≥ Float.leastNormalMagnitude` goes to bucket
/// `i = ⌈log_γ |x|⌉` of its sign, covering `(γ^(i−1), γ^i]` and represented by `±2γ^i/(γ + 1)`, which is
/// within `α·|x|` of every value in the bucket; smaller magnitudes go to an exact zero bucket.
/// Merging adds bucket counts, so a merged sketch is identical whatever the order of merges.
///
/// `percentile(p)` follows numpy's `'linear'` definition: with `h = (p/100)(n − 1)`, `k = ⌊h⌋`, it
/// interpolates the estimates of the order statistics `x_(k)` and `x_(k+1)` (each clamped to the exact
/// min/max). Error bound against `numpy.percentile(values, p)`:
///
///     |p̃ − p| ≤ α·max(|x_(k)|, |x_(k+1)|) + Float.leastNormalMagnitude
public struct QuantileSketch: Sendable, Codable {
    /// The relative accuracy α.
    public static let alpha = 0.005
    static let gamma = (1 + alpha) / (1 - alpha)
    static let logGamma = Foundation.log(gamma)

    /// Counts of consecutive bucket indices starting at `offset`.
    struct Store: Sendable {
        var offset = 0
        var counts: [Int] = []

        var total: Int { counts.reduce(0, +) }

        mutating func add(index: Int, count: Int = 1) {
            if counts.isEmpty {
                offset = index
                counts = [0]
            } else if index < offset {
                counts.insert(contentsOf: repeatElement(0, count: offset - index), at: 0)
                offset = index
            } else if index >= offset + counts.count {
                counts.append(contentsOf: repeatElement(0, count: index - offset - counts.count + 1))
            }
            counts[index - offset] += count
        }

        /// Non-empty buckets as `[index, count]` pairs, ascending.
        var pairs: [[Int]] {
            counts.indices.compactMap { counts[$0] > 0 ? [$0 + offset, counts[$0]] : nil }
        }
    }

    var negative = Store()
    var positive = Store()
    /// Values with magnitude below `Float.leastNormalMagnitude`.
    public private(set) var zeroCount = 0

    public init() {}

    /// Values added.
    public var count: Int { negative.total + zeroCount + positive.total }

    static func index(_ magnitude: Double) -> Int {
        Int((Foundation.log(magnitude) / logGamma).rounded(.up))
    }

    static func representative(_ index: Int) -> Double {
        2 * Foundation.pow(gamma, Double(index)) / (gamma + 1)
    }

    /// Adds one finite value.
    public mutating func add(_ x: Float) {
        let magnitude = Double(x.magnitude)
        if magnitude < Double(Float.leastNormalMagnitude) {
            zeroCount += 1
        } else if x > 0 {
            positive.add(index: Self.index(magnitude))
        } else {
            negative.add(index: Self.index(magnitude))
        }
    }

    /// Bucket indices of the smallest and largest finite Float magnitudes sketched.
    static let indexRange = index(Double(Float.leastNormalMagnitude)) ... index(Double(Float.greatestFiniteMagnitude))

    /// Adds every finite value of `values`; non-finite ones count as 0 when `nonFiniteAsZero`, else are skipped.
    /// Same buckets as `add(_:)`, fast (see `SketchAccumulator`).
    public mutating func add(contentsOf values: UnsafeBufferPointer<Float>, nonFiniteAsZero: Bool) {
        var accumulator = SketchAccumulator(nonFiniteAsZero: nonFiniteAsZero)
        accumulator.add(values)
        accumulator.finish(into: &self)
    }

    /// Adds `count` values of the zero bucket.
    mutating func addZeros(_ count: Int) {
        zeroCount += count
    }

    /// Adds the other sketch's counts (exact, order-independent).
    public mutating func merge(_ other: QuantileSketch) {
        for (i, c) in other.negative.counts.enumerated() where c > 0 { negative.add(index: i + other.negative.offset, count: c) }
        for (i, c) in other.positive.counts.enumerated() where c > 0 { positive.add(index: i + other.positive.offset, count: c) }
        zeroCount += other.zeroCount
    }

    /// The estimate of the order statistic of 0-based ascending `rank`.
    func value(rank: Int) -> Double {
        var remaining = rank
        for i in negative.counts.indices.reversed() {
            if remaining < negative.counts[i] { return -Self.representative(i + negative.offset) }
            remaining -= negative.counts[i]
        }
        if remaining < zeroCount { return 0 }
        remaining -= zeroCount
        for i in positive.counts.indices {
            if remaining < positive.counts[i] { return Self.representative(i + positive.offset) }
            remaining -= positive.counts[i]
        }
        return positive.counts.isEmpty ? 0 : Self.representative(positive.offset + positive.counts.count - 1)
    }

    /// numpy-`'linear'` percentile `p ∈ [0, 100]` of the added values, estimates clamped to `[min, max]`
    /// (the exact extremes); nil when empty.
    public func percentile(_ p: Double, min: Double, max: Double) -> Double? {
        let n = count
        guard n > 0 else { return nil }
        let h = p / 100 * Double(n - 1)
        let k = Swift.min(Swift.max(Int(h.rounded(.down)), 0), n - 1)
        let t = h - Double(k)
        let low = Swift.min(Swift.max(value(rank: k), min), max)
        guard t > 0, k + 1 < n else { return low }
        let high = Swift.min(Swift.max(value(rank: k + 1), min), max)
        return low + t * (high - low)
    }

    private enum CodingKeys: String, CodingKey { case alpha, zero, negative, positive }

    /// JSON: `{"alpha": 0.005, "zero": n, "negative": [[index, count], …], "positive": [[index, count], …]}`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.alpha, forKey: .alpha)
        try container.encode(zeroCount, forKey: .zero)
        try container.encode(negative.pairs, forKey: .negative)
        try container.encode(positive.pairs, forKey: .positive)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let alpha = try container.decode(Double.self, forKey: .alpha)
        guard alpha == Self.alpha else {
            throw DecodingError.dataCorruptedError(forKey: .alpha, in: container,
                debugDescription: "sketch accuracy \(alpha) is not the supported \(Self.alpha)")
        }
        zeroCount = try container.decode(Int.self, forKey: .zero)
        for (key, isPositive) in [(CodingKeys.negative, false), (.positive, true)] {
            for pair in try container.decode([[Int]].self, forKey: key) {
                guard pair.count == 2, pair[1] >= 0, pair[1] < 1 << 40, abs(pair[0]) < 20_000 else {
                    throw DecodingError.dataCorruptedError(forKey: key, in: container,
                        debugDescription: "sketch bucket \(pair) is not [index, count] with a valid index")
                }
                if isPositive { positive.add(index: pair[0], count: pair[1]) } else { negative.add(index: pair[0], count: pair[1]) }
            }
        }
        guard zeroCount >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .zero, in: container, debugDescription: "negative zero count")
        }
    }
}

extension QuantileSketch: Equatable {
    /// Equal when the non-empty buckets are equal.
    public static func == (a: QuantileSketch, b: QuantileSketch) -> Bool {
        a.zeroCount == b.zeroCount && a.negative.pairs == b.negative.pairs && a.positive.pairs == b.positive.pairs
    }
}
