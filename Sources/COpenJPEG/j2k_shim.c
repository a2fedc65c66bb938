// COpenJPEG over OpenJPEG 2.5: see include/j2k_shim.h.
#include "j2k_shim.h"

#include <openjpeg-2.5/openjpeg.h>
#include <stdio.h>
#include <string.h>

/* The bytes being read and the position in them. */
typedef struct {
    const uint8_t *data;
    size_t size;
    size_t position;
} memory_stream;

/* OpenJPEG's error and warning messages, the last ones kept. */
typedef struct {
    char text[512];
} messages;

static OPJ_SIZE_T read_bytes(void *buffer, OPJ_SIZE_T count, void *user) {
    memory_stream *stream = user;
    size_t left = stream->size - stream->position;
    if (left == 0) return (OPJ_SIZE_T)-1;
    size_t n = count < left ? count : left;
    memcpy(buffer, stream->data + stream->position, n);
    stream->position += n;
    return n;
}

static OPJ_OFF_T skip_bytes(OPJ_OFF_T count, void *user) {
    memory_stream *stream = user;
    if (count < 0) {
        size_t back = (size_t)(-count);
        if (back > stream->position) return -1;
        stream->position -= back;
        return count;
    }
    size_t left = stream->size - stream->position;
    size_t n = (uint64_t)count < left ? (size_t)count : left;
    stream->position += n;
    return (OPJ_OFF_T)n;
}

static OPJ_BOOL seek_bytes(OPJ_OFF_T offset, void *user) {
    memory_stream *stream = user;
    if (offset < 0 || (uint64_t)offset > stream->size) return OPJ_FALSE;
    stream->position = (size_t)offset;
    return OPJ_TRUE;
}

static void keep_message(const char *message, void *user) {
    messages *kept = user;
    size_t used = strlen(kept->text);
    if (used + 3 >= sizeof kept->text) return;
    snprintf(kept->text + used, sizeof kept->text - used, "%s%s", used > 0 ? "; " : "", message);
    /* OpenJPEG's messages end with a newline: drop it. */
    size_t end = strlen(kept->text);
    while (end > 0 && (kept->text[end - 1] == '\n' || kept->text[end - 1] == '\r')) kept->text[--end] = '\0';
}

static void ignore_message(const char *message, void *user) {
    (void)message;
    (void)user;
}

static void fail(char *error, size_t error_size, const char *what, const messages *kept) {
    if (error_size == 0) return;
    if (kept != NULL && kept->text[0] != '\0') snprintf(error, error_size, "%s (OpenJPEG: %s)", what, kept->text);
    else snprintf(error, error_size, "%s", what);
}

/* A decoder, its stream over `memory` and the header it read; NULL members on failure (error filled in). */
typedef struct {
    opj_codec_t *codec;
    opj_stream_t *stream;
    opj_image_t *image;
    memory_stream memory;
    messages kept;
} session;

static void session_close(session *s) {
    if (s->image != NULL) opj_image_destroy(s->image);
    if (s->codec != NULL) opj_destroy_codec(s->codec);
    if (s->stream != NULL) opj_stream_destroy(s->stream);
}

static int session_open(session *s, const uint8_t *data, size_t size, char *error, size_t error_size) {
    memset(s, 0, sizeof *s);
    s->memory.data = data;
    s->memory.size = size;
    static const uint8_t jp2[] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' '};
    static const uint8_t j2k[] = {0xFF, 0x4F, 0xFF, 0x51};
    OPJ_CODEC_FORMAT format;
    if (size >= sizeof jp2 && memcmp(data, jp2, sizeof jp2) == 0) format = OPJ_CODEC_JP2;
    else if (size >= sizeof j2k && memcmp(data, j2k, sizeof j2k) == 0) format = OPJ_CODEC_J2K;
    else { fail(error, error_size, "the frame is not a JPEG 2000 codestream (no SOC/SIZ marker at its start)", NULL); return 1; }
    s->codec = opj_create_decompress(format);
    s->stream = opj_stream_create(65536, OPJ_TRUE);
    if (s->codec == NULL || s->stream == NULL) { fail(error, error_size, "out of memory", NULL); return 1; }
    opj_stream_set_user_data(s->stream, &s->memory, NULL);
    opj_stream_set_user_data_length(s->stream, size);
    opj_stream_set_read_function(s->stream, read_bytes);
    opj_stream_set_skip_function(s->stream, skip_bytes);
    opj_stream_set_seek_function(s->stream, seek_bytes);
    opj_set_error_handler(s->codec, keep_message, &s->kept);
    opj_set_warning_handler(s->codec, keep_message, &s->kept);
    opj_set_info_handler(s->codec, ignore_message, NULL);
    opj_dparameters_t parameters;
    opj_set_default_decoder_parameters(&parameters);
    if (!opj_setup_decoder(s->codec, &parameters) || !opj_decoder_set_strict_mode(s->codec, OPJ_TRUE)) {
        fail(error, error_size, "OpenJPEG cannot set up its decoder", &s->kept);
        return 1;
    }
    if (!opj_read_header(s->stream, s->codec, &s->image) || s->image == NULL || s->image->numcomps == 0) {
        fail(error, error_size, "cannot read the JPEG 2000 header", &s->kept);
        return 1;
    }
    return 0;
}

