import Foundation
import MedPrepCore
import MedPrepNormalize

/// The dataset statistics of one shard, in a form that merges into exactly the statistics a single
/// `StatisticsPass` over the whole dataset gives (two-phase statistics: `medprep stats --shard`, then
/// `medprep stats merge`).
///
/// Chan's merge is deterministic but not associative in floating point, and the single pass folds the per-case
/// moments one case at a time in case-id order. So a partial keeps the per-case, per-channel moments (count,
/// mean, m2, min, max, non-finite count) with their case ids; `merge` sorts the cases of all partials by id
/// and folds them with `DatasetStatistics.merge` in that order, giving the same bits as the single pass.
/// Quantile sketches merge by adding integer bucket counts (order-independent), so a partial keeps only the
/// shard's per-channel sketch sum.
///
/// JSON (version 1): `{"kind": "partial", "version": 1, "shard": {"index": K, "count": N}, "directory": …,
/// "mask": …, "cases": [{"id", "files", "inputs": [CoveredInput…], "channels": [{"count", "mean", "m2", "min",
/// "max", "nonFinite"}…]}…], "sketches": [QuantileSketch…], "failures": [{"id", "error"}…]}`. `directory` (the
/// absolute input directory) and `inputs` (the files each case was read from, with their digests) are absent in
/// files of earlier medprep versions, which `StatisticsMerge` refuses.
public struct PartialStatistics: Sendable, Equatable {
    /// The JSON format version this type writes and reads.
    public static let version = 1

    /// The statistics of one case: its sample count and per-channel moments.
    public struct CaseMoments: Sendable, Equatable {
        public var id: String
        public var files: Int
        public var channels: [Moments]
        /// The files the case was read from; nil in files of earlier versions.
        public var inputs: [CoveredInput]?
    }

    /// A case whose statistics could not be taken, with the error.
    public struct Failure: Sendable, Equatable, Codable {
        public var id: String
        public var error: String
    }

    public let shard: Shard
    /// The absolute input directory the shard's cases come from; nil in files of earlier versions.
    public let directory: String?
    /// The foreground mask the statistics were taken with.
    public let mask: ForegroundMask?
    /// Cases in the order they were added.
    public private(set) var cases: [CaseMoments] = []
    /// Per channel, the sum of the cases' sketches.
    public private(set) var sketches: [QuantileSketch] = []
    public private(set) var failures: [Failure] = []

    public init(shard: Shard, mask: ForegroundMask?, directory: String? = nil) {
        self.shard = shard
        self.mask = mask
        self.directory = directory
    }

    /// Adds the statistics of one case (as `StatisticsPass.forEachCase` gives them).
    /// - Throws: `MedPrepError(.invalidArgument)` for a case of another shard, a repeated case id or another
    ///   mask; `.shapeMismatch` for a channel count other than that of earlier cases. The partial is then
    ///   unchanged.
    public mutating func add(caseID: String, statistics: DatasetStatistics, inputs: [CoveredInput]? = nil) throws {
        guard shard.contains(caseID: caseID) else {
            throw MedPrepError(.invalidArgument, path: caseID, reason: "case belongs to shard "
                + "\(Shard.index(ofCaseID: caseID, count: shard.count))/\(shard.count), not \(shard)")
        }
        guard !cases.contains(where: { $0.id == caseID }) else {
            throw MedPrepError(.invalidArgument, path: caseID, reason: "case appears twice in shard \(shard)")
        }
        guard statistics.files == 0 || statistics.mask == mask else {
            throw MedPrepError(.invalidArgument, path: caseID, reason: "statistics taken with another foreground mask")
        }
        guard cases.isEmpty || statistics.channels.count == sketches.count else {
            throw MedPrepError(.shapeMismatch, path: caseID,
                reason: "\(statistics.channels.count) channels, earlier cases of the shard have \(sketches.count)")
        }
        if cases.isEmpty { sketches = statistics.channels.map { _ in QuantileSketch() } }
        for (index, channel) in statistics.channels.enumerated() { sketches[index].merge(channel.sketch) }
        cases.append(CaseMoments(id: caseID, files: statistics.files, channels: statistics.channels.map(\.moments),
                                 inputs: inputs.map(CoveredInput.sorted)))
    }

