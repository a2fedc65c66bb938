/// Case ids for assembled DICOM series: stable across runs, readable, and safe as relative output paths.
///
/// **Readable** (default). A series whose directory (relative to the input root) holds no other series is named
/// by that directory: `study1/CT`. Otherwise (several series in one directory, or files directly in the root) it is
/// `PatientID/StudyDate_SeriesNumber_SeriesDescription`, with `_<label>` appended for a series split by echo,
/// temporal position or acquisition (`_e2`, `_t3`, `_a2`; see `DICOMSeriesGrouping`). Absent values read
/// `anonymous` (PatientID), `nodate`, `0` (SeriesNumber); an absent description is left out.
///
/// **Sanitizing**, per path component: every character outside `A–Z a–z 0–9 . _ -` becomes `_`, runs of `_` become
/// one, leading and trailing `_ . -` are removed (no hidden files, no `..`, nothing read as an option), then the
/// component is cut to 64 characters; an empty result takes the fallback above (`unnamed` for a directory).
///
/// **Collisions**, compared case-insensitively (ids are file names on case-insensitive file systems too): every
/// series whose id another series also has gets `_` + the first 8 hex digits of
/// SHA-256(SeriesInstanceUID + "\n" + split key) appended — a deterministic suffix that no file order changes.
///
/// **Hashed** (`case_id: hashed`): `dicom-` + the first 16 hex digits of
/// SHA-256(salt + "\n" + SeriesInstanceUID + "\n" + split key), with the salt from the pipeline. No patient
/// identifier, date, description or directory name reaches the id.
package struct DICOMCaseNaming: Sendable {
    package enum Mode: Sendable, Hashable {
        case readable
        case hashed(salt: String)
    }

    package var mode: Mode
    /// SHA-256 of the UTF-8 text, lowercase hex (the pipeline passes `SHA256Hasher.hexDigest(text:)`).
    package var digest: @Sendable (String) -> String

    package init(mode: Mode, digest: @escaping @Sendable (String) -> String) {
        self.mode = mode
        self.digest = digest
    }

    /// The longest a path component of an id gets (before a label or collision suffix).
    package static let componentLimit = 64

    /// One id per group, in `groups`' order; `root` is the input directory the groups' directories are under.
    package func ids(for groups: [DICOMSeriesGroup], root: String) -> [String] {
        if case .hashed(let salt) = mode {
            return groups.map { "dicom-" + digest(salt + "\n" + $0.seriesInstanceUID + "\n" + $0.splitKey).prefix(16) }
        }
        let relatives = groups.map { Self.relative($0.directory, to: root) }
        let perDirectory = Dictionary(grouping: relatives, by: { $0 }).mapValues(\.count)
        var ids = zip(groups, relatives).map { group, relative in
            if !relative.isEmpty, perDirectory[relative] == 1 {
                return relative.split(separator: "/").map { Self.sanitize(String($0), fallback: "unnamed") }
                    .joined(separator: "/")
            }
            return Self.readable(group)
        }
        let counts = Dictionary(grouping: ids, by: { $0.lowercased() }).mapValues(\.count)
        for index in ids.indices where counts[ids[index].lowercased()]! > 1 {
            ids[index] += "_" + digest(groups[index].seriesInstanceUID + "\n" + groups[index].splitKey).prefix(8)
        }
        return ids
    }

    /// `PatientID/StudyDate_SeriesNumber_Description[_label]`, sanitized.
    static func readable(_ group: DICOMSeriesGroup) -> String {
        let header = group.first
        let patient = sanitize(header.patientID ?? "", fallback: "anonymous")
        let parts = [sanitize(header.studyDate ?? "", fallback: "nodate"), header.seriesNumber.map(String.init) ?? "0",
                     sanitize(header.seriesDescription ?? "", fallback: "")]
        let name = sanitize(parts.filter { !$0.isEmpty }.joined(separator: "_"), fallback: "series")
        return patient + "/" + name + (group.label.isEmpty ? "" : "_" + group.label)
    }

    /// `text` as one safe path component (rules above).
    package static func sanitize(_ text: String, fallback: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let safe = scalar.isASCII && (scalar.properties.isAlphabetic || ("0" ... "9").contains(scalar)
                                          || scalar == "." || scalar == "-" || scalar == "_")
            let character: Character = safe ? Character(scalar) : "_"
            if character == "_", out.last == "_" { continue }
            out.append(character)
        }
        let trim: Set<Character> = ["_", ".", "-"]
        func trimmed(_ text: String) -> String {
            var characters = Array(text)
            while let first = characters.first, trim.contains(first) { characters.removeFirst() }
            while let last = characters.last, trim.contains(last) { characters.removeLast() }
            return String(characters)
        }
        let result = trimmed(String(trimmed(out).prefix(componentLimit)))
        return result.isEmpty ? fallback : result
    }

    /// `directory` relative to `root` ("" when it is the root or not under it).
    static func relative(_ directory: String, to root: String) -> String {
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        guard directory.hasPrefix(base + "/") else { return "" }
        return String(directory.dropFirst(base.count + 1))
    }
}
