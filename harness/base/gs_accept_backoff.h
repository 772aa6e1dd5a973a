/* SPDX-License-Identifier: MIT */
/* What a server does when accept() fails (EMFILE, ENFILE, ENOBUFS, ENOMEM): the listening socket
 * stays readable, so a server that only logs and returns spins, one failed accept() and one log
 * line per loop turn. Instead: the caller disables its listeners, and this pauses for
 * GS_ACCEPT_BACKOFF_MS before calling |on_resume| (which enables them again), and logs at most
 * one line per GS_ACCEPT_LOG_INTERVAL_MS saying how many failures it stands for. Shared by the
 * gateway and gatesim-echo. Single-threaded (one per event loop). */
#ifndef GS_ACCEPT_BACKOFF_H
#define GS_ACCEPT_BACKOFF_H

#include <event2/event.h>

#include <stdbool.h>
#include <stdint.h>

#define GS_ACCEPT_BACKOFF_MS 100
#define GS_ACCEPT_LOG_INTERVAL_MS 10000

typedef struct gs_accept_backoff {
    struct event *resume;
    void (*on_resume)(void *arg);
    void *arg;
    int64_t next_log_ns; /* no log line before this time */
    uint64_t failures;   /* all failures so far */
    uint64_t unlogged;   /* failures since the last log line */
} gs_accept_backoff;

void gs_accept_backoff_init(gs_accept_backoff *b, struct event_base *base,
                            void (*on_resume)(void *arg), void *arg);
void gs_accept_backoff_deinit(gs_accept_backoff *b);

/* Records one accept() failure with error |err|, logs it unless |quiet| or a line went out less
 * than GS_ACCEPT_LOG_INTERVAL_MS ago, and schedules |on_resume|. The caller has disabled (or
 * disables right after) its listeners. */
void gs_accept_backoff_fail(gs_accept_backoff *b, int err, bool quiet);

/* True while accepting is paused. */
bool gs_accept_backoff_paused(const gs_accept_backoff *b);

#endif
