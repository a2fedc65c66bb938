import MedPrepNormalize

/// The `normalize` stage: a method with its parameters plus the non-finite voxel policy.
public struct NormalizeSpec: Hashable, Sendable {
    public var method: NormalizeMethod
    public var nonFinite: NonFinitePolicy

    public init(method: NormalizeMethod, nonFinite: NonFinitePolicy = .error) {
        self.method = method
        self.nonFinite = nonFinite
    }
}

/// Where dataset statistics come from.
public enum DatasetStatisticsSource: Hashable, Sendable {
    /// Computed over all inputs in a first pass.
    case computed
    /// Read from a statistics JSON file (path as written; resolved against the pipeline file's directory).
    case file(String)
}

/// Which voxels enter dataset statistics.
public enum StatisticsMask: Hashable, Sendable {
    /// Every voxel.
    case all
    /// Voxels `≠ 0`.
    case nonzero
    /// Voxels `> threshold`.
    case threshold(Double)
}

/// The normalization methods, per sample `n` and channel `c` unless stated.
public enum NormalizeMethod: Hashable, Sendable {
    /// PyTorch `nn.GroupNorm`: channels split into `groups` groups; per sample and group
    /// `y = (x − mean) / sqrt(var + eps) · gamma[c] + beta[c]` with the biased variance.
    case groupNorm(groups: Int, eps: Double, gamma: [Double]?, beta: [Double]?)
    /// Instance norm: `y = (x − mean_nc) / sqrt(var_nc + eps)` (GroupNorm with one group per channel).
    case instance(eps: Double)
    /// Dataset z-score: `y = (x − mean_c) / sqrt(var_c + eps)` with per-channel statistics over the whole dataset
    /// (masked voxels only). With `ctClip`, voxels are first clipped to the dataset's 0.5 and 99.5 percentiles
    /// (nnU-Net CT normalization).
    case dataset(statistics: DatasetStatisticsSource, mask: StatisticsMask, ctClip: Bool, eps: Double)
    /// `y = (x − min) / (max − min)`; a constant channel maps to 0.
    case minMax
    /// Clips to the `lower` and `upper` percentiles `p_l`, `p_u` (0…100) and maps
    /// `y = (x − p_l) / (p_u − p_l)`; a constant channel maps to 0.
    case percentile(lower: Double, upper: Double)
    /// ImageNet preset for 3-channel images in `[0, 1]`: `y = (x − mean_c) / std_c` with mean
    /// `(0.485, 0.456, 0.406)` and std `(0.229, 0.224, 0.225)`.
    case imagenet
    /// Per-channel statistics over the whole batch (BatchNorm in training mode, no affine):
    /// `y = (x − mean_c) / sqrt(var_c + eps)`.
    case batchStats(eps: Double)

    /// Method names accepted in pipeline files.
    public static let registry = ["groupnorm", "instance", "dataset", "minmax", "percentile", "imagenet", "batchstats"]

    /// The method's name in pipeline files.
    public var name: String {
        switch self {
        case .groupNorm: "groupnorm"
        case .instance: "instance"
        case .dataset: "dataset"
        case .minMax: "minmax"
        case .percentile: "percentile"
        case .imagenet: "imagenet"
        case .batchStats: "batchstats"
        }
    }
}
