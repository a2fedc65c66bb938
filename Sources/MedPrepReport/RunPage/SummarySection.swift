/// The counts line: medprep version, processed, up to date, failed, removed.
enum SummarySection: RunReportSection {
    static func html(for report: RunReport) -> String {
        let counts = report.statusCounts
        return """
        <p>medprep \(HTMLPage.escape(report.medprepVersion)) · processed \(counts[.processed] ?? 0) · up to date \(counts[.upToDate] ?? 0)
        · failed \(counts[.failed] ?? 0) · removed \(counts[.removed] ?? 0)</p>

        """
    }
}
