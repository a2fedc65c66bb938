import MedPrepCore

/// The canonical form of a pipeline: absolute paths, defaults filled in, report formats sorted.
///
/// `canonicalJSON` is stable (sorted keys, fixed number formatting), so `pipelineHash` is the same for files that
/// differ only in key order, comments, formatting or spelled-out defaults, and differs for any changed parameter.
public struct ResolvedPipeline: Hashable, Sendable {
    public var version: Int
    public var name: String
    /// Absolute, lexically normalized input directory.
    public var inputDirectory: String
    public var include: [String]
    public var exclude: [String]
    public var channelPattern: String?
    /// Absolute label path pattern with `{case}`, or nil.
    public var labelPattern: String?
    /// What an incomplete case is (`input.missing`).
    public var missing: MissingInputPolicy
    /// What a file off its case's grid is (`input.align`).
    public var align: GridAlignment
    /// The same-grid tolerance (`input.tolerance`).
    public var gridTolerance: GridTolerance
    /// `input.case_id`, and the absolute path of `input.case_id_salt_file` (the salt itself is read by discovery and
    /// is part of no hash or file medprep writes).
    public var caseID: CaseIDMode
    public var caseIDSaltFile: String?
    /// Stages with file paths (dataset statistics) made absolute.
    public var stages: [StageSpec]
    public var batchSize: Int
    /// Absolute, lexically normalized output directory: the only directory medprep writes into.
    public var outputDirectory: String
    public var volumes: VolumeFormats
    public var compression: VolumeCompression
    public var batches: BatchFormat
    public var reports: [ReportFormat]
    /// `output.thumbnails`: processed cases with pictures in `report.html`.
    public var thumbnails: Int
    public var maxVoxels: Int
    /// The pipeline file as the user named it, and where things were written (not part of the hash).
    public var file: String
    public var sourceMap: SourceMap

    public init(_ spec: PipelineSpec) {
        let base = spec.baseDirectory
        version = spec.version
        name = spec.name
        inputDirectory = PathResolution.absolute(spec.input.directory, base: base)
        include = spec.input.include
        exclude = spec.input.exclude
        channelPattern = spec.input.channels
        labelPattern = spec.input.labels.map { PathResolution.absolute($0, base: base) }
        missing = spec.input.missing
        align = spec.input.align
        gridTolerance = spec.input.tolerance
        caseID = spec.input.caseID
        caseIDSaltFile = spec.input.caseIDSaltFile.map { PathResolution.absolute($0, base: base) }
        stages = spec.stages.map { $0.resolvingPaths(base: base) }
        batchSize = spec.batch.size
        outputDirectory = PathResolution.absolute(spec.output.directory, base: base)
        volumes = spec.output.volumes
        compression = spec.output.compression
        batches = spec.output.batches
        reports = spec.output.reports
        thumbnails = spec.output.thumbnails
        maxVoxels = spec.limits.maxVoxels
        file = spec.file
        sourceMap = spec.sourceMap
    }

    /// The whole resolved pipeline as canonical JSON. `input.missing`, `input.align`, `input.tolerance`,
    /// `input.case_id` and `output.thumbnails` appear only when they are not the default (`fail`, `check`, 1e-3 mm
    /// and 1e-4, `readable`, 12), so pipelines written before these keys existed keep their JSON and `pipelineHash`.
    /// Neither the salt nor its file's path is part of it.
    public var canonicalJSON: String {
        var input: [String: CanonicalJSON] = [
            "directory": .string(inputDirectory),
            "include": .array(include.map { .string($0) }),
            "exclude": .array(exclude.map { .string($0) }),
            "channels": channelPattern.map { .string($0) } ?? .null,
            "labels": labelPattern.map { .string($0) } ?? .null,
        ]
        if missing != .fail { input["missing"] = .string(missing.rawValue) }
        if caseID != .readable { input["case_id"] = .string(caseID.rawValue) }
        input.merge(gridMembers) { _, new in new }
        var output: [String: CanonicalJSON] = [
            "directory": .string(outputDirectory),
            "volumes": volumes.canonicalJSON,
            "compression": .string(compression.rawValue),
            "batches": .string(batches.rawValue),
            "reports": .array(reports.map { .string($0.rawValue) }),
        ]
        if thumbnails != OutputSpec.defaultThumbnails { output["thumbnails"] = .int(thumbnails) }
        return CanonicalJSON.object([
            "version": .int(version),
            "name": .string(name),
            "input": .object(input),
            "stages": .array(stages.map(\.canonicalJSON)),
            "batch": .object(["size": .int(batchSize)]),
            "output": .object(output),
            "limits": .object(["max_voxels": .int(maxVoxels)]),
        ]).text
    }

