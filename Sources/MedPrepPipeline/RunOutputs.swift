import Foundation
import MedPrepBatch
import MedPrepCore
import MedPrepDecode
import MedPrepNormalize
import MedPrepReport
import MedPrepWrite

/// Where a run writes: volumes, labels, batch files and their index, per-case group statistics, reports.
extension PipelineRunner {
    /// Writes the normalized volume(s) and the label map of one case; returns the files written (paths relative
    /// to the output directory).
    func writeVolumes(_ scan: Scan, label: Scan?, caseID: String) throws -> [OutputFile] {
        try layout.volumeFiles(caseID: caseID, hasLabel: label != nil).map { kind, relativePath in
            let volume = kind == .label ? label ?? scan : scan
            return try recordedOutput(relativePath) { path, observer in
                switch kind {
                case .nifti, .label:
                    try NIfTIWriter.write(volume.tensor, geometry: volume.geometry, to: path, durable: options.fsync, observer: observer)
                case .npy:
                    try NPYWriter.write(volume.tensor, to: path, durable: options.fsync, observer: observer)
                }
            }
        }
    }

    /// Writes one output at `relativePath` under the output directory with `write`, hashing the bytes as they are
    /// written (no read-back), and returns its record (path relative to the output directory, size, digest).
    func recordedOutput(_ relativePath: String,
                        _ write: (String, @escaping (UnsafeRawBufferPointer) -> Void) throws -> Void) throws -> OutputFile {
        let path = try pipeline.outputPath(relativePath)
        let hasher = ContentDigest()
        var size: Int64 = 0
        try write(path) { bytes in
            hasher.update(bytes)
            size += Int64(bytes.count)
        }
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw MedPrepError(.io, path: path, reason: "cannot stat the output just written: \(String(cString: strerror(errno)))")
        }
        return OutputFile(path: relative(path), size: size, digest: hasher.finalizeHex(),
                          modifiedNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    /// Deletes the temporary files (`.<name>.tmp-XXXXXX`, see `AtomicFile`) that a killed run left under the
    /// output directory. Only called while holding the lock, so no other run is writing them.
    func removeStaleTemporaries() {
        guard let walk = FileManager.default.enumerator(atPath: pipeline.outputDirectory) else { return }
        while let item = walk.nextObject() as? String {
            let name = (item as NSString).lastPathComponent
            guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards),
                  name[marker.upperBound...].count == 6 else { continue }
            unlink(pipeline.outputDirectory + "/" + item)
        }
    }

    func relative(_ path: String) -> String {
        path.hasPrefix(pipeline.outputDirectory + "/") ? String(path.dropFirst(pipeline.outputDirectory.count + 1)) : path
    }

    /// `batches/index.csv`: which case sits at which position of which batch file.
    func writeBatchIndex(_ units: [Unit]) throws {
        var text = "batch,file,position,case,inputs\n"
        for unit in units {
            for (position, input) in unit.cases.enumerated() {
                text += "\(unit.index),\(String(format: "batch_%05d.npy", unit.index)),\(position),\(CSV.field(input.id)),"
                    + CSV.field(input.relativePaths.joined(separator: "+")) + "\n"
            }
        }
        try AtomicFile.write(text: text, to: try pipeline.outputPath(batchDirectory + "/index.csv"))
    }

    /// `batches`, or `batches/shard-K-of-N` in a sharded run (batches are formed within the shard).
    var batchDirectory: String { layout.batchDirectory }

    /// Where this run's outputs go (`OutputLayout`).
    var layout: OutputLayout { OutputLayout(pipeline, shard: options.shard) }

    /// `<output>/.medprep`, or `<output>/.medprep/shard-K-of-N` in a sharded run: state store, lock, statistics cache.
    var stateDirectory: String {
        options.shard.map { pipeline.stateDirectory + "/" + $0.name } ?? pipeline.stateDirectory
    }

    /// Where earlier builds kept a case's group statistics (one file per case); read for records that do not hold
    /// them, and removed on prune.
    func legacyGroupsPath(caseID: String) -> String {
        stateDirectory + "/groups/" + SHA256.hexDigest(text: caseID) + ".json"
    }

    /// The JSON kept with a case's record (`OutputRecord.groupsJSON`).
    func groupsJSON(_ groups: [GroupStatistics]) throws -> String {
        String(decoding: try ReportJSON.encoder().encode(groups), as: UTF8.self)
    }

    /// The group statistics recorded for a case that is up to date.
    func groups(of record: OutputRecord?) -> [GroupStatistics] {
        guard let record else { return [] }
        let data = record.groupsJSON.map { Data($0.utf8) }
            ?? FileManager.default.contents(atPath: legacyGroupsPath(caseID: record.caseID))
        return data.flatMap { try? JSONDecoder().decode([GroupStatistics].self, from: $0) } ?? []
    }

    func writeReports(_ report: RunReport) throws -> [String] {
        var written: [String] = []
        for format in pipeline.reports {
            switch format {
            case .json:
                let path = try pipeline.outputPath(reportName("report", "json"))
                try AtomicFile.write(Array(try report.jsonData()), to: path)
                written.append(path)
            case .csv:
                let path = try pipeline.outputPath(reportName("groups", "csv"))
                try AtomicFile.write(text: GroupsCSV.render(report.groupRows), to: path)
                written.append(path)
            case .html:
                let path = try pipeline.outputPath(reportName("report", "html"))
                try AtomicFile.write(text: RunReportPage.render(report, title: "medprep run: \(pipeline.name)"), to: path)
                written.append(path)
            }
        }
        return written
    }

    /// `report.json`, or `report.shard-K-of-N.json` in a sharded run.
    func reportName(_ stem: String, _ fileExtension: String) -> String {
        layout.reportName(stem, fileExtension)
    }

    func parameters(_ plan: StagePlan) -> NormalizationParameters {
        guard let spec = plan.normalize else { return NormalizationParameters(method: "none", nonFinite: .error) }
        switch spec.method {
        case .groupNorm(let groups, let eps, let gamma, let beta):
            return NormalizationParameters(method: "groupnorm", groups: groups, eps: eps, gamma: gamma?.map(Float.init),
                                           beta: beta?.map(Float.init), nonFinite: spec.nonFinite)
        case .instance(let eps), .batchStats(let eps):
            return NormalizationParameters(method: spec.method.name, eps: eps, nonFinite: spec.nonFinite)
        case .dataset(_, _, let ctClip, _):
            return NormalizationParameters(method: ctClip ? "dataset-ct" : "dataset", nonFinite: spec.nonFinite)
        default:
            return NormalizationParameters(method: spec.method.name, nonFinite: spec.nonFinite)
        }
    }

    func openStore() throws -> StateStore? {
        if options.dryRun && !FileManager.default.fileExists(atPath: stateDirectory + "/state.sqlite") { return nil }
        let store = try StateStore(outputDirectory: pipeline.outputDirectory, stateDirectory: stateDirectory,
                                   durable: options.fsync, recoverDamaged: !options.dryRun)
        if let recovery = store.recovery { log.note(recovery) }
        return store
    }

    func readFile(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MedPrepError(.io, path: path, reason: "cannot read the statistics file")
        }
        return data
    }
}