static void describe(const opj_image_t *image, mp_j2k_info *info) {
    const opj_image_comp_t *first = &image->comps[0];
    info->width = image->x1 - image->x0;
    info->height = image->y1 - image->y0;
    info->components = image->numcomps;
    info->precision = first->prec;
    info->is_signed = first->sgnd != 0;
    info->uniform = 1;
    for (OPJ_UINT32 c = 0; c < image->numcomps; ++c) {
        const opj_image_comp_t *comp = &image->comps[c];
        if (comp->dx != 1 || comp->dy != 1 || comp->prec != first->prec || comp->sgnd != first->sgnd) info->uniform = 0;
    }
}

int mp_j2k_read_header(const uint8_t *data, size_t size, mp_j2k_info *info, char *error, size_t error_size) {
    session s;
    memset(info, 0, sizeof *info);
    int status = session_open(&s, data, size, error, error_size);
    if (status == 0) describe(s.image, info);
    session_close(&s);
    return status;
}

int mp_j2k_decode(const uint8_t *data, size_t size, const mp_j2k_info *expected, uint32_t bytes_per_sample,
                  void *out, size_t out_size, char *error, size_t error_size) {
    session s;
    if (session_open(&s, data, size, error, error_size) != 0) { session_close(&s); return 1; }
    mp_j2k_info info;
    describe(s.image, &info);
    if (info.width != expected->width || info.height != expected->height || info.components != expected->components
        || info.precision == 0 || info.precision > 8 * bytes_per_sample || !info.uniform) {
        snprintf(error, error_size,
                 "the JPEG 2000 header declares %ux%u pixels, %u component(s) of %u bits%s, the DICOM attributes "
                 "%ux%u, %u of %u bits stored in %u", info.width, info.height, info.components, info.precision,
                 info.uniform ? "" : " (components differ or are subsampled)", expected->width, expected->height,
                 expected->components, expected->precision, 8 * bytes_per_sample);
        session_close(&s);
        return 1;
    }
    uint64_t pixels = (uint64_t)info.width * info.height;
    if ((bytes_per_sample != 1 && bytes_per_sample != 2 && bytes_per_sample != 4)
        || pixels * info.components * bytes_per_sample > out_size) {
        fail(error, error_size, "the output buffer does not fit the frame", NULL);
        session_close(&s);
        return 1;
    }
    if (!opj_decode(s.codec, s.stream, s.image) || !opj_end_decompress(s.codec, s.stream)) {
        fail(error, error_size, "the JPEG 2000 codestream cannot be decoded (damaged or truncated)", &s.kept);
        session_close(&s);
        return 1;
    }
    for (OPJ_UINT32 c = 0; c < info.components; ++c) {
        const opj_image_comp_t *comp = &s.image->comps[c];
        if (comp->data == NULL || comp->w != info.width || comp->h != info.height) {
            fail(error, error_size, "OpenJPEG returned a component of another size", &s.kept);
            session_close(&s);
            return 1;
        }
    }
    /* A codestream wider than BitsStored (seen in real files: 16-bit J2K, BitsStored 14) is accepted only when every
       sample fits BitsStored, so that masking to BitsStored loses nothing. */
    if (info.precision > expected->precision && expected->precision < 32) {
        int64_t low = expected->is_signed ? -((int64_t)1 << (expected->precision - 1)) : 0;
        int64_t high = expected->is_signed ? ((int64_t)1 << (expected->precision - 1)) - 1
                                           : ((int64_t)1 << expected->precision) - 1;
        for (uint32_t c = 0; c < info.components; ++c) {
            const OPJ_INT32 *samples = s.image->comps[c].data;
            for (uint64_t p = 0; p < pixels; ++p) {
                if (samples[p] < low || samples[p] > high) {
                    snprintf(error, error_size, "the JPEG 2000 codestream has %u-bit samples and sample %d does not "
                             "fit BitsStored %u", info.precision, (int)samples[p], expected->precision);
                    session_close(&s);
                    return 1;
                }
            }
        }
    }
    uint8_t *bytes = out;
    uint32_t components = info.components;
    for (uint64_t p = 0; p < pixels; ++p) {
        for (uint32_t c = 0; c < components; ++c) {
            uint32_t value = (uint32_t)s.image->comps[c].data[p];
            uint8_t *at = bytes + (p * components + c) * bytes_per_sample;
            for (uint32_t b = 0; b < bytes_per_sample; ++b) at[b] = (uint8_t)(value >> (8 * b));
        }
    }
    session_close(&s);
    return 0;
}
