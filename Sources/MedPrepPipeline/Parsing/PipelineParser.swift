import Foundation
import MedPrepCore
import MedPrepWrite
import Yams

/// Reads pipeline files (YAML, format version 1) into `PipelineSpec`, reporting every problem with its position.
///
/// Only data is read: stage and method names come from closed registries, YAML tags are not interpreted, and
/// relative paths resolve against the pipeline file's directory.
public enum PipelineParser {
    static let topLevelKeys = ["version", "name", "input", "stages", "batch", "output", "limits"]
    static let inputKeys = ["directory", "include", "exclude", "channels", "labels", "missing", "align", "tolerance",
                            "case_id", "case_id_salt_file"]
    static let toleranceKeys = ["mm", "direction"]
    static let outputKeys = ["directory", "volumes", "compression", "batches", "reports", "thumbnails"]

    /// Reads (`PipelineFile.read`: at most 1 MiB of strict UTF-8) and parses the pipeline file at `path`.
    /// - Throws: `MedPrepError` if the file cannot be read, is too large or is not UTF-8; `PipelineIssues` if it
    ///   has problems.
    public static func load(path: String, checkFilesystem: Bool = true) throws -> PipelineSpec {
        try parse(text: PipelineFile.read(path: path), path: path, checkFilesystem: checkFilesystem)
    }

    /// Parses pipeline text; `path` names the file in issues and anchors relative paths. Text over
    /// `PipelineFile.maxBytes`, with YAML anchors or aliases, or with more than 100,000 nodes is refused before
    /// any node is composed (`YAMLEventScan`).
    /// - Throws: `PipelineIssues` with every problem found.
    public static func parse(text: String, path: String, checkFilesystem: Bool = false) throws -> PipelineSpec {
        let (spec, issues) = read(text: text, path: path, checkFilesystem: checkFilesystem)
        guard issues.isEmpty, let spec else { throw PipelineIssues(issues) }
        return spec
    }

    /// Every problem in pipeline text (empty when it is valid). With `checkFilesystem`, also checks that the
    /// input directory and a dataset statistics file exist.
    public static func validate(text: String, path: String, checkFilesystem: Bool = false) -> [PipelineIssue] {
        read(text: text, path: path, checkFilesystem: checkFilesystem).issues
    }

    static func read(text: String, path: String, checkFilesystem: Bool) -> (spec: PipelineSpec?, issues: [PipelineIssue]) {
        let size = text.utf8.count
        if size > PipelineFile.maxBytes {
            return (nil, [PipelineIssue(file: path, at: SourceLocation(line: 1, column: 1), found: "\(size) bytes of pipeline text",
                                        expected: "at most \(PipelineFile.maxBytes) bytes")])
        }
        if let issue = YAMLEventScan.problem(in: text, file: path) {
            return (nil, [issue])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            return (nil, [syntaxIssue(error, file: path)])
        }
        let start = SourceLocation(line: 1, column: 1)
        guard let root else {
            let issue = PipelineIssue(file: path, at: start, found: "an empty document",
                                      expected: "a mapping with version, name, input, stages, output")
            return (nil, [issue])
        }
        let baseDirectory = PathResolution.absolute((path as NSString).deletingLastPathComponent,
                                                    base: PathResolution.currentDirectory)
        var reader = NodeReader(file: path)
        guard let top = reader.fields(root, path: "", name: "the pipeline", at: NodeReader.location(root),
                                      allowed: topLevelKeys, required: ["version", "name", "input", "stages", "output"]) else {
            return (nil, reader.issues)
        }
        if let node = top["version"], let version = reader.int(node, name: "version"), version != PipelineSpec.currentVersion {
            reader.report(node, found: "version \(version)", expected: "\(PipelineSpec.currentVersion)")
        }
        let name = top["name"].flatMap { readName($0, reader: &reader) }
        let input = top["input"].flatMap { readInput($0, at: top.location(of: "input"), reader: &reader) }
        var stageLocations = [SourceLocation]()
        let stages = top["stages"].flatMap { StageParser.readStages($0, reader: &reader, locations: &stageLocations) }
        let batch = reader.optional(top["batch"], default: BatchSpec()) { readBatch($1, at: top.location(of: "batch"), reader: &$0) }
        let output = top["output"].flatMap { readOutput($0, at: top.location(of: "output"), reader: &reader) }
        let limits = reader.optional(top["limits"], default: LimitsSpec()) { readLimits($1, at: top.location(of: "limits"), reader: &$0) }

        guard reader.issues.isEmpty, let name, let input, let stages, let batch, let output, let limits else {
            return (nil, reader.issues)
        }
        let spec = PipelineSpec(name: name, input: input, stages: stages, batch: batch, output: output, limits: limits,
                                file: path, baseDirectory: baseDirectory,
                                sourceMap: SourceMap(stages: stageLocations, keys: reader.keyLocations))
        var issues = checkPaths(spec) + checkStageOrder(spec)
        if checkFilesystem { issues += checkFiles(spec) }
        return (issues.isEmpty ? spec : nil, issues)
    }

