/// The middle slices of the shown cases, as decoded and after the stages and normalization, each set with its
/// display window (`ThumbnailMaker` states the layout and the window rule).
enum ThumbnailsSection: RunReportSection {
    static func html(for report: RunReport) -> String {
        guard let visuals = report.visuals else { return "" }
        var html = "<h2 id=scans>Scans</h2>"
        let processed = visuals.cases.filter { !$0.failed }.count, failed = visuals.cases.count - processed
        guard visuals.thumbnailLimit > 0 else { return html + "<p>No pictures: the pipeline sets output.thumbnails: 0.</p>" }
        html += "<p>Middle slices (voxel index ⌊n/2⌋) of channel 0 of \(processed) processed case(s)"
            + (failed > 0 ? " and \(failed) failed one(s)" : "")
            + " of the \(visuals.decodedCases) decoded in this run; at most \(visuals.thumbnailLimit) of each "
            + "(output.thumbnails), first by input. Each row is scaled on its own: black at or below the 0.5th "
            + "percentile, white at or above the 99.5th percentile of the values it shows (numpy 'linear'); both "
            + "are stated under the row. Pictures keep the physical aspect (voxels × spacing), at most "
            + "\(ThumbnailMaker.maxSide) pixels, nearest neighbour. Volumes with a world frame are drawn in the "
            + "\(HTMLPage.escape(ThumbnailMaker.neurological)).</p>"
        if visuals.decodedCases == 0 {
            html += "<p>No case was decoded in this run (every case was up to date); run with --force to draw them.</p>"
        }
        for thumbnails in visuals.cases {
            html += "<div class=\"case\(thumbnails.failed ? " failed" : "")\" data-case=\"\(HTMLPage.escape(thumbnails.input))\">"
                + "<h3>\(HTMLPage.escape(thumbnails.input))\(thumbnails.failed ? " (failed)" : "")</h3>"
                + row("as decoded (before the stages)", thumbnails.before, kind: "before")
            if let after = thumbnails.after {
                html += row("after the stages and normalization", after, kind: "after")
            }
            html += "</div>"
        }
        return html
    }

    static func row(_ title: String, _ set: ThumbnailSet, kind: String) -> String {
        let f = HTMLPage.format
        // Shown at twice their size, or more for small scans, the same factor for every plane of the set.
        let zoom = max(2, 128 / max(1, set.planes.map { max($0.width, $0.height) }.max() ?? 1))
        let figures = set.planes.map { plane in
            "<figure><img src=\"data:image/png;base64,\(plane.png)\" width=\(plane.width * zoom) height=\(plane.height * zoom) "
                + "alt=\"\(plane.plane)\" data-plane=\"\(plane.plane)\"><figcaption>\(plane.plane)</figcaption></figure>"
        }.joined()
        let convention = set.convention == ThumbnailMaker.asStored ? "; as stored, first row at the top" : ""
        return "<div class=thumbs data-thumbnails=\(kind)><div class=strip>\(figures)</div>"
            + "<p class=caption>\(title): window \(f(set.window[0])) … \(f(set.window[1])) (p0.5–p99.5 of the shown values)"
            + "; channel 0 of \(set.channels)\(convention)</p></div>"
    }
}
