/* SPDX-License-Identifier: MIT */
/* Child processes the harness starts (echo backends, the builtin gateway, targets' helpers).
 * Each child runs in its own process group, so stopping it stops everything it started; every
 * live child is in a registry, so gs_proc_kill_all (called from exit, SIGINT and SIGTERM once
 * gs_proc_install_cleanup ran) leaves no process behind. Knows nothing of what the children are. */
#ifndef GS_PROC_H
#define GS_PROC_H

#include "gs_error.h"
#include "gs_json_parse.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct gs_proc gs_proc;

typedef struct gs_proc_opts {
    /* NULL-terminated "NAME=VALUE" entries added to (or replacing in) the parent's environment.
     * NULL: the environment is inherited unchanged. */
    const char *const *env;
    /* Where the child's stderr goes: a file (created or truncated), or NULL to inherit ours. */
    const char *stderr_path;
    /* Working directory of the child, or NULL. */
    const char *cwd;
    /* When true, stdout is a pipe read with gs_proc_read_line; otherwise /dev/null. */
    bool capture_stdout;
} gs_proc_opts;

/* Starts argv[0] (searched in PATH when it has no '/') with |argv| (NULL-terminated). The child
 * gets its own process group, SIGKILL when this process dies (Linux PR_SET_PDEATHSIG), default
 * signal dispositions, stdin from /dev/null. Returns 0, or GS_ERR_IO with the exec error in |err|
 * (a program that cannot be executed is reported here, not as an exit status). */
int gs_proc_spawn(gs_proc **out, const char *const *argv, const gs_proc_opts *opts, gs_error *err);

/* Reads the next line of the child's stdout (without the newline) into |*line| (malloc'd),
 * waiting at most |timeout_ns|. Lines longer than 1 MiB are cut there. Returns 0,
 * GS_ERR_TIMEOUT, GS_ERR_CLOSED when stdout ended (the child exited: see gs_proc_exited),
 * or GS_ERR_INVALID when stdout is not captured. */
int gs_proc_read_line(gs_proc *p, int64_t timeout_ns, char **line, gs_error *err);

/* The read end of the stdout pipe (or -1), for callers that poll it in their own loop. */
int gs_proc_stdout_fd(const gs_proc *p);

pid_t gs_proc_pid(const gs_proc *p);

/* Reaps the child if it has exited, without blocking. Returns true when it has exited and sets
 * |*status| (a waitpid status) when not NULL. */
bool gs_proc_exited(gs_proc *p, int *status);

/* Sends |sig| to the child's whole process group. Returns 0 or GS_ERR_IO. */
int gs_proc_signal(gs_proc *p, int sig);
/* Sends |sig| to the child process alone, not to the processes it started (which may not
 * handle it: a reload's SIGHUP would terminate a vendor adapter's proxy). Returns 0 or
 * GS_ERR_IO. */
int gs_proc_signal_leader(gs_proc *p, int sig);

/* Stops the child: SIGTERM to its group, SIGKILL to the group after |grace_ns|, then reaps it.
 * Idempotent. |*status| (when not NULL) gets the waitpid status. Returns 0. */
int gs_proc_stop(gs_proc *p, int64_t grace_ns, int *status);

/* Describes a waitpid status for a person ("exited with status 3", "killed by SIGSEGV"). */
void gs_proc_describe_status(int status, char out[64]);

/* Stops the child (if running, with a 2 s grace) and frees |p|. NULL is fine. */
void gs_proc_free(gs_proc *p);

/* SIGKILLs every registered child's process group. Async-signal-safe. */
void gs_proc_kill_all(void);

/* Makes sure no child survives this process: registers gs_proc_kill_all with atexit, and
 * installs SIGINT/SIGTERM/SIGHUP handlers that kill every child group and record the signal
 * (gs_proc_interrupted). A second signal exits at once with 128+signal. Idempotent. */
void gs_proc_install_cleanup(void);

/* The signal that interrupted this process (SIGINT, SIGTERM, SIGHUP), or 0. */
int gs_proc_interrupted(void);

/* The flag behind gs_proc_interrupted, for APIs that poll a cancel flag (gs_traffic). */
volatile sig_atomic_t *gs_proc_interrupt_flag(void);

/* Number of children in the registry (started and not yet reaped). */
int gs_proc_live_count(void);

/* The last non-empty line of the log file |path| (cut to |n| - 1 bytes) in |out|, for "why did
 * it die" messages; "" when there is none or |path| is NULL or cannot be read. */
void gs_proc_log_tail(const char *path, char *out, size_t n);

/* Reads the child's stdout lines until one is a JSON object with "ready": true (the ready line
 * every gatesim server prints; other lines are skipped) and gives it in |*ready| (free with
 * gs_json_value_free). Returns 0, GS_ERR_TIMEOUT once |deadline_ns| (gs_now_ns clock) has
 * passed, or what gs_proc_read_line returned (GS_ERR_CLOSED: stdout ended). */
int gs_proc_wait_ready(gs_proc *p, int64_t deadline_ns, gs_json_value **ready, gs_error *err);

/* What the processes of one process group use: CPU time (user + system, their reaped
 * children's included, so a worker that exited and was waited for still counts) and resident
 * memory, read from /proc. */
typedef struct gs_proc_usage {
    double cpu_seconds;
    uint64_t rss_bytes;
    unsigned processes;
} gs_proc_usage;

/* Adds up the usage of every process in process group |pgid| (a child of gs_proc_spawn leads
 * its own: gs_proc_pid). Returns 0, or GS_ERR_NOT_FOUND when no process is in that group. */
int gs_proc_group_usage(pid_t pgid, gs_proc_usage *out);

#endif