    static func syntaxIssue(_ error: Error, file: String) -> PipelineIssue {
        var location = SourceLocation(line: 1, column: 1)
        var problem = "\(error)"
        if let yamlError = error as? YamlError {
            switch yamlError {
            case .scanner(_, let text, let mark, _), .parser(_, let text, let mark, _), .composer(_, let text, let mark, _):
                location = SourceLocation(line: mark.line, column: mark.column)
                problem = text
            case .duplicatedKeysInMapping(let duplicates, let context):
                location = SourceLocation(line: context.mark.line, column: context.mark.column)
                problem = "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", "))"
            case .reader(let text, _, _, _):
                problem = text
            default:
                break
            }
        }
        return PipelineIssue(file: file, at: location, found: "invalid YAML (\(problem))", expected: "well-formed YAML")
    }

    static func readName(_ node: Node, reader: inout NodeReader) -> String? {
        guard let name = reader.nonEmptyString(node, name: "name") else { return nil }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard name.allSatisfy({ allowed.contains($0) }), !name.hasPrefix(".") else {
            reader.report(node, found: "name '\(name)'", expected: "letters, digits, '.', '_', '-' (not starting with '.')")
            return nil
        }
        return name
    }

    static func readInput(_ node: Node, at location: SourceLocation, reader: inout NodeReader) -> InputSpec? {
        guard let fields = reader.fields(node, path: "input", name: "input", at: location,
                                         allowed: inputKeys, required: ["directory"]) else { return nil }
        let directory = fields["directory"].flatMap { reader.nonEmptyString($0, name: "input.directory") }
        let include = reader.optional(fields["include"], default: InputSpec.defaultInclude) { readPatterns($1, name: "input.include", reader: &$0) }
        let exclude = reader.optional(fields["exclude"], default: []) { readPatterns($1, name: "input.exclude", reader: &$0) }
        var channels: String?
        if let node = fields["channels"], let pattern = reader.nonEmptyString(node, name: "input.channels") {
            if let problem = ChannelPattern.problem(in: pattern) {
                reader.report(node, found: "channels pattern '\(pattern)' \(problem)",
                              expected: "a file name pattern with {case} and {channel} or {channel:N}, e.g. {case}_{channel:4}.nii.gz")
            } else {
                channels = pattern
            }
        }
        var labels: String?
        if let node = fields["labels"], let pattern = reader.nonEmptyString(node, name: "input.labels") {
            if !LabelPattern.isValid(pattern) {
                reader.report(node, found: "labels pattern '\(pattern)'", expected: LabelPattern.expected)
            } else {
                labels = pattern
            }
        }
        let missing = reader.optional(fields["missing"], default: MissingInputPolicy.fail) {
            $0.choice($1, name: "input.missing", as: MissingInputPolicy.self)
        }
        let align = reader.optional(fields["align"], default: GridAlignment.check) {
            $0.choice($1, name: "input.align", as: GridAlignment.self)
        }
        let tolerance = reader.optional(fields["tolerance"], default: GridTolerance.standard) {
            readTolerance($1, at: fields.location(of: "tolerance"), reader: &$0)
        }
        let caseID = reader.optional(fields["case_id"], default: CaseIDMode.readable) {
            $0.choice($1, name: "input.case_id", as: CaseIDMode.self)
        }
        let saltFile = fields["case_id_salt_file"].flatMap { reader.nonEmptyString($0, name: "input.case_id_salt_file") }
        if caseID == .hashed, fields["case_id_salt_file"] == nil, let node = fields["case_id"] {
            reader.report(node, found: "case_id: hashed without input.case_id_salt_file",
                          expected: "input.case_id_salt_file: the path of a file holding a secret salt (kept out of the "
                              + "pipeline file and the output directory; e.g. `openssl rand -hex 32 > salt.txt`)")
        }
        if caseID != .hashed, let node = fields["case_id_salt_file"] {
            reader.report(node, found: "input.case_id_salt_file without case_id: hashed", expected: "case_id: hashed, or no salt file")
        }
        guard let directory, let include, let exclude, let missing, let align, let tolerance, let caseID else { return nil }
        return InputSpec(directory: directory, include: include, exclude: exclude, channels: channels, labels: labels,
                         missing: missing, align: align, tolerance: tolerance, caseID: caseID, caseIDSaltFile: saltFile)
    }

