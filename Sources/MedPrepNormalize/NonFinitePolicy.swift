import MedPrepCore

/// What a normalizer or statistics pass does with NaN and ±∞ voxels of its input.
///
/// Independently of the policy, a finite voxel never comes out NaN or ±∞: a normalizer throws `.nonFinite`
/// instead (see `ChannelAffine`).
public enum NonFinitePolicy: String, Sendable, Codable, CaseIterable {
    /// Refuse the input: throw `MedPrepError(.nonFinite)` naming the file and how many voxels are non-finite.
    /// Nothing is written to the tensor. The default.
    case error
    /// Leave the voxels out of every statistic (count, mean, variance, min, max, percentiles) and write them
    /// through unchanged (NaN stays NaN, ±∞ stays ±∞). They are still counted in `nonFinite`.
    case ignore
    /// Treat the voxels as 0 before any statistic is taken, and normalize them as the value 0.
    /// They are counted in `nonFinite` and, as zeros, in `count`.
    case zero
}

extension NonFinitePolicy {
    /// Under `.error`, throws for the first sample whose segments (consecutive runs of `segmentsPerSample`
    /// moments) met a non-finite value, naming that sample's file and its non-finite count.
    func check(_ moments: [Moments], segmentsPerSample: Int, path: (Int) -> String?) throws {
        guard self == .error, segmentsPerSample > 0 else { return }
        for sample in 0 ..< moments.count / segmentsPerSample {
            let slice = moments[sample * segmentsPerSample ..< (sample + 1) * segmentsPerSample]
            let count = slice.reduce(0) { $0 + $1.nonFinite }
            if count > 0 {
                throw MedPrepError(.nonFinite, path: path(sample),
                    reason: "\(count) non-finite voxel\(count == 1 ? "" : "s") (NaN or ±inf) in sample \(sample); "
                        + "choose a non-finite policy of ignore or zero to proceed")
            }
        }
    }
}
