import MedPrepCore

/// Permutes and flips voxel axes so that they point as `target` says (`RAS`, `LPS`…), as nibabel's
/// `as_reoriented` / `as_closest_canonical`, MONAI's `Orientation` and TorchIO's `ToCanonical`: no interpolation,
/// every voxel keeps its value and its world coordinate.
///
/// The scan's current code is the closest one of its affine (`AxisCodes(affine:)`, nibabel's `io_orientation`,
/// so an oblique affine counts as its closest code). Output voxel axis `j` is input axis `s(j)`, the one pointing
/// along the same world axis as target letter `j`, reversed (`f(j) = −1`) when it points the other way:
/// output index `p'ⱼ` reads input index `p_s(j) = p'ⱼ` (`f = +1`) or `n_s(j) − 1 − p'ⱼ` (`f = −1`).
///
/// Geometry: column `j` of the new affine is `f(j) ·` column `s(j)` of the old one, and the translation gains
/// `(n_s(j) − 1) ·` column `s(j)` for every flipped axis (`A' = A · T`, nibabel's `inv_ornt_aff`); qform and sform
/// are mapped the same way, their codes kept. Spacing is permuted with the axes: `spacing'ⱼ = spacing_s(j)`.
///
/// Label maps are permuted exactly like images. Scans without a world frame (PNG, TIFF: `AffineSource.pixel`)
/// are returned unchanged.
package struct Orient: ScanTransform {
    /// The axis code the output has.
    package let target: AxisCodes

    package init(to target: AxisCodes) {
        self.target = target
    }

    package var name: String { "orient" }

    /// For each output voxel axis `j`, the input axis `s(j)` it reads and whether it runs reversed.
    package static func axisMap(from current: AxisCodes, to target: AxisCodes) -> (source: [Int], reversed: [Bool]) {
        var source = [Int](), reversed = [Bool]()
        for wanted in target.directions {
            let input = current.directions.firstIndex { $0.worldAxis == wanted.worldAxis } ?? 0
            source.append(input)
            reversed.append(current.directions[input].sign != wanted.sign)
        }
        return (source, reversed)
    }

    /// - Throws: `.malformed` when the affine has no closest code (a degenerate affine: a zero or repeated column).
    package func apply(to scan: Scan, role: ScanRole) throws -> Scan {
        guard let (source, reversed) = try axisMap(of: scan) else { return scan }
        if source == [0, 1, 2] && !reversed.contains(true) { return scan }
        let sizes = scan.tensor.shape.sizeIJK
        var result = scan
        result.geometry = scan.geometry.reoriented(source: source, reversed: reversed, sizes: sizes)
        result.tensor = Self.permuted(scan.tensor, source: source, reversed: reversed)
        return result
    }

    /// What `apply` does to `scan` when it only reverses axes (no permutation, or nothing): the geometry it gives
    /// and which voxel axes `(i, j, k)` run reversed, so that a sampler can read the input through reversed indices
    /// (`n − 1 − p`) instead of a reoriented copy (`FusedResampling`). Nil when `apply` permutes axes. Throws what
    /// `apply` throws.
    package func reversal(of scan: Scan) throws -> (geometry: ScanGeometry, reversed: [Bool])? {
        guard let (source, reversed) = try axisMap(of: scan) else { return (scan.geometry, [false, false, false]) }
        guard source == [0, 1, 2] else { return nil }
        guard reversed.contains(true) else { return (scan.geometry, reversed) }
        return (scan.geometry.reoriented(source: source, reversed: reversed, sizes: scan.tensor.shape.sizeIJK), reversed)
    }

    /// The axis map from `scan`'s closest code to `target`; nil for a scan without a world frame.
    private func axisMap(of scan: Scan) throws -> (source: [Int], reversed: [Bool])? {
        guard scan.geometry.affineSource != .pixel else { return nil }
        guard let current = AxisCodes(affine: scan.geometry.affine) else {
            let axes = AxisCodes.closestDirections(of: scan.geometry.affine).enumerated()
                .filter { $0.element == nil }.map { ["i", "j", "k"][$0.offset] }
            throw MedPrepError(.malformed, path: scan.path,
                reason: "cannot orient to \(target): the affine \(scan.geometry.affine.rows.prefix(3)) gives voxel axis "
                    + "\(axes.joined(separator: ", ")) no world direction (a zero or repeated column); fix the file's "
                    + "sform/qform or remove the orient stage")
        }
        return Self.axisMap(from: current, to: target)
    }

    /// The tensor with output axis `j` (in `(i, j, k)` = `(W, H, D)` order) read from input axis `source[j]`,
    /// reversed where `reversed[j]`; every (sample, channel) plane alike.
    static func permuted(_ tensor: Tensor, source: [Int], reversed: [Bool]) -> Tensor {
        let inShape = tensor.shape
        let sizes = inShape.sizeIJK
        let strides = [1, inShape.w, inShape.w * inShape.h]
        var outShape = inShape
        (outShape.w, outShape.h, outShape.d) = (sizes[source[0]], sizes[source[1]], sizes[source[2]])
        var steps = [Int](), start = 0
        for axis in 0 ..< 3 {
            let stride = strides[source[axis]]
            steps.append(reversed[axis] ? -stride : stride)
            if reversed[axis] { start += (sizes[source[axis]] - 1) * stride }
        }
        let (stepX, stepY, stepZ) = (steps[0], steps[1], steps[2])
        let (width, height, depth) = (outShape.w, outShape.h, outShape.d)
        let plane = inShape.spatialCount
        let storage = [Float](unsafeUninitializedCapacity: outShape.count) { output, initialized in
            tensor.storage.withUnsafeBufferPointer { input in
                var target = 0
                for planeIndex in 0 ..< inShape.n * inShape.c {
                    let base = planeIndex * plane + start
                    for z in 0 ..< depth {
                        for y in 0 ..< height {
                            var index = base + z * stepZ + y * stepY
                            if stepX == 1 {
                                _ = UnsafeMutableBufferPointer(rebasing: output[target ..< target + width])
                                    .initialize(fromContentsOf: UnsafeBufferPointer(rebasing: input[index ..< index + width]))
                                target += width
                            } else {
                                for _ in 0 ..< width {
                                    output[target] = input[index]
                                    index += stepX
                                    target += 1
                                }
                            }
                        }
                    }
                }
            }
            initialized = outShape.count
        }
        return Tensor(shape: outShape, storage: storage)
    }
}