    /// `input.tolerance: {mm: 0.001, direction: 0.0001}`: each key optional, a finite number ≥ 0.
    static func readTolerance(_ node: Node, at location: SourceLocation, reader: inout NodeReader) -> GridTolerance? {
        guard let fields = reader.fields(node, path: "input.tolerance", name: "input.tolerance", at: location,
                                         allowed: toleranceKeys) else { return nil }
        let standard = GridTolerance.standard
        let read = { (reader: inout NodeReader, key: String, fallback: Double) -> Double? in
            guard let node = fields[key] else { return fallback }
            guard let value = reader.number(node, name: "input.tolerance.\(key)") else { return nil }
            guard value >= 0 else {
                reader.report(node, found: "input.tolerance.\(key) \(value)", expected: "a number ≥ 0")
                return nil
            }
            return value
        }
        let mm = read(&reader, "mm", standard.translationMM)
        let direction = read(&reader, "direction", standard.direction)
        guard let mm, let direction else { return nil }
        return GridTolerance(translationMM: mm, direction: direction)
    }

    static func readPatterns(_ node: Node, name: String, reader: inout NodeReader) -> [String]? {
        reader.list(node, name: name) { reader, item in
            guard let pattern = reader.nonEmptyString(item, name: "a pattern in \(name)") else { return nil }
            if let problem = GlobPattern.problem(in: pattern) {
                reader.report(item, found: "pattern '\(pattern)' \(problem)", expected: "a relative glob pattern (**, *, ?, {a,b})")
                return nil
            }
            return pattern
        }
    }

    static func readBatch(_ node: Node, at location: SourceLocation, reader: inout NodeReader) -> BatchSpec? {
        guard let fields = reader.fields(node, path: "batch", name: "batch", at: location, allowed: ["size"]) else { return nil }
        guard let sizeNode = fields["size"] else { return BatchSpec() }
        return reader.positiveInt(sizeNode, name: "batch.size").map { BatchSpec(size: $0) }
    }

    static func readOutput(_ node: Node, at location: SourceLocation, reader: inout NodeReader) -> OutputSpec? {
        guard let fields = reader.fields(node, path: "output", name: "output", at: location,
                                         allowed: outputKeys, required: ["directory"]) else { return nil }
        let directory = fields["directory"].flatMap { reader.nonEmptyString($0, name: "output.directory") }
        let volumes = reader.optional(fields["volumes"], default: VolumeFormats.nifti) { readVolumes($1, reader: &$0) }
        let compression = reader.optional(fields["compression"], default: VolumeCompression.gzip) {
            $0.choice($1, name: "output.compression", as: VolumeCompression.self)
        }
        let batches = reader.optional(fields["batches"], default: BatchFormat.none) {
            $0.choice($1, name: "output.batches", as: BatchFormat.self)
        }
        let reports = reader.optional(fields["reports"], default: [ReportFormat.json]) { reader, node in
            reader.list(node, name: "output.reports") { reader, item in
                reader.choice(item, name: "a report format", as: ReportFormat.self)
            }
        }
        let thumbnails = reader.optional(fields["thumbnails"], default: OutputSpec.defaultThumbnails) {
            readThumbnails($1, reader: &$0)
        }
        guard let directory, let volumes, let compression, let batches, let reports, let thumbnails else { return nil }
        return OutputSpec(directory: directory, volumes: volumes, compression: compression, batches: batches, reports: reports,
                          thumbnails: thumbnails)
    }