    /// Records a case that could not be read.
    public mutating func addFailure(caseID: String, error: MedPrepError) {
        failures.append(Failure(id: caseID, error: error.description))
    }

    /// Merges the partials of all shards 0…N−1 of one dataset into the statistics a single pass gives.
    ///
    /// - Parameter partials: each partial with the path it was read from (for error messages).
    /// - Returns: the statistics, and the failures recorded by the shards (sorted by case id).
    /// - Throws: `MedPrepError(.invalidArgument)` when the partials disagree on the shard count or mask,
    ///   a shard is missing or given twice, or a case appears in two partials; `.shapeMismatch` when the
    ///   channel counts differ.
    public static func merge(_ partials: [(path: String, partial: PartialStatistics)]) throws
        -> (statistics: DatasetStatistics, failures: [Failure]) {
        guard let (firstPath, first) = partials.first else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "no partial statistics to merge")
        }
        let count = first.shard.count
        var seenShards: [Int: String] = [:]
        var owner: [String: String] = [:]
        var sketches: [QuantileSketch]?
        for (path, partial) in partials {
            guard partial.shard.count == count else {
                throw MedPrepError(.invalidArgument, path: path,
                    reason: "is shard \(partial.shard), \(firstPath) is a shard of \(count): all partials must share N")
            }
            guard partial.mask == first.mask else {
                throw MedPrepError(.invalidArgument, path: path,
                    reason: "foreground mask \(ForegroundMask.text(partial.mask)) differs from \(ForegroundMask.text(first.mask)) of \(firstPath)")
            }
            if let other = seenShards[partial.shard.index] {
                throw MedPrepError(.invalidArgument, path: path, reason: "shard \(partial.shard) is also given by \(other)")
            }
            seenShards[partial.shard.index] = path
            for id in partial.cases.map(\.id) + partial.failures.map(\.id) {
                if let other = owner[id] {
                    throw MedPrepError(.invalidArgument, path: path, reason: "case \(id) also appears in \(other)")
                }
                owner[id] = path
            }
            guard !partial.cases.isEmpty else { continue }
            if var total = sketches {
                guard total.count == partial.sketches.count else {
                    throw MedPrepError(.shapeMismatch, path: path,
                        reason: "\(partial.sketches.count) channels, other partials have \(total.count)")
                }
                for index in total.indices { total[index].merge(partial.sketches[index]) }
                sketches = total
            } else {
                sketches = partial.sketches
            }
        }
        let missing = (0 ..< count).filter { seenShards[$0] == nil }
        guard missing.isEmpty else {
            throw MedPrepError(.invalidArgument, path: nil,
                reason: "missing partial statistics of shard(s) \(missing.map { "\($0)/\(count)" }.joined(separator: ", "))")
        }

        let cases = partials.flatMap(\.partial.cases).sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        var total = DatasetStatistics()
        for item in cases {
            let channels = item.channels.enumerated().map { ChannelStatistics(channel: $0.offset, moments: $0.element) }
            try total.merge(DatasetStatistics(files: item.files, mask: first.mask, channels: channels))
        }
        let failures = partials.flatMap(\.partial.failures).sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        guard total.files > 0, let sketches else { return (total, failures) }
        let channels = zip(total.channels, sketches).map { ChannelStatistics(channel: $0.channel, moments: $0.moments, sketch: $1) }
        return (DatasetStatistics(files: total.files, mask: total.mask, channels: channels), failures)
    }
}

extension PartialStatistics: Codable {
    private enum CodingKeys: String, CodingKey { case kind, version, shard, directory, mask, cases, sketches, failures }
    private enum ShardKeys: String, CodingKey { case index, count }
    private enum CaseKeys: String, CodingKey { case id, files, channels, inputs }

    /// Per-channel moments as JSON; `min`/`max` are absent for an empty channel.
    private struct MomentsRecord: Codable {
        var count: Int
        var mean: Double
        var m2: Double
        var min: Double?
        var max: Double?
        var nonFinite: Int

