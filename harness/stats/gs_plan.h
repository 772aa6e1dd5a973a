/* SPDX-License-Identifier: MIT */
/* Sample-size planning for split checks: `requests: auto` is the smallest n for which an
 * absolute share deviation of |min_effect| on any one backend, in either direction, is detected
 * with probability |power| by the decision gs_gof_split makes at that n (level |alpha|,
 * tolerance |tolerance|, Holm's correction); and, for a given n, the smallest deviation so
 * detected.
 *
 * Power model, per backend i with share p_i: the exact power of backend i's own band test at
 * the per-backend level (gs_gof_level) against the true share p_i + d and against p_i - d,
 * each clamped to [0, 1] (so a small share's downward alternative is "it gets nothing"); the
 * smaller decides, and the worst backend decides. Backend i's count is Binomial(n, pi_i)
 * whatever the other backends do, and the decision fails whenever backend i's test rejects at
 * that level, so this is a lower bound on the decision's power in every direction a deviation
 * of d can take (docs/stats.md). Zero-weight backends are not planned for: one request there
 * fails the check outright. */
#ifndef GS_PLAN_H
#define GS_PLAN_H

#include "gs_error.h"

#include <stddef.h>
#include <stdint.h>

/* Largest n gs_plan_requests will propose. */
#define GS_PLAN_MAX_REQUESTS UINT64_C(1000000000)

/* Lower bound on the probability that the split check fails when backend |i|'s true share is
 * off by |delta| (the worse direction) at total |n| (shares must sum to 1; share[i] > 0). NAN
 * for delta <= 0 or n == 0. */
double gs_plan_power_backend(const double *shares, size_t k, size_t i, uint64_t n, double alpha,
                             double tolerance, double delta);

/* Smallest deviation of backend |i| detected with probability |power| at total |n|; NAN when
 * not even the largest (the share going to 0 or 1) is (n too small). */
double gs_plan_detectable_backend(const double *shares, size_t k, size_t i, uint64_t n,
                                  double alpha, double tolerance, double power);

/* Worst case over the backends with positive share: the largest of their detectable
 * deviations (NAN if any is NAN). |weights| any scale. This is the minEffect that n requests
 * can promise. */
double gs_plan_detectable(const double *weights, size_t k, uint64_t n, double alpha,
                          double tolerance, double power);

/* `requests: auto`: the smallest n (up to the sawtooth of discrete tests; power(n) >= |power|
 * is guaranteed for the returned n) such that a |min_effect| deviation on any backend with
 * positive weight is detected with probability |power|. With one positive weight nothing needs
 * detecting and the answer is 1. Returns 0, GS_ERR_INVALID for bad arguments (min_effect must
 * exceed |tolerance|), or GS_ERR_RANGE when even GS_PLAN_MAX_REQUESTS is not enough. */
int gs_plan_requests(const double *weights, size_t k, double alpha, double tolerance,
                     double power, double min_effect, uint64_t *out_n, gs_error *err);

#endif
