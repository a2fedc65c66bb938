import MedPrepCore

/// The orientations of a run's decoded cases, for the warning of a pipeline without an `orient` stage: files of
/// different axis codes (`RAS`, `LPS`…) have voxel axes along different world axes, so one `spacing` or `shape`
/// means different things for them, and their tensors do not line up in a batch.
enum OrientationCensus {
    /// The axis code of a decoded case (its first channel file's affine, `AxisCodes(affine:)`); nil for a scan
    /// without a world frame (PNG, TIFF) or with a degenerate affine.
    static func code(of scan: Scan) -> String? {
        guard scan.geometry.affineSource != .pixel else { return nil }
        return AxisCodes(affine: scan.geometry.affine)?.description
    }

    /// Cases per axis code, when the pipeline has no `orient` stage and the cases have more than one code; nil
    /// otherwise (so the reports of single-orientation runs stay as they were).
    static func mixed(_ codes: [String?], stages: [StageSpec]) -> [String: Int]? {
        guard !stages.contains(where: { $0.name == OrientStage.name }) else { return nil }
        let counts = Dictionary(grouping: codes.compactMap { $0 }, by: { $0 }).mapValues(\.count)
        return counts.count > 1 ? counts : nil
    }

    /// The one warning line for mixed orientations: the counts per code and the fix.
    static func warning(_ counts: [String: Int]) -> String {
        let list = counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "warning: the cases have \(counts.count) orientations (\(list)) and the pipeline has no orient stage: "
            + "their voxel axes point along different world axes, so spacing and shape apply differently to them; "
            + "add '- orient: {to: RAS}' as the first stage"
    }
}
