import Foundation

/// A target spacing and `crop_or_pad` shape for a dataset, by nnU-Net v2's rule
/// (`ExperimentPlanner.determine_fullres_target_spacing`), over every readable case's spacing `s` and its shape
/// after cropping to the nonzero box `n` (axes i, j, k; percentiles numpy 'linear'):
///
/// 1. `t` = the per-axis median of `s`; `m` = the per-axis median of `n`; `w` = the axis of the largest `t` (the
///    first on ties).
/// 2. Anisotropic when `t[w] > 3·max(t[o])` and `m[w]·3 < min(m[o])` over the other axes `o`. Then
///    `t[w]` = the 10th percentile of axis `w`'s spacings, raised to `max(t[o]) + 1e-5` if below `max(t[o])`.
/// 3. Shape: per axis the median over cases of `max(1, round(n·s/t))` (the size `resample` gives, rounded half away
///    from zero), rounded half away from zero.
public struct TargetSpacingRule: Sendable {
    /// nnU-Net's `ANISO_THRESHOLD`.
    public static let anisotropyThreshold = 3.0

    /// The rule as `check` states it in its output.
    public static let statement = """
        target spacing = per-axis median spacing (numpy 'linear'); if the axis w of the largest median has \
        spacing[w] > 3 × the other medians and median cropped size[w] × 3 < the other median cropped sizes, \
        spacing[w] = the 10th percentile of that axis's spacings, raised to max(other medians) + 1e-5 if below \
        (nnU-Net v2 determine_fullres_target_spacing); crop_or_pad shape = per-axis median over cases of \
        round(cropped size × spacing / target) (resample's size rule), rounded half away from zero; cropped = the \
        bounding box of voxels where any channel is nonzero
        """

    public var targetSpacing: [Double]
    public var cropOrPadShape: [Int]
    /// The axis whose spacing came from the 10th percentile, nil when the median was kept on every axis.
    public var anisotropicAxis: Int?

    /// The suggestion for `spacings` and `croppedShapes` (one row of 3 per case, same order); nil without cases.
    public init?(spacings: [[Double]], croppedShapes: [[Int]]) {
        let shapes = croppedShapes.map { $0.map(Double.init) }
        guard !spacings.isEmpty, spacings.count == shapes.count,
              let medianSpacing = LinearPercentile.perAxis(spacings)?["p50"],
              let medianShape = LinearPercentile.perAxis(shapes)?["p50"], medianSpacing.count == 3 else { return nil }
        var target = medianSpacing
        let worst = target.indices.max { target[$0] < target[$1] || (target[$0] == target[$1] && $0 > $1) } ?? 0
        let others = target.indices.filter { $0 != worst }
        let otherSpacing = others.map { target[$0] }.max() ?? 0
        let otherSize = others.map { medianShape[$0] }.min() ?? 0
        if target[worst] > Self.anisotropyThreshold * otherSpacing, medianShape[worst] * Self.anisotropyThreshold < otherSize {
            var spacing = LinearPercentile.of(sorted: spacings.map { $0[worst] }.sorted(), 10) ?? target[worst]
            if spacing < otherSpacing { spacing = max(otherSpacing, spacing) + 1e-5 }
            target[worst] = spacing
            anisotropicAxis = worst
        }
        targetSpacing = target
        let resampled = zip(spacings, shapes).map { spacing, shape in
            (0 ..< 3).map { max(1, (shape[$0] * spacing[$0] / target[$0]).rounded()) }
        }
        cropOrPadShape = (LinearPercentile.perAxis(resampled)?["p50"] ?? []).map { Int($0.rounded()) }
    }
}
