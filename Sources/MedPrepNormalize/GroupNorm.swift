import MedPrepCore
import Foundation

/// Group normalization with exactly the semantics of PyTorch `nn.GroupNorm(groups, C, eps, affine)`.
///
/// The tensor `[N, C, D, H, W]` is viewed as `[N, C, S]`, `S = D·H·W`. For sample `n` and group `g`
/// (channels `g·C/G ..< (g+1)·C/G`), over its `(C/G)·S` values:
///
///     μ = mean(x),  σ² = mean((x − μ)²)  (biased),  rstd = 1 / √(max(σ², 0) + eps)
///     y = (x − μ)·(rstd·γ_c) + β_c
///
/// Statistics come from `Moments` (chunked corrected two-pass, Chan merge, Double), never from a one-pass
/// Float `E[x²] − E[x]²`. The per-channel scale `a = rstd·γ_c` and shift are computed in Double and applied in
/// Float with a two-term mean (see `ChannelAffine`), or in Double for a channel where that Float form would
/// overflow or lose the scale to a denormal (e.g. values near ±3e38); a finite voxel whose output is still
/// NaN or ±∞ fails the call with `.nonFinite`. Work is split into fixed blocks of each (sample, group),
/// merged in block order: a sample's output is bit-identical whatever else is in its batch and whatever
/// `threads` is.
public struct GroupNorm: Sendable {
    public let groups: Int
    public let eps: Double
    /// Per-channel scale γ (count C), or nil for γ = 1.
    public let gamma: [Float]?
    /// Per-channel shift β (count C), or nil for β = 0.
    public let beta: [Float]?
    /// Worker threads for `concurrentPerform`.
    public let threads: Int

