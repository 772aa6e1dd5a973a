/* SPDX-License-Identifier: MIT */
/* Binomial distribution, exact test, acceptance regions, power and Wilson intervals
 * (gs_binom.h). Probabilities are compared in log space; tails come from the regularized
 * incomplete beta function, never from summing pmfs. */
#include "gs_binom.h"

#include "gs_special.h"

#include <math.h>
#include <stdbool.h>

/* scipy.stats.binomtest's tolerance when comparing pmfs of the two tails. */
#define BINOM_RERR (1.0 + 1e-7)

double gs_binom_logpmf(uint64_t k, uint64_t n, double p)
{
    if (k > n || !(p >= 0) || !(p <= 1))
        return -INFINITY;
    if (p == 0)
        return k == 0 ? 0.0 : -INFINITY;
    if (p == 1)
        return k == n ? 0.0 : -INFINITY;
    double dk = (double)k, dn = (double)n;
    return lgamma(dn + 1) - lgamma(dk + 1) - lgamma(dn - dk + 1) + dk * log(p) +
           (dn - dk) * log1p(-p);
}

double gs_binom_cdf(uint64_t k, uint64_t n, double p)
{
    if (k >= n)
        return 1.0;
    if (p <= 0)
        return 1.0;
    if (p >= 1)
        return 0.0;
    /* P(X <= k) = 1 - I_p(k + 1, n - k). */
    return gs_special_betaincc((double)k + 1, (double)(n - k), p);
}

double gs_binom_sf_ge(uint64_t k, uint64_t n, double p)
{
    if (k == 0)
        return 1.0;
    if (k > n)
        return 0.0;
    if (p <= 0)
        return 0.0;
    if (p >= 1)
        return 1.0;
    /* P(X >= k) = I_p(k, n - k + 1). */
    return gs_special_betainc((double)k, (double)(n - k + 1), p);
}

/* Bisections over a monotone stretch of the pmf, comparing logs against |lbound|. */
static uint64_t binom_search_up(uint64_t lo, uint64_t hi, uint64_t n, double p, double lbound)
{
    /* pmf non-increasing on [lo, hi]: smallest j with logpmf(j) <= lbound. */
    uint64_t a = lo, b = hi + 1;
    while (a < b) {
        uint64_t mid = a + (b - a) / 2;
        if (gs_binom_logpmf(mid, n, p) <= lbound)
            b = mid;
        else
            a = mid + 1;
    }
    return a;
}

static uint64_t binom_search_down(uint64_t lo, uint64_t hi, uint64_t n, double p, double lbound)
{
    /* pmf non-decreasing on [lo, hi]: number of j in [lo, hi] with logpmf(j) <= lbound. */
    uint64_t a = lo, b = hi + 1;
    while (a < b) {
        uint64_t mid = a + (b - a) / 2;
        if (gs_binom_logpmf(mid, n, p) <= lbound)
            a = mid + 1;
        else
            b = mid;
    }
    return a - lo;
}

double gs_binom_test(uint64_t k, uint64_t n, double p)
{
    if (k > n || !(p >= 0) || !(p <= 1))
        return NAN;
    if (n == 0)
        return 1.0;
    if (p == 0)
        return k == 0 ? 1.0 : 0.0;
    if (p == 1)
        return k == n ? 1.0 : 0.0;
    double mean = p * (double)n;
    double ld = gs_binom_logpmf(k, n, p);
    double lbound = ld + log(BINOM_RERR);
    double pval;
    if ((double)k == mean)
        return 1.0;
    if ((double)k < mean) {
        /* The other tail: outcomes above the mean no more likely than k. */
        uint64_t from = (uint64_t)ceil(mean);
        uint64_t j = binom_search_up(from, n, n, p, lbound);
        pval = gs_binom_cdf(k, n, p) + (j <= n ? gs_binom_sf_ge(j, n, p) : 0.0);
    } else {
        uint64_t to = (uint64_t)floor(mean);
        uint64_t y = binom_search_down(0, to, n, p, lbound); /* outcomes 0..y-1 */
        pval = (y > 0 ? gs_binom_cdf(y - 1, n, p) : 0.0) + gs_binom_sf_ge(k, n, p);
    }
    return pval < 1.0 ? pval : 1.0;
}

