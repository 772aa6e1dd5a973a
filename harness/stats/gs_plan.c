/* SPDX-License-Identifier: MIT */
/* Power, detectable deviations and `requests: auto` for split checks (gs_plan.h). Planned
 * against the exact per-backend tests gs_gof_decide runs, so plan and test agree. */
#include "gs_plan.h"

#include "gs_binom.h"
#include "gs_gof.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

static unsigned plan_active(const double *shares, size_t k)
{
    unsigned m = 0;
    for (size_t i = 0; i < k; i++)
        m += shares[i] > 0;
    return m;
}

/* Backend i's test at n: its acceptance region, computed once per n. */
typedef struct plan_test {
    uint64_t n, accept_lo, accept_hi;
    double share;
} plan_test;

static void plan_test_init(plan_test *t, const double *shares, size_t k, size_t i, uint64_t n,
                           double alpha, double tolerance)
{
    double lo, hi;
    gs_gof_band(shares[i], tolerance, &lo, &hi);
    t->n = n;
    t->share = shares[i];
    gs_gof_band_acceptance(n, lo, hi, gs_gof_level(plan_active(shares, k), alpha), &t->accept_lo,
                           &t->accept_hi);
}

/* P(reject) when the true share is |truth| (any value in [0, 1], 0 and 1 included). */
static double plan_test_power(const plan_test *t, double truth)
{
    double below = t->accept_lo > 0 ? gs_binom_cdf(t->accept_lo - 1, t->n, truth) : 0.0;
    double above = t->accept_hi < t->n ? gs_binom_sf_ge(t->accept_hi + 1, t->n, truth) : 0.0;
    return below + above > 1.0 ? 1.0 : below + above;
}

/* The smaller power of the two directions, each alternative clamped to a probability. */
static double plan_test_worst(const plan_test *t, double delta)
{
    double down = t->share - delta, up = t->share + delta;
    double pd = plan_test_power(t, down < 0 ? 0.0 : down);
    double pu = plan_test_power(t, up > 1 ? 1.0 : up);
    return pd < pu ? pd : pu;
}

double gs_plan_power_backend(const double *shares, size_t k, size_t i, uint64_t n, double alpha,
                             double tolerance, double delta)
{
    if (!(shares[i] > 0) || !(delta > 0) || n == 0)
        return NAN;
    if (plan_active(shares, k) == 1) /* the deviation lands on zero-weight backends */
        return -expm1((double)n * log1p(-(delta < 1 ? delta : 1)));
    plan_test t;
    plan_test_init(&t, shares, k, i, n, alpha, tolerance);
    return plan_test_worst(&t, delta);
}

double gs_plan_detectable_backend(const double *shares, size_t k, size_t i, uint64_t n,
                                  double alpha, double tolerance, double power)
{
    double p = shares[i];
    if (!(p > 0) || n == 0)
        return NAN;
    double dmax = p > 1 - p ? p : 1 - p; /* beyond it both alternatives are clamped */
    if (plan_active(shares, k) == 1)
        return -expm1(log1p(-power) / (double)n);
    plan_test t;
    plan_test_init(&t, shares, k, i, n, alpha, tolerance);
    if (!(plan_test_worst(&t, dmax) >= power))
        return NAN;
    /* Power grows with delta (each direction's alternative moves away from the band): bisect
     * to 1e-6 absolute share. */
    double a = 0.0, b = dmax;
    while (b - a > 1e-6) {
        double mid = 0.5 * (a + b);
        if (plan_test_worst(&t, mid) >= power)
            b = mid;
        else
            a = mid;
    }
    return b;
}

/* Normalises |weights| into a new array of shares; NULL when they are not valid weights. */
static double *plan_shares(const double *weights, size_t k)
{
    double total = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (!(weights[i] >= 0) || isinf(weights[i]))
            return NULL;
        total += weights[i];
    }
    if (!(total > 0))
        return NULL;
    double *shares = calloc(k, sizeof(*shares));
    if (shares == NULL)
        abort();
    for (size_t i = 0; i < k; i++)
        shares[i] = weights[i] / total;
    return shares;
}

/* Backends with the same share have the same test: plan each share once. */
static bool plan_seen_before(const double *shares, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (shares[j] == shares[i])
            return true;
    return false;
}

double gs_plan_detectable(const double *weights, size_t k, uint64_t n, double alpha,
                          double tolerance, double power)
{
    double *shares = plan_shares(weights, k);
    if (shares == NULL)
        return NAN;
    double worst = NAN;
    for (size_t i = 0; i < k; i++) {
        if (shares[i] <= 0 || plan_seen_before(shares, i))
            continue;
        double d = gs_plan_detectable_backend(shares, k, i, n, alpha, tolerance, power);
        if (isnan(d)) {
            worst = NAN;
            break;
        }
        if (isnan(worst) || d > worst)
            worst = d;
    }
    free(shares);
    return worst;
}

/* The least power over the backends. */
static double plan_power_all(const double *shares, size_t k, uint64_t n, double alpha,
                             double tolerance, double delta)
{
    double least = 1.0;
    for (size_t i = 0; i < k; i++) {
        if (shares[i] <= 0 || plan_seen_before(shares, i))
            continue;
        double pw = gs_plan_power_backend(shares, k, i, n, alpha, tolerance, delta);
        if (!isnan(pw) && pw < least)
            least = pw;
    }
    return least;
}

int gs_plan_requests(const double *weights, size_t k, double alpha, double tolerance,
                     double power, double min_effect, uint64_t *out_n, gs_error *err)
{
    if (!(alpha > 0 && alpha < 1))
        return gs_error_set(err, GS_ERR_INVALID, "alpha must be in (0, 1), not %g", alpha);
    if (!(power > 0 && power < 1))
        return gs_error_set(err, GS_ERR_INVALID, "power must be in (0, 1), not %g", power);
    if (!(min_effect > 0 && min_effect < 1))
        return gs_error_set(err, GS_ERR_INVALID, "minEffect must be in (0, 1), not %g", min_effect);
    if (!(tolerance >= 0 && tolerance < min_effect))
        return gs_error_set(err, GS_ERR_INVALID,
                            "tolerance must be in [0, minEffect), not %g (minEffect %g)",
                            tolerance, min_effect);
    double *shares = plan_shares(weights, k);
    if (shares == NULL)
        return gs_error_set(err, GS_ERR_INVALID,
                            "weights must be finite, >= 0, and at least one positive");
    if (plan_active(shares, k) <= 1) {
        free(shares);
        *out_n = 1;
        return 0;
    }
    /* Double until the power is reached, then bisect back to the first n that reaches it. */
    uint64_t lo = 1, hi = 8;
    while (plan_power_all(shares, k, hi, alpha, tolerance, min_effect) < power) {
        if (hi >= GS_PLAN_MAX_REQUESTS) {
            free(shares);
            return gs_error_set(err, GS_ERR_RANGE,
                                "detecting a deviation of %g with power %g at alpha %g needs more "
                                "than %llu requests",
                                min_effect, power, alpha, (unsigned long long)GS_PLAN_MAX_REQUESTS);
        }
        lo = hi;
        hi = hi * 2 > GS_PLAN_MAX_REQUESTS ? GS_PLAN_MAX_REQUESTS : hi * 2;
    }
    while (lo + 1 < hi) { /* invariant: power(hi) >= target */
        uint64_t mid = lo + (hi - lo) / 2;
        if (plan_power_all(shares, k, mid, alpha, tolerance, min_effect) >= power)
            hi = mid;
        else
            lo = mid;
    }
    free(shares);
    *out_n = hi;
    return 0;
}
