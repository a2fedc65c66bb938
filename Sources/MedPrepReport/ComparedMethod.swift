import MedPrepCore
import MedPrepNormalize

/// A method `compare-norms` compares. Every method maps a scan's channel `c` affinely, `y = a·clamp(x) + b`, with
/// the `AffineMap` its normalizer reports; `compare-norms` never computes a map itself.
///
/// - `perScan`: the map depends on the scan alone and comes from the normalizer's `affineMaps(of:context:)` in
///   pass 1: `raw` (identity), `imagenet` (`ImageNetPreset`), `groupnorm` (`GroupNormNormalizer`), `instance`
///   (`InstanceNormNormalizer`), `minmax` (`MinMaxNormalizer`), `percentile` (`PercentileNormalizer`, p0.5…p99.5).
/// - `dataset`: `DatasetNormalizer` with the per-channel statistics of all scans used.
/// - `batchTrain(B)`: `BatchStatistics` (BatchNorm in training mode) on consecutive batches of `B` scans.
/// - `batchEval(B)`: `RunningBatchNorm` in eval mode with the running mean/var (momentum 0.1, unbiased variance)
///   left after `epochs` passes over the dataset in batches of `B`.
package struct ComparedMethod: Sendable {
    package enum Source: Sendable {
        case perScan(any AffineNormalizer)
        case dataset
        case batchTrain(batchSize: Int)
        case batchEval(batchSize: Int)
    }

    /// The method's name in the reports.
    package let name: String
    package let source: Source

    /// The batch size of a BatchNorm variant, nil for the others.
    package var batchSize: Int? {
        switch source {
        case .batchTrain(let size), .batchEval(let size): size
        case .perScan, .dataset: nil
        }
    }

    /// The methods in report order: raw, imagenet, dataset, groupnorm, instance, minmax, percentile, then per batch
    /// size `batchnorm-train(B)` and `batchnorm-eval(B)`. Throws `.invalidArgument` for a bad `eps`.
    package static func all(groups: Int, eps: Double, batchSizes: [Int]) throws -> [ComparedMethod] {
        let perScan: [ComparedMethod] = [
            ComparedMethod(name: "raw", source: .perScan(RawValues())),
            ComparedMethod(name: "imagenet", source: .perScan(ImageNetPreset())),
            ComparedMethod(name: "dataset", source: .dataset),
            ComparedMethod(name: "groupnorm", source: .perScan(try GroupNormNormalizer(groups: groups, eps: eps))),
            ComparedMethod(name: "instance", source: .perScan(try InstanceNormNormalizer(eps: eps))),
            ComparedMethod(name: "minmax", source: .perScan(MinMaxNormalizer())),
            ComparedMethod(name: "percentile", source: .perScan(try PercentileNormalizer())),
        ]
        return perScan + batchSizes.flatMap { size in
            [ComparedMethod(name: "batchnorm-train(\(size))", source: .batchTrain(batchSize: size)),
             ComparedMethod(name: "batchnorm-eval(\(size))", source: .batchEval(batchSize: size))]
        }
    }

    /// The context a per-scan normalizer sees for `scan`: its file and its value range for `ImageNetPreset`.
    ///
    /// The range is the stored integer range for integer data (`ToTensor`'s rescale to [0, 1]); for float data it
    /// is `[0, 1]`, so the values are not rescaled, as torchvision's `ToTensor` leaves float input unscaled and
    /// `Normalize(mean, std)` then applies to the raw values.
    static func context(for scan: Scan) -> NormalizationContext {
        NormalizationContext(paths: [scan.path], valueRanges: [scan.header.storedValueRange ?? 0 ... 1], threads: 1)
    }
}

/// The data as stored, `y = x`: the `raw` row of `compare-norms`.
struct RawValues: DataIndependentNormalizer {
    func affineMaps(samples: Int, channels: Int, context: NormalizationContext) throws -> [[AffineMap]] {
        Array(repeating: Array(repeating: .identity, count: channels), count: samples)
    }
}
