import MedPrepTransform
import MedPrepCore
import MedPrepNormalize

/// The executable form of a pipeline's stages: per-scan transforms (from MedPrepTransform), then at most one
/// normalization over the batch (from MedPrepNormalize). Label maps go through the spatial transforms only.
/// Adjacent stages that can run as one kernel are fused (`StageFusion`), with the same result.
package struct StagePlan: Sendable {
    package let transforms: [any ScanTransform]
    package let normalize: NormalizeSpec?

    /// `fusing: false` keeps every stage separate (tests compare both plans).
    package init(stages: [StageSpec], limits: DecodeLimits, fusing: Bool = true) throws {
        var transforms: [any ScanTransform] = []
        var normalize: NormalizeSpec?
        for stage in stages {
            switch try stage.stage.planned(limits: limits) {
            case .transform(let transform): transforms.append(transform)
            case .normalize(let spec): normalize = spec
            }
        }
        self.transforms = fusing ? StageFusion.fused(transforms) : transforms
        self.normalize = normalize
    }

    /// Applies the per-scan transforms in order to a case's image. Returns the image and the transforms its label
    /// map must go through: the same, except that each `ImageFittedTransform` (`crop_foreground`) is replaced by
    /// its fit on the image as it was at that stage, so the label follows the image.
    package func prepareImage(_ scan: Scan) throws -> (image: Scan, labelTransforms: [any ScanTransform]) {
        var image = scan
        var labelTransforms: [any ScanTransform] = []
        for transform in transforms {
            let step = try (transform as? any ImageFittedTransform)?.fitted(to: image) ?? transform
            image = try step.apply(to: image, role: .image)
            labelTransforms.append(step)
        }
        return (image, labelTransforms)
    }

    /// Checks that the case's label map holds one channel of integer class numbers (`LabelValues`), then applies
    /// `transforms` (the `labelTransforms` of `prepareImage`) in order. The spatial stages move label values without
    /// making new ones (nearest neighbour, crops, pads with 0), so the result holds class numbers too.
    package func prepareLabel(_ scan: Scan, transforms: [any ScanTransform]) throws -> Scan {
        try LabelValues.requireClassNumbers(scan)
        return try transforms.reduce(scan) { try $1.apply(to: $0, role: .label) }
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