        init(_ moments: Moments) {
            count = moments.count
            mean = moments.mean
            m2 = moments.m2
            min = moments.count > 0 ? moments.min : nil
            max = moments.count > 0 ? moments.max : nil
            nonFinite = moments.nonFinite
        }

        var moments: Moments {
            Moments(count: count, mean: mean, m2: m2, min: min ?? .infinity, max: max ?? -.infinity, nonFinite: nonFinite)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("partial", forKey: .kind)
        try container.encode(Self.version, forKey: .version)
        var shardContainer = container.nestedContainer(keyedBy: ShardKeys.self, forKey: .shard)
        try shardContainer.encode(shard.index, forKey: .index)
        try shardContainer.encode(shard.count, forKey: .count)
        try container.encodeIfPresent(directory, forKey: .directory)
        try container.encode(mask, forKey: .mask)
        var casesContainer = container.nestedUnkeyedContainer(forKey: .cases)
        for item in cases {
            var caseContainer = casesContainer.nestedContainer(keyedBy: CaseKeys.self)
            try caseContainer.encode(item.id, forKey: .id)
            try caseContainer.encode(item.files, forKey: .files)
            try caseContainer.encode(item.channels.map(MomentsRecord.init), forKey: .channels)
            try caseContainer.encodeIfPresent(item.inputs, forKey: .inputs)
        }
        try container.encode(sketches, forKey: .sketches)
        try container.encode(failures, forKey: .failures)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        let version = try container.decode(Int.self, forKey: .version)
        guard kind == "partial" else {
            throw MedPrepError(.malformed, path: nil, reason: "kind \"\(kind)\" is not partial statistics")
        }
        guard version == Self.version else {
            throw MedPrepError(.unsupported, path: nil,
                reason: "partial statistics version \(version); this medprep reads version \(Self.version)")
        }
        let shardContainer = try container.nestedContainer(keyedBy: ShardKeys.self, forKey: .shard)
        shard = try Shard(index: try shardContainer.decode(Int.self, forKey: .index),
                          count: try shardContainer.decode(Int.self, forKey: .count))
        directory = try container.decodeIfPresent(String.self, forKey: .directory)
        mask = try container.decodeIfPresent(ForegroundMask.self, forKey: .mask)
        var casesContainer = try container.nestedUnkeyedContainer(forKey: .cases)
        while !casesContainer.isAtEnd {
            let caseContainer = try casesContainer.nestedContainer(keyedBy: CaseKeys.self)
            let records = try caseContainer.decode([MomentsRecord].self, forKey: .channels)
            guard records.allSatisfy({ $0.count >= 0 && ($0.count == 0 || ($0.min != nil && $0.max != nil)) }) else {
                throw MedPrepError(.malformed, path: nil, reason: "case moments with a negative count or without min/max")
            }
            cases.append(CaseMoments(id: try caseContainer.decode(String.self, forKey: .id),
                                     files: try caseContainer.decode(Int.self, forKey: .files),
                                     channels: records.map(\.moments),
                                     inputs: try caseContainer.decodeIfPresent([CoveredInput].self, forKey: .inputs)))
        }
        sketches = try container.decode([QuantileSketch].self, forKey: .sketches)
        failures = try container.decode([Failure].self, forKey: .failures)
        guard cases.isEmpty || cases.allSatisfy({ $0.channels.count == sketches.count }) else {
            throw MedPrepError(.malformed, path: nil, reason: "case channel counts do not match the \(sketches.count) sketches")
        }
    }

    /// Pretty, key-sorted JSON.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Decodes JSON written by `jsonData()`. Errors are `MedPrepError` naming `path`: `.unsupported` for
    /// another version, `.malformed` for anything else that is wrong.
    public static func decode(_ data: Data, path: String) throws -> PartialStatistics {
        do {
            return try JSONDecoder().decode(PartialStatistics.self, from: data)
        } catch {
            throw ErrorText.jsonError(error, data: data, path: path, holding: "partial statistics file")
        }
    }
}
