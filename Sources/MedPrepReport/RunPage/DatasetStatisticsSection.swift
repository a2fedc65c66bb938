/// The dataset statistics the run used, per channel, with where they came from; empty without them.
enum DatasetStatisticsSection: RunReportSection {
    static func html(for report: RunReport) -> String {
        guard let statistics = report.datasetStatistics else { return "" }
        let f = HTMLPage.format
        var html = "<h2>Dataset statistics (\(HTMLPage.escape(report.statisticsSource ?? "")))</h2><table><tr><th>channel</th><th>count</th>"
            + "<th>mean</th><th>std</th><th>min</th><th>max</th><th>p0.5</th><th>p99.5</th></tr>"
        for c in statistics.channels {
            html += "<tr><td>\(c.channel)</td><td>\(c.count)</td><td>\(f(c.mean))</td><td>\(f(c.std))</td>"
                + "<td>\(c.min.map(f) ?? "–")</td><td>\(c.max.map(f) ?? "–")</td>"
                + "<td>\(c.percentile(0.5).map(f) ?? "–")</td><td>\(c.percentile(99.5).map(f) ?? "–")</td></tr>"
        }
        return html + "</table>"
    }
}
