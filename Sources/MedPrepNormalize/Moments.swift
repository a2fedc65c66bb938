/// Count, mean, sum of squared deviations, extremes and non-finite count of a set of values, in Double.
///
/// - `variance = m2 / count` (biased, ddof 0), `std = √variance`.
/// - Float buffers are consumed in fixed chunks of `chunkLength` values; per chunk a corrected two-pass
///   algorithm: pass 1 takes `Σx`, min and max with SIMD16<Float>, giving the shift `c = Σx / n`; pass 2
///   accumulates `d = Double(x) − c` and `d²` in SIMD8<Double> (`d` is exact), then
///   `mean = c + Σd / n`, `m2 = Σd² − (Σd)² / n`.
/// - Chunks and any other partial results are combined with Chan's parallel formula:
///   `δ = μ_b − μ_a`, `n = n_a + n_b`, `μ = μ_a + δ·n_b / n`, `m2 = m2_a + m2_b + δ²·n_a·n_b / n`.
///   The result depends only on the order of merges, never on the thread that computed a part.
public struct Moments: Sendable, Equatable {
    /// Values counted (finite values, plus non-finite ones replaced by 0 under `.zero`).
    public var count: Int
    public var mean: Double
    /// `Σ (x − mean)²` over the counted values.
    public var m2: Double
    /// Smallest counted value, `+∞` when empty.
    public var min: Double
    /// Largest counted value, `−∞` when empty.
    public var max: Double
    /// Non-finite values met (whatever the policy did with them).
    public var nonFinite: Int

    /// Values per chunk of the two-pass kernel (16 KiB of Float, L1-resident between the passes).
    public static let chunkLength = 4096

    /// The empty set.
    public init() {
        count = 0
        mean = 0
        m2 = 0
        min = .infinity
        max = -.infinity
        nonFinite = 0
    }

    public init(count: Int, mean: Double, m2: Double, min: Double, max: Double, nonFinite: Int = 0) {
        self.count = count
        self.mean = mean
        self.m2 = m2
        self.min = min
        self.max = max
        self.nonFinite = nonFinite
    }

    /// `m2 / count` (biased, ddof 0); 0 when empty.
    public var variance: Double { count > 0 ? Swift.max(m2, 0) / Double(count) : 0 }
    /// `√variance`.
    public var std: Double { variance.squareRoot() }
    /// `min ... max`, nil when no value was counted.
    public var countedRange: ClosedRange<Double>? { count > 0 && min <= max ? min ... max : nil }
    /// `m2 / (count − 1)` (unbiased, ddof 1), as torch.nn.BatchNorm uses for its running variance; 0 when count < 2.
    public var unbiasedVariance: Double { count > 1 ? Swift.max(m2, 0) / Double(count - 1) : 0 }

    /// Adds one value (Welford): `δ = x − μ`, `μ += δ / n`, `m2 += δ·(x − μ)`.
    public mutating func add(_ x: Double) {
        count += 1
        let delta = x - mean
        mean += delta / Double(count)
        m2 += delta * (x - mean)
        min = Swift.min(min, x)
        max = Swift.max(max, x)
    }

    /// Combines with the moments of a disjoint set (Chan et al.). Deterministic for a fixed merge order.
    public mutating func merge(_ other: Moments) {
        nonFinite += other.nonFinite
        guard other.count > 0 else { return }
        guard count > 0 else {
            let carried = nonFinite
            self = other
            nonFinite = carried
            return
        }
        let na = Double(count), nb = Double(other.count)
        let n = na + nb
        let delta = other.mean - mean
        mean += delta * (nb / n)
        m2 += other.m2 + delta * delta * (na * nb / n)
        count += other.count
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
    }

    /// The moments of `a` followed by `b`.
    public static func merged(_ a: Moments, _ b: Moments) -> Moments {
        var result = a
        result.merge(b)
        return result
    }

    /// The moments of `values`, chunk by chunk in order, merged left to right.
    public static func of(_ values: UnsafeBufferPointer<Float>, nonFinite policy: NonFinitePolicy) -> Moments {
        var total = Moments()
        var start = 0
        while start < values.count {
            let end = Swift.min(start + chunkLength, values.count)
            total.merge(chunk(UnsafeBufferPointer(rebasing: values[start ..< end]), nonFinite: policy))
            start = end
        }
        return total
    }

    /// The moments of one chunk: the SIMD two-pass kernel, or a scalar Welford pass in Double when the
    /// chunk holds a non-finite value or its Float sum overflows.
    static func chunk(_ values: UnsafeBufferPointer<Float>, nonFinite policy: NonFinitePolicy) -> Moments {
        guard let base = values.baseAddress, !values.isEmpty else { return Moments() }
        let n = values.count
        let vectors = n / 16
        var sum = SIMD16<Float>()
        var low = SIMD16<Float>(repeating: .infinity)
        var high = SIMD16<Float>(repeating: -.infinity)
        let raw = UnsafeRawPointer(base)
        for v in 0 ..< vectors {
            let x = raw.loadUnaligned(fromByteOffset: v * 64, as: SIMD16<Float>.self)
            sum += x
            low.replace(with: x, where: x .< low)
            high.replace(with: x, where: x .> high)
        }
        var tailSum: Float = 0
        var tailLow = Float.infinity, tailHigh = -Float.infinity
        for i in vectors * 16 ..< n {
            tailSum += base[i]
            tailLow = Swift.min(tailLow, base[i])
            tailHigh = Swift.max(tailHigh, base[i])
        }
        let floatSum = sum.sum() + tailSum
        guard floatSum.isFinite else { return scalar(values, nonFinite: policy) }
        let center = Double(floatSum) / Double(n)
        let c = SIMD8<Double>(repeating: center)
        var sd = SIMD8<Double>(), sd2 = SIMD8<Double>()
        for v in 0 ..< n / 8 {
            let d = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: v * 32, as: SIMD8<Float>.self)) - c
            sd += d
            sd2 += d * d
        }
        var sumD = sd.sum(), sumD2 = sd2.sum()
        for i in n / 8 * 8 ..< n {
            let d = Double(base[i]) - center
            sumD += d
            sumD2 += d * d
        }
        let count = Double(n)
        return Moments(count: n, mean: center + sumD / count,
                       m2: Swift.max(sumD2 - sumD * sumD / count, 0),
                       min: Double(Swift.min(low.min(), tailLow)), max: Double(Swift.max(high.max(), tailHigh)))
    }

    /// Welford in Double over a chunk, applying the non-finite policy value by value.
    static func scalar(_ values: UnsafeBufferPointer<Float>, nonFinite policy: NonFinitePolicy) -> Moments {
        var result = Moments()
        for value in values {
            if value.isFinite {
                result.add(Double(value))
            } else {
                result.nonFinite += 1
                if policy == .zero { result.add(0) }
            }
        }
        return result
    }
}
