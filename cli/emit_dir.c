/* emit_dir.c: writing an emitted plan (emit/) as a directory, whole or not at all: every file
 * goes into a temporary directory beside DIR (through fp_write_atomic, like every report),
 * which is then renamed to DIR.  An existing non-empty DIR is refused unless --force; with it,
 * DIR is renamed aside first, then deleted when it carries fedplan's mark (.fedplan-emit, a
 * directory fedplan emitted) and kept otherwise (its new name is returned for the caller to
 * say): --force never deletes a folder fedplan did not write. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/atomic.h"
#include "cli.h"
#include "emit_dir.h"
#include "report.h"

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(const char *path)
{
    nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* 1 empty, 0 not, -1 not a readable directory */
static int dir_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = 0;
    closedir(d);
    return empty;
}

/* what is at dir now: 0 nothing or an empty directory; 1 a non-empty directory; -1 with err */
static int target_state(const char *dir, fp_error *err)
{
    struct stat st;
    if (lstat(dir, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        return fp_fail(err, dir, 0, 0, "cannot look at the --emit directory: %s", strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        return fp_fail(err, dir, 0, 0, "--emit: exists and is not a directory");
    int e = dir_empty(dir);
    if (e < 0)
        return fp_fail(err, dir, 0, 0, "--emit: cannot read the directory: %s", strerror(errno));
    return e ? 0 : 1;
}

int cli_emit_check(const char *dir, int force, fp_error *err)
{
    int st = target_state(dir, err);
    if (st < 0)
        return -1;
    if (st == 1 && !force)
        return fp_fail(err, dir, 0, 0, "--emit: the directory exists and is not empty; "
                                       "use --force to replace it (or name a new one)");
    return 0;
}

/* mkdir -p of the folders of rel under root */
static int make_parents(const char *root, const char *rel, fp_error *err)
{
    char path[8192];
    for (const char *s = strchr(rel, '/'); s; s = strchr(s + 1, '/')) {
        int k = s - rel < 3000 ? (int)(s - rel) : 3000;
        snprintf(path, sizeof path, "%.4000s/%.*s", root, k, rel);
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return fp_fail(err, path, 0, 0, "cannot create the folder: %s", strerror(errno));
    }
    return 0;
}

int cli_emit_write(const char *dir, const emit_set *set, int force, char *kept, size_t nkept, fp_error *err)
{
    kept[0] = 0;
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    if (dl == 0 || dl > 3000)
        return fp_fail(err, NULL, 0, 0, "--emit: a directory name of 1 to 3000 characters");
    char target[4096], tmp[4096], old[4096], path[8192];
    snprintf(target, sizeof target, "%.*s", (int)dl, dir);
    int st = target_state(target, err);
    if (st < 0)
        return -1;
    if (st == 1 && !force)
        return fp_fail(err, target, 0, 0, "--emit: the directory exists and is not empty; "
                                          "use --force to replace it (or name a new one)");
    snprintf(tmp, sizeof tmp, "%.3000s.tmp.XXXXXX", target);
    if (!mkdtemp(tmp))
        return fp_fail(err, target, 0, 0, "cannot create a temporary directory beside it: %s", strerror(errno));
    {
        mode_t mask = umask(0);
        umask(mask);
        chmod(tmp, 0777 & ~mask); /* mkdtemp makes it private: give it a plain mkdir's mode */
    }
    for (size_t i = 0; i < set->nfiles; i++) {
        const emit_file *f = &set->files[i];
        snprintf(path, sizeof path, "%s/%s", tmp, f->path);
        if (make_parents(tmp, f->path, err) != 0 || fp_write_atomic(path, f->data, f->len, err) != 0)
            goto fail;
        if (f->executable) {
            mode_t mask = umask(0);
            umask(mask);
            if (chmod(path, 0777 & ~mask) != 0) {
                fp_fail(err, path, 0, 0, "cannot make it executable: %s", strerror(errno));
                goto fail;
            }
        }
    }
    /* again: the directory may have changed while the files were written */
    st = target_state(target, err);
    if (st < 0)
        goto fail;
    if (st == 1 && !force) {
        fp_fail(err, target, 0, 0, "--emit: the directory exists and is not empty; use --force to replace it");
        goto fail;
    }
    if (st == 1) {
        snprintf(old, sizeof old, "%.3000s.old.XXXXXX", target);
        if (!mkdtemp(old) || rename(target, old) != 0) {
            fp_fail(err, target, 0, 0, "cannot move the old directory aside: %s", strerror(errno));
            goto fail;
        }
    }
    if (rename(tmp, target) != 0) {
        fp_fail(err, target, 0, 0, "cannot put the new directory in place: %s", strerror(errno));
        if (st == 1)
            rename(old, target);
        goto fail;
    }
    if (st == 1) {
        snprintf(path, sizeof path, "%s/.fedplan-emit", old);
        if (access(path, F_OK) == 0)
            rm_tree(old);
        else
            snprintf(kept, nkept, "%s", old);
    }
    return 0;
fail:
    rm_tree(tmp);
    return -1;
}

int cli_emit_plan(const char *dir, int force, const scenario *s, const scn_result *r, const inv_catalog *cat,
                  fp_error *err)
{
    json_t *o = report_plan_json(s, &r->pb, &r->plan, r->reasons);
    char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(o);
    if (!text || cli_json_failed()) {
        free(text);
        return fp_fail(err, NULL, 0, 0, "out of memory");
    }
    size_t tl = strlen(text);
    char *pj = malloc(tl + 2);
    if (!pj) {
        free(text);
        return fp_fail(err, NULL, 0, 0, "out of memory");
    }
    memcpy(pj, text, tl);
    memcpy(pj + tl, "\n", 2);
    free(text);
    emit_set set = {0};
    emit_input in = {.s = s, .pb = &r->pb, .plan = &r->plan, .cat = cat, .plan_json = pj};
    char kept[4200];
    int rc = emit_plan(&in, &set, err);
    if (rc == 0)
        rc = cli_emit_write(dir, &set, force, kept, sizeof kept, err);
    if (rc == 0) {
        fprintf(stderr, "fedplan: wrote %zu files to %s (see its README.md)\n", set.nfiles, dir);
        if (kept[0])
            fprintf(stderr, "fedplan: the directory it replaced was not one fedplan emitted: kept as %s\n", kept);
    }
    emit_set_free(&set);
    free(pj);
    return rc;
}
