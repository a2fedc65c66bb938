import MedPrepTransform

/// The one place where the engine fuses adjacent per-scan stages into one kernel with the same result.
///
/// Pattern (in pipeline order, adjacent): `orient`? → `clip`? → `resample` | `resize` → `crop_or_pad`?, the sampler
/// and at least one other, becomes one `FusedResampling`: an orient that only reverses axes is read through, the
/// clip is applied to the values the sampler reads and only the voxels the crop keeps are sampled, so neither a
/// reoriented nor a clipped copy nor the full resampled grid is ever made. Any other order (a stage
/// in between, `resample` before `clip`) keeps the separate stages. The fused output is bit-identical to the
/// separate stages' (`StageFusionTests`); `StagePlan(fusing: false)` gives the unfused plan.
///
/// To add a fusion: recognise its pattern in `fused(_:)` below, and give it a `ScanTransform` in `MedPrepTransform`
/// with a test comparing it with the separate stages.
enum StageFusion {
    /// `transforms` with every occurrence of the pattern replaced by its fused transform.
    static func fused(_ transforms: [any ScanTransform]) -> [any ScanTransform] {
        var result: [any ScanTransform] = []
        var index = 0
        while index < transforms.count {
            let orient = transforms[index] as? Orient
            let clipIndex = index + (orient == nil ? 0 : 1)
            let clip = clipIndex < transforms.count ? transforms[clipIndex] as? Clip : nil
            let samplingIndex = clipIndex + (clip == nil ? 0 : 1)
            guard samplingIndex < transforms.count, let sampling = transforms[samplingIndex] as? any GridResampling else {
                result.append(transforms[index])
                index += 1
                continue
            }
            let crop = samplingIndex + 1 < transforms.count ? transforms[samplingIndex + 1] as? CropOrPad : nil
            if orient == nil && clip == nil && crop == nil {
                result.append(sampling)
            } else {
                result.append(FusedResampling(orient: orient, clip: clip, sampling: sampling, crop: crop))
            }
            index = samplingIndex + (crop == nil ? 1 : 2)
        }
        return result
    }
}
