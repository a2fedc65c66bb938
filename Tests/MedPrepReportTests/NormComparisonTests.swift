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
            var last_batch_scans: Int
            var mean_offset_std: Double
            var mean_offset_max_abs: Double
            var variance_ratio_min: Double
            var variance_ratio_max: Double
            var running_mean: Double
            var running_var: Double
            var running_mean_offset: Double
        }
        var files: [String]
        var batch_sizes: [Int]
        var methods: [String: Row]
        var spreads: [Spread]
    }

    static func close(_ a: Double?, _ b: Double, _ what: String) {
        #expect(a.map { abs($0 - b) <= 1e-9 * max(1, abs(b)) } == true, "\(what): \(String(describing: a)) vs \(b)")
    }

    static func scan(_ path: String, channels: Int, dataType: String = "uint8", values: [Float]) -> Scan {
        Scan(path: path, header: ScanHeader(format: dataType == "uint8" ? .png : .nifti1, dataType: dataType,
                                            bitsPerSample: dataType == "uint8" ? 8 : 32),
             tensor: Tensor(shape: TensorShape(c: channels, h: 1, w: values.count / channels), storage: values), geometry: .pixel())
    }

    @Test func comparisonMatchesNumpyReference() throws {
        let expected = try JSONDecoder().decode(Expected.self,
            from: Data(contentsOf: Self.directory.appendingPathComponent("expected.json")))
        var comparison = try NormComparison(batchSizes: expected.batch_sizes, groups: 1)
        let scans = try expected.files.map { try ScanReader().read(path: Self.directory.appendingPathComponent("scans/\($0)").path) }
        for scan in scans { try comparison.observe(scan) }
        try comparison.settle()
        for (index, scan) in scans.enumerated() { comparison.histogram(scan, index: index) }
        let result = comparison.result()
        #expect(result.methods == ["raw", "imagenet", "dataset", "groupnorm", "instance", "minmax", "percentile",
                                   "batchnorm-train(2)", "batchnorm-eval(2)", "batchnorm-train(4)", "batchnorm-eval(4)"])
        #expect(Set(result.methods) == Set(expected.methods.keys))
        #expect(result.rows.count == result.methods.count)
        for row in result.rows {
            let reference = try #require(expected.methods[row.method])
            #expect(row.status == .ok)
            Self.close(row.mean, reference.mean, "\(row.method) mean")
            Self.close(row.std, reference.std, "\(row.method) std")
        }
        #expect(result.batchSpreads.count == expected.spreads.count)
        for (spread, reference) in zip(result.batchSpreads, expected.spreads) {
            #expect(spread.batchSize == reference.batch_size)
            #expect(spread.batches == reference.batches && spread.lastBatchScans == reference.last_batch_scans)
            let c = try #require(spread.channels.first)
            Self.close(c.meanOffsetStd, reference.mean_offset_std, "mean offset std")
            Self.close(c.meanOffsetMaxAbs, reference.mean_offset_max_abs, "max mean offset")
            Self.close(c.varianceRatioMin, reference.variance_ratio_min, "variance ratio min")
            Self.close(c.varianceRatioMax, reference.variance_ratio_max, "variance ratio max")
            Self.close(c.runningMean, reference.running_mean, "running mean")
            Self.close(c.runningVar, reference.running_var, "running var")
            Self.close(c.runningMeanOffset, reference.running_mean_offset, "running mean offset")
            #expect(c.runningMeanOffsets.count == reference.batches, "one running state per update")
        }
        let voxels = scans.reduce(0) { $0 + $1.tensor.shape.count }
        for (method, histograms) in result.histograms {
            let h = try #require(histograms.first)
            #expect(h.total == voxels, "\(method) histogram counts every voxel")
            #expect(h.lower == NormComparison.sharedAxis.lowerBound && h.upper == NormComparison.sharedAxis.upperBound)
        }
        #expect(result.rawHistograms.first?.total == voxels)
        let page = ComparisonPage.render(result, title: "fixture")
        #expect(page.contains("<svg") && page.contains("batchnorm-eval(4)") && page.contains("7 scans used, 0 rejected"))
        #expect(page.components(separatedBy: "<tr data-method=").count - 1 == result.rows.count)
        #expect(result.csv().split(separator: "\n").count == result.rows.count + 1)
        #expect(result.findings.contains("At B = 2 each batch's mean wanders by"))
        #expect(page.contains(HTMLPage.escape(result.findings)))
    }

    /// Each method's map is the one its normalizer reports for the scan.
    @Test func mapsComeFromTheNormalizers() throws {
        var comparison = try NormComparison(batchSizes: [2], groups: 3)
        let scans = (0 ..< 3).map { index in
            Self.scan("s\(index).png", channels: 3, values: (0 ..< 12).map { Float(($0 * 7 + index * 5) % 13) })
        }
        for scan in scans { try comparison.observe(scan) }
        try comparison.settle()
        #expect(comparison.methods.map(\.name) == ["raw", "imagenet", "dataset", "groupnorm", "instance", "minmax", "percentile",
                                                   "batchnorm-train(2)", "batchnorm-eval(2)"])
        #expect(comparison.maps("raw", scan: 1) == Array(repeating: .identity, count: 3))
        let context = NormalizationContext()
        #expect(comparison.maps("groupnorm", scan: 2) == (try GroupNormNormalizer(groups: 3).affineMaps(of: scans[2].tensor, context: context))[0])
        #expect(comparison.maps("instance", scan: 2) == (try InstanceNormNormalizer().affineMaps(of: scans[2].tensor, context: context))[0])
        #expect(comparison.maps("minmax", scan: 1) == (try MinMaxNormalizer().affineMaps(of: scans[1].tensor, context: context))[0])
        #expect(comparison.maps("percentile", scan: 0) == (try PercentileNormalizer().affineMaps(of: scans[0].tensor, context: context))[0])
        let last = try BatchStatistics().affineMaps(of: scans[2].tensor, context: context)
        #expect(comparison.maps("batchnorm-train(2)", scan: 2) == last[0])
        let dataset = try DatasetNormalizer(statistics: comparison.dataset).affineMaps(samples: 1, channels: 3, context: context)
        #expect(comparison.maps("dataset", scan: 0) == dataset[0])
        let imagenet = try ImageNetPreset().affineMaps(samples: 1, channels: 3, context: NormalizationContext(valueRanges: [0 ... 255]))
        #expect(comparison.maps("imagenet", scan: 0) == imagenet[0])
        #expect(comparison.maps("batchnorm-eval(2)", scan: 0) == (try comparison.runningStatistics(size: 2).affineMaps(samples: 1))[0])
    }

    /// torchvision's `ToTensor` leaves float input unscaled: ImageNet's mean and std apply to the raw values.
    @Test func imagenetOnFloatScansUsesTheRawValues() throws {
        var comparison = try NormComparison(batchSizes: [1])
        let values: [Float] = [0, 100, 250, 1000]
        try comparison.observe(Self.scan("mri.nii", channels: 1, dataType: "float32", values: values))
        try comparison.settle()
        let map = try #require(comparison.maps("imagenet", scan: 0).first)
        #expect(abs(map.scale - 1 / 0.226) < 1e-12 && abs(map.intercept + 0.449 / 0.226) < 1e-12)
        let row = try #require(comparison.result().rows(of: "imagenet").first)
        let mean = values.map { (Double($0) - 0.449) / 0.226 }.reduce(0, +) / 4
        #expect(row.status == .ok && abs(row.mean! - mean) < 1e-9)
    }

    /// A method that cannot apply has a row per channel with its reason, in the JSON, the CSV and the page.
    @Test func methodsThatCannotApplyHaveRowsWithReasons() throws {
        var comparison = try NormComparison(batchSizes: nil, groups: 3)
        for index in 0 ..< 3 { try comparison.observe(Self.scan("s\(index).png", channels: 2, values: [1, 2, 3, Float(index + 4)])) }
        try comparison.settle()
        let result = comparison.result()
        #expect(result.batchSizes == [2] && result.batchSizesDefault)
        #expect(result.rows.count == result.methods.count * 2)
        for method in ["imagenet", "groupnorm"] {
            let rows = result.rows(of: method)
            #expect(rows.map(\.channel) == [0, 1] && rows.allSatisfy { $0.status == .notApplicable })
        }
        let imagenet = try #require(result.rows(of: "imagenet").first?.reason)
        let groupnorm = try #require(result.rows(of: "groupnorm").first?.reason)
        #expect(imagenet.contains("1 or 3 channels, the input has 2") && groupnorm.contains("groups 3 do not divide the channel count 2"))
        let json = String(decoding: try ReportJSON.encoder().encode(result), as: UTF8.self)
        let page = ComparisonPage.render(result, title: "t")
        for text in [json, result.csv(), page] {
            #expect(text.contains(imagenet) && text.contains(groupnorm))
            #expect(!text.lowercased().contains("nan"))
        }
        #expect(result.csv().contains("imagenet,1,not_applicable,,,,,,,,"))
        #expect(page.contains("data-method=\"imagenet\" data-channel=\"1\" class=na"))
        #expect(result.findings.contains("The ImageNet preset cannot be applied here: the ImageNet preset needs 1 or 3 channels"))
    }

    /// A map or result that is not a finite number is a failed row with a reason, never an OK cell.
    @Test func nonFiniteResultsAreFailures() throws {
        let input = Moments(count: 2, mean: 1, m2: 2, min: 0, max: 2)
        let infinite = AffineMap(center: 0, scale: .infinity, intercept: 0)
        let rows = ComparisonRow.rows(method: "m", channels: 1, outcomes: [.mapped([infinite], measured: nil)], inputs: [[input]],
                                      files: ["a.nii"], note: nil)
        #expect(rows.count == 1 && rows[0].status == .failed && rows[0].moments == nil)
        #expect(rows[0].reason?.contains("a.nii") == true)
        let huge = AffineMap(center: 0, scale: 1e300, intercept: 0)
        let overflow = ComparisonRow.rows(method: "m", channels: 1, outcomes: [.mapped([huge], measured: nil)],
                                          inputs: [[Moments(count: 2, mean: 1e300, m2: 1e300, min: 0, max: 2e300)]],
                                          files: ["a.nii"], note: nil)
        #expect(overflow[0].status == .failed && overflow[0].reason?.contains("not a finite number") == true)
    }

    /// The scans of the most common channel count are used; the others, and unreadable files, are listed.
    @Test func inconsistentInputsAreRejectedWithTheirReason() throws {
        var comparison = try NormComparison(batchSizes: nil)
        try comparison.observe(Self.scan("one.png", channels: 1, values: [1, 2]))
        comparison.reject("broken.nii", reason: "truncated")
        for index in 0 ..< 2 { try comparison.observe(Self.scan("rgb\(index).png", channels: 3, values: [1, 2, 3, 4, 5, Float(index)])) }
        #expect(throws: MedPrepError.self) { try comparison.observe(Self.scan("nan.nii", channels: 3, dataType: "float32", values: [1, .nan, 3])) }
        try comparison.settle()
        #expect(comparison.files == ["rgb0.png", "rgb1.png"] && comparison.channels == 3)
        #expect(comparison.rejected.map(\.file) == ["one.png", "broken.nii"])
        #expect(comparison.rejected[0].reason.contains("has 1 channel(s); 2 of the 3 readable scans have 3"))
        let result = comparison.result()
        #expect(ComparisonPage.render(result, title: "t").contains("2 scans used, 2 rejected"))
        #expect(result.findings.contains("2 input(s) were left out"))
    }

    /// Default batch sizes fit the data; a larger requested size is refused; a partial last batch is flagged.
    @Test func batchSizesFitTheScans() throws {
        #expect(NormComparison.defaultBatchSizes(scans: 28) == [2, 4, 8, 16])
        #expect(NormComparison.defaultBatchSizes(scans: 40) == [2, 4, 8, 16, 32])
        #expect(NormComparison.defaultBatchSizes(scans: 1) == [1])
        var large = try NormComparison(batchSizes: [2, 8])
        for index in 0 ..< 5 { try large.observe(Self.scan("s\(index).png", channels: 1, values: [1, Float(index)])) }
        #expect(throws: MedPrepError.self) { try large.settle() }
        var partial = try NormComparison(batchSizes: [2, 4])
        for index in 0 ..< 5 { try partial.observe(Self.scan("s\(index).png", channels: 1, values: [1, Float(index), 7])) }
        try partial.settle()
        let result = partial.result()
        #expect(result.batchSpreads.map(\.lastBatchScans) == [1, 1] && result.batchSpreads.allSatisfy(\.partialLastBatch))
        #expect(result.rows(of: "batchnorm-eval(4)").first?.note == "last batch holds 1 of 4 scans")
        #expect(result.csv().contains("last batch holds 1 of 4 scans"))
        #expect(result.findings.contains("At B = 4 the last batch holds 1 of 4 scans."))
        #expect(throws: MedPrepError.self) { try NormComparison(batchSizes: [0]) }
        #expect(throws: MedPrepError.self) { try NormComparison(batchSizes: [2], eps: -1) }
    }
}
