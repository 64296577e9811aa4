/* fperror.h: the one error shape every module fills and only main prints.
 *
 * Functions that can fail return 0 on success and -1 on failure, after filling a
 * caller-owned fp_error.  The printed form is
 *     file:line:col: error: message
 * (git's error() convention; positions are 1-based, 0 means "not known").
 */
#ifndef FEDPLAN_FPERROR_H
#define FEDPLAN_FPERROR_H

#include <stddef.h>

#define FP_ERR_MSG 512
#define FP_ERR_FILE 256

typedef struct fp_error {
    char file[FP_ERR_FILE]; /* "" when the error is not about a file */
    unsigned long line;     /* 1-based; 0 = unknown */
    unsigned long col;      /* 1-based; 0 = unknown */
    char msg[FP_ERR_MSG];
} fp_error;

/* Fill err (if not NULL) and return -1.  file may be NULL. */
int fp_fail(fp_error *err, const char *file, unsigned long line, unsigned long col,
            const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Format err as "file:line:col: error: msg" into buf (always NUL-terminated). */
void fp_error_format(const fp_error *err, char *buf, size_t size);

#endif
