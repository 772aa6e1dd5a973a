/* SPDX-License-Identifier: MIT */
/* Reading a folder of manifests: the sorted visible entries of a directory, and whether a
 * file name is a YAML file. Shared by the model, object-set and scenario loaders. */
#ifndef GS_DIR_H
#define GS_DIR_H

#include "gs_error.h"

#include <stdbool.h>
#include <stddef.h>

/* True when |name| ends in ".yaml" or ".yml" (with something before the dot). */
bool gs_path_is_yaml(const char *name);

/* The names of the entries of directory |path| that do not start with '.', sorted by strcmp.
 * Returns 0 with *names (malloc'd array of malloc'd strings, NULL when empty) and *n, or
 * GS_ERR_IO when the directory cannot be opened, with errno telling why. */
int gs_dir_names(const char *path, char ***names, size_t *n);

/* Frees what gs_dir_names returned. */
void gs_dir_names_free(char **names, size_t n);

/* Calls |fn| for |path| when it is not a directory, else for every YAML file below it, in name
 * order, folders at most |max_depth| deep (deeper ones, such as a link loop, are skipped). Stops
 * at the first negative return of |fn|. Returns 0, what |fn| returned, or GS_ERR_IO when a path
 * cannot be read, with the reason in |err|. */
int gs_dir_each_yaml(const char *path, int max_depth,
                     int (*fn)(void *arg, const char *file, gs_error *err), void *arg,
                     gs_error *err);

#endif
