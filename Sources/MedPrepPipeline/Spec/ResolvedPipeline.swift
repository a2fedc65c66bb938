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
    /// Stages with file paths (dataset statistics) made absolute.
    public var stages: [StageSpec]
    public var batchSize: Int
    /// Absolute, lexically normalized output directory: the only directory medprep writes into.
    public var outputDirectory: String
    public var volumes: VolumeFormats
    public var compression: VolumeCompression
    public var batches: BatchFormat
    public var reports: [ReportFormat]
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
        stages = spec.stages.map { stage in
            guard case .normalize(var normalize) = stage,
                  case .dataset(.file(let path), let mask, let ctClip, let eps) = normalize.method else { return stage }
            normalize.method = .dataset(statistics: .file(PathResolution.absolute(path, base: base)), mask: mask, ctClip: ctClip, eps: eps)
            return .normalize(normalize)
        }
        batchSize = spec.batch.size
        outputDirectory = PathResolution.absolute(spec.output.directory, base: base)
        volumes = spec.output.volumes
        compression = spec.output.compression
        batches = spec.output.batches
        reports = spec.output.reports
        maxVoxels = spec.limits.maxVoxels
        file = spec.file
        sourceMap = spec.sourceMap
    }

    /// The whole resolved pipeline as canonical JSON.
    public var canonicalJSON: String {
        CanonicalJSON.object([
            "version": .int(version),
            "name": .string(name),
            "input": .object([
                "directory": .string(inputDirectory),
                "include": .array(include.map { .string($0) }),
                "exclude": .array(exclude.map { .string($0) }),
                "channels": channelPattern.map { .string($0) } ?? .null,
                "labels": labelPattern.map { .string($0) } ?? .null,
            ]),
            "stages": .array(stages.map(\.canonicalJSON)),
            "batch": .object(["size": .int(batchSize)]),
            "output": .object([
                "directory": .string(outputDirectory),
                "volumes": volumes.canonicalJSON,
                "compression": .string(compression.rawValue),
                "batches": .string(batches.rawValue),
                "reports": .array(reports.map { .string($0.rawValue) }),
            ]),
            "limits": .object(["max_voxels": .int(maxVoxels)]),
        ]).text
    }

    /// SHA-256 (hex) of `canonicalJSON`: identifies the pipeline in reports and run records.
    public var pipelineHash: String { SHA256.hexDigest(text: canonicalJSON) }

    /// SHA-256 (hex) of only what determines a case's output files: format version, stages, channel grouping,
    /// label pattern, volume format and compression. Changing the name, batching, reports, limits or the
    /// include/exclude lists leaves it unchanged, so the state store can keep finished cases.
    public var processingHash: String {
        SHA256.hexDigest(text: CanonicalJSON.object([
            "version": .int(version),
            "stages": .array(stages.map(\.canonicalJSON)),
            "channels": channelPattern.map { .string($0) } ?? .null,
            "labels": labelPattern.map { .string($0) } ?? .null,
            "volumes": volumes.canonicalJSON,
            "compression": .string(compression.rawValue),
        ]).text)
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
    /// GroupNorm `groups` not dividing `C`, `gamma`/`beta` lengths other than `C`, `imagenet` without 3 channels.
    public func checkChannels(_ c: Int) -> [PipelineIssue] {
        ChannelCheck.issues(stages: stages, channels: c, file: file, sourceMap: sourceMap)
    }
}

extension PipelineSpec {
    /// The canonical resolved form.
    public func resolved() -> ResolvedPipeline { ResolvedPipeline(self) }
}

extension StageSpec {
    /// `{"stage": name, …parameters}` with every default spelled out.
    public var canonicalJSON: CanonicalJSON {
        var members: [String: CanonicalJSON] = ["stage": .string(name)]
        switch self {
        case .clip(let low, let high):
            members["min"] = .double(low)
            members["max"] = .double(high)
        case .resample(let spacing, let interpolation):
            members["spacing"] = .array(spacing.map { .double($0) })
            members["interpolation"] = .string(interpolation.rawValue)
        case .cropOrPad(let shape, let padValue):
            members["shape"] = .array(shape.map { .int($0) })
            members["pad_value"] = .double(padValue)
        case .selectChannels(let channels):
            members["channels"] = .array(channels.map { .int($0) })
        case .dropAlpha:
            break
        case .normalize(let normalize):
            members["method"] = .string(normalize.method.name)
            members["nonfinite"] = .string(normalize.nonFinite.rawValue)
            switch normalize.method {
            case .groupNorm(let groups, let eps, let gamma, let beta):
                members["groups"] = .int(groups)
                members["eps"] = .double(eps)
                members["gamma"] = gamma.map { .array($0.map { .double($0) }) } ?? .null
                members["beta"] = beta.map { .array($0.map { .double($0) }) } ?? .null
            case .instance(let eps), .batchStats(let eps):
                members["eps"] = .double(eps)
            case .dataset(let statistics, let mask, let ctClip, let eps):
                switch statistics {
                case .computed: members["stats"] = .string("computed")
                case .file(let path): members["stats"] = .object(["file": .string(path)])
                }
                switch mask {
                case .all: members["mask"] = .string("all")
                case .nonzero: members["mask"] = .string("nonzero")
                case .threshold(let value): members["mask"] = .object(["threshold": .double(value)])
                }
                members["ct_clip"] = .bool(ctClip)
                members["eps"] = .double(eps)
            case .percentile(let lower, let upper):
                members["lower"] = .double(lower)
                members["upper"] = .double(upper)
            case .minMax, .imagenet:
                break
            }
        }
        return .object(members)
    }
}
