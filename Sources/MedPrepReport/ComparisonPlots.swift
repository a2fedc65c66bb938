import Foundation

/// The inline-SVG plots of the comparison page: histograms on one shared axis with the N(0, 1) density drawn over
/// each, the raw data on its own axis, and the wander of per-batch and running BatchNorm statistics.
enum ComparisonPlots {
    static let colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
    /// Top of the density axis of the shared-axis histograms; N(0, 1) peaks at 0.399.
    static let densityTop = 0.8

    /// A histogram panel: per channel the density `count / (total · bin width)` as a line, and the N(0, 1) density
    /// dashed over it. `reference` draws N(0, 1) and fixes the density axis to `0…densityTop` (shared by all
    /// panels); densities above it are cut at the top and their peak is written. Without it the panel scales to its
    /// own peak (raw data).
    static func histogram(_ histograms: [Histogram], reference: Bool) -> String {
        let width = 340.0, height = 170.0, left = 8.0, right = 8.0, bottom = 30.0, top = 6.0
        guard let first = histograms.first, first.upper > first.lower else { return "" }
        let span = first.upper - first.lower, binWidth = span / Double(Swift.max(first.counts.count, 1))
        let x = { (value: Double) in left + (width - left - right) * (value - first.lower) / span }
        let densities = histograms.map { h in h.counts.map { h.total > 0 ? Double($0) / (Double(h.total) * binWidth) : 0 } }
        let peak = reference ? densityTop : Swift.max(densities.flatMap { $0 }.max() ?? 0, 1e-300)
        let y = { (density: Double) in height - bottom - (height - bottom - top) * Swift.min(density, peak) / peak }
        var svg = "<svg xmlns='http://www.w3.org/2000/svg' width='\(Int(width))' height='\(Int(height))' role='img'>"
        svg += line(x(first.lower), height - bottom, x(first.upper), height - bottom, "#888")
        for tick in ticks(first.lower ... first.upper) {
            svg += line(x(tick), height - bottom, x(tick), height - bottom + 4, "#888")
            svg += text(x(tick), height - bottom + 15, short(tick), anchor: "middle")
        }
        if reference {
            let points = stride(from: first.lower, through: first.upper, by: span / 120).map { v in
                point(x(v), y(exp(-v * v / 2) / (2 * Double.pi).squareRoot()))
            }
            svg += "<polyline fill='none' stroke='#000' stroke-dasharray='4 3' stroke-width='1' points='\(points.joined(separator: " "))'/>"
        }
        for (c, values) in densities.enumerated() {
            let colour = colours[c % colours.count]
            let points = values.enumerated().map { i, v in point(x(first.lower + (Double(i) + 0.5) * binWidth), y(v)) }
            svg += "<polyline fill='none' stroke='\(colour)' stroke-width='1.5' points='\(points.joined(separator: " "))'/>"
            var notes: [String] = []
            if let high = values.max(), high > peak { notes.append("peak \(short(high)) cut") }
            let h = histograms[c]
            if h.underflow > 0 { notes.append("\(percent(h.underflow, h.total)) below \(short(h.lower))") }
            if h.overflow > 0 { notes.append("\(percent(h.overflow, h.total)) above \(short(h.upper))") }
            if !notes.isEmpty {
                svg += text(width - right, top + 10 + 11 * Double(c), "ch\(c): " + notes.joined(separator: ", "), anchor: "end", fill: colour)
            }
        }
        return svg + "</svg>"
    }

    /// Per batch size, two panels on y-axes shared by all batch sizes: each batch's mean offset (dots) and the
    /// running mean's offset after each update (line), in dataset std; each batch's variance ratio and the running
    /// variance's, over the dataset variance. Reference lines at 0 and 1.
    static func wander(_ spreads: [BatchSpread]) -> String {
        let channels: [BatchSpread.Channel] = spreads.flatMap(\.channels)
        let offsets: [Double] = channels.flatMap { $0.meanOffsets + $0.runningMeanOffsets } + [0]
        let ratios: [Double] = channels.flatMap { $0.varianceRatios + $0.runningVarRatios } + [1]
        let offsetRange = padded(offsets.min()! ... offsets.max()!), ratioRange = padded(ratios.min()! ... ratios.max()!)
        return spreads.map { spread in
            "<div class=card><b>B = \(spread.batchSize)</b> (\(spread.batches) batch(es)"
                + (spread.partialLastBatch ? ", last holds \(spread.lastBatchScans) of \(spread.batchSize) scans" : "") + ")<br>"
                + panel(spread, range: offsetRange, reference: 0, title: "batch mean − dataset mean (dataset std)",
                        dots: \.meanOffsets, running: \.runningMeanOffsets)
                + panel(spread, range: ratioRange, reference: 1, title: "batch variance / dataset variance",
                        dots: \.varianceRatios, running: \.runningVarRatios)
                + "</div>"
        }.joined()
    }

