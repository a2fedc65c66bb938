import ArgumentParser
import Foundation
import MedPrepCore
import MedPrepDecode
import MedPrepReport

/// `medprep inspect FILE... [--json]`: what each file holds and what medprep decodes from it.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show format, shape [C, D, H, W], stored type, spacing, affine and intensity statistics of scans.",
        discussion: "Exit code 0 when every file was read, 1 when any file could not be read (the others are still shown)."
    )

    @Argument(help: "PNG, TIFF, NIfTI (.nii, .nii.gz, .hdr/.img) or DICOM files.")
    var files: [String]

    @Flag(help: "Print one JSON array with an object per file (an unreadable file gives {\"path\", \"error\"}).")
    var json = false

    @Option(help: "Refuse scans with more voxels (all channels) than this.")
    var maxVoxels: Int = DecodeLimits.defaultMaxVoxels

    func run() throws {
        let reader = ScanReader(limits: DecodeLimits(maxVoxels: maxVoxels))
        var entries: [InspectEntry] = []
        for path in files {
            do {
                let summary = ScanSummary(try reader.read(path: path))
                entries.append(.scan(summary))
                if !json { print(summary.text) }
            } catch {
                let failure = MedPrepError.wrap(error, path: path)
                entries.append(.failure(path: path, error: failure))
                if !json { FileHandle.standardError.write(Data("error: \(failure)\n".utf8)) }
            }
        }
        if json {
            print(String(decoding: try ReportJSON.encoder().encode(entries), as: UTF8.self))
        }
        if entries.contains(where: { if case .failure = $0 { return true } else { return false } }) {
            throw ExitStatus.someInputsFailed
        }
    }
}
