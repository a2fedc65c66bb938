import Foundation

/// Renders a `RunReport` as one self-contained HTML page: the sections of `sections`, in order.
package enum RunReportPage {
    /// The page's sections, top to bottom. A new section is one file conforming to `RunReportSection` plus its
    /// line here.
    static let sections: [any RunReportSection.Type] = [
        SummarySection.self,
        ParametersSection.self,
        DatasetStatisticsSection.self,
        FilesSection.self,
        NotesSection.self,
    ]

    package static func render(_ report: RunReport, title: String) -> String {
        HTMLPage.head(title: title, style: ".failed{background:#fde0dd}")
            + sections.map { $0.html(for: report) }.joined() + "</body></html>\n"
    }
}

/// One section of the run report page: its HTML for a report, empty when it has nothing to show.
protocol RunReportSection: Sendable {
    static func html(for report: RunReport) -> String
}
