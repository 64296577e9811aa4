/* hfcache.c: find a Hub id in the local Hugging Face cache, offline.
 *
 * The cache's place and layout are huggingface_hub's (constants.py; file_download.py,
 * try_to_load_from_cache):
 *   root = $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE (legacy), else $HF_HOME/hub, else
 *          $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub
 *   root/models--ORG--NAME/refs/REVISION   a file holding the commit hash REVISION points to
 *   root/models--ORG--NAME/snapshots/HASH/ the files of that commit (links into blobs/)
 * A revision is a branch or tag name (refs/ holds it; "main" by default) or a commit hash.
 * Nothing is downloaded: a model not there is an error that says where fedplan looked and the
 * command that fetches its config.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inventory.h"

int inv_hub_id_like(const char *s)
{
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || !slash[1] || strchr(slash + 1, '/') || strlen(s) > 200)
        return 0;
    for (const char *p = s; *p; p++)
        if (p != slash && !(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.'))
            return 0;
    /* "..", "./x" are paths, not ids */
    if (s[0] == '.' || slash[1] == '.' || strstr(s, ".."))
        return 0;
    return 1;
}

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static void cache_root(char *out, size_t n)
{
    const char *v;
    if ((v = getenv("HF_HUB_CACHE")) && *v)
        snprintf(out, n, "%s", v);
    else if ((v = getenv("HUGGINGFACE_HUB_CACHE")) && *v)
        snprintf(out, n, "%s", v);
    else if ((v = getenv("HF_HOME")) && *v)
        snprintf(out, n, "%s/hub", v);
    else if ((v = getenv("XDG_CACHE_HOME")) && *v)
        snprintf(out, n, "%s/huggingface/hub", v);
    else
        snprintf(out, n, "%s/.cache/huggingface/hub", (v = getenv("HOME")) && *v ? v : ".");
}

static int valid_rev(const char *r)
{
    if (!*r || strlen(r) > 200 || r[0] == '.' || strstr(r, ".."))
        return 0;
    for (const char *p = r; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.' || *p == '/'))
            return 0;
    return 1;
}

int inv_hfcache_find(const char *repo_id, const char *revision, char *dir, size_t n, fp_error *err)
{
    const char *rev = revision ? revision : "main";
    if (!inv_hub_id_like(repo_id))
        return fp_fail(err, NULL, 0, 0, "'%s' is not a Hub id (org/name)", repo_id);
    if (!valid_rev(rev))
        return fp_fail(err, NULL, 0, 0, "--revision: '%s' is not a branch, tag or commit name", rev);
    char root[1024], repo[1400], path[2048], hash[128];
    cache_root(root, sizeof root);
    snprintf(repo, sizeof repo, "%s/models--", root);
    size_t k = strlen(repo);
    for (const char *p = repo_id; *p && k + 3 < sizeof repo; p++) {
        if (*p == '/') {
            repo[k++] = '-';
            repo[k++] = '-';
        } else {
            repo[k++] = *p;
        }
    }
    repo[k] = 0;
    if (!is_dir(repo))
        return fp_fail(err, NULL, 0, 0,
                       "unknown model '%s': not in the catalog, and not in the Hugging Face cache (looked for %s; set "
                       "HF_HUB_CACHE or HF_HOME if the cache is elsewhere). Download its config with: huggingface-cli "
                       "download %s config.json",
                       repo_id, repo, repo_id);
    /* a ref name (refs/REV holds the hash) or a commit hash */
    snprintf(path, sizeof path, "%s/refs/%s", repo, rev);
    FILE *f = fopen(path, "r");
    if (f) {
        size_t got = fread(hash, 1, sizeof hash - 1, f);
        fclose(f);
        hash[got] = 0;
        while (got && isspace((unsigned char)hash[got - 1]))
            hash[--got] = 0;
        if (!valid_rev(hash) || strchr(hash, '/'))
            return fp_fail(err, path, 0, 0, "not a commit hash: the cache is damaged");
    } else {
        snprintf(hash, sizeof hash, "%s", rev);
    }
    int w = snprintf(dir, n, "%s/snapshots/%s", repo, hash);
    if (w < 0 || (size_t)w >= n)
        return fp_fail(err, NULL, 0, 0, "cache path too long: %s", repo);
    if (!is_dir(dir))
        return fp_fail(err, NULL, 0, 0,
                       "'%s' is in the Hugging Face cache (%s) but not at revision '%s' (no refs/%s, no snapshots/%s). "
                       "Download it with: huggingface-cli download %s config.json --revision %s",
                       repo_id, repo, rev, rev, hash, repo_id, rev);
    snprintf(path, sizeof path, "%s/config.json", dir);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return fp_fail(err, NULL, 0, 0,
                       "'%s' is in the Hugging Face cache but its snapshot %s has no config.json. Download it with: "
                       "huggingface-cli download %s config.json%s%s",
                       repo_id, dir, repo_id, revision ? " --revision " : "", revision ? revision : "");
    return 0;
}
