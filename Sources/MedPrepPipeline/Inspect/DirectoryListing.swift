import Foundation
import MedPrepCore
import MedPrepDecode

/// What `medprep inspect DIRECTORY` lists: the cases a run over the directory would make, from headers alone.
///
/// Discovery is the run's (`InputDiscovery`, with the given include patterns): DICOM files make one case per
/// series (`series`, `SeriesListing`), every other selected file is a case of its own (`others`: its id and the
/// format that would read it, or why none does; not decoded — `inspect FILE` decodes one). Non-image DICOM objects
/// and everything else discovery leaves out are `notes`; files that map to one case id are `conflicts`.
package struct DirectoryListing: Sendable, Encodable {
    /// A non-DICOM case: one file (or a `.hdr/.img` pair) read by one format.
    package struct OtherCase: Sendable, Encodable {
        package var id: String
        package var files: [String]
        package var format: String?
        package var error: String?
    }

    package struct Note: Sendable, Encodable {
        package var path: String
        package var reason: String
        package var detail: String
    }

    package var path: String
    package var series: [SeriesListing]
    package var others: [OtherCase]
    package var notes: [Note]
    package var conflicts: [String]

    /// Lists `discovery`'s cases; throws what `discover()` throws (an unreadable directory).
    package init(path: String, discovery: InputDiscovery) throws {
        self.path = path
        let result = try discovery.discover()
        let root = discovery.directory
        series = []
        others = []
        for item in result.cases {
            if let source = item.channels.first?.dicomSeries, let group = source.group {
                let outcome: Result<DICOMSeries, MedPrepError> = source.series.map { .success($0) }
                    ?? .failure(source.failure ?? MedPrepError(.malformed, path: group.directory, reason: "not assembled"))
                series.append(SeriesListing(id: item.id, group: group, series: outcome, root: root))
                continue
            }
            var other = OtherCase(id: item.id, files: item.relativePaths, format: nil, error: nil)
            do {
                let format = try ScanReader.format(of: item.paths[0])
                other.format = format.name
                if format is DICOMFormat { _ = try DICOMHeaderReader.read(path: item.paths[0]) }
            } catch {
                other.error = MedPrepError.wrap(error, path: item.paths[0]).description
            }
            others.append(other)
        }
        notes = result.skipped.map { Note(path: $0.path, reason: $0.reason.rawValue, detail: $0.detail) }
        conflicts = result.conflicts.map(\.description)
    }

    /// Whether a run over the directory would fail some case.
    package var hasFailures: Bool {
        series.contains { $0.error != nil } || others.contains { $0.error != nil } || !conflicts.isEmpty
    }

    enum CodingKeys: String, CodingKey { case path, kind, series, others, notes, conflicts }

    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode("directory", forKey: .kind)
        try c.encode(series, forKey: .series)
        try c.encode(others, forKey: .others)
        try c.encode(notes, forKey: .notes)
        try c.encode(conflicts, forKey: .conflicts)
    }

    /// The text `medprep inspect` prints.
    package var text: String {
        let failing = series.filter { $0.error != nil }.count
        var lines = ["\(path)",
                     "  \(series.count) DICOM series (\(failing) would fail), \(others.count) other case\(others.count == 1 ? "" : "s")"]
        lines += series.map(\.text)
        for other in others {
            lines.append("  case \(other.id)")
            lines.append("    files      \(other.files.joined(separator: ", "))")
            lines.append("    format     \(other.format ?? "–")")
            if let error = other.error { lines.append("    error      \(error)") }
        }
        lines += notes.map { "  note: \($0.path): skipped (\($0.reason)): \($0.detail)" }
        lines += conflicts.map { "  conflict: \($0)" }
        return lines.joined(separator: "\n")
    }
}
