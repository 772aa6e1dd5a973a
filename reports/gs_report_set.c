/* SPDX-License-Identifier: MIT */
/* Publishing a report set: a fresh sibling folder, filled, then swapped in with one rename
 * (renameat2 RENAME_EXCHANGE where the kernel and file system have it, else two renames), and
 * the old set removed. Knows which names a set holds; not what the reports say. */
#define _GNU_SOURCE /* nftw, renameat2 */
#include "gs_report_set.h"

#include "gs_alloc.h"
#include "gs_report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SET_LOGS "logs"
#define SET_COPY_DEPTH 8 /* logs/<scenario>/<file>; deeper trees are not ours */

/* |dir| without trailing slashes (malloc'd); "/" stays "/". */
static char *set_clean_path(const char *dir)
{
    char *p = gs_xstrdup(dir);
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    return p;
}

/* True when |name| is something a report set holds: a report file, the logs folder, or a
 * temporary file an interrupted atomic write left behind. */
static bool set_name_is_ours(const char *name)
{
    static const unsigned formats[] = {GS_REPORT_JSON, GS_REPORT_JUNIT, GS_REPORT_HTML,
                                       GS_REPORT_MARKDOWN};
    if (strcmp(name, SET_LOGS) == 0)
        return true;
    for (size_t i = 0; i < GS_ARRAY_LEN(formats); i++) {
        const char *f = gs_report_file_name(formats[i]);
        size_t n = strlen(f);
        if (strncmp(name, f, n) == 0 && (name[n] == '\0' || strncmp(name + n, ".tmp-", 5) == 0))
            return true;
    }
    return false;
}

/* 0 when |dir| is missing or holds only report-set names; else GS_ERR_USAGE naming a stranger. */
static int set_check_contents(const char *dir, gs_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        if (errno == ENOENT)
            return 0;
        if (errno == ENOTDIR)
            return gs_error_set(err, GS_ERR_USAGE, "report folder %s is not a folder", dir);
        return gs_error_set_errno(err, errno, "cannot read report folder %s", dir);
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            set_name_is_ours(e->d_name))
            continue;
        rc = gs_error_set(err, GS_ERR_USAGE,
                          "report folder %s holds %s, which is not a gatesim report; the folder "
                          "is replaced as a whole by every run, so choose an empty or new one",
                          dir, e->d_name);
    }
    closedir(d);
    return rc;
}

int gs_report_set_check(const char *dir, gs_error *err)
{
    char *path = set_clean_path(dir);
    int rc = set_check_contents(path, err);
    if (rc == 0 && access(path, F_OK) != 0) {
        /* A new folder: its parent must exist and take new entries. */
        char *parent = gs_xstrdup(path);
        char *slash = strrchr(parent, '/');
        if (slash == parent)
            slash[1] = '\0';
        else if (slash)
            *slash = '\0';
        const char *where = slash ? parent : ".";
        if (access(where, W_OK | X_OK) != 0)
            rc = gs_error_set_errno(err, errno, "cannot create report folder %s", path);
        free(parent);
    }
    free(path);
    return rc;
}

static int set_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

static void set_remove_tree(const char *dir)
{
    nftw(dir, set_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int set_copy_file(const char *from, const char *to, gs_error *err)
{
    int rc = 0;
    FILE *in = fopen(from, "rb");
    FILE *out = in ? fopen(to, "wb") : NULL;
    if (out == NULL) {
        rc = gs_error_set_errno(err, errno, "cannot copy %s to %s", from, to);
        goto out;
    }
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof(buf), in)) > 0)
        if (fwrite(buf, 1, got, out) != got) {
            rc = gs_error_set_errno(err, errno, "write %s", to);
            break;
        }
out:
    if (in)
        fclose(in);
    if (out && fclose(out) != 0 && rc == 0)
        rc = gs_error_set_errno(err, errno, "write %s", to);
    return rc;
}

/* Copies the folders and regular files under |from| to the new folder |to| (no symlink is
 * followed: a log folder holds nothing else). */
static int set_copy_tree(const char *from, const char *to, int depth, gs_error *err)
{
    if (depth > SET_COPY_DEPTH)
        return 0;
    DIR *d = opendir(from);
    if (d == NULL)
        return errno == ENOENT ? 0 : gs_error_set_errno(err, errno, "cannot read %s", from);
    int rc = 0;
    if (mkdir(to, 0755) != 0)
        rc = gs_error_set_errno(err, errno, "cannot create %s", to);
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *src = gs_xasprintf("%s/%s", from, e->d_name);
        char *dst = gs_xasprintf("%s/%s", to, e->d_name);
        struct stat st;
        if (lstat(src, &st) == 0 && S_ISDIR(st.st_mode))
            rc = set_copy_tree(src, dst, depth + 1, err);
        else if (lstat(src, &st) == 0 && S_ISREG(st.st_mode))
            rc = set_copy_file(src, dst, err);
        free(src);
        free(dst);
    }
    closedir(d);
    return rc;
}

/* Makes the filled folder |fresh| the set |dir|; afterwards |fresh| names the old set (or
 * nothing). One atomic exchange where available; otherwise the old set steps aside first. */
static int set_swap(const char *fresh, const char *dir, gs_error *err)
{
#ifdef SYS_renameat2
    if (syscall(SYS_renameat2, AT_FDCWD, fresh, AT_FDCWD, dir, 2 /* RENAME_EXCHANGE */) == 0)
        return 0;
    if (errno != ENOENT && errno != EINVAL && errno != ENOSYS)
        return gs_error_set_errno(err, errno, "cannot replace report folder %s", dir);
#endif
    if (rename(fresh, dir) == 0)
        return 0; /* no old set */
    if (errno != ENOTEMPTY && errno != EEXIST)
        return gs_error_set_errno(err, errno, "cannot replace report folder %s", dir);
    char *old = gs_xasprintf("%s.old", fresh);
    int rc = 0;
    if (rename(dir, old) != 0) {
        rc = gs_error_set_errno(err, errno, "cannot replace report folder %s", dir);
    } else if (rename(fresh, dir) != 0) {
        rc = gs_error_set_errno(err, errno, "cannot replace report folder %s", dir);
        rename(old, dir);
    } else {
        rename(old, fresh);
    }
    free(old);
    return rc;
}

int gs_report_set_publish(const char *dir, const gs_results *r, unsigned formats,
                          const char *logs, gs_error *err)
{
    char *path = set_clean_path(dir);
    char *fresh = gs_xasprintf("%s.tmp-XXXXXX", path);
    int rc = set_check_contents(path, err);
    if (rc < 0)
        goto out;
    if (mkdtemp(fresh) == NULL) {
        rc = gs_error_set_errno(err, errno, "cannot create report folder %s", path);
        goto out;
    }
    if (chmod(fresh, 0755) != 0)
        rc = gs_error_set_errno(err, errno, "chmod %s", fresh);
    if (rc == 0)
        rc = gs_report_write_all(r, fresh, formats, err);
    if (rc == 0 && logs) {
        char *to = gs_xasprintf("%s/" SET_LOGS, fresh);
        rc = set_copy_tree(logs, to, 0, err);
        free(to);
    }
    if (rc == 0)
        rc = set_swap(fresh, path, err);
    /* |fresh| is now the old set, or the new one that could not be swapped in. */
    set_remove_tree(fresh);
out:
    free(fresh);
    free(path);
    return rc;
}
