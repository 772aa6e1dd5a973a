/* SPDX-License-Identifier: MIT */
/* Goodness of fit of observed counts against configured weights: the weighted-split check and
 * the mirror-fraction check, each at a stated false-failure rate alpha that holds for every
 * alpha and every n (exact tests, never an asymptotic reference). Pure math: callers bring
 * counts, this module says pass or fail and why, in numbers.
 *
 * Each backend i with a positive share p_i is tested on its own count, K_i ~ Binomial(n, pi_i),
 * against the null "pi_i is within tolerance of p_i": the band gs_gof_band gives. Method, by
 * the number m of backends with a positive weight:
 *   any request on a zero-weight backend   fails outright (p-value 0), whatever else holds;
 *   m == 1                                  nothing random is left: passes;
 *   m == 2                                  one exact test (the two backends' tests are the same
 *                                           test: one count fixes the other);
 *   m >= 3                                  one exact test per backend, Holm-corrected.
 * The decision fails exactly when some backend's simultaneous interval (the shares its test
 * accepts at the per-backend level gs_gof_level gives) misses that backend's band.
 * docs/stats.md says why (and why the G-test is gone). */
#ifndef GS_GOF_H
#define GS_GOF_H

#include "gs_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum gs_gof_method {
    GS_GOF_SINGLE = 0,    /* one backend with weight: nothing to test */
    GS_GOF_BINOMIAL,      /* two backends: one exact binomial test */
    GS_GOF_BINOMIAL_HOLM, /* three or more: exact binomial per backend + Holm */
} gs_gof_method;

/* One backend: the caller fills |weight| and |count|; gs_gof_split fills the rest
 * (gs_gof_decide only |expected_share|, |observed_share|, the p-values and |violates|). */
typedef struct gs_gof_backend {
    double weight;  /* >= 0, any scale */
    uint64_t count; /* requests it answered */
    double expected_share;
    double band_low, band_high; /* the null: shares within tolerance (gs_gof_band) */
    double observed_share;      /* NAN when n == 0 */
    double ci_low, ci_high;     /* simultaneous interval: the shares this backend's exact test
                                   accepts at the per-backend level (result.level) */
    double p_value;             /* exact p of this backend's band test alone (NAN: m < 2) */
    double p_adjusted;          /* Holm-adjusted p: what the decision compares with alpha */
    double detectable;          /* smallest absolute share deviation of this backend detected
                                   with probability |power| at this n (gs_plan.h); NAN if none */
    bool violates;              /* zero weight yet hit, or p_adjusted <= alpha */
} gs_gof_backend;

typedef struct gs_gof_result {
    bool passed;
    gs_gof_method method;
    uint64_t n;      /* total count */
    unsigned active; /* backends with positive weight (m) */
    bool zero_weight_hit;
    double p_value;    /* the decision's p-value (smallest adjusted): fail iff p_value <= alpha */
    double level;      /* per-backend level of the simultaneous intervals: alpha (m <= 2) or
                          alpha / m (Holm's first step, which decides pass or fail) */
    double detectable; /* worst (largest) per-backend detectable deviation */
} gs_gof_result;

/* The null band of a backend with share |share| in (0, 1): [share - t, share + t] with
 * t = min(|tolerance|, share / 2, (1 - share) / 2). The cap keeps 0 (and 1) outside every band,
 * so "a positive weight got nothing" is always a deviation, and makes the two backends of a
 * two-way split share one band width, so their tests stay one test. */
void gs_gof_band(double share, double tolerance, double *lo, double *hi);

/* Exact p-value of |k| of |n| against the band [lo, hi]: 1 when k/n is inside, else the exact
 * two-sided binomial p-value (gs_binom_test) at the nearer end. Its false-failure rate at any
 * level is at most the level for every true share in the band (docs/stats.md). */
double gs_gof_band_test(uint64_t k, uint64_t n, double lo, double hi);

/* The counts that test accepts at |level|: [*accept_lo, *accept_hi]; the rest are rejected. */
void gs_gof_band_acceptance(uint64_t n, double lo, double hi, double level, uint64_t *accept_lo,
                            uint64_t *accept_hi);

/* The level each backend's test runs at when |m| backends have a positive weight. */
double gs_gof_level(unsigned m, double alpha);

/* The decision alone (what gs_gof_split decides, without intervals or detectable deviations,
 * so simulations can run it millions of times). Same arguments and errors as gs_gof_split. */
int gs_gof_decide(gs_gof_backend *backends, size_t k, double alpha, double tolerance,
                  gs_gof_result *out, gs_error *err);

/* Tests |counts| against |weights| for |k| backends at false-failure rate |alpha| with
 * |tolerance| (>= 0, absolute share), filling every backend's derived fields and |out|.
 * |power| (in (0,1)) is only used for the detectable deviations. Returns 0, or GS_ERR_INVALID
 * for negative/non-finite weights, no positive weight, no counts, or alpha/power/tolerance
 * outside their ranges. */
int gs_gof_split(gs_gof_backend *backends, size_t k, double alpha, double tolerance, double power,
                 gs_gof_result *out, gs_error *err);

/* The method gs_gof_split uses for these shares (zero allowed). */
gs_gof_method gs_gof_choose(const double *shares, size_t k);

/* "single", "exact-binomial", "exact-binomial-holm". */
const char *gs_gof_method_name(gs_gof_method m);

/* The mirror (or any per-request) fraction: |hits| of |n| ids arrived where |fraction| should.
 * fraction 1.0 (or 0.0) is deterministic: passes only when every (no) id arrived, p-value 1 or
 * 0. Otherwise the band test of gs_gof_band / gs_gof_band_test at |alpha| and |tolerance|. */
typedef struct gs_gof_fraction_result {
    bool passed;
    bool exact; /* fraction was 0 or 1: no statistics involved */
    double p_value;
    double observed; /* hits / n; NAN when n == 0 */
    double ci_low, ci_high; /* the fractions the test accepts at alpha */
} gs_gof_fraction_result;

int gs_gof_fraction(uint64_t hits, uint64_t n, double fraction, double alpha, double tolerance,
                    gs_gof_fraction_result *out, gs_error *err);

#endif
