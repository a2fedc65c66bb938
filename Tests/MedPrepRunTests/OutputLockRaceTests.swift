import Foundation
import MedPrepPipeline
import Testing

/// Many `RunLock`s of every kind taken at once from several threads (each its own open files, so the kernel
/// arbitrates them exactly as between processes): no two incompatible holders are ever admitted together.
@Suite struct OutputLockRace {
    /// The holders admitted right now, checked and changed under `mutex`.
    final class Admitted: @unchecked Sendable {
        let mutex = NSLock()
        var holders: [Shard?] = []
        var violations: [String] = []
        var admitted = 0
        var refused = 0

        /// Records `shard` as admitted, noting a violation when an incompatible holder is admitted too.
        func enter(_ shard: Shard?) {
            mutex.lock()
            defer { mutex.unlock() }
            for other in holders {
                let compatible = shard != nil && other != nil && shard?.count == other?.count && shard != other
                if !compatible { violations.append("\(describe(shard)) admitted while \(describe(other)) held the lock") }
            }
            holders.append(shard)
            admitted += 1
        }

        func leave(_ shard: Shard?) {
            mutex.lock()
            defer { mutex.unlock() }
            if let index = holders.firstIndex(where: { $0 == shard }) { holders.remove(at: index) }
        }

        func refuse() {
            mutex.lock()
            refused += 1
            mutex.unlock()
        }

        /// Both outcomes seen more than 100 times.
        var enoughSeen: Bool {
            mutex.lock()
            defer { mutex.unlock() }
            return admitted > 100 && refused > 100
        }

        private func describe(_ shard: Shard?) -> String { shard.map { "shard \($0)" } ?? "an unsharded run" }
    }

    @Test func incompatibleHoldersAreNeverAdmittedTogether() throws {
        let directory = NSTemporaryDirectory() + "medprep-lock-race-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let kinds: [Shard?] = [nil, try Shard(index: 0, count: 1), try Shard(index: 0, count: 2), try Shard(index: 1, count: 2),
                               try Shard(index: 0, count: 3), try Shard(index: 1, count: 3), try Shard(index: 2, count: 3)]
        let admitted = Admitted()
        // Eight real threads (not `concurrentPerform`, which runs as many as there are cores, so that a loaded
        // 2-core machine rarely had two attempts overlap), each trying until both admissions and refusals have been
        // seen often enough, or 60 s have passed.
        let deadline = Date().addingTimeInterval(60)
        let group = DispatchGroup()
        for thread in 0 ..< 8 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                var state = UInt64(thread + 1) &* 0x9E37_79B9_7F4A_7C15
                var attempts = 0
                while attempts < 150 || (!admitted.enoughSeen && Date() < deadline) {
                    attempts += 1
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    let shard = kinds[Int(state >> 33) % kinds.count]
                    do {
                        let lock = try RunLock(outputDirectory: directory, shard: shard)
                        admitted.enter(shard)
                        usleep(useconds_t(state >> 54))
                        admitted.leave(shard)
                        lock.release()
                    } catch is RunLockHeld {
                        admitted.refuse()
                    } catch {
                        admitted.mutex.lock()
                        admitted.violations.append("unexpected error \(error)")
                        admitted.mutex.unlock()
                    }
                }
            }
        }
        group.wait()
        #expect(admitted.violations.isEmpty, "\(admitted.violations.prefix(5))")
        #expect(admitted.admitted > 100 && admitted.refused > 100, "admitted \(admitted.admitted), refused \(admitted.refused)")
    }
}
