/* SPDX-License-Identifier: MIT */
/* The gateway's random choices: the seedable generator of gs_rng.h (xoshiro256**), feeding the
 * route table's weighted backend choice (gs_rt_rule_pick_backend), and mirror sampling.
 * Deterministic for a given seed so that a run with --seed can be replayed. One generator per
 * event loop; not thread-safe. */
#ifndef GS_GW_RNG_H
#define GS_GW_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gs_rng.h"

typedef gs_rng gs_gw_rng;

void gs_gw_rng_seed(gs_gw_rng *rng, uint64_t seed);
uint64_t gs_gw_rng_next(gs_gw_rng *rng);
/* Uniform in [0, n) without modulo bias; n must be > 0. */
uint64_t gs_gw_rng_below(gs_gw_rng *rng, uint64_t n);

/* True with probability numerator / denominator (mirror fraction; percent p is p/100).
 * denominator 0 is treated as 100; numerator >= denominator is always true. */
bool gs_gw_rng_sample(gs_gw_rng *rng, uint32_t numerator, uint32_t denominator);

#endif
