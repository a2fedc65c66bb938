import MedPrepCore

/// torchvision's ImageNet normalization: `ToTensor` scaling then `Normalize(mean, std)`.
///
/// With the sample's on-disk integer range `[lo, hi]` (e.g. `0…255` for uint8, as `ToTensor` divides by 255):
/// `y = ((x − lo)/(hi − lo) − mean_c) / std_c`, mean `(0.485, 0.456, 0.406)`, std `(0.229, 0.224, 0.225)`
/// for C = 3. For C = 1 the channel averages are used: mean 0.449, std 0.226. Other channel counts are
/// refused, as is a sample without a known value range (`NormalizationContext.valueRanges`).
public struct ImageNetPreset: DataIndependentNormalizer {
    public static let mean = [0.485, 0.456, 0.406]
    public static let std = [0.229, 0.224, 0.225]
    /// Single-channel mean and std: the averages of the RGB ones.
    public static let grayMean = 0.449
    public static let grayStd = 0.226

    public init() {}

    /// The maps of `samples` samples of `channels` channels with the value ranges of `context`: they depend on no
    /// voxel. Throws `.invalidArgument` for a channel count other than 1 or 3, or a sample without a value range.
    public func affineMaps(samples: Int, channels c: Int, context: NormalizationContext) throws -> [[AffineMap]] {
        guard c == 3 || c == 1 else {
            throw MedPrepError(.invalidArgument, path: context.path(0),
                reason: "the ImageNet preset needs 1 or 3 channels, the input has \(c)")
        }
        let means = c == 3 ? Self.mean : [Self.grayMean]
        let stds = c == 3 ? Self.std : [Self.grayStd]
        return try (0 ..< samples).map { n in
            guard let range = context.valueRange(n), range.upperBound > range.lowerBound else {
                throw MedPrepError(.invalidArgument, path: context.path(n),
                    reason: "the ImageNet preset needs the stored integer value range of the image (e.g. 0…255)")
            }
            let width = range.upperBound - range.lowerBound
            return (0 ..< c).map { channel in
                AffineMap(center: range.lowerBound + means[channel] * width, scale: 1 / (width * stds[channel]),
                          intercept: -(range.lowerBound / width + means[channel]) / stds[channel])
            }
        }
    }
}
