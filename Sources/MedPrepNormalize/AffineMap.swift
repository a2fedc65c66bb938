/// The map a normalizer applies to the values `x` of one (sample, channel):
/// `y = (clamp(x, clip) − center)·scale + shift`, which is `y = scale·clamp(x, clip) + intercept`.
///
/// `normalize` applies the centered form (see `ChannelAffine`). The slope–intercept form carries moments through
/// the map without the voxels (`mean_y = scale·mean_x + intercept`, `m2_y = scale²·m2_x`, as `compare-norms`
/// does); its `intercept` is given by the normalizer in its fewest-rounding form (e.g. `−mean/std`), so it equals
/// `shift − center·scale` up to rounding.
public struct AffineMap: Sendable, Equatable {
    public var center: Double
    public var scale: Double
    public var shift: Double
    /// `y` at `x = 0` of the unclipped map.
    public var intercept: Double
    /// Bounds the input is clamped to first; nil for none.
    public var clip: ClosedRange<Double>?

    /// `intercept` defaults to `shift − center·scale`.
    public init(center: Double, scale: Double, shift: Double = 0, clip: ClosedRange<Double>? = nil,
                intercept: Double? = nil) {
        self.center = center
        self.scale = scale
        self.shift = shift
        self.clip = clip
        self.intercept = intercept ?? shift - center * scale
    }

    /// `y = x`.
    public static let identity = AffineMap(center: 0, scale: 1, intercept: 0)

    /// The map of a z-score with affine parameters, as GroupNorm and BatchNorm apply it:
    /// `y = (x − mean) / √(variance + eps) · γ + β`, intercept `−mean·(rstd·γ)` (plus β when given).
    static func zScore(mean: Double, variance: Double, eps: Double, gamma: Float?, beta: Float?) -> AffineMap {
        let rstd = 1 / (variance + eps).squareRoot()
        let scale = rstd * Double(gamma ?? 1)
        let unshifted = -mean * scale
        return AffineMap(center: mean, scale: scale, shift: Double(beta ?? 0),
                         intercept: beta.map { unshifted + Double($0) } ?? unshifted)
    }

    /// `maps` (one per (sample, channel), sample-major) as `[sample][channel]`.
    static func bySample(_ maps: [AffineMap], channels: Int) -> [[AffineMap]] {
        guard channels > 0 else { return [] }
        return stride(from: 0, to: maps.count, by: channels).map { Array(maps[$0 ..< $0 + channels]) }
    }
}
