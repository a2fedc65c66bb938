import Foundation

extension CheckReport {
    /// The readable summary `medprep check` prints without `--json`: one line per case, the dataset's fingerprint,
    /// the suggestion with its rule, and the problems.
    public var text: String {
        var lines = ["medprep check: \(cases.count) case(s) under \(inputDirectory) (\(source.rawValue) \(path))"]
        if !cases.isEmpty {
            lines.append("case | format | shape (i, j, k) | spacing | axes | dtype | C | label values | same grid | non-finite | cropped shape")
        }
        for row in cases {
            guard row.errors == nil else {
                lines.append("\(row.id) | unreadable")
                continue
            }
            let fields: [String] = [
                row.id, row.format ?? "-", Self.list(row.shape), Self.list(row.spacing?.map(Self.number)),
                row.axisCodes ?? "-", row.dtype ?? "-", row.channels.map(String.init) ?? "-",
                row.labelValues.map { $0.map(String.init).joined(separator: ",") } ?? "-",
                row.sameGrid.map { $0 ? "yes" : "NO" } ?? "-", row.nonFinite.map(String.init) ?? "-", Self.list(row.croppedShape),
            ]
            lines.append(fields.joined(separator: " | "))
        }
        lines.append("")
        let codes = dataset.orientations.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        lines.append("orientations: " + (codes.isEmpty ? "none (no world frame)" : codes.joined(separator: ", ")))
        lines.append("per-axis percentiles (i, j, k) over \(dataset.readable) readable case(s), numpy 'linear':")
        for (name, table) in [("spacing", dataset.spacing), ("shape", dataset.shape), ("cropped shape", dataset.croppedShape)] {
            guard let table else { continue }
            let cells = LinearPercentile.reported.map { p in
                let key = LinearPercentile.key(p)
                return "\(key) " + Self.list(table[key]?.map(Self.number))
            }
            lines.append("  \(name): " + cells.joined(separator: "  "))
        }
        let foreground = dataset.foreground
        lines.append("foreground intensities (\(foreground.definition)), percentiles from a sketch with relative error ≤ "
            + "\(Self.number(foreground.relativeError * 100)) %, min/max/mean/std exact"
            + (foreground.casesLeftOut > 0 ? "; \(foreground.casesLeftOut) case(s) off-grid left out" : "") + ":")
        for channel in foreground.channels {
            let cells = ForegroundIntensities.reported.map { p in
                let key = LinearPercentile.key(p)
                return "\(key) " + (channel.percentiles[key].map(Self.number) ?? "-")
            }
            lines.append("  channel \(channel.channel): \(channel.voxels) voxels, min \(channel.min.map(Self.number) ?? "-"), "
                + "max \(channel.max.map(Self.number) ?? "-"), mean \(channel.mean.map(Self.number) ?? "-"), "
                + "std \(channel.std.map(Self.number) ?? "-"), " + cells.joined(separator: ", "))
        }
        if let labels = dataset.labels {
            let classes = labels.classes.map { "\($0.value) \(String(format: "%.2f", $0.share * 100)) %" }
            lines.append("label classes (share of \(labels.voxels) voxels): " + (classes.isEmpty ? "none" : classes.joined(separator: ", ")))
        }
        if let suggestion = dataset.suggestion {
            let spacing = suggestion.targetSpacing.map(Self.number).joined(separator: ", ")
            let shape = suggestion.cropOrPadShape.map(String.init).joined(separator: ", ")
            lines.append("suggested: - resample: {spacing: [\(spacing)]}   - crop_or_pad: {shape: [\(shape)]}"
                + (suggestion.anisotropicAxis.map { " (axis \($0) anisotropic: its 10th percentile)" } ?? ""))
            lines.append("  rule: \(suggestion.rule)")
        }
        lines.append("")
        if problems.isEmpty {
            lines.append("no problems")
        } else {
            lines.append("\(problems.count) problem(s):")
            lines += problems.map { "  \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    static func list<T>(_ values: [T]?) -> String {
        values.map { "(" + $0.map { "\($0)" }.joined(separator: ", ") + ")" } ?? "-"
    }

    /// Up to 6 significant digits, integers without a fraction.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(format: "%.6g", value)
    }
}
