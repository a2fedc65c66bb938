import MedPrepNormalize

/// A fixed-bin histogram of normalized values with under- and overflow counts.
package struct Histogram: Sendable, Equatable, Encodable {
    package var lower: Double
    package var upper: Double
    package var counts: [Int]
    package var underflow = 0
    package var overflow = 0

    package init(range: ClosedRange<Double>, bins: Int) {
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
package struct ComparisonRow: Sendable, Equatable, Encodable {
    package var method: String
    package var channel: Int
    package var count: Int
    package var mean: Double
    package var std: Double
    package var min: Double
    package var max: Double
    /// `|mean|`: distance from zero mean.
    package var meanError: Double { abs(mean) }
    /// `|std − 1|`: distance from unit variance.
    package var stdError: Double { abs(std - 1) }

    enum CodingKeys: String, CodingKey { case method, channel, count, mean, std, min, max, meanError = "abs_mean", stdError = "abs_std_minus_1" }

    package func encode(to encoder: Encoder) throws {
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

    package init(method: String, channel: Int, count: Int, mean: Double, std: Double, min: Double, max: Double) {
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
package struct BatchSpread: Sendable, Equatable, Encodable {
    package struct Channel: Sendable, Equatable, Encodable {
        package var channel: Int
        package var batches: Int
        /// Std over batches of `(batch mean − dataset mean) / dataset std`.
        package var meanOffsetStd: Double
        package var meanOffsetMaxAbs: Double
        /// Range of `batch variance / dataset variance`.
        package var varianceRatioMin: Double
        package var varianceRatioMax: Double
        /// BatchNorm's running statistics after one pass (momentum 0.1).
        package var runningMean: Double
        package var runningVar: Double
        package var runningMeanOffset: Double
        package var runningVarRatio: Double

        enum CodingKeys: String, CodingKey {
            case channel, batches
            case meanOffsetStd = "mean_offset_std", meanOffsetMaxAbs = "mean_offset_max_abs"
            case varianceRatioMin = "variance_ratio_min", varianceRatioMax = "variance_ratio_max"
            case runningMean = "running_mean", runningVar = "running_var"
            case runningMeanOffset = "running_mean_offset", runningVarRatio = "running_var_ratio"
        }
    }

    package var batchSize: Int
    package var channels: [Channel]

    enum CodingKeys: String, CodingKey { case batchSize = "batch_size", channels }
}

/// Everything `compare-norms` reports.
package struct ComparisonResult: Sendable, Encodable {
    package var files: [String]
    package var groups: Int
    package var eps: Double
    package var epochs: Int
    package var batchSizes: [Int]
    package var methods: [String]
    package var rows: [ComparisonRow]
    package var batchSpreads: [BatchSpread]
    package var dataset: DatasetStatistics
    package var histograms: [String: [Histogram]]

    enum CodingKeys: String, CodingKey {
        case files, groups, eps, epochs, methods, rows, histograms
        case batchSizes = "batch_sizes", batchSpreads = "batch_spreads", dataset = "dataset_statistics"
    }

    /// `comparison.csv`: `method, channel, count, mean, std, min, max, abs_mean, abs_std_minus_1`.
    package func csv() -> String {
        var text = "method,channel,count,mean,std,min,max,abs_mean,abs_std_minus_1\n"
        for r in rows {
            text += [r.method, String(r.channel), String(r.count), CSV.number(r.mean), CSV.number(r.std), CSV.number(r.min),
                     CSV.number(r.max), CSV.number(r.meanError), CSV.number(r.stdError)].joined(separator: ",") + "\n"
        }
        return text
    }

    /// The worst channel's distance from (0, 1) for `method`: `max(|mean|, |std − 1|)`.
    package func worstDistance(_ method: String) -> Double {
        rows.filter { $0.method == method }.map { Swift.max($0.meanError, $0.stdError) }.max() ?? .nan
    }
}
