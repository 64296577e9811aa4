/* atomic.h: the one way fedplan writes a file (reports, exported models): whole or not at
 * all.  A temporary file is made with mkstemp in the target's own folder (so the rename
 * below stays on one file system; no fixed name such as PATH.tmp that could already exist,
 * no fixed-size path buffer), written, fsync'ed, and renamed over the target.  An existing
 * target is never truncated by a failed run, and no temporary file is left behind.
 *
 * Refused targets: an existing path that is not a regular file (a device such as /dev/null,
 * a FIFO, a directory: renaming over it would replace the node or fail late), and a path
 * that is one of the command's input files (same st_dev and st_ino: `plan v.yaml --html
 * v.yaml` would replace the scenario it read).  Commands check their targets with
 * fp_output_check before any work, so that a refused target costs no solve. */
#ifndef FEDPLAN_ATOMIC_H
#define FEDPLAN_ATOMIC_H

#include <stddef.h>

#include "fperror.h"

/* 0 when path may be written: it does not exist, or it is a regular file other than every
 * one of inputs[0..ninputs) (paths; NULL entries and "-", standard input, are skipped;
 * an input that cannot be stat'ed is skipped too: it was not read).  An input that is a
 * folder (a checkpoint directory, read as a whole) stands for every file directly in it.
 * -1 with err filled. */
int fp_output_check(const char *path, const char *const *inputs, size_t ninputs, fp_error *err);

/* A file being written: tmp is the temporary file's name (for writers that open files by
 * name, such as GLPK's), fd its descriptor. */
typedef struct fp_output {
    char *path;
    char *tmp;
    int fd;
} fp_output;

/* Start writing path: refuses a non-regular target (fp_output_check without inputs) and
 * creates the temporary file.  On success the caller ends with fp_output_commit or
 * fp_output_abort; on failure nothing is left to free.  -1 with err filled. */
int fp_output_open(fp_output *o, const char *path, fp_error *err);

/* Write len bytes of data to the temporary file (restarts on EINTR).  -1 with err filled
 * (the output is then still to be aborted). */
int fp_output_write(fp_output *o, const void *data, size_t len, fp_error *err);

/* fsync, close and rename over the target; on failure the temporary file is removed.  Frees
 * what fp_output_open allocated, either way.  -1 with err filled. */
int fp_output_commit(fp_output *o, fp_error *err);

/* Close and remove the temporary file; frees what fp_output_open allocated. */
void fp_output_abort(fp_output *o);

/* The whole cycle for data in memory: open, write, commit. */
int fp_write_atomic(const char *path, const char *data, size_t len, fp_error *err);

#endif
