import Foundation
import MedPrepCore
import MedPrepNormalize

/// The streaming dataset-statistics pass: every case is decoded and prepared (per-scan stages), its per-channel
/// statistics are taken, and the per-case results are merged in case order (Chan's formula for the moments,
/// bucket addition for the percentile sketch), so the result is the same for any number of jobs.
///
/// Cases are processed in windows of `4 × jobs`: memory holds at most `jobs` decoded scans plus the
/// window's small per-case statistics, never the dataset.
public struct StatisticsPass: Sendable {
    public let loader: CaseLoader
    public let mask: ForegroundMask?
    public let nonFinite: NonFinitePolicy
    public let jobs: Int
    /// Where per-case statistics of earlier runs are looked up and stored, if anywhere.
    public let cache: StatisticsCache?

    public init(loader: CaseLoader, mask: ForegroundMask?, nonFinite: NonFinitePolicy, jobs: Int, cache: StatisticsCache? = nil) {
        self.loader = loader
        self.mask = mask
        self.nonFinite = nonFinite
        self.jobs = max(1, jobs)
        self.cache = cache
    }

    /// How one case's statistics were obtained, for progress reports.
    public enum Source: String, Sendable {
        case decoded
        case cached
        case failed
    }

    /// Statistics of every case that could be read, and the error of each one that could not (by case id).
    public func run(_ cases: [InputCase], progress: (@Sendable (InputCase, Source, MedPrepError?) -> Void)? = nil)
        -> (statistics: DatasetStatistics, failures: [String: MedPrepError]) {
        var total = DatasetStatistics()
        var failures: [String: MedPrepError] = [:]
        forEachCase(cases, progress: progress) { input, partial in
            do {
                try total.merge(try partial.get())
            } catch {
                failures[input.id] = MedPrepError.wrap(error, path: input.paths.first)
            }
        }
        return (total, failures)
    }

    /// Calls `body` with the statistics of each case (or why it could not be read), in the order of `cases`;
    /// `run` merges exactly these, in this order.
    public func forEachCase(_ cases: [InputCase], progress: (@Sendable (InputCase, Source, MedPrepError?) -> Void)? = nil,
                            _ body: (InputCase, Result<DatasetStatistics, MedPrepError>) -> Void) {
        let window = 4 * jobs
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount / jobs)
        for start in stride(from: 0, to: cases.count, by: window) {
            let slice = Array(cases[start ..< min(start + window, cases.count)])
            let partials = WorkerPool.map(count: slice.count, jobs: jobs) { index -> Result<DatasetStatistics, MedPrepError> in
                let input = slice[index]
                if let cached = cache?.lookup(input) {
                    progress?(input, .cached, nil)
                    return .success(cached)
                }
                let result: Result<DatasetStatistics, MedPrepError>
                do {
                    let prepared = try loader.load(input)
                    var statistics = DatasetStatistics()
                    try statistics.accumulate(prepared.image.tensor, mask: mask, nonFinite: nonFinite,
                                              path: prepared.image.path, threads: threads)
                    cache?.store(statistics, for: input)
                    result = .success(statistics)
                    progress?(input, .decoded, nil)
                } catch {
                    let failure = MedPrepError.wrap(error, path: input.paths.first)
                    result = .failure(failure)
                    progress?(input, .failed, failure)
                }
                return result
            }
            for (input, partial) in zip(slice, partials) { body(input, partial) }
        }
    }
}
