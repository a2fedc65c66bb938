import Foundation

/// What the self-contained HTML reports share: the document head and style, escaping, number formatting.
enum HTMLPage {
    /// `<!DOCTYPE html>` through the opening `<body>` and the `<h1>` title, with the common table style plus `style`.
    static func head(title: String, style: String = "") -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
        table{border-collapse:collapse;margin:1em 0;font-size:13px}
        th,td{border:1px solid #ccc;padding:3px 7px;text-align:right} th{background:#f3f3f3} td.l{text-align:left}
        \(style)
        </style></head><body><h1>\(escape(title))</h1>

        """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Four decimals, or scientific notation for very large and very small magnitudes.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        if value != 0 && (abs(value) >= 1e5 || abs(value) < 1e-3) { return String(format: "%.3e", value) }
        return String(format: "%.4f", value)
    }
}
