import MedPrepCore

/// Instance normalization over a foreground mask, as nnU-Net's `ZScoreNormalization` with `use_mask_for_norm`:
/// per sample `n` and channel `c`, over the voxels `v` of the mask `M_n`,
///
///     μ = mean(x[n, c, M_n]),  σ² = mean((x[n, c, M_n] − μ)²)  (biased),  rstd = 1 / √(σ² + eps)
///     y[n, c, v] = (x[n, c, v] − μ) · rstd   for v ∈ M_n,      y[n, c, v] = 0 exactly   for v ∉ M_n
///
/// in Double, rounded once to Float. The mask is a `ForegroundMask` taken from **channel 0** of each sample and
/// used for every channel (as the `dataset` method's `mask`): `nonzero` is nnU-Net's nonzero mask for a
/// single-channel image. Unlike nnU-Net, the mask is not hole-filled (an interior 0 stays 0), a multi-channel
/// image uses channel 0's mask instead of the union of its channels, and the divisor is `√(σ² + eps)` as for the
/// unmasked `instance` method instead of `max(σ, 1e-8)`. A sample without any foreground voxel comes out all 0.
///
/// Non-finite voxels: under `.error` any NaN/±∞ in a sample fails it; under `.ignore` those inside the mask are
/// left out of μ and σ² and written through unchanged; under `.zero` they count as 0. Outside the mask every
/// voxel becomes 0 whatever its value. A finite voxel whose output is not finite fails the call (`.nonFinite`).
///
/// Not an `AffineNormalizer`: the output is an affine map of the input inside the mask only.
public struct MaskedInstanceNormalizer: Normalizer {
    public let eps: Double
    public let mask: ForegroundMask

    /// Throws `.invalidArgument` for a negative or non-finite `eps`.
    public init(eps: Double = 1e-5, mask: ForegroundMask = .nonzero) throws {
        guard eps >= 0, eps.isFinite else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "instance eps must be finite and ≥ 0, got \(eps)")
        }
        self.eps = eps
        self.mask = mask
    }

    public func normalize(_ batch: inout Tensor, context: NormalizationContext) throws -> [GroupStatistics] {
        let shape = batch.shape
        let spatial = shape.spatialCount
        let policy = context.nonFinite
        let masks = batch.storage.withUnsafeBufferPointer { values in
            (0 ..< shape.n).map { sample in
                let base = sample * shape.c * spatial
                return (0 ..< spatial).map { mask.includes(values[base + $0], nonFinite: policy) }
            }
        }
        let moments = batch.storage.withUnsafeBufferPointer { values in
            (0 ..< shape.n * shape.c).map { segment in
                Self.moments(UnsafeBufferPointer(rebasing: values[segment * spatial ..< (segment + 1) * spatial]),
                             mask: masks[segment / Swift.max(shape.c, 1)], nonFinite: policy)
            }
        }
        try policy.check(moments, segmentsPerSample: shape.c, path: context.path)
        let rstds = moments.map { 1 / (Swift.max($0.variance, 0) + eps).squareRoot() }
        try batch.storage.withUnsafeMutableBufferPointer { values in
            for segment in 0 ..< shape.n * shape.c {
                let inside = masks[segment / shape.c]
                let (mean, rstd) = (moments[segment].mean, rstds[segment])
                let base = segment * spatial
                for voxel in 0 ..< spatial {
                    let x = values[base + voxel]
                    guard inside[voxel] else {
                        values[base + voxel] = 0
                        continue
                    }
                    let value: Double
                    if x.isFinite {
                        value = Double(x)
                    } else if policy == .zero {
                        value = 0
                    } else {
                        continue
                    }
                    let y = Float((value - mean) * rstd)
                    guard y.isFinite else {
                        throw MedPrepError(.nonFinite, path: context.path(segment / shape.c),
                            reason: "masked instance normalization of channel \(segment % shape.c) gives \(y) for the finite value \(value); "
                                + "its masked standard deviation is too small for float32, raise eps")
                    }
                    values[base + voxel] = y
                }
            }
        }
        return context.channelStatistics(moments, channels: shape.c, eps: eps)
    }

    /// Two-pass moments in Double of the voxels of one (sample, channel) inside `mask`; `nonFinite` counts every
    /// non-finite voxel of the segment, inside the mask or not.
    static func moments(_ values: UnsafeBufferPointer<Float>, mask: [Bool], nonFinite policy: NonFinitePolicy) -> Moments {
        var count = 0, nonFinite = 0
        var sum = 0.0, low = Double.infinity, high = -Double.infinity
        for (voxel, x) in values.enumerated() {
            if !x.isFinite { nonFinite += 1 }
            guard mask[voxel] else { continue }
            let value: Double
            if x.isFinite {
                value = Double(x)
            } else if policy == .zero {
                value = 0
            } else {
                continue
            }
            count += 1
            sum += value
            low = Swift.min(low, value)
            high = Swift.max(high, value)
        }
        guard count > 0 else { return Moments(count: 0, mean: 0, m2: 0, min: .infinity, max: -.infinity, nonFinite: nonFinite) }
        let mean = sum / Double(count)
        var m2 = 0.0
        for (voxel, x) in values.enumerated() where mask[voxel] {
            let value: Double = x.isFinite ? Double(x) : (policy == .zero ? 0 : .nan)
            if !value.isNaN { m2 += (value - mean) * (value - mean) }
        }
        return Moments(count: count, mean: mean, m2: m2, min: low, max: high, nonFinite: nonFinite)
    }
}
