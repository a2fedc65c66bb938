import MedPrepCore
import MedPrepTransform

/// The geometry rule of a case: every channel file and the label map must be on the case's first channel file's
/// voxel grid, compared on the decoded geometry before any stage (`GridComparison`: the same spatial shape
/// `(W, H, D)`, origins within `tolerance.translationMM`, direction cosines and spacing ratios within
/// `tolerance.direction`). PNG and TIFF have the affine `diag(spacing)`, so their shape and spacing are compared.
///
/// A file off the grid fails the case (`grid_mismatch`, naming both files and every difference), or, with
/// `input: {align: resample}`, is resampled onto the grid in world coordinates (`ResampleToGrid`: label maps by
/// nearest neighbour, channels trilinearly). A file within the tolerance is used as it is.
package struct CaseGrid: Sendable {
    package var alignment: GridAlignment
    package var tolerance: GridTolerance
    /// Cap on the size of a resampled file.
    package var limits: DecodeLimits

    package init(alignment: GridAlignment = .check, tolerance: GridTolerance = .standard, limits: DecodeLimits = .default) {
        self.alignment = alignment
        self.tolerance = tolerance
        self.limits = limits
    }

    /// Fails every file off the grid, with the default tolerance.
    package static let standard = CaseGrid()

    /// The grid that a case's files must be on: the first channel file's path, frame and spatial shape.
    package struct Reference: Sendable {
        package var path: String
        package var geometry: ScanGeometry
        package var grid: VoxelGrid

        package init(_ scan: Scan) {
            path = scan.path
            geometry = scan.geometry
            grid = VoxelGrid(scan)
        }
    }

    /// `scan` when it is on `reference`'s grid (within the tolerance); otherwise `scan` resampled onto it under
    /// `.resample` (nearest neighbour for `.label`), or a `grid_mismatch` error under `.check`, e.g.
    /// `label spacing (2, 2, 2) mm ≠ image (1, 1, 1) mm`. `subject` and `referenceName` name the two files in it.
    package func conform(_ scan: Scan, role: ScanRole, subject: String,
                         to reference: Reference, referenceName: String) throws -> Scan {
        let differences = GridComparison.differences(of: VoxelGrid(scan), from: reference.grid, tolerance: tolerance)
        guard !differences.isEmpty else { return scan }
        switch alignment {
        case .resample:
            return try ResampleToGrid(geometry: reference.geometry, sizes: reference.grid.shape, limits: limits)
                .apply(to: scan, role: role)
        case .check:
            let found = differences.map { $0.describe(subject: subject, reference: referenceName) }.joined(separator: ", ")
            throw MedPrepError(.gridMismatch, path: scan.path, reason: "\(found) (\(referenceName): \(reference.path)); "
                + "every channel file and the label map of a case must be on its first channel file's voxel grid "
                + "(same shape; origin within \(tolerance.translationMM) mm, direction cosines and spacing ratios "
                + "within \(tolerance.direction): input.tolerance): resample the file onto that grid, or set "
                + "'input: {align: resample}'")
        }
    }
}
