/// Counts many Float values into `QuantileSketch` buckets quickly; the buckets are exactly those of
/// `QuantileSketch.add(_:)`.
///
/// - Blocks of 16 values that are all integers in `integerRange` (CT in HU, 8/16-bit X-ray, most MRI) are
///   counted per value in a flat histogram, and the logarithm of the bucket index is taken once per distinct
///   value in `finish()`. A block is tested at once: `y = x + 1.5·2²³` rounds `x` to an integer held in the low
///   bits of `y`'s pattern, so `x` is integral when `y − 1.5·2²³ == x`, and its bin is
///   `bits(y) − bits(1.5·2²³ − 32768)`. Four interleaved histograms (`counts[4·bin + lane]`) take every fourth
///   value, so runs of equal values (air in CT) do not serialize on one counter.
/// - Other blocks go through a 4096-slot direct-mapped table that remembers the bucket index of recent bit
///   patterns, so scans of few distinct values mostly skip the logarithm.
/// - Bucket counts go to flat arrays over every possible Float bucket (no growth checks per voxel).
///
/// Memory is fixed (about 2 MB) whatever the number of values.
struct SketchAccumulator {
    static let integerRange: ClosedRange<Float> = -32768 ... 65535
    static let integerOffset = 32768
    static let integerBins = 65535 + 32768 + 1
    /// Values per block whose non-integers are gathered before bucketing; bounds the gather buffer.
    static let blockLength = 1 << 16
    static let cacheSlots = 4096

    let nonFiniteAsZero: Bool
    /// `UInt32` per lane, flushed to `integerCounts` before any lane could overflow.
    private var histogram = [UInt32](repeating: 0, count: 4 * integerBins)
    private var integerCounts = [Int](repeating: 0, count: integerBins)
    private var gathered: [Float] = []
    private var cacheKeys = [UInt32](repeating: Float.nan.bitPattern, count: cacheSlots)
    private var cacheIndices = [Int](repeating: 0, count: cacheSlots)
    private var positive = [Int](repeating: 0, count: QuantileSketch.indexRange.count)
    private var negative = [Int](repeating: 0, count: QuantileSketch.indexRange.count)
    private var zeros = 0
    /// Values counted into `histogram` since it was last flushed.
    private var unflushed = 0

    init(nonFiniteAsZero: Bool) {
        self.nonFiniteAsZero = nonFiniteAsZero
        gathered.reserveCapacity(Self.blockLength)
    }

    mutating func add(_ values: UnsafeBufferPointer<Float>) {
        var start = 0
        while start < values.count {
            let end = min(start + Self.blockLength, values.count)
            addBlock(UnsafeBufferPointer(rebasing: values[start ..< end]))
            start = end
        }
    }

    /// Bucket counts indexed from `QuantileSketch.indexRange.lowerBound`, and the zero-bucket count.
    mutating func finish() -> (positive: [Int], negative: [Int], zeros: Int) {
        flushHistogram()
        let lowest = QuantileSketch.indexRange.lowerBound
        for (bin, count) in integerCounts.enumerated() where count > 0 {
            let value = bin - Self.integerOffset
            if value == 0 {
                zeros += count
            } else {
                let index = QuantileSketch.index(Double(value.magnitude)) - lowest
                if value > 0 { positive[index] += count } else { negative[index] += count }
            }
        }
        integerCounts = []
        return (positive, negative, zeros)
    }

    private mutating func addBlock(_ values: UnsafeBufferPointer<Float>) {
        var gathered = self.gathered
        self.gathered = []
        gathered.removeAll(keepingCapacity: true)
        if unflushed + values.count > Int(UInt32.max) { flushHistogram() }
        unflushed += values.count
        histogram.withUnsafeMutableBufferPointer { histogram in
            let counts = histogram.baseAddress!
            let magic = SIMD16<Float>(repeating: 12_582_912)
            let firstBin = SIMD16<UInt32>(repeating: (12_582_912 - Float(Self.integerOffset)).bitPattern)
            let lower = SIMD16<Float>(repeating: Self.integerRange.lowerBound)
            let upper = SIMD16<Float>(repeating: Self.integerRange.upperBound)
            let blocks = values.count / 16
            let raw = UnsafeRawPointer(values.baseAddress!)
            for block in 0 ..< blocks {
                let x = raw.loadUnaligned(fromByteOffset: block * 64, as: SIMD16<Float>.self)
                let shifted = x + magic
                guard all(((shifted - magic) .== x) .& (x .>= lower) .& (x .<= upper)) else {
                    // A block with any other value goes to the general path whole (same buckets either way).
                    gathered.append(contentsOf: UnsafeBufferPointer(rebasing: values[block * 16 ..< block * 16 + 16]))
                    continue
                }
                let bin = unsafeBitCast(shifted, to: SIMD16<UInt32>.self) &- firstBin
                for lane in stride(from: 0, to: 16, by: 4) {
                    counts[Int(bin[lane]) << 2] &+= 1
                    counts[Int(bin[lane + 1]) << 2 | 1] &+= 1
                    counts[Int(bin[lane + 2]) << 2 | 2] &+= 1
                    counts[Int(bin[lane + 3]) << 2 | 3] &+= 1
                }
            }
            for i in 16 * blocks ..< values.count { Self.countScalar(values[i], counts, &gathered) }
        }
        self.gathered = gathered
        if !gathered.isEmpty { countNonIntegers() }
    }

    @inline(__always)
    private static func countScalar(_ x: Float, _ counts: UnsafeMutablePointer<UInt32>, _ gathered: inout [Float]) {
        if integerRange.contains(x), Float(Int32(x)) == x {
            counts[(Int(Int32(x)) + integerOffset) << 2] &+= 1
        } else {
            gathered.append(x)
        }
    }

    /// Moves the lane counts into `integerCounts` and clears them.
    private mutating func flushHistogram() {
        guard unflushed > 0 else { return }
        histogram.withUnsafeMutableBufferPointer { histogram in
            integerCounts.withUnsafeMutableBufferPointer { totals in
                for bin in 0 ..< Self.integerBins {
                    totals[bin] += Int(histogram[bin << 2]) + Int(histogram[bin << 2 | 1])
                        + Int(histogram[bin << 2 | 2]) + Int(histogram[bin << 2 | 3])
                    for lane in 0 ..< 4 { histogram[bin << 2 | lane] = 0 }
                }
            }
        }
        unflushed = 0
    }

    /// Buckets the gathered values that are not integers of `integerRange`.
    private mutating func countNonIntegers() {
        let lowest = QuantileSketch.indexRange.lowerBound, asZero = nonFiniteAsZero
        var zeros = self.zeros
        cacheKeys.withUnsafeMutableBufferPointer { keys in
            cacheIndices.withUnsafeMutableBufferPointer { indices in
                positive.withUnsafeMutableBufferPointer { positive in
                    negative.withUnsafeMutableBufferPointer { negative in
                        for x in gathered {
                            guard x.isFinite else {
                                if asZero { zeros += 1 }
                                continue
                            }
                            guard x.magnitude >= Float.leastNormalMagnitude else {
                                zeros += 1
                                continue
                            }
                            let bits = x.bitPattern
                            let slot = Int((bits &* 0x9E37_79B1) >> 20)
                            let index: Int
                            if keys[slot] == bits {
                                index = indices[slot]
                            } else {
                                index = QuantileSketch.index(Double(x.magnitude)) - lowest
                                keys[slot] = bits
                                indices[slot] = index
                            }
                            if x > 0 { positive[index] += 1 } else { negative[index] += 1 }
                        }
                    }
                }
            }
        }
        self.zeros = zeros
    }
}
