import Foundation
import MedPrepCore
import MedPrepNormalize

/// The streaming dataset-statistics pass: every case is decoded and prepared (per-scan stages), its per-channel
/// statistics are taken, and the per-case results are merged in case order (Chan's formula for the moments,
/// bucket addition for the percentile sketch), so the result is the same for any number of jobs.
///
/// Cases stream through `jobs` workers and are merged in order as soon as all earlier ones are done; no worker
/// runs more than `4 × jobs` cases ahead of the merge, so memory holds at most `jobs` decoded scans plus that many
/// small per-case statistics, never the dataset.
package struct StatisticsPass: Sendable {
    package let loader: CaseLoader
    package let mask: ForegroundMask?
    package let nonFinite: NonFinitePolicy
    package let jobs: Int
    /// Where per-case statistics of earlier runs are looked up and stored, if anywhere.
    package let cache: StatisticsCache?
    /// The run's channel check, settled by the worker that decodes its case; once it has failed no further
    /// case is started.
    var gate: ChannelGate = .open

    package init(loader: CaseLoader, mask: ForegroundMask?, nonFinite: NonFinitePolicy, jobs: Int, cache: StatisticsCache? = nil) {
        self.loader = loader
        self.mask = mask
        self.nonFinite = nonFinite
        self.jobs = max(1, jobs)
        self.cache = cache
    }

    /// How one case's statistics were obtained, for progress reports.
    package enum Source: String, Sendable {
        case decoded
        case cached
        case failed
    }

    /// Statistics of every case that could be read, and the error of each one that could not (by case id).
    package func run(_ cases: [InputCase], progress: (@Sendable (InputCase, Source, MedPrepError?) -> Void)? = nil)
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
    package func forEachCase(_ cases: [InputCase], progress: (@Sendable (InputCase, Source, MedPrepError?) -> Void)? = nil,
                            _ body: (InputCase, Result<DatasetStatistics, MedPrepError>) -> Void) {
        let threads = max(1, jobs / max(1, min(jobs, cases.count)))
        let pass = self
        WorkerPool.forEachInOrder(count: cases.count, jobs: jobs, lookahead: 4 * jobs, { index in
            pass.statistics(of: cases[index], threads: threads, progress: progress)
        }, consume: { index, partial in
            body(cases[index], partial)
        })
    }

    func statistics(of input: InputCase, threads: Int,
                    progress: (@Sendable (InputCase, Source, MedPrepError?) -> Void)?) -> Result<DatasetStatistics, MedPrepError> {
        if gate.hasFailed {
            return .failure(MedPrepError(.invalidArgument, path: input.paths.first, reason: "not read: the pipeline's stages do not fit"))
        }
        if let cached = cache?.lookup(input) {
            progress?(input, .cached, nil)
            return .success(cached)
        }
        do {
            var prepared = try loader.load(input, decoded: try gate.decodeChannels(of: input, loader: loader))
            var statistics = DatasetStatistics()
            try statistics.accumulate(prepared.image.tensor, mask: mask, nonFinite: nonFinite,
                                      path: prepared.image.path, threads: threads)
            ScratchArrays.recycle(&prepared.image.tensor.storage)
            cache?.store(statistics, for: input)
            progress?(input, .decoded, nil)
            return .success(statistics)
        } catch {
            let failure = MedPrepError.wrap(error, path: input.paths.first)
            progress?(input, .failed, failure)
            return .failure(failure)
        }
    }
}