extension Affine {
    /// The affine of the grid whose axis `j` is axis `source[j]` of this one, reversed where `reversed[j]`
    /// (`sizes` in `(i, j, k)` order): column `j` is `±` column `source[j]`, and the translation moves by
    /// `(n − 1) ·` column `source[j]` for each reversed axis, so every voxel keeps its world coordinate.
    func reoriented(source: [Int], reversed: [Bool], sizes: [Int]) -> Affine {
        var result = self
        for row in 0 ..< 3 {
            var translation = self[row, 3]
            for column in 0 ..< 3 {
                let old = self[row, source[column]]
                result[row, column] = reversed[column] ? -old : old
                if reversed[column] { translation += Double(sizes[source[column]] - 1) * old }
            }
            result[row, 3] = translation
        }
        return result
    }
}

extension ScanGeometry {
    /// The frame after `Affine.reoriented`: affine, qform and sform alike, codes and affine source kept; spacing
    /// permuted with the axes.
    func reoriented(source: [Int], reversed: [Bool], sizes: [Int]) -> ScanGeometry {
        var result = self
        result.affine = affine.reoriented(source: source, reversed: reversed, sizes: sizes)
        result.qform = qform?.reoriented(source: source, reversed: reversed, sizes: sizes)
        result.sform = sform?.reoriented(source: source, reversed: reversed, sizes: sizes)
        let spacing = spacingIJK
        result.spacing = source.map { spacing[$0] }
        return result
    }
}
