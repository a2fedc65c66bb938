import Foundation

/// Runs `count` independent work items on `jobs` threads; each thread takes the next unstarted item.
///
/// Results are stored at their item's index, so the outcome does not depend on which thread ran what.
/// At most `jobs` items are in flight at once, which bounds memory by jobs × (one item's working set).
package enum WorkerPool {
    package static func map<Result: Sendable>(count: Int, jobs: Int, _ body: @Sendable (Int) -> Result) -> [Result] {
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

    /// Runs `body` for items `0 ..< count` on `jobs` threads and hands each result to `consume`, in index order,
    /// as soon as it and all before it are done; `consume` runs on one worker thread at a time.
    ///
    /// Workers keep going while earlier results wait to be consumed, but never start an item more than
    /// `lookahead` past the last consumed one, so at most `lookahead` results are held at once.
    package static func forEachInOrder<Result: Sendable>(count: Int, jobs: Int, lookahead: Int,
                                                        _ body: @Sendable (Int) -> Result,
                                                        consume: (Int, Result) -> Void) {
        withoutActuallyEscaping(consume) { consume in
            let slots = OrderedSlots<Result>(count: count, lookahead: max(1, lookahead), consume: consume)
            DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, count))) { _ in
                while let index = slots.nextIndex() { slots.store(body(index), at: index) }
            }
        }
    }
}

/// Results of worker threads consumed in index order by whichever worker completes the next one, with bounded
/// look-ahead.
final class OrderedSlots<Result: Sendable>: @unchecked Sendable {
    private let count: Int
    private let lookahead: Int
    private let consume: (Int, Result) -> Void
    private var next = 0
    private var consumed = 0
    private var pending: [Int: Result] = [:]
    private let condition = NSCondition()
    /// Held by the one worker that is consuming.
    private let consuming = NSLock()

    init(count: Int, lookahead: Int, consume: @escaping (Int, Result) -> Void) {
        self.count = count
        self.lookahead = lookahead
        self.consume = consume
    }

    /// The next item to start, waiting while it would run too far ahead of the consumer; nil when none is left.
    func nextIndex() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while next < count, next >= consumed + lookahead { condition.wait() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }

    /// Stores a result, then consumes every result that is next in order, unless another worker is doing so;
    /// that worker looks again after it stops, so no stored result is left behind.
    func store(_ result: Result, at index: Int) {
        condition.lock()
        pending[index] = result
        condition.unlock()
        while consuming.try() {
            while let (index, result) = takeNext() {
                consume(index, result)
                condition.lock()
                consumed = index + 1
                condition.broadcast()
                condition.unlock()
            }
            consuming.unlock()
            condition.lock()
            let more = pending[consumed] != nil
            condition.unlock()
            if !more { return }
        }
    }

    private func takeNext() -> (Int, Result)? {
        condition.lock()
        defer { condition.unlock() }
        guard let result = pending.removeValue(forKey: consumed) else { return nil }
        return (consumed, result)
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
