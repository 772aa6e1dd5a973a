/* SPDX-License-Identifier: MIT */
/* Reading a folder of manifests: the sorted visible entries of a directory, and whether a
 * file name is a YAML file. Shared by the model, object-set and scenario loaders. */
#ifndef GS_DIR_H
#define GS_DIR_H

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

#endif
