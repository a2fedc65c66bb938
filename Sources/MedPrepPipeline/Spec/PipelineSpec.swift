import MedPrepCore
import MedPrepDecode

/// A parsed, validated pipeline file (format version 1) with defaults filled in and paths as written.
///
/// Relative paths resolve against `baseDirectory` (the pipeline file's directory); `resolved()` produces the
/// canonical form with absolute paths that the runner uses and that `pipelineHash` identifies.
public struct PipelineSpec: Hashable, Sendable {
    /// The only format version this build reads.
    public static let currentVersion = 1

    public var version: Int
    /// Pipeline name: letters, digits, `.`, `_`, `-`; used in report file names.
    public var name: String
    public var input: InputSpec
    /// Stages applied in order to every case.
    public var stages: [StageSpec]
    public var batch: BatchSpec
    public var output: OutputSpec
    public var limits: LimitsSpec
    /// The pipeline file as the user named it (used in issue messages).
    public var file: String
    /// Absolute directory that relative paths resolve against.
    public var baseDirectory: String
    /// Where stages and keys were written, for issues raised after parsing.
    public var sourceMap: SourceMap

    public init(version: Int = PipelineSpec.currentVersion, name: String, input: InputSpec, stages: [StageSpec],
                batch: BatchSpec = BatchSpec(), output: OutputSpec, limits: LimitsSpec = LimitsSpec(),
                file: String, baseDirectory: String, sourceMap: SourceMap = SourceMap()) {
        self.version = version
        self.name = name
        self.input = input
        self.stages = stages
        self.batch = batch
        self.output = output
        self.limits = limits
        self.file = file
        self.baseDirectory = baseDirectory
        self.sourceMap = sourceMap
    }
}

/// Where each part of a pipeline was written.
public struct SourceMap: Hashable, Sendable {
    /// Location of each stage entry, in stage order.
    public var stages: [SourceLocation]
    /// Locations of keys by dotted path (`input.directory`, `output.directory`, `stages.3.normalize.groups`…).
    public var keys: [String: SourceLocation]

    public init(stages: [SourceLocation] = [], keys: [String: SourceLocation] = [:]) {
        self.stages = stages
        self.keys = keys
    }

    /// The location of `key`, or of the document start when unknown.
    public func location(_ key: String) -> SourceLocation {
        keys[key] ?? SourceLocation(line: 1, column: 1)
    }

    /// The location of stage `index`, or of the document start when unknown.
    public func stage(_ index: Int) -> SourceLocation {
        stages.indices.contains(index) ? stages[index] : SourceLocation(line: 1, column: 1)
    }
}

/// The `input:` section: which files under which directory, optionally grouped into channels and paired with labels.
public struct InputSpec: Hashable, Sendable {
    /// `**/*<suffix>` for the suffixes of every format medprep decodes (`ScanFileFormats`), used when `include` is not
    /// given: `**/*.nii.gz`, `**/*.nii`, `**/*.hdr`, `**/*.hdr.gz`, `**/*.png`, `**/*.tif`, `**/*.tiff`.
    /// A `.hdr/.img` pair is selected by its header (`**/*.hdr`); its `.img` is read and fingerprinted with it.
    public static let defaultInclude = ScanFileFormats.all.flatMap(\.suffixes).map { "**/*" + $0 }

    /// Input directory as written.
    public var directory: String
    /// Glob patterns (relative to `directory`) a file must match one of.
    public var include: [String]
    /// Glob patterns that remove a file even when it is included.
    public var exclude: [String]
    /// Channel grouping pattern such as `{case}_{channel:4}.nii.gz`, or nil for one file per case.
    public var channels: String?
    /// Label map path pattern with a `{case}` placeholder, as written, or nil.
    public var labels: String?
    /// What a case lacking its label map or a channel file is (`input.missing`): a failure (default) or a skip.
    public var missing: MissingInputPolicy
    /// What a channel file or label map off the first channel file's grid is (`input.align`): a failure (default)
    /// or resampled onto that grid.
    public var align: GridAlignment
    /// How far a grid may be from the first channel file's and still count as the same (`input.tolerance`).
    public var tolerance: GridTolerance
    /// How cases are named (`input.case_id`): readable (default) or a salted hash (`CaseIDHashing`).
    public var caseID: CaseIDMode
    /// The file holding the salt of hashed ids (`input.case_id_salt_file`), as written; required with `hashed`.
    public var caseIDSaltFile: String?

