import MedPrepCore

/// A normalization method applied in place to a batch `[N, C, D, H, W]`.
///
/// Returns the statistics of the *input* per (sample, group) as the method used them, sample-major;
/// per-channel methods report one group per channel.
public protocol Normalizer: Sendable {
    /// Stable name used on the command line and in reports.
    var name: String { get }
    func normalize(_ batch: inout Tensor, context: NormalizationContext) throws -> [GroupStatistics]
}
