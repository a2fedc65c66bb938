import MedPrepCore

/// Per-channel z-score with dataset statistics: `y = (x − mean_c) / max(std_c, 1e-8)`.
///
/// With `ctClipping` (nnU-Net's CT normalization), values are first clipped to the channel's foreground
/// `[p0.5, p99.5]` from the statistics' sketch: `y = (clamp(x, p0.5, p99.5) − mean_c) / max(std_c, 1e-8)`,
/// where `mean_c`/`std_c` are the (foreground) dataset statistics. The statistics should have been
/// accumulated with the foreground mask for that mode, as nnU-Net does.
public struct DatasetNormalizer: Normalizer {
    public let statistics: DatasetStatistics
    public let ctClipping: Bool

    public var name: String { ctClipping ? "dataset-ct" : "dataset" }

    /// Throws `.invalidArgument` for statistics without any channel or with an empty channel.
    public init(statistics: DatasetStatistics, ctClipping: Bool = false) throws {
        guard !statistics.channels.isEmpty else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "dataset statistics hold no channel")
        }
        if let empty = statistics.channels.first(where: { $0.count == 0 }) {
            throw MedPrepError(.invalidArgument, path: nil, reason: "dataset statistics of channel \(empty.channel) counted no voxel")
        }
        self.statistics = statistics
        self.ctClipping = ctClipping
    }

    public func normalize(_ batch: inout Tensor, context: NormalizationContext) throws -> [GroupStatistics] {
        let c = batch.shape.c
        guard c == statistics.channels.count else {
            throw MedPrepError(.shapeMismatch, path: context.path(0),
                reason: "\(c) channels, the dataset statistics have \(statistics.channels.count)")
        }
        let moments = try context.channelMoments(batch)
        let channelMaps = statistics.channels.map { channel -> ChannelAffine in
            var clip: ClosedRange<Double>?
            if ctClipping, let low = channel.percentile(0.5), let high = channel.percentile(99.5) {
                clip = low ... Swift.max(low, high)
            }
            return ChannelAffine(mean: channel.mean, scale: 1 / Swift.max(channel.std, 1e-8), shift: 0, clip: clip)
        }
        let maps = (0 ..< batch.shape.n * c).map { channelMaps[$0 % c] }
        try context.apply(maps, to: &batch, moments: moments)
        return context.channelStatistics(moments, channels: c)
    }
}
