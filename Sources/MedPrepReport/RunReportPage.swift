import Foundation

/// Renders a `RunReport` as one self-contained HTML page: summary, parameters, dataset statistics, per-file
/// per-group statistics and errors.
public enum RunReportPage {
    public static func render(_ report: RunReport, title: String) -> String {
        let e = HTMLPage.escape, f = HTMLPage.format
        let counts = report.statusCounts
        var html = HTMLPage.head(title: title, style: ".failed{background:#fde0dd}") + """
        <p>medprep \(e(report.medprepVersion)) · processed \(counts[.processed] ?? 0) · up to date \(counts[.upToDate] ?? 0)
        · failed \(counts[.failed] ?? 0) · removed \(counts[.removed] ?? 0)</p>
        <h2>Parameters</h2><table>
        <tr><th>method</th><td class=l>\(e(report.parameters.method))</td></tr>
        <tr><th>groups</th><td class=l>\(report.parameters.groups.map(String.init) ?? "–")</td></tr>
        <tr><th>eps</th><td class=l>\(report.parameters.eps.map { "\($0)" } ?? "–")</td></tr>
        <tr><th>estimator</th><td class=l>\(e(report.parameters.estimator))</td></tr>
        <tr><th>accumulation</th><td class=l>\(e(report.parameters.accumulation))</td></tr>
        <tr><th>non-finite voxels</th><td class=l>\(e(report.parameters.nonFinite))</td></tr>
        </table>
        """
        if let statistics = report.datasetStatistics {
            html += "<h2>Dataset statistics (\(e(report.statisticsSource ?? "")))</h2><table><tr><th>channel</th><th>count</th>"
                + "<th>mean</th><th>std</th><th>min</th><th>max</th><th>p0.5</th><th>p99.5</th></tr>"
            for c in statistics.channels {
                html += "<tr><td>\(c.channel)</td><td>\(c.count)</td><td>\(f(c.mean))</td><td>\(f(c.std))</td>"
                    + "<td>\(c.min.map(f) ?? "–")</td><td>\(c.max.map(f) ?? "–")</td>"
                    + "<td>\(c.percentile(0.5).map(f) ?? "–")</td><td>\(c.percentile(99.5).map(f) ?? "–")</td></tr>"
            }
            html += "</table>"
        }
        html += "<h2>Files</h2><table><tr><th>input</th><th>status</th><th>group</th><th>channels</th><th>count</th>"
            + "<th>mean</th><th>std</th><th>min</th><th>max</th><th>non-finite</th></tr>"
        for file in report.files {
            if file.groups.isEmpty {
                html += "<tr class=\(file.status.rawValue)><td class=l>\(e(file.input))</td><td class=l>\(file.status.rawValue)</td>"
                    + "<td class=l colspan=8>\(e(file.error ?? ""))</td></tr>"
            }
            for g in file.groups {
                html += "<tr><td class=l>\(e(file.input))</td><td class=l>\(file.status.rawValue)</td><td>\(g.group)</td>"
                    + "<td>\(g.channels.lowerBound)–\(g.channels.upperBound - 1)</td><td>\(g.count)</td><td>\(f(g.mean))</td>"
                    + "<td>\(f(g.std))</td><td>\(g.min.map(f) ?? "–")</td><td>\(g.max.map(f) ?? "–")</td><td>\(g.nonFinite)</td></tr>"
            }
        }
        html += "</table>"
        if !report.notes.isEmpty {
            html += "<h2>Notes</h2><ul>" + report.notes.map { "<li>\(e($0))</li>" }.joined() + "</ul>"
        }
        return html + "</body></html>\n"
    }
}
