import Foundation

/// Renders a `ComparisonResult` as one self-contained HTML page (inline SVG, no scripts, no external resources):
/// the scan counts, the findings in words, the rejected inputs, the summary table (one row per method and channel,
/// `tr[data-method][data-channel]`), the wander of batch statistics, and the histograms on one shared axis.
package enum ComparisonPage {
    package static func render(_ result: ComparisonResult, title: String) -> String {
        let style = ".bad{background:#fde0dd}.good{background:#e5f5e0}.na{background:#eee;color:#555}"
            + ".grid{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #ddd;padding:6px}"
            + "td.reason{text-align:left;max-width:420px;font-size:12px}#findings{max-width:900px;line-height:1.45}"
        return HTMLPage.head(title: title, style: style)
            + intro(result) + rejected(result) + summary(result) + wander(result) + histograms(result) + notes(result)
            + "<h2>Files used</h2><ol>" + result.files.map { "<li>\(HTMLPage.escape($0))</li>" }.joined() + "</ol></body></html>\n"
    }

    static func intro(_ result: ComparisonResult) -> String {
        """
        <p class=counts><b>\(result.files.count) scans used, \(result.rejected.count) rejected</b>, \
        \(result.dataset.channels.count) channel(s), batch sizes \(result.batchSizes.map(String.init).joined(separator: ", "))\
        \(result.batchSizesDefault ? " (the default for this number of scans)" : "").</p>
        <h2>Findings</h2><p id=findings>\(HTMLPage.escape(result.findings))</p>
        <p>A network expects each channel at mean 0 and std 1. The table gives every method's normalized intensities
        over the whole dataset; rows more than 0.1 away from (0, 1) are marked. GroupNorm uses G = \(result.groups),
        eps = \(result.eps); BatchNorm uses momentum 0.1, and its running statistics are those after
        \(result.epochs) pass(es) over the dataset.</p>

        """
    }

    static func rejected(_ result: ComparisonResult) -> String {
        guard !result.rejected.isEmpty else { return "<h2>Rejected inputs</h2><p>None: every input was used.</p>" }
        return "<h2>Rejected inputs</h2><table id=rejected><tr><th>file</th><th>reason</th></tr>"
            + result.rejected.map { "<tr><td class=l>\(HTMLPage.escape($0.file))</td><td class=reason>\(HTMLPage.escape($0.reason))</td></tr>" }.joined()
            + "</table>"
    }

    static func summary(_ result: ComparisonResult) -> String {
        var html = "<h2>Summary: every method and channel</h2><table id=summary><tr><th>method</th><th>channel</th><th>mean</th>"
            + "<th>std</th><th>min</th><th>max</th><th>max(|mean|, |std−1|)</th><th>status</th></tr>"
        for row in result.rows {
            let attributes = "data-method=\"\(HTMLPage.escape(row.method))\" data-channel=\"\(row.channel)\""
            let head = "<td class=l>\(HTMLPage.escape(row.method))</td><td>\(row.channel)</td>"
            guard row.status == .ok, let m = row.moments, let distance = row.distance else {
                let label = row.status == .failed ? "failed" : "not applicable"
                html += "<tr \(attributes) class=\(row.status == .failed ? "bad" : "na")>\(head)<td colspan=5>—</td>"
                    + "<td class=reason>\(label): \(HTMLPage.escape(row.reason ?? ""))</td></tr>"
                continue
            }
            let flag = distance > 0.1 ? "bad" : "good"
            let numbers = [m.mean, m.std, m.min, m.max, distance].map { "<td>\(HTMLPage.format($0))</td>" }.joined()
            let status = (distance > 0.1 ? "off (0, 1)" : "OK") + (row.note.map { "; \(HTMLPage.escape($0))" } ?? "")
            html += "<tr \(attributes) class=\(flag)>\(head)\(numbers)<td class=reason>\(status)</td></tr>"
        }
        return html + "</table>"
    }

    static func wander(_ result: ComparisonResult) -> String {
        guard !result.batchSpreads.isEmpty else { return "" }
        var html = "<h2>How batch statistics wander</h2><p>BatchNorm in training mode normalizes each scan with its batch's "
            + "statistics. Dots: each batch's channel mean as (batch mean − dataset mean)/dataset std, and its variance over the "
            + "dataset's; lines: BatchNorm's running mean and variance after each update, in the same units (\(result.epochs) "
            + "epoch(s)). The y-axes are shared by all batch sizes. Pooled over the dataset, batch-normalized data look perfect "
            + "(mean 0, std 1); the damage is that a scan's values depend on its batch-mates during training, and on the running "
            + "statistics at inference.</p><div class=grid>" + ComparisonPlots.wander(result.batchSpreads) + "</div>"
        html += "<table id=wander><tr><th>batch size</th><th>channel</th><th>batches</th><th>std of mean offset</th>"
            + "<th>max |mean offset|</th><th>variance ratio min…max</th><th>running mean offset</th><th>running var ratio</th><th>note</th></tr>"
        for spread in result.batchSpreads {
            let note = spread.partialLastBatch ? "last batch holds \(spread.lastBatchScans) of \(spread.batchSize) scans" : ""
            for c in spread.channels {
                html += "<tr><td>\(spread.batchSize)</td><td>\(c.channel)</td><td>\(spread.batches)</td>"
                    + "<td>\(HTMLPage.format(c.meanOffsetStd))</td><td>\(HTMLPage.format(c.meanOffsetMaxAbs))</td>"
                    + "<td>\(HTMLPage.format(c.varianceRatioMin)) … \(HTMLPage.format(c.varianceRatioMax))</td>"
                    + "<td>\(HTMLPage.format(c.runningMeanOffset))</td><td>\(HTMLPage.format(c.runningVarRatio))</td>"
                    + "<td class=reason>\(note)</td></tr>"
            }
        }
        return html + "</table>"
    }

    static func histograms(_ result: ComparisonResult) -> String {
        let axis = NormComparison.sharedAxis
        var html = "<h2>Histograms of normalized intensities</h2><p>Every panel has the same axes: x from "
            + "\(HTMLPage.format(axis.lowerBound)) to \(HTMLPage.format(axis.upperBound)), density from 0 to "
            + "\(HTMLPage.format(ComparisonPlots.densityTop)). The dashed curve is N(0, 1), what a network expects; one line "
            + "per channel. Values beyond the axis are counted in the corner.</p><div class=grid>"
        for method in result.methods {
            guard let histograms = result.histograms[method] else {
                let reason = result.rows(of: method).first?.reason ?? "no numbers"
                html += "<div class=card><b>\(HTMLPage.escape(method))</b><br><p class=na>no histogram: \(HTMLPage.escape(reason))</p></div>"
                continue
            }
            html += "<div class=card><b>\(HTMLPage.escape(method))</b><br>\(ComparisonPlots.histogram(histograms, reference: true))</div>"
        }
        html += "</div>"
        if !result.rawHistograms.isEmpty {
            html += "<h3>Raw values on their own axis</h3><div class=grid><div class=card>"
                + ComparisonPlots.histogram(result.rawHistograms, reference: false) + "</div></div>"
        }
        return html
    }

    static func notes(_ result: ComparisonResult) -> String {
        """
        <h2>Notes</h2><ul>
        <li><b>imagenet</b> follows torchvision: integer scans are first mapped from their stored integer range to [0, 1] \
        (<code>ToTensor</code>'s rescale, e.g. −32768…32767 for int16), float scans are not rescaled (<code>ToTensor</code> \
        leaves float input as it is), then mean 0.485/0.456/0.406 and std 0.229/0.224/0.225 (0.449/0.226 for one channel) apply.</li>
        <li><b>instance</b> is GroupNorm with one group per channel; <b>minmax</b> maps each scan's channel to [0, 1]; \
        <b>percentile</b> clips each scan's channel to its p0.5…p99.5 and maps that to [0, 1].</li>
        <li>Batch sizes: \(result.batchSizesDefault ? "the default, 2, 4, 8, 16 and 32 up to the number of scans used" : "as asked with --batch-sizes"); \
        a batch size above the number of scans is refused, and a last batch that the scans do not fill is flagged.</li>
        </ul>

        """
    }
}
