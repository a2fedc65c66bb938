#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts many Float values into `QuantileSketch` buckets quickly; the buckets are exactly those of
/// `QuantileSketch.add(_:)`.
///
/// - Blocks of 16 values that are all integers in `integerRange` (CT in HU, 8/16-bit X-ray, most MRI) are
///   counted per value in a flat histogram, and the logarithm of the bucket index is taken once per distinct
///   value in `finish(into:)`. A block is tested at once: `y = x + 1.5·2²³` rounds `x` to an integer held in the
///   low bits of `y`'s pattern, so `x` is integral when `y − 1.5·2²³ == x`, and its bin is
///   `bits(y) − bits(1.5·2²³ − 32768)`. Four interleaved histograms (`counts[4·bin + lane]`) take every fourth
///   value, so runs of equal values (air in CT) do not serialize on one counter.
/// - Other blocks go through a 4096-slot direct-mapped table that remembers the bucket index of recent bit
///   patterns, so scans of few distinct values mostly skip the logarithm.
/// - Bucket counts go to flat arrays over every possible Float bucket (no growth checks per voxel).
///
/// The tables (about 2.6 MB) are the current thread's (`SketchTables`), kept from one use to the next and left
/// cleared; only the span of bins a use touched is scanned and cleared. Allocated afresh for every scan, they
/// cost a tiny scan more than its values (a 16×16×8 case: 2 048 values against 2.6 MB cleared and scanned), and
/// their freed blocks, split by the small allocations that outlive a case, made `medprep stats` grow by about
/// 290 KB per case.
struct SketchAccumulator {
    static let integerRange: ClosedRange<Float> = -32768 ... 65535
    static let integerOffset = 32768
    static let integerBins = 65535 + 32768 + 1
    /// Values per block whose non-integers are gathered before bucketing; bounds the gather buffer.
    static let blockLength = 1 << 16
    static let cacheSlots = 4096

    let nonFiniteAsZero: Bool
    private let tables: SketchTables
    private var zeros = 0
    /// Values counted into `histogram` since it was last flushed.
    private var unflushed = 0
    /// The histogram bins counted since the last flush (`lowest > highest`: none).
    private var histogramSpan = Span()
    /// The bins of `integerCounts` that may be nonzero.
    private var integerSpan = Span()
    /// The bucket offsets of `positive` and `negative` that may be nonzero.
    private var bucketSpan = Span()

    /// The lowest and highest index touched.
    struct Span {
        var lowest = Int.max
        var highest = Int.min

        mutating func include(_ low: Int, _ high: Int) {
            lowest = min(lowest, low)
            highest = max(highest, high)
        }

        var indices: ClosedRange<Int>? { lowest <= highest ? lowest ... highest : nil }
    }

    init(nonFiniteAsZero: Bool) {
        self.nonFiniteAsZero = nonFiniteAsZero
        tables = SketchTables.take()
    }

    mutating func add(_ values: UnsafeBufferPointer<Float>) {
        var start = 0
        while start < values.count {
            let end = min(start + Self.blockLength, values.count)
            addBlock(UnsafeBufferPointer(rebasing: values[start ..< end]))
            start = end
        }
    }

    /// Adds the counts to `sketch` (positive buckets ascending, then negative ones, then the zero bucket), clears
    /// the touched bins and gives the tables back to the thread. The accumulator is spent.
    mutating func finish(into sketch: inout QuantileSketch) {
        flushHistogram()
        let lowest = QuantileSketch.indexRange.lowerBound
        if let bins = integerSpan.indices {
            tables.integerCounts.withUnsafeMutableBufferPointer { integerCounts in
                for bin in bins where integerCounts[bin] > 0 {
                    let count = integerCounts[bin]
                    integerCounts[bin] = 0
                    let value = bin - Self.integerOffset
                    if value == 0 {
                        zeros += count
                    } else {
                        let index = QuantileSketch.index(Double(value.magnitude)) - lowest
                        bucketSpan.include(index, index)
                        if value > 0 { tables.positive[index] += count } else { tables.negative[index] += count }
                    }
                }
            }
        }
        if let buckets = bucketSpan.indices {
            for offset in buckets where tables.positive[offset] > 0 {
                sketch.positive.add(index: offset + lowest, count: tables.positive[offset])
                tables.positive[offset] = 0
            }
            for offset in buckets where tables.negative[offset] > 0 {
                sketch.negative.add(index: offset + lowest, count: tables.negative[offset])
                tables.negative[offset] = 0
            }
        }
        sketch.addZeros(zeros)
        zeros = 0
        integerSpan = Span()
        bucketSpan = Span()
        SketchTables.give(tables)
    }

