/* SPDX-License-Identifier: MIT */
/* A run's temporary work folder ($TMPDIR/gatesim-run-XXXXXX: backend logs, rendered objects,
 * TLS files). Each folder holds an owner file naming the process that made it (pid and the
 * kernel's start time of that process, so a reused pid is not mistaken for the owner, and the
 * host and pid namespace, so a run in another container sharing /tmp is left alone). A run
 * killed with SIGKILL cannot clean up; the next run finds its folder, sees the owner is gone
 * and removes it. A folder kept on purpose (--keep-workdir) loses its owner file and is never
 * removed by a later run. */
#ifndef GS_WORKDIR_H
#define GS_WORKDIR_H

#include "gs_error.h"

#include <stddef.h>

/* Creates a new work folder under |tmp| (NULL: $TMPDIR, else /tmp) owned by this process.
 * Returns 0 with *dir (malloc'd path), or a negative GS_ERR_* with a message in |err|. */
int gs_workdir_create(const char *tmp, char **dir, gs_error *err);

/* Removes |dir| and everything in it (no symlink followed); only a gatesim-run- folder. */
void gs_workdir_remove(const char *dir);

/* Marks |dir| as kept by the user: a later run will not remove it. */
void gs_workdir_keep(const char *dir);

/* Removes the work folders under |tmp| (NULL: as above) whose owner process has died. Folders
 * of live runs, kept folders and folders of other users are left alone. Returns how many
 * were removed. */
size_t gs_workdir_reap(const char *tmp);

/* The running gatesim binary (/proc/self/exe), malloc'd, or NULL: `gatesim run` and
 * `gatesim bench` start it again as the builtin target's gateway. */
char *gs_workdir_self_path(void);

/* gatesim-echo: $GATESIM_ECHO, next to |self| (may be NULL), the build tree's backends/, then
 * PATH. malloc'd, or NULL when none is found. */
char *gs_workdir_find_echo(const char *self);

#endif
