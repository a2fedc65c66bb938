#include <fcntl.h>
#include <sys/types.h>

/* Linux file calls that glibc declares only under _GNU_SOURCE, which Swift's Glibc module does not define. */

/* fallocate(2); the symbol is in every glibc. posix_fallocate is not a substitute: where the file system cannot
 * allocate, glibc emulates it by writing a byte into every block. */
extern int fallocate(int fd, int mode, off_t offset, off_t len);

/* The open(2) flag O_TMPFILE (an unnamed file in the given directory, Linux 3.11), or 0 where the headers lack it.
 * glibc defines __O_TMPFILE (which includes O_DIRECTORY) unconditionally and O_TMPFILE only under _GNU_SOURCE. */
static inline int medprep_o_tmpfile(void) {
#ifdef __O_TMPFILE
    return __O_TMPFILE;
#else
    return 0;
#endif
}
