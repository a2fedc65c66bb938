import Foundation

/// Renders a `RunReport` as one self-contained HTML page: the sections of `sections`, in order.
package enum RunReportPage {
    /// The page's sections, top to bottom. A new section is one file conforming to `RunReportSection` plus its
    /// line here.
    static let sections: [any RunReportSection.Type] = [
        SummarySection.self,
        ProblemsSection.self,
        ThumbnailsSection.self,
        HistogramsSection.self,
        GeometrySection.self,
        ParametersSection.self,
        DatasetStatisticsSection.self,
        FilesSection.self,
        NotesSection.self,
    ]

    static let style = """
        .failed{background:#fde0dd} .warning{background:#fff4d6;padding:4px} .ok{color:#2a7a2a}
        td,th,p,h3{overflow-wrap:anywhere} .strip{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end}
        figure{margin:0;font-size:12px;text-align:center}
        figure img{image-rendering:pixelated;max-width:100%;height:auto;background:#000}
        .case{border:1px solid #ddd;padding:4px 10px;margin:10px 0} .case h3{margin:4px 0;font-size:14px}
        .caption{font-size:12px;margin:2px 0 8px} .hist svg{max-width:100%;height:auto}
        pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px} .problems td:first-child{min-width:12em}
        """

    package static func render(_ report: RunReport, title: String) -> String {
        HTMLPage.head(title: title, style: style)
            + sections.map { $0.html(for: report) }.joined() + "</body></html>\n"
    }
}

/// One section of the run report page: its HTML for a report, empty when it has nothing to show.
protocol RunReportSection: Sendable {
    static func html(for report: RunReport) -> String
}
