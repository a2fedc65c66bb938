import Foundation

/// Stopping a run early on SIGINT or SIGTERM, once `arm()` has been called.
///
/// Until armed, the signals keep their default action and mask: the process ends at once, which is safe (every output
/// gets its final name only when complete, and the state store records a case only after its outputs). Armed,
/// the first SIGINT or SIGTERM is only recorded: the run starts no new work unit, lets the units in flight
/// finish and record their cases, and ends with `RunInterrupted`. The handler restores both signals' default
/// action as it records, so a second SIGINT or SIGTERM ends the process at once.
package enum StopRequest {
    /// The signal that requested a stop, if one did since `arm()`.
    package static var received: Int32? {
        let number = receivedStopSignal
        return number == 0 ? nil : number
    }

    /// From now on SIGINT and SIGTERM request a stop instead of ending the process; call it on the thread that
    /// waits for the run (the main thread), which then receives them.
    package static func arm() {
        // The first access initializes the global, so the handler only stores to it and calls `signal`, which
        // are async-signal-safe.
        _ = receivedStopSignal
        signal(SIGINT, recordStopSignal)
        signal(SIGTERM, recordStopSignal)
        // A process can inherit the signals blocked (a parent spawning it from a libdispatch thread does so); the
        // calling thread unblocks them, so they are delivered to it and never stay pending for good.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }
}

/// The signal recorded by the handler; 0 until one arrives. A `sig_atomic_t` written only by the handler (once:
/// the handler uninstalls itself) and read by the workers, as C's signal rules allow.
nonisolated(unsafe) private var receivedStopSignal: sig_atomic_t = 0

/// The SIGINT/SIGTERM handler: records the signal and restores the default actions.
private func recordStopSignal(_ number: Int32) {
    signal(SIGINT, SIG_DFL)
    signal(SIGTERM, SIG_DFL)
    receivedStopSignal = number
}

/// A run stopped by `StopRequest` before every case was processed. Finished cases are recorded in the state
/// store, so the next run continues with the rest.
public struct RunInterrupted: Error, Sendable, CustomStringConvertible {
    /// The signal that stopped the run.
    public var signal: Int32
    /// Cases with their outputs in place: processed by this run or up to date.
    public var done: Int
    /// Cases that failed in this run.
    public var failed: Int
    /// Cases not processed yet.
    public var left: Int

    public var description: String {
        let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
        return "interrupted by \(name): \(done) case(s) done, \(left) left"
            + (failed > 0 ? ", \(failed) failed" : "") + "; run the same command again to continue with the rest"
    }
}

extension PipelineRunner {
    /// The signal that asked this run to stop (`RunOptions.stopOnSignals`), if one did.
    var stopSignal: Int32? { options.stopOnSignals ? StopRequest.received : nil }

    /// Throws `RunInterrupted` when a signal asked the run to stop.
    /// - Parameters:
    ///   - done: cases with their outputs in place; `failed`: cases that failed; `left`: cases not processed.
    func stopIfRequested(done: Int, failed: Int, left: Int) throws {
        guard let signal = stopSignal else { return }
        throw RunInterrupted(signal: signal, done: done, failed: failed, left: left)
    }
}
