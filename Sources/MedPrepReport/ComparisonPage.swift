import Foundation

/// Renders a `ComparisonResult` as one self-contained HTML page: summary, tables, and an inline-SVG histogram of
/// the normalized intensities per method (one line per channel). No scripts, no external resources.
package enum ComparisonPage {
    static let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    package static func render(_ result: ComparisonResult, title: String) -> String {
        let style = ".bad{background:#fde0dd}.good{background:#e5f5e0}\n"
            + ".grid{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #ddd;padding:6px}"
        var html = HTMLPage.head(title: title, style: style) + """
        <p>\(result.files.count) scans, \(result.dataset.channels.count) channel(s). Every method's normalized intensities
        over the whole dataset: a network expects mean 0 and std 1 per channel. Rows more than 0.1 away are marked.
        GroupNorm uses G = \(result.groups), eps = \(result.eps); BatchNorm uses momentum 0.1 and its running
        statistics are those after \(result.epochs) pass(es) over the dataset.</p>
        """
        html += "<h2>Summary: distance from zero mean / unit std (worst channel)</h2><table><tr><th>method</th><th>max(|mean|, |std−1|)</th></tr>"
        for method in result.methods {
            let d = result.worstDistance(method)
            html += "<tr><td class=l>\(HTMLPage.escape(method))</td><td class=\(d > 0.1 ? "bad" : "good")>\(HTMLPage.format(d))</td></tr>"
        }
        html += "</table><h2>Per channel</h2><table><tr><th>method</th><th>channel</th><th>mean</th><th>std</th><th>min</th><th>max</th></tr>"
        for row in result.rows {
            let flag = Swift.max(row.meanError, row.stdError) > 0.1 ? "bad" : "good"
            html += "<tr class=\(flag)><td class=l>\(HTMLPage.escape(row.method))</td><td>\(row.channel)</td><td>\(HTMLPage.format(row.mean))</td>"
                + "<td>\(HTMLPage.format(row.std))</td><td>\(HTMLPage.format(row.min))</td><td>\(HTMLPage.format(row.max))</td></tr>"
        }
        html += "</table><h2>How batch statistics wander</h2>"
        html += "<p>Per-batch channel means as (batch mean − dataset mean)/dataset std, per-batch variance over the dataset's, "
            + "and where BatchNorm's running statistics end up after \(result.epochs) pass(es) (same units). Pooled over the "
            + "dataset, batch-normalized data look perfect (mean 0, std 1); the damage is that a scan's values depend on "
            + "its batch-mates during training, and on the running statistics at inference.</p>"
        html += "<table><tr><th>batch size</th><th>channel</th><th>batches</th><th>std of mean offset</th><th>max |mean offset|</th>"
            + "<th>variance ratio min…max</th><th>running mean offset</th><th>running var ratio</th></tr>"
        for spread in result.batchSpreads {
            for c in spread.channels {
                html += "<tr><td>\(spread.batchSize)</td><td>\(c.channel)</td><td>\(c.batches)</td><td>\(HTMLPage.format(c.meanOffsetStd))</td>"
                    + "<td>\(HTMLPage.format(c.meanOffsetMaxAbs))</td><td>\(HTMLPage.format(c.varianceRatioMin)) … \(HTMLPage.format(c.varianceRatioMax))</td>"
                    + "<td>\(HTMLPage.format(c.runningMeanOffset))</td><td>\(HTMLPage.format(c.runningVarRatio))</td></tr>"
            }
        }
        html += "</table><h2>Histograms of normalized intensities</h2><div class=grid>"
        for method in result.methods {
            guard let histograms = result.histograms[method] else { continue }
            html += "<div class=card><b>\(HTMLPage.escape(method))</b><br>\(svg(histograms))</div>"
        }
        html += "</div><h2>Files</h2><ol>" + result.files.map { "<li>\(HTMLPage.escape($0))</li>" }.joined() + "</ol></body></html>\n"
        return html
    }

    /// One SVG plot: a polyline of bin fractions per channel, x axis labelled with the range.
    static func svg(_ histograms: [Histogram]) -> String {
        let width = 320.0, height = 160.0, pad = 24.0
        let fractions = histograms.map { h -> [Double] in
            let total = Double(h.counts.reduce(0, +) + h.underflow + h.overflow)
            return h.counts.map { total > 0 ? Double($0) / total : 0 }
        }
        let peak = Swift.max(fractions.flatMap { $0 }.max() ?? 0, 1e-12)
        var svg = "<svg xmlns='http://www.w3.org/2000/svg' width='\(Int(width))' height='\(Int(height))'>"
        svg += "<line x1='\(pad)' y1='\(height - pad)' x2='\(width - 4)' y2='\(height - pad)' stroke='#888'/>"
        if let first = histograms.first {
            let zero = first.lower < 0 && first.upper > 0 ? pad + (width - pad - 4) * (-first.lower) / (first.upper - first.lower) : nil
            if let zero { svg += "<line x1='\(HTMLPage.format(zero))' y1='4' x2='\(HTMLPage.format(zero))' y2='\(height - pad)' stroke='#bbb' stroke-dasharray='3'/>" }
            svg += "<text x='\(pad)' y='\(height - 6)' font-size='10'>\(HTMLPage.format(first.lower))</text>"
            svg += "<text x='\(width - 4)' y='\(height - 6)' font-size='10' text-anchor='end'>\(HTMLPage.format(first.upper))</text>"
        }
        for (c, values) in fractions.enumerated() {
            let step = (width - pad - 4) / Double(Swift.max(values.count, 1))
            let points = values.enumerated().map { i, v in
                "\(HTMLPage.format(pad + (Double(i) + 0.5) * step)),\(HTMLPage.format(height - pad - (height - pad - 8) * v / peak))"
            }.joined(separator: " ")
            svg += "<polyline fill='none' stroke='\(colours[c % colours.count])' stroke-width='1.5' points='\(points)'/>"
            if histograms[c].underflow + histograms[c].overflow > 0 {
                svg += "<text x='\(width - 4)' y='\(12 + 11 * c)' font-size='9' text-anchor='end' fill='\(colours[c % colours.count])'>"
                    + "ch\(c): \(histograms[c].underflow) below, \(histograms[c].overflow) above</text>"
            }
        }
        return svg + "</svg>"
    }

}
