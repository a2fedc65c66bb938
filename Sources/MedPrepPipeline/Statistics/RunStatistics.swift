import Foundation
import MedPrepTransform
import MedPrepCore
import MedPrepDecode
import MedPrepNormalize
import MedPrepReport
import MedPrepWrite

/// How a run gets its dataset statistics: frozen from a file, or computed and compared with the stored ones.
extension PipelineRunner {
    struct ResolvedStatistics {
        var value: DatasetStatistics
        var hash: String
        var source: String
    }

    /// Loads frozen statistics, or computes them in a streaming pass and decides whether they moved beyond the
    /// tolerance from the stored ones (then outputs made with the old ones are stale).
    func resolveStatistics(plan: StagePlan, loader: CaseLoader, cases: [InputCase], gate: ChannelGate,
                           failures: inout [String: MedPrepError], notes: inout [String]) throws -> ResolvedStatistics? {
        switch plan.statisticsSource {
        case nil:
            return nil
        case .file(let file)?:
            let path = PathResolution.absolute(file, base: (pipeline.file as NSString).deletingLastPathComponent)
            let data = try StatisticsFile.contents(of: path)
            let value = try StatisticsFile.dataset(data, path: path)
            notes.append("frozen dataset statistics from \(path): outputs never change because inputs were added")
            return ResolvedStatistics(value: value, hash: SHA256Hasher.hexDigest(data), source: "frozen: \(path)")
        case .computed?:
            log.begin("statistics", total: cases.count)
            let cacheKey = [pipeline.processingHash, String(describing: plan.statisticsMask), plan.nonFinite.rawValue,
                            options.medprepVersion].joined(separator: "|")
            let cache = options.dryRun ? nil : StatisticsCache(directory: statisticsCacheDirectory, key: cacheKey)
            var pass = StatisticsPass(loader: loader, mask: plan.statisticsMask, nonFinite: plan.nonFinite, jobs: options.jobs,
                                      cache: cache)
            pass.gate = gate
            let (computed, passFailures) = pass.run(cases) { input, source, error in
                self.log.item(input.id, status: source.rawValue, error: error?.description)
            }
            log.end()
            try gate.requirePassed()
            failures.merge(passFailures) { first, _ in first }
            let storedPath = pipeline.stateDirectory + "/statistics.json"
            var value = computed
            if let data = FileManager.default.contents(atPath: storedPath),
               let stored = try? DatasetStatistics.decode(data, path: storedPath) {
                let change = Self.relativeChange(from: stored, to: computed)
                if change <= options.statisticsTolerance {
                    value = stored
                    notes.append("computed statistics moved by \(change) (≤ tolerance \(options.statisticsTolerance)): "
                        + "the stored statistics are kept and earlier outputs stay valid")
                } else {
                    notes.append("computed statistics moved by \(change) (> tolerance \(options.statisticsTolerance)): "
                        + "outputs normalized with the earlier statistics are stale and redone")
                }
            }
            let data = try value.jsonData()
            if !options.dryRun { try AtomicFile.write(Array(data), to: storedPath) }
            return ResolvedStatistics(value: value, hash: SHA256Hasher.hexDigest(data), source: "computed over \(value.files) file(s)")
        }
    }

    /// Per-case statistics of earlier runs (`StatisticsCache`).
    var statisticsCacheDirectory: String { stateDirectory + "/statistics-cache" }

    /// The largest per-channel change of mean or std, in units of the earlier std; infinite if the channel
    /// count or mask differs.
    static func relativeChange(from old: DatasetStatistics, to new: DatasetStatistics) -> Double {
        guard old.channels.count == new.channels.count, old.mask == new.mask else { return .infinity }
        return zip(old.channels, new.channels).map { a, b in
            let scale = a.std > 0 ? a.std : 1
            return max(abs(a.mean - b.mean), abs(a.std - b.std)) / scale
        }.max() ?? 0
    }
}
