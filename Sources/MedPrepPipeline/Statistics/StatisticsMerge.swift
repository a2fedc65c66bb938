import Foundation
import MedPrepCore
import MedPrepNormalize

/// `medprep stats merge`: any mix of full statistics files and shard partials, merged into the statistics of the
/// union of their inputs.
///
/// - The partials of one dataset (same input directory and shard count N) must be shards 0…N−1, each once; they
///   are merged first exactly as `PartialStatistics.merge` does, giving the bits of one pass over that directory.
/// - Full files and merged partial sets are then combined in the order given with Chan's merge of count, mean and
///   m2 per channel (`m2 = m2_a + m2_b + δ²·n_a·n_b/n`, `δ = mean_b − mean_a`), min/max, and the sum of the
///   quantile sketches' bucket counts: equal to one pass over the union to ~1e-15 relative (sketches exactly).
/// - Every file must list the inputs it covers (path and content digest). Files that cover the same input (same
///   digest), a file given twice or a copy of one, masks or channel counts that differ are refused, naming the
///   files; so is a file of an earlier medprep that lists no inputs (regenerate it).
public enum StatisticsMerge {
    /// The merged statistics with every input covered, and the failures the partials recorded.
    public struct Merged: Sendable {
        public var file: StatisticsFile
        public var failures: [PartialStatistics.Failure]
    }

    /// Reads and merges the statistics files at `paths`.
    /// - Throws: `MedPrepError`: `.io` for a file that cannot be read, `.malformed`/`.unsupported` for one that is
    ///   no statistics file, `.invalidArgument` or `.shapeMismatch` for files that cannot be merged.
    public static func merge(paths: [String]) throws -> Merged {
        var loaded: [(path: String, content: StatisticsFile.Content)] = []
        var seen: [(path: String, identity: FileIdentity?, digest: String)] = []
        for path in paths {
            let data = try StatisticsFile.contents(of: path)
            let identity = Self.identity(of: path)
            let digest = SHA256Hasher.hexDigest(data)
            if let earlier = seen.first(where: { identity != nil && $0.identity == identity }) {
                let same = earlier.path == path ? "is given twice" : "is the same file as \(earlier.path)"
                throw MedPrepError(.invalidArgument, path: path, reason: "\(same): merging a "
                    + "statistics file with itself would count each of its inputs twice; give every file once")
            }
            if let earlier = seen.first(where: { $0.digest == digest }) {
                throw MedPrepError(.invalidArgument, path: path, reason: "has the same content as \(earlier.path): merging "
                    + "a statistics file with a copy of itself would count each of its inputs twice; give every file once")
            }
            seen.append((path, identity, digest))
            loaded.append((path, try StatisticsFile.decode(data, path: path)))
        }
        return try merge(loaded)
    }

    /// Merges statistics already read; `path` names each in messages.
    public static func merge(_ files: [(path: String, content: StatisticsFile.Content)]) throws -> Merged {
        guard !files.isEmpty else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "no statistics files to merge")
        }
        try requireCoverage(files)
        try refuseOverlaps(files)

        var groups: [GroupKey: [(path: String, partial: PartialStatistics)]] = [:]
        for (path, content) in files {
            if case .partial(let partial) = content { groups[GroupKey(partial), default: []].append((path, partial)) }
        }
        var total = DatasetStatistics()
        var totalFrom = ""
        var failures: [PartialStatistics.Failure] = []
        var done = Set<GroupKey>()
        var inputs: [CoveredInput] = []
        for (path, content) in files {
            let part: DatasetStatistics
            switch content {
            case .full(let file):
                part = file.statistics
                inputs += file.inputs ?? []
            case .partial(let partial):
                let key = GroupKey(partial)
                guard done.insert(key).inserted, let group = groups[key] else { continue }
                let merged: (statistics: DatasetStatistics, failures: [PartialStatistics.Failure])
                do {
                    merged = try PartialStatistics.merge(group)
                } catch let error as MedPrepError where error.path == nil {
                    throw MedPrepError(error.kind, path: nil, reason: "\(error.reason) of \(key.directory ?? "the dataset") "
                        + "(given: \(group.map(\.path).joined(separator: ", ")))")
                }
                part = merged.statistics
                failures += merged.failures
                inputs += group.flatMap { $0.partial.cases.flatMap { $0.inputs ?? [] } }
            }
            guard part.files > 0 else { continue }
            if total.files > 0 {
                guard part.mask == total.mask else {
                    throw MedPrepError(.invalidArgument, path: path, reason: "statistics taken with foreground mask "
                        + "\(ForegroundMask.text(part.mask)), \(totalFrom) with \(ForegroundMask.text(total.mask)): merge only statistics of one mask")
                }
                guard part.channels.count == total.channels.count else {
                    throw MedPrepError(.shapeMismatch, path: path, reason: "statistics of \(part.channels.count) channel(s), "
                        + "\(totalFrom) has \(total.channels.count)")
                }
            } else {
                totalFrom = path
            }
            try total.merge(part)
        }
        return Merged(file: StatisticsFile(statistics: total, inputs: inputs), failures: failures)
    }

    /// Device and inode of the file at `path`, to tell when two paths name one file.
    static func identity(of path: String) -> FileIdentity? {
        var info = stat()
        return stat(path, &info) == 0 ? FileIdentity(info) : nil
    }

    /// Partials merge as sets: those of one input directory and shard count.
    struct GroupKey: Hashable {
        var directory: String?
        var count: Int
        init(_ partial: PartialStatistics) {
            directory = partial.directory
            count = partial.shard.count
        }
    }

    /// Every file must list what it covers.
    static func requireCoverage(_ files: [(path: String, content: StatisticsFile.Content)]) throws {
        for (path, content) in files {
            let covered: Bool
            let regenerate: String
            switch content {
            case .full(let file):
                covered = file.inputs != nil
                regenerate = "`medprep stats DIR --output \(path)`"
            case .partial(let partial):
                covered = partial.directory != nil && partial.cases.allSatisfy { $0.inputs != nil }
                regenerate = "`medprep stats DIR --shard \(partial.shard) --output \(path)`"
            }
            guard covered else {
                throw MedPrepError(.invalidArgument, path: path, reason: "does not list the inputs it covers (it was written "
                    + "by an earlier medprep), so overlapping inputs cannot be detected: regenerate it with \(regenerate)")
            }
        }
    }

    /// No input (by content digest) may be covered by two files.
    static func refuseOverlaps(_ files: [(path: String, content: StatisticsFile.Content)]) throws {
        var owner: [String: (file: String, input: String)] = [:]
        for (path, content) in files {
            let inputs: [CoveredInput]
            switch content {
            case .full(let file): inputs = file.inputs ?? []
            case .partial(let partial): inputs = partial.cases.flatMap { $0.inputs ?? [] }
            }
            var own: [String: String] = [:]
            for input in inputs where own[input.digest] == nil { own[input.digest] = input.path }
            for (digest, input) in own.sorted(by: { $0.value < $1.value }) {
                if let other = owner[digest] {
                    let shared = Set(own.keys).filter { owner[$0] != nil }.count
                    throw MedPrepError(.invalidArgument, path: path, reason: "covers inputs that \(other.file) covers too, "
                        + "e.g. \(input) (the same content as \(other.input) there; \(shared) shared input(s) in all): "
                        + "each input may be counted once; merge statistics of disjoint inputs")
                }
            }
            for (digest, input) in own { owner[digest] = (path, input) }
        }
    }
}
