/*
 * CDICOMShim: one DICOM object read through DCMTK, behind a pure-C API.
 *
 * DCMTK is C++ and throws; every function here catches everything and reports failure through its return value
 * and the handle's error text. Codec registration (JPEG, JPEG-LS; not RLE, whose DCMTK decoder is not safe on
 * damaged data: medprep decodes RLE itself from mp_dicom_frame_bytes) and silencing DCMTK's log happen once per
 * process, on the first open. Pixel data is read lazily: opening loads the header and leaves values above 4 KB in
 * the file; a frame is decoded into a buffer the caller allocated after checking its size against its own cap.
 * A Deflated Explicit VR Little Endian dataset is inflated by the shim, bounded, and parsed from memory, so that
 * DCMTK's "element larger than the remaining bytes" check sees the real inflated size.
 */
#ifndef MEDPREP_DICOM_SHIM_H
#define MEDPREP_DICOM_SHIM_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One loaded DICOM file. */
typedef struct mp_dicom mp_dicom;

/* The image attributes of the object, read from the raw tags (0 or "" when absent). */
typedef struct {
    int32_t has_pixel_data;           /* (7FE0,0010) present */
    int32_t encapsulated;             /* pixel data in fragments (a compressed transfer syntax) */
    uint32_t rows;                    /* (0028,0010) */
    uint32_t columns;                 /* (0028,0011) */
    uint32_t samples_per_pixel;       /* (0028,0002), 1 when absent */
    int64_t number_of_frames;         /* (0028,0008), 1 when absent; -1 when present but not a number */
    uint32_t bits_allocated;          /* (0028,0100) */
    uint32_t bits_stored;             /* (0028,0101) */
    uint32_t high_bit;                /* (0028,0102) */
    uint32_t pixel_representation;    /* (0028,0103): 0 unsigned, 1 two's complement */
    uint32_t planar_configuration;    /* (0028,0006): 0 colour-by-pixel, 1 colour-by-plane */
    uint64_t pixel_data_length;       /* declared length of native pixel data (0 if encapsulated) */
    char photometric[32];             /* (0028,0004), trimmed */
    char transfer_syntax[68];         /* the dataset's transfer syntax UID */
    char transfer_syntax_name[96];    /* DCMTK's name for it ("Unknown Transfer Syntax" if unknown) */
} mp_dicom_image;

/* Reads only the file meta information (group 0002) and copies its TransferSyntaxUID and DCMTK's name for it
   (both NUL-terminated, truncated to fit). 0 on success, 1 when there is no readable meta header or no UID. */
int mp_dicom_meta_transfer_syntax(const char *path, char *uid, size_t uid_size, char *name, size_t name_size);

/* Loads the file's header (meta + dataset). A deflated dataset is inflated first, failing once it would exceed
   `max_inflated` bytes. NULL if out of memory; otherwise check mp_dicom_error. */
mp_dicom *mp_dicom_open(const char *path, uint64_t max_inflated);
void mp_dicom_close(mp_dicom *dicom);
/* The last error (empty if none). */
const char *mp_dicom_error(const mp_dicom *dicom);

/* 1 when mp_dicom_open's error comes from the shim's own checks of a deflated file (its bound, a damaged deflate
   stream, a declared length beyond the inflated bytes), 0 when it comes from DCMTK. */
int mp_dicom_error_from_checks(const mp_dicom *dicom);

/* Fills `image`; 0 on success. */
int mp_dicom_image_info(mp_dicom *dicom, mp_dicom_image *image);

/* The value of a top-level string attribute (of the file meta information for group 0002), trimmed, into `out` (capacity `capacity`, NUL-terminated);
 * 1 if present and non-empty, 0 if absent or empty, -1 on error. Values of all VMs come back backslash-joined. */
int mp_dicom_string(mp_dicom *dicom, uint16_t group, uint16_t element, char *out, size_t capacity);

/* Up to `capacity` numbers of a decimal/integer string attribute (DS, IS, US…). The attribute is looked up in the
 * per-frame functional group item `frame` inside the sequence (`sequence_group`,`sequence_element`), then in the
 * shared functional groups, then at top level (for frame < 0 or sequence 0: top level only).
 * Returns how many values were read (0 if absent), -1 on error. */
int mp_dicom_numbers(mp_dicom *dicom, int64_t frame, uint16_t sequence_group, uint16_t sequence_element,
                     uint16_t group, uint16_t element, double *out, int capacity);

/* The number of items of PerFrameFunctionalGroupsSequence (5200,9230); 0 if absent. */
int64_t mp_dicom_per_frame_items(mp_dicom *dicom);

/* The number of compressed fragments of encapsulated pixel data, without the offset table item; -1 on error. */
int64_t mp_dicom_fragment_count(mp_dicom *dicom);

/* The compressed bytes of frame `frame` (of `frames`) of encapsulated pixel data: its fragments concatenated. A
 * single frame takes every fragment; with as many fragments as frames, frame f is fragment f; otherwise the basic
 * offset table must list one offset per frame, each at a fragment's start, increasing. With `buffer` NULL returns
 * the size; otherwise copies it into `buffer` (`size` bytes, at least that size). -1 on error (see mp_dicom_error). */
int64_t mp_dicom_frame_bytes(mp_dicom *dicom, uint32_t frame, uint32_t frames, void *buffer, uint64_t size);

/* The size in bytes DCMTK gives one decoded frame (even; may exceed rows×columns×samples×bytes by padding);
 * 0 on error. */
uint64_t mp_dicom_frame_size(mp_dicom *dicom);

/* Decodes frame `frame` into `buffer` (`size` bytes, at least mp_dicom_frame_size), in the machine's byte order.
 * Frames decode fastest in increasing order. `color_model` (capacity 32) receives the decoded photometric
 * interpretation (JPEG YBR data decodes to RGB). 0 on success. */
int mp_dicom_decode_frame(mp_dicom *dicom, uint32_t frame, void *buffer, uint64_t size, char *color_model);

#ifdef __cplusplus
}
#endif

#endif
