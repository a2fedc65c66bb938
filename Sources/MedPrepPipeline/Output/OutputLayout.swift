import Foundation
import MedPrepCore
import MedPrepWrite

/// Every path a run writes, relative to the output directory, known before anything is written.
///
/// - A case `ID` writes `ID<suffix>` for each volume format (`ID.nii.gz` or `.nii`, `ID.npy`), and its label map to
///   `labels/ID.nii.gz` (or `.nii`) when any volume is written.
/// - With `batches: npy` the directory `batches/` (`batches/shard-K-of-N/` in a sharded run) holds the batch files,
///   their label files (`batch_NNNNN_labels.npy`, when the pipeline has labels) and `index.csv`; it is reserved.
/// - Reports are `report.json`, `report.html`, `groups.csv` (`report.shard-K-of-N.json`…) at the top level.
/// - `.medprep/` holds the lock, the state store and caches, and is reserved.
///
/// The rule: no two cases, and no case and the run, claim one path, and no claimed path is a directory that
/// another claimed path lies in. A case that would break it fails (with the other claimant and the path named)
/// before anything is written; the other cases are processed.
struct OutputLayout {
    var volumes: VolumeFormats
    var compression: VolumeCompression
    var batches: BatchFormat
    var reports: [ReportFormat]
    var shard: Shard?

    init(_ pipeline: ResolvedPipeline, shard: Shard?) {
        volumes = pipeline.volumes
        compression = pipeline.compression
        batches = pipeline.batches
        reports = pipeline.reports
        self.shard = shard
    }

    /// One per-case output file: where it goes, which writer writes it, and whether it holds the label map.
    struct VolumeFile: Sendable {
        var path: String
        var writer: any VolumeWriter
        var isLabel: Bool
    }

    /// The volume outputs of case `caseID` (with its label map when `hasLabel`), in the order they are written:
    /// one per format of `volumes`, then the label map (`VolumeWriters.labels`) when any volume is written.
    func volumeFiles(caseID: String, hasLabel: Bool) -> [VolumeFile] {
        let compressed = compression == .gzip
        var files = volumes.writers(compressed: compressed).map {
            VolumeFile(path: caseID + $0.suffix, writer: $0, isLabel: false)
        }
        if hasLabel, !files.isEmpty {
            let writer = VolumeWriters.labels(compressed: compressed)
            files.append(VolumeFile(path: "labels/" + caseID + writer.suffix, writer: writer, isLabel: true))
        }
        return files
    }

    /// `batches`, or `batches/shard-K-of-N` in a sharded run (batches are formed within the shard).
    var batchDirectory: String { shard.map { "batches/" + $0.name } ?? "batches" }

    func batchFile(_ index: Int) -> String { batchDirectory + String(format: "/batch_%05d.npy", index) }

    /// The label maps of batch `index`, beside its batch file: `batch_NNNNN_labels.npy`.
    func labelBatchFile(_ index: Int) -> String { batchDirectory + String(format: "/batch_%05d_labels.npy", index) }

    var batchIndex: String { batchDirectory + "/index.csv" }

    /// The report file of `format`: `report.json`, `groups.csv`, `report.html`, or `report.shard-K-of-N.json`…
    /// in a sharded run.
    func reportFile(_ format: ReportFormat) -> String {
        let (stem, fileExtension) = switch format {
        case .json: ("report", "json")
        case .csv: ("groups", "csv")
        case .html: ("report", "html")
        }
        return stem + (shard.map { "." + $0.name } ?? "") + "." + fileExtension
    }

    /// Paths and directories that belong to the run itself, with what they are for.
    var reserved: [(path: String, use: String)] {
        var reserved = [(path: ".medprep", use: "the run's state directory")]
        if batches == .npy { reserved.append((path: "batches", use: "the batch directory (batches: npy)")) }
        reserved += reports.map { (path: reportFile($0), use: "a report of the run") }
        return reserved
    }

    /// The cases whose outputs collide with another case's or with the run's own paths, each with the reason.
    ///
    /// Both (all) claimants of a shared path fail. In a sharded run `cases` must be every case of the input, not
    /// only the shard's, since shards write one tree. Linear in the number of outputs: only the paths that break
    /// the rule are sorted (a case's first reason in path order is the one reported).
    func collisions(_ cases: [InputCase], outputDirectory: String) -> [String: MedPrepError] {
        var claims = [String: [Int]]()
        claims.reserveCapacity(cases.count * max(1, volumes.writers(compressed: compression == .gzip).count))
        for (index, input) in cases.enumerated() {
            for file in volumeFiles(caseID: input.id, hasLabel: input.labelPath != nil) {
                claims[file.path, default: []].append(index)
            }
        }
        let reserved = reserved
        let reservedPaths = Set(reserved.map(\.path)), reservedPrefixes = reserved.map { $0.path + "/" }
        let broken = claims.keys.filter { path in
            claims[path]!.count > 1 || reservedPaths.contains(path) || reservedPrefixes.contains { path.hasPrefix($0) }
                || Self.parents(of: path).contains { claims[$0] != nil }
        }
        var failures = [String: MedPrepError]()
        func fail(_ index: Int, _ reason: String) {
            let input = cases[index]
            guard failures[input.id] == nil else { return }
            failures[input.id] = MedPrepError(.outputConflict, path: input.paths.first ?? input.id, reason: reason
                + "; rename or move the input, or leave it out with input.exclude")
        }
        func names(_ indices: [Int]) -> [String] { indices.map { cases[$0].relativePaths.joined(separator: "+") } }
        let fix = "\(outputDirectory)/"
        for path in broken.sorted() {
            let claimants = claims[path]!
            if claimants.count > 1 {
                for index in claimants {
                    let others = names(claimants.filter { cases[$0].id != cases[index].id })
                    fail(index, "its output \(fix)\(path) is also the output of \(others.joined(separator: ", "))")
                }
            }
            for item in reserved where path == item.path || path.hasPrefix(item.path + "/") {
                claimants.forEach { fail($0, "its output \(fix)\(path) lies in \(item.path), \(item.use)") }
            }
            for parent in Self.parents(of: path) {
                guard let owners = claims[parent] else { continue }
                let shown = names(owners).joined(separator: ", ")
                claimants.forEach { fail($0, "its output \(fix)\(path) needs a directory where \(shown) writes the file \(parent)") }
                owners.forEach { fail($0, "its output \(fix)\(parent) would be a file where \(path) needs a directory") }
            }
        }
        return failures
    }

    /// The directories `path` lies in, innermost first (`a/b/c` → `a/b`, `a`).
    static func parents(of path: String) -> [String] {
        var result = [String]()
        var end = path.utf8.endIndex
        while let slash = path.utf8[..<end].lastIndex(of: UInt8(ascii: "/")) {
            if slash > path.utf8.startIndex { result.append(String(path[..<slash])) }
            end = slash
        }
        return result
    }
}
