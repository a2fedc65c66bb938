/// The run's notes (skipped inputs, recovered state, prune decisions); empty without notes.
enum NotesSection: RunReportSection {
    static func html(for report: RunReport) -> String {
        guard !report.notes.isEmpty else { return "" }
        return "<h2>Notes</h2><ul>" + report.notes.map { "<li>\(HTMLPage.escape($0))</li>" }.joined() + "</ul>"
    }
}
