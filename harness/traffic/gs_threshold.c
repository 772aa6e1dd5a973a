/* SPDX-License-Identifier: MIT */
/* Threshold expressions: a metric name, a comparison, a value whose form the metric decides
 * (a duration for latencies, a number for rps, a count or a percentage for counts). */
#include "gs_threshold.h"

#include "gs_time.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char threshold_help[] =
    "want METRIC<VALUE (or <=, >, >=) with METRIC one of pNN (p50, p99.9), mean, max (a "
    "duration: 5ms), rps (a number), errors, non2xx, missed (a count or a percentage: 0.1%)";

static int threshold_metric_parse(const char *name, size_t n, gs_threshold *t)
{
    static const struct {
        const char *name;
        gs_threshold_metric metric;
    } names[] = {{"mean", GS_THRESHOLD_MEAN},     {"max", GS_THRESHOLD_MAX},
                 {"rps", GS_THRESHOLD_RPS},       {"errors", GS_THRESHOLD_ERRORS},
                 {"non2xx", GS_THRESHOLD_NON2XX}, {"missed", GS_THRESHOLD_MISSED}};
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        if (strlen(names[k].name) == n && memcmp(names[k].name, name, n) == 0) {
            t->metric = names[k].metric;
            return 0;
        }
    }
    if (n < 2 || name[0] != 'p')
        return -1;
    char num[32];
    if (n - 1 >= sizeof(num))
        return -1;
    memcpy(num, name + 1, n - 1);
    num[n - 1] = '\0';
    if (strspn(num, "0123456789.") != n - 1)
        return -1;
    char *end;
    double p = strtod(num, &end);
    if (*end != '\0' || !(p > 0) || p > 100)
        return -1;
    t->metric = GS_THRESHOLD_PERCENTILE;
    t->pct = p;
    return 0;
}

static bool threshold_is_latency(gs_threshold_metric m)
{
    return m == GS_THRESHOLD_PERCENTILE || m == GS_THRESHOLD_MEAN || m == GS_THRESHOLD_MAX;
}

static int threshold_value_parse(const char *v, gs_threshold *t)
{
    if (threshold_is_latency(t->metric)) {
        int64_t ns;
        gs_error sub;
        if (gs_duration_parse(v, &ns, &sub) != 0 || strspn(v, "0123456789.") == strlen(v))
            return -1; /* a bare number has no unit: "5" could be ms or s */
        t->limit = (double)ns;
        return 0;
    }
    char *end;
    double x = strtod(v, &end);
    if (end == v || !isdigit((unsigned char)v[0]) || !isfinite(x) || x < 0)
        return -1;
    if (*end == '%' && end[1] == '\0' && t->metric != GS_THRESHOLD_RPS) {
        if (x > 100)
            return -1;
        t->percent = true;
        t->limit = x / 100.0;
        return 0;
    }
    if (*end != '\0')
        return -1;
    t->limit = x;
    return 0;
}

int gs_threshold_parse(const char *s, gs_threshold *out, gs_error *err)
{
    memset(out, 0, sizeof(*out));
    if (strlen(s) >= sizeof(out->expr))
        return gs_error_set(err, GS_ERR_INVALID, "threshold \"%.40s...\" is too long", s);
    snprintf(out->expr, sizeof(out->expr), "%s", s);
    const char *p = s;
    while (*p == ' ')
        p++;
    const char *name = p;
    while (*p && (isalnum((unsigned char)*p) || *p == '.'))
        p++;
    size_t nlen = (size_t)(p - name);
    while (*p == ' ')
        p++;
    if (p[0] == '<' || p[0] == '>') {
        bool eq = p[1] == '=';
        out->op = p[0] == '<' ? (eq ? GS_THRESHOLD_LE : GS_THRESHOLD_LT)
                              : (eq ? GS_THRESHOLD_GE : GS_THRESHOLD_GT);
        p += eq ? 2 : 1;
    } else {
        return gs_error_set(err, GS_ERR_INVALID, "bad threshold \"%s\": %s", s, threshold_help);
    }
    if (threshold_metric_parse(name, nlen, out) != 0)
        return gs_error_set(err, GS_ERR_INVALID, "bad threshold \"%s\": unknown metric \"%.*s\"; %s",
                            s, (int)nlen, name, threshold_help);
    while (*p == ' ')
        p++;
    char value[48];
    size_t vlen = strlen(p);
    while (vlen > 0 && p[vlen - 1] == ' ')
        vlen--;
    if (vlen == 0 || vlen >= sizeof(value))
        return gs_error_set(err, GS_ERR_INVALID, "bad threshold \"%s\": no value; %s", s,
                            threshold_help);
    memcpy(value, p, vlen);
    value[vlen] = '\0';
    if (threshold_value_parse(value, out) != 0)
        return gs_error_set(err, GS_ERR_INVALID, "bad threshold \"%s\": bad value \"%s\" for %.*s; %s",
                            s, value, (int)nlen, name, threshold_help);
    return 0;
}

/* Responses whose status is not 2xx. */
static uint64_t threshold_non2xx(const gs_traffic_result *r)
{
    uint64_t ok = 0;
    for (size_t k = 0; k < r->statuses.len; k++) {
        if (r->statuses.items[k].name[0] == '2' && strlen(r->statuses.items[k].name) == 3)
            ok += r->statuses.items[k].count;
    }
    return r->responses - ok;
}

/* A count as the threshold wants it: as is, or as a share of |of| (0 when |of| is 0). */
static double threshold_count(const gs_threshold *t, uint64_t n, uint64_t of)
{
    if (!t->percent)
        return (double)n;
    return of > 0 ? (double)n / (double)of : 0.0;
}

bool gs_threshold_check(const gs_threshold *t, const gs_traffic_result *r, double *observed)
{
    double v = 0;
    switch (t->metric) {
    case GS_THRESHOLD_PERCENTILE:
        v = (double)gs_histogram_percentile(r->latency, t->pct);
        break;
    case GS_THRESHOLD_MEAN:
        v = gs_histogram_mean(r->latency);
        break;
    case GS_THRESHOLD_MAX:
        v = (double)gs_histogram_max(r->latency);
        break;
    case GS_THRESHOLD_RPS:
        v = r->rps;
        break;
    case GS_THRESHOLD_ERRORS:
        v = threshold_count(t, r->requests - r->responses, r->requests);
        break;
    case GS_THRESHOLD_NON2XX:
        v = threshold_count(t, threshold_non2xx(r), r->requests);
        break;
    case GS_THRESHOLD_MISSED:
        v = threshold_count(t, r->missed, r->scheduled);
        break;
    }
    *observed = v;
    switch (t->op) {
    case GS_THRESHOLD_LT:
        return v < t->limit;
    case GS_THRESHOLD_LE:
        return v <= t->limit;
    case GS_THRESHOLD_GT:
        return v > t->limit;
    case GS_THRESHOLD_GE:
        return v >= t->limit;
    }
    return false;
}

void gs_threshold_format(const gs_threshold *t, double v, char *out, size_t n)
{
    if (threshold_is_latency(t->metric)) {
        double ms = v / 1e6;
        snprintf(out, n, ms < 1 ? "%.3fms" : "%.2fms", ms);
    } else if (t->metric == GS_THRESHOLD_RPS) {
        snprintf(out, n, "%.1f req/s", v);
    } else if (t->percent) {
        snprintf(out, n, "%.4g%%", v * 100);
    } else {
        snprintf(out, n, "%.0f", v);
    }
}
