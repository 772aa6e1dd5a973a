/* SPDX-License-Identifier: MIT */
/* Work folders of runs, and the removal of those whose run died (gs_workdir.h). */
#define _GNU_SOURCE
#include "gs_workdir.h"

#include "gs_alloc.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WORKDIR_PREFIX "gatesim-run-"
#define WORKDIR_OWNER ".owner"

static const char *workdir_tmp(const char *tmp)
{
    if (tmp == NULL || *tmp == '\0')
        tmp = getenv("TMPDIR");
    return tmp == NULL || *tmp == '\0' ? "/tmp" : tmp;
}

/* The start time of process |pid| in clock ticks since boot (field 22 of /proc/PID/stat), or 0
 * when the process does not exist or /proc cannot tell. */
static uint64_t workdir_proc_start(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name (field 2) is in parentheses and may hold spaces or ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return 0;
    p++; /* the space before field 3; each step moves to the space before the next field */
    for (int field = 3; field < 22 && p != NULL; field++)
        p = strchr(p + 1, ' ');
    if (p == NULL)
        return 0;
    return strtoull(p + 1, NULL, 10);
}

/* Where pids mean something: the host name and this process's pid namespace. A folder made on
 * another host sharing the folder (NFS), or in a container sharing /tmp but not our pids, names
 * pids we cannot see; its owner's liveness is not ours to judge. Written as one token. */
static void workdir_where(char *out, size_t size)
{
    char host[256] = "?", ns[64] = "?";
    if (gethostname(host, sizeof(host) - 1) != 0)
        strcpy(host, "?");
    host[sizeof(host) - 1] = '\0';
    ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);
    ns[n > 0 ? n : 1] = '\0';
    snprintf(out, size, "%s/%s", host, ns);
    for (char *c = out; *c; c++)
        if (*c == ' ' || *c == '\n' || *c == '\t')
            *c = '_';
}

int gs_workdir_create(const char *tmp, char **dir, gs_error *err)
{
    tmp = workdir_tmp(tmp);
    char *path = gs_xasprintf("%s/" WORKDIR_PREFIX "XXXXXX", tmp);
    if (mkdtemp(path) == NULL) {
        int e = errno;
        free(path);
        return gs_error_set_errno(err, e, "cannot create a work folder in %s", tmp);
    }
    char *owner = gs_xasprintf("%s/" WORKDIR_OWNER, path);
    FILE *f = fopen(owner, "w");
    if (f != NULL) {
        char where[384];
        workdir_where(where, sizeof(where));
        fprintf(f, "%ld %" PRIu64 " %s\n", (long)getpid(), workdir_proc_start(getpid()), where);
        fclose(f);
    }
    free(owner);
    *dir = path;
    return 0;
}

static int workdir_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void gs_workdir_remove(const char *dir)
{
    const char *base = dir ? strrchr(dir, '/') : NULL;
    if (base == NULL || strncmp(base + 1, WORKDIR_PREFIX, strlen(WORKDIR_PREFIX)) != 0)
        return;
    nftw(dir, workdir_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void gs_workdir_keep(const char *dir)
{
    char *owner = gs_xasprintf("%s/" WORKDIR_OWNER, dir);
    unlink(owner);
    free(owner);
}

/* True when the owner file of |dir| names a process of this host and pid namespace that no longer
 * runs. A folder without a readable owner file (kept, or made by an older gatesim), or made where
 * our pids mean nothing, is never stale. */
static bool workdir_is_stale(const char *dir)
{
    char *owner = gs_xasprintf("%s/" WORKDIR_OWNER, dir);
    FILE *f = fopen(owner, "r");
    free(owner);
    if (f == NULL)
        return false;
    long pid = 0;
    uint64_t start = 0;
    char theirs[384], ours[384];
    int got = fscanf(f, "%ld %" SCNu64 " %383s", &pid, &start, theirs);
    fclose(f);
    if (got != 3 || pid <= 0)
        return false;
    workdir_where(ours, sizeof(ours));
    if (strcmp(theirs, ours) != 0)
        return false;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return true;
    /* The pid is in use: the owner only if it started when the owner did. */
    uint64_t now = workdir_proc_start((pid_t)pid);
    return now != 0 && start != 0 && now != start;
}

size_t gs_workdir_reap(const char *tmp)
{
    tmp = workdir_tmp(tmp);
    DIR *d = opendir(tmp);
    if (d == NULL)
        return 0;
    size_t removed = 0;
    uid_t me = geteuid();
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, WORKDIR_PREFIX, strlen(WORKDIR_PREFIX)) != 0)
            continue;
        char *path = gs_xasprintf("%s/%s", tmp, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == me &&
            workdir_is_stale(path)) {
            gs_workdir_remove(path);
            removed += access(path, F_OK) != 0;
        }
        free(path);
    }
    closedir(d);
    return removed;
}

/* ---- the binaries a run starts ------------------------------------------------------------- */

char *gs_workdir_self_path(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return gs_xstrdup(buf);
}

/* gatesim-echo: $GATESIM_ECHO, next to gatesim, the build tree's backends/, then PATH. */
char *gs_workdir_find_echo(const char *self)
{
    const char *env = getenv("GATESIM_ECHO");
    if (env && *env)
        return gs_xstrdup(env);
    if (self) {
        char *dir = gs_xstrdup(self);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        const char *cands[] = {"/gatesim-echo", "/../../backends/gatesim-echo",
                               "/../backends/gatesim-echo"};
        for (size_t i = 0; i < GS_ARRAY_LEN(cands); i++) {
            char *p = gs_xasprintf("%s%s", dir, cands[i]);
            if (access(p, X_OK) == 0) {
                free(dir);
                return p;
            }
            free(p);
        }
        free(dir);
    }
    const char *path = getenv("PATH");
    if (path) {
        char *copy = gs_xstrdup(path), *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
            char *p = gs_xasprintf("%s/gatesim-echo", d);
            if (access(p, X_OK) == 0) {
                free(copy);
                return p;
            }
            free(p);
        }
        free(copy);
    }
    return NULL;
}
