import MedPrepCore

/// One of `count` disjoint parts of a dataset, for running a pipeline or a statistics pass on several machines.
///
/// The unit is the case (all channel files of a case stay together). A case belongs to shard
/// `k = UInt64(first 8 bytes of SHA-256(case id as UTF-8), big-endian) mod count`, so the assignment depends
/// only on the case id and `count`: adding or removing other cases never moves a case to another shard, and
/// the shards of any case list form a partition of it.
public struct Shard: Hashable, Sendable, CustomStringConvertible {
    /// 0-based shard index, `0 ≤ index < count`.
    public let index: Int
    /// Number of shards, ≥ 1.
    public let count: Int

    /// - Throws: `MedPrepError(.invalidArgument)` unless `count ≥ 1` and `0 ≤ index < count`.
    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else {
            throw MedPrepError(.invalidArgument, path: nil,
                reason: "shard \(index)/\(count) is invalid: need a shard count ≥ 1 and 0 ≤ index < count")
        }
        self.index = index
        self.count = count
    }

    /// Parses a shard specification:
    /// - `K/N`: shard K (0-based) of N;
    /// - `slurm`: index `SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN`, count `SLURM_ARRAY_TASK_COUNT`, for an
    ///   array submitted whole (`--array=0-7` or `--array=1-8`);
    /// - `slurm/N`: index `SLURM_ARRAY_TASK_ID`, count N, for arrays whose task ids are the shard indices
    ///   themselves, such as a resubmission of some failed shards (`--array=3,7`).
    /// - Throws: `MedPrepError(.invalidArgument)` for other text, a missing or non-numeric Slurm variable, or
    ///   an index outside `0..<count`.
    public init(parsing text: String, environment: [String: String]) throws {
        func number(_ name: String) throws -> Int {
            guard let value = environment[name], let number = Int(value) else {
                throw MedPrepError(.invalidArgument, path: nil,
                    reason: "--shard \(text) needs the environment variable \(name) (set by Slurm in array jobs)")
            }
            return number
        }
        func integer(_ part: Substring) throws -> Int {
            guard let value = Int(part) else {
                throw MedPrepError(.invalidArgument, path: nil,
                    reason: "--shard must be K/N (0-based K < N), slurm or slurm/N; got \(text)")
            }
            return value
        }
        if text == "slurm" {
            try self.init(index: try number("SLURM_ARRAY_TASK_ID") - number("SLURM_ARRAY_TASK_MIN"),
                          count: try number("SLURM_ARRAY_TASK_COUNT"))
            return
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "--shard must be K/N (0-based K < N), slurm or slurm/N; got \(text)")
        }
        let count = try integer(parts[1])
        let index = parts[0] == "slurm" ? try number("SLURM_ARRAY_TASK_ID") : try integer(parts[0])
        try self.init(index: index, count: count)
    }

    /// The shard a case id belongs to among `count` shards.
    public static func index(ofCaseID id: String, count: Int) -> Int {
        let hasher = SHA256Hasher()
        hasher.update(text: id)
        let digest = hasher.finalize()
        let prefix = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int(prefix % UInt64(max(count, 1)))
    }

    /// Whether the case belongs to this shard.
    public func contains(_ input: InputCase) -> Bool {
        contains(caseID: input.id)
    }

    /// Whether the case id belongs to this shard.
    public func contains(caseID: String) -> Bool {
        Self.index(ofCaseID: caseID, count: count) == index
    }

    /// `shard-K-of-N`: the name part of this shard's report files and state directory.
    public var name: String { "shard-\(index)-of-\(count)" }

    /// `K/N`.
    public var description: String { "\(index)/\(count)" }
}
