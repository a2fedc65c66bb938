import MedPrepCore

/// Resamples a scan to a new voxel spacing: trilinear for images (or nearest when asked), nearest neighbour
/// for label maps.
///
/// Spacing is given in `(i, j, k)` = `(W, H, D)` order, like `ScanGeometry.spacing`. Per axis with input size
/// `n`, spacing `s` and target spacing `s'`:
/// - output size `n' = max(1, round(n · s / s'))` (round half away from zero);
/// - output index `p` samples the input at index `x = p · (s'/s)` — origin-aligned: output voxel 0 is input
///   voxel 0, and voxel centres keep the affine's meaning (the affine maps a voxel centre to the world);
/// - positions past the last voxel are clamped to it (clamp-to-edge), as `scipy.ndimage.map_coordinates`
///   with `mode='nearest'`.
/// Images: `y = Σ w·x` over the 8 neighbours with weights `(1−fₖ|fₖ)(1−fⱼ|fⱼ)(1−fᵢ|fᵢ)`, `f = x − ⌊x⌋`,
/// accumulated in Double (`map_coordinates(order=1)`); a neighbour of weight 0 is never read, so NaN spreads
/// only to outputs that really interpolate it. Labels: `y = x[⌊x + ½⌋]` per axis (`map_coordinates(order=0)`).
///
/// Geometry: `spacing = s'`, affine columns scaled by `s'/s` with the translation unchanged (`A' = A·diag(s'/s, 1)`);
/// qform and sform are mapped the same way, codes kept.
///
/// 2D images (`D = 1`) are resampled in-plane only: give 2 entries `[i, j]`, or 3 with `k` equal to the current
/// `k` spacing; a different `k` spacing is an `.invalidArgument` error. A 2-entry spacing on a 3D scan is one too.
package struct Resample: GridResampling {
    /// Target spacing `[i, j]` or `[i, j, k]`.
    package let spacing: [Double]
    /// Cap on the output size.
    package let limits: DecodeLimits
    /// Interpolation of images; label maps always use nearest.
    package let interpolation: Interpolation

    /// How image voxels between input samples are computed.
    package enum Interpolation: String, Sendable {
        case linear
        case nearest
    }

    /// Throws `.invalidArgument` unless `spacing` has 2 or 3 finite positive entries.
    package init(spacing: [Double], interpolation: Interpolation = .linear, limits: DecodeLimits = .default) throws {
        guard spacing.count == 2 || spacing.count == 3, spacing.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw MedPrepError(.invalidArgument, path: nil, reason: "resample needs 2 or 3 finite positive spacings, got \(spacing)")
        }
        self.spacing = spacing
        self.interpolation = interpolation
        self.limits = limits
    }

    package var name: String { "resample" }

    package func apply(to scan: Scan, role: ScanRole) throws -> Scan {
        try samplingPlan(for: scan).sampled(scan, role: role)
    }

    package func samplingPlan(for scan: Scan) throws -> SamplingPlan {
        let shape = scan.tensor.shape
        let source = scan.geometry.spacingIJK
        guard source.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw MedPrepError(.malformed, path: scan.path, reason: "cannot resample: voxel spacing \(scan.geometry.spacing) is not finite and positive")
        }
        let target = try targetSpacing(source: source, shape: shape, path: scan.path)
        let sizes = shape.sizeIJK
        var outSizes = [Int]()
        for axis in 0 ..< 3 {
            let exact = (Double(sizes[axis]) * source[axis] / target[axis]).rounded()
            guard exact <= Double(limits.maxVoxels) else {
                throw MedPrepError(.tooLarge, path: scan.path,
                    reason: "resampling to spacing \(target) gives \(exact) voxels along axis \(axis), over the cap of \(limits.maxVoxels)")
            }
            outSizes.append(max(1, Int(exact)))
        }
        let ratios = (0 ..< 3).map { target[$0] / source[$0] }
        var outShape = shape
        (outShape.w, outShape.h, outShape.d) = (outSizes[0], outSizes[1], outSizes[2])
        _ = try limits.checkedElementCount(outShape.dimensions, path: scan.path)

        let spacingCount = min(3, max(scan.geometry.spacing.count, spacing.count))
        var geometry = scan.geometry.reindexed(scale: ratios, offset: [0, 0, 0])
        geometry.spacing = Array(target.prefix(spacingCount))
        let unchanged = outSizes == sizes && ratios.allSatisfy { $0 == 1 }
        let axes = unchanged ? nil
            : (0 ..< 3).map { SampleAxis(inputSize: sizes[$0], outputSize: outSizes[$0], ratio: ratios[$0]) }
        return SamplingPlan(geometry: geometry, shape: outShape, axes: axes, interpolation: interpolation)
    }

    /// The full `(i, j, k)` target spacing after the 2D rules.
    private func targetSpacing(source: [Double], shape: TensorShape, path: String) throws -> [Double] {
        if spacing.count == 2 {
            guard shape.d == 1 else {
                throw MedPrepError(.invalidArgument, path: path,
                    reason: "resample spacing \(spacing) has 2 entries but the scan is 3D (D = \(shape.d)); give [i, j, k]")
            }
            return spacing + [source[2]]
        }
        if shape.d == 1 && abs(spacing[2] - source[2]) > 1e-9 * max(spacing[2], source[2]) {
            throw MedPrepError(.invalidArgument, path: path,
                reason: "a 2D image (D = 1) cannot be resampled along k (spacing \(source[2]) → \(spacing[2])); give [i, j] only")
        }
        return spacing
    }
}

