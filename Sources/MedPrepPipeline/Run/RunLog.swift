import Foundation

/// Progress and events of a run, on standard error: a progress bar with counts, rate and ETA on a terminal,
/// one plain or JSON line per event otherwise (for cron and batch logs).
public final class RunLog: @unchecked Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case text
        case json
    }

    public let format: Format
    public let showsProgressBar: Bool
    private let lock = NSLock()
    private var total = 0
    private var done = 0
    private var failed = 0
    private var phase = ""
    private var started = Date()
    private var barVisible = false

    /// `progressBar` nil means: a bar when standard error is a terminal and the format is text.
    public init(format: Format = .text, progressBar: Bool? = nil) {
        self.format = format
        showsProgressBar = progressBar ?? (format == .text && isatty(STDERR_FILENO) == 1)
    }

    /// Starts a phase of `total` items (e.g. "statistics", "normalize").
    public func begin(_ phase: String, total: Int) {
        lock.lock()
        defer { lock.unlock() }
        self.phase = phase
        self.total = total
        done = 0
        failed = 0
        started = Date()
        if showsProgressBar { drawBar() } else { emit(["event": "begin", "phase": phase, "total": total]) }
    }

    /// Reports one finished item; `error` nil when it succeeded.
    public func item(_ name: String, status: String, error: String? = nil) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        if error != nil { failed += 1 }
        if showsProgressBar {
            if let error { clearBar(); writeLine("error: \(error)") }
            drawBar()
        } else {
            var fields: [String: Any] = ["event": "item", "phase": phase, "item": name, "status": status,
                                         "done": done, "total": total]
            if let error { fields["error"] = error }
            emit(fields)
        }
    }

    /// A message outside the progress accounting (skipped inputs, decisions).
    public func note(_ message: String) {
        lock.lock()
        defer { lock.unlock() }
        if showsProgressBar { clearBar(); writeLine(message); if total > 0 && done < total { drawBar() } } else {
            emit(["event": "note", "message": message])
        }
    }

    /// A failure that stops the run (lock held, I/O error): a plain line, or with the JSON format an `error` event
    /// with the message and the exit code.
    public func failure(_ message: String, exitCode: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if showsProgressBar { clearBar(); writeLine(message) } else {
            emit(["event": "error", "message": message, "exit": Int(exitCode)])
        }
    }

    /// Ends the current phase (finishes the bar's line).
    public func end() {
        lock.lock()
        defer { lock.unlock() }
        if showsProgressBar { drawBar(); FileHandle.standardError.write(Data("\n".utf8)); barVisible = false } else {
            emit(["event": "end", "phase": phase, "done": done, "failed": failed,
                  "seconds": (Date().timeIntervalSince(started) * 1000).rounded() / 1000])
        }
    }

    private func drawBar() {
        let width = 30
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let filled = Int(fraction * Double(width))
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let text = String(format: "\r%@ [%@] %d/%d  %.1f/s  ETA %@%@", phase, bar, done, total, rate, Self.clock(eta),
                          failed > 0 ? "  \(failed) failed" : "")
        FileHandle.standardError.write(Data(text.utf8))
        barVisible = true
    }

    private func clearBar() {
        if barVisible { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); barVisible = false }
    }

    /// Writes one line; control characters inside `text` are escaped (`escaped`), so it stays one line.
    private func writeLine(_ text: String) {
        FileHandle.standardError.write(Data((Self.escaped(text) + "\n").utf8))
    }

    /// `text` with every character that could end, overwrite or disguise a log line escaped, so that a file name
    /// or case id can never forge a line of a text log: `\n`, `\r`, `\t` and `\\` (the backslash itself, so
    /// the escapes stay unambiguous); other C0 controls and DEL as `\xHH` (ESC is `\x1b`); C1 controls, the line
    /// and paragraph separators U+2028/U+2029 and the bidirectional controls U+200E/F, U+202A–E, U+2066–9 as
    /// `\u{HHHH}`. JSON logs need none of this: JSON encoding escapes control characters itself.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\\": result += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += "\\x" + String(format: "%02x", scalar.value)
            case _ where needsEscape(scalar): result += "\\u{" + String(format: "%04x", scalar.value) + "}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0 ..< 0x20, 0x5C, 0x7F ... 0x9F, 0x200E, 0x200F, 0x2028 ... 0x202E, 0x2066 ... 0x2069: true
        default: false
        }
    }

    private func emit(_ fields: [String: Any]) {
        switch format {
        case .json:
            if let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) {
                FileHandle.standardError.write(data + Data("\n".utf8))
            }
        case .text:
            let event = fields["event"] as? String ?? ""
            let line: String
            switch event {
            case "begin": line = "\(phase): \(total) item(s)"
            case "item":
                line = "\(phase) [\(done)/\(total)] \(fields["item"] ?? "") \(fields["status"] ?? "")"
                    + ((fields["error"] as? String).map { ": \($0)" } ?? "")
            case "end": line = "\(phase): done \(done), failed \(failed), \(fields["seconds"] ?? 0) s"
            default: line = fields["message"] as? String ?? ""
            }
            writeLine(line)
        }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
    }
}
