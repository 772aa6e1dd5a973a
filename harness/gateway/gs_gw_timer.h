/* SPDX-License-Identifier: MIT */
/* A lazily re-armed timeout, for deadlines that move on every request (idle, header, request
 * timeouts): setting a later deadline than the pending one only records it, and the event, when
 * it fires early, re-arms itself for the rest. One libevent timer operation per timeout period
 * instead of several per request (the way nginx treats its timers). Single-threaded. */
#ifndef GS_GW_TIMER_H
#define GS_GW_TIMER_H

#include <event2/event.h>

#include <stdbool.h>
#include <stdint.h>

typedef struct gs_gw_timer {
    struct event *ev;
    int64_t deadline; /* gs_now_ns() value when |cb| is due; 0 = stopped */
    int64_t armed;    /* when |ev| fires; 0 = not pending */
    void (*cb)(void *arg);
    void *arg;
} gs_gw_timer;

void gs_gw_timer_init(gs_gw_timer *t, struct event_base *base, void (*cb)(void *arg), void *arg);
/* (Re)starts the timeout: |cb| runs |ms| milliseconds from now unless set again or stopped. */
void gs_gw_timer_set(gs_gw_timer *t, int64_t ms);
void gs_gw_timer_stop(gs_gw_timer *t);
/* True while a deadline is set. */
bool gs_gw_timer_active(const gs_gw_timer *t);
/* Releases the event; |t| may then be initialised again. A zeroed timer is fine. */
void gs_gw_timer_deinit(gs_gw_timer *t);

#endif
