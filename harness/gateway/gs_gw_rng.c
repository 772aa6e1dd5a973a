/* SPDX-License-Identifier: MIT */
/* The gateway's choices built on gs_rng (one generator implementation for the whole project). */
#include "gs_gw_rng.h"

void gs_gw_rng_seed(gs_gw_rng *rng, uint64_t seed)
{
    gs_rng_seed(rng, seed);
}

uint64_t gs_gw_rng_next(gs_gw_rng *rng)
{
    return gs_rng_next(rng);
}

uint64_t gs_gw_rng_below(gs_gw_rng *rng, uint64_t n)
{
    /* Rejection sampling: drop the top partial bucket so every residue is equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = gs_gw_rng_next(rng);
    } while (x >= limit);
    return x % n;
}

bool gs_gw_rng_sample(gs_gw_rng *rng, uint32_t numerator, uint32_t denominator)
{
    if (denominator == 0)
        denominator = 100;
    if (numerator >= denominator)
        return true;
    if (numerator == 0)
        return false;
    return gs_gw_rng_below(rng, denominator) < numerator;
}
