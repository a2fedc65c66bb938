import MedPrepCore

/// Resizes a scan to a fixed spatial shape that covers the same field of view, as MONAI's `Resize` and
/// `scipy.ndimage.zoom(grid_mode=True, mode='nearest')`: trilinear for images (or nearest when asked), nearest
/// neighbour for label maps.
///
/// `shape` is `[W, H, D]` in the `(i, j, k)` voxel order of the file, or `[W, H]` to leave `D` alone (2D images,
/// or a 3D scan resized in-plane). Per axis with input size `n`, spacing `s` and output size `n'`, with
/// `r = n / n'`:
/// - output index `p` samples the input at `x = (p + ½) · r − ½` — the voxel *edges* are aligned: the first and
///   last output voxels' outer faces lie on the input's (grid mode), so the field of view `n · s = n' · s'` is
///   kept;
/// - positions outside `[0, n − 1]` are clamped to the edge (`mode='nearest'`);
/// - images: the 8-neighbour trilinear weights of `Resample` (`order=1`); labels, and images with
///   `interpolation: nearest`: `x[⌊x + ½⌋]` per axis (`order=0`).
///
/// Geometry: `spacing' = s · r` per axis, and since output voxel `p` lies at input voxel `r ⊙ p + (r − 1)/2`,
/// `A' = A · [[diag(r), (r − 1)/2], [0, 1]]` (qform and sform alike, codes kept): the world position of the
/// field of view's corners is unchanged. An axis whose size is unchanged keeps its values and affine column.
///
/// A 2D image (`D = 1`) cannot be resized along `k`: a 3-entry shape with `D ≠ 1` is an `.invalidArgument` error.
package struct Resize: GridResampling {
    /// Target `[W, H]` or `[W, H, D]`.
    package let shape: [Int]
    /// Interpolation of images; label maps always use nearest.
    package let interpolation: Resample.Interpolation
    /// Cap on the output size.
    package let limits: DecodeLimits

    /// Throws `.invalidArgument` unless `shape` has 2 or 3 positive entries.
    package init(shape: [Int], interpolation: Resample.Interpolation = .linear, limits: DecodeLimits = .default) throws {
        guard shape.count == 2 || shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "resize needs a shape [W, H] or [W, H, D] of positive sizes, got \(shape)")
        }
        self.shape = shape
        self.interpolation = interpolation
        self.limits = limits
    }

    package var name: String { "resize" }

    package func apply(to scan: Scan, role: ScanRole) throws -> Scan {
        try samplingPlan(for: scan).sampled(scan, role: role)
    }

    package func samplingPlan(for scan: Scan) throws -> SamplingPlan {
        let inShape = scan.tensor.shape
        let sizes = inShape.sizeIJK
        if shape.count == 3 && sizes[2] == 1 && shape[2] != 1 {
            throw MedPrepError(.invalidArgument, path: scan.path,
                reason: "a 2D image (D = 1) cannot be resized along k to \(shape[2]) slices; give the shape as [W, H]")
        }
        let targets = (0 ..< 3).map { $0 < shape.count ? shape[$0] : sizes[$0] }
        var outShape = inShape
        (outShape.w, outShape.h, outShape.d) = (targets[0], targets[1], targets[2])
        _ = try limits.checkedElementCount(outShape.dimensions, path: scan.path)

        let ratios = (0 ..< 3).map { Double(sizes[$0]) / Double(targets[$0]) }
        var geometry = scan.geometry.reindexed(scale: ratios, offset: ratios.map { ($0 - 1) / 2 })
        geometry.spacing = scan.geometry.spacing.enumerated().map { axis, value in
            axis < 3 ? value * ratios[axis] : value
        }
        let axes = targets == sizes ? nil
            : (0 ..< 3).map { SampleAxis(inputSize: sizes[$0], outputSize: targets[$0], ratio: ratios[$0], centred: true) }
        return SamplingPlan(geometry: geometry, shape: outShape, axes: axes, interpolation: interpolation)
    }
}
