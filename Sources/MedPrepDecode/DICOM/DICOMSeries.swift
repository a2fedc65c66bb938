import MedPrepCore

/// One assembled series: its slices in voxel order and the geometry of the volume they make.
///
/// Voxel (i, j, k) of the volume is column i, row `rows − 1 − j` of `slices[k]` (dcm2niix's order, see
/// `DICOMGeometry`); its value is `slope_k · stored + intercept_k` with slice k's own rescale.
package struct DICOMSeries: Sendable, Hashable {
    /// One slice: a frame of an object, with its rescale.
    package struct Slice: Sendable, Hashable {
        package var path: String
        /// The frame within the object (0 for single-frame objects).
        package var frame: Int
        /// IPP (LPS mm).
        package var position: [Double]
        package var slope: Double
        package var intercept: Double
    }

    /// The case id (`DICOMCaseNaming`).
    package var caseID: String
    /// The deepest directory holding the series' files.
    package var directory: String
    /// The group the series was assembled from (its identifiers and split key).
    package var group: DICOMSeriesGroup
    /// Slices in ascending n·IPP: k = 0 is P₀.
    package var slices: [Slice]
    package var rows: Int
    package var columns: Int
    package var samplesPerPixel: Int
    /// IOP (r then c, LPS) and n = r × c.
    package var orientation: [Double]
    package var normal: [Double]
    /// Δs: the median of consecutive n·IPP differences; for a single slice, SliceThickness (1 when absent), as
    /// dcm2niix writes a 2D image.
    package var sliceStep: Double
    /// (Δc, Δr, Δs): voxel size along i, j, k.
    package var spacing: [Double]
    /// Voxel (i, j, k) → RAS mm (`DICOMGeometry.affine`).
    package var affine: Affine

    /// The volume's shape (W, H, D) = (Columns, Rows, slices).
    package var shape: [Int] { [columns, rows, slices.count] }
}
