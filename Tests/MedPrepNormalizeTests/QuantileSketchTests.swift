import MedPrepTestSupport
import Testing
@testable import MedPrepNormalize

/// The bulk path of `QuantileSketch.add(contentsOf:)` (integer histogram, bucket cache) must put every value in
/// the same bucket as adding it alone, whose bucket is `⌈log_γ |x|⌉` by definition.
@Suite struct QuantileSketchTests {
    static func oneByOne(_ values: [Float], nonFiniteAsZero: Bool) -> QuantileSketch {
        var sketch = QuantileSketch()
        for x in values {
            if x.isFinite { sketch.add(x) } else if nonFiniteAsZero { sketch.add(0) }
        }
        return sketch
    }

    static func bulk(_ values: [Float], nonFiniteAsZero: Bool) -> QuantileSketch {
        var sketch = QuantileSketch()
        values.withUnsafeBufferPointer { sketch.add(contentsOf: $0, nonFiniteAsZero: nonFiniteAsZero) }
        return sketch
    }

    @Test(arguments: [false, true])
    func bulkEqualsOneByOneOnEdgeValues(nonFiniteAsZero: Bool) {
        let edges: [Float] = [0, -0.0, 1, -1, 2, 3, -1024, 3000, -32768, -32769, 65535, 65536, 65535.5, -32768.5,
                              0.5, -0.25, 1e-3, .leastNormalMagnitude, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                              .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity, .nan,
                              16_777_216, 4_194_303, 4_194_304, -4_194_304, 12_582_912, 1.0000001, 65534.996]
        var values: [Float] = []
        // Edge values at every position of a 16-value block, and in the scalar tail.
        for shift in 0 ..< 17 {
            values += Array(repeating: 7, count: shift) + edges
        }
        #expect(Self.bulk(values, nonFiniteAsZero: nonFiniteAsZero) == Self.oneByOne(values, nonFiniteAsZero: nonFiniteAsZero))
        #expect(Self.bulk(values, nonFiniteAsZero: nonFiniteAsZero).count
                == values.filter { $0.isFinite || nonFiniteAsZero }.count)
    }

    @Test func bulkEqualsOneByOneOnCTAndFloatData() {
        var generator = SplitMix(seed: 42)
        // CT-like integers over several 64 Ki blocks with long runs of air, then MRI-like floats.
        var values: [Float] = []
        for i in 0 ..< 200_000 {
            values.append(i % 7 < 3 ? -1024 : Float(Int(generator.next() % 4000) - 1024))
        }
        for _ in 0 ..< 70_000 {
            values.append(Float(generator.next() % 1_000_000) / 997 - 300)
        }
        #expect(Self.bulk(values, nonFiniteAsZero: false) == Self.oneByOne(values, nonFiniteAsZero: false))
        #expect(Self.bulk(values, nonFiniteAsZero: false).count == values.count)
    }

    /// The tables are the thread's and are reused: after scans of other ranges (wide CT, negative floats,
    /// non-finite values, tiny scans), each bulk sketch still equals its one-by-one sketch, so nothing a
    /// previous scan counted is left behind.
    @Test func reusedTablesLeaveNothingBehind() {
        var generator = SplitMix(seed: 7)
        let scans: [[Float]] = [
            (0 ..< 70_000).map { _ in Float(Int(generator.next() % 4000) - 1024) },
            (0 ..< 2048).map { _ in Float(Int(generator.next() % 50)) },
            (0 ..< 3000).map { _ in -Float(generator.next() % 1_000_000) / 991 },
            [Float.nan, .infinity, 0, 5, -5, 65536, -32769, 1e-40],
            (0 ..< 2048).map { _ in Float(Int(generator.next() % 4024) - 1024) },
            [3],
            [],
        ]
        for round in 0 ..< 2 {
            for (index, values) in scans.enumerated() {
                let nonFiniteAsZero = (index + round) % 2 == 0
                #expect(Self.bulk(values, nonFiniteAsZero: nonFiniteAsZero) == Self.oneByOne(values, nonFiniteAsZero: nonFiniteAsZero),
                        "scan \(index), round \(round)")
            }
        }
    }
}
