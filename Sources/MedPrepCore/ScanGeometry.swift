/// A 4×4 affine in row-major order that maps voxel indices `(i, j, k, 1)` to world millimetres.
public struct Affine: Hashable, Sendable, Codable {
    /// 16 values, row-major.
    public var values: [Double]

    public init(values: [Double]) {
        precondition(values.count == 16, "an affine has 16 values")
        self.values = values
    }

    public init(rows: [[Double]]) {
        self.init(values: rows.flatMap { $0 })
    }

    /// The diagonal affine `diag(sx, sy, sz, 1)`.
    public static func scaling(_ spacing: [Double]) -> Affine {
        let s = spacing + Array(repeating: 1, count: max(0, 3 - spacing.count))
        return Affine(values: [s[0], 0, 0, 0, 0, s[1], 0, 0, 0, 0, s[2], 0, 0, 0, 0, 1])
    }

    public static let identity = Affine.scaling([1, 1, 1])

    public subscript(row: Int, column: Int) -> Double {
        get { values[row * 4 + column] }
        set { values[row * 4 + column] = newValue }
    }

    /// The four rows.
    public var rows: [[Double]] { (0 ..< 4).map { Array(values[$0 * 4 ..< $0 * 4 + 4]) } }

    /// World coordinates of voxel `(i, j, k)`.
    public func apply(_ i: Double, _ j: Double, _ k: Double) -> (x: Double, y: Double, z: Double) {
        (self[0, 0] * i + self[0, 1] * j + self[0, 2] * k + self[0, 3],
         self[1, 0] * i + self[1, 1] * j + self[1, 2] * k + self[1, 3],
         self[2, 0] * i + self[2, 1] * j + self[2, 2] * k + self[2, 3])
    }
}

/// Where a scan's affine came from, in the NIfTI standard's order of preference.
public enum AffineSource: String, Sendable, Codable {
    /// The NIfTI sform (`sform_code > 0`).
    case sform
    /// The NIfTI qform quaternion (`qform_code > 0`, `sform_code == 0`).
    case qform
    /// NIfTI pixdim only (both codes 0): nibabel's base affine, `diag(−pixdim[1], pixdim[2], pixdim[3])` centred on the volume.
    case pixdim
    /// A raster image (PNG, TIFF) without world coordinates: `diag(spacing)`, spacing 1 unless stated.
    case pixel
    /// DICOM ImageOrientationPatient, ImagePositionPatient and PixelSpacing (`DICOMGeometry`, LPS → RAS).
    case dicom
}

/// The spatial frame of a scan: spacing, affine, and the NIfTI codes needed to write it back faithfully.
///
/// Spacing is given in the file's voxel axis order `(i, j, k)`, i.e. tensor axes `(W, H, D)`.
public struct ScanGeometry: Hashable, Sendable {
    /// Voxel size along `i`, `j`, `k` (tensor W, H, D), in `spatialUnits`.
    public var spacing: [Double]
    /// The affine medprep uses (chosen as `affineSource` says).
    public var affine: Affine
    public var affineSource: AffineSource

    /// NIfTI `qform_code` and the qform matrix (nil when the code is 0).
    public var qformCode: Int
    public var qform: Affine?
    /// NIfTI `sform_code` and the sform matrix (nil when the code is 0).
    public var sformCode: Int
    public var sform: Affine?
    /// NIfTI `xyzt_units` byte as stored (spatial and temporal unit codes).
    public var xyztUnits: Int
    /// pixdim[4], the step of the 4th dimension (e.g. TR), 0 if none.
    public var timeStep: Double

    public init(spacing: [Double], affine: Affine, affineSource: AffineSource,
                qformCode: Int = 0, qform: Affine? = nil, sformCode: Int = 0, sform: Affine? = nil,
                xyztUnits: Int = 0, timeStep: Double = 0) {
        self.spacing = spacing
        self.affine = affine
        self.affineSource = affineSource
        self.qformCode = qformCode
        self.qform = qform
        self.sformCode = sformCode
        self.sform = sform
        self.xyztUnits = xyztUnits
        self.timeStep = timeStep
    }

    /// Geometry of a raster image with the given spacing (default 1) and no world frame.
    public static func pixel(spacing: [Double] = [1, 1, 1]) -> ScanGeometry {
        ScanGeometry(spacing: spacing, affine: .scaling(spacing), affineSource: .pixel)
    }
}
