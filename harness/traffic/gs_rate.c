/* SPDX-License-Identifier: MIT */
/* Open-loop schedule arithmetic. Times are computed from the start and the index, never by
 * accumulating intervals, so rounding does not drift over long runs. */
#include "gs_rate.h"

#include <math.h>

void gs_rate_init(gs_rate *r, double per_second, int64_t start_ns)
{
    r->start_ns = start_ns;
    r->interval_ns = per_second > 0 ? 1e9 / per_second : 0;
    r->taken = 0;
}

int64_t gs_rate_intended_ns(const gs_rate *r, uint64_t k)
{
    return r->start_ns + (int64_t)llround((double)k * r->interval_ns);
}

uint64_t gs_rate_due(const gs_rate *r, int64_t now_ns)
{
    if (now_ns < r->start_ns)
        return 0;
    if (r->interval_ns <= 0)
        return UINT64_MAX - r->taken;
    /* requests 0..n-1 are due where n = floor((now - start) / interval) + 1 */
    double n = floor((double)(now_ns - r->start_ns) / r->interval_ns) + 1;
    uint64_t due = (uint64_t)n;
    /* the division may round across a boundary: trust gs_rate_intended_ns, the one definition */
    while (due > 0 && gs_rate_intended_ns(r, due - 1) > now_ns)
        due--;
    while (gs_rate_intended_ns(r, due) <= now_ns)
        due++;
    return due > r->taken ? due - r->taken : 0;
}

int64_t gs_rate_take(gs_rate *r)
{
    return gs_rate_intended_ns(r, r->taken++);
}

int64_t gs_rate_next_ns(const gs_rate *r)
{
    return gs_rate_intended_ns(r, r->taken);
}
