/* SPDX-License-Identifier: MIT */
/* The binomial distribution and what is built on it: the exact two-sided binomial test (the
 * same p-value definition as scipy.stats.binomtest), its acceptance region and power, and the
 * Wilson score interval. Counts are uint64_t; probabilities double. Pure math, no I/O. */
#ifndef GS_BINOM_H
#define GS_BINOM_H

#include <stdint.h>

/* log P(X = k) for X ~ Binomial(n, p); -inf when k > n or impossible. */
double gs_binom_logpmf(uint64_t k, uint64_t n, double p);
/* P(X <= k). */
double gs_binom_cdf(uint64_t k, uint64_t n, double p);
/* P(X >= k) (note: >=, not >, so a test's upper tail reads naturally). */
double gs_binom_sf_ge(uint64_t k, uint64_t n, double p);

/* Exact two-sided test of H0: X ~ Binomial(n, p) having seen |k|: the probability of every
 * outcome no more likely than |k| (relative tolerance 1e-7, as scipy). In [0, 1]. */
double gs_binom_test(uint64_t k, uint64_t n, double p);

/* The outcomes the exact two-sided test at level |alpha| accepts form an interval around the
 * mode: sets [*lo, *hi] (p-value > alpha exactly there). */
void gs_binom_acceptance(uint64_t n, double p, double alpha, uint64_t *lo, uint64_t *hi);

/* Power of that test: P(reject) when X ~ Binomial(n, p_true). */
double gs_binom_power(uint64_t n, double p, double alpha, double p_true);

/* The shares p0 the exact two-sided test accepts having seen |k| of |n| at |level| (p-value
 * > level): [*lo, *hi], found by bisection on each side of k/n to 1e-12. The confidence
 * interval that is the test inverted, so "p0 outside" and "rejected" agree. n == 0 gives [0, 1]. */
void gs_binom_accepted(uint64_t k, uint64_t n, double level, double *lo, double *hi);

/* Wilson score interval for a share seen |k| times in |n| at confidence 1 - |alpha|
 * (two-sided). n == 0 gives [0, 1]. */
void gs_binom_wilson(uint64_t k, uint64_t n, double alpha, double *lo, double *hi);

#endif
