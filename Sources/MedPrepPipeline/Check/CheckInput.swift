import MedPrepCore

/// What `medprep check` looks at: the cases of a pipeline's input (its directory, include and exclude patterns,
/// channel and label patterns), or of a directory with the format registry's default include patterns and, when
/// given, a label pattern.
public struct CheckInput: Sendable {
    /// Where the cases come from.
    public enum Source: String, Sendable, Codable {
        case pipeline
        case directory
    }

    public var source: Source
    /// The pipeline file or the directory, as given.
    public var path: String
    public var discovery: InputDiscovery
    /// The include patterns, for the no-input message.
    public var include: [String]
    /// Whether the pipeline has an `orient` stage: cases of several orientations are then no problem.
    public var orients: Bool
    /// The most elements one decoded scan may have.
    public var maxVoxels: Int
    /// The same-grid tolerance: the pipeline's `input.tolerance`, `GridTolerance.standard` for a directory.
    public var tolerance: GridTolerance

    /// The input a resolved pipeline declares.
    /// - Throws: `MedPrepError(.invalidArgument)` for a pattern that does not compile.
    public init(pipeline: ResolvedPipeline) throws {
        source = .pipeline
        path = pipeline.file
        discovery = try InputDiscovery(pipeline)
        include = pipeline.include
        orients = pipeline.stages.contains { $0.name == OrientStage.name }
        maxVoxels = pipeline.maxVoxels
        tolerance = pipeline.gridTolerance
    }

    /// The scans under `directory` (absolute) matching the default include patterns (`InputSpec.defaultInclude`),
    /// paired with label maps by `labels` (an absolute path with one `{case}`, as `input.labels`).
    /// - Throws: `MedPrepError(.invalidArgument)` when `labels` is not a valid label pattern.
    public init(directory: String, labels: String?, maxVoxels: Int = DecodeLimits.defaultMaxVoxels) throws {
        if let labels, !LabelPattern.isValid(labels) {
            throw MedPrepError(.invalidArgument, path: nil, reason: "--label '\(labels)' is not \(LabelPattern.expected)")
        }
        source = .directory
        path = directory
        include = InputSpec.defaultInclude
        discovery = InputDiscovery(directory: directory, include: include.compactMap(GlobPattern.init), labels: labels)
        orients = false
        self.maxVoxels = maxVoxels
        tolerance = .standard
    }
}
