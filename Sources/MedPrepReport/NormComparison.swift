import MedPrepCore
import MedPrepNormalize

/// Measures, on a user's own scans, what each normalization leaves of the data: the seed argument for GroupNorm.
///
/// Every compared method maps a scan's channel `c` affinely, `y = a·x + b`:
/// - `raw`: `a = 1, b = 0`;
/// - `imagenet`: torchvision scaling of the stored integer range `[lo, hi]` then ImageNet mean/std
///   (`a = 1/((hi−lo)·s_c)`, `b = −(lo/(hi−lo) + m_c)/s_c`);
/// - `dataset`: z-score with the dataset's per-channel mean and (biased) std;
/// - `groupnorm`: per scan and group, z-score with the group's mean and biased variance (eps added);
/// - `batchstats(B)`: BatchNorm in training mode on consecutive batches of `B` scans (statistics over all voxels
///   of the batch, per channel);
/// - `batchnorm-eval(B)`: BatchNorm in eval mode with the running mean/var (momentum 0.1, unbiased variance)
///   left after `epochs` passes over the dataset in batches of `B` (the running statistics hold the last
///   updates, weighted 0.1, 0.09, 0.081, … towards the most recent batches).
///
/// So the normalized data's moments follow exactly from each scan's per-channel input moments:
/// `mean_y = a·mean_x + b`, `m2_y = a²·m2_x`, merged over scans with Chan's formula. Pass 1 (`observe`) gathers
/// per-scan moments and dataset statistics; pass 2 (`histogram`) only bins the transformed voxels for the plots.
public struct NormComparison: Sendable {
    public let batchSizes: [Int]
    public let groups: Int
    public let eps: Double
    public let bins: Int
    /// Passes over the dataset BatchNorm's running statistics are trained for.
    public let epochs: Int

    /// Per-scan, per-channel input moments, in input order (a few numbers per file).
    public private(set) var scanMoments: [[Moments]] = []
    public private(set) var valueRanges: [ClosedRange<Double>?] = []
    public private(set) var names: [String] = []
    public private(set) var dataset = DatasetStatistics()
    private var histograms: [String: [Histogram]] = [:]

    public init(batchSizes: [Int], groups: Int = 1, eps: Double = 1e-5, bins: Int = 60, epochs: Int = 1) throws {
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
        self.eps = eps
        self.bins = bins
        self.epochs = epochs
    }

    /// The compared methods, in report order.
    public var methods: [String] {
        ["raw", "imagenet", "dataset", "groupnorm"]
            + batchSizes.flatMap { ["batchstats(\($0))", "batchnorm-eval(\($0))"] }
    }

    public var channels: Int { scanMoments.first?.count ?? 0 }

