/* SPDX-License-Identifier: MIT */
/* Pass/fail limits on a load result, in the spirit of k6 thresholds: `p99<5ms`, `mean<=2ms`,
 * `rps>=1000`, `errors<0.1%`, `non2xx<5`, `missed<1%`. `gatesim load --threshold` exits 1 when
 * one does not hold, so a CI job goes red on a slow or failing target. Pure: parses a string
 * and checks a gs_traffic_result. */
#ifndef GS_THRESHOLD_H
#define GS_THRESHOLD_H

#include "gs_error.h"
#include "gs_traffic.h"

#include <stdbool.h>

typedef enum gs_threshold_metric {
    GS_THRESHOLD_PERCENTILE, /* pNN: corrected latency at percentile |pct|, in ns */
    GS_THRESHOLD_MEAN,       /* mean latency, ns */
    GS_THRESHOLD_MAX,        /* max latency, ns */
    GS_THRESHOLD_RPS,        /* measured requests per second */
    GS_THRESHOLD_ERRORS,     /* requests without a response (any error class) */
    GS_THRESHOLD_NON2XX,     /* responses whose status is not 2xx */
    GS_THRESHOLD_MISSED,     /* open loop: scheduled requests never started */
} gs_threshold_metric;

typedef enum gs_threshold_op {
    GS_THRESHOLD_LT,
    GS_THRESHOLD_LE,
    GS_THRESHOLD_GT,
    GS_THRESHOLD_GE,
} gs_threshold_op;

typedef struct gs_threshold {
    char expr[64]; /* as written, for reports */
    gs_threshold_metric metric;
    double pct; /* GS_THRESHOLD_PERCENTILE: 0 < pct <= 100 */
    gs_threshold_op op;
    double limit;  /* ns for latencies, req/s for rps, a count, or a fraction with |percent| */
    bool percent;  /* counts: the limit is a share (of requests; missed: of scheduled) */
} gs_threshold;

/* Parses "METRIC OP VALUE" (spaces allowed around OP). Returns 0, or GS_ERR_INVALID with a
 * message that names what is wrong and what is accepted. */
int gs_threshold_parse(const char *s, gs_threshold *out, gs_error *err);

/* True when |t| holds for |r|. |*observed| gets the value compared, in the unit of |t->limit|
 * (ns, req/s, count or fraction). */
bool gs_threshold_check(const gs_threshold *t, const gs_traffic_result *r, double *observed);

/* |v| (the observed value or the limit of |t|) as people write it: "4.21ms", "0.05%", "1200",
 * "950.3 req/s". */
void gs_threshold_format(const gs_threshold *t, double v, char *out, size_t n);

#endif