    static func panel(_ spread: BatchSpread, range: ClosedRange<Double>, reference: Double, title: String,
                      dots: KeyPath<BatchSpread.Channel, [Double]>, running: KeyPath<BatchSpread.Channel, [Double]>) -> String {
        let width = 260.0, height = 150.0, left = 40.0, right = 6.0, bottom = 18.0, top = 16.0
        let y = { (v: Double) in height - bottom - (height - bottom - top) * (v - range.lowerBound) / (range.upperBound - range.lowerBound) }
        let plotWidth = width - left - right
        var svg = "<svg xmlns='http://www.w3.org/2000/svg' width='\(Int(width))' height='\(Int(height))' role='img'>"
        svg += text(left, 11, title, anchor: "start")
        svg += line(left, y(reference), width - right, y(reference), "#999", dashed: true)
        for value in [range.lowerBound, reference, range.upperBound] {
            svg += text(left - 3, y(value) + 3, short(value), anchor: "end")
        }
        svg += line(left, top, left, height - bottom, "#888")
        svg += text(left + plotWidth / 2, height - 4, "batch / running after each update", anchor: "middle")
        for channel in spread.channels {
            let colour = colours[channel.channel % colours.count]
            let values = channel[keyPath: dots], trajectory = channel[keyPath: running]
            for (i, v) in values.enumerated() {
                let cx = left + plotWidth * (Double(i) + 0.5) / Double(values.count)
                svg += "<circle cx='\(HTMLPage.format(cx))' cy='\(HTMLPage.format(y(v)))' r='2.5' fill='\(colour)'/>"
            }
            let points = trajectory.enumerated().map { i, v in point(left + plotWidth * Double(i + 1) / Double(trajectory.count), y(v)) }
            svg += "<polyline fill='none' stroke='\(colour)' stroke-width='1.2' points='\(points.joined(separator: " "))'/>"
        }
        return svg + "</svg>"
    }

    /// `range` widened by 5 % on each side (by 1 when it is a single value).
    static func padded(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
        let span = range.upperBound - range.lowerBound
        let pad = span > 0 ? span * 0.05 : 1
        return range.lowerBound - pad ... range.upperBound + pad
    }

    /// About five round tick values inside `range`.
    static func ticks(_ range: ClosedRange<Double>) -> [Double] {
        let raw = (range.upperBound - range.lowerBound) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        let start = ceil(range.lowerBound / step) * step
        return stride(from: start, through: range.upperBound + step * 1e-9, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
    }

    /// Three significant digits for axis labels.
    static func short(_ value: Double) -> String { String(format: "%.3g", value) }

    static func percent(_ part: Int, _ total: Int) -> String {
        String(format: "%.1f%%", total > 0 ? 100 * Double(part) / Double(total) : 0)
    }

    static func point(_ x: Double, _ y: Double) -> String { "\(HTMLPage.format(x)),\(HTMLPage.format(y))" }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ colour: String, dashed: Bool = false) -> String {
        "<line x1='\(HTMLPage.format(x1))' y1='\(HTMLPage.format(y1))' x2='\(HTMLPage.format(x2))' y2='\(HTMLPage.format(y2))' "
            + "stroke='\(colour)'\(dashed ? " stroke-dasharray='3'" : "")/>"
    }

    static func text(_ x: Double, _ y: Double, _ content: String, anchor: String, fill: String = "#333") -> String {
        "<text x='\(HTMLPage.format(x))' y='\(HTMLPage.format(y))' font-size='10' text-anchor='\(anchor)' fill='\(fill)'>"
            + "\(HTMLPage.escape(content))</text>"
    }
}
