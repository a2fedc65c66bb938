import Foundation
import MedPrepTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension EndToEnd {
    /// One lock per output directory, whatever the kind of run: an unsharded run excludes every other run, shard
    /// runs of one count N run together (each shard K/N once), shard runs of another N are excluded; `--wait-timeout`.
    ///
    /// A run is made to hold the lock deterministically: it is started, and stopped with SIGSTOP as soon as its pid
    /// appears in its lock file (which it writes right after taking the lock); the kernel keeps the locks of a
    /// stopped process. SIGCONT lets it finish.
    @Suite struct OutputLock {
        /// A workspace with 12 small volumes and the pipeline `p/lock.yaml` writing to `out`.
        static func workspace() throws -> Workspace {
            let workspace = try Workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("in"), withIntermediateDirectories: true)
            try GeneratedVolumes.write(count: 12, size: 16, to: workspace.at("in"))
            try workspace.write(GeneratedVolumes.pipeline(name: "lock", input: "../in", output: "../out"), to: "p/lock.yaml")
            return workspace
        }

        /// Starts `medprep run p/lock.yaml extra…` and stops it once its pid is in `lockFile` (relative to `out`).
        static func startHolding(_ workspace: Workspace, _ extra: [String], lockFile: String) throws -> ChildProcess {
            let process = try MedPrepProcess.start(["run", workspace.at("p/lock.yaml"), "--no-progress"] + extra)
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline, !process.hasExited {
                let text = (try? String(contentsOfFile: workspace.at("out/" + lockFile), encoding: .utf8)) ?? ""
                if text.split(whereSeparator: \.isWhitespace).first == "\(process.pid)" {
                    process.kill(SIGSTOP)
                    return process
                }
                usleep(200)
            }
            let outcome = process.wait()
            throw HoldingFailed(description: "the run \(extra) never held \(lockFile): \(outcome.transcript)")
        }

        struct HoldingFailed: Error, CustomStringConvertible { var description: String }

        static func run(_ workspace: Workspace, _ extra: [String]) throws -> MedPrepProcess.Outcome {
            try MedPrepProcess.run(["run", workspace.at("p/lock.yaml"), "--no-progress"] + extra)
        }

        /// Resumes a stopped holder and expects it to finish with exit 0.
        static func resume(_ process: ChildProcess) {
            process.kill(SIGCONT)
            let outcome = process.wait(timeout: 120)
            #expect(outcome.status == 0, "\(outcome.transcript)")
        }

        @Test func unshardedRunExcludesShardRuns() throws {
            let workspace = try Self.workspace()
            let holder = try Self.startHolding(workspace, [], lockFile: ".medprep/lock")
            var resumed = false
            defer { if !resumed { holder.kill(SIGKILL); _ = holder.wait() } }
            for shard in ["0/2", "1/2", "0/1", "0/3"] {
                let refused = try Self.run(workspace, ["--shard", shard])
                #expect(refused.status == 75, "--shard \(shard) while an unsharded run holds the lock: \(refused.transcript)")
                #expect(refused.standardError.contains("another medprep run (unsharded, pid \(holder.pid)) holds the lock on "
                                                       + workspace.at("out")), "\(refused.transcript)")
            }
            let second = try Self.run(workspace, [])
            #expect(second.status == 75, "\(second.transcript)")
            resumed = true
            Self.resume(holder)
            #expect(try Self.run(workspace, ["--shard", "0/2"]).status == 0, "free again once the holder finished")
        }

        @Test func shardRunsOfOneCountShareTheLockAndExcludeEveryOtherRun() throws {
            let workspace = try Self.workspace()
            let holder = try Self.startHolding(workspace, ["--shard", "0/2"], lockFile: ".medprep/shard-0-of-2/lock")
            var resumed = false
            defer { if !resumed { holder.kill(SIGKILL); _ = holder.wait() } }

            let unsharded = try Self.run(workspace, [])
            #expect(unsharded.status == 75, "\(unsharded.transcript)")
            #expect(unsharded.standardError.contains("other medprep runs (shards of 2, pid \(holder.pid)) hold the lock on "
                                                     + workspace.at("out")), "\(unsharded.transcript)")
            for shard in ["0/3", "2/3", "0/1"] {
                let other = try Self.run(workspace, ["--shard", shard])
                #expect(other.status == 75, "--shard \(shard) while shard 0/2 runs: \(other.transcript)")
                #expect(other.standardError.contains("shards of 2"), "\(other.transcript)")
            }
            let same = try Self.run(workspace, ["--shard", "0/2"])
            #expect(same.status == 75, "\(same.transcript)")
            #expect(same.standardError.contains("another medprep run of shard 0/2 (pid \(holder.pid)) holds the lock"),
                    "\(same.transcript)")

            let sibling = try Self.run(workspace, ["--shard", "1/2"])
            #expect(sibling.status == 0, "shard 1/2 runs while shard 0/2 holds the lock: \(sibling.transcript)")
            #expect((sibling.summary?.processed ?? 0) > 0, "\(sibling.transcript)")
            resumed = true
            Self.resume(holder)
            let after = try Self.run(workspace, ["--shard", "0/3"])
            #expect(after.status == 0, "shards of 3 run once the shards of 2 are done: \(after.transcript)")
        }

        /// `--wait-timeout 1` on a held lock exits 75 after about a second, with a message; a shorter hold is waited out.
        @Test func waitTimeoutExpires() throws {
            let workspace = try Self.workspace()
            try FileManager.default.createDirectory(atPath: workspace.at("out/.medprep"), withIntermediateDirectories: true)
            let descriptor = open(workspace.at("out/.medprep/lock"), O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            try #require(descriptor >= 0)
            defer { close(descriptor) }
            try #require(flock(descriptor, LOCK_EX | LOCK_NB) == 0)

            let expired = try Self.run(workspace, ["--wait-timeout", "1"])
            #expect(expired.status == 75, "\(expired.transcript)")
            #expect(expired.seconds >= 0.95 && expired.seconds < 5, "took \(expired.seconds) s")
            #expect(expired.standardError.contains("still holds the lock on " + workspace.at("out") + " after waiting 1."),
                    "\(expired.transcript)")
            #expect(!FileManager.default.fileExists(atPath: workspace.at("out/scan_000.nii.gz")))

            let shard = try Self.run(workspace, ["--shard", "1/2", "--wait-timeout", "0.3"])
            #expect(shard.status == 75 && shard.seconds >= 0.25, "\(shard.transcript)")

            let waiting = try MedPrepProcess.start(["run", workspace.at("p/lock.yaml"), "--no-progress", "--wait-timeout", "30"])
            usleep(500_000)
            #expect(!waiting.hasExited)
            _ = flock(descriptor, LOCK_UN)
            let outcome = waiting.wait(timeout: 60)
            #expect(outcome.status == 0 && outcome.summary?.processed == 12, "\(outcome.transcript)")

            let negative = try Self.run(workspace, ["--wait-timeout", "-1"])
            #expect(negative.status == 2, "\(negative.transcript)")
        }
    }
}
