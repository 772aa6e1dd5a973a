/* SPDX-License-Identifier: MIT */
/* Lazy deadline timer over one libevent timer event. */
#include "gs_gw_timer.h"

#include "gs_time.h"

#include <stdlib.h>

static void timer_arm(gs_gw_timer *t, int64_t now)
{
    int64_t ns = t->deadline - now;
    if (ns < 0)
        ns = 0;
    struct timeval tv = {(time_t)(ns / GS_NS_PER_S), (suseconds_t)(ns % GS_NS_PER_S / 1000)};
    evtimer_add(t->ev, &tv);
    t->armed = t->deadline;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gs_gw_timer *t = arg;
    t->armed = 0;
    if (t->deadline == 0)
        return; /* stopped after it was armed */
    int64_t now = gs_now_ns();
    if (now < t->deadline) { /* moved later since it was armed */
        timer_arm(t, now);
        return;
    }
    t->deadline = 0;
    t->cb(t->arg); /* may free |t| */
}

void gs_gw_timer_init(gs_gw_timer *t, struct event_base *base, void (*cb)(void *arg), void *arg)
{
    t->ev = evtimer_new(base, on_timer, t);
    if (t->ev == NULL)
        abort(); /* out of memory, as gs_xmalloc */
    t->deadline = 0;
    t->armed = 0;
    t->cb = cb;
    t->arg = arg;
}

void gs_gw_timer_set(gs_gw_timer *t, int64_t ms)
{
    int64_t now = gs_now_ns();
    t->deadline = now + ms * GS_NS_PER_MS;
    if (t->deadline == 0)
        t->deadline = 1;
    if (t->armed == 0 || t->armed > t->deadline)
        timer_arm(t, now);
}

void gs_gw_timer_stop(gs_gw_timer *t)
{
    t->deadline = 0; /* the pending event, if any, finds nothing to do */
}

bool gs_gw_timer_active(const gs_gw_timer *t)
{
    return t->deadline != 0;
}

void gs_gw_timer_deinit(gs_gw_timer *t)
{
    if (t->ev)
        event_free(t->ev);
    t->ev = NULL;
    t->deadline = 0;
    t->armed = 0;
}
