/// The normalization parameters (method, groups, eps, estimator, accumulation, non-finite policy), the pipeline
/// hash and the resolved pipeline.
enum ParametersSection: RunReportSection {
    static func html(for report: RunReport) -> String {
        let e = HTMLPage.escape, parameters = report.parameters
        return """
        <h2>Parameters</h2><table>
        <tr><th>method</th><td class=l>\(e(parameters.method))</td></tr>
        <tr><th>groups</th><td class=l>\(parameters.groups.map(String.init) ?? "–")</td></tr>
        <tr><th>eps</th><td class=l>\(parameters.eps.map { "\($0)" } ?? "–")</td></tr>
        <tr><th>estimator</th><td class=l>\(e(parameters.estimator))</td></tr>
        <tr><th>accumulation</th><td class=l>\(e(parameters.accumulation))</td></tr>
        <tr><th>non-finite voxels</th><td class=l>\(e(parameters.nonFinite))</td></tr>
        </table>
        """ + pipeline(report)
    }

    static func pipeline(_ report: RunReport) -> String {
        guard let pipeline = report.pipeline else { return "" }
        return "<details><summary>pipeline as resolved (hash \(HTMLPage.escape(report.pipelineHash ?? "")))</summary>"
            + "<pre>\(HTMLPage.escape(pipeline))</pre></details>"
    }
}
