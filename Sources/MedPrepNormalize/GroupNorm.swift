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
        let shape = tensor.shape
        let c = shape.c
        guard c % groups == 0 else {
            throw MedPrepError(.invalidArgument, path: paths(0),
                reason: "GroupNorm groups \(groups) do not divide the channel count \(c)")
        }
        try checkAffine(channels: c, path: paths(0))
        let perGroup = c / groups
        let spatial = shape.spatialCount
        let moments = try groupMoments(tensor, nonFinite: policy, paths: paths)
        var statistics = [GroupStatistics]()
        var maps = [ChannelAffine]()
        var flagged = [Bool]()
        var ranges = [ClosedRange<Double>?]()
        statistics.reserveCapacity(moments.count)
        maps.reserveCapacity(shape.n * c)
        for n in 0 ..< shape.n {
            for g in 0 ..< groups {
                let m = moments[n * groups + g]
                let stats = GroupStatistics(sample: n, group: g, channels: g * perGroup ..< (g + 1) * perGroup,
                                            moments: m, eps: eps)
                statistics.append(stats)
                for channel in stats.channels {
                    let scale = stats.rstd * Double(gamma?[channel] ?? 1)
                    maps.append(ChannelAffine(mean: m.mean, scale: scale, shift: Double(beta?[channel] ?? 0)))
                    flagged.append(m.nonFinite > 0)
                    ranges.append(m.countedRange)
                }
            }
        }
        let produced = tensor.storage.withUnsafeMutableBufferPointer {
            ChannelAffine.apply(maps, to: $0, segmentLength: spatial, ranges: ranges, hasNonFinite: flagged,
                                nonFinite: policy, threads: threads)
        }
        try ChannelAffine.requireFinite(produced, maps: maps, ranges: ranges, channels: c, path: paths)
        return statistics
    }

    /// The input statistics per (sample, group) without normalizing: the first pass of `apply`.
    public func statistics(of tensor: Tensor, nonFinite policy: NonFinitePolicy = .error,
                           path: String? = nil) throws -> [GroupStatistics] {
        let moments = try groupMoments(tensor, nonFinite: policy, paths: { _ in path })
        let perGroup = tensor.shape.c / groups
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
