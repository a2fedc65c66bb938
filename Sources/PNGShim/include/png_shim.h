/*
 * PNGShim: a libpng (classic API) decoder over an in-memory buffer.
 *
 * Every libpng call that may longjmp runs inside these functions, between setjmp and return; errors and
 * warnings are captured in the decoder (nothing is printed, nothing aborts). No gamma, sRGB, tRNS or
 * palette transformation is requested: rows carry the stored samples, sub-byte samples unpacked to one
 * byte each (values 0 ... 2^bits - 1, not rescaled), 16-bit samples big-endian as stored, palette images
 * as indices (the palette is returned in the header).
 */
#ifndef MEDPREP_PNG_SHIM_H
#define MEDPREP_PNG_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mp_png_decoder mp_png_decoder;

/* What IHDR and PLTE declare. */
typedef struct {
    uint32_t width;
    uint32_t height;
    int bit_depth;        /* stored bits per sample: 1, 2, 4, 8 or 16 */
    int color_type;       /* 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA */
    int channels;         /* samples per pixel (1 for palette indices) */
    int interlaced;       /* 1 for Adam7 */
    int palette_size;     /* number of PLTE entries (0 if none) */
    uint8_t palette[256 * 3];
} mp_png_header;

/* Status codes. */
enum {
    MP_PNG_OK = 0,
    MP_PNG_FAILED = 1,     /* libpng reported an error, see mp_png_message */
    MP_PNG_BAD_ARGUMENT = 2,
    MP_PNG_NO_MEMORY = 3
};

/* A decoder over `size` bytes at `data`; the bytes must outlive the decoder. NULL if out of memory. */
mp_png_decoder *mp_png_decoder_create(const uint8_t *data, size_t size);
void mp_png_decoder_destroy(mp_png_decoder *decoder);

/* Reads the signature and every chunk up to the first IDAT; fills `header`. Allocates nothing sized by the
 * image, so the caller can check the declared size before mp_png_start. */
int mp_png_read_header(mp_png_decoder *decoder, mp_png_header *header);

/* Sets up decoding (unpacking sub-byte samples, de-interlacing; libpng allocates its row buffers here) and
 * returns the bytes per output row. */
int mp_png_start(mp_png_decoder *decoder, size_t *row_bytes);

/* Decodes the whole image (de-interlacing Adam7) into `out` (`height * row_bytes` bytes, row after row),
 * then reads the remaining chunks up to IEND, checking their CRCs. */
int mp_png_read_pixels(mp_png_decoder *decoder, uint8_t *out, size_t out_size);

/* Non-interlaced images only: decodes the next row into `row` (`row_bytes` bytes). After the last row,
 * mp_png_finish reads the remaining chunks up to IEND, checking their CRCs. */
int mp_png_read_row(mp_png_decoder *decoder, uint8_t *row);
int mp_png_finish(mp_png_decoder *decoder);

/* The first error libpng reported (empty if none). */
const char *mp_png_message(const mp_png_decoder *decoder);
/* 1 if the data ended before libpng had read what it needed. */
int mp_png_ended_early(const mp_png_decoder *decoder);

#ifdef __cplusplus
}
#endif

#endif
