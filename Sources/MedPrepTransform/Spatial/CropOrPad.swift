import MedPrepCore

/// Centre-crops and/or centre-pads a scan to a fixed spatial shape, as TorchIO's `CropOrPad`.
///
/// `shape` is `[W, H, D]` — the `(i, j, k)` voxel order of the file, like the pipeline's
/// `crop_or_pad: {shape: [128, 128, 96]}` — or `[W, H]` to leave `D` alone. Per axis with size `n` and
/// target `t`, the difference `|t − n|` is split as TorchIO does: `⌈|t − n|/2⌉` voxels cropped/padded at
/// the start and `⌊|t − n|/2⌋` at the end. Padding is constant: `padValue` for images (default 0, TorchIO's
/// default fill) and always 0 (background) for label maps.
///
/// Output voxel `p'` is input voxel `p = p' + o` with `o = +start crop` or `−start pad` per axis, so the
/// affine becomes `A' = A · [[I, o], [0, 1]]` (translation `+= A₃ₓ₃ · o`, qform and sform alike): every kept
/// voxel keeps its world coordinate. Spacing is unchanged.
package struct CropOrPad: ScanTransform {
    /// Target `[W, H]` or `[W, H, D]`.
    package let shape: [Int]
    /// Fill value for padded image voxels.
    package let padValue: Float
    /// Cap on the output size.
    package let limits: DecodeLimits

    /// Throws `.invalidArgument` unless `shape` has 2 or 3 positive entries and `padValue` is not NaN.
    package init(shape: [Int], padValue: Float = 0, limits: DecodeLimits = .default) throws {
        guard shape.count == 2 || shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "crop_or_pad needs a shape [W, H] or [W, H, D] of positive sizes, got \(shape)")
        }
        guard !padValue.isNaN else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "crop_or_pad pad value must not be NaN")
        }
        self.shape = shape
        self.padValue = padValue
        self.limits = limits
    }

    package var name: String { "crop_or_pad" }

    /// The per-axis `(i, j, k)` start offsets `o` (input index of output voxel 0) for a scan of `sizes`.
    package func offsets(for sizes: [Int]) -> [Int] {
        (0 ..< 3).map { axis in
            let target = axis < shape.count ? shape[axis] : sizes[axis]
            let difference = target - sizes[axis]
            return difference < 0 ? (-difference + 1) / 2 : -((difference + 1) / 2)
        }
    }

    /// The output sizes `(i, j, k)` for a scan of `sizes`.
    package func targets(for sizes: [Int]) -> [Int] {
        (0 ..< 3).map { $0 < shape.count ? shape[$0] : sizes[$0] }
    }

    /// Per axis, the output index range that maps inside an input of `sizes`: `p' ∈ [max(0, −o), min(t, n − o))`.
    func kept(for sizes: [Int]) -> [Range<Int>] {
        let (targets, offsets) = (targets(for: sizes), offsets(for: sizes))
        return (0 ..< 3).map { axis in
            let first = max(0, -offsets[axis])
            return first ..< max(first, min(targets[axis], sizes[axis] - offsets[axis]))
        }
    }

    package func apply(to scan: Scan, role: ScanRole) throws -> Scan {
        let inShape = scan.tensor.shape
        let sizes = inShape.sizeIJK
        let targets = targets(for: sizes)
        var outShape = inShape
        (outShape.w, outShape.h, outShape.d) = (targets[0], targets[1], targets[2])
        _ = try limits.checkedElementCount(outShape.dimensions, path: scan.path)
        let offsets = offsets(for: sizes)

        var result = scan
        result.geometry = scan.geometry.reindexed(scale: [1, 1, 1], offset: offsets.map(Double.init))
        if targets == sizes { return result }

        let window = kept(for: sizes)
        let fill = role == .label ? 0 : padValue
        var storage = [Float](repeating: fill, count: outShape.count)
        if window.allSatisfy({ !$0.isEmpty }) {
            let (first, runLength) = (window[0].lowerBound, window[0].count)
            storage.withUnsafeMutableBufferPointer { output in
                scan.tensor.storage.withUnsafeBufferPointer { input in
                    for plane in 0 ..< inShape.n * inShape.c {
                        let inBase = plane * inShape.spatialCount, outBase = plane * outShape.spatialCount
                        for z in window[2] {
                            for y in window[1] {
                                let source = inBase + ((z + offsets[2]) * inShape.h + y + offsets[1]) * inShape.w + first + offsets[0]
                                let target = outBase + (z * outShape.h + y) * outShape.w + first
                                _ = UnsafeMutableBufferPointer(rebasing: output[target ..< target + runLength])
                                    .update(fromContentsOf: UnsafeBufferPointer(rebasing: input[source ..< source + runLength]))
                            }
                        }
                    }
                }
            }
        }
        result.tensor = Tensor(shape: outShape, storage: storage)
        return result
    }
}
