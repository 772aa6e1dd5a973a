/* SPDX-License-Identifier: MIT */
/* What the target kinds that run an implementation as a child process share: the objects file
 * (<workdir>/objects.yaml, replaced atomically), the ready-line protocol of `gatesim gateway`
 * (a JSON line {"ready":true,"listeners":[...]} on stdout at start and after every SIGHUP), a
 * restart when the endpoints change, death detection with the last words of the log, and
 * running a command that prints the status JSON. Private to harness/targets. */
#ifndef GS_TARGET_CHILD_H
#define GS_TARGET_CHILD_H

#include "gs_proc.h"
#include "gs_target.h"

/* The first member of a child-process kind's state (t->impl points at that state). */
typedef struct gs_target_child {
    gs_proc *proc;      /* NULL while not running */
    char *objects_path; /* <workdir>/objects.yaml */
    char *log_path;     /* <workdir>/<log name>: the child's stderr */
    char *backends_key; /* the endpoints the running child was started with, joined */
    unsigned starts;
    const char *who; /* "gateway" or "target", for messages */
    /* Starts the child on the objects file; the kind builds the command line. */
    int (*spawn)(gs_target *t, const gs_target_objects *objs, gs_error *err);
    /* Optional: writes the kind's other files before each start or reload. */
    int (*write_files)(gs_target *t, const gs_target_objects *objs, gs_error *err);
} gs_target_child;

/* Fills |c| (paths under t->cfg.workdir) and makes it t->impl's first member. */
void gs_target_child_init(gs_target_child *c, const gs_target *t, const char *log_name,
                          const char *who);
/* Stops the child and frees what |c| holds (not |c|). */
void gs_target_child_clear(gs_target_child *c);

/* The apply of every child kind: writes the objects (and the kind's files), then reloads the
 * running child with SIGHUP when the endpoints are the same, or (re)starts it, and waits for its
 * ready line. Returns 0 or GS_ERR_* (CLOSED: it died; TIMEOUT: no ready line; INVALID: it
 * rejected the objects) with the reason in |err|. */
int gs_target_child_apply(gs_target *t, const gs_target_objects *objs, gs_error *err);
/* The running child's pid (it leads its process group), or 0. */
pid_t gs_target_child_pid(gs_target *t);
/* GS_ERR_CLOSED with the exit status and the log's last line when the child is gone, else 0. */
int gs_target_child_check(gs_target *t, gs_error *err);
/* After the kind's spawn: waits for the first ready line; a child that never became ready is
 * stopped and dropped. */
int gs_target_child_started(gs_target *t, gs_error *err);

/* Runs |argv| (with |env|, may be NULL; stderr to <workdir>/|log_name|) to completion and parses
 * its stdout as one JSON document into |*out|. |what| names the command in messages. Returns 0,
 * GS_ERR_PROTOCOL (no JSON), GS_ERR_TIMEOUT, or a spawn error. */
int gs_target_child_run_json(gs_target *t, const char *const *argv, const char *const *env,
                             const char *log_name, const char *what, gs_json_value **out,
                             gs_error *err);

/* Writes |len| bytes to |path| atomically (a temporary file, then rename). */
int gs_target_child_write_file(const char *path, const char *data, size_t len, gs_error *err);
/* "ns/name:port=host:port", as `gatesim gateway --backend` takes it. The caller frees it. */
char *gs_target_child_backend_flag(const gs_target_endpoint *e);

#endif
