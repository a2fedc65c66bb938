import MedPrepCore

/// Crops a scan to the bounding box of its foreground, enlarged by a margin, as nnU-Net's crop to nonzero
/// (`crop_to_nonzero`, with the box of channel 0 only).
///
/// Foreground is voxel `v` of **channel 0** (of any sample) with `x[0, v] ≠ 0` (`.nonzero`, as numpy's
/// `data != 0`, so NaN counts as foreground) or `x[0, v] > t` (`.above(t)`, NaN never). Per axis `(i, j, k)` with
/// size `n`, the box is `[max(0, first − m), min(n, last + 1 + m))` where `first`/`last` are the smallest and
/// largest foreground indices and `m` the margin: every channel is cropped to it alike.
///
/// An image with no foreground voxel keeps its whole extent (nnU-Net's `get_bbox_from_mask` returns the full
/// image for an empty mask): nothing is cropped, nothing fails.
///
/// The box is fitted on the image (`fitted(to:)` gives a `CropBox`) and the case's label map is cropped to the
/// same box; a label map alone cannot be cropped by this transform (`apply(to:role: .label)` throws).
package struct CropForeground: ImageFittedTransform {
    /// Which channel-0 values are foreground.
    package enum Foreground: Hashable, Sendable {
        /// `x ≠ 0`.
        case nonzero
        /// `x > t`.
        case above(Double)
    }

    package let foreground: Foreground
    /// Voxels added on each side of the box, `(i, j, k)`, clamped to the image.
    package let margin: [Int]

    /// Throws `.invalidArgument` unless `margin` has 2 or 3 non-negative entries (a missing `k` entry is 0) and a
    /// threshold is finite.
    package init(foreground: Foreground = .nonzero, margin: [Int] = [0, 0, 0]) throws {
        guard margin.count == 2 || margin.count == 3, margin.allSatisfy({ $0 >= 0 }) else {
            throw MedPrepError(.invalidArgument, path: nil,
                reason: "crop_foreground needs a margin [i, j] or [i, j, k] of non-negative voxel counts, got \(margin)")
        }
        if case .above(let t) = foreground, !t.isFinite {
            throw MedPrepError(.invalidArgument, path: nil, reason: "crop_foreground threshold must be finite, got \(t)")
        }
        self.foreground = foreground
        self.margin = margin.count == 3 ? margin : margin + [0]
    }

    package var name: String { "crop_foreground" }

    /// The box of `image` (see the type's documentation).
    package func fitted(to image: Scan) throws -> any ScanTransform {
        let sizes = image.tensor.shape.sizeIJK
        guard let bounds = foregroundBounds(image.tensor) else {
            return CropBox(start: [0, 0, 0], size: sizes, imageSizes: sizes)
        }
        let start = (0 ..< 3).map { max(0, bounds.first[$0] - margin[$0]) }
        let end = (0 ..< 3).map { min(sizes[$0], bounds.last[$0] + 1 + margin[$0]) }
        return CropBox(start: start, size: (0 ..< 3).map { end[$0] - start[$0] }, imageSizes: sizes)
    }

    /// Crops an image to its own box. A label map needs its image's box: it throws `.invalidArgument`.
    package func apply(to scan: Scan, role: ScanRole) throws -> Scan {
        guard role == .image else {
            throw MedPrepError(.invalidArgument, path: scan.path,
                reason: "crop_foreground crops a label map to the box of its image; fit it on the image first")
        }
        return try fitted(to: scan).apply(to: scan, role: role)
    }

    /// The smallest and largest `(i, j, k)` foreground indices of channel 0 over all samples; nil without any.
    func foregroundBounds(_ tensor: Tensor) -> (first: [Int], last: [Int])? {
        let shape = tensor.shape
        var first = [shape.w, shape.h, shape.d], last = [-1, -1, -1]
        let isForeground: (Float) -> Bool = switch foreground {
        case .nonzero: { $0 != 0 }
        case .above(let t): { Double($0) > t }
        }
        tensor.storage.withUnsafeBufferPointer { values in
            for sample in 0 ..< shape.n {
                let base = sample * shape.c * shape.spatialCount
                for z in 0 ..< shape.d {
                    for y in 0 ..< shape.h {
                        let row = base + (z * shape.h + y) * shape.w
                        guard let low = (0 ..< shape.w).first(where: { isForeground(values[row + $0]) }) else { continue }
                        let high = (low ..< shape.w).last(where: { isForeground(values[row + $0]) }) ?? low
                        first = [min(first[0], low), min(first[1], y), min(first[2], z)]
                        last = [max(last[0], high), max(last[1], y), max(last[2], z)]
                    }
                }
            }
        }
        return last[0] < 0 ? nil : (first, last)
    }
}

/// Crops every channel of a scan to the voxel box `[start, start + size)` per `(i, j, k)` axis: the fitted form of
/// `CropForeground`, applied to an image and its label map alike.
///
/// Output voxel `p'` is input voxel `p' + start`, so `A' = A · [[I, start], [0, 1]]` (translation `+= A₃ₓ₃ · start`,
/// qform and sform alike): every kept voxel keeps its world coordinate. Spacing is unchanged. A scan whose spatial
/// sizes differ from those of the image the box was fitted on is refused (`.shapeMismatch`).
package struct CropBox: ScanTransform {
    package let start: [Int]
    package let size: [Int]
    /// The `(i, j, k)` sizes of the image the box was fitted on.
    package let imageSizes: [Int]

    package var name: String { "crop_foreground" }

    package func apply(to scan: Scan, role: ScanRole) throws -> Scan {
        let inShape = scan.tensor.shape
        guard inShape.sizeIJK == imageSizes else {
            throw MedPrepError(.shapeMismatch, path: scan.path,
                reason: "crop_foreground: the \(role.rawValue) has (i, j, k) sizes \(inShape.sizeIJK), the image it follows \(imageSizes)")
        }
        var result = scan
        result.geometry = scan.geometry.reindexed(scale: [1, 1, 1], offset: start.map(Double.init))
        if size == imageSizes { return result }
        var outShape = inShape
        (outShape.w, outShape.h, outShape.d) = (size[0], size[1], size[2])
        var storage = [Float]()
        storage.reserveCapacity(outShape.count)
        scan.tensor.storage.withUnsafeBufferPointer { input in
            for plane in 0 ..< inShape.n * inShape.c {
                let base = plane * inShape.spatialCount
                for z in start[2] ..< start[2] + size[2] {
                    for y in start[1] ..< start[1] + size[1] {
                        let row = base + (z * inShape.h + y) * inShape.w + start[0]
                        storage.append(contentsOf: UnsafeBufferPointer(rebasing: input[row ..< row + size[0]]))
                    }
                }
            }
        }
        result.tensor = Tensor(shape: outShape, storage: storage)
        return result
    }
}
