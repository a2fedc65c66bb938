import MedPrepTransform
import MedPrepCore
import MedPrepNormalize

/// The executable form of a pipeline's stages: per-scan transforms (from MedPrepTransform), then at most one
/// normalization over the batch (from MedPrepNormalize). Label maps go through the spatial transforms only.
package struct StagePlan: Sendable {
    package let transforms: [any ScanTransform]
    package let normalize: NormalizeSpec?

    package init(stages: [StageSpec], limits: DecodeLimits) throws {
        var transforms: [any ScanTransform] = []
        var normalize: NormalizeSpec?
        for stage in stages {
            switch try stage.stage.planned(limits: limits) {
            case .transform(let transform): transforms.append(transform)
            case .normalize(let spec): normalize = spec
            }
        }
        self.transforms = transforms
        self.normalize = normalize
    }

    /// Applies the per-scan transforms in order.
    package func prepare(_ scan: Scan, role: ScanRole) throws -> Scan {
        try transforms.reduce(scan) { try $1.apply(to: $0, role: role) }
    }

    /// Where dataset statistics come from, when the method needs them.
    package var statisticsSource: DatasetStatisticsSource? { normalize?.method.kind.statistics?.source }

    /// The foreground mask for dataset statistics (nil: every voxel, or no statistics).
    package var statisticsMask: ForegroundMask? { normalize?.method.kind.statistics?.mask ?? nil }

    /// The non-finite policy of the normalize stage (`.error` when there is none).
    package var nonFinite: NonFinitePolicy { normalize?.nonFinite ?? .error }

    /// Whether a sample's output depends on the other members of its batch.
    package var dependsOnBatch: Bool { normalize?.method.dependsOnBatch ?? false }

    /// The normalizer, given the dataset statistics when the method needs them; nil without a normalize stage.
    package func makeNormalizer(statistics: DatasetStatistics?) throws -> (any Normalizer)? {
        try normalize?.method.kind.makeNormalizer(statistics: statistics)
    }
}
