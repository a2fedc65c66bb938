/// One row per input and group (statistics of the input as the normalizer used them), or one row with the error.
enum FilesSection: RunReportSection {
    static func html(for report: RunReport) -> String {
        let e = HTMLPage.escape, f = HTMLPage.format
        var html = "<h2>Files</h2><table><tr><th>input</th><th>status</th><th>group</th><th>channels</th><th>count</th>"
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
        return html + "</table>"
    }
}
