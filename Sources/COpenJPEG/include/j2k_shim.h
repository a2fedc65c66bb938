/*
 * COpenJPEG: one JPEG 2000 codestream (or JP2 file) decoded by OpenJPEG from memory, behind a small C API.
 *
 * The stream reads only the bytes given. The header is read first so that the caller can check the image's size,
 * components and precision against its own (the DICOM attributes) before any sample buffer exists; decoding is
 * strict (a truncated codestream fails instead of decoding to zeros). OpenJPEG's messages are collected into the
 * caller's error text, never printed.
 */
#ifndef MEDPREP_J2K_SHIM_H
#define MEDPREP_J2K_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the codestream's SIZ segment declares. */
typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t components;
    uint32_t precision;     /* bits of component 0 */
    int32_t is_signed;      /* component 0 */
    int32_t uniform;        /* every component has component 0's size, precision, signedness and no subsampling */
} mp_j2k_info;

/* Reads the header of `data` (`size` bytes: a J2K codestream, or a JP2 file). 0 on success; otherwise `error`
   (capacity `error_size`) says why. */
int mp_j2k_read_header(const uint8_t *data, size_t size, mp_j2k_info *info, char *error, size_t error_size);

/* Decodes `data` after checking its header against `expected` (width, height, components; `precision` and
 * `is_signed` are BitsStored and PixelRepresentation): the codestream's precision must fit `bytes_per_sample`, and
 * when it exceeds BitsStored every decoded sample must fit BitsStored. Writes
 * every sample, pixel-interleaved, as a little-endian integer of `bytes_per_sample` bytes (1, 2 or 4) into `out`
 * (`out_size` bytes, at least width × height × components × bytes_per_sample). Colour transforms the codestream
 * declares (RCT/ICT) are undone by OpenJPEG. 0 on success; otherwise `error` says why. */
int mp_j2k_decode(const uint8_t *data, size_t size, const mp_j2k_info *expected, uint32_t bytes_per_sample,
                  void *out, size_t out_size, char *error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif
