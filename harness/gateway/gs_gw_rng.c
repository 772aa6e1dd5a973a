/* SPDX-License-Identifier: MIT */
/* xoshiro256** (Blackman & Vigna, public domain algorithm) and the choices built on it. */
#include "gs_gw_rng.h"

static uint64_t rng_splitmix(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void gs_gw_rng_seed(gs_gw_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = rng_splitmix(&x);
}

uint64_t gs_gw_rng_next(gs_gw_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
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
