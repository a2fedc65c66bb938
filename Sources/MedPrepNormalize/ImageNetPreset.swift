import MedPrepCore

/// torchvision's ImageNet normalization: `ToTensor` scaling then `Normalize(mean, std)`.
///
/// With the sample's on-disk integer range `[lo, hi]` (e.g. `0…255` for uint8, as `ToTensor` divides by 255):
/// `y = ((x − lo)/(hi − lo) − mean_c) / std_c`, mean `(0.485, 0.456, 0.406)`, std `(0.229, 0.224, 0.225)`
/// for C = 3. For C = 1 the channel averages are used: mean 0.449, std 0.226. Other channel counts are
/// refused, as is a sample without a known value range (`NormalizationContext.valueRanges`).
public struct ImageNetPreset: Normalizer {
    public static let mean = [0.485, 0.456, 0.406]
    public static let std = [0.229, 0.224, 0.225]
    /// Single-channel mean and std: the averages of the RGB ones.
    public static let grayMean = 0.449
    public static let grayStd = 0.226

    public var name: String { "imagenet" }

    public init() {}

    public func normalize(_ batch: inout Tensor, context: NormalizationContext) throws -> [GroupStatistics] {
        let c = batch.shape.c
        guard c == 3 || c == 1 else {
            throw MedPrepError(.invalidArgument, path: context.path(0),
                reason: "the ImageNet preset needs 1 or 3 channels, the input has \(c)")
        }
        var ranges = [ClosedRange<Double>]()
        for n in 0 ..< batch.shape.n {
            guard let range = context.valueRange(n), range.upperBound > range.lowerBound else {
                throw MedPrepError(.invalidArgument, path: context.path(n),
                    reason: "the ImageNet preset needs the stored integer value range of the image (e.g. 0…255)")
            }
            ranges.append(range)
        }
        let moments = try context.channelMoments(batch)
        let means = c == 3 ? Self.mean : [Self.grayMean]
        let stds = c == 3 ? Self.std : [Self.grayStd]
        let maps = (0 ..< batch.shape.n * c).map { index -> ChannelAffine in
            let range = ranges[index / c], channel = index % c
            let width = range.upperBound - range.lowerBound
            return ChannelAffine(mean: range.lowerBound + means[channel] * width, scale: 1 / (width * stds[channel]), shift: 0)
        }
        try context.apply(maps, to: &batch, moments: moments)
        return context.channelStatistics(moments, channels: c)
    }
}
