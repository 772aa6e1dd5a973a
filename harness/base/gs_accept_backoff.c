/* SPDX-License-Identifier: MIT */
/* accept() failure back-off with a rate-limited log line. */
#include "gs_accept_backoff.h"

#include "gs_log.h"
#include "gs_time.h"

#include <string.h>

static void on_backoff_resume(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gs_accept_backoff *b = arg;
    b->on_resume(b->arg);
}

void gs_accept_backoff_init(gs_accept_backoff *b, struct event_base *base,
                            void (*on_resume)(void *arg), void *arg)
{
    memset(b, 0, sizeof(*b));
    b->resume = evtimer_new(base, on_backoff_resume, b);
    b->on_resume = on_resume;
    b->arg = arg;
}

void gs_accept_backoff_deinit(gs_accept_backoff *b)
{
    if (b->resume)
        event_free(b->resume);
    b->resume = NULL;
}

void gs_accept_backoff_fail(gs_accept_backoff *b, int err, bool quiet)
{
    b->failures++;
    b->unlogged++;
    int64_t now = gs_now_ns();
    if (!quiet && now >= b->next_log_ns) {
        if (b->unlogged > 1)
            gs_log_warn("accept: %s (%llu failures since the last report); pausing accepts for "
                        "%d ms",
                        evutil_socket_error_to_string(err), (unsigned long long)b->unlogged,
                        GS_ACCEPT_BACKOFF_MS);
        else
            gs_log_warn("accept: %s; pausing accepts for %d ms",
                        evutil_socket_error_to_string(err), GS_ACCEPT_BACKOFF_MS);
        b->unlogged = 0;
        b->next_log_ns = now + (int64_t)GS_ACCEPT_LOG_INTERVAL_MS * GS_NS_PER_MS;
    }
    if (!evtimer_pending(b->resume, NULL)) {
        struct timeval tv = {0, GS_ACCEPT_BACKOFF_MS * 1000};
        evtimer_add(b->resume, &tv);
    }
}

bool gs_accept_backoff_paused(const gs_accept_backoff *b)
{
    return b->resume && evtimer_pending(b->resume, NULL);
}
