#include "png_shim.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

struct mp_png_decoder {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size;
    size_t offset;
    int ended_early;
    int header_read;
    int started;
    uint32_t height;
    size_t row_bytes;
    png_bytep *rows;
    char message[512];
};

static void mp_png_record(mp_png_decoder *decoder, const char *text) {
    if (decoder->message[0] != '\0') return;
    strncpy(decoder->message, text ? text : "unknown libpng error", sizeof decoder->message - 1);
    decoder->message[sizeof decoder->message - 1] = '\0';
}

static void mp_png_on_error(png_structp png, png_const_charp text) {
    mp_png_decoder *decoder = (mp_png_decoder *)png_get_error_ptr(png);
    if (decoder) mp_png_record(decoder, text);
    png_longjmp(png, 1);
}

static void mp_png_on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void mp_png_on_read(png_structp png, png_bytep out, size_t count) {
    mp_png_decoder *decoder = (mp_png_decoder *)png_get_io_ptr(png);
    if (count > decoder->size - decoder->offset) {
        decoder->ended_early = 1;
        png_error(png, "unexpected end of file");
    }
    memcpy(out, decoder->data + decoder->offset, count);
    decoder->offset += count;
}

mp_png_decoder *mp_png_decoder_create(const uint8_t *data, size_t size) {
    mp_png_decoder *decoder = (mp_png_decoder *)calloc(1, sizeof *decoder);
    if (!decoder) return NULL;
    decoder->data = data;
    decoder->size = size;
    decoder->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, decoder, mp_png_on_error, mp_png_on_warning);
    if (!decoder->png) {
        free(decoder);
        return NULL;
    }
    decoder->info = png_create_info_struct(decoder->png);
    if (!decoder->info) {
        png_destroy_read_struct(&decoder->png, NULL, NULL);
        free(decoder);
        return NULL;
    }
    return decoder;
}

void mp_png_decoder_destroy(mp_png_decoder *decoder) {
    if (!decoder) return;
    png_destroy_read_struct(&decoder->png, &decoder->info, NULL);
    free(decoder->rows);
    free(decoder);
}

int mp_png_read_header(mp_png_decoder *decoder, mp_png_header *header) {
    if (!decoder || !header || decoder->header_read) return MP_PNG_BAD_ARGUMENT;
    memset(header, 0, sizeof *header);
    if (setjmp(png_jmpbuf(decoder->png))) return MP_PNG_FAILED;

    png_set_read_fn(decoder->png, decoder, mp_png_on_read);
    /* The voxel cap is enforced by the caller; let libpng accept anything the PNG format allows. */
    png_set_user_limits(decoder->png, 0x7fffffffU, 0x7fffffffU);
    /* A CRC error in any chunk, critical or ancillary, is an error. */
    png_set_crc_action(decoder->png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    png_read_info(decoder->png, decoder->info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(decoder->png, decoder->info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    header->width = width;
    header->height = height;
    header->bit_depth = bit_depth;
    header->color_type = color_type;
    header->channels = png_get_channels(decoder->png, decoder->info);
    header->interlaced = interlace != PNG_INTERLACE_NONE;

    png_colorp palette = NULL;
    int palette_size = 0;
    if (png_get_PLTE(decoder->png, decoder->info, &palette, &palette_size) && palette) {
        if (palette_size > 256) palette_size = 256;
        for (int i = 0; i < palette_size; ++i) {
            header->palette[3 * i] = palette[i].red;
            header->palette[3 * i + 1] = palette[i].green;
            header->palette[3 * i + 2] = palette[i].blue;
        }
        header->palette_size = palette_size;
    }
    decoder->height = height;
    decoder->header_read = 1;
    return MP_PNG_OK;
}

int mp_png_start(mp_png_decoder *decoder, size_t *row_bytes) {
    if (!decoder || !row_bytes || !decoder->header_read || decoder->started) return MP_PNG_BAD_ARGUMENT;
    *row_bytes = 0;
    if (setjmp(png_jmpbuf(decoder->png))) return MP_PNG_FAILED;
    if (png_get_bit_depth(decoder->png, decoder->info) < 8) png_set_packing(decoder->png);
    png_set_interlace_handling(decoder->png);
    png_read_update_info(decoder->png, decoder->info);
    decoder->row_bytes = png_get_rowbytes(decoder->png, decoder->info);
    decoder->started = 1;
    *row_bytes = decoder->row_bytes;
    return MP_PNG_OK;
}

int mp_png_read_pixels(mp_png_decoder *decoder, uint8_t *out, size_t out_size) {
    if (!decoder || !out || !decoder->started || decoder->rows) return MP_PNG_BAD_ARGUMENT;
    if (decoder->height == 0 || decoder->row_bytes == 0) return MP_PNG_BAD_ARGUMENT;
    if (out_size / decoder->height < decoder->row_bytes) return MP_PNG_BAD_ARGUMENT;
    decoder->rows = (png_bytep *)malloc((size_t)decoder->height * sizeof(png_bytep));
    if (!decoder->rows) return MP_PNG_NO_MEMORY;
    for (uint32_t row = 0; row < decoder->height; ++row) {
        decoder->rows[row] = out + (size_t)row * decoder->row_bytes;
    }
    if (setjmp(png_jmpbuf(decoder->png))) return MP_PNG_FAILED;
    png_read_image(decoder->png, decoder->rows);
    png_read_end(decoder->png, NULL);
    return MP_PNG_OK;
}

int mp_png_read_row(mp_png_decoder *decoder, uint8_t *row) {
    if (!decoder || !row || !decoder->started || decoder->rows) return MP_PNG_BAD_ARGUMENT;
    if (png_get_interlace_type(decoder->png, decoder->info) != PNG_INTERLACE_NONE) return MP_PNG_BAD_ARGUMENT;
    if (setjmp(png_jmpbuf(decoder->png))) return MP_PNG_FAILED;
    png_read_row(decoder->png, row, NULL);
    return MP_PNG_OK;
}

int mp_png_finish(mp_png_decoder *decoder) {
    if (!decoder || !decoder->started || decoder->rows) return MP_PNG_BAD_ARGUMENT;
    if (setjmp(png_jmpbuf(decoder->png))) return MP_PNG_FAILED;
    png_read_end(decoder->png, NULL);
    return MP_PNG_OK;
}

const char *mp_png_message(const mp_png_decoder *decoder) {
    return decoder ? decoder->message : "";
}

int mp_png_ended_early(const mp_png_decoder *decoder) {
    return decoder ? decoder->ended_early : 0;
}
