/// Resource limits every decoder checks against a file's declared sizes *before* allocating.
public struct DecodeLimits: Sendable, Equatable {
    /// Default voxel cap: 2^31 voxels (8 GiB as float32).
    public static let defaultMaxVoxels = 1 << 31

    /// The most elements (voxels × channels) a single decoded scan may have.
    public var maxVoxels: Int

    public init(maxVoxels: Int = DecodeLimits.defaultMaxVoxels) {
        self.maxVoxels = maxVoxels
    }

    public static let `default` = DecodeLimits()

    /// Multiplies declared dimensions, throwing `.tooLarge` on overflow or when the product exceeds the cap,
    /// and `.malformed` for a zero or negative dimension.
    public func checkedElementCount(_ dimensions: [Int], path: String?) throws -> Int {
        var product = 1
        for dimension in dimensions {
            guard dimension > 0 else {
                throw MedPrepError(.malformed, path: path, reason: "dimension \(dimension) in \(dimensions) is not positive")
            }
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw MedPrepError(.tooLarge, path: path, reason: "declared size \(dimensions) overflows")
            }
            product = next
        }
        guard product <= maxVoxels else {
            throw MedPrepError(.tooLarge, path: path,
                reason: "declared size \(dimensions) is \(product) voxels, over the cap of \(maxVoxels) (raise it with --max-voxels)")
        }
        return product
    }
}
