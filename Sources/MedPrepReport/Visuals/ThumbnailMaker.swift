import Foundation
import MedPrepCore
import MedPrepCodecs
import MedPrepNormalize

/// Draws the middle slices of a scan's channel 0 as small grayscale PNGs (`ThumbnailSet`).
///
/// - Planes: a volume with a world frame (NIfTI) gives three orthogonal slices through voxel index `⌊n/2⌋` of the
///   voxel axis closest to each world axis (`AxisCodes`): axial (across S), coronal (across A), sagittal (across
///   R), laid out in the neurological convention: patient left on the picture's left in axial and coronal
///   views, anterior at the top of axial views, superior at the top of coronal and sagittal ones, anterior on the
///   right of sagittal views. A volume without a world frame (multi-page TIFF, or a degenerate affine) gives the
///   slices across `k`, `j`, `i` as stored (first row at the top); a 2D image (`D = 1`) gives itself as stored.
/// - Size: the longer side of the plane's physical extent (voxels × spacing) gets `L = min(maxSide, max(n_h, n_v))`
///   pixels, the other `max(1, ⌊L · e / e_max + ½⌋)`. Display pixel `p` of an axis of `n` voxels and `m` pixels shows
///   voxel `min(n − 1, ⌊(p + ½) · n / m⌋)` counted from the side the convention puts first (nearest neighbour).
/// - Window: `lo`, `hi` = numpy-`'linear'` p0.5 and p99.5 of the finite shown values of all planes together; a
///   value `x` becomes `⌊255 · clamp((x − lo)/(hi − lo), 0, 1) + ½⌋` (Double), a non-finite one 0, everything 0
///   when `hi ≤ lo`.
package enum ThumbnailMaker {
    package static let maxSide = 128
    package static let neurological = "neurological: axial and coronal with patient left on the left, "
        + "axial anterior up, coronal and sagittal superior up, sagittal anterior on the right"
    package static let asStored = "as stored: first row at the top, first column on the left (no world frame)"

    /// One axis of a plane on screen: the voxel axis (0 = i, 1 = j, 2 = k) and whether the screen runs against it.
    struct ScreenAxis {
        var voxelAxis: Int
        var reversed: Bool
    }

    struct Plane {
        var name: String
        var across: Int
        var horizontal: ScreenAxis
        var vertical: ScreenAxis
    }

    /// The pictures of `scan` (its first sample).
    package static func make(_ scan: Scan) -> ThumbnailSet {
        let (planes, convention) = layout(scan)
        let sizes = [scan.tensor.shape.w, scan.tensor.shape.h, scan.tensor.shape.d]
        let spacing = (0 ..< 3).map { axis -> Double in
            let s = axis < scan.geometry.spacing.count ? abs(scan.geometry.spacing[axis]) : 1
            return s.isFinite && s > 0 ? s : 1
        }
        let sampled = scan.tensor.storage.withUnsafeBufferPointer { storage in
            planes.map { sample($0, storage: storage, sizes: sizes, spacing: spacing) }
        }
        let shown = sampled.flatMap(\.values).filter(\.isFinite).sorted()
        let window = shown.isEmpty ? [0.0, 0.0]
            : [PercentileNormalizer.percentile(sorted: shown, 0.5), PercentileNormalizer.percentile(sorted: shown, 99.5)]
        let pictures = zip(planes, sampled).map { plane, image in
            let pixels = image.values.map { gray($0, low: window[0], high: window[1]) }
            let png = PNGEncoder.gray8(width: image.width, height: image.height, pixels: pixels)
            return Thumbnail(plane: plane.name, width: image.width, height: image.height, png: Data(png).base64EncodedString())
        }
        return ThumbnailSet(planes: pictures, window: window, convention: convention, channels: scan.tensor.shape.c)
    }

    /// `⌊255 · clamp((x − low)/(high − low), 0, 1) + ½⌋`; 0 for a non-finite `x` or an empty window.
    static func gray(_ x: Float, low: Double, high: Double) -> UInt8 {
        guard x.isFinite, high > low else { return 0 }
        let t = Swift.min(1, Swift.max(0, (Double(x) - low) / (high - low)))
        return UInt8((255 * t + 0.5).rounded(.down))
    }

    /// The planes to draw and the convention they follow.
    static func layout(_ scan: Scan) -> ([Plane], String) {
        if scan.tensor.shape.d == 1 {
            return ([Plane(name: "image", across: 2, horizontal: ScreenAxis(voxelAxis: 0, reversed: false),
                           vertical: ScreenAxis(voxelAxis: 1, reversed: false))], asStored)
        }
        guard scan.geometry.affineSource != .pixel, let codes = AxisCodes(affine: scan.geometry.affine) else {
            let stored = { (axis: Int) in ScreenAxis(voxelAxis: axis, reversed: false) }
            return ([Plane(name: "k", across: 2, horizontal: stored(0), vertical: stored(1)),
                     Plane(name: "j", across: 1, horizontal: stored(0), vertical: stored(2)),
                     Plane(name: "i", across: 0, horizontal: stored(1), vertical: stored(2))], asStored)
        }
        // The voxel axis along world axis w (0 = R, 1 = A, 2 = S) and whether it points to +w.
        func axis(_ world: Int) -> (voxel: Int, positive: Bool) {
            let index = codes.directions.firstIndex { $0.worldAxis == world } ?? world
            return (index, codes.directions[index].sign > 0)
        }
        let (r, a, s) = (axis(0), axis(1), axis(2))
        // Left to right runs towards +w when the voxel axis points to −w; top to bottom runs from +w downwards.
        let towards = { (w: (voxel: Int, positive: Bool)) in ScreenAxis(voxelAxis: w.voxel, reversed: !w.positive) }
        let downFrom = { (w: (voxel: Int, positive: Bool)) in ScreenAxis(voxelAxis: w.voxel, reversed: w.positive) }
        return ([Plane(name: "axial", across: s.voxel, horizontal: towards(r), vertical: downFrom(a)),
                 Plane(name: "coronal", across: a.voxel, horizontal: towards(r), vertical: downFrom(s)),
                 Plane(name: "sagittal", across: r.voxel, horizontal: towards(a), vertical: downFrom(s))], neurological)
    }

    /// The values shown for `plane` (channel 0, sample 0), rows top to bottom.
    static func sample(_ plane: Plane, storage: UnsafeBufferPointer<Float>, sizes: [Int], spacing: [Double])
        -> (width: Int, height: Int, values: [Float]) {
        let nh = sizes[plane.horizontal.voxelAxis], nv = sizes[plane.vertical.voxelAxis]
        let eh = Double(nh) * spacing[plane.horizontal.voxelAxis], ev = Double(nv) * spacing[plane.vertical.voxelAxis]
        let side = Swift.min(maxSide, Swift.max(nh, nv)), largest = Swift.max(eh, ev)
        let width = Swift.max(1, Int((Double(side) * eh / largest + 0.5).rounded(.down)))
        let height = Swift.max(1, Int((Double(side) * ev / largest + 0.5).rounded(.down)))
        let columns = indices(count: width, voxels: nh, reversed: plane.horizontal.reversed)
        let rows = indices(count: height, voxels: nv, reversed: plane.vertical.reversed)
        let strides = [1, sizes[0], sizes[0] * sizes[1]]
        let base = (sizes[plane.across] / 2) * strides[plane.across]
        var values = [Float]()
        values.reserveCapacity(width * height)
        for row in rows {
            for column in columns {
                values.append(storage[base + row * strides[plane.vertical.voxelAxis] + column * strides[plane.horizontal.voxelAxis]])
            }
        }
        return (width, height, values)
    }

    /// Voxel index shown at each of `count` screen positions along an axis of `voxels` voxels.
    static func indices(count: Int, voxels: Int, reversed: Bool) -> [Int] {
        (0 ..< count).map { p in
            let index = Swift.min(voxels - 1, Int(((Double(p) + 0.5) * Double(voxels) / Double(count)).rounded(.down)))
            return reversed ? voxels - 1 - index : index
        }
    }
}
