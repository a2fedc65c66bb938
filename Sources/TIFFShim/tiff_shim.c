#include "tiff_shim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mp_tiff_source {
    const uint8_t *data;
    uint64_t size;
    uint64_t offset;
    char error[512];
    char warning[512];
};

mp_tiff_source *mp_tiff_source_create(const uint8_t *data, uint64_t size) {
    mp_tiff_source *source = (mp_tiff_source *)calloc(1, sizeof *source);
    if (!source) return NULL;
    source->data = data;
    source->size = size;
    return source;
}

void mp_tiff_source_destroy(mp_tiff_source *source) { free(source); }

const char *mp_tiff_source_error(const mp_tiff_source *source) { return source ? source->error : ""; }

const char *mp_tiff_source_warning(const mp_tiff_source *source) { return source ? source->warning : ""; }

void mp_tiff_source_clear_error(mp_tiff_source *source) {
    if (!source) return;
    source->error[0] = '\0';
    source->warning[0] = '\0';
}

static void mp_tiff_record(char *buffer, size_t size, const char *module, const char *format, va_list arguments) {
    if (buffer[0] != '\0') return;
    char text[400];
    vsnprintf(text, sizeof text, format, arguments);
    if (module && module[0] != '\0') {
        snprintf(buffer, size, "%s: %s", module, text);
    } else {
        snprintf(buffer, size, "%s", text);
    }
}

static int mp_tiff_on_error(TIFF *tiff, void *user, const char *module, const char *format, va_list arguments) {
    (void)tiff;
    mp_tiff_source *source = (mp_tiff_source *)user;
    if (source) mp_tiff_record(source->error, sizeof source->error, module, format, arguments);
    return 1;
}

static int mp_tiff_on_warning(TIFF *tiff, void *user, const char *module, const char *format, va_list arguments) {
    (void)tiff;
    mp_tiff_source *source = (mp_tiff_source *)user;
    if (source) mp_tiff_record(source->warning, sizeof source->warning, module, format, arguments);
    return 1;
}

static tmsize_t mp_tiff_read(thandle_t handle, void *out, tmsize_t count) {
    mp_tiff_source *source = (mp_tiff_source *)handle;
    if (count <= 0 || source->offset >= source->size) return 0;
    uint64_t available = source->size - source->offset;
    uint64_t wanted = (uint64_t)count < available ? (uint64_t)count : available;
    memcpy(out, source->data + source->offset, (size_t)wanted);
    source->offset += wanted;
    return (tmsize_t)wanted;
}

static tmsize_t mp_tiff_write(thandle_t handle, void *in, tmsize_t count) {
    (void)handle;
    (void)in;
    (void)count;
    return -1;
}

static toff_t mp_tiff_seek(thandle_t handle, toff_t offset, int whence) {
    mp_tiff_source *source = (mp_tiff_source *)handle;
    uint64_t base;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = source->offset; break;
    case SEEK_END: base = source->size; break;
    default: return (toff_t)-1;
    }
    if (offset > UINT64_MAX - base) return (toff_t)-1;
    source->offset = base + offset;
    return source->offset;
}

static int mp_tiff_close(thandle_t handle) {
    (void)handle;
    return 0;
}

static toff_t mp_tiff_size(thandle_t handle) { return ((mp_tiff_source *)handle)->size; }

static int mp_tiff_map(thandle_t handle, void **base, toff_t *size) {
    mp_tiff_source *source = (mp_tiff_source *)handle;
    *base = (void *)source->data;
    *size = source->size;
    return 1;
}

static void mp_tiff_unmap(thandle_t handle, void *base, toff_t size) {
    (void)handle;
    (void)base;
    (void)size;
}

TIFF *mp_tiff_open(mp_tiff_source *source, const char *name, int64_t max_single_allocation) {
    if (!source) return NULL;
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (!options) return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(options, mp_tiff_on_error, source);
    TIFFOpenOptionsSetWarningHandlerExtR(options, mp_tiff_on_warning, source);
    TIFFOpenOptionsSetMaxSingleMemAlloc(options, (tmsize_t)max_single_allocation);
    source->offset = 0;
    TIFF *tiff = TIFFClientOpenExt(name, "r", (thandle_t)source, mp_tiff_read, mp_tiff_write, mp_tiff_seek,
                                   mp_tiff_close, mp_tiff_size, mp_tiff_map, mp_tiff_unmap, options);
    TIFFOpenOptionsFree(options);
    return tiff;
}

static uint16_t mp_tiff_uint16(TIFF *tiff, uint32_t tag, uint16_t fallback) {
    uint16_t value = fallback;
    if (!TIFFGetFieldDefaulted(tiff, tag, &value)) return fallback;
    return value;
}

static uint32_t mp_tiff_uint32(TIFF *tiff, uint32_t tag, uint32_t fallback) {
    uint32_t value = fallback;
    if (!TIFFGetFieldDefaulted(tiff, tag, &value)) return fallback;
    return value;
}

/* XResolution / YResolution are returned as float by libtiff 4.x; the union leaves room for a double
 * so that a type change in a later libtiff cannot write past the variable. */
static int mp_tiff_resolution(TIFF *tiff, uint32_t tag, double *out) {
    union {
        float single;
        double wide;
    } value;
    memset(&value, 0, sizeof value);
    if (!TIFFGetField(tiff, tag, &value.single)) return 0;
    *out = (double)value.single;
    return 1;
}

void mp_tiff_read_page(TIFF *tiff, mp_tiff_page *page) {
    memset(page, 0, sizeof *page);
    page->width = mp_tiff_uint32(tiff, TIFFTAG_IMAGEWIDTH, 0);
    page->height = mp_tiff_uint32(tiff, TIFFTAG_IMAGELENGTH, 0);
    page->depth = mp_tiff_uint32(tiff, TIFFTAG_IMAGEDEPTH, 1);
    page->bits_per_sample = mp_tiff_uint16(tiff, TIFFTAG_BITSPERSAMPLE, 1);
    page->samples_per_pixel = mp_tiff_uint16(tiff, TIFFTAG_SAMPLESPERPIXEL, 1);
    page->sample_format = mp_tiff_uint16(tiff, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_UINT);
    page->planar_config = mp_tiff_uint16(tiff, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    page->compression = mp_tiff_uint16(tiff, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
    uint16_t photometric = 0;
    page->photometric = TIFFGetField(tiff, TIFFTAG_PHOTOMETRIC, &photometric) ? photometric : 0xFFFF;
    page->resolution_unit = mp_tiff_uint16(tiff, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    page->has_resolution = mp_tiff_resolution(tiff, TIFFTAG_XRESOLUTION, &page->x_resolution) &&
                           mp_tiff_resolution(tiff, TIFFTAG_YRESOLUTION, &page->y_resolution);
    page->tiled = TIFFIsTiled(tiff) ? 1 : 0;
    if (page->tiled) {
        page->tile_width = mp_tiff_uint32(tiff, TIFFTAG_TILEWIDTH, 0);
        page->tile_length = mp_tiff_uint32(tiff, TIFFTAG_TILELENGTH, 0);
    } else {
        page->rows_per_strip = mp_tiff_uint32(tiff, TIFFTAG_ROWSPERSTRIP, UINT32_MAX);
    }
}
