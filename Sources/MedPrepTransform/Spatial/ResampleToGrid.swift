import MedPrepCore

/// Resamples a scan onto another voxel grid in world coordinates, using both full affines: ITK's and TorchIO's
/// `ResampleToMatch`, nibabel's `resample_from_to`. `input: {align: resample}` puts a case's label map and other
/// channel files on its first channel's grid with it.
///
/// With the target grid's affine `A₀` and shape `(n_i, n_j, n_k)`, and the scan's affine `A`, output voxel
/// `p = (i, j, k)` lies at world point `A₀·p`, which is the scan's voxel position `x = A⁻¹·A₀·p = M·p + b`
/// (`M`, `b`: the linear part and translation of `A⁻¹A₀`, in Double). Per axis of size `n`:
/// - a position outside `[0, n − 1]` on any axis gives 0, as `scipy.ndimage.map_coordinates(mode='constant',
///   cval=0)` (what `resample_from_to` calls); positions within 1e-6 voxel of a boundary count as on it, so that
///   rounding in `A⁻¹·A₀` does not decide whether a voxel on the edge is kept;
/// - images: trilinear, the 8-neighbour weights and Double sums of `Resample` (`order=1`); label maps, and images
///   with `interpolation: nearest`: `x[⌊x + ½⌋]` per axis (`order=0`).
///
/// Geometry: the target's (spacing, affine, qform, sform and their codes); the header and channel count are kept.
/// An affine that cannot be inverted (zero or parallel columns, non-finite entries) is a `.malformed` error.
package struct ResampleToGrid: ScanTransform {
    /// The frame of the target grid, which the output takes.
    package let geometry: ScanGeometry
    /// The target's spatial sizes `(W, H, D)` = `(n_i, n_j, n_k)`.
    package let sizes: [Int]
    /// Interpolation of images; label maps always use nearest.
    package let interpolation: Resample.Interpolation
    /// Cap on the output size.
    package let limits: DecodeLimits

    /// Positions this close (in voxels) outside `[0, n − 1]` count as on the boundary.
    static let edgeTolerance = 1e-6

    package init(geometry: ScanGeometry, sizes: [Int], interpolation: Resample.Interpolation = .linear,
                 limits: DecodeLimits = .default) {
        self.geometry = geometry
        self.sizes = sizes
        self.interpolation = interpolation
        self.limits = limits
    }

    /// Onto the grid of `reference` (its geometry and spatial shape).
    package init(onto reference: Scan, interpolation: Resample.Interpolation = .linear, limits: DecodeLimits = .default) {
        self.init(geometry: reference.geometry, sizes: reference.tensor.shape.sizeIJK, interpolation: interpolation,
                  limits: limits)
    }

    package var name: String { "align" }

    package func apply(to scan: Scan, role: ScanRole) throws -> Scan {
        var outShape = scan.tensor.shape
        (outShape.w, outShape.h, outShape.d) = (sizes[0], sizes[1], sizes[2])
        _ = try limits.checkedElementCount(outShape.dimensions, path: scan.path)
        guard let inverse = Self.inverse(scan.geometry.affine) else {
            throw MedPrepError(.malformed, path: scan.path,
                reason: "cannot resample onto another grid: the affine \(scan.geometry.affine.rows) cannot be inverted")
        }
        let mapping = Self.product(inverse, geometry.affine)
        var result = scan
        result.geometry = geometry
        result.tensor = Tensor(shape: outShape, storage: Self.sample(scan.tensor, outShape: outShape, mapping: mapping,
                                                                     nearest: role == .label || interpolation == .nearest))
        return result
    }

    /// `A⁻¹` for an affine with last row `(0, 0, 0, 1)`: the 3×3 inverse by cofactors and `−L⁻¹·t`; nil when the
    /// determinant is 0 or anything is not finite.
    static func inverse(_ a: Affine) -> Affine? {
        let m = (0 ..< 3).map { r in (0 ..< 3).map { c in a[r, c] } }
        let cofactor = { (r: Int, c: Int) -> Double in
            let (r1, r2, c1, c2) = ((r + 1) % 3, (r + 2) % 3, (c + 1) % 3, (c + 2) % 3)
            return m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1]
        }
        let determinant = (0 ..< 3).reduce(0.0) { $0 + m[0][$1] * cofactor(0, $1) }
        guard determinant != 0, determinant.isFinite else { return nil }
        var result = Affine.identity
        for r in 0 ..< 3 {
            for c in 0 ..< 3 { result[r, c] = cofactor(c, r) / determinant }
        }
        for r in 0 ..< 3 {
            result[r, 3] = -(0 ..< 3).reduce(0.0) { $0 + result[r, $1] * a[$1, 3] }
        }
        return result.values.allSatisfy(\.isFinite) ? result : nil
    }

    /// `a · b` for affines with last row `(0, 0, 0, 1)`.
    static func product(_ a: Affine, _ b: Affine) -> Affine {
        var result = Affine.identity
        for r in 0 ..< 3 {
            for c in 0 ..< 4 {
                result[r, c] = (0 ..< 3).reduce(c == 3 ? a[r, 3] : 0) { $0 + a[r, $1] * b[$1, c] }
            }
        }
        return result
    }

    /// Samples every channel plane of `tensor` at `x = M·p + b` for each voxel `p` of `outShape` (`mapping` =
    /// `A⁻¹A₀`); 0 outside the input.
    static func sample(_ tensor: Tensor, outShape: TensorShape, mapping m: Affine, nearest: Bool) -> [Float] {
        let inShape = tensor.shape
        let inSizes = inShape.sizeIJK
        let inPlane = inShape.spatialCount
        return [Float](unsafeUninitializedCapacity: outShape.count) { output, initialized in
            tensor.storage.withUnsafeBufferPointer { input in
                var target = 0
                for plane in 0 ..< inShape.n * inShape.c {
                    let base = plane * inPlane
                    for k in 0 ..< outShape.d {
                        for j in 0 ..< outShape.h {
                            let (dj, dk) = (Double(j), Double(k))
                            let row = (m[0, 1] * dj + m[0, 2] * dk + m[0, 3],
                                       m[1, 1] * dj + m[1, 2] * dk + m[1, 3],
                                       m[2, 1] * dj + m[2, 2] * dk + m[2, 3])
                            for i in 0 ..< outShape.w {
                                let di = Double(i)
                                guard let x = point(m[0, 0] * di + row.0, size: inSizes[0]),
                                      let y = point(m[1, 0] * di + row.1, size: inSizes[1]),
                                      let z = point(m[2, 0] * di + row.2, size: inSizes[2]) else {
                                    output[target] = 0
                                    target += 1
                                    continue
                                }
                                if nearest {
                                    output[target] = input[base + (z.nearest * inShape.h + y.nearest) * inShape.w + x.nearest]
                                } else {
                                    let rows = TrilinearRows(base: base, height: inShape.h, width: inShape.w,
                                                             z: (z.lower, z.upper, z.fraction), y: (y.lower, y.upper, y.fraction))
                                    output[target] = Float(rows.sum(input, x0: x.lower, x1: x.upper, fx: x.fraction))
                                }
                                target += 1
                            }
                        }
                    }
                }
            }
            initialized = outShape.count
        }
    }

    /// The sample at `position` along an axis of size `n`, or nil when it lies outside `[0, n − 1]` by more than
    /// `edgeTolerance`.
    @inline(__always)
    static func point(_ position: Double, size n: Int) -> SamplePoint? {
        guard position >= -edgeTolerance, position <= Double(n - 1) + edgeTolerance else { return nil }
        return SamplePoint(position: position, size: n)
    }
}
