import MedPrepCore

/// Groups scans into batches of `batchSize` (the last one may be smaller) and stacks each group along N.
///
/// All scans must share one per-sample shape `[C, D, H, W]`; otherwise assembly fails with a
/// `.shapeMismatch` error naming the differing files and shapes and suggesting a `crop_or_pad` stage.
package struct BatchAssembler: Sendable {
    package let batchSize: Int

    /// Throws `.invalidArgument` when `batchSize < 1`.
    package init(batchSize: Int) throws {
        guard batchSize >= 1 else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "batch size must be at least 1, got \(batchSize)")
        }
        self.batchSize = batchSize
    }

    /// The index ranges of the batches for `count` scans: `[0, b), [b, 2b), …`, the last possibly shorter.
    /// Lets a caller decode one batch at a time.
    package func ranges(count: Int) -> [Range<Int>] {
        stride(from: 0, to: max(0, count), by: batchSize).map { $0 ..< min($0 + batchSize, count) }
    }

    /// All scans in batches, after checking that they share one per-sample shape.
    package func batches(_ scans: [Scan]) throws -> [Batch] {
        try Self.requireCommonShape(scans)
        return try ranges(count: scans.count).map { try Self.stack(scans[$0]) }
    }

    /// One batch of all `scans` (any count ≥ 1), ignoring `batchSize`.
    package func assemble(_ scans: [Scan]) throws -> Batch {
        try Self.requireCommonShape(scans)
        return try Self.stack(scans[...])
    }

    /// One batch of all `scans` (any count ≥ 1), leaving `scans` without their voxels: a single scan's storage is
    /// moved rather than copied (so a normalizer can work on it in place), several are stacked and released.
    package static func assemble(consuming scans: inout [Scan]) throws -> Batch {
        try requireCommonShape(scans)
        guard scans.count > 1 else {
            let scan = scans[0]
            scans[0].tensor.storage = []
            return try Batch(tensor: scan.tensor, paths: [scan.path], headers: [scan.header], geometries: [scan.geometry])
        }
        let batch = try stack(scans[...])
        for index in scans.indices { scans[index].tensor.storage = [] }
        return batch
    }

    /// Throws unless `scans` is non-empty, each scan holds one sample, and all share the first scan's
    /// per-sample shape. The error lists up to 5 differing files with their shapes.
    package static func requireCommonShape(_ scans: [Scan]) throws {
        guard let first = scans.first else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "cannot assemble a batch from no scans")
        }
        if let multi = scans.first(where: { $0.tensor.shape.n != 1 }) {
            throw MedPrepError(.invalidArgument, path: multi.path,
                reason: "holds \(multi.tensor.shape.n) samples; a batch member must hold exactly one")
        }
        let reference = first.tensor.shape.sampleDimensions
        let differing = scans.filter { $0.tensor.shape.sampleDimensions != reference }
        guard let firstDiffering = differing.first else { return }
        let listed = differing.prefix(5).map { "\($0.path) \(shapeText($0.tensor.shape))" }.joined(separator: ", ")
        let more = differing.count > 5 ? " and \(differing.count - 5) more" : ""
        throw MedPrepError(.shapeMismatch, path: firstDiffering.path,
            reason: "\(differing.count) of \(scans.count) scans differ from the per-sample shape \(shapeText(first.tensor.shape)) of \(first.path): "
                + "\(listed)\(more); add a crop_or_pad stage (e.g. crop_or_pad: {shape: [W, H, D]}) or a resample stage to bring them to one shape")
    }

    /// `[C, D, H, W]` spelled out with axis names.
    private static func shapeText(_ shape: TensorShape) -> String {
        "[C, D, H, W] = \(shape.sampleDimensions)"
    }

    /// Stacks scans already known to share one per-sample shape.
    private static func stack(_ scans: ArraySlice<Scan>) throws -> Batch {
        guard let first = scans.first else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "cannot assemble a batch from no scans")
        }
        var shape = first.tensor.shape
        shape.n = scans.count
        let sampleCount = shape.sampleCount
        let storage = [Float](unsafeUninitializedCapacity: shape.count) { output, initialized in
            var target = 0
            for scan in scans {
                scan.tensor.storage.withUnsafeBufferPointer { input in
                    _ = UnsafeMutableBufferPointer(rebasing: output[target ..< target + sampleCount]).initialize(fromContentsOf: input)
                }
                target += sampleCount
            }
            initialized = shape.count
        }
        return try Batch(tensor: Tensor(shape: shape, storage: storage),
                         paths: scans.map(\.path), headers: scans.map(\.header), geometries: scans.map(\.geometry))
    }
}
