import MedPrepTransform
import MedPrepCore
import MedPrepNormalize

/// The executable form of a pipeline's stages: per-scan transforms (from MedPrepTransform), then at most one
/// normalization over the batch (from MedPrepNormalize). Label maps go through the spatial transforms only.
public struct StagePlan: Sendable {
    public let transforms: [any ScanTransform]
    public let normalize: NormalizeSpec?

    public init(stages: [StageSpec], limits: DecodeLimits) throws {
        var transforms: [any ScanTransform] = []
        var normalize: NormalizeSpec?
        for stage in stages {
            switch stage {
            case .clip(let min, let max):
                transforms.append(try Clip(min: Float(min), max: Float(max)))
            case .resample(let spacing, let interpolation):
                transforms.append(try Resample(spacing: spacing, interpolation: interpolation == .nearest ? .nearest : .linear,
                                               limits: limits))
            case .cropOrPad(let shape, let padValue):
                transforms.append(try CropOrPad(shape: shape, padValue: Float(padValue), limits: limits))
            case .selectChannels(let channels):
                transforms.append(try SelectChannels(channels))
            case .dropAlpha:
                transforms.append(DropAlpha())
            case .normalize(let spec):
                normalize = spec
            }
        }
        self.transforms = transforms
        self.normalize = normalize
    }

    /// Applies the per-scan transforms in order.
    public func prepare(_ scan: Scan, role: ScanRole) throws -> Scan {
        try transforms.reduce(scan) { try $1.apply(to: $0, role: role) }
    }

    /// Where dataset statistics come from, when the method needs them.
    public var statisticsSource: DatasetStatisticsSource? {
        guard case .dataset(let source, _, _, _)? = normalize?.method else { return nil }
        return source
    }

    /// The foreground mask for dataset statistics.
    public var statisticsMask: ForegroundMask? {
        guard case .dataset(_, let mask, _, _)? = normalize?.method else { return nil }
        switch mask {
        case .all: return nil
        case .nonzero: return .nonzero
        case .threshold(let value): return .threshold(value)
        }
    }

    /// The non-finite policy of the normalize stage (`.error` when there is none).
    public var nonFinite: NonFinitePolicy { normalize?.nonFinite ?? .error }

    /// Whether a sample's output depends on the other members of its batch.
    public var dependsOnBatch: Bool {
        if case .batchStats? = normalize?.method { return true }
        return false
    }

    /// The normalizer, given the dataset statistics when the method needs them; nil without a normalize stage.
    public func makeNormalizer(statistics: DatasetStatistics?) throws -> (any Normalizer)? {
        guard let method = normalize?.method else { return nil }
        switch method {
        case .groupNorm(let groups, let eps, let gamma, let beta):
            return try GroupNormNormalizer(groups: groups, eps: eps, gamma: gamma?.map(Float.init), beta: beta?.map(Float.init))
        case .instance(let eps):
            return try InstanceNormNormalizer(eps: eps)
        case .dataset(_, _, let ctClip, _):
            guard let statistics else {
                throw MedPrepError(.invalidArgument, path: nil, reason: "dataset normalization needs dataset statistics")
            }
            return try DatasetNormalizer(statistics: statistics, ctClipping: ctClip)
        case .minMax:
            return MinMaxNormalizer()
        case .percentile(let lower, let upper):
            return try PercentileNormalizer(lower: lower, upper: upper)
        case .imagenet:
            return ImageNetPreset()
        case .batchStats(let eps):
            return try BatchStatistics(eps: eps)
        }
    }
}
