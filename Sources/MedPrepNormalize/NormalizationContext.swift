import Foundation
import MedPrepCore

/// What a normalizer needs to know about the samples of a batch besides their values.
public struct NormalizationContext: Sendable {
    /// The file of each sample, for error messages (missing entries read as nil).
    public var paths: [String?]
    /// The on-disk integer range of each sample (e.g. `0...255` for uint8), used by `ImageNetPreset`.
    public var valueRanges: [ClosedRange<Double>?]
    public var nonFinite: NonFinitePolicy
    /// Worker threads.
    public var threads: Int

    public init(paths: [String?] = [], valueRanges: [ClosedRange<Double>?] = [], nonFinite: NonFinitePolicy = .error,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.paths = paths
        self.valueRanges = valueRanges
        self.nonFinite = nonFinite
        self.threads = Swift.max(1, threads)
    }

    /// The file of sample `n`, if known.
    public func path(_ n: Int) -> String? { paths.indices.contains(n) ? paths[n] : nil }

    /// The on-disk value range of sample `n`, if known.
    public func valueRange(_ n: Int) -> ClosedRange<Double>? { valueRanges.indices.contains(n) ? valueRanges[n] : nil }

    /// Moments per (sample, channel), sample-major, with the non-finite policy checked.
    func channelMoments(_ batch: Tensor) throws -> [Moments] {
        let shape = batch.shape
        let moments = batch.storage.withUnsafeBufferPointer {
            SegmentMoments.compute($0, segmentLength: shape.spatialCount, segments: shape.n * shape.c,
                                   nonFinite: nonFinite, threads: threads)
        }
        try nonFinite.check(moments, segmentsPerSample: shape.c, path: path)
        return moments
    }

    /// Per-channel `GroupStatistics` (group = channel) of per-(sample, channel) moments.
    func channelStatistics(_ moments: [Moments], channels: Int, eps: Double = 1e-5) -> [GroupStatistics] {
        moments.enumerated().map { index, m in
            GroupStatistics(sample: index / channels, group: index % channels,
                            channels: index % channels ..< index % channels + 1, moments: m, eps: eps)
        }
    }

    /// Applies `maps[n][c]` to each (sample, channel), sending channels with non-finite values through the scalar
    /// path and channels whose Float map is unsafe through the Double path (`ChannelAffine`).
    ///
    /// Throws `.nonFinite` (naming the file and channel) when a finite voxel comes out NaN or ±∞; the batch is then
    /// partly normalized and must not be written.
    func apply(_ maps: [[AffineMap]], to batch: inout Tensor, moments: [Moments]) throws {
        let maps = maps.joined().map(ChannelAffine.init)
        let spatial = batch.shape.spatialCount
        let flagged = moments.map { $0.nonFinite > 0 }
        let ranges = moments.map(\.countedRange)
        let produced = batch.storage.withUnsafeMutableBufferPointer {
            ChannelAffine.apply(maps, to: $0, segmentLength: spatial, ranges: ranges, hasNonFinite: flagged,
                                nonFinite: nonFinite, threads: threads)
        }
        try ChannelAffine.requireFinite(produced, maps: maps, ranges: ranges, channels: batch.shape.c, path: path)
    }
}
