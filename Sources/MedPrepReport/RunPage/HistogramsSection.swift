import Foundation

/// The dataset's intensity histograms per channel, as decoded and after the stages and normalization, as inline
/// SVG (bar height ∝ log(1 + count), so that the air of a CT does not flatten everything else).
enum HistogramsSection: RunReportSection {
    static let shownChannels = 8

    static func html(for report: RunReport) -> String {
        guard let visuals = report.visuals, !visuals.before.isEmpty else { return "" }
        var html = "<h2 id=histograms>Intensity histograms</h2><p>All voxels of the \(visuals.decodedCases) case(s) "
            + "decoded in this run (left, as decoded) and of the \(visuals.normalizedCases) normalized (right), per "
            + "channel. Bins are 2<sup>e</sup> wide on a fixed grid (at most \(ValueHistogram.maximumBins)), so the "
            + "counts of workers and shards add exactly; bar height is log(1 + count).</p>"
        for channel in 0 ..< min(shownChannels, visuals.before.count) {
            html += "<h3>channel \(channel)</h3><div class=strip>"
                + panel("as decoded", visuals.before[channel])
                + (channel < visuals.after.count ? panel("after normalization", visuals.after[channel]) : "")
                + "</div>"
        }
        if visuals.before.count > shownChannels {
            html += "<p>Channels \(shownChannels)–\(visuals.before.count - 1) are not drawn; report.json holds them.</p>"
        }
        return html
    }

    /// One histogram as an SVG of 480 × 170 px: bars, the range below, the counts in the caption.
    static func panel(_ title: String, _ histogram: ValueHistogram) -> String {
        let f = HTMLPage.format
        let width = 480.0, height = 130.0
        var svg = "<figure class=hist><svg width=480 height=170 viewBox=\"0 0 480 170\" role=img>"
            + "<rect x=0 y=0 width=480 height=\(Int(height)) fill=\"#fafafa\" stroke=\"#ccc\"/>"
        let edges = histogram.edges
        if let low = edges.first, let high = edges.last, let most = histogram.counts.max(), most > 0 {
            let barWidth = width / Double(histogram.counts.count)
            for (index, count) in histogram.counts.enumerated() where count > 0 {
                let h = height * log(1 + Double(count)) / log(1 + Double(most))
                svg += String(format: "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#4a78b0\"/>",
                              Double(index) * barWidth, height - h, max(barWidth - 0.3, 0.5), h)
            }
            if low < 0, high > 0 {
                let x = (0 - low) / (high - low) * width
                svg += String(format: "<line x1=\"%.2f\" x2=\"%.2f\" y1=\"0\" y2=\"%.0f\" stroke=\"#c33\"/>", x, x, height)
                    + String(format: "<text x=\"%.2f\" y=\"146\" font-size=\"11\" text-anchor=\"middle\" fill=\"#c33\">0</text>", x)
            }
            svg += "<text x=\"2\" y=\"162\" font-size=\"11\">\(f(low))</text>"
                + "<text x=\"478\" y=\"162\" font-size=\"11\" text-anchor=\"end\">\(f(high))</text>"
        } else {
            svg += "<text x=\"240\" y=\"70\" font-size=\"12\" text-anchor=\"middle\">no finite values</text>"
        }
        let nonFinite = histogram.nonFinite > 0 ? ", \(histogram.nonFinite) non-finite" : ""
        return svg + "</svg><figcaption>\(title): \(histogram.total) values\(nonFinite), bin width "
            + "\(f(pow(2, Double(histogram.exponent))))</figcaption></figure>"
    }
}
