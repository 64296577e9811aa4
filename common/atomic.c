#include "atomic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fp_write_atomic(const char *path, const char *data, size_t len, fp_error *err)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp)
        return fp_fail(err, path, 0, 0, "out of memory");
    snprintf(tmp, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return fp_fail(err, path, 0, 0, "cannot create a temporary file beside it: %s", strerror(e));
    }
    /* mkstemp makes the file private; give it the mode a plain fopen would */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, (mode_t)(0666 & ~mask)) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        free(tmp);
        return fp_fail(err, path, 0, 0, "cannot set the file's mode: %s", strerror(e));
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            free(tmp);
            return fp_fail(err, path, 0, 0, "cannot write: %s", strerror(e));
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return fp_fail(err, path, 0, 0, "cannot write: %s", strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return fp_fail(err, path, 0, 0, "cannot replace the file: %s", strerror(e));
    }
    free(tmp);
    return 0;
}
