import MedPrepCore

/// `orient` → `clip` → `resample`/`resize` → `crop_or_pad` (the sampler and at least one other, in that order) as
/// one pass, with the exact result of applying them one after the other. `StageFusion` (the pipeline engine)
/// builds it.
///
/// - An orient that only reverses axes (`Orient.reversal`, e.g. LPS → RAS) is read through: the sampler plans on
///   the reoriented geometry and reads input index `n − 1 − q` where the reoriented scan has `q`
///   (`SampleAxis.reversed`), same neighbours and fractions, so no reoriented copy is made. An orient that
///   permutes axes is applied first, as a copy.
/// - The clip is applied to each input value the sampler reads (`GridSampler`'s `clamp`): clamping a tap is what
///   clipping the whole input first gives it, so no clipped copy of the input is made. (Clipping the sampled
///   output instead would differ: clip∘trilinear ≠ trilinear∘clip.)
/// - With a crop, only the output voxels the crop keeps are sampled: output voxel `p'` of the crop is voxel
///   `p = p' + o` of the resampled grid, so each axis's sampling table is cut to the kept range
///   `[max(0, −o), min(t, n' − o))`; the other voxels are the crop's pad value (0 for label maps). The full
///   resampled grid is never allocated; its size is still checked against the limits, as `Resample` does.
/// - Geometry: the resampler's, then the crop's `A' = A · [[I, o], [0, 1]]`.
///
/// When the resampler leaves the grid unchanged, the parts are applied one after the other.
package struct FusedResampling: ScanTransform {
    package let orient: Orient?
    package let clip: Clip?
    package let sampling: any GridResampling
    package let crop: CropOrPad?

    package init(orient: Orient? = nil, clip: Clip?, sampling: any GridResampling, crop: CropOrPad?) {
        self.orient = orient
        self.clip = clip
        self.sampling = sampling
        self.crop = crop
    }

    /// The parts in pipeline order.
    package var parts: [any ScanTransform] {
        [orient].compactMap { $0 } + [clip].compactMap { $0 } + [sampling] + [crop].compactMap { $0 }
    }

    package var name: String { parts.map(\.name).joined(separator: "+") }

    package func apply(to input: Scan, role: ScanRole) throws -> Scan {
        // `scan` is the input as the sampler sees it: reoriented geometry over the input's voxels when the orient
        // only reverses axes (`reversed`), else the reoriented copy.
        var scan = input
        var reversed = [false, false, false]
        if let orient {
            if let reversal = try orient.reversal(of: input) {
                (scan.geometry, reversed) = reversal
            } else {
                scan = try orient.apply(to: input, role: role)
            }
        }
        let plan = try sampling.samplingPlan(for: scan)
        guard var axes = plan.axes else {
            let oriented = reversed.contains(true) ? try orient!.apply(to: input, role: role) : scan
            return try parts.dropFirst(orient == nil ? 0 : 1).reduce(oriented) { try $1.apply(to: $0, role: role) }
        }
        let inputSizes = scan.tensor.shape.sizeIJK
        for axis in 0 ..< 3 where reversed[axis] {
            axes[axis] = axes[axis].reversed(inputSize: inputSizes[axis])
        }
        var result = scan
        result.geometry = plan.geometry
        var outShape = plan.shape
        var window = outShape.sizeIJK.map { 0 ..< $0 }
        var kept = axes
        var fill: Float = 0
        if let crop {
            let sizes = plan.shape.sizeIJK
            let targets = crop.targets(for: sizes), offsets = crop.offsets(for: sizes)
            (outShape.w, outShape.h, outShape.d) = (targets[0], targets[1], targets[2])
            _ = try crop.limits.checkedElementCount(outShape.dimensions, path: scan.path)
            result.geometry = plan.geometry.reindexed(scale: [1, 1, 1], offset: offsets.map(Double.init))
            window = crop.kept(for: sizes)
            kept = (0 ..< 3).map { axes[$0].restricted(to: window[$0].lowerBound + offsets[$0] ..< window[$0].upperBound + offsets[$0]) }
            fill = role == .label ? 0 : crop.padValue
        }
        let clamp = role == .image ? clip.map { $0.min ... $0.max } : nil
        result.tensor = Tensor(shape: outShape, storage: GridSampler.sample(scan.tensor, outShape: outShape, axes: kept, window: window,
                                                                            fill: fill, nearest: plan.nearest(for: role), clamp: clamp))
        return result
    }
}
