import Foundation
import MedPrepCore

/// Per-channel statistics over a whole dataset, accumulated file by file and mergeable across shards.
///
/// Per channel: `count`, `mean`, biased `var = m2 / count` (ddof 0), `std`, `min`, `max`, `m2` (exact
/// `Moments`, Chan merge: two disjoint sets merged equal a single pass to ~1e-12 relative, in any order)
/// and p0.5 / p99.5 from a `QuantileSketch` (relative accuracy 0.005, merge order-independent).
/// With a `ForegroundMask`, only the voxels where channel 0 is foreground are counted (every channel).
public struct DatasetStatistics: Sendable, Equatable {
    /// The JSON format version this type writes and reads.
    public static let version = 1

    /// Samples accumulated.
    public private(set) var files: Int
    /// The foreground mask used (fixed by the first accumulation).
    public private(set) var mask: ForegroundMask?
    public private(set) var channels: [ChannelStatistics]

    /// Empty statistics.
    public init() {
        files = 0
        mask = nil
        channels = []
    }

    /// Statistics assembled from parts, e.g. moments and sketches merged elsewhere: `files` samples, the
    /// foreground `mask` they were taken with, and one `ChannelStatistics` per channel (`channel` = index).
    public init(files: Int, mask: ForegroundMask?, channels: [ChannelStatistics]) {
        self.files = files
        self.mask = mask
        self.channels = channels
    }

    /// Adds every sample of `tensor`. Throws `.invalidArgument` when `mask` differs from the mask of earlier
    /// accumulations, `.shapeMismatch` for a different channel count, `.nonFinite` (naming `path`) under
    /// `.error`; on a throw the statistics are unchanged.
    public mutating func accumulate(_ tensor: Tensor, mask: ForegroundMask?, nonFinite policy: NonFinitePolicy = .error,
                                    path: String? = nil,
                                    threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        let shape = tensor.shape
        if files > 0 {
            guard mask == self.mask else {
                throw MedPrepError(.invalidArgument, path: path,
                    reason: "foreground mask \(ForegroundMask.text(mask)) differs from \(ForegroundMask.text(self.mask)) used so far")
            }
            guard shape.c == channels.count else {
                throw MedPrepError(.shapeMismatch, path: path,
                    reason: "\(shape.c) channels, the dataset statistics have \(channels.count)")
            }
        }
        let c = shape.c, spatial = shape.spatialCount
        var parts = [ChannelStatistics](repeating: ChannelStatistics(channel: 0), count: shape.n * c)
        tensor.storage.withUnsafeBufferPointer { storage in
            parts.withUnsafeMutableBufferPointer { output in
                nonisolated(unsafe) let input = storage
                nonisolated(unsafe) let results = output
                Parallel.forEach(tasks: shape.n, threads: threads) { n in
                    let sample = UnsafeBufferPointer(rebasing: input[n * c * spatial ..< (n + 1) * c * spatial])
                    for (channel, part) in Self.sampleStatistics(sample, channels: c, spatial: spatial,
                                                                 mask: mask, nonFinite: policy).enumerated() {
                        results[n * c + channel] = part
                    }
                }
            }
        }
        try policy.check(parts.map(\.moments), segmentsPerSample: c, path: { _ in path })
        if files == 0 {
            self.mask = mask
            channels = (0 ..< c).map { ChannelStatistics(channel: $0) }
        }
        for n in 0 ..< shape.n {
            for channel in 0 ..< c { channels[channel].merge(parts[n * c + channel]) }
        }
        files += shape.n
    }

    /// The statistics of each channel of one sample `[C, S]`.
    static func sampleStatistics(_ sample: UnsafeBufferPointer<Float>, channels: Int, spatial: Int,
                                 mask: ForegroundMask?, nonFinite policy: NonFinitePolicy) -> [ChannelStatistics] {
        var included: [Int]?
        if let mask {
            included = (0 ..< spatial).filter { mask.includes(sample[$0], nonFinite: policy) }
        }
        var gathered = [Float]()
        return (0 ..< channels).map { channel in
            let values = UnsafeBufferPointer(rebasing: sample[channel * spatial ..< (channel + 1) * spatial])
            guard let included else { return channelStatistics(values, channel: channel, nonFinite: policy) }
            gathered.removeAll(keepingCapacity: true)
            for v in included { gathered.append(values[v]) }
            return gathered.withUnsafeBufferPointer { channelStatistics($0, channel: channel, nonFinite: policy) }
        }
    }

    static func channelStatistics(_ values: UnsafeBufferPointer<Float>, channel: Int,
                                  nonFinite policy: NonFinitePolicy) -> ChannelStatistics {
        var statistics = ChannelStatistics(channel: channel)
        statistics.moments = Moments.of(values, nonFinite: policy)
        statistics.sketch.add(contentsOf: values, nonFiniteAsZero: policy == .zero)
        return statistics
    }

    /// Combines with statistics of a disjoint set of files. Throws `.invalidArgument` for different masks
    /// and `.shapeMismatch` for different channel counts.
    public mutating func merge(_ other: DatasetStatistics) throws {
        guard other.files > 0 else { return }
        guard files > 0 else {
            self = other
            return
        }
        guard other.mask == mask else {
            throw MedPrepError(.invalidArgument, path: nil,
                reason: "cannot merge statistics with foreground mask \(ForegroundMask.text(other.mask)) into \(ForegroundMask.text(mask))")
        }
        guard other.channels.count == channels.count else {
            throw MedPrepError(.shapeMismatch, path: nil,
                reason: "cannot merge statistics of \(other.channels.count) channels into \(channels.count)")
        }
        for channel in channels.indices { channels[channel].merge(other.channels[channel]) }
        files += other.files
    }

    /// numpy-`'linear'` percentile `q ∈ [0, 100]` of `channel` from its sketch; nil when the channel is empty.
    public func percentile(_ q: Double, channel: Int) throws -> Double? {
        guard q >= 0, q <= 100 else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "percentile \(q) is outside 0…100")
        }
        guard channels.indices.contains(channel) else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "channel \(channel) is outside 0..<\(channels.count)")
        }
        return channels[channel].percentile(q)
    }
}

extension DatasetStatistics: Codable {
    private enum CodingKeys: String, CodingKey { case version, files, mask, channels }

    /// `{"version": 1, "files": n, "mask": null | {…}, "channels": [ChannelStatistics…]}`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.version, forKey: .version)
        try container.encode(files, forKey: .files)
        try container.encode(mask, forKey: .mask)
        try container.encode(channels, forKey: .channels)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .version)
        guard version == Self.version else {
            throw MedPrepError(.unsupported, path: nil,
                reason: "dataset statistics version \(version); this medprep reads version \(Self.version)")
        }
        files = try container.decode(Int.self, forKey: .files)
        mask = try container.decodeIfPresent(ForegroundMask.self, forKey: .mask)
        channels = try container.decode([ChannelStatistics].self, forKey: .channels)
    }

    /// Pretty, key-sorted JSON.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Decodes JSON written by `jsonData()`. Errors are `MedPrepError` naming `path`: `.unsupported` for
    /// another version, `.malformed` for anything else that is wrong.
    public static func decode(_ data: Data, path: String? = nil) throws -> DatasetStatistics {
        do {
            return try JSONDecoder().decode(DatasetStatistics.self, from: data)
        } catch {
            throw ErrorText.jsonError(error, data: data, path: path, holding: "dataset statistics file")
        }
    }
}
