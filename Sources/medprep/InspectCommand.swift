import ArgumentParser
import Foundation
import MedPrepCore
import MedPrepDecode
import MedPrepNormalize

/// `medprep inspect FILE... [--json]`: what each file holds and what medprep decodes from it.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show format, shape [C, D, H, W], stored type, spacing, affine and intensity statistics of scans.",
        discussion: "Exit code 0 when every file was read, 1 when any file could not be read (the others are still shown)."
    )

    @Argument(help: "PNG, TIFF or NIfTI files (.nii, .nii.gz, .hdr/.img).")
    var files: [String]

    @Flag(help: "Print one JSON array with an object per file.")
    var json = false

    @Option(help: "Refuse scans with more voxels (all channels) than this.")
    var maxVoxels: Int = DecodeLimits.defaultMaxVoxels

    func run() throws {
        let reader = ScanReader(limits: DecodeLimits(maxVoxels: maxVoxels))
        var entries: [[String: Any]] = []
        var failed = false
        for path in files {
            do {
                let scan = try reader.read(path: path)
                let entry = Self.describe(scan)
                entries.append(entry)
                if !json { print(Self.text(entry)) }
            } catch {
                failed = true
                let message = (error as? MedPrepError)?.at(path).description ?? "\(path): \(error)"
                entries.append(["path": path, "error": message])
                if !json { FileHandle.standardError.write(Data("error: \(message)\n".utf8)) }
            }
        }
        if json {
            print(try JSONOutput.string(entries))
        }
        if failed { throw ExitStatus.someInputsFailed }
    }

    /// The inspect record of one decoded scan (the keys of `--json`).
    static func describe(_ scan: Scan) -> [String: Any] {
        let moments = scan.tensor.storage.withUnsafeBufferPointer { Moments.of($0, nonFinite: .ignore) }
        var entry: [String: Any] = [
            "path": scan.path,
            "format": scan.header.format.rawValue,
            "shape": scan.tensor.shape.sampleDimensions,
            "dtype": scan.header.dataType,
            "bits_per_sample": scan.header.bitsPerSample,
            // A hostile header can carry NaN/Inf pixdim or quaternions: JSON has no such numbers (null instead).
            "spacing": scan.geometry.spacing.map(JSONOutput.number),
            "affine": scan.geometry.affine.rows.map { $0.map(JSONOutput.number) },
            "affine_source": scan.geometry.affineSource.rawValue,
            "min": JSONOutput.number(moments.min),
            "max": JSONOutput.number(moments.max),
            "mean": JSONOutput.number(moments.mean),
            "std": JSONOutput.number(moments.std),
            "nonfinite": moments.nonFinite,
        ]
        if let scaling = scan.header.scaling {
            entry["scaling"] = ["slope": scaling.slope, "intercept": scaling.intercept]
        } else {
            entry["scaling"] = NSNull()
        }
        return entry
    }

    static func text(_ entry: [String: Any]) -> String {
        let affine = (entry["affine"] as? [[Any]] ?? []).map { row in
            "    [" + row.map { ($0 as? Double).map { String(format: "%10.4f", $0) } ?? "       nan" }.joined(separator: " ") + "]"
        }.joined(separator: "\n")
        let scaling = (entry["scaling"] as? [String: Double]).map { "slope \($0["slope"]!), intercept \($0["intercept"]!)" } ?? "none"
        func value(_ key: String) -> String { "\(entry[key] ?? "-")" }
        return """
        \(value("path"))
          format    \(value("format")) (\(value("dtype")), \(value("bits_per_sample")) bits)
          shape     \(value("shape")) [C, D, H, W]
          spacing   \(value("spacing"))
          scaling   \(scaling)
          affine    from \(value("affine_source"))
        \(affine)
          values    min \(value("min"))  max \(value("max"))  mean \(value("mean"))  std \(value("std"))
        """
    }
}
