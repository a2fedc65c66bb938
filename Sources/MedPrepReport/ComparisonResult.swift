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

    /// Every value binned, in range or not.
    package var total: Int { counts.reduce(0, +) + underflow + overflow }

    /// Bins `map.scale·clamp(x, map.clip) + map.intercept` of the finite `values`.
    mutating func add(_ values: UnsafeBufferPointer<Float>, map: AffineMap) {
        let scale = Double(counts.count) / (upper - lower)
        let (a, b) = (map.scale, map.intercept)
        for x in values where x.isFinite {
            let y = a * MethodOutcome.clamp(Double(x), map.clip) + b
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

/// The normalized data of one method and channel over the whole dataset, or why there is none.
package struct ComparisonRow: Sendable, Equatable, Encodable {
    package enum Status: String, Sendable, Encodable {
        case ok
        /// The method's normalizer refused the data (e.g. ImageNet on 2 channels).
        case notApplicable = "not_applicable"
        /// A map or a result that is not a finite number.
        case failed
    }

    package var method: String
    package var channel: Int
    package var status: Status
    /// Why the row has no numbers (not `ok`).
    package var reason: String?
    /// A caveat for numbers that are there (a partial last batch).
    package var note: String?
    package var moments: Moments?

    package var count: Int? { moments?.count }
    package var mean: Double? { moments?.mean }
    package var std: Double? { moments?.std }
    /// `max(|mean|, |std − 1|)`: distance from zero mean and unit std.
    package var distance: Double? { moments.map { Swift.max(abs($0.mean), abs($0.std - 1)) } }

    enum CodingKeys: String, CodingKey {
        case method, channel, status, reason, note, count, mean, std, min, max
        case meanError = "abs_mean", stdError = "abs_std_minus_1"
    }

    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
        try c.encode(channel, forKey: .channel)
        try c.encode(status, forKey: .status)
        try c.encode(reason, forKey: .reason)
        try c.encode(note, forKey: .note)
        try c.encode(count, forKey: .count)
        try c.encode(mean, forKey: .mean)
        try c.encode(std, forKey: .std)
        try c.encode(moments?.min, forKey: .min)
        try c.encode(moments?.max, forKey: .max)
        try c.encode(moments.map { abs($0.mean) }, forKey: .meanError)
        try c.encode(moments.map { abs($0.std - 1) }, forKey: .stdError)
    }

    /// One row per channel of `method`, from its outcome per scan and the scans' input moments: a refusal of any
    /// scan makes every row `not_applicable` with the reason; a map or result that is not finite makes it `failed`.
    static func rows(method: String, channels: Int, outcomes: [MethodOutcome], inputs: [[Moments]], files: [String],
                     note: String?) -> [ComparisonRow] {
        let refusals = outcomes.enumerated().compactMap { index, outcome -> (Int, String)? in
            if case .refused(let reason) = outcome { return (index, reason) }
            return nil
        }
        if let (index, reason) = refusals.first {
            let shared = refusals.count == outcomes.count && refusals.allSatisfy { $0.1 == reason }
            let text = shared ? reason : "\(files[index]): \(reason) (\(refusals.count) of \(outcomes.count) scans refused)"
            return (0 ..< channels).map { ComparisonRow(method: method, channel: $0, status: .notApplicable, reason: text) }
        }
        if outcomes.isEmpty {
            return (0 ..< channels).map { ComparisonRow(method: method, channel: $0, status: .notApplicable, reason: "no scans") }
        }
        return (0 ..< channels).map { c in
            var total = Moments()
            for (index, outcome) in outcomes.enumerated() {
                guard case .mapped(let maps, let measured) = outcome else { continue }
                guard maps[c].scale.isFinite, maps[c].intercept.isFinite else {
                    return ComparisonRow(method: method, channel: c, status: .failed,
                        reason: "the map for \(files[index]) is not a finite number (its statistics overflow)")
                }
                total.merge(measured?[c] ?? MethodOutcome.transform(inputs[index][c], by: maps[c]))
            }
            guard [total.mean, total.std, total.min, total.max].allSatisfy(\.isFinite) else {
                return ComparisonRow(method: method, channel: c, status: .failed,
                    reason: "the normalized values overflow: their mean, std or range is not a finite number")
            }
            return ComparisonRow(method: method, channel: c, status: .ok, note: note, moments: total)
        }
    }
}

/// How batch statistics at one batch size wander around the dataset's, in units of the dataset's std/variance.
package struct BatchSpread: Sendable, Equatable, Encodable {
    package struct Channel: Sendable, Equatable, Encodable {
        package var channel: Int
        /// Per batch, `(batch mean − dataset mean) / dataset std`.
        package var meanOffsets: [Double]
        /// Per batch, `batch variance / dataset variance` (biased, as BatchNorm normalizes with).
        package var varianceRatios: [Double]
        /// After each running-statistics update (every batch of every epoch), the running mean's offset in dataset
        /// std and the running variance over the dataset's.
        package var runningMeanOffsets: [Double]
        package var runningVarRatios: [Double]
        package var runningMean: Double
        package var runningVar: Double

        /// Std over batches of the mean offsets.
        package var meanOffsetStd: Double {
            var m = Moments()
            meanOffsets.forEach { m.add($0) }
            return m.std
        }
        package var meanOffsetMaxAbs: Double { meanOffsets.map(abs).max() ?? 0 }
        package var varianceRatioMin: Double { varianceRatios.min() ?? 1 }
        package var varianceRatioMax: Double { varianceRatios.max() ?? 1 }
        package var runningMeanOffset: Double { runningMeanOffsets.last ?? 0 }
        package var runningVarRatio: Double { runningVarRatios.last ?? 1 }

        enum CodingKeys: String, CodingKey {
            case channel
            case meanOffsets = "batch_mean_offsets", varianceRatios = "batch_variance_ratios"
            case runningMeanOffsets = "running_mean_offsets", runningVarRatios = "running_var_ratios"
            case meanOffsetStd = "mean_offset_std", meanOffsetMaxAbs = "mean_offset_max_abs"
            case varianceRatioMin = "variance_ratio_min", varianceRatioMax = "variance_ratio_max"
            case runningMean = "running_mean", runningVar = "running_var"
            case runningMeanOffset = "running_mean_offset", runningVarRatio = "running_var_ratio"
        }

        package func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(channel, forKey: .channel)
            try c.encode(meanOffsets, forKey: .meanOffsets)
            try c.encode(varianceRatios, forKey: .varianceRatios)
            try c.encode(runningMeanOffsets, forKey: .runningMeanOffsets)
            try c.encode(runningVarRatios, forKey: .runningVarRatios)
            try c.encode(meanOffsetStd, forKey: .meanOffsetStd)
            try c.encode(meanOffsetMaxAbs, forKey: .meanOffsetMaxAbs)
            try c.encode(varianceRatioMin, forKey: .varianceRatioMin)
            try c.encode(varianceRatioMax, forKey: .varianceRatioMax)
            try c.encode(runningMean, forKey: .runningMean)
            try c.encode(runningVar, forKey: .runningVar)
            try c.encode(runningMeanOffset, forKey: .runningMeanOffset)
            try c.encode(runningVarRatio, forKey: .runningVarRatio)
        }
    }

    package var batchSize: Int
    package var batches: Int
    /// Scans in the last batch: `batchSize` unless the scans do not fill the batches exactly.
    package var lastBatchScans: Int
    package var partialLastBatch: Bool { lastBatchScans < batchSize }
    package var channels: [Channel]

    enum CodingKeys: String, CodingKey {
        case batchSize = "batch_size", batches, lastBatchScans = "last_batch_scans", partialLastBatch = "partial_last_batch", channels
    }

    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(batches, forKey: .batches)
        try c.encode(lastBatchScans, forKey: .lastBatchScans)
        try c.encode(partialLastBatch, forKey: .partialLastBatch)
        try c.encode(channels, forKey: .channels)
    }

    /// The spread of `batches` (per-channel moments of each batch) and of the running statistics after each
    /// update (`trajectory`) around `dataset`. A channel of zero variance is measured in units of 1.
    init(batchSize: Int, scans: Int, batches: [[Moments]], trajectory: [RunningBatchNorm], dataset: DatasetStatistics) {
        self.batchSize = batchSize
        self.batches = batches.count
        lastBatchScans = scans % batchSize == 0 ? batchSize : scans % batchSize
        channels = dataset.channels.indices.map { ch in
            let truth = dataset.channels[ch]
            let sd = truth.std > 0 ? truth.std : 1, variance = truth.variance > 0 ? truth.variance : 1
            let last = trajectory.last
            return Channel(channel: ch, meanOffsets: batches.map { ($0[ch].mean - truth.mean) / sd },
                           varianceRatios: batches.map { $0[ch].variance / variance },
                           runningMeanOffsets: trajectory.map { ($0.runningMean[ch] - truth.mean) / sd },
                           runningVarRatios: trajectory.map { $0.runningVar[ch] / variance },
                           runningMean: last?.runningMean[ch] ?? 0, runningVar: last?.runningVar[ch] ?? 1)
        }
    }
}
