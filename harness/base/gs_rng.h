/* SPDX-License-Identifier: MIT */
/* A small seedable generator: xoshiro256** (Blackman & Vigna), its state filled from the seed
 * by splitmix64. One implementation for every user that wants a fixed, reproducible stream: the
 * gateway's weighted choices (gs_gw_rng, so a --seed run replays), the statistics simulations
 * (bench/stats_sim) and the unit tests that simulate. Not cryptographic; not thread-safe (one
 * generator per thread or event loop). */
#ifndef GS_RNG_H
#define GS_RNG_H

#include <stdint.h>

typedef struct gs_rng {
    uint64_t s[4];
} gs_rng;

/* The state for |seed|: every seed, 0 included, gives a usable (non-zero) state. */
void gs_rng_seed(gs_rng *rng, uint64_t seed);
/* The next 64 random bits. */
uint64_t gs_rng_next(gs_rng *rng);
/* Uniform in [0, 1): the top 53 bits of the next output, so every value is a multiple of 2^-53. */
double gs_rng_uniform(gs_rng *rng);

#endif
