/// Orientation and spacing of the cases decoded in this run: cases per axis code and per spacing, as decoded and
/// after the stages.
enum GeometrySection: RunReportSection {
    static func html(for report: RunReport) -> String {
        guard let visuals = report.visuals, visuals.decodedCases > 0 else { return "" }
        return "<h2 id=geometry>Orientation and spacing</h2><p>Cases per axis code (nibabel's aff2axcodes; none: no "
            + "world frame, PNG or TIFF) and per voxel spacing (i × j × k, mm), for the \(visuals.decodedCases) case(s) "
            + "decoded in this run.</p><div class=strip>"
            + table("orientation as decoded", visuals.orientationsBefore)
            + table("orientation after the stages", visuals.orientationsAfter)
            + table("spacing as decoded", visuals.spacingsBefore)
            + table("spacing after the stages", visuals.spacingsAfter) + "</div>"
    }

    static func table(_ title: String, _ counts: [String: Int]) -> String {
        let rows = counts.sorted { ($0.key == "other" ? 1 : 0, $0.key) < ($1.key == "other" ? 1 : 0, $1.key) }
            .map { "<tr><td class=l>\(HTMLPage.escape($0.key))</td><td>\($0.value)</td></tr>" }.joined()
        return "<table><tr><th colspan=2>\(title)</th></tr>\(rows.isEmpty ? "<tr><td colspan=2>–</td></tr>" : rows)</table>"
    }
}
