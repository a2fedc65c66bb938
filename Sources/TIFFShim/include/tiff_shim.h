/*
 * TIFFShim: libtiff over an in-memory buffer, with per-handle error capture and typed tag getters.
 *
 * Errors and warnings go to handlers registered through TIFFOpenOptions (nothing is printed, no global
 * handler is touched); the first error and the first warning are kept in the source. TIFFGetField is variadic and
 * needs the exact C type of each tag, so the tags medprep reads are fetched here into a typed struct.
 */
#ifndef MEDPREP_TIFF_SHIM_H
#define MEDPREP_TIFF_SHIM_H

#include <stdint.h>
#include <tiffio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The bytes a TIFF handle reads from, and the messages libtiff reported about it. */
typedef struct mp_tiff_source mp_tiff_source;

/* A source over `size` bytes at `data` (which must outlive it); NULL if out of memory. */
mp_tiff_source *mp_tiff_source_create(const uint8_t *data, uint64_t size);
void mp_tiff_source_destroy(mp_tiff_source *source);
/* The first error libtiff reported since the last clear (empty if none). */
const char *mp_tiff_source_error(const mp_tiff_source *source);
/* The first warning libtiff reported since the last clear (empty if none). */
const char *mp_tiff_source_warning(const mp_tiff_source *source);
/* Forgets the recorded error and warning. */
void mp_tiff_source_clear_error(mp_tiff_source *source);

/* Opens the source read-only (mapped onto the buffer, so uncompressed strips are not copied);
 * libtiff refuses any single allocation above `max_single_allocation` bytes. NULL on failure. */
TIFF *mp_tiff_open(mp_tiff_source *source, const char *name, int64_t max_single_allocation);

/* The tags of the current directory that medprep needs, with libtiff's defaults for absent ones. */
typedef struct {
    uint32_t width;             /* ImageWidth (0 if absent) */
    uint32_t height;            /* ImageLength (0 if absent) */
    uint32_t depth;             /* ImageDepth (1 if absent) */
    uint16_t bits_per_sample;
    uint16_t samples_per_pixel;
    uint16_t sample_format;     /* 1 uint, 2 int, 3 IEEE float, 4 void, 5/6 complex */
    uint16_t planar_config;     /* 1 contiguous, 2 separate planes */
    uint16_t compression;
    uint16_t photometric;       /* 0xFFFF if absent */
    uint16_t resolution_unit;   /* 1 none, 2 inch, 3 centimeter */
    int has_resolution;         /* both XResolution and YResolution present */
    double x_resolution;
    double y_resolution;
    int tiled;
    uint32_t tile_width;
    uint32_t tile_length;
    uint32_t rows_per_strip;
} mp_tiff_page;

void mp_tiff_read_page(TIFF *tiff, mp_tiff_page *page);

#ifdef __cplusplus
}
#endif

#endif
