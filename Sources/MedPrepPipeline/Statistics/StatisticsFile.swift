import Foundation
import MedPrepCore
import MedPrepNormalize

/// A full dataset-statistics file as `medprep stats DIR --output F` and `medprep stats merge` write it: the
/// `DatasetStatistics` JSON (`version`, `files`, `mask`, `channels` with count, mean, m2, min, max and the sketch)
/// plus `inputs`, the files it covers (`CoveredInput`, sorted by path).
///
/// Readers of dataset statistics (`stats: file.json`, `normalize --stats`) ignore `inputs`; `stats merge` needs it
/// to refuse overlapping files, and refuses a file without it (written before medprep recorded its inputs).
public struct StatisticsFile: Sendable, Equatable {
    public var statistics: DatasetStatistics
    /// The inputs counted, sorted by path; nil for a file that does not record them.
    public var inputs: [CoveredInput]?

    public init(statistics: DatasetStatistics, inputs: [CoveredInput]?) {
        self.statistics = statistics
        self.inputs = inputs.map(CoveredInput.sorted)
    }

    /// What a statistics file on disk holds.
    public enum Content: Sendable {
        case full(StatisticsFile)
        case partial(PartialStatistics)
    }

    /// The statistics of `cases` with the inputs they cover: what `pass.run` gives, merged in the same order, and
    /// the digest of every file of each counted case. A case that cannot be read or digested is a failure.
    package static func compute(_ cases: [InputCase], pass: StatisticsPass) -> (file: StatisticsFile, failures: [String: MedPrepError]) {
        var total = DatasetStatistics()
        // Digests stay numbers until the pass is over: a string kept per case, allocated between one case's
        // transient buffers and the next's, split the freed blocks and memory grew with the number of cases.
        var files: [(path: String, digest: ContentDigest.Value)] = []
        files.reserveCapacity(cases.count)
        var failures: [String: MedPrepError] = [:]
        pass.forEachCase(cases) { input, result in
            let count = files.count
            do {
                let statistics = try result.get()
                try CoveredInput.append(input, to: &files)
                try total.merge(statistics)
            } catch {
                files.removeLast(files.count - count)
                failures[input.id] = MedPrepError.wrap(error, path: input.paths.first)
            }
        }
        let inputs = files.map { CoveredInput(path: $0.path, digest: $0.digest.hex) }
        return (StatisticsFile(statistics: total, inputs: inputs), failures)
    }

    /// Reads the statistics file at `path`, full or partial (`"kind": "partial"`).
    /// - Throws: `MedPrepError` naming `path`: `.io` when it cannot be read, `.malformed` (with the field or the
    ///   line and column) when it is not a statistics file, `.unsupported` for another version.
    public static func read(path: String) throws -> Content {
        try decode(try contents(of: path), path: path)
    }

    /// Decodes the bytes of the statistics file `path`, full or partial.
    public static func decode(_ data: Data, path: String) throws -> Content {
        let isPartial = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["kind"] as? String == "partial"
        if isPartial { return .partial(try PartialStatistics.decode(data, path: path)) }
        do {
            return .full(try JSONDecoder().decode(StatisticsFile.self, from: data))
        } catch {
            throw ErrorText.jsonError(error, data: data, path: path, holding: "dataset statistics file")
        }
    }

    /// The dataset statistics of the file at `path`, for normalizing (`stats: file.json`, `normalize --stats`).
    /// - Throws: as `read(path:)`, and `.invalidArgument` for the partial statistics of one shard, which must
    ///   be merged first.
    public static func readDataset(path: String) throws -> DatasetStatistics {
        try dataset(try contents(of: path), path: path)
    }

    /// `readDataset(path:)` of bytes already read.
    public static func dataset(_ data: Data, path: String) throws -> DatasetStatistics {
        switch try decode(data, path: path) {
        case .full(let file):
            return file.statistics
        case .partial(let partial):
            throw MedPrepError(.invalidArgument, path: path, reason: "holds the partial statistics of shard \(partial.shard), "
                + "not dataset statistics: merge the partials of all shards first (`medprep stats merge PARTIAL… -o stats.json`)")
        }
    }

    static func contents(of path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw MedPrepError(.io, path: path, reason: "cannot read the statistics file: \(ErrorText.reason(error))")
        }
    }

    /// Pretty, key-sorted JSON.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

extension StatisticsFile: Codable {
    private enum CodingKeys: String, CodingKey { case inputs }

    /// The `DatasetStatistics` members, then `inputs` in the same object.
    public func encode(to encoder: Encoder) throws {
        try statistics.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(inputs, forKey: .inputs)
    }

    public init(from decoder: Decoder) throws {
        statistics = try DatasetStatistics(from: decoder)
        inputs = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent([CoveredInput].self, forKey: .inputs)
    }
}
