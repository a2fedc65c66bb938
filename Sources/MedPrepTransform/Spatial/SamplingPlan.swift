import MedPrepCore

/// A transform that samples a scan on a new regular grid with separable per-axis positions (`Resample`, `Resize`):
/// it can say what it would do to a scan without doing it, so that `FusedResampling` can sample only the part of
/// that grid a following crop keeps.
package protocol GridResampling: ScanTransform {
    /// Interpolation of images; label maps always use nearest.
    var interpolation: Resample.Interpolation { get }
    /// The output grid and its sampling tables for `scan`, checked against the limits; throws what `apply` throws.
    func samplingPlan(for scan: Scan) throws -> SamplingPlan
}

/// The output grid of a `GridResampling` for one scan: its geometry and shape, and the per-axis sampling tables
/// (nil when the grid is the input's and the values are kept as they are).
package struct SamplingPlan {
    package var geometry: ScanGeometry
    package var shape: TensorShape
    var axes: [SampleAxis]?
    var interpolation: Resample.Interpolation

    /// Whether `role` is sampled by nearest neighbour (labels always are).
    func nearest(for role: ScanRole) -> Bool { role == .label || interpolation == .nearest }

    /// `scan` on this grid: geometry replaced and, unless the grid is unchanged, every voxel sampled.
    func sampled(_ scan: Scan, role: ScanRole) -> Scan {
        var result = scan
        result.geometry = geometry
        guard let axes else { return result }
        let window = shape.sizeIJK.map { 0 ..< $0 }
        result.tensor = Tensor(shape: shape, storage: GridSampler.sample(scan.tensor, outShape: shape, axes: axes, window: window,
                                                                         fill: 0, nearest: nearest(for: role), clamp: nil))
        return result
    }
}
