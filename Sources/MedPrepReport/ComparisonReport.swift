import MedPrepNormalize

/// Everything `compare-norms` reports (`comparison.json`; `csv()` gives `comparison.csv`).
package struct ComparisonResult: Sendable, Encodable {
    package var files: [String]
    package var rejected: [RejectedInput]
    package var groups: Int
    package var eps: Double
    package var epochs: Int
    package var batchSizes: [Int]
    /// Whether `batchSizes` is the default derived from the number of scans (no `--batch-sizes`).
    package var batchSizesDefault: Bool
    package var methods: [String]
    package var rows: [ComparisonRow]
    package var batchSpreads: [BatchSpread]
    package var dataset: DatasetStatistics
    /// Per method, one histogram per channel on the shared axis `NormComparison.sharedAxis`.
    package var histograms: [String: [Histogram]]
    /// The input values per channel on their own range.
    package var rawHistograms: [Histogram]
    /// The generated paragraph that states the findings in words (`ComparisonFindings`).
    package var findings = ""

    enum CodingKeys: String, CodingKey {
        case files, rejected, groups, eps, epochs, methods, rows, histograms, findings
        case scansUsed = "scans_used", scansRejected = "scans_rejected"
        case batchSizes = "batch_sizes", batchSizesDefault = "batch_sizes_default", batchSpreads = "batch_spreads"
        case dataset = "dataset_statistics", rawHistograms = "raw_histograms"
    }

    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(files, forKey: .files)
        try c.encode(files.count, forKey: .scansUsed)
        try c.encode(rejected, forKey: .rejected)
        try c.encode(rejected.count, forKey: .scansRejected)
        try c.encode(groups, forKey: .groups)
        try c.encode(eps, forKey: .eps)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(batchSizes, forKey: .batchSizes)
        try c.encode(batchSizesDefault, forKey: .batchSizesDefault)
        try c.encode(methods, forKey: .methods)
        try c.encode(rows, forKey: .rows)
        try c.encode(batchSpreads, forKey: .batchSpreads)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(histograms, forKey: .histograms)
        try c.encode(rawHistograms, forKey: .rawHistograms)
        try c.encode(findings, forKey: .findings)
    }

    /// `comparison.csv`: `method, channel, status, count, mean, std, min, max, abs_mean, abs_std_minus_1, note`;
    /// a row without numbers leaves them empty and gives its reason as the note.
    package func csv() -> String {
        var text = "method,channel,status,count,mean,std,min,max,abs_mean,abs_std_minus_1,note\n"
        for r in rows {
            let numbers = r.moments.map { m in
                [String(m.count)] + [m.mean, m.std, m.min, m.max, abs(m.mean), abs(m.std - 1)].map(CSV.number)
            } ?? Array(repeating: "", count: 7)
            let note = [r.reason, r.note].compactMap { $0 }.joined(separator: "; ")
            text += ([CSV.field(r.method), String(r.channel), r.status.rawValue] + numbers + [CSV.field(note)])
                .joined(separator: ",") + "\n"
        }
        return text
    }

    /// The rows of `method`, one per channel.
    package func rows(of method: String) -> [ComparisonRow] { rows.filter { $0.method == method } }

    /// The worst channel's distance from (0, 1) for `method`, `max(|mean|, |std − 1|)`; nil unless every row is ok.
    package func worstDistance(_ method: String) -> Double? {
        let rows = rows(of: method)
        guard !rows.isEmpty, rows.allSatisfy({ $0.status == .ok }) else { return nil }
        return rows.compactMap(\.distance).max()
    }
}
