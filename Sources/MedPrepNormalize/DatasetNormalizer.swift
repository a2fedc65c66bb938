import MedPrepCore

/// Per-channel z-score with dataset statistics: `y = (x − mean_c) / max(std_c, 1e-8)`.
///
/// With `ctClipping` (nnU-Net's CT normalization), values are first clipped to the channel's foreground
/// `[p0.5, p99.5]` from the statistics' sketch: `y = (clamp(x, p0.5, p99.5) − mean_c) / max(std_c, 1e-8)`,
/// where `mean_c`/`std_c` are the (foreground) dataset statistics. The statistics should have been
/// accumulated with the foreground mask for that mode, as nnU-Net does.
public struct DatasetNormalizer: DataIndependentNormalizer {
    public let statistics: DatasetStatistics
    public let ctClipping: Bool

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

    /// The maps of `samples` samples of `channels` channels: the same for every sample, they depend on no voxel.
    /// Throws `.shapeMismatch` when `channels` is not the statistics' channel count.
    public func affineMaps(samples: Int, channels: Int, context: NormalizationContext) throws -> [[AffineMap]] {
        guard channels == statistics.channels.count else {
            throw MedPrepError(.shapeMismatch, path: context.path(0),
                reason: "\(channels) channels, the dataset statistics have \(statistics.channels.count)")
        }
        let maps = statistics.channels.map { channel -> AffineMap in
            var clip: ClosedRange<Double>?
            if ctClipping, let low = channel.percentile(0.5), let high = channel.percentile(99.5) {
                clip = low ... Swift.max(low, high)
            }
            let std = Swift.max(channel.std, 1e-8)
            return AffineMap(center: channel.mean, scale: 1 / std, clip: clip, intercept: -channel.mean / std)
        }
        return Array(repeating: maps, count: samples)
    }
}