    /// Throws `.invalidArgument` for `groups < 1`, a negative or non-finite `eps`, `threads < 1`, or γ/β
    /// of different lengths.
    public init(groups: Int, eps: Double = 1e-5, gamma: [Float]? = nil, beta: [Float]? = nil,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        guard groups >= 1 else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "GroupNorm needs at least 1 group, got \(groups)")
        }
        guard eps >= 0, eps.isFinite else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "GroupNorm eps must be finite and ≥ 0, got \(eps)")
        }
        guard threads >= 1 else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "thread count must be ≥ 1, got \(threads)")
        }
        if let gamma, let beta, gamma.count != beta.count {
            throw MedPrepError(.invalidArgument, path: nil,
                reason: "GroupNorm gamma has \(gamma.count) values but beta has \(beta.count)")
        }
        self.groups = groups
        self.eps = eps
        self.gamma = gamma
        self.beta = beta
        self.threads = threads
    }

    /// Normalizes `tensor` in place and returns the input statistics per (sample, group), sample-major.
    ///
    /// Throws `.invalidArgument` if `groups` does not divide C or γ/β do not have C values, and `.nonFinite`
    /// (naming `path`) under `.error` when the input holds NaN/±∞; on these throws the tensor is unchanged.
    /// Also throws `.nonFinite` when a finite voxel's output is NaN or ±∞ (beyond float32, e.g. a huge γ); the
    /// tensor is then partly normalized and must not be used.
    public func apply(to tensor: inout Tensor, nonFinite: NonFinitePolicy = .error,
                      path: String? = nil) throws -> [GroupStatistics] {
        try apply(to: &tensor, nonFinite: nonFinite, paths: { _ in path })
    }

    /// As `apply(to:nonFinite:path:)`, with the file of each sample given by `paths(n)`.
    public func apply(to tensor: inout Tensor, nonFinite policy: NonFinitePolicy,
                      paths: (Int) -> String?) throws -> [GroupStatistics] {
        let (moments, maps) = try prepare(tensor, nonFinite: policy, paths: paths)
        let shape = tensor.shape
        let perGroup = shape.c / groups
        let channelGroups = (0 ..< shape.n * shape.c).map { moments[$0 / perGroup] }
        let ranges = channelGroups.map(\.countedRange)
        let affines = maps.joined().map(ChannelAffine.init)
        let produced = tensor.storage.withUnsafeMutableBufferPointer {
            ChannelAffine.apply(affines, to: $0, segmentLength: shape.spatialCount, ranges: ranges,
                                hasNonFinite: channelGroups.map { $0.nonFinite > 0 }, nonFinite: policy, threads: threads)
        }
        try ChannelAffine.requireFinite(produced, maps: affines, ranges: ranges, channels: shape.c, path: paths)
        return statistics(moments, channels: shape.c)
    }

    /// The map of each (sample, channel) of `tensor`, `[sample][channel]`, as `apply` computes it, without changing
    /// `tensor`; throws what `apply` throws before it changes the tensor.
    public func affineMaps(of tensor: Tensor, nonFinite policy: NonFinitePolicy = .error,
                           paths: (Int) -> String? = { _ in nil }) throws -> [[AffineMap]] {
        try prepare(tensor, nonFinite: policy, paths: paths).maps
    }

    /// The maps of a batch of `channels` channels from its per-(sample, channel) input moments, sample-major: each
    /// group's moments are those of its channels merged in order (equal to the moments `apply` takes over the
    /// group's voxels up to rounding). Throws `.invalidArgument` as `apply` does for `groups`, γ and β.
    public func affineMaps(channelMoments: [Moments], channels: Int) throws -> [[AffineMap]] {
        guard channels > 0, channels % groups == 0 else {
            throw MedPrepError(.invalidArgument, path: nil,
                reason: "GroupNorm groups \(groups) do not divide the channel count \(channels)")
        }
        try checkAffine(channels: channels, path: nil)
        let perGroup = channels / groups
        let groupMoments = stride(from: 0, to: channelMoments.count, by: perGroup).map { start in
            var group = Moments()
            for member in channelMoments[start ..< start + perGroup] { group.merge(member) }
            return group
        }
        return affineMaps(groupMoments: groupMoments, channels: channels)
    }

    /// The input statistics per (sample, group) without normalizing: the first pass of `apply`.
    public func statistics(of tensor: Tensor, nonFinite policy: NonFinitePolicy = .error,
                           path: String? = nil) throws -> [GroupStatistics] {
        statistics(try groupMoments(tensor, nonFinite: policy, paths: { _ in path }), channels: tensor.shape.c)
    }

    /// The moments per (sample, group) and the maps: everything `apply` computes before changing the tensor.
    private func prepare(_ tensor: Tensor, nonFinite policy: NonFinitePolicy,
                         paths: (Int) -> String?) throws -> (moments: [Moments], maps: [[AffineMap]]) {
        let c = tensor.shape.c
        guard c % groups == 0 else {
            throw MedPrepError(.invalidArgument, path: paths(0),
                reason: "GroupNorm groups \(groups) do not divide the channel count \(c)")
        }
        try checkAffine(channels: c, path: paths(0))
        let moments = try groupMoments(tensor, nonFinite: policy, paths: paths)
        return (moments, affineMaps(groupMoments: moments, channels: c))
    }

    /// `y = (x − μ)·(rstd·γ_c) + β_c` per (sample, channel) from the moments per (sample, group).
    private func affineMaps(groupMoments: [Moments], channels: Int) -> [[AffineMap]] {
        let perGroup = channels / groups
        return stride(from: 0, to: groupMoments.count, by: groups).map { first in
            (0 ..< channels).map { channel in
                let m = groupMoments[first + channel / perGroup]
                return .zScore(mean: m.mean, variance: m.variance, eps: eps, gamma: gamma?[channel], beta: beta?[channel])
            }
        }
    }

    /// `GroupStatistics` of the moments per (sample, group).
    private func statistics(_ moments: [Moments], channels: Int) -> [GroupStatistics] {
        let perGroup = channels / groups
        return moments.enumerated().map { index, m in
            let g = index % groups
            return GroupStatistics(sample: index / groups, group: g, channels: g * perGroup ..< (g + 1) * perGroup,
                                   moments: m, eps: eps)
        }
    }

    /// Moments per (sample, group), sample-major, after checking the shape and the non-finite policy.
    func groupMoments(_ tensor: Tensor, nonFinite policy: NonFinitePolicy, paths: (Int) -> String?) throws -> [Moments] {
        let shape = tensor.shape
        guard shape.c % groups == 0 else {
            throw MedPrepError(.invalidArgument, path: paths(0),
                reason: "GroupNorm groups \(groups) do not divide the channel count \(shape.c)")
        }
        let moments = tensor.storage.withUnsafeBufferPointer {
            SegmentMoments.compute($0, segmentLength: shape.c / groups * shape.spatialCount, segments: shape.n * groups,
                                   nonFinite: policy, threads: threads)
        }
        try policy.check(moments, segmentsPerSample: groups, path: paths)
        return moments
    }

    private func checkAffine(channels c: Int, path: String?) throws {
        for (name, values) in [("gamma", gamma), ("beta", beta)] {
            if let values, values.count != c {
                throw MedPrepError(.invalidArgument, path: path,
                    reason: "GroupNorm \(name) has \(values.count) values for \(c) channels")
            }
        }
    }
}
