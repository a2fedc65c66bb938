import Foundation
import Testing
import MedPrepCore
import MedPrepDecode
import MedPrepNormalize
@testable import MedPrepReport

/// NormComparison against numpy float64 on a fixture dataset (Scripts/fixtures/make_compare_reference.py).
@Suite struct NormComparisonTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/compare")

    struct Expected: Decodable {
        struct Row: Decodable { var mean: Double; var std: Double }
        struct Spread: Decodable {
            var batch_size: Int
            var batches: Int
            var mean_offset_std: Double
            var mean_offset_max_abs: Double
            var variance_ratio_min: Double
            var variance_ratio_max: Double
            var running_mean: Double
            var running_var: Double
        }
        var files: [String]
        var batch_sizes: [Int]
        var methods: [String: Row]
        var spreads: [Spread]
    }

    func close(_ a: Double, _ b: Double, _ what: String) {
        #expect(abs(a - b) <= 1e-9 * max(1, abs(b)), "\(what): \(a) vs \(b)")
    }

    @Test func comparisonMatchesNumpyReference() throws {
        let expected = try JSONDecoder().decode(Expected.self,
            from: Data(contentsOf: Self.directory.appendingPathComponent("expected.json")))
        var comparison = try NormComparison(batchSizes: expected.batch_sizes, groups: 1)
        let scans = try expected.files.map { try ScanReader().read(path: Self.directory.appendingPathComponent("scans/\($0)").path) }
        for scan in scans { try comparison.observe(scan) }
        for (index, scan) in scans.enumerated() { comparison.histogram(scan, index: index) }
        let result = comparison.result()
        #expect(Set(result.methods) == Set(expected.methods.keys))
        for row in result.rows {
            let reference = try #require(expected.methods[row.method])
            close(row.mean, reference.mean, "\(row.method) mean")
            close(row.std, reference.std, "\(row.method) std")
        }
        for (spread, reference) in zip(result.batchSpreads, expected.spreads) {
            #expect(spread.batchSize == reference.batch_size)
            let c = try #require(spread.channels.first)
            #expect(c.batches == reference.batches)
            close(c.meanOffsetStd, reference.mean_offset_std, "mean offset std")
            close(c.meanOffsetMaxAbs, reference.mean_offset_max_abs, "max mean offset")
            close(c.varianceRatioMin, reference.variance_ratio_min, "variance ratio min")
            close(c.varianceRatioMax, reference.variance_ratio_max, "variance ratio max")
            close(c.runningMean, reference.running_mean, "running mean")
            close(c.runningVar, reference.running_var, "running var")
        }
        let voxels = scans.reduce(0) { $0 + $1.tensor.shape.count }
        for (method, histograms) in result.histograms {
            let h = try #require(histograms.first)
            #expect(h.counts.reduce(0, +) + h.underflow + h.overflow == voxels, "\(method) histogram counts every voxel")
        }
        let page = ComparisonPage.render(result, title: "fixture")
        #expect(page.contains("<svg") && page.contains("batchnorm-eval(4)"))
        #expect(result.csv().split(separator: "\n").count == result.rows.count + 1)
    }

    /// Each method's map is the one its normalizer reports for the scan's moments.
    @Test func mapsComeFromTheNormalizers() throws {
        var comparison = try NormComparison(batchSizes: [2], groups: 4)
        let scans = (0 ..< 3).map { index in
            Scan(path: "s\(index).png", header: ScanHeader(format: .png, dataType: "uint8", bitsPerSample: 8),
                 tensor: Tensor(shape: TensorShape(c: 3, h: 2, w: 2), storage: (0 ..< 12).map { Float(($0 * 7 + index * 5) % 13) }),
                 geometry: .pixel())
        }
        for scan in scans { try comparison.observe(scan) }
        #expect(comparison.methods.map(\.name)
            == ["raw", "imagenet", "dataset", "groupnorm", "batchstats(2)", "batchnorm-eval(2)"])
        #expect(comparison.maps(.raw, scan: 1) == Array(repeating: .identity, count: 3))
        let instance = try InstanceNormNormalizer().affineMaps(of: scans[2].tensor, context: NormalizationContext())
        for (a, b) in zip(comparison.maps(.groupNorm, scan: 2), instance[0]) {
            #expect(abs(a.scale - b.scale) <= 1e-12 * b.scale && abs(a.intercept - b.intercept) <= 1e-12 * max(1, abs(b.intercept)))
        }
        let last = try BatchStatistics().affineMaps(of: scans[2].tensor, context: NormalizationContext())
        #expect(comparison.maps(.batchStatistics(batchSize: 2), scan: 2) == last[0])
        let dataset = try DatasetNormalizer(statistics: comparison.dataset).affineMaps(samples: 1, channels: 3, context: NormalizationContext())
        #expect(comparison.maps(.dataset, scan: 0) == dataset[0])
        let imagenet = try ImageNetPreset().affineMaps(samples: 1, channels: 3, context: NormalizationContext(valueRanges: [0 ... 255]))
        #expect(comparison.maps(.imagenet, scan: 0) == imagenet[0])
        var float = try NormComparison(batchSizes: [1])
        var floatScan = scans[0]
        floatScan.header = ScanHeader(format: .nifti1, dataType: "float32", bitsPerSample: 32)
        try float.observe(floatScan)
        #expect(float.maps(.imagenet, scan: 0).isEmpty, "no stored integer range")
        #expect(comparison.maps(.batchNormEval(batchSize: 2), scan: 0) == (try comparison.runningStatistics(size: 2).affineMaps(samples: 1))[0])
    }

    @Test func mismatchedChannelCountsAreRefused() throws {
        var comparison = try NormComparison(batchSizes: [2])
        let one = Scan(path: "a", header: ScanHeader(format: .png, dataType: "uint8", bitsPerSample: 8),
                       tensor: Tensor(shape: TensorShape(c: 1, h: 2, w: 2), storage: [1, 2, 3, 4]), geometry: .pixel())
        var three = one
        three.path = "b"
        three.tensor = Tensor(shape: TensorShape(c: 3, h: 1, w: 1), storage: [1, 2, 3])
        try comparison.observe(one)
        #expect(throws: MedPrepError.self) { try comparison.observe(three) }
        #expect(throws: MedPrepError.self) { try NormComparison(batchSizes: [0]) }
        #expect(throws: MedPrepError.self) { try NormComparison(batchSizes: [2], eps: -1) }
    }
}
