/* textbuf.h: a growing text buffer, appended to with printf: what the HTML report and the
 * SkyPilot import write before the atomic writer (common/atomic.h) puts it on disk. */
#ifndef FEDPLAN_TEXTBUF_H
#define FEDPLAN_TEXTBUF_H

#include <stddef.h>

typedef struct fp_tbuf {
    char *p;   /* NUL-terminated once anything was written; NULL before */
    size_t len, cap;
    int oom;   /* an append failed: the text is incomplete, and nothing more is added */
} fp_tbuf;

void fp_tb_printf(fp_tbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
