/// Byte offsets of the NIfTI-1 header fields medprep reads and writes (`nifti1.h`; 348 bytes). The reader parses
/// them in either byte order; the writer fills them little-endian.
package enum NIfTI1Layout {
    /// Header size, also the value of `sizeof_hdr`.
    package static let size = 348
    /// `sizeof_hdr` (int32).
    package static let sizeofHeader = 0
    /// `regular` (char; `'r'` by convention).
    package static let regular = 38
    /// `dim[0…7]` (8 × int16).
    package static let dim = 40
    /// `datatype` (int16).
    package static let datatype = 70
    /// `bitpix` (int16).
    package static let bitpix = 72
    /// `pixdim[0…7]` (8 × float32; `pixdim[0]` is `qfac`).
    package static let pixdim = 76
    /// `vox_offset` (float32).
    package static let voxOffset = 108
    /// `scl_slope` (float32).
    package static let sclSlope = 112
    /// `scl_inter` (float32).
    package static let sclInter = 116
    /// `xyzt_units` (char).
    package static let xyztUnits = 123
    /// `descrip` (80 chars).
    package static let descrip = 148
    /// `qform_code` (int16).
    package static let qformCode = 252
    /// `sform_code` (int16).
    package static let sformCode = 254
    /// `quatern_b`, `quatern_c`, `quatern_d`, `qoffset_x`, `qoffset_y`, `qoffset_z` (6 × float32).
    package static let quaternion = 256
    /// `srow_x`, `srow_y`, `srow_z` (3 rows × 4 float32).
    package static let sformRows = 280
    /// `magic` (`n+1` single file, `ni1` `.hdr/.img` pair; 4 chars with the terminating zero).
    package static let magic = 344
    /// Where a single file's data starts by default: after the header and the 4-byte extension flag.
    package static let singleFileDataOffset = size + 4
}

/// Byte offsets of the NIfTI-2 header fields medprep reads (`nifti2.h`; 540 bytes).
package enum NIfTI2Layout {
    /// Header size, also the value of `sizeof_hdr`.
    package static let size = 540
    /// `magic` (`n+2` single file, `ni2` pair; 8 bytes, the first 4 checked).
    package static let magic = 4
    /// `datatype` (int16).
    package static let datatype = 12
    /// `bitpix` (int16).
    package static let bitpix = 14
    /// `dim[0…7]` (8 × int64).
    package static let dim = 16
    /// `pixdim[0…7]` (8 × float64).
    package static let pixdim = 104
    /// `vox_offset` (int64).
    package static let voxOffset = 168
    /// `scl_slope` (float64).
    package static let sclSlope = 176
    /// `scl_inter` (float64).
    package static let sclInter = 184
    /// `qform_code` (int32).
    package static let qformCode = 344
    /// `sform_code` (int32).
    package static let sformCode = 348
    /// `xyzt_units` (int32).
    package static let xyztUnits = 500
}
