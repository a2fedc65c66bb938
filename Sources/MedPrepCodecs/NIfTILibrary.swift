internal import CNIfTI
import MedPrepCore

/// The only place medprep calls libnifti (nifti2_io): header semantics (qform/sform matrices) for the reader and
/// the matrix → quaternion conversion for the writer. All file I/O is medprep's own.
package enum NIfTILibrary {
    /// Silences libnifti's diagnostics once per process, before the first call (its options are one global).
    private static let configured: Bool = {
        nifti_set_debug_level(0)
        return true
    }()

    /// The qform and sform matrices libnifti derives from a raw header (NIfTI-1: 348 bytes, NIfTI-2: 540 bytes,
    /// either byte order; libnifti swaps as needed). The qform is `diag(pixdim)` when `qform_code ≤ 0`, the sform
    /// nil when `sform_code ≤ 0`. Returns nil if libnifti refuses the header.
    package static func transforms(rawHeader: [UInt8], version: Int) -> (qform: Affine, sform: Affine?)? {
        _ = configured
        let image = rawHeader.withUnsafeBufferPointer {
            medprep_nifti_image_from_header($0.baseAddress, $0.count, Int32(version))
        }
        guard let image else { return nil }
        defer { nifti_image_free(image) }
        let qform = affine(image.pointee.qto_xyz)
        let sform = image.pointee.sform_code > 0 ? affine(image.pointee.sto_xyz) : nil
        return (qform, sform)
    }

    /// The NIfTI quaternion representation of an affine's rotation/zoom part (libnifti `nifti_dmat44_to_quatern`):
    /// `M = R · diag(dx, dy, qfac·dz)` with `R` the rotation of the unit quaternion `(a, b, c, d)`, `a ≥ 0`.
    package static func quaternion(of affine: Affine) -> QuaternionForm {
        _ = configured
        var matrix = nifti_dmat44()
        withUnsafeMutableBytes(of: &matrix.m) { raw in
            let values = raw.bindMemory(to: Double.self)
            for index in 0 ..< 16 { values[index] = affine.values[index] }
        }
        var form = QuaternionForm()
        nifti_dmat44_to_quatern(matrix, &form.b, &form.c, &form.d, &form.offsetX, &form.offsetY, &form.offsetZ,
                                &form.dx, &form.dy, &form.dz, &form.qfac)
        return form
    }

    private static func affine(_ matrix: nifti_dmat44) -> Affine {
        var values = [Double](repeating: 0, count: 16)
        withUnsafeBytes(of: matrix.m) { raw in
            let doubles = raw.bindMemory(to: Double.self)
            for index in 0 ..< 16 { values[index] = doubles[index] }
        }
        return Affine(values: values)
    }
}

/// The qform parameters of a NIfTI header: quaternion `(b, c, d)`, offsets, voxel sizes and `qfac` (±1).
package struct QuaternionForm: Sendable {
    package var b = 0.0, c = 0.0, d = 0.0
    package var offsetX = 0.0, offsetY = 0.0, offsetZ = 0.0
    package var dx = 0.0, dy = 0.0, dz = 0.0
    package var qfac = 1.0

    package init() {}
}
