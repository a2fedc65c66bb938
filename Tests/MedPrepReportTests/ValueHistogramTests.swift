import MedPrepReport
import Testing

/// `ValueHistogram`: merging the histograms of parts, in any order, gives the histogram of the whole.
@Suite struct ValueHistogramTests {
    static func histogram(_ values: [Float]) -> ValueHistogram {
        values.withUnsafeBufferPointer { ValueHistogram($0) }
    }

    /// Parts of very different ranges (a narrow one needing fine bins, a wide one, one with NaN) merged in two
    /// orders equal the histogram of all values: same exponent, first bin, counts and non-finite count.
    @Test func mergeEqualsWhole() {
        var state: UInt64 = 7
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        let narrow = (0 ..< 500).map { _ in 3 + next() * 0.01 }
        let wide = (0 ..< 700).map { _ in -1024 + next() * 4000 }
        let odd: [Float] = [.nan, -0.0, 1e-30, .infinity, 2.5]
        let whole = Self.histogram(narrow + wide + odd)
        var forward = Self.histogram(narrow)
        forward.merge(Self.histogram(wide))
        forward.merge(Self.histogram(odd))
        var backward = Self.histogram(odd)
        backward.merge(Self.histogram(wide))
        backward.merge(Self.histogram(narrow))
        #expect(forward == whole && backward == whole)
        #expect(whole.total == 1203 && whole.nonFinite == 2)
        #expect(whole.counts.count <= ValueHistogram.maximumBins && whole.counts.count > ValueHistogram.maximumBins / 2)
        #expect(Self.histogram(narrow).exponent < whole.exponent)
    }
}
