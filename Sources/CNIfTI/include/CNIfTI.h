#ifndef MEDPREP_CNIFTI_H
#define MEDPREP_CNIFTI_H
/* libnifti's nifti2_io.h (NIfTI-1 and NIfTI-2; never niftiio.h as well: same symbol names, other layouts). */
#include "/usr/include/nifti/nifti2_io.h"
#include <stddef.h>

/* The nifti_image libnifti derives from the raw NIfTI-`version` header in `bytes` (348 bytes for version 1, 540 for
   any other version, either byte order: libnifti swaps as needed), with qto_xyz/sto_xyz computed; NULL when `count` is too
   short or libnifti refuses the header. Free it with nifti_image_free. */
nifti_image *medprep_nifti_image_from_header(const unsigned char *bytes, size_t count, int version);
#endif
