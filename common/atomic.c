/* atomic.c: every file fedplan writes goes through here (see atomic.h for what is refused
 * and why). */
#include "atomic.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m)    ? "a directory"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISSOCK(m) ? "a socket"
                         : "not a regular file";
}

/* 1 when the file st is one of dir's entries (a checkpoint folder read as a whole: its
 * config.json, its safetensors, a Hub snapshot's links to its blobs; links followed), 0
 * when not, -1 out of memory */
static int in_folder(const char *dir, const struct stat *st)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0; /* not readable: it was not read either */
    size_t dlen = strlen(dir);
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        size_t n = dlen + strlen(e->d_name) + 2;
        char *p = malloc(n);
        if (!p) {
            found = -1;
            break;
        }
        snprintf(p, n, "%s/%s", dir, e->d_name);
        struct stat es;
        found = stat(p, &es) == 0 && es.st_dev == st->st_dev && es.st_ino == st->st_ino;
        free(p);
    }
    closedir(d);
    return found; /* -1: out of memory */
}

int fp_output_check(const char *path, const char *const *inputs, size_t ninputs, fp_error *err)
{
    struct stat st;
    if (!path || !*path)
        return fp_fail(err, NULL, 0, 0, "an output file needs a name");
    if (stat(path, &st) != 0)
        return 0; /* nothing there (or not reachable): creating it says why, if it fails */
    if (!S_ISREG(st.st_mode))
        return fp_fail(err, path, 0, 0, "is %s, not a regular file: refusing to replace it",
                       kind_of(st.st_mode));
    for (size_t i = 0; i < ninputs; i++) {
        struct stat in;
        if (!inputs[i] || !strcmp(inputs[i], "-") || stat(inputs[i], &in) != 0)
            continue;
        if (in.st_dev == st.st_dev && in.st_ino == st.st_ino)
            return fp_fail(err, path, 0, 0, "is an input of this command ('%s'): refusing to overwrite it",
                           inputs[i]);
        int inside = S_ISDIR(in.st_mode) ? in_folder(inputs[i], &st) : 0;
        if (inside < 0)
            return fp_fail(err, path, 0, 0, "out of memory");
        if (inside)
            return fp_fail(err, path, 0, 0, "is a file of '%s', an input of this command: refusing to overwrite it",
                           inputs[i]);
    }
    return 0;
}

int fp_output_open(fp_output *o, const char *path, fp_error *err)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    if (fp_output_check(path, NULL, 0, err) != 0)
        return -1;
    /* the temporary file goes in the target's folder: rename() is atomic only within one
     * file system.  Its name is mkstemp's, never derived from the target's (a long name
     * plus a suffix would pass NAME_MAX) */
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) : 0;
    o->path = strdup(path);
    o->tmp = malloc(dlen + 32);
    if (!o->path || !o->tmp) {
        fp_output_abort(o);
        return fp_fail(err, path, 0, 0, "out of memory");
    }
    if (!slash)
        strcpy(o->tmp, ".fedplan-XXXXXX");
    else if (dlen == 0)
        strcpy(o->tmp, "/.fedplan-XXXXXX");
    else {
        memcpy(o->tmp, path, dlen);
        strcpy(o->tmp + dlen, "/.fedplan-XXXXXX");
    }
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL; /* nothing was created: abort must not unlink the template */
        fp_output_abort(o);
        return fp_fail(err, path, 0, 0, "cannot create a file in its folder: %s", strerror(e));
    }
    /* mkstemp makes the file private; give it the mode a plain fopen would */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(o->fd, (mode_t)(0666 & ~mask)) != 0) {
        int e = errno;
        fp_output_abort(o);
        return fp_fail(err, path, 0, 0, "cannot set the file's mode: %s", strerror(e));
    }
    return 0;
}

int fp_output_write(fp_output *o, const void *data, size_t len, fp_error *err)
{
    const char *p = data;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(o->fd, p + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return fp_fail(err, o->path, 0, 0, "cannot write: %s", strerror(errno));
        }
        off += (size_t)w;
    }
    return 0;
}

int fp_output_commit(fp_output *o, fp_error *err)
{
    int rc = 0;
    if (fsync(o->fd) != 0) {
        rc = fp_fail(err, o->path, 0, 0, "cannot write: %s", strerror(errno));
    } else {
        int fd = o->fd;
        o->fd = -1;
        if (close(fd) != 0)
            rc = fp_fail(err, o->path, 0, 0, "cannot write: %s", strerror(errno));
        else if (fp_output_check(o->path, NULL, 0, err) != 0) /* it may have changed meanwhile */
            rc = -1;
        else if (rename(o->tmp, o->path) != 0)
            rc = fp_fail(err, o->path, 0, 0, "cannot replace the file: %s", strerror(errno));
        else {
            free(o->tmp);
            o->tmp = NULL; /* renamed: nothing to remove */
        }
    }
    fp_output_abort(o);
    return rc;
}

void fp_output_abort(fp_output *o)
{
    if (o->fd >= 0)
        close(o->fd);
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
    o->fd = -1;
}

int fp_write_atomic(const char *path, const char *data, size_t len, fp_error *err)
{
    fp_output o;
    if (fp_output_open(&o, path, err) != 0)
        return -1;
    if (fp_output_write(&o, data, len, err) != 0) {
        fp_output_abort(&o);
        return -1;
    }
    return fp_output_commit(&o, err);
}