    /// Pass 1: records the input moments of one scan (all scans must have the same channel count).
    public mutating func observe(_ scan: Scan) throws {
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

    /// The affine map `(a, b)` per channel that `method` applies to scan `index`.
    public func maps(method: String, scan index: Int) -> [(a: Double, b: Double)] {
        let moments = scanMoments[index]
        let c = moments.count
        switch method {
        case "raw":
            return Array(repeating: (1, 0), count: c)
        case "imagenet":
            guard let range = valueRanges[index], c == 1 || c == 3 else { return [] }
            let means = c == 3 ? ImageNetPreset.mean : [ImageNetPreset.grayMean]
            let stds = c == 3 ? ImageNetPreset.std : [ImageNetPreset.grayStd]
            let width = range.upperBound - range.lowerBound
            return (0 ..< c).map { ch in (1 / (width * stds[ch]), -(range.lowerBound / width + means[ch]) / stds[ch]) }
        case "dataset":
            return dataset.channels.map { s in (1 / s.std, -s.mean / s.std) }
        case "groupnorm":
            let g = Swift.min(groups, c), perGroup = c / g
            return (0 ..< c).map { ch in
                var group = Moments()
                for member in (ch / perGroup) * perGroup ..< (ch / perGroup + 1) * perGroup { group.merge(moments[member]) }
                let rstd = 1 / (group.variance + eps).squareRoot()
                return (rstd, -group.mean * rstd)
            }
        default:
            guard let size = Self.batchSize(of: method) else { return [] }
            if method.hasPrefix("batchstats") {
                let batch = batchMoments(size: size)[index / size]
                return batch.map { m in let rstd = 1 / (m.variance + eps).squareRoot(); return (rstd, -m.mean * rstd) }
            }
            let running = runningStatistics(size: size)
            return (0 ..< c).map { ch in
                let rstd = 1 / (running.runningVar[ch] + eps).squareRoot()
                return (rstd, -running.runningMean[ch] * rstd)
            }
        }
    }

    static func batchSize(of method: String) -> Int? {
        guard let open = method.firstIndex(of: "("), method.hasSuffix(")") else { return nil }
        return Int(method[method.index(after: open) ..< method.index(before: method.endIndex)])
    }

    /// Per-channel moments of each consecutive batch of `size` scans (the last batch may be smaller).
    public func batchMoments(size: Int) -> [[Moments]] {
        stride(from: 0, to: scanMoments.count, by: size).map { start in
            BatchStatistics.channelMoments(Array(scanMoments[start ..< Swift.min(start + size, scanMoments.count)]).flatMap { $0 },
                                           channels: channels)
        }
    }

    /// BatchNorm's running mean/var (momentum 0.1, unbiased variance) after `epochs` passes in batches of `size`
    /// (the same batches each pass).
    public func runningStatistics(size: Int) -> RunningBatchNorm {
        var running = RunningBatchNorm(channels: channels, eps: eps)
        let batches = batchMoments(size: size)
        for _ in 0 ..< epochs {
            for batch in batches { running.update(with: batch) }
        }
        return running
    }

    /// Per-channel moments of the normalized data of `method` over the whole dataset.
    public func normalizedMoments(method: String) -> [Moments] {
        var total = Array(repeating: Moments(), count: channels)
        for index in scanMoments.indices {
            let maps = maps(method: method, scan: index)
            guard maps.count == channels else { return [] }
            for (ch, m) in scanMoments[index].enumerated() {
                total[ch].merge(Self.transform(m, a: maps[ch].a, b: maps[ch].b))
            }
        }
        return total
    }

    /// The moments of `a·x + b` given those of `x`.
    static func transform(_ m: Moments, a: Double, b: Double) -> Moments {
        let lo = a * m.min + b, hi = a * m.max + b
        return Moments(count: m.count, mean: a * m.mean + b, m2: a * a * m.m2, min: Swift.min(lo, hi), max: Swift.max(lo, hi),
                       nonFinite: m.nonFinite)
    }

    /// Display range of the histogram of `method`: the data range for `raw` and `imagenet`, [−5, 5] otherwise.
    func histogramRange(method: String) -> ClosedRange<Double> {
        guard method == "raw" || method == "imagenet" else { return -5 ... 5 }
        let moments = normalizedMoments(method: method)
        let lo = moments.map(\.min).min() ?? 0, hi = moments.map(\.max).max() ?? 1
        return lo < hi ? lo ... hi : lo ... lo + 1
    }

    /// Pass 2: bins the normalized voxels of scan `index` (the same scan as the `index`-th `observe`).
    public mutating func histogram(_ scan: Scan, index: Int) {
        let tensor = scan.tensor
        for method in methods {
            let maps = maps(method: method, scan: index)
            guard maps.count == tensor.shape.c else { continue }
            var perChannel = histograms[method] ?? (0 ..< tensor.shape.c).map { _ in
                Histogram(range: histogramRange(method: method), bins: bins)
            }
            tensor.storage.withUnsafeBufferPointer { buffer in
                for ch in 0 ..< tensor.shape.c {
                    let start = ch * tensor.shape.spatialCount
                    perChannel[ch].add(UnsafeBufferPointer(rebasing: buffer[start ..< start + tensor.shape.spatialCount]),
                                       a: maps[ch].a, b: maps[ch].b)
                }
            }
            histograms[method] = perChannel
        }
    }

    /// The finished comparison.
    public func result() -> ComparisonResult {
        var rows: [ComparisonRow] = []
        for method in methods {
            let moments = normalizedMoments(method: method)
            for (ch, m) in moments.enumerated() {
                rows.append(ComparisonRow(method: method, channel: ch, count: m.count, mean: m.mean, std: m.std,
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
        return ComparisonResult(files: names, groups: groups, eps: eps, epochs: epochs, batchSizes: batchSizes, methods: methods,
                                rows: rows, batchSpreads: spreads, dataset: dataset, histograms: histograms)
    }
}

/// A fixed-bin histogram of `a·x + b` with under- and overflow counts.
public struct Histogram: Sendable, Equatable, Codable {
    public var lower: Double
    public var upper: Double
    public var counts: [Int]
    public var underflow = 0
    public var overflow = 0

    public init(range: ClosedRange<Double>, bins: Int) {
        lower = range.lowerBound
        upper = range.upperBound
        counts = Array(repeating: 0, count: bins)
    }

    mutating func add(_ values: UnsafeBufferPointer<Float>, a: Double, b: Double) {
        let scale = Double(counts.count) / (upper - lower)
        for x in values where x.isFinite {
            let y = a * Double(x) + b
            if y < lower { underflow += 1; continue }
            let bin = Int((y - lower) * scale)
            if bin >= counts.count {
                if y <= upper { counts[counts.count - 1] += 1 } else { overflow += 1 }
            } else {
                counts[bin] += 1
            }
        }
    }
}

/// The normalized data of one method and channel over the whole dataset.
public struct ComparisonRow: Sendable, Equatable, Codable {
    public var method: String
    public var channel: Int
    public var count: Int
    public var mean: Double
    public var std: Double
    public var min: Double
    public var max: Double
    /// `|mean|`: distance from zero mean.
    public var meanError: Double { abs(mean) }
    /// `|std − 1|`: distance from unit variance.
    public var stdError: Double { abs(std - 1) }

    enum CodingKeys: String, CodingKey { case method, channel, count, mean, std, min, max, meanError = "abs_mean", stdError = "abs_std_minus_1" }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
        try c.encode(channel, forKey: .channel)
        try c.encode(count, forKey: .count)
        try c.encode(mean, forKey: .mean)
        try c.encode(std, forKey: .std)
        try c.encode(min, forKey: .min)
        try c.encode(max, forKey: .max)
        try c.encode(meanError, forKey: .meanError)
        try c.encode(stdError, forKey: .stdError)
    }

    public init(method: String, channel: Int, count: Int, mean: Double, std: Double, min: Double, max: Double) {
        self.method = method
        self.channel = channel
        self.count = count
        self.mean = mean
        self.std = std
        self.min = min
        self.max = max
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(method: try c.decode(String.self, forKey: .method), channel: try c.decode(Int.self, forKey: .channel),
                  count: try c.decode(Int.self, forKey: .count), mean: try c.decode(Double.self, forKey: .mean),
                  std: try c.decode(Double.self, forKey: .std), min: try c.decode(Double.self, forKey: .min),
                  max: try c.decode(Double.self, forKey: .max))
    }
}

/// How batch statistics at one batch size wander around the dataset's, in units of the dataset's std/variance.
public struct BatchSpread: Sendable, Equatable, Codable {
    public struct Channel: Sendable, Equatable, Codable {
        public var channel: Int
        public var batches: Int
        /// Std over batches of `(batch mean − dataset mean) / dataset std`.
        public var meanOffsetStd: Double
        public var meanOffsetMaxAbs: Double
        /// Range of `batch variance / dataset variance`.
        public var varianceRatioMin: Double
        public var varianceRatioMax: Double
        /// BatchNorm's running statistics after one pass (momentum 0.1).
        public var runningMean: Double
        public var runningVar: Double
        public var runningMeanOffset: Double
        public var runningVarRatio: Double

        enum CodingKeys: String, CodingKey {
            case channel, batches
            case meanOffsetStd = "mean_offset_std", meanOffsetMaxAbs = "mean_offset_max_abs"
            case varianceRatioMin = "variance_ratio_min", varianceRatioMax = "variance_ratio_max"
            case runningMean = "running_mean", runningVar = "running_var"
            case runningMeanOffset = "running_mean_offset", runningVarRatio = "running_var_ratio"
        }
    }

    public var batchSize: Int
    public var channels: [Channel]

    enum CodingKeys: String, CodingKey { case batchSize = "batch_size", channels }
}

/// Everything `compare-norms` reports.
public struct ComparisonResult: Sendable, Encodable {
    public var files: [String]
    public var groups: Int
    public var eps: Double
    public var epochs: Int
    public var batchSizes: [Int]
    public var methods: [String]
    public var rows: [ComparisonRow]
    public var batchSpreads: [BatchSpread]
    public var dataset: DatasetStatistics
    public var histograms: [String: [Histogram]]

    enum CodingKeys: String, CodingKey {
        case files, groups, eps, epochs, methods, rows, histograms
        case batchSizes = "batch_sizes", batchSpreads = "batch_spreads", dataset = "dataset_statistics"
    }

    /// `comparison.csv`: `method, channel, count, mean, std, min, max, abs_mean, abs_std_minus_1`.
    public func csv() -> String {
        var text = "method,channel,count,mean,std,min,max,abs_mean,abs_std_minus_1\n"
        for r in rows {
            text += [r.method, String(r.channel), String(r.count), CSV.number(r.mean), CSV.number(r.std), CSV.number(r.min),
                     CSV.number(r.max), CSV.number(r.meanError), CSV.number(r.stdError)].joined(separator: ",") + "\n"
        }
        return text
    }

    /// The worst channel's distance from (0, 1) for `method`: `max(|mean|, |std − 1|)`.
    public func worstDistance(_ method: String) -> Double {
        rows.filter { $0.method == method }.map { Swift.max($0.meanError, $0.stdError) }.max() ?? .nan
    }
}