/// Per-axis sampling table: output index `p` samples input position `x = p · ratio` (origin-aligned, `Resample`)
/// or `x = (p + ½) · ratio − ½` (`centred`: voxel edges aligned, `Resize`, computed in that order as
/// `scipy.ndimage.zoom(grid_mode=True)` does); the table holds each position's `SamplePoint`.
struct SampleAxis {
    var lower: [Int] = []
    var upper: [Int] = []
    var fraction: [Double] = []
    var nearest: [Int] = []

    init(inputSize n: Int, outputSize: Int, ratio: Double, centred: Bool = false) {
        lower.reserveCapacity(outputSize)
        upper.reserveCapacity(outputSize)
        fraction.reserveCapacity(outputSize)
        nearest.reserveCapacity(outputSize)
        for p in 0 ..< outputSize {
            let point = SamplePoint(position: centred ? (Double(p) + 0.5) * ratio - 0.5 : Double(p) * ratio, size: n)
            lower.append(point.lower)
            upper.append(point.upper)
            fraction.append(point.fraction)
            nearest.append(point.nearest)
        }
    }

    /// The tables read through a reversed input axis of size `n`: input index `q` becomes `n − 1 − q`, the
    /// fractions unchanged, so the sampled values are exactly those of the reversed input.
    func reversed(inputSize n: Int) -> SampleAxis {
        var axis = self
        axis.lower = lower.map { n - 1 - $0 }
        axis.upper = upper.map { n - 1 - $0 }
        axis.nearest = nearest.map { n - 1 - $0 }
        return axis
    }

    /// The tables of the output indices in `range` only.
    func restricted(to range: Range<Int>) -> SampleAxis {
        var axis = self
        (axis.lower, axis.upper) = (Array(lower[range]), Array(upper[range]))
        (axis.fraction, axis.nearest) = (Array(fraction[range]), Array(nearest[range]))
        return axis
    }
}

/// One sample position `x` along an axis of size `n`, clamped to `[0, n − 1]` (clamp-to-edge): the two neighbours
/// `⌊x⌋` and `min(⌊x⌋ + 1, n − 1)` (equal when the fraction is 0), the fraction `x − ⌊x⌋`, and the nearest index
/// `⌊x + ½⌋` clamped to `[0, n − 1]`. `SampleAxis` tabulates it per output index; `ResampleToGrid` computes it
/// per output voxel.
struct SamplePoint {
    var lower: Int
    var upper: Int
    var fraction: Double
    var nearest: Int

    @inline(__always)
    init(position: Double, size n: Int) {
        let last = Double(n - 1)
        let clamped = min(max(position, 0), last)
        let floorIndex = clamped.rounded(.down)
        fraction = clamped - floorIndex
        lower = Int(floorIndex)
        upper = fraction == 0 ? lower : min(lower + 1, n - 1)
        nearest = min(Int((position + 0.5).rounded(.down).clamped(to: 0 ... last)), n - 1)
    }
}

/// The four input rows a trilinear sample reads, `(z0, y0)`, `(z0, y1)`, `(z1, y0)`, `(z1, y1)` of one channel
/// plane, and their weights `(1−f_z)(1−f_y)`, `(1−f_z)f_y`, `f_z(1−f_y)`, `f_z f_y`.
struct TrilinearRows {
    let r00: Int, r01: Int, r10: Int, r11: Int
    let w00: Double, w01: Double, w10: Double, w11: Double
    let fy: Double, fz: Double

    @inline(__always)
    init(base: Int, height: Int, width: Int, z: (Int, Int, Double), y: (Int, Int, Double)) {
        r00 = base + (z.0 * height + y.0) * width
        r01 = base + (z.0 * height + y.1) * width
        r10 = base + (z.1 * height + y.0) * width
        r11 = base + (z.1 * height + y.1) * width
        (fz, fy) = (z.2, y.2)
        w00 = (1 - fz) * (1 - fy)
        w01 = (1 - fz) * fy
        w10 = fz * (1 - fy)
        w11 = fz * fy
    }

    /// `Σ w·x` over the 8 neighbours `x0`, `x1` of the four rows, in Double; a neighbour of weight 0 is never read,
    /// so NaN spreads only to outputs that really interpolate it.
    @inline(__always)
    func sum(_ input: UnsafeBufferPointer<Float>, x0: Int, x1: Int, fx: Double) -> Double {
        let gx = 1 - fx
        var sum = w00 * (gx * Double(input[r00 + x0]) + fx * Double(input[r00 + x1]))
        if fy != 0 { sum += w01 * (gx * Double(input[r01 + x0]) + fx * Double(input[r01 + x1])) }
        if fz != 0 {
            sum += w10 * (gx * Double(input[r10 + x0]) + fx * Double(input[r10 + x1]))
            if fy != 0 { sum += w11 * (gx * Double(input[r11 + x0]) + fx * Double(input[r11 + x1])) }
        }
        return sum
    }
}

extension Double {
    fileprivate func clamped(to range: ClosedRange<Double>) -> Double {
        Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }
}
