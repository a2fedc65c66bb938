/* The PNG decode floor of the benchmark: the time libpng (with the zlib it links) takes to decode the rows of the
 * given files on one core, with nothing else (no conversion, no output). run_benchmarks.py compiles and runs it for
 * `--cases floor`; medprep's PNG case is compared against it in BENCHMARKS.md.
 *
 * Build: cc -O2 -o png_floor Benchmarks/png_floor.c -lpng
 * Run:   png_floor FILE.png ...   -> prints {"files": n, "bytes": compressed bytes, "decode_s": seconds}
 * Each file is read into memory first (untimed); the timed part is png_create_read_struct .. png_read_end, rows
 * read one by one into one row buffer, exactly as libpng's row API is used by any decoder. Exit status 1 when a
 * file cannot be read or decoded.
 */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static int decode(const unsigned char *bytes, size_t size, unsigned char **row, size_t *row_capacity) {
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
    png_uint_32 height = png_get_image_height(png, info);
    int passes = png_set_interlace_handling(png);
    for (int pass = 0; pass < passes; pass++)
        for (png_uint_32 y = 0; y < height; y++) png_read_row(png, *row, NULL);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    return 1;
}

int main(int argc, char **argv) {
    double total = 0;
    size_t total_bytes = 0, row_capacity = 0;
    unsigned char *row = NULL;
    for (int i = 1; i < argc; i++) {
        FILE *file = fopen(argv[i], "rb");
        if (!file) {
            fprintf(stderr, "%s: cannot open\n", argv[i]);
            return 1;
        }
        fseek(file, 0, SEEK_END);
        long size = ftell(file);
        fseek(file, 0, SEEK_SET);
        unsigned char *bytes = malloc(size > 0 ? (size_t)size : 1);
        if (!bytes || fread(bytes, 1, (size_t)size, file) != (size_t)size) {
            fprintf(stderr, "%s: cannot read\n", argv[i]);
            return 1;
        }
        fclose(file);
        double start = now();
        int ok = decode(bytes, (size_t)size, &row, &row_capacity);
        total += now() - start;
        free(bytes);
        if (!ok) {
            fprintf(stderr, "%s: libpng could not decode it\n", argv[i]);
            return 1;
        }
        total_bytes += (size_t)size;
    }
    free(row);
    printf("{\"files\": %d, \"bytes\": %zu, \"decode_s\": %.6f}\n", argc - 1, total_bytes, total);
    return 0;
}