    public init(directory: String, include: [String] = InputSpec.defaultInclude, exclude: [String] = [],
                channels: String? = nil, labels: String? = nil, missing: MissingInputPolicy = .fail,
                align: GridAlignment = .check, tolerance: GridTolerance = .standard, caseID: CaseIDMode = .readable,
                caseIDSaltFile: String? = nil) {
        self.directory = directory
        self.include = include
        self.exclude = exclude
        self.channels = channels
        self.labels = labels
        self.missing = missing
        self.align = align
        self.tolerance = tolerance
        self.caseID = caseID
        self.caseIDSaltFile = caseIDSaltFile
    }
}

/// `input.case_id`: how a run names its cases (output paths, reports, index, state).
public enum CaseIDMode: String, Hashable, Sendable, CaseIterable {
    /// Readable ids: a file's relative path without its suffix; a DICOM series' directory or
    /// `PatientID/StudyDate_SeriesNumber_Description` (`DICOMCaseNaming`).
    case readable
    /// Salted hashes, with no patient identifier, date, description or path in them (`CaseIDHashing`).
    case hashed
}

/// `input.align`: what a run makes of a case whose other channel files or label map are not on its first channel
/// file's voxel grid (another shape, or an affine beyond `input.tolerance`).
public enum GridAlignment: String, Hashable, Sendable, CaseIterable {
    /// The case fails (`grid_mismatch`, exit 1), with an error naming both files and the difference.
    case check
    /// The file is resampled onto the first channel file's grid in world coordinates (`ResampleToGrid`): label
    /// maps by nearest neighbour, channels trilinearly, 0 outside the file.
    case resample
}

/// `input.missing`: what a run makes of a case that lacks its label map, lacks a channel other cases have, or has
/// a channel number twice (`SkippedInput.Reason.isIncompleteCase`).
public enum MissingInputPolicy: String, Hashable, Sendable, CaseIterable {
    /// The case fails (exit 1), with an error naming what is missing.
    case fail
    /// The case is left out; `report.json` lists it under `skipped` and the run can still exit 0.
    case skip
}

/// The `batch:` section.
public struct BatchSpec: Hashable, Sendable {
    /// Cases per batch (≥ 1); default 1.
    public var size: Int

    public init(size: Int = 1) {
        self.size = size
    }
}

/// Compression of NIfTI outputs: `gzip` writes `.nii.gz`, `none` writes `.nii`.
public enum VolumeCompression: String, Hashable, Sendable, CaseIterable {
    case gzip, none
}

/// Whether to write each batch as one NCDHW `.npy` (with an index CSV).
public enum BatchFormat: String, Hashable, Sendable, CaseIterable {
    case npy, none
}

/// Report formats for statistics and the run summary.
public enum ReportFormat: String, Hashable, Sendable, CaseIterable, Comparable {
    case json, csv, html

    public static func < (lhs: ReportFormat, rhs: ReportFormat) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The `output:` section.
public struct OutputSpec: Hashable, Sendable {
    /// Output directory as written; medprep writes nothing outside it.
    public var directory: String
    /// Per-case volume formats (label maps are written when any is).
    public var volumes: VolumeFormats
    public var compression: VolumeCompression
    public var batches: BatchFormat
    /// Report formats, without duplicates, sorted.
    public var reports: [ReportFormat]
    /// How many processed cases `report.html` shows pictures of (`output.thumbnails`, ≥ 0; failed cases: as many).
    public var thumbnails: Int

    /// `output.thumbnails` when the pipeline does not set it.
    public static let defaultThumbnails = 12

    public init(directory: String, volumes: VolumeFormats = .nifti, compression: VolumeCompression = .gzip,
                batches: BatchFormat = .none, reports: [ReportFormat] = [.json],
                thumbnails: Int = OutputSpec.defaultThumbnails) {
        self.directory = directory
        self.volumes = volumes
        self.compression = compression
        self.batches = batches
        self.reports = Array(Set(reports)).sorted()
        self.thumbnails = thumbnails
    }
}

/// The `limits:` section.
public struct LimitsSpec: Hashable, Sendable {
    /// The most elements one decoded scan may have (see `DecodeLimits`).
    public var maxVoxels: Int

    public init(maxVoxels: Int = 1 << 31) {
        self.maxVoxels = maxVoxels
    }
}
