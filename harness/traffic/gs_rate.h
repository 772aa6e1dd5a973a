/* SPDX-License-Identifier: MIT */
/* The open-loop send schedule: request k is due at start + k / rate, whatever happened to the
 * requests before it. Knowing each request's intended send time is what lets latency be
 * measured from when the request should have gone out (no coordinated omission). Pure
 * arithmetic, O(1) memory however far the sender falls behind. */
#ifndef GS_RATE_H
#define GS_RATE_H

#include <stdint.h>

typedef struct gs_rate {
    int64_t start_ns;
    double interval_ns; /* 1e9 / rate */
    uint64_t taken;     /* requests handed out so far */
} gs_rate;

/* Starts a schedule of |per_second| (> 0) requests per second whose first request is due at
 * |start_ns|. */
void gs_rate_init(gs_rate *r, double per_second, int64_t start_ns);

/* Intended send time of request |k| (0-based). */
int64_t gs_rate_intended_ns(const gs_rate *r, uint64_t k);

/* How many requests are due by |now_ns| and not taken yet (the backlog when behind). */
uint64_t gs_rate_due(const gs_rate *r, int64_t now_ns);

/* Takes the next request: returns its intended send time and advances the schedule. Callers
 * take only when gs_rate_due() > 0 (or to send early on purpose). */
int64_t gs_rate_take(gs_rate *r);

/* Intended time of the next request not taken yet (when to wake up). */
int64_t gs_rate_next_ns(const gs_rate *r);

#endif
