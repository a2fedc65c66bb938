import ArgumentParser
import Foundation
import MedPrepCore
import MedPrepPipeline
import MedPrepReport

/// `medprep check PIPELINE|DIR [--json]`: the dataset's integrity and fingerprint (`DatasetCheck`).
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a dataset's integrity and fingerprint it: per-case geometry, labels and non-finite voxels; "
            + "orientations, spacing/shape percentiles, foreground intensities, label classes, nnU-Net's target spacing.",
        discussion: """
        The argument is a pipeline file (its input directory, include/exclude, channel and label patterns) or a \
        directory (the default include patterns; labels with --label). Exit codes: 0 no problem; 1 problems \
        (each listed: unreadable file, grid mismatch, non-finite voxels, non-integer labels, missing label or \
        channel, channel-count mismatch, mixed orientations without an orient stage, no input); 2 invalid pipeline \
        or usage.
        """
    )

    @Argument(help: "A pipeline YAML file or a directory of scans.")
    var target: String

    @Option(help: ArgumentHelp("With a directory: the label map path pattern with one {case}, as input.labels (relative to the current directory).",
                               valueName: "pattern"))
    var label: String?

    @Flag(help: "Print the report as one JSON object (documented in the README).")
    var json = false

    @Option(help: "Refuse scans with more voxels (all channels) than this (a pipeline's limits.max_voxels otherwise).")
    var maxVoxels: Int?

    func run() throws {
        let input = try checkInput()
        let report: CheckReport
        do {
            report = try DatasetCheck(input).run()
        } catch let error as MedPrepError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitStatus.someInputsFailed
        }
        if json {
            print(String(decoding: try ReportJSON.encoder().encode(report), as: UTF8.self))
        } else {
            print(report.text)
        }
        if !report.problems.isEmpty { throw ExitStatus.someInputsFailed }
    }

    /// The pipeline's input, or the directory's.
    func checkInput() throws -> CheckInput {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) else {
            throw ValidationError("\(target): no such pipeline file or directory")
        }
        if isDirectory.boolValue {
            let base = PathResolution.currentDirectory
            do {
                return try CheckInput(directory: PathResolution.absolute(target, base: base),
                                      labels: label.map { PathResolution.absolute($0, base: base) },
                                      maxVoxels: maxVoxels ?? DecodeLimits.defaultMaxVoxels)
            } catch let error as MedPrepError {
                throw ValidationError(error.description)
            }
        }
        if label != nil { throw ValidationError("--label is for a directory; a pipeline declares its labels in input.labels") }
        do {
            var input = try CheckInput(pipeline: ResolvedPipeline(PipelineParser.load(path: target, checkFilesystem: true)))
            if let maxVoxels { input.maxVoxels = maxVoxels }
            return input
        } catch let issues as PipelineIssues {
            FileHandle.standardError.write(Data("\(issues.description)\n".utf8))
            throw ExitStatus.usage
        } catch let error as MedPrepError {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitStatus.usage
        }
    }
}
