import MedPrepCore
import MedPrepNormalize

/// A method `compare-norms` compares. Each maps a scan's channel `c` affinely, `y = a·x + b`, with the map its
/// normalizer reports (`AffineMap`):
/// - `raw`: `a = 1, b = 0`;
/// - `imagenet`: `ImageNetPreset`, torchvision scaling of the stored integer range `[lo, hi]` then ImageNet
///   mean/std (`a = 1/((hi−lo)·s_c)`, `b = −(lo/(hi−lo) + m_c)/s_c`);
/// - `dataset`: `DatasetNormalizer`, z-score with the dataset's per-channel mean and (biased) std;
/// - `groupnorm`: `GroupNormNormalizer`, per scan and group, z-score with the group's mean and biased variance
///   (eps added);
/// - `batchstats(B)`: `BatchStatistics`, BatchNorm in training mode on consecutive batches of `B` scans
///   (statistics over all voxels of the batch, per channel);
/// - `batchnorm-eval(B)`: `RunningBatchNorm` in eval mode with the running mean/var (momentum 0.1, unbiased
///   variance) left after `epochs` passes over the dataset in batches of `B` (the running statistics hold the last
///   updates, weighted 0.1, 0.09, 0.081, … towards the most recent batches).
package enum ComparedMethod: Hashable, Sendable {
    case raw
    case imagenet
    case dataset
    case groupNorm
    case batchStatistics(batchSize: Int)
    case batchNormEval(batchSize: Int)

    /// The method's name in the report.
    package var name: String {
        switch self {
        case .raw: "raw"
        case .imagenet: "imagenet"
        case .dataset: "dataset"
        case .groupNorm: "groupnorm"
        case .batchStatistics(let size): "batchstats(\(size))"
        case .batchNormEval(let size): "batchnorm-eval(\(size))"
        }
    }
}

