/* SPDX-License-Identifier: MIT */
/* Clocks, RFC 3339 timestamps and duration strings. */
#include "gs_time.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t gs_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * GS_NS_PER_S + ts.tv_nsec;
}

int64_t gs_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * GS_NS_PER_S + ts.tv_nsec;
}

void gs_time_rfc3339(int64_t wall_ns, char out[32])
{
    time_t secs = (time_t)(wall_ns / GS_NS_PER_S);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)((wall_ns % GS_NS_PER_S) / GS_NS_PER_MS));
}

int gs_duration_parse(const char *s, int64_t *out_ns, gs_error *err)
{
    static const struct {
        const char *name;
        double ns;
    } units[] = {{"ns", 1},   {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6},
                 {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
    if (s == NULL || *s == '\0')
        return gs_error_set(err, GS_ERR_INVALID, "empty duration");
    if (strcmp(s, "0") == 0) {
        *out_ns = 0;
        return 0;
    }
    const char *p = s;
    double total = 0;
    while (*p) {
        if (!isdigit((unsigned char)*p) && *p != '.')
            goto bad;
        char *end;
        double v = strtod(p, &end);
        if (end == p)
            goto bad;
        p = end;
        size_t best = 0;
        double mult = 0;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            size_t n = strlen(units[i].name);
            /* "m" must not swallow the "m" of "ms": prefer the longest unit that matches. */
            if (n > best && strncmp(p, units[i].name, n) == 0) {
                best = n;
                mult = units[i].ns;
            }
        }
        if (best == 0)
            goto bad;
        p += best;
        total += v * mult;
    }
    if (!isfinite(total) || total > 9.2e18)
        return gs_error_set(err, GS_ERR_RANGE, "duration \"%s\" is too long", s);
    *out_ns = (int64_t)llround(total);
    return 0;
bad:
    return gs_error_set(err, GS_ERR_INVALID,
                        "invalid duration \"%s\": want a number and a unit (ms, s, m, h), "
                        "like 500ms or 1.5s",
                        s);
}

char *gs_duration_format(int64_t ns, char out[32])
{
    double v = (double)ns;
    const char *unit;
    if (ns >= GS_NS_PER_S) {
        v /= 1e9;
        unit = "s";
    } else if (ns >= GS_NS_PER_MS) {
        v /= 1e6;
        unit = "ms";
    } else if (ns >= GS_NS_PER_US) {
        v /= 1e3;
        unit = "us";
    } else {
        unit = "ns";
    }
    snprintf(out, 32, "%.3g%s", v, unit);
    return out;
}
