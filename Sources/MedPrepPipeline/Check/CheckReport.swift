import MedPrepCore
import MedPrepNormalize

/// The result of `medprep check`: per-case fingerprints, the dataset's fingerprint, and the problems found.
/// `--json` prints it as one object (keys sorted, documented in README *Checking a dataset*; `version` changes
/// when a key changes meaning).
public struct CheckReport: Codable, Sendable, Equatable {
    public var version = 1
    /// `pipeline` or `directory`.
    public var source: CheckInput.Source
    /// The pipeline file or directory, as given.
    public var path: String
    public var inputDirectory: String
    public var include: [String]
    public var channelPattern: String?
    public var labelPattern: String?
    public var cases: [CaseFingerprint]
    public var dataset: DatasetSummary
    public var problems: [CheckProblem]
    /// Files discovery left out with a note (FIFOs, links out of the tree…), which are no problem.
    public var notes: [String]

    private enum CodingKeys: String, CodingKey {
        case version, source, path, include, cases, dataset, problems, notes
        case inputDirectory = "input_directory"
        case channelPattern = "channels"
        case labelPattern = "labels"
    }
}

/// The dataset's fingerprint over its readable cases.
public struct DatasetSummary: Codable, Sendable, Equatable {
    /// Cases found (complete ones), and those whose every file was read.
    public var cases: Int
    public var readable: Int
    /// Readable cases per axis code (PNG/TIFF have none).
    public var orientations: [String: Int]
    /// How the per-axis percentiles are computed.
    public var percentileMethod = "numpy linear (default): h = (n - 1) p / 100, interpolate x[floor h] .. x[floor h + 1]"
    /// Per axis `(i, j, k)`: `p0`, `p10`, `p50`, `p90`, `p100` of the spacings, shapes and nonzero-cropped shapes.
    public var spacing: [String: [Double]]?
    public var shape: [String: [Double]]?
    public var croppedShape: [String: [Double]]?
    public var foreground: ForegroundSummary
    /// Label classes over every integer label voxel, when the input declares labels.
    public var labels: LabelSummary?
    /// nnU-Net's target spacing and the matching `crop_or_pad` shape; nil without a readable case.
    public var suggestion: Suggestion?

    private enum CodingKeys: String, CodingKey {
        case cases, readable, orientations, spacing, shape, foreground, labels, suggestion
        case percentileMethod = "percentile_method"
        case croppedShape = "cropped_shape"
    }
}

/// Foreground intensity statistics per channel.
public struct ForegroundSummary: Codable, Sendable, Equatable {
    /// `label > 0` or `channel 0 != 0`.
    public var definition: String
    /// How the percentiles are estimated, and their error bound.
    public var percentileMethod = "QuantileSketch (log buckets, numpy linear on its order statistics): "
        + "|estimate - numpy.percentile| <= 0.005 * max(|x[k]|, |x[k+1]|); min, max, mean, std exact"
    public var relativeError = QuantileSketch.alpha
    /// Cases left out because their channels or label map are not on one grid.
    public var casesLeftOut: Int
    public var channels: [ForegroundChannel]

    private enum CodingKeys: String, CodingKey {
        case definition, channels
        case percentileMethod = "percentile_method"
        case relativeError = "relative_error"
        case casesLeftOut = "cases_left_out"
    }
}

/// Label classes with their voxel counts and shares of all integer label voxels.
public struct LabelSummary: Codable, Sendable, Equatable {
    public struct LabelClass: Codable, Sendable, Equatable {
        public var value: Int
        public var voxels: Int
        public var share: Double
    }

    public var voxels: Int
    public var classes: [LabelClass]
}

/// What `check` suggests for `resample` and `crop_or_pad`, with the rule.
public struct Suggestion: Codable, Sendable, Equatable {
    public var targetSpacing: [Double]
    public var cropOrPadShape: [Int]
    /// The axis whose spacing is the 10th percentile (nnU-Net's anisotropic case), absent otherwise.
    public var anisotropicAxis: Int?
    public var rule: String

    private enum CodingKeys: String, CodingKey {
        case rule
        case targetSpacing = "target_spacing"
        case cropOrPadShape = "crop_or_pad_shape"
        case anisotropicAxis = "anisotropic_axis"
    }
}
