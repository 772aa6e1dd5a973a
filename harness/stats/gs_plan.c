/* SPDX-License-Identifier: MIT */
/* Power, detectable deviations and `requests: auto` for split checks (gs_plan.h). Always
 * planned against the method gs_gof_split will choose at that n, so plan and test agree. */
#include "gs_plan.h"

#include "gs_binom.h"
#include "gs_gof.h"
#include "gs_special.h"

#include <math.h>
#include <stdlib.h>

static unsigned plan_active(const double *shares, size_t k)
{
    unsigned m = 0;
    for (size_t i = 0; i < k; i++)
        m += shares[i] > 0;
    return m;
}

/* Power against the alternatives p + delta and p - delta that are probabilities: the smaller of
 * the two; NAN when neither is. |lo|..|hi| is the test's acceptance region. */
static double plan_exact_power(uint64_t n, double p, double delta, uint64_t lo, uint64_t hi)
{
    double best = NAN;
    for (int dir = -1; dir <= 1; dir += 2) {
        double alt = p + dir * delta;
        if (alt < 0 || alt > 1)
            continue;
        double below = lo > 0 ? gs_binom_cdf(lo - 1, n, alt) : 0.0;
        double above = hi < n ? gs_binom_sf_ge(hi + 1, n, alt) : 0.0;
        double power = below + above > 1.0 ? 1.0 : below + above;
        if (isnan(best) || power < best)
            best = power;
    }
    return best;
}

/* The level the per-backend exact test runs at under the method chosen for n. */
static double plan_level(gs_gof_method method, unsigned m, double alpha)
{
    return method == GS_GOF_BINOMIAL_HOLM ? alpha / m : alpha;
}

double gs_plan_power_backend(const double *shares, size_t k, size_t i, uint64_t n, double alpha,
                             double delta)
{
    double p = shares[i];
    if (!(p > 0) || !(delta > 0) || n == 0)
        return NAN;
    if (delta > (p > 1 - p ? p : 1 - p))
        return NAN;
    unsigned m = plan_active(shares, k);
    gs_gof_method method = gs_gof_choose(shares, k, n);
    if (method == GS_GOF_SINGLE) /* the deviation lands on zero-weight backends: one hit fails */
        return -expm1((double)n * log1p(-delta));
    if (method == GS_GOF_G_TEST) {
        double df = (double)(m - 1);
        double lambda = (double)n * delta * delta / (p * (1 - p));
        return gs_special_ncx2_sf(gs_special_chi2_isf(alpha, df), df, lambda);
    }
    uint64_t lo, hi;
    gs_binom_acceptance(n, p, plan_level(method, m, alpha), &lo, &hi);
    return plan_exact_power(n, p, delta, lo, hi);
}

double gs_plan_detectable_backend(const double *shares, size_t k, size_t i, uint64_t n,
                                  double alpha, double power)
{
    double p = shares[i];
    if (!(p > 0) || n == 0)
        return NAN;
    double dmax = p > 1 - p ? p : 1 - p;
    unsigned m = plan_active(shares, k);
    gs_gof_method method = gs_gof_choose(shares, k, n);
    uint64_t lo = 0, hi = 0;
    bool exact = method == GS_GOF_BINOMIAL || method == GS_GOF_BINOMIAL_HOLM;
    if (exact) /* the acceptance region does not depend on delta: compute it once */
        gs_binom_acceptance(n, p, plan_level(method, m, alpha), &lo, &hi);
    double a = 0.0, b = dmax;
    double pw = exact ? plan_exact_power(n, p, b, lo, hi)
                      : gs_plan_power_backend(shares, k, i, n, alpha, b);
    if (!(pw >= power))
        return NAN;
    /* Power grows with delta: bisect to 1e-6 absolute share. */
    while (b - a > 1e-6) {
        double mid = 0.5 * (a + b);
        pw = exact ? plan_exact_power(n, p, mid, lo, hi)
                   : gs_plan_power_backend(shares, k, i, n, alpha, mid);
        if (pw >= power)
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

double gs_plan_detectable(const double *weights, size_t k, uint64_t n, double alpha, double power)
{
    double *shares = plan_shares(weights, k);
    if (shares == NULL)
        return NAN;
    double worst = NAN;
    for (size_t i = 0; i < k; i++) {
        if (shares[i] <= 0)
            continue;
        double d = gs_plan_detectable_backend(shares, k, i, n, alpha, power);
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

/* The least power over the backends (deviations that cannot happen are skipped). */
static double plan_power_all(const double *shares, size_t k, uint64_t n, double alpha, double delta)
{
    double least = 1.0;
    for (size_t i = 0; i < k; i++) {
        if (shares[i] <= 0)
            continue;
        double pw = gs_plan_power_backend(shares, k, i, n, alpha, delta);
        if (!isnan(pw) && pw < least)
            least = pw;
    }
    return least;
}

int gs_plan_requests(const double *weights, size_t k, double alpha, double power, double min_effect,
                     uint64_t *out_n, gs_error *err)
{
    if (!(alpha > 0 && alpha < 1))
        return gs_error_set(err, GS_ERR_INVALID, "alpha must be in (0, 1), not %g", alpha);
    if (!(power > 0 && power < 1))
        return gs_error_set(err, GS_ERR_INVALID, "power must be in (0, 1), not %g", power);
    if (!(min_effect > 0 && min_effect < 1))
        return gs_error_set(err, GS_ERR_INVALID, "minEffect must be in (0, 1), not %g", min_effect);
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
    while (plan_power_all(shares, k, hi, alpha, min_effect) < power) {
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
        if (plan_power_all(shares, k, mid, alpha, min_effect) >= power)
            hi = mid;
        else
            lo = mid;
    }
    free(shares);
    *out_n = hi;
    return 0;
}
