/* SPDX-License-Identifier: MIT */
/* Sample-size planning for split checks (docs/stats.md): `requests: auto` is the smallest n for
 * which an absolute share deviation of |min_effect| on any one backend is detected with
 * probability |power| by the test gs_gof_split would run at that n, at level |alpha|, with its
 * multiple-testing correction; and, for a given n, the smallest deviation so detected.
 *
 * Power model, per backend i with share p_i (the worst backend and direction decide):
 *   exact binomial (m == 2) / Holm (m >= 3): exact power of the backend's two-sided binomial test
 *     at alpha (m == 2) or alpha/m (Holm's first step, a lower bound for Holm) against
 *     p_i + d and p_i - d (each where it is a probability);
 *   G-test: noncentral chi-square, m-1 df, lambda = n d^2 / (p_i (1 - p_i)) (the least
 *     favourable way the other shares can make room for the deviation).
 * Zero-weight backends are not planned for: one request there fails the check outright. */
#ifndef GS_PLAN_H
#define GS_PLAN_H

#include "gs_error.h"

#include <stddef.h>
#include <stdint.h>

/* Largest n gs_plan_requests will propose. */
#define GS_PLAN_MAX_REQUESTS UINT64_C(100000000)

/* Probability that the split check detects a deviation |delta| on backend |i| at total |n|
 * (shares must sum to 1; share[i] > 0). */
double gs_plan_power_backend(const double *shares, size_t k, size_t i, uint64_t n, double alpha,
                             double delta);

/* Smallest deviation of backend |i| detected with probability |power| at total |n|; NAN when
 * no deviation that keeps the share a probability is (n too small), 0 for n huge. */
double gs_plan_detectable_backend(const double *shares, size_t k, size_t i, uint64_t n,
                                  double alpha, double power);

/* Worst case over the backends with positive share: the largest of their detectable
 * deviations (NAN if any is NAN). |weights| any scale. */
double gs_plan_detectable(const double *weights, size_t k, uint64_t n, double alpha, double power);

/* `requests: auto`: the smallest n (up to the sawtooth of discrete tests; power(n) >= |power|
 * is guaranteed for the returned n) such that a |min_effect| deviation on any backend with
 * positive weight is detected with probability |power|. With one positive weight nothing needs
 * detecting and the answer is 1. Returns 0, GS_ERR_INVALID for bad arguments, or GS_ERR_RANGE
 * when even GS_PLAN_MAX_REQUESTS is not enough. */
int gs_plan_requests(const double *weights, size_t k, double alpha, double power, double min_effect,
                     uint64_t *out_n, gs_error *err);

#endif
