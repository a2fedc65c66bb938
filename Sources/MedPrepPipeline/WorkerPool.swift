import Foundation

/// Runs `count` independent work items on `jobs` threads; each thread takes the next unstarted item.
///
/// Results are stored at their item's index, so the outcome does not depend on which thread ran what.
/// At most `jobs` items are in flight at once, which bounds memory by jobs × (one item's working set).
public enum WorkerPool {
    public static func map<Result: Sendable>(count: Int, jobs: Int, _ body: @Sendable (Int) -> Result) -> [Result] {
        let results = ResultSlots<Result>(count: count)
        let next = Counter()
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, count))) { _ in
            while true {
                let index = next.take()
                guard index < count else { return }
                results.store(body(index), at: index)
            }
        }
        return results.values()
    }
}

/// A thread-safe increasing counter.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value - 1
    }
}

/// Slots written once each from several threads.
final class ResultSlots<Result: Sendable>: @unchecked Sendable {
    private var slots: [Result?]
    private let lock = NSLock()

    init(count: Int) {
        slots = Array(repeating: nil, count: count)
    }

    func store(_ result: Result, at index: Int) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    func values() -> [Result] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
