/* SPDX-License-Identifier: MIT */
/* Comparing two benchmark results (`gatesim compare BASE.json NEW.json`): per case and metric,
 * the relative change of the median over rounds with a bootstrap confidence interval, and a
 * verdict. A change is significant when the interval excludes zero; a significant change in
 * the bad direction larger than the metric's limit (`--max-regression p99=10%,rps=5%`) is a
 * regression. Pure: numbers in, numbers out; the bootstrap is seeded, so the same inputs give
 * the same report. */
#ifndef GS_COMPARE_H
#define GS_COMPARE_H

#include "gs_buf.h"
#include "gs_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum gs_compare_verdict {
    GS_COMPARE_SAME = 0, /* no significant change (or too few rounds to tell) */
    GS_COMPARE_BETTER,
    GS_COMPARE_WORSE, /* significant, in the bad direction (a regression when over the limit) */
} gs_compare_verdict;

typedef struct gs_compare_stat {
    double base_median, new_median;
    double change; /* new / base - 1; NAN when the base median is 0 */
    double lo, hi; /* 95% bootstrap interval of the change */
    gs_compare_verdict verdict;
    bool regression; /* worse by more than the limit */
} gs_compare_stat;

/* Compares |nb| base rounds with |nn| new rounds of one metric. |higher_is_better| says which
 * direction is good (rps) or bad (latency); |limit| is the largest tolerated relative change in
 * the bad direction (0.10 = 10%). Fewer than 2 rounds on either side: SAME, interval NAN. */
void gs_compare_samples(const double *base, size_t nb, const double *next, size_t nn,
                        bool higher_is_better, double limit, gs_compare_stat *out);

/* The metrics a benchmark round has, in report order. */
typedef struct gs_compare_metric {
    const char *name; /* JSON key in a round, and the name --max-regression uses */
    const char *unit; /* for reports: "req/s", "ms" */
    bool higher_is_better;
    double default_limit; /* 0.05 = 5% */
    bool optional;        /* only some cases have it (route propagation): compared where both
                             sides' rounds carry it */
} gs_compare_metric;

extern const gs_compare_metric gs_compare_metrics[];
extern const size_t gs_compare_metric_count;

/* Parses "p99=10%,rps=5%" into |limits| (indexed like gs_compare_metrics; entries not named
 * keep their values). Returns 0 or GS_ERR_INVALID naming the bad entry. */
int gs_compare_parse_limits(const char *s, double *limits, gs_error *err);

/* Compares two `gatesim bench` documents (JSON text) case by case (cases are matched by name;
 * one only in either file is listed, not compared). Appends the report to |out| as Markdown
 * (for a CI job summary) or as JSON, and returns the number of regressions (>= 0), or
 * GS_ERR_PARSE / GS_ERR_INVALID with the file and field in |err|. */
int gs_compare_documents(const char *base_text, size_t base_len, const char *base_name,
                         const char *new_text, size_t new_len, const char *new_name,
                         const double *limits, bool json, gs_buf *out, gs_error *err);

#endif
