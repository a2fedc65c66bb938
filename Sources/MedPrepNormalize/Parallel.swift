import Dispatch

/// Runs independent tasks on up to `threads` workers with `DispatchQueue.concurrentPerform`.
///
/// Each worker takes a contiguous range of task indices. Callers write every task's result to its own slot,
/// so results never depend on the number of workers or on scheduling.
enum Parallel {
    static func forEach(tasks: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
        guard tasks > 0 else { return }
        let workers = Swift.max(1, Swift.min(threads, tasks))
        if workers == 1 {
            for task in 0 ..< tasks { body(task) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for task in worker * tasks / workers ..< (worker + 1) * tasks / workers { body(task) }
        }
    }
}