    /// SHA-256 (hex) of `canonicalJSON`: identifies the pipeline in reports and run records.
    public var pipelineHash: String { SHA256Hasher.hexDigest(text: canonicalJSON) }

    /// `align` and `tolerance` when they are not the defaults (`check`; 1e-3 mm, 1e-4), else nothing.
    var gridMembers: [String: CanonicalJSON] {
        var members: [String: CanonicalJSON] = [:]
        if align != .check { members["align"] = .string(align.rawValue) }
        if gridTolerance != .standard {
            members["tolerance"] = .object(["mm": .double(gridTolerance.translationMM),
                                            "direction": .double(gridTolerance.direction)])
        }
        return members
    }

    /// SHA-256 (hex) of only what determines a case's output files: format version, stages, channel grouping,
    /// label pattern, volume format and compression, and `input.align` / `input.tolerance` when set. Changing the
    /// name, batching, reports, limits or the include/exclude lists leaves it unchanged, so the state store can
    /// keep finished cases.
    public var processingHash: String {
        var members: [String: CanonicalJSON] = [
            "version": .int(version),
            "stages": .array(stages.map(\.canonicalJSON)),
            "channels": channelPattern.map { .string($0) } ?? .null,
            "labels": labelPattern.map { .string($0) } ?? .null,
            "volumes": volumes.canonicalJSON,
            "compression": .string(compression.rawValue),
        ]
        members.merge(gridMembers) { _, new in new }
        return SHA256Hasher.hexDigest(text: CanonicalJSON.object(members).text)
    }

    /// Decode limits from `limits.max_voxels`.
    public var decodeLimits: DecodeLimits { DecodeLimits(maxVoxels: maxVoxels) }

    /// `<output>/.medprep`: state database and lock.
    public var stateDirectory: String { outputDirectory + "/.medprep" }

    /// The absolute path of output file `relative` (e.g. `sub/case1.nii.gz`), guaranteed to lie under
    /// `outputDirectory`.
    /// - Throws: `MedPrepError(.invalidArgument)` for an empty or absolute path or one with `..` components.
    public func outputPath(_ relative: String) throws -> String {
        guard PathResolution.isContained(relative) else {
            throw MedPrepError(.invalidArgument, path: relative, reason: "output path would leave the output directory \(outputDirectory)")
        }
        let path = PathResolution.absolute(relative, base: outputDirectory)
        guard PathResolution.isWithin(path, directory: outputDirectory), path != outputDirectory else {
            throw MedPrepError(.invalidArgument, path: relative, reason: "output path would leave the output directory \(outputDirectory)")
        }
        return path
    }

    /// Problems that show once the input channel count `c` is known: `select_channels` indices out of range,
    /// GroupNorm `groups` not dividing `C`, `gamma`/`beta` lengths other than `C`, `imagenet` without 1 or 3
    /// channels (each stage's and method's channel rule).
    public func checkChannels(_ c: Int) -> [PipelineIssue] {
        ChannelCheck.issues(stages: stages, channels: c, file: file, sourceMap: sourceMap)
    }
}

extension PipelineSpec {
    /// The canonical resolved form.
    public func resolved() -> ResolvedPipeline { ResolvedPipeline(self) }
}
