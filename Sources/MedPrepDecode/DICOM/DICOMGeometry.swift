import MedPrepCore

/// The one place medprep's DICOM voxel order and affine are defined (single objects and assembled series alike).
///
/// DICOM gives, in the patient frame LPS (mm): row direction cosines r = IOP[0..<3], column direction cosines
/// c = IOP[3..<6], the centre of the first transmitted voxel of each slice (IPP), and PixelSpacing
/// [Δr (between rows, along c), Δc (between columns, along r)]. The slice normal is n = r × c.
///
/// Voxel order (dcm2niix's, so outputs compare voxel for voxel): i = DICOM column, j = Rows−1−row (rows flipped),
/// k = slices in ascending n·IPP. With F = diag(−1, −1, 1) (LPS → RAS), P₀ the IPP of the slice with the smallest
/// n·IPP and Δs the slice step measured from positions (not SliceThickness):
///
///     RAS(i, j, k) = F · (P₀ + i·Δc·r + (Rows−1−j)·Δr·c + k·Δs·n)
///
/// so the affine's columns are F·Δc·r, −F·Δr·c, F·Δs·n and its translation F·(P₀ + (Rows−1)·Δr·c).
package enum DICOMGeometry {
    /// n = r × c for IOP `orientation` (6 values).
    package static func normal(orientation: [Double]) -> [Double] {
        let r = Array(orientation[0 ..< 3]), c = Array(orientation[3 ..< 6])
        return [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]]
    }

    /// The affine above. `firstPosition` is P₀ (the IPP of the slice with the smallest n·IPP), `pixelSpacing` is
    /// DICOM's [Δr, Δc], `sliceStep` is Δs (> 0), `rows` the slice's Rows.
    package static func affine(orientation: [Double], firstPosition: [Double], pixelSpacing: [Double],
                                sliceStep: Double, rows: Int) -> Affine {
        let r = Array(orientation[0 ..< 3]), c = Array(orientation[3 ..< 6]), n = normal(orientation: orientation)
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
