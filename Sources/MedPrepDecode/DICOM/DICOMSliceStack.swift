import Foundation
import MedPrepCore

/// Orders a group's frames into slices and measures the stack, refusing what would give a wrong affine.
///
/// With n = r × c, each slice's position along the normal is s = n·IPP. Slices are sorted by s (never by
/// InstanceNumber); the gaps are d_k = s_{k+1} − s_k and the step Δs = median(d_k). The tolerance of a gap is
/// τ = max(0.01·Δs, 0.01 mm). Checks, in this order, each an error naming the case, its directory and the files:
/// - **duplicate position**: some d_k < 1e-3 mm (two slices at one place; dcm2niix would merge or mis-stack them);
/// - **gantry tilt / sheared stack**: the offset of IPP_k − IPP_0 perpendicular to n exceeds
///   max(0.01 mm, tan(0.05°)·(s_k − s_0)); the tilt angle is atan(‖offset‖ / (s_last − s_0)) (dcm2niix resamples
///   such a series; medprep refuses it rather than write a sheared volume with a rectangular affine);
/// - **missing slices**: some d_k ≈ m·Δs (|d_k − m·Δs| ≤ τ, integer m ≥ 2): m − 1 slices missing there;
/// - **non-uniform spacing**: some |d_k − Δs| > τ, or the whole extent s_last − s_0 differs from (N−1)·Δs by > τ.
/// A single slice is a 2D case (depth 1), with Δs from `DICOMGeometry.singleSliceStep` as dcm2niix writes it.
package enum DICOMSliceStack {
    /// Gaps below this (mm) are duplicate positions.
    package static let duplicateTolerance = 1e-3
    /// Largest angle (degrees) between the stacking direction and n accepted as no tilt.
    package static let tiltToleranceDegrees = 0.05

    /// The series of `group`, named `caseID` in errors; throws `MedPrepError` (path: `group.directory`).
    package static func assemble(_ group: DICOMSeriesGroup, caseID: String) throws -> DICOMSeries {
        let directory = group.directory
        func failure(_ kind: MedPrepError.Kind, _ reason: String, _ fix: String) -> MedPrepError {
            MedPrepError(kind, path: directory, reason: "DICOM series '\(caseID)': \(reason). Fix: \(fix)")
        }
        let first = group.first
        guard let orientation = first.imageOrientation, orientation.count == 6 else {
            throw failure(.malformed, "\(first.path) has no ImageOrientationPatient (0020,0037)",
                          "export the series with its geometry tags, or convert it with a tool that knows its frame")
        }
        if let problem = DICOMGeometry.orientationProblem(orientation) {
            throw failure(.malformed, "\(first.path): \(problem)", "repair the header or re-export the series")
        }
        guard let spacing = first.pixelSpacing, spacing.count == 2, spacing.allSatisfy({ $0 > 0 && $0.isFinite }),
              group.frames.allSatisfy({ $0.header.pixelSpacing == spacing }) else {
            throw failure(.malformed, "PixelSpacing (0028,0030) is absent, not positive or differs between files",
                          "re-export the series with one PixelSpacing for all its slices")
        }
        if let odd = group.frames.first(where: { $0.header.samplesPerPixel != first.samplesPerPixel }) {
            throw failure(.malformed, "\(odd.name) has \(odd.header.samplesPerPixel) samples per pixel, "
                          + "\(first.path) \(first.samplesPerPixel)", "remove the odd file from the series")
        }
        var slices: [DICOMSeries.Slice] = []
        for frame in group.frames {
            guard let position = frame.position, position.allSatisfy(\.isFinite) else {
                throw failure(.malformed, "\(frame.name) has no ImagePositionPatient (0020,0032)",
                              "re-export the series with its geometry tags")
            }
            slices.append(.init(path: frame.header.path, frame: frame.frame, position: position,
                                slope: frame.slope, intercept: frame.intercept))
        }
        let normal = DICOMGeometry.sliceNormal(orientation: orientation)
        let along = { (slice: DICOMSeries.Slice) in DICOMGeometry.dot(slice.position, normal) }
        slices.sort { (along($0), $0.path, $0.frame) < (along($1), $1.path, $1.frame) }
        let s = slices.map(along)
        let name = { (k: Int) in slices[k].frame > 0 ? "\(slices[k].path) [frame \(slices[k].frame)]" : slices[k].path }
        let step: Double
        if slices.count == 1 {
            step = DICOMGeometry.singleSliceStep(spacingBetweenSlices: first.spacingBetweenSlices,
                                                 sliceThickness: first.sliceThickness)
        } else {
            let gaps = zip(s, s.dropFirst()).map { $1 - $0 }
            if let k = gaps.firstIndex(where: { $0 < duplicateTolerance }) {
                throw failure(.malformed, "\(name(k)) and \(name(k + 1)) lie at the same position along the slice "
                              + "normal (n·IPP = \(format(s[k])) mm): duplicate slices",
                              "remove the duplicate file, or export repeated acquisitions with distinct "
                              + "AcquisitionNumber/TemporalPositionIdentifier so they become separate cases")
            }
            try checkTilt(slices, s: s, normal: normal, failure: failure)
            step = median(gaps)
            try checkSpacing(gaps, s: s, step: step, name: name, failure: failure)
        }
        let affine = DICOMGeometry.affine(orientation: orientation, firstPosition: slices[0].position,
                                          pixelSpacing: spacing, sliceStep: step, rows: first.rows)
        return DICOMSeries(caseID: caseID, directory: directory, group: group, slices: slices, rows: first.rows,
                           columns: first.columns, samplesPerPixel: first.samplesPerPixel, orientation: orientation,
                           normal: normal, sliceStep: step, spacing: [spacing[1], spacing[0], step], affine: affine)
    }

    static func checkTilt(_ slices: [DICOMSeries.Slice], s: [Double], normal: [Double],
                          failure: (MedPrepError.Kind, String, String) -> MedPrepError) throws {
        let limit = tan(tiltToleranceDegrees * .pi / 180)
        let offsets = slices.map { slice -> Double in
            let v = zip(slice.position, slices[0].position).map { $0 - $1 }
            let along = DICOMGeometry.dot(v, normal)
            return DICOMGeometry.norm(zip(v, normal).map { $0 - along * $1 })
        }
        guard offsets.indices.contains(where: { offsets[$0] > max(0.01, limit * (s[$0] - s[0])) }) else { return }
        let last = slices.count - 1
        let angle = atan2(offsets[last], s[last] - s[0]) * 180 / .pi
        throw failure(.unsupported, "the slice positions are not stacked along the slice normal: gantry tilt of "
                      + "\(format(angle))° (the last slice is offset \(format(offsets[last])) mm sideways); a "
                      + "rectangular voxel grid cannot hold this stack",
                      "resample the series to an untilted grid first (dcm2niix does this and writes a '_Tilt_' "
                      + "file), or exclude the series")
    }

    static func checkSpacing(_ gaps: [Double], s: [Double], step: Double, name: (Int) -> String,
                             failure: (MedPrepError.Kind, String, String) -> MedPrepError) throws {
        let tolerance = max(0.01 * step, 0.01)
        for (k, gap) in gaps.enumerated() {
            let multiple = (gap / step).rounded()
            if multiple >= 2, abs(gap - multiple * step) <= tolerance {
                let missing = Int(multiple) - 1
                throw failure(.incompleteCase, "\(missing) slice\(missing == 1 ? " is" : "s are") missing between "
                              + "\(name(k)) and \(name(k + 1)) (gap \(format(gap)) mm, step \(format(step)) mm)",
                              "add the missing file(s) from the original export")
            }
        }
        if let k = gaps.indices.max(by: { abs(gaps[$0] - step) < abs(gaps[$1] - step) }),
           abs(gaps[k] - step) > tolerance {
            throw failure(.unsupported, "non-uniform slice spacing: \(format(gaps[k])) mm between \(name(k)) and "
                          + "\(name(k + 1)), median step \(format(step)) mm (tolerance \(format(tolerance)) mm)",
                          "resample the series to uniform spacing first, or exclude the series")
        }
        let extent = s[s.count - 1] - s[0], expected = Double(gaps.count) * step
        if abs(extent - expected) > tolerance {
            throw failure(.unsupported, "non-uniform slice spacing: the stack spans \(format(extent)) mm, "
                          + "\(gaps.count) steps of \(format(step)) mm span \(format(expected)) mm",
                          "resample the series to uniform spacing first, or exclude the series")
        }
    }

    /// The median (mean of the two middle values for an even count).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted(), middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    static func format(_ value: Double) -> String { String(format: "%.4g", value) }
}
