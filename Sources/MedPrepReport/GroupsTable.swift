import MedPrepNormalize

/// One row of the per-group statistics table: which file, and the statistics of one (sample, group).
package struct GroupRow: Sendable, Equatable, Codable {
    /// The input file (relative to the input directory in pipeline runs).
    package var file: String
    package var statistics: GroupStatistics

    package init(file: String, statistics: GroupStatistics) {
        self.file = file
        self.statistics = statistics
    }
}

/// `groups.csv`: one line per (file, sample, group) with the statistics the normalizer used.
///
/// Columns: `file, sample, group, channels, count, mean, var, std, min, max, nonfinite`; `channels` is the
/// group's channel range written `first-last`; `var` is the biased variance; numbers use Swift's shortest
/// round-trip representation, so the CSV reproduces the Double values exactly.
package enum GroupsCSV {
    package static let header = "file,sample,group,channels,count,mean,var,std,min,max,nonfinite"

    package static func render(_ rows: [GroupRow]) -> String {
        var text = header + "\n"
        for row in rows {
            let s = row.statistics
            let channels = "\(s.channels.lowerBound)-\(s.channels.upperBound - 1)"
            let fields: [String] = [
                CSV.field(row.file), String(s.sample), String(s.group), channels, String(s.count),
                CSV.number(s.mean), CSV.number(s.variance), CSV.number(s.std),
                s.min.map(CSV.number) ?? "", s.max.map(CSV.number) ?? "", String(s.nonFinite),
            ]
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }
}

/// CSV quoting as RFC 4180 has it.
package enum CSV {
    /// `value` quoted when it holds a comma, quote or line break.
    package static func field(_ value: String) -> String {
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }

    /// Shortest round-trip text of `value`; `nan`, `inf`, `-inf` for non-finite values.
    package static func number(_ value: Double) -> String {
        value.isFinite ? "\(value)" : (value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf"))
    }
}
