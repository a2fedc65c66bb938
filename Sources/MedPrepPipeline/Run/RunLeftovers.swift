import Foundation

/// What runs with `RunOptions.leavesCasesToExit` leave allocated for the process's exit to reclaim at once.
enum RunLeftovers {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var kept: [Any] = []

    static func keep(_ values: [Any]) {
        lock.lock()
        kept.append(values)
        lock.unlock()
    }
}