void gs_binom_acceptance(uint64_t n, double p, double alpha, uint64_t *lo, uint64_t *hi)
{
    /* The p-value rises towards the mode from either side, so the accepted outcomes are an
     * interval; find its ends by bisection on each side of the mean. */
    uint64_t mean_lo = (uint64_t)floor(p * (double)n), mean_hi = (uint64_t)ceil(p * (double)n);
    if (mean_hi > n)
        mean_hi = n;
    uint64_t a = 0, b = mean_lo;
    if (gs_binom_test(mean_lo, n, p) <= alpha) {
        /* Nothing below the mean is accepted (degenerate p or huge alpha). */
        a = mean_lo + 1;
    } else {
        while (a < b) { /* smallest k in [0, mean_lo] with p-value > alpha */
            uint64_t mid = a + (b - a) / 2;
            if (gs_binom_test(mid, n, p) > alpha)
                b = mid;
            else
                a = mid + 1;
        }
    }
    *lo = a;
    a = mean_hi;
    b = n;
    if (gs_binom_test(mean_hi, n, p) <= alpha) {
        *hi = mean_hi > 0 ? mean_hi - 1 : 0;
        return;
    }
    while (a < b) { /* largest k in [mean_hi, n] with p-value > alpha */
        uint64_t mid = a + (b - a + 1) / 2;
        if (gs_binom_test(mid, n, p) > alpha)
            a = mid;
        else
            b = mid - 1;
    }
    *hi = a;
}

double gs_binom_power(uint64_t n, double p, double alpha, double p_true)
{
    uint64_t lo, hi;
    gs_binom_acceptance(n, p, alpha, &lo, &hi);
    double below = lo > 0 ? gs_binom_cdf(lo - 1, n, p_true) : 0.0;
    double above = hi < n ? gs_binom_sf_ge(hi + 1, n, p_true) : 0.0;
    double power = below + above;
    return power < 1.0 ? power : 1.0;
}

/* Bisects [a, b] for the boundary between accepted (p-value > level) and rejected shares;
 * |accepted_at_b|: which end is accepted. Returns the accepted end, to 1e-10. */
static double binom_accepted_edge(uint64_t k, uint64_t n, double level, double a, double b,
                                  bool accepted_at_b)
{
    while (fabs(b - a) > 1e-10) {
        double mid = 0.5 * (a + b);
        bool acc = gs_binom_test(k, n, mid) > level;
        if (acc == accepted_at_b)
            b = mid;
        else
            a = mid;
    }
    return b;
}

void gs_binom_accepted(uint64_t k, uint64_t n, double level, double *lo, double *hi)
{
    *lo = 0.0;
    *hi = 1.0;
    if (n == 0)
        return;
    double phat = (double)k / (double)n;
    /* Below k/n the p-value rises towards k/n (and is 0 at p0 = 0 when k > 0), above it falls.
     * A Wilson interval at a thousandth of the level is wider than the exact one: when its
     * ends are rejected they bracket the edges closely, which saves most of the bisection. */
    double wlo, whi;
    gs_binom_wilson(k, n, level * 1e-3, &wlo, &whi);
    if (k > 0) {
        double from = wlo > 0 && gs_binom_test(k, n, wlo) <= level ? wlo : 0.0;
        *lo = binom_accepted_edge(k, n, level, from, phat, true);
    }
    if (k < n) {
        double to = whi < 1 && gs_binom_test(k, n, whi) <= level ? whi : 1.0;
        *hi = binom_accepted_edge(k, n, level, to, phat, true);
    }
}

void gs_binom_wilson(uint64_t k, uint64_t n, double alpha, double *lo, double *hi)
{
    if (n == 0) {
        *lo = 0.0;
        *hi = 1.0;
        return;
    }
    double z = gs_special_norm_isf(alpha / 2.0);
    double dn = (double)n, phat = (double)k / dn, z2 = z * z;
    double denom = 1.0 + z2 / dn;
    double centre = (phat + z2 / (2.0 * dn)) / denom;
    double half = z * sqrt(phat * (1.0 - phat) / dn + z2 / (4.0 * dn * dn)) / denom;
    *lo = centre - half < 0.0 ? 0.0 : centre - half;
    *hi = centre + half > 1.0 ? 1.0 : centre + half;
    /* Exact ends where the data pin them: no successes means the lower bound is 0. */
    if (k == 0)
        *lo = 0.0;
    if (k == n)
        *hi = 1.0;
}
