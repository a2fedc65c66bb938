/// Failures and warnings, before anything else: every failed file with its error kind and reason, every case left
/// out (`input: {missing: skip}`) with what it lacks, and the mixed-orientation warning; one line saying so when
/// there is none.
enum ProblemsSection: RunReportSection {
    static func html(for report: RunReport) -> String {
        let e = HTMLPage.escape
        let failed = report.files.filter { $0.status == .failed }
        var warnings: [String] = []
        if let orientations = report.orientations {
            let list = orientations.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            warnings.append("The cases come in \(orientations.count) orientations (\(list)) and the pipeline has no orient "
                + "stage: spacing and shape apply along different world axes. Add '- orient: {to: RAS}' as the first stage.")
        }
        guard !failed.isEmpty || !report.skipped.isEmpty || !warnings.isEmpty else {
            return "<h2 id=problems>Failures and warnings</h2><p class=ok data-problems=0>No failures and no warnings.</p>"
        }
        var html = "<h2 id=problems>Failures and warnings</h2>"
        if !failed.isEmpty {
            html += "<p>\(failed.count) file(s) failed; the other cases were processed.</p>"
                + "<table class=problems><tr><th>file</th><th>kind</th><th>reason</th></tr>"
            for file in failed {
                html += "<tr class=failed data-failure><td class=l>\(e(file.input))</td><td class=l>\(e(file.errorKind ?? ""))</td>"
                    + "<td class=l>\(e(file.error ?? ""))</td></tr>"
            }
            html += "</table>"
        }
        if !report.skipped.isEmpty {
            html += "<p>\(report.skipped.count) case(s) left out (input: {missing: skip}):</p>"
                + "<table class=problems><tr><th>file</th><th>reason</th><th>detail</th></tr>"
            for skipped in report.skipped {
                html += "<tr class=skipped data-skipped><td class=l>\(e(skipped.input))</td><td class=l>\(e(skipped.reason))</td>"
                    + "<td class=l>\(e(skipped.detail))</td></tr>"
            }
            html += "</table>"
        }
        return html + warnings.map { "<p class=warning data-warning>warning: \(e($0))</p>" }.joined()
    }
}
