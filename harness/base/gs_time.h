/* SPDX-License-Identifier: MIT */
/* Clocks and durations. Durations are int64 nanoseconds everywhere. */
#ifndef GS_TIME_H
#define GS_TIME_H

#include "gs_error.h"

#include <stdint.h>

#define GS_NS_PER_US INT64_C(1000)
#define GS_NS_PER_MS INT64_C(1000000)
#define GS_NS_PER_S INT64_C(1000000000)

/* Monotonic clock, nanoseconds since an arbitrary origin. */
int64_t gs_now_ns(void);
/* Wall clock, nanoseconds since the Unix epoch. */
int64_t gs_wall_ns(void);
/* Writes the wall time |ns| as RFC 3339 UTC with milliseconds ("2026-11-29T03:13:01.123Z"). */
void gs_time_rfc3339(int64_t wall_ns, char out[32]);

/* Parses a duration: a decimal number and a unit, ns|us|ms|s|m|h ("5ms", "1.5s", "2m"), or
 * several joined ("1m30s"), as in Go and Gateway API (which allows h, m, s, ms). A bare "0" is
 * zero. Returns 0, or GS_ERR_INVALID with a message in |err|. */
int gs_duration_parse(const char *s, int64_t *out_ns, gs_error *err);
/* Formats |ns| compactly ("1.5s", "250ms", "80us"). Returns |out|. */
char *gs_duration_format(int64_t ns, char out[32]);

#endif
