import MedPrepCore
import MedPrepNormalize

/// Measures, on a user's own scans, what each normalization leaves of the data: the seed argument for GroupNorm.
///
/// Every compared method (`ComparedMethod`) maps a scan's channel affinely with the map its normalizer reports, so
/// the normalized data's moments follow from the input's: `mean_y = a·mean_x + b`, `m2_y = a²·m2_x`, merged over
/// scans with Chan's formula. A map that clips (`percentile`) is measured on the voxels instead, in pass 1.
///
/// Three steps: `observe` each scan (pass 1: input moments, dataset statistics, the maps of the per-scan methods),
/// `settle` (channel count, rejected inputs, batch sizes, the maps of the dataset and BatchNorm methods), then
/// `histogram` each used scan again (pass 2: only bins the normalized voxels for the plots). One scan is in memory
/// at a time; what is kept per scan is a few numbers per channel and method.
package struct NormComparison: Sendable {
    /// The `--batch-sizes` asked for; nil for the default derived from the number of scans used.
    package let requestedBatchSizes: [Int]?
    package let groups: Int
    package let eps: Double
    package let bins: Int
    /// Passes over the dataset BatchNorm's running statistics are trained for.
    package let epochs: Int
    /// Bounds of the histograms that compare methods: one axis for every method and channel.
    package static let sharedAxis: ClosedRange<Double> = -5 ... 5

    /// The settled batch sizes and methods (`settle`).
    package private(set) var batchSizes: [Int] = []
    package private(set) var methods: [ComparedMethod]
    /// The channel count of the scans used (the most common one among readable scans).
    package private(set) var channels = 0
    package private(set) var dataset = DatasetStatistics()

    private var observed: [ObservedScan] = []
    package private(set) var rejected: [RejectedInput] = []
    private var statistics: [Int: DatasetStatistics] = [:]
    private var sequence = 0
    /// `outcomes[method][scan]` over the used scans, after `settle`.
    private var outcomes: [[MethodOutcome]] = []
    private var histograms: [String: [Histogram]] = [:]
    private var rawHistograms: [Histogram] = []

    package init(batchSizes: [Int]?, groups: Int = 1, eps: Double = 1e-5, bins: Int = 80, epochs: Int = 1) throws {
        if let batchSizes, batchSizes.isEmpty || batchSizes.contains(where: { $0 <= 0 }) {
            throw MedPrepError(.invalidArgument, path: nil, reason: "batch sizes must be positive, got \(batchSizes)")
        }
        guard groups > 0 else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "groups must be positive, got \(groups)")
        }
        guard epochs > 0 else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "epochs must be positive, got \(epochs)")
        }
        guard eps >= 0, eps.isFinite else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "eps must be finite and ≥ 0, got \(eps)")
        }
        requestedBatchSizes = batchSizes
        self.groups = groups
        self.eps = eps
        self.bins = bins
        self.epochs = epochs
        methods = try ComparedMethod.all(groups: groups, eps: eps, batchSizes: [])
    }

    /// Sizes of 2, 4, 8, 16, 32 up to the number of scans `n` (`[n]` when fewer than 2 scans).
    package static func defaultBatchSizes(scans n: Int) -> [Int] {
        let sizes = [2, 4, 8, 16, 32].filter { $0 <= n }
        return sizes.isEmpty ? [Swift.max(n, 1)] : sizes
    }

    /// The files used, in input order (after `settle`).
    package var files: [String] { observed.map(\.path) }

    /// Pass 1: records one scan. Throws (and records nothing) for a scan with non-finite voxels.
    package mutating func observe(_ scan: Scan) throws {
        let tensor = scan.tensor
        let moments = try tensor.storage.withUnsafeBufferPointer { buffer in
            try (0 ..< tensor.shape.c).map { c -> Moments in
                let m = Moments.of(Self.channel(c, of: buffer, shape: tensor.shape), nonFinite: .ignore)
                if m.nonFinite > 0 {
                    throw MedPrepError(.nonFinite, path: scan.path, reason: "channel \(c) has \(m.nonFinite) non-finite voxels; "
                        + "compare-norms needs finite values (repair the file or leave it out)")
                }
                return m
            }
        }
        var statistics = self.statistics[tensor.shape.c] ?? DatasetStatistics()
        try statistics.accumulate(tensor, mask: nil, nonFinite: .error, path: scan.path)
        self.statistics[tensor.shape.c] = statistics
        let outcomes = methods.map { method -> MethodOutcome? in
            guard case .perScan(let normalizer) = method.source else { return nil }
            return MethodOutcome.measure(normalizer, on: scan)
        }
        observed.append(ObservedScan(sequence: sequence, path: scan.path, moments: moments, perScan: outcomes))
        sequence += 1
    }

    /// Records an input that could not be used (unreadable, non-finite voxels), in input order.
    package mutating func reject(_ path: String, reason: String) {
        rejected.append(RejectedInput(sequence: sequence, file: path, reason: reason))
        sequence += 1
    }

    /// After pass 1: keeps the scans of the most common channel count (the first scan's on a tie) and rejects the
    /// others with their reason; settles the batch sizes and computes every method's maps.
    /// Throws `.invalidArgument` when no scan is usable or a requested batch size exceeds the scans used.
    package mutating func settle() throws {
        let counts = Dictionary(grouping: observed, by: { $0.moments.count }).mapValues(\.count)
        guard let first = observed.first else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "no readable scans to compare")
        }
        let best = counts.max { $0.value < $1.value || ($0.value == $1.value && $1.key == first.moments.count) }!.key
        for scan in observed where scan.moments.count != best {
            rejected.append(RejectedInput(sequence: scan.sequence, file: scan.path,
                reason: "has \(scan.moments.count) channel(s); \(counts[best]!) of the \(observed.count) readable scans have \(best), "
                    + "and the comparison needs one channel count"))
        }
        rejected.sort { $0.sequence < $1.sequence }
        observed.removeAll { $0.moments.count != best }
        channels = best
        dataset = statistics[best] ?? DatasetStatistics()
        let n = observed.count
        if let requested = requestedBatchSizes, let large = requested.first(where: { $0 > n }) {
            throw MedPrepError(.invalidArgument, path: nil,
                reason: "batch size \(large) is larger than the \(n) scan(s) used, so each pass would be one partial batch; "
                    + "use sizes up to \(n), or leave out --batch-sizes for \(Self.defaultBatchSizes(scans: n).map(String.init).joined(separator: ","))")
        }
        batchSizes = requestedBatchSizes ?? Self.defaultBatchSizes(scans: n)
        methods = try ComparedMethod.all(groups: groups, eps: eps, batchSizes: batchSizes)
        outcomes = methods.enumerated().map { index, method in
            observed.indices.map { scan in outcome(method, methodIndex: index, scan: scan) }
        }
    }

    /// The outcome of `method` for used scan `scan`: pass 1's for per-scan methods (the first methods, in the same
    /// order at pass 1 and after), else from the dataset's moments.
    private func outcome(_ method: ComparedMethod, methodIndex: Int, scan: Int) -> MethodOutcome {
        let maps: () throws -> [AffineMap]
        switch method.source {
        case .perScan:
            return observed[scan].perScan[methodIndex] ?? .refused("no map was recorded")
        case .dataset:
            maps = { try DatasetNormalizer(statistics: dataset).affineMaps(samples: 1, channels: channels, context: NormalizationContext())[0] }
        case .batchTrain(let size):
            let start = scan / size * size
            let batch = observed[start ..< Swift.min(start + size, observed.count)].flatMap(\.moments)
            maps = { try BatchStatistics(eps: eps).affineMaps(channelMoments: batch, channels: channels)[scan - start] }
        case .batchEval(let size):
            maps = { try runningStatistics(size: size).affineMaps(samples: 1)[0] }
        }
        do {
            let result = try maps()
            guard result.allSatisfy({ $0.clip == nil }) else { return .refused("a clipping map needs the voxels, not the moments") }
            return .mapped(result, measured: nil)
        } catch {
            return .refused(MedPrepError.wrap(error, path: nil).reason)
        }
    }

    /// The maps `method` uses for used scan `index` per channel; empty when its normalizer refused the scan.
    func maps(_ method: String, scan index: Int) -> [AffineMap] {
        guard let m = methods.firstIndex(where: { $0.name == method }), case .mapped(let maps, _) = outcomes[m][index] else { return [] }
        return maps
    }

    /// Per-channel moments of each consecutive batch of `size` scans (the last batch may be smaller).
    func batchMoments(size: Int) -> [[Moments]] {
        stride(from: 0, to: observed.count, by: size).map { start in
            BatchStatistics.channelMoments(observed[start ..< Swift.min(start + size, observed.count)].flatMap(\.moments),
                                           channels: channels)
        }
    }

    /// BatchNorm's running mean/var (momentum 0.1, unbiased variance) after `epochs` passes in batches of `size`
    /// (the same batches each pass).
    func runningStatistics(size: Int) -> RunningBatchNorm {
        runningTrajectory(size: size).last ?? RunningBatchNorm(channels: channels, eps: eps)
    }

    /// The running statistics after each update of `epochs` passes in batches of `size`.
    func runningTrajectory(size: Int) -> [RunningBatchNorm] {
        var running = RunningBatchNorm(channels: channels, eps: eps)
        let batches = batchMoments(size: size)
        var states: [RunningBatchNorm] = []
        for _ in 0 ..< epochs {
            for batch in batches {
                running.update(with: batch)
                states.append(running)
            }
        }
        return states
    }

    /// Pass 2: bins the normalized voxels of used scan `index` (the `index`-th of `files`) on the shared axis, and
    /// the raw voxels on the data's own range.
    package mutating func histogram(_ scan: Scan, index: Int) {
        let tensor = scan.tensor
        tensor.storage.withUnsafeBufferPointer { buffer in
            for (m, method) in methods.enumerated() {
                guard outcomes[m].allSatisfy(\.isMapped), case .mapped(let maps, _) = outcomes[m][index],
                      maps.count == tensor.shape.c else { continue }
                var perChannel = histograms[method.name]
                    ?? Array(repeating: Histogram(range: Self.sharedAxis, bins: bins), count: tensor.shape.c)
                for c in 0 ..< tensor.shape.c { perChannel[c].add(Self.channel(c, of: buffer, shape: tensor.shape), map: maps[c]) }
                histograms[method.name] = perChannel
            }
            if rawHistograms.isEmpty {
                let lo = dataset.channels.compactMap(\.min).min() ?? 0, hi = dataset.channels.compactMap(\.max).max() ?? 1
                rawHistograms = Array(repeating: Histogram(range: lo < hi ? lo ... hi : lo ... lo + 1, bins: bins), count: channels)
            }
            for c in 0 ..< Swift.min(tensor.shape.c, rawHistograms.count) {
                rawHistograms[c].add(Self.channel(c, of: buffer, shape: tensor.shape), map: .identity)
            }
        }
    }

    /// The finished comparison.
    package func result() -> ComparisonResult {
        let rows = methods.enumerated().flatMap { m, method in
            ComparisonRow.rows(method: method.name, channels: channels, outcomes: outcomes[m], inputs: observed.map(\.moments),
                               files: files, note: method.batchSize.flatMap(partialBatchNote))
        }
        let spreads = batchSizes.map { size in
            BatchSpread(batchSize: size, scans: observed.count, batches: batchMoments(size: size),
                        trajectory: runningTrajectory(size: size), dataset: dataset)
        }
        var result = ComparisonResult(files: files, rejected: rejected, groups: groups, eps: eps, epochs: epochs,
                                      batchSizes: batchSizes, batchSizesDefault: requestedBatchSizes == nil,
                                      methods: methods.map(\.name), rows: rows, batchSpreads: spreads, dataset: dataset,
                                      histograms: histograms, rawHistograms: rawHistograms)
        result.findings = ComparisonFindings.paragraph(result)
        return result
    }

    /// "last batch holds k of B scans" when the scans do not fill the batches of `size` exactly.
    func partialBatchNote(_ size: Int) -> String? {
        let last = observed.count % size
        return last == 0 ? nil : "last batch holds \(last) of \(size) scans"
    }

    static func channel(_ c: Int, of buffer: UnsafeBufferPointer<Float>, shape: TensorShape) -> UnsafeBufferPointer<Float> {
        let start = c * shape.spatialCount
        return UnsafeBufferPointer(rebasing: buffer[start ..< start + shape.spatialCount])
    }
}

/// What pass 1 keeps of one readable scan.
struct ObservedScan: Sendable {
    var sequence: Int
    var path: String
    /// Input moments per channel.
    var moments: [Moments]
    /// Per method (`NormComparison.methods` at pass 1), the per-scan method's outcome; nil for the others.
    var perScan: [MethodOutcome?]
}

/// An input left out of the comparison, with why.
package struct RejectedInput: Sendable, Equatable, Encodable {
    var sequence: Int
    package var file: String
    package var reason: String

    enum CodingKeys: String, CodingKey { case file, reason }
}
