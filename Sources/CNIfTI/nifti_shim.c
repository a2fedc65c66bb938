#include "CNIfTI.h"
#include <string.h>

nifti_image *medprep_nifti_image_from_header(const unsigned char *bytes, size_t count, int version) {
    if (version == 1) {
        nifti_1_header header;
        if (count < sizeof header) return NULL;
        memcpy(&header, bytes, sizeof header);
        return nifti_convert_n1hdr2nim(header, NULL);
    }
    nifti_2_header header;
    if (count < sizeof header) return NULL;
    memcpy(&header, bytes, sizeof header);
    return nifti_convert_n2hdr2nim(header, NULL);
}
