import MedPrepNormalize

/// A fixed-bin histogram of normalized values with under- and overflow counts.
public struct Histogram: Sendable, Equatable, Encodable {
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

    /// Bins `map.scale·x + map.intercept` of the finite `values`.
    mutating func add(_ values: UnsafeBufferPointer<Float>, map: AffineMap) {
        let scale = Double(counts.count) / (upper - lower)
        let (a, b) = (map.scale, map.intercept)
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
public struct ComparisonRow: Sendable, Equatable, Encodable {
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
}

/// How batch statistics at one batch size wander around the dataset's, in units of the dataset's std/variance.
public struct BatchSpread: Sendable, Equatable, Encodable {
    public struct Channel: Sendable, Equatable, Encodable {
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