    private mutating func addBlock(_ values: UnsafeBufferPointer<Float>) {
        var gathered = tables.gathered
        tables.gathered = []
        gathered.removeAll(keepingCapacity: true)
        if unflushed + values.count > Int(UInt32.max) { flushHistogram() }
        unflushed += values.count
        var span = histogramSpan
        tables.histogram.withUnsafeMutableBufferPointer { histogram in
            let counts = histogram.baseAddress!
            let magic = SIMD16<Float>(repeating: 12_582_912)
            let firstBin = SIMD16<UInt32>(repeating: (12_582_912 - Float(Self.integerOffset)).bitPattern)
            let lower = SIMD16<Float>(repeating: Self.integerRange.lowerBound)
            let upper = SIMD16<Float>(repeating: Self.integerRange.upperBound)
            var lowBins = SIMD16<UInt32>(repeating: UInt32.max), highBins = SIMD16<UInt32>(repeating: 0)
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
                lowBins.replace(with: bin, where: bin .< lowBins)
                highBins.replace(with: bin, where: bin .> highBins)
                for lane in stride(from: 0, to: 16, by: 4) {
                    counts[Int(bin[lane]) << 2] &+= 1
                    counts[Int(bin[lane + 1]) << 2 | 1] &+= 1
                    counts[Int(bin[lane + 2]) << 2 | 2] &+= 1
                    counts[Int(bin[lane + 3]) << 2 | 3] &+= 1
                }
            }
            if lowBins.min() <= highBins.max() { span.include(Int(lowBins.min()), Int(highBins.max())) }
            for i in 16 * blocks ..< values.count { Self.countScalar(values[i], counts, &gathered, &span) }
        }
        histogramSpan = span
        tables.gathered = gathered
        if !gathered.isEmpty { countNonIntegers() }
    }

    @inline(__always)
    private static func countScalar(_ x: Float, _ counts: UnsafeMutablePointer<UInt32>, _ gathered: inout [Float],
                                    _ span: inout Span) {
        if integerRange.contains(x), Float(Int32(x)) == x {
            let bin = Int(Int32(x)) + integerOffset
            counts[bin << 2] &+= 1
            span.include(bin, bin)
        } else {
            gathered.append(x)
        }
    }

    /// Moves the lane counts of the touched bins into `integerCounts` and clears them.
    private mutating func flushHistogram() {
        guard unflushed > 0 else { return }
        if let bins = histogramSpan.indices {
            tables.histogram.withUnsafeMutableBufferPointer { histogram in
                tables.integerCounts.withUnsafeMutableBufferPointer { totals in
                    for bin in bins {
                        totals[bin] += Int(histogram[bin << 2]) + Int(histogram[bin << 2 | 1])
                            + Int(histogram[bin << 2 | 2]) + Int(histogram[bin << 2 | 3])
                        for lane in 0 ..< 4 { histogram[bin << 2 | lane] = 0 }
                    }
                }
            }
            integerSpan.include(bins.lowerBound, bins.upperBound)
        }
        histogramSpan = Span()
        unflushed = 0
    }

    /// Buckets the gathered values that are not integers of `integerRange`.
    private mutating func countNonIntegers() {
        let lowest = QuantileSketch.indexRange.lowerBound, asZero = nonFiniteAsZero
        var zeros = self.zeros
        var span = bucketSpan
        let tables = self.tables
        tables.cacheKeys.withUnsafeMutableBufferPointer { keys in
            tables.cacheIndices.withUnsafeMutableBufferPointer { indices in
                tables.positive.withUnsafeMutableBufferPointer { positive in
                    tables.negative.withUnsafeMutableBufferPointer { negative in
                        for x in tables.gathered {
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
                            span.include(index, index)
                            if x > 0 { positive[index] += 1 } else { negative[index] += 1 }
                        }
                    }
                }
            }
        }
        self.zeros = zeros
        bucketSpan = span
    }
}

/// The tables of one thread's `SketchAccumulator`, kept between uses. Between uses every count is zero; the bucket
/// cache keeps its entries, which stay true (a bit pattern's bucket never changes).
final class SketchTables: @unchecked Sendable {
    /// `UInt32` per lane, flushed to `integerCounts` before any lane could overflow.
    var histogram = [UInt32](repeating: 0, count: 4 * SketchAccumulator.integerBins)
    var integerCounts = [Int](repeating: 0, count: SketchAccumulator.integerBins)
    var gathered: [Float] = []
    var cacheKeys = [UInt32](repeating: Float.nan.bitPattern, count: SketchAccumulator.cacheSlots)
    var cacheIndices = [Int](repeating: 0, count: SketchAccumulator.cacheSlots)
    var positive = [Int](repeating: 0, count: QuantileSketch.indexRange.count)
    var negative = [Int](repeating: 0, count: QuantileSketch.indexRange.count)

    private init() {
        gathered.reserveCapacity(SketchAccumulator.blockLength)
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<SketchTables>.fromOpaque(pointer).release() }
        }
        return key
    }()

    /// The thread's cleared tables (taken from it until `give`), or new ones when it has none.
    static func take() -> SketchTables {
        guard let pointer = pthread_getspecific(key) else { return SketchTables() }
        pthread_setspecific(key, nil)
        return Unmanaged<SketchTables>.fromOpaque(pointer).takeRetainedValue()
    }

    /// Keeps cleared `tables` for the thread's next accumulator.
    static func give(_ tables: SketchTables) {
        if let pointer = pthread_getspecific(key) { Unmanaged<SketchTables>.fromOpaque(pointer).release() }
        pthread_setspecific(key, Unmanaged.passRetained(tables).toOpaque())
    }
}
