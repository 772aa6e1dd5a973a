/* SPDX-License-Identifier: MIT */
/* Goodness of fit of observed counts against configured weights (docs/stats.md): the weighted-split
 * check and the mirror-fraction check, each at a stated false-failure rate alpha. Pure math:
 * callers bring counts, this module says pass or fail and why, in numbers.
 *
 * Method, by the number m of backends with a positive weight and the expected counts n*p_i:
 *   any request on a zero-weight backend   fails outright (p-value 0), whatever else holds;
 *   m == 1                                  nothing random is left: passes;
 *   m == 2                                  exact two-sided binomial test (it is the exact
 *                                           multinomial test for two outcomes);
 *   m >= 3, some n*p_i < GS_GOF_G_MIN_EXPECTED
 *                                           exact binomial test per backend, Holm-corrected;
 *   m >= 3, every n*p_i >= GS_GOF_G_MIN_EXPECTED
 *                                           G-test (likelihood ratio), chi-square with m-1 df.
 * docs/stats.md says why the switch sits there. */
#ifndef GS_GOF_H
#define GS_GOF_H

#include "gs_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Smallest expected count on every backend for the G-test's chi-square reference to be trusted
 * in the far tail (alpha down to 1e-4). */
#define GS_GOF_G_MIN_EXPECTED 50.0

typedef enum gs_gof_method {
    GS_GOF_SINGLE = 0,    /* one backend with weight: nothing to test */
    GS_GOF_BINOMIAL,      /* two backends: exact binomial */
    GS_GOF_BINOMIAL_HOLM, /* three or more, small counts: exact binomial per backend + Holm */
    GS_GOF_G_TEST,        /* three or more, large counts: G-test */
} gs_gof_method;

/* One backend: the caller fills |weight| and |count|; gs_gof_split fills the rest. */
typedef struct gs_gof_backend {
    double weight;  /* >= 0, any scale */
    uint64_t count; /* requests it answered */
    double expected_share;
    double observed_share;  /* NAN when n == 0 */
    double ci_low, ci_high; /* Wilson interval at confidence 1 - alpha */
    double p_value;         /* exact two-sided binomial p of this backend alone (NAN: m < 2) */
    double p_adjusted;      /* Holm-adjusted p (the method's decision p for BINOMIAL_HOLM) */
    double detectable;      /* smallest absolute share deviation of this backend detected with
                               probability |power| at this n (gs_plan.h); NAN if none */
    bool violates;          /* zero weight yet hit, or rejected by the per-backend test */
} gs_gof_backend;

typedef struct gs_gof_result {
    bool passed;
    gs_gof_method method;
    uint64_t n;      /* total count */
    unsigned active; /* backends with positive weight (m) */
    bool zero_weight_hit;
    double p_value;    /* the decision's p-value: fail iff p_value <= alpha */
    double statistic;  /* G for the G-test, NAN otherwise */
    double detectable; /* worst (largest) per-backend detectable deviation */
} gs_gof_result;

/* Tests |counts| against |weights| for |k| backends at false-failure rate |alpha|, filling
 * every backend's derived fields and |out|. |power| (in (0,1)) is only used for the detectable
 * deviations. Returns 0, or GS_ERR_INVALID for negative/non-finite weights, no positive weight,
 * or alpha/power outside (0, 1). */
int gs_gof_split(gs_gof_backend *backends, size_t k, double alpha, double power, gs_gof_result *out,
                 gs_error *err);

/* The method gs_gof_split uses for these shares (summing to 1; zero allowed) at total |n|. */
gs_gof_method gs_gof_choose(const double *shares, size_t k, uint64_t n);

/* "single", "exact-binomial", "exact-binomial-holm", "g-test". */
const char *gs_gof_method_name(gs_gof_method m);

/* G statistic 2 * sum O_i ln(O_i / E_i) over the backends with positive share; zero-share
 * backends must have zero counts (not checked here). */
double gs_gof_g_statistic(const uint64_t *counts, const double *shares, size_t k);

/* The mirror (or any per-request) fraction: |hits| of |n| ids arrived where |fraction| should.
 * fraction 1.0 (or 0.0) is deterministic: passes only when every (no) id arrived, p-value 1 or
 * 0. Otherwise an exact two-sided binomial test at |alpha|. */
typedef struct gs_gof_fraction_result {
    bool passed;
    bool exact; /* fraction was 0 or 1: no statistics involved */
    double p_value;
    double observed; /* hits / n; NAN when n == 0 */
    double ci_low, ci_high;
} gs_gof_fraction_result;

int gs_gof_fraction(uint64_t hits, uint64_t n, double fraction, double alpha,
                    gs_gof_fraction_result *out, gs_error *err);

#endif
