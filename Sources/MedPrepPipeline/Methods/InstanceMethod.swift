import MedPrepNormalize
import MedPrepReport

/// `instance`: instance norm, `y = (x − mean_nc) / sqrt(var_nc + eps)` per sample and channel (GroupNorm with one
/// group per channel). With `mask` (`nonzero` or `{threshold: v}`, from channel 0 as the `dataset` method's mask),
/// nnU-Net's masked z-score: the statistics come from the masked voxels and every voxel outside the mask becomes
/// exactly 0 (`MaskedInstanceNormalizer`). `mask: all`, the default, is the unmasked method; it is left out of the
/// canonical JSON so that the hashes of pipelines written before the key existed are unchanged.
struct InstanceMethod: NormalizationMethod {
    var eps: Double
    /// The foreground mask; nil (`all`) normalizes every voxel.
    var mask: ForegroundMask?

    static let name = "instance"
    static let keys = ["eps", "mask"]

    static func parse(_ fields: NodeReader.Fields, reader: inout NodeReader) -> InstanceMethod? {
        let eps = readEps(fields, reader: &reader)
        let mask = reader.optional(fields["mask"], default: ForegroundMask?.all) { reader, node in
            DatasetMethod.readMask(node, path: fields.path, reader: &reader)
        }
        guard let eps, let mask else { return nil }
        return InstanceMethod(eps: eps, mask: mask)
    }

    var canonicalMembers: [String: CanonicalJSON] {
        guard let mask else { return ["eps": .double(eps)] }
        return ["eps": .double(eps), "mask": .mask(mask)]
    }

    func makeNormalizer(statistics: DatasetStatistics?) throws -> any Normalizer {
        guard let mask else { return try InstanceNormNormalizer(eps: eps) }
        return try MaskedInstanceNormalizer(eps: eps, mask: mask)
    }

    func reportParameters(nonFinite: NonFinitePolicy) -> NormalizationParameters {
        NormalizationParameters(method: mask == nil ? Self.name : "instance-masked", eps: eps, nonFinite: nonFinite)
    }
}

extension NormalizeMethod {
    /// Instance norm: per sample and channel z-score, over the voxels of `mask` with the others set to 0 (`.all`:
    /// every voxel).
    package static func instance(eps: Double, mask: ForegroundMask? = .all) -> NormalizeMethod {
        NormalizeMethod(InstanceMethod(eps: eps, mask: mask))
    }
}
