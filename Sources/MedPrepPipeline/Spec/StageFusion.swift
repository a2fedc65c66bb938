import MedPrepTransform

/// The one place where the engine fuses adjacent per-scan stages into one kernel with the same result.
///
/// Pattern (in pipeline order, adjacent): `clip`? → `resample` | `resize` → `crop_or_pad`?, at least two of them,
/// becomes one `FusedResampling`: the clip is applied to the values the sampler reads and only the voxels the crop
/// keeps are sampled, so neither a clipped copy nor the full resampled grid is ever made. Any other order (a stage
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
            let clip = transforms[index] as? Clip
            let samplingIndex = index + (clip == nil ? 0 : 1)
            guard samplingIndex < transforms.count, let sampling = transforms[samplingIndex] as? any GridResampling else {
                result.append(transforms[index])
                index += 1
                continue
            }
            let crop = samplingIndex + 1 < transforms.count ? transforms[samplingIndex + 1] as? CropOrPad : nil
            if clip == nil && crop == nil {
                result.append(sampling)
            } else {
                result.append(FusedResampling(clip: clip, sampling: sampling, crop: crop))
            }
            index = samplingIndex + (crop == nil ? 1 : 2)
        }
        return result
    }
}
