/* SPDX-License-Identifier: MIT */
/* Directory listing for the manifest loaders (gs_dir.h). */
#include "gs_dir.h"

#include "gs_alloc.h"
#include "gs_error.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool gs_path_is_yaml(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int dir_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int gs_dir_names(const char *path, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    DIR *d = opendir(path);
    if (d == NULL)
        return GS_ERR_IO;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        gs_xgrow((void **)names, &cap, *n + 1, sizeof(**names));
        (*names)[(*n)++] = gs_xstrdup(e->d_name);
    }
    closedir(d);
    if (*n)
        qsort(*names, *n, sizeof(**names), dir_cmp);
    return 0;
}

void gs_dir_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int gs_dir_each_yaml(const char *path, int max_depth,
                     int (*fn)(void *arg, const char *file, gs_error *err), void *arg,
                     gs_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return gs_error_set_errno(err, errno, "%s", path);
    if (!S_ISDIR(st.st_mode))
        return fn(arg, path, err);
    if (max_depth < 0)
        return 0;
    char **names;
    size_t n;
    if (gs_dir_names(path, &names, &n) < 0)
        return gs_error_set_errno(err, errno, "%s", path);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *full = gs_xasprintf("%s/%s", path, names[i]);
        struct stat sub;
        if (stat(full, &sub) == 0 && (S_ISDIR(sub.st_mode) || gs_path_is_yaml(names[i])))
            rc = gs_dir_each_yaml(full, max_depth - 1, fn, arg, err);
        free(full);
    }
    gs_dir_names_free(names, n);
    return rc;
}
