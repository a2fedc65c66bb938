import ArgumentParser
import Foundation
import MedPrepCore
import MedPrepDecode
import MedPrepPipeline
import MedPrepReport

/// `medprep inspect PATH... [--json]`: what each file holds and what medprep decodes from it; for a directory, the
/// cases a run would make (DICOM series from their headers, `DirectoryListing`).
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show format, shape [C, D, H, W], stored type, spacing, affine and intensity statistics of scans; "
            + "for a directory, the cases a run would make (DICOM series from their headers).",
        discussion: """
        A file is decoded; a DICOM file also lists the series it makes on its own. A directory is discovered as a \
        run discovers it (--include, default: the formats' suffixes; use '**/*' for DICOM files without a suffix): \
        each DICOM series with its case id, slices, shape, spacing, axis codes, transfer syntax, modality, rescale \
        and the error that would fail it; every other file as a case of its own (not decoded); notes for what \
        discovery skips (non-image DICOM objects, …). Exit code 0 when every file was read and every listed case \
        would be read, 1 otherwise (the others are still shown).
        """
    )

    @Argument(help: "PNG, TIFF, NIfTI (.nii, .nii.gz, .hdr/.img) or DICOM files, or directories.")
    var paths: [String]

    @Flag(help: "Print one JSON array with an object per argument (an unreadable file gives {\"path\", \"error\"}).")
    var json = false

    @Option(parsing: .upToNextOption, help: "For a directory: glob patterns of the files to include.")
    var include: [String] = InputSpec.defaultInclude

    @Option(help: "Refuse scans with more voxels (all channels) than this.")
    var maxVoxels: Int = DecodeLimits.defaultMaxVoxels

    func run() throws {
        let reader = ScanReader(limits: DecodeLimits(maxVoxels: maxVoxels))
        var entries: [InspectOutput] = []
        var failed = false
        for path in paths {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                do {
                    let listing = try directoryListing(path)
                    failed = failed || listing.hasFailures
                    entries.append(.directory(listing))
                    if !json { print(listing.text) }
                } catch let error as MedPrepError {
                    failed = true
                    entries.append(.file(.failure(path: path, error: error), series: nil))
                    if !json { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }
                }
                continue
            }
            do {
                let summary = ScanSummary(try reader.read(path: path))
                let series = DICOMHeaderReader.isDICOM(path: path) ? try Self.series(ofFile: path) : nil
                entries.append(.file(.scan(summary), series: series))
                if !json { print(([summary.text] + (series ?? []).map(\.text)).joined(separator: "\n")) }
            } catch {
                let failure = MedPrepError.wrap(error, path: path)
                failed = true
                entries.append(.file(.failure(path: path, error: failure), series: nil))
                if !json { FileHandle.standardError.write(Data("error: \(failure)\n".utf8)) }
            }
        }
        if json {
            print(String(decoding: try ReportJSON.encoder().encode(entries), as: UTF8.self))
        }
        if failed { throw ExitStatus.someInputsFailed }
    }

    func directoryListing(_ path: String) throws -> DirectoryListing {
        let patterns = try include.map { text -> GlobPattern in
            guard let pattern = GlobPattern(text) else { throw ValidationError("invalid --include pattern \(text)") }
            return pattern
        }
        let absolute = PathResolution.absolute(path, base: PathResolution.currentDirectory)
        return try DirectoryListing(path: path, discovery: InputDiscovery(directory: absolute, include: patterns))
    }

    /// The series one DICOM file makes on its own (named as in a directory holding only it).
    static func series(ofFile path: String) throws -> [SeriesListing] {
        let header = try DICOMHeaderReader.read(path: path)
        let root = (path as NSString).deletingLastPathComponent
        let naming = DICOMCaseNaming(mode: .readable, digest: { SHA256Hasher.hexDigest(text: $0) })
        return DICOMSeriesAssembler.assemble([header], root: root, naming: naming).cases.map {
            SeriesListing(id: $0.id, group: $0.group, series: $0.series, root: root)
        }
    }
}

/// One entry of `medprep inspect --json`: a file's summary (with `"series"` for a DICOM file), or a directory's
/// listing (`"kind": "directory"`).
enum InspectOutput: Encodable {
    case file(InspectEntry, series: [SeriesListing]?)
    case directory(DirectoryListing)

    enum Keys: String, CodingKey { case series }

    func encode(to encoder: Encoder) throws {
        switch self {
        case .file(let entry, let series):
            try entry.encode(to: encoder)
            if let series {
                var c = encoder.container(keyedBy: Keys.self)
                try c.encode(series, forKey: .series)
            }
        case .directory(let listing):
            try listing.encode(to: encoder)
        }
    }
}
