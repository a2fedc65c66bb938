import Foundation

/// What `report.html` draws beyond the numbers, gathered while a run's cases stream and kept in `report.json`
/// (key `visuals`, written when the pipeline asks for `html`) so that `medprep report merge` can draw the page of a
/// sharded run. Covers the cases decoded in this run (up-to-date cases are not decoded again).
///
/// Bounded: at most `thumbnailLimit` processed and `thumbnailLimit` failed cases keep pictures, one
/// `ValueHistogram` per channel and point (≤ 128 bins each), one count per axis code, at most `spacingKeys`
/// distinct spacings per point.
package struct RunVisuals: Sendable, Equatable, Codable {
    package static let spacingKeys = 24

    /// How many processed cases show pictures (`output.thumbnails`); as many failed ones may too.
    package var thumbnailLimit: Int
    /// Cases with pictures: the first `thumbnailLimit` processed ones and the first `thumbnailLimit` failed ones
    /// that could be decoded, in input order.
    package var cases: [CaseThumbnails]
    /// Per channel, the values as decoded (before every stage) and after the stages and normalization.
    package var before: [ValueHistogram]
    package var after: [ValueHistogram]
    /// Cases decoded, and cases normalized, in this run.
    package var decodedCases: Int
    package var normalizedCases: Int
    /// Cases per axis code (`RAS`, `LPS`…, or `none` without a world frame), as decoded and after the stages.
    package var orientationsBefore: [String: Int]
    package var orientationsAfter: [String: Int]
    /// Cases per spacing (`i × j × k` in mm, 3 decimals), as decoded and after the stages; beyond `spacingKeys`
    /// distinct values, the rarest are counted under `other`.
    package var spacingsBefore: [String: Int]
    package var spacingsAfter: [String: Int]

    package init(thumbnailLimit: Int) {
        self.thumbnailLimit = thumbnailLimit
        cases = []
        before = []
        after = []
        decodedCases = 0
        normalizedCases = 0
        orientationsBefore = [:]
        orientationsAfter = [:]
        spacingsBefore = [:]
        spacingsAfter = [:]
    }

    enum CodingKeys: String, CodingKey {
        case cases, before, after
        case thumbnailLimit = "thumbnail_limit", decodedCases = "decoded_cases", normalizedCases = "normalized_cases"
        case orientationsBefore = "orientations_before", orientationsAfter = "orientations_after"
        case spacingsBefore = "spacings_before", spacingsAfter = "spacings_after"
    }

    /// The spacing key of `spacing`: `1.000 × 1.000 × 2.500`.
    package static func spacingKey(_ spacing: [Double]) -> String {
        spacing.map { String(format: "%.3f", $0) }.joined(separator: " × ")
    }

    /// Adds `histograms` (one per channel) to `into`, channel by channel.
    package static func merge(_ histograms: [ValueHistogram], into target: inout [ValueHistogram]) {
        for (channel, histogram) in histograms.enumerated() {
            if channel < target.count { target[channel].merge(histogram) } else { target.append(histogram) }
        }
    }

    /// Adds `count` cases of `key` to `counts`, folding the rarest keys into `other` beyond `spacingKeys`.
    package static func tally(_ key: String, _ count: Int = 1, into counts: inout [String: Int]) {
        counts[key, default: 0] += count
        let named = counts.filter { $0.key != "other" }
        guard named.count > spacingKeys else { return }
        let rarest = named.min { ($0.value, $1.key) < ($1.value, $0.key) }!
        counts[rarest.key] = nil
        counts["other", default: 0] += rarest.value
    }

    /// Keeps the first `limit` processed and the first `limit` failed cases, by input.
    package static func select(_ cases: [CaseThumbnails], limit: Int) -> [CaseThumbnails] {
        let ordered = cases.sorted { $0.input < $1.input }
        return Array(ordered.filter { !$0.failed }.prefix(limit)) + Array(ordered.filter(\.failed).prefix(limit))
    }

    /// The visuals of several shards of one run as those of the whole run (histograms and counts exact, pictures
    /// re-selected by input).
    package static func merged(_ parts: [RunVisuals]) -> RunVisuals? {
        guard let first = parts.first else { return nil }
        var whole = RunVisuals(thumbnailLimit: first.thumbnailLimit)
        for part in parts {
            whole.cases += part.cases
            merge(part.before, into: &whole.before)
            merge(part.after, into: &whole.after)
            whole.decodedCases += part.decodedCases
            whole.normalizedCases += part.normalizedCases
            whole.orientationsBefore.merge(part.orientationsBefore, uniquingKeysWith: +)
            whole.orientationsAfter.merge(part.orientationsAfter, uniquingKeysWith: +)
            for (key, count) in part.spacingsBefore.sorted(by: { $0.key < $1.key }) { tally(key, count, into: &whole.spacingsBefore) }
            for (key, count) in part.spacingsAfter.sorted(by: { $0.key < $1.key }) { tally(key, count, into: &whole.spacingsAfter) }
        }
        whole.cases = select(whole.cases, limit: first.thumbnailLimit)
        return whole
    }
}
