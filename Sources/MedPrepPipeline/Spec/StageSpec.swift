/// One processing stage, from the closed registry of stage names. Nothing in a pipeline file runs code.
///
/// Spatial parameters (`spacing`, `shape`) are given in the file's voxel axis order `(i, j, k)`, i.e. tensor
/// axes `(W, H, D)`, like `ScanGeometry.spacing`; 2 values address a 2D image `(W, H)`.
public enum StageSpec: Hashable, Sendable {
    /// Clamps every voxel to `[min, max]`.
    case clip(min: Double, max: Double)
    /// Resamples to the given voxel spacing (mm) with the given interpolation; label maps always use nearest.
    case resample(spacing: [Double], interpolation: Interpolation)
    /// Centre-crops or pads (with `padValue`) each spatial axis to `shape`.
    case cropOrPad(shape: [Int], padValue: Double)
    /// Keeps the listed channels (0-based), in the listed order.
    case selectChannels([Int])
    /// Drops the last channel of a 2-channel (gray+alpha) or 4-channel (RGBA) image; others pass unchanged.
    case dropAlpha
    /// Normalizes intensities.
    case normalize(NormalizeSpec)

    /// Interpolation for `resample`.
    public enum Interpolation: String, Hashable, Sendable, CaseIterable {
        case linear, nearest
    }

    /// Stage names accepted in pipeline files, in the order the documentation lists them.
    public static let registry = ["clip", "resample", "crop_or_pad", "select_channels", "drop_alpha", "normalize"]

    /// The stage's name in pipeline files.
    public var name: String {
        switch self {
        case .clip: "clip"
        case .resample: "resample"
        case .cropOrPad: "crop_or_pad"
        case .selectChannels: "select_channels"
        case .dropAlpha: "drop_alpha"
        case .normalize: "normalize"
        }
    }

    /// Whether the stage moves voxels in space (label maps must follow it, with nearest interpolation).
    public var isSpatial: Bool {
        switch self {
        case .resample, .cropOrPad: true
        default: false
        }
    }
}
