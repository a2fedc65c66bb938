import Foundation

/// Thrown when an incompatible run holds the lock on an output directory; the CLI exits with `exitCode`.
public struct RunLockHeld: Error, Sendable, CustomStringConvertible {
    /// `EX_TEMPFAIL` from sysexits.h.
    public static let exitCode: Int32 = 75

    /// Who holds the lock, as far as the lock files tell.
    public enum Holder: Sendable, Equatable {
        /// An unsharded run.
        case unsharded(pid: Int32?)
        /// Shard runs of `count` shards; `pids` of those whose lock file names a live local process.
        case shards(count: Int, pids: [Int32])
        /// A run of this very shard.
        case shard(Shard, pid: Int32?)
        /// A process that is not a medprep run (for example `flock OUTPUT/.medprep/lock …` in a script).
        case unknown
    }

    /// The holder.
    public var holder: Holder
    /// The output directory.
    public var directory: String
    /// Seconds waited before giving up (`--wait-timeout`), nil when the run did not wait.
    public var waited: Double?

    /// The holder's pid when known (the first one for shard runs).
    public var pid: Int32? {
        switch holder {
        case .unsharded(let pid), .shard(_, let pid): pid
        case .shards(_, let pids): pids.first
        case .unknown: nil
        }
    }

    public init(holder: Holder, directory: String, waited: Double? = nil) {
        self.holder = holder
        self.directory = directory
        self.waited = waited
    }

    public var description: String {
        let who: String
        switch holder {
        case .unsharded(let pid):
            who = "another medprep run (unsharded, \(pid.map { "pid \($0)" } ?? "pid unknown"))"
        case .shards(let count, let pids):
            let listed = pids.isEmpty ? "pid unknown" : (pids.count == 1 ? "pid " : "pids ") + pids.map(String.init).joined(separator: ", ")
            who = "other medprep runs (shards of \(count), \(listed))"
        case .shard(let shard, let pid):
            who = "another medprep run of shard \(shard.index)/\(shard.count) (\(pid.map { "pid \($0)" } ?? "pid unknown"))"
        case .unknown:
            who = "another process (not a medprep run)"
        }
        let verb = holder.isPlural ? "hold" : "holds"
        guard let waited else { return "\(who) \(verb) the lock on \(directory)" }
        return "\(who) still \(verb) the lock on \(directory) after waiting \(String(format: "%.1f", waited)) s "
            + "(--wait-timeout); try again later"
    }
}

extension RunLockHeld.Holder {
    var isPlural: Bool {
        if case .shards = self { return true }
        return false
    }
}