    /// `output.thumbnails`: an integer from 0 to `maxThumbnails` (pictures are kept in memory until the report).
    static func readThumbnails(_ node: Node, reader: inout NodeReader) -> Int? {
        guard let value = reader.int(node, name: "output.thumbnails") else { return nil }
        guard (0 ... maxThumbnails).contains(value) else {
            reader.report(node, found: "output.thumbnails \(value)", expected: "an integer from 0 to \(maxThumbnails)")
            return nil
        }
        return value
    }

    /// The most cases `output.thumbnails` may ask pictures of.
    static let maxThumbnails = 1000

    /// `output.volumes`: a list of format names, or one word (a format's name, `both`, `none`).
    static func readVolumes(_ node: Node, reader: inout NodeReader) -> VolumeFormats? {
        guard case .sequence = node else {
            return reader.choice(node, name: "output.volumes", among: VolumeFormats.words.map(\.word))
                .flatMap(VolumeFormats.init(word:))
        }
        return reader.list(node, name: "output.volumes") { reader, item in
            reader.choice(item, name: "a volume format", among: VolumeWriters.names)
        }.flatMap { VolumeFormats($0) }
    }

    static func readLimits(_ node: Node, at location: SourceLocation, reader: inout NodeReader) -> LimitsSpec? {
        guard let fields = reader.fields(node, path: "limits", name: "limits", at: location, allowed: ["max_voxels"]) else { return nil }
        guard let node = fields["max_voxels"] else { return LimitsSpec() }
        return reader.positiveInt(node, name: "limits.max_voxels").map { LimitsSpec(maxVoxels: $0) }
    }

    /// The output directory must not overlap a directory the run reads (`RunPaths`).
    static func checkPaths(_ spec: PipelineSpec) -> [PipelineIssue] {
        RunPaths.issues(spec.resolved())
    }

    /// A pipeline normalizes at most once, as its last stage (normalization needs the whole batch at once,
    /// while every other stage works per scan).
    static func checkStageOrder(_ spec: PipelineSpec) -> [PipelineIssue] {
        var issues = [PipelineIssue]()
        for (index, stage) in spec.stages.enumerated() where index < spec.stages.count - 1 {
            if stage.normalize != nil {
                issues.append(PipelineIssue(file: spec.file, at: spec.sourceMap.stage(index),
                                            found: "normalize as stage \(index + 1) of \(spec.stages.count)",
                                            expected: "normalize as the last stage"))
            }
        }
        return issues
    }

    /// File system checks: the input directory exists and the files stages read (dataset statistics) exist.
    static func checkFiles(_ spec: PipelineSpec) -> [PipelineIssue] {
        var issues = [PipelineIssue]()
        let input = PathResolution.absolute(spec.input.directory, base: spec.baseDirectory)
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) || !isDirectory.boolValue {
            issues.append(PipelineIssue(file: spec.file, at: spec.sourceMap.location("input.directory"),
                                        found: "no directory at \(input)", expected: "an existing input directory"))
        }
        if let salt = spec.input.caseIDSaltFile {
            let absolute = PathResolution.absolute(salt, base: spec.baseDirectory)
            if let problem = CaseIDHashing.saltProblem(path: absolute) {
                issues.append(PipelineIssue(file: spec.file, at: spec.sourceMap.location("input.case_id_salt_file"),
                                            found: problem, expected: CaseIDHashing.saltExpected))
            }
        }
        for (index, stage) in spec.stages.enumerated() {
            for file in stage.stage.inputFiles {
                let absolute = PathResolution.absolute(file.path, base: spec.baseDirectory)
                if !FileManager.default.fileExists(atPath: absolute) {
                    let location = spec.sourceMap.keys["stages.\(index).\(file.key)"] ?? spec.sourceMap.stage(index)
                    issues.append(PipelineIssue(file: spec.file, at: location, found: "no file at \(absolute)",
                                                expected: file.expected))
                }
            }
        }
        return issues
    }
}
