import Foundation
import MedPrepCore
import MedPrepNormalize

/// Per-case dataset statistics of earlier runs, so that re-running a `method: dataset` pipeline (from cron, say)
/// decodes only the inputs that are new or changed instead of the whole dataset.
///
/// One JSON file per case in `<state directory>/statistics-cache/`, named by the SHA-256 of the case id, holding
/// the case's input files (path, size, mtime), a key, and the case's `DatasetStatistics`. An entry is used only
/// when the key (processing hash of the pipeline, foreground mask, non-finite policy, medprep version) and every
/// input's size and mtime match. Doubles round-trip exactly through JSON and sketches are integer counts, so
/// cached and recomputed statistics merge to the same bits.
package struct StatisticsCache: Sendable {
    package let directory: String
    package let key: String

    package init(directory: String, key: String) {
        self.directory = directory
        self.key = key
    }

    struct Entry: Codable {
        var key: String
        var inputs: [[String]]
        var statistics: DatasetStatistics
    }

    /// The cached statistics of `input`, if its files have not changed since they were stored.
    package func lookup(_ input: InputCase) -> DatasetStatistics? {
        guard let data = FileManager.default.contents(atPath: path(input)),
              let entry = try? JSONDecoder().decode(Entry.self, from: data),
              entry.key == key, let inputs = try? Self.fingerprint(input), entry.inputs == inputs else { return nil }
        return entry.statistics
    }

    /// Stores the statistics of `input` (best effort: a cache that cannot be written only costs a later decode).
    package func store(_ statistics: DatasetStatistics, for input: InputCase) {
        guard let inputs = try? Self.fingerprint(input),
              let data = try? JSONEncoder().encode(Entry(key: key, inputs: inputs, statistics: statistics)) else { return }
        try? AtomicFile.write(Array(data), to: path(input), durable: false)
    }

    func path(_ input: InputCase) -> String {
        Self.entryPath(directory: directory, caseID: input.id)
    }

    /// The entry file of case `caseID` in `directory`.
    static func entryPath(directory: String, caseID: String) -> String {
        directory + "/" + SHA256Hasher.hexDigest(text: caseID) + ".json"
    }

    /// Path, size and mtime (ns) of every file of the case (`InputCase.fingerprintedPaths`: all slices of a DICOM
    /// series).
    static func fingerprint(_ input: InputCase) throws -> [[String]] {
        try input.fingerprintedPaths.map { path in
            let (size, modified) = try InputFingerprint.status(of: path)
            return [path, String(size), String(modified)]
        }
    }
}
