#include <sys/types.h>

/* Linux fallocate(2). glibc declares it only under _GNU_SOURCE, which Swift's Glibc module does not define; the
 * symbol is in every glibc. posix_fallocate is not a substitute: where the file system cannot allocate, glibc
 * emulates it by writing a byte into every block. */
extern int fallocate(int fd, int mode, off_t offset, off_t len);
