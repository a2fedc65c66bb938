/* The PNG floors of the benchmark, with libpng (and the zlib it links) and nothing else. run_benchmarks.py compiles
 * it with `cc` (or the toolchain's `clang`); medprep's PNG case is compared against it in BENCHMARKS.md.
 *
 * Build: cc -O2 -o png_floor Benchmarks/png_floor.c -lpng
 *
 * Decode floor (the `floor` case): png_floor FILE.png ...
 *   prints {"files": n, "bytes": compressed bytes, "decode_s": seconds}. Each file is read into memory first
 *   (untimed); the timed part is png_create_read_struct .. png_read_end, rows read one by one into one row buffer,
 *   exactly as libpng's row API is used by any decoder.
 *
 * Job floor (the `floor-w2` runner of the png case): png_floor -j N -o DIR FILE.png ...
 *   does the benchmark's whole job with no bookkeeping: N processes (files dealt round-robin) each read a file,
 *   decode it, convert its samples to float32 and write DIR/<name>.npy (format 1.0, '<f4', shape (1, C, H, W)) with
 *   open/write/close. The harness times the whole command, beside medprep and the baseline in the same rounds.
 *   Non-interlaced 8- and 16-bit images only.
 *
 * Exit status 1 when a file cannot be read, decoded or written.
 */
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct memory_source {
    const unsigned char *bytes;
    size_t size, offset;
};

static void read_from_memory(png_structp png, png_bytep out, png_size_t count) {
    struct memory_source *source = png_get_io_ptr(png);
    if (count > source->size - source->offset) png_error(png, "truncated");
    memcpy(out, source->bytes + source->offset, count);
    source->offset += count;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* The decoded image as float32 planes (C, H, W), for the job floor. */
struct planes {
    float *values;
    size_t capacity;
    png_uint_32 width, height;
    int channels;
};

/* Decodes one PNG held in memory, row by row into `*row`; with `out`, also converts every row into planes. */
static int decode(const unsigned char *bytes, size_t size, unsigned char **row, size_t *row_capacity,
                  struct planes *out) {
    struct memory_source source = {bytes, size, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) return 0;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return 0;
    }
    png_set_read_fn(png, &source, read_from_memory);
    png_read_info(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (row_bytes > *row_capacity) {
        free(*row);
        *row = malloc(row_bytes);
        *row_capacity = row_bytes;
        if (!*row) png_error(png, "out of memory");
    }
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    int channels = png_get_channels(png, info), depth = png_get_bit_depth(png, info);
    if (out) {
        if (png_get_interlace_type(png, info) != PNG_INTERLACE_NONE || (depth != 8 && depth != 16))
            png_error(png, "the job floor reads non-interlaced 8- and 16-bit images only");
        size_t count = (size_t)width * height * (size_t)channels;
        if (count > out->capacity) {
            free(out->values);
            out->values = malloc(count * sizeof(float));
            out->capacity = count;
            if (!out->values) png_error(png, "out of memory");
        }
        out->width = width;
        out->height = height;
        out->channels = channels;
    }
    int passes = png_set_interlace_handling(png);
    for (int pass = 0; pass < passes; pass++) {
        for (png_uint_32 y = 0; y < height; y++) {
            png_read_row(png, *row, NULL);
            if (!out) continue;
            const unsigned char *r = *row;
            for (int c = 0; c < channels; c++) {
                float *plane = out->values + ((size_t)c * height + y) * width;
                if (depth == 16) {
                    for (png_uint_32 x = 0; x < width; x++) {
                        size_t i = 2 * ((size_t)x * channels + c);
                        plane[x] = (float)((r[i] << 8) | r[i + 1]);
                    }
                } else {
                    for (png_uint_32 x = 0; x < width; x++) plane[x] = (float)r[(size_t)x * channels + c];
                }
            }
        }
    }
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    return 1;
}

/* Writes planes as DIR/<stem of path>.npy. */
static int write_npy(const char *directory, const char *path, const struct planes *planes) {
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    char target[4096];
    int stem = (int)strcspn(name, ".");
    snprintf(target, sizeof target, "%s/%.*s.npy", directory, stem, name);
    char header[128];
    int length = snprintf(header, sizeof header, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, %d, %u, %u), }",
                          planes->channels, planes->height, planes->width);
    int total = 10 + length + 1;
    int padded = (total + 63) / 64 * 64;
    unsigned char prefix[256] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    prefix[8] = (unsigned char)((padded - 10) & 0xff);
    prefix[9] = (unsigned char)((padded - 10) >> 8);
    memcpy(prefix + 10, header, (size_t)length);
    memset(prefix + 10 + length, ' ', (size_t)(padded - 10 - length - 1));
    prefix[padded - 1] = '\n';
    FILE *file = fopen(target, "wb");
    if (!file) return 0;
    size_t count = (size_t)planes->width * planes->height * (size_t)planes->channels;
    int ok = fwrite(prefix, 1, (size_t)padded, file) == (size_t)padded &&
             fwrite(planes->values, sizeof(float), count, file) == count;
    return fclose(file) == 0 && ok;
}

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    unsigned char *bytes = malloc(length > 0 ? (size_t)length : 1);
    if (bytes && fread(bytes, 1, (size_t)length, file) != (size_t)length) {
        free(bytes);
        bytes = NULL;
    }
    fclose(file);
    *size = (size_t)length;
    return bytes;
}

/* Files first .. count-1, every `step`-th: decodes each (and writes it when `directory` is set). */
static int run(char **files, int count, int first, int step, const char *directory, double *seconds, size_t *bytes) {
    size_t row_capacity = 0;
    unsigned char *row = NULL;
    struct planes planes = {0};
    int ok = 1;
    for (int i = first; i < count && ok; i += step) {
        size_t size = 0;
        unsigned char *data = read_file(files[i], &size);
        if (!data) {
            fprintf(stderr, "%s: cannot read\n", files[i]);
            ok = 0;
            break;
        }
        double start = now();
        if (!decode(data, size, &row, &row_capacity, directory ? &planes : NULL)) {
            fprintf(stderr, "%s: libpng could not decode it\n", files[i]);
            ok = 0;
        } else if (directory && !write_npy(directory, files[i], &planes)) {
            fprintf(stderr, "%s: cannot write its .npy to %s\n", files[i], directory);
            ok = 0;
        }
        *seconds += now() - start;
        *bytes += size;
        free(data);
    }
    free(row);
    free(planes.values);
    return ok;
}

int main(int argc, char **argv) {
    int jobs = 1, first = 1;
    const char *directory = NULL;
    while (first + 1 < argc && argv[first][0] == '-') {
        if (strcmp(argv[first], "-j") == 0) jobs = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "-o") == 0) directory = argv[first + 1];
        else break;
        first += 2;
    }
    char **files = argv + first;
    int count = argc - first;
    if (jobs < 1) jobs = 1;
    double seconds = 0;
    size_t bytes = 0;
    if (jobs == 1) {
        if (!run(files, count, 0, 1, directory, &seconds, &bytes)) return 1;
        printf("{\"files\": %d, \"bytes\": %zu, \"decode_s\": %.6f}\n", count, bytes, seconds);
        return 0;
    }
    for (int k = 0; k < jobs; k++) {
        pid_t child = fork();
        if (child < 0) return 1;
        if (child == 0) _exit(run(files, count, k, jobs, directory, &seconds, &bytes) ? 0 : 1);
    }
    int failed = 0, status = 0;
    while (wait(&status) > 0) failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    return failed;
}