/// Measures, on a user's own scans, what each normalization leaves of the data: the seed argument for GroupNorm.
///
/// The maps of every compared method (`ComparedMethod`) follow from per-scan, per-channel input moments, so the
/// normalized data's moments follow exactly from them: `mean_y = a·mean_x + b`, `m2_y = a²·m2_x`, merged over
/// scans with Chan's formula. Pass 1 (`observe`) gathers per-scan moments and dataset statistics; pass 2
/// (`histogram`) only bins the transformed voxels for the plots.
package struct NormComparison: Sendable {
    package let batchSizes: [Int]
    package let groups: Int
    package let eps: Double
    package let bins: Int
    /// Passes over the dataset BatchNorm's running statistics are trained for.
    package let epochs: Int

    /// Per-scan, per-channel input moments, in input order (a few numbers per file).
    package private(set) var scanMoments: [[Moments]] = []
    package private(set) var valueRanges: [ClosedRange<Double>?] = []
    package private(set) var names: [String] = []
    package private(set) var dataset = DatasetStatistics()
    private var histograms: [String: [Histogram]] = [:]

    package init(batchSizes: [Int], groups: Int = 1, eps: Double = 1e-5, bins: Int = 60, epochs: Int = 1) throws {
        guard !batchSizes.isEmpty, batchSizes.allSatisfy({ $0 > 0 }) else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "batch sizes must be positive, got \(batchSizes)")
        }
        guard groups > 0 else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "groups must be positive, got \(groups)")
        }
        self.batchSizes = batchSizes
        self.groups = groups
        guard epochs > 0 else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "epochs must be positive, got \(epochs)")
        }
        guard eps >= 0, eps.isFinite else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "eps must be finite and ≥ 0, got \(eps)")
        }
        self.eps = eps
        self.bins = bins
        self.epochs = epochs
    }

    /// The compared methods, in report order.
    package var methods: [ComparedMethod] {
        [.raw, .imagenet, .dataset, .groupNorm]
            + batchSizes.flatMap { [ComparedMethod.batchStatistics(batchSize: $0), .batchNormEval(batchSize: $0)] }
    }

    package var channels: Int { scanMoments.first?.count ?? 0 }

    /// Pass 1: records the input moments of one scan (all scans must have the same channel count).
    package mutating func observe(_ scan: Scan) throws {
        let tensor = scan.tensor
        if let first = scanMoments.first, first.count != tensor.shape.c {
            throw MedPrepError(.shapeMismatch, path: scan.path,
                reason: "has \(tensor.shape.c) channels, the first scan of the comparison has \(first.count)")
        }
        if tensor.shape.c > groups, tensor.shape.c % groups != 0 {
            throw MedPrepError(.invalidArgument, path: scan.path,
                reason: "groups \(groups) does not divide the channel count \(tensor.shape.c)")
        }
        let moments = try tensor.storage.withUnsafeBufferPointer { buffer in
            try (0 ..< tensor.shape.c).map { c -> Moments in
                let start = c * tensor.shape.spatialCount
                let m = Moments.of(UnsafeBufferPointer(rebasing: buffer[start ..< start + tensor.shape.spatialCount]), nonFinite: .ignore)
                if m.nonFinite > 0 {
                    throw MedPrepError(.nonFinite, path: scan.path, reason: "channel \(c) has \(m.nonFinite) non-finite voxels")
                }
                return m
            }
        }
        try dataset.accumulate(tensor, mask: nil, nonFinite: .error, path: scan.path)
        scanMoments.append(moments)
        valueRanges.append(scan.header.storedValueRange)
        names.append(scan.path)
    }

    /// The map per channel that `method`'s normalizer reports for scan `index`; empty when the normalizer refuses
    /// the scan (ImageNet needs 1 or 3 channels and a stored integer range).
    func maps(_ method: ComparedMethod, scan index: Int) -> [AffineMap] {
        (try? reportedMaps(method, scan: index)) ?? []
    }

    private func reportedMaps(_ method: ComparedMethod, scan index: Int) throws -> [AffineMap] {
        switch method {
        case .raw:
            return Array(repeating: .identity, count: channels)
        case .imagenet:
            let context = NormalizationContext(valueRanges: [valueRanges[index]])
            return try ImageNetPreset().affineMaps(samples: 1, channels: channels, context: context)[0]
        case .dataset:
            let normalizer = try DatasetNormalizer(statistics: dataset)
            return try normalizer.affineMaps(samples: 1, channels: channels, context: NormalizationContext())[0]
        case .groupNorm:
            let normalizer = try GroupNormNormalizer(groups: Swift.min(groups, channels), eps: eps)
            return try normalizer.affineMaps(channelMoments: scanMoments[index], channels: channels)[0]
        case .batchStatistics(let size):
            let start = index / size * size
            let batch = scanMoments[start ..< Swift.min(start + size, scanMoments.count)].flatMap { $0 }
            return try BatchStatistics(eps: eps).affineMaps(channelMoments: batch, channels: channels)[index - start]
        case .batchNormEval(let size):
            return try runningStatistics(size: size).affineMaps(samples: 1)[0]
        }
    }

    /// Per-channel moments of each consecutive batch of `size` scans (the last batch may be smaller).
    func batchMoments(size: Int) -> [[Moments]] {
        stride(from: 0, to: scanMoments.count, by: size).map { start in
            BatchStatistics.channelMoments(Array(scanMoments[start ..< Swift.min(start + size, scanMoments.count)]).flatMap { $0 },
                                           channels: channels)
        }
    }

    /// BatchNorm's running mean/var (momentum 0.1, unbiased variance) after `epochs` passes in batches of `size`
    /// (the same batches each pass).
    func runningStatistics(size: Int) -> RunningBatchNorm {
        var running = RunningBatchNorm(channels: channels, eps: eps)
        let batches = batchMoments(size: size)
        for _ in 0 ..< epochs {
            for batch in batches { running.update(with: batch) }
        }
        return running
    }

    /// Per-channel moments of the normalized data of `method` over the whole dataset.
    func normalizedMoments(_ method: ComparedMethod) -> [Moments] {
        var total = Array(repeating: Moments(), count: channels)
        for index in scanMoments.indices {
            let maps = maps(method, scan: index)
            guard maps.count == channels else { return [] }
            for (ch, m) in scanMoments[index].enumerated() {
                total[ch].merge(Self.transform(m, by: maps[ch]))
            }
        }
        return total
    }

    /// The moments of `a·x + b` given those of `x`, with `a = map.scale`, `b = map.intercept`.
    static func transform(_ m: Moments, by map: AffineMap) -> Moments {
        let (a, b) = (map.scale, map.intercept)
        let lo = a * m.min + b, hi = a * m.max + b
        return Moments(count: m.count, mean: a * m.mean + b, m2: a * a * m.m2, min: Swift.min(lo, hi), max: Swift.max(lo, hi),
                       nonFinite: m.nonFinite)
    }

    /// Display range of the histogram of `method`: the data range for `raw` and `imagenet`, [−5, 5] otherwise.
    func histogramRange(_ method: ComparedMethod) -> ClosedRange<Double> {
        guard method == .raw || method == .imagenet else { return -5 ... 5 }
        let moments = normalizedMoments(method)
        let lo = moments.map(\.min).min() ?? 0, hi = moments.map(\.max).max() ?? 1
        return lo < hi ? lo ... hi : lo ... lo + 1
    }

    /// Pass 2: bins the normalized voxels of scan `index` (the same scan as the `index`-th `observe`).
    package mutating func histogram(_ scan: Scan, index: Int) {
        let tensor = scan.tensor
        for method in methods {
            let maps = maps(method, scan: index)
            guard maps.count == tensor.shape.c else { continue }
            var perChannel = histograms[method.name] ?? (0 ..< tensor.shape.c).map { _ in
                Histogram(range: histogramRange(method), bins: bins)
            }
            tensor.storage.withUnsafeBufferPointer { buffer in
                for ch in 0 ..< tensor.shape.c {
                    let start = ch * tensor.shape.spatialCount
                    perChannel[ch].add(UnsafeBufferPointer(rebasing: buffer[start ..< start + tensor.shape.spatialCount]),
                                       map: maps[ch])
                }
            }
            histograms[method.name] = perChannel
        }
    }

    /// The finished comparison.
    package func result() -> ComparisonResult {
        var rows: [ComparisonRow] = []
        for method in methods {
            let moments = normalizedMoments(method)
            for (ch, m) in moments.enumerated() {
                rows.append(ComparisonRow(method: method.name, channel: ch, count: m.count, mean: m.mean, std: m.std,
                                          min: m.min, max: m.max))
            }
        }
        let spreads = batchSizes.map { size -> BatchSpread in
            let batches = batchMoments(size: size)
            let running = runningStatistics(size: size)
            let channels = (0 ..< self.channels).map { ch -> BatchSpread.Channel in
                let truth = dataset.channels[ch]
                let sd = truth.std > 0 ? truth.std : 1
                let offsets = batches.map { ($0[ch].mean - truth.mean) / sd }
                let ratios = batches.map { truth.variance > 0 ? $0[ch].variance / truth.variance : 1 }
                var offsetMoments = Moments()
                offsets.forEach { offsetMoments.add($0) }
                return BatchSpread.Channel(
                    channel: ch, batches: batches.count,
                    meanOffsetStd: offsetMoments.std, meanOffsetMaxAbs: offsets.map(abs).max() ?? 0,
                    varianceRatioMin: ratios.min() ?? 1, varianceRatioMax: ratios.max() ?? 1,
                    runningMean: running.runningMean[ch], runningVar: running.runningVar[ch],
                    runningMeanOffset: (running.runningMean[ch] - truth.mean) / sd,
                    runningVarRatio: truth.variance > 0 ? running.runningVar[ch] / truth.variance : 1)
            }
            return BatchSpread(batchSize: size, channels: channels)
        }
        return ComparisonResult(files: names, groups: groups, eps: eps, epochs: epochs, batchSizes: batchSizes,
                                methods: methods.map(\.name), rows: rows, batchSpreads: spreads, dataset: dataset,
                                histograms: histograms)
    }
}
