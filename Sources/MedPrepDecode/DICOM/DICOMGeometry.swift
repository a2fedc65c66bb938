import MedPrepCore

/// The one place where DICOM patient-frame geometry becomes a voxel → RAS affine, for a series of slices and for a
/// single (or multi-frame) object alike. The convention is dcm2niix's (measured in shared/notes/dicom.md):
///
/// - r = IOP[0..<3] (row direction: along a row, i.e. increasing column index), c = IOP[3..<6] (column direction),
///   both in LPS; the slice normal is n = r × c.
/// - Δr = PixelSpacing[0] (between rows, along c), Δc = PixelSpacing[1] (between columns, along r), Δs = the slice
///   step measured from the positions (never SliceThickness).
/// - P₀ = IPP of the slice with the smallest n·IPP; F = diag(−1, −1, 1) takes LPS to RAS.
/// - Voxel (i, j, k) is column i, row Rows−1−j (rows are flipped) of the k-th slice in ascending n·IPP:
///
///   RAS = F · (P₀ + i·Δc·r + (Rows−1−j)·Δr·c + k·Δs·n)
///
///   so the affine's columns are F·Δc·r, −F·Δr·c, F·Δs·n and its translation F·(P₀ + (Rows−1)·Δr·c).
package enum DICOMGeometry {
    /// a × b.
    package static func cross(_ a: [Double], _ b: [Double]) -> [Double] {
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    }

    /// a · b.
    package static func dot(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// ‖a‖.
    package static func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }

    /// n = (r × c) / ‖r × c‖ from the six IOP values.
    package static func sliceNormal(orientation: [Double]) -> [Double] {
        let n = cross(Array(orientation[0 ..< 3]), Array(orientation[3 ..< 6]))
        let length = norm(n)
        return n.map { $0 / length }
    }

    /// Why the six IOP values are not two orthonormal direction vectors (each ‖·‖ within 1e-3 of 1,
    /// |r·c| ≤ 1e-3), or nil when they are.
    package static func orientationProblem(_ orientation: [Double]) -> String? {
        guard orientation.count == 6, orientation.allSatisfy(\.isFinite) else {
            return "ImageOrientationPatient (0020,0037) does not hold six numbers"
        }
        let r = Array(orientation[0 ..< 3]), c = Array(orientation[3 ..< 6])
        if abs(norm(r) - 1) > 1e-3 || abs(norm(c) - 1) > 1e-3 || abs(dot(r, c)) > 1e-3 {
            return "ImageOrientationPatient (0020,0037) is not two orthogonal unit vectors"
        }
        return nil
    }

    /// Δs of a single slice, which has no neighbour to measure it from: SpacingBetweenSlices (0018,0088) when
    /// positive, else SliceThickness (0018,0050) when positive, else 1 mm — the rule dcm2niix follows (checked with
    /// one CT slice: SpacingBetweenSlices 7 or 3 with SliceThickness 5 → 7 or 3; absent, 0 or −2 → 5).
    package static func singleSliceStep(spacingBetweenSlices: Double?, sliceThickness: Double?) -> Double {
        for value in [spacingBetweenSlices, sliceThickness] {
            if let value, value > 0, value.isFinite { return value }
        }
        return 1
    }

    /// The voxel → RAS affine above. `firstPosition` is P₀ (the IPP of the slice with the smallest n·IPP, LPS mm),
    /// `pixelSpacing` is DICOM's [Δr, Δc], `sliceStep` is Δs (> 0), `rows` the slices' Rows.
    package static func affine(orientation: [Double], firstPosition: [Double], pixelSpacing: [Double],
                               sliceStep: Double, rows: Int) -> Affine {
        let r = Array(orientation[0 ..< 3]), c = Array(orientation[3 ..< 6])
        let n = sliceNormal(orientation: orientation)
        let rowSpacing = pixelSpacing[0], columnSpacing = pixelSpacing[1]
        let flip: [Double] = [-1, -1, 1]
        var values = [Double](repeating: 0, count: 16)
        for axis in 0 ..< 3 {
            values[axis * 4 + 0] = flip[axis] * columnSpacing * r[axis]
            values[axis * 4 + 1] = -flip[axis] * rowSpacing * c[axis]
            values[axis * 4 + 2] = flip[axis] * sliceStep * n[axis]
            values[axis * 4 + 3] = flip[axis] * (firstPosition[axis] + Double(rows - 1) * rowSpacing * c[axis])
        }
        values[15] = 1
        return Affine(values: values)
    }

    /// The geometry of a volume in this voxel order: spacing [Δc, Δr, Δs] and the affine, NIfTI-written with
    /// sform and qform code 1 (scanner) and millimetres, as dcm2niix writes them.
    package static func geometry(orientation: [Double], firstPosition: [Double], pixelSpacing: [Double],
                                 sliceStep: Double, rows: Int) -> ScanGeometry {
        let affine = affine(orientation: orientation, firstPosition: firstPosition, pixelSpacing: pixelSpacing,
                            sliceStep: sliceStep, rows: rows)
        return ScanGeometry(spacing: [pixelSpacing[1], pixelSpacing[0], sliceStep], affine: affine,
                            affineSource: .dicom, qformCode: 1, qform: affine, sformCode: 1, sform: affine, xyztUnits: 2)
    }
}
