/* SPDX-License-Identifier: MIT */
/* Goodness-of-fit decisions for splits and mirror fractions (gs_gof.h): tolerance bands, exact
 * per-backend tests, Holm's correction and the simultaneous intervals that show the decision.
 * The sample-size side lives in gs_plan.c. */
#include "gs_gof.h"

#include "gs_binom.h"
#include "gs_plan.h"

#include <math.h>
#include <stdlib.h>

const char *gs_gof_method_name(gs_gof_method m)
{
    switch (m) {
    case GS_GOF_SINGLE:
        return "single";
    case GS_GOF_BINOMIAL:
        return "exact-binomial";
    case GS_GOF_BINOMIAL_HOLM:
        return "exact-binomial-holm";
    }
    return "unknown";
}

gs_gof_method gs_gof_choose(const double *shares, size_t k)
{
    unsigned m = 0;
    for (size_t i = 0; i < k; i++)
        m += shares[i] > 0;
    if (m <= 1)
        return GS_GOF_SINGLE;
    return m == 2 ? GS_GOF_BINOMIAL : GS_GOF_BINOMIAL_HOLM;
}

double gs_gof_level(unsigned m, double alpha)
{
    return m >= 3 ? alpha / m : alpha;
}

void gs_gof_band(double share, double tolerance, double *lo, double *hi)
{
    double t = tolerance;
    if (share / 2 < t)
        t = share / 2;
    if ((1 - share) / 2 < t)
        t = (1 - share) / 2;
    if (!(t > 0))
        t = 0;
    *lo = share - t;
    *hi = share + t;
}

double gs_gof_band_test(uint64_t k, uint64_t n, double lo, double hi)
{
    if (n == 0)
        return 1.0;
    double phat = (double)k / (double)n;
    if (phat < lo)
        return gs_binom_test(k, n, lo);
    if (phat > hi)
        return gs_binom_test(k, n, hi);
    return 1.0;
}

void gs_gof_band_acceptance(uint64_t n, double lo, double hi, double level, uint64_t *accept_lo,
                            uint64_t *accept_hi)
{
    /* Below the band only the lower end's test can reject, above it only the upper end's; the
     * point tests' acceptance regions reach into the band, so together they bound one
     * interval. */
    uint64_t a, b;
    gs_binom_acceptance(n, lo, level, &a, &b);
    *accept_lo = a;
    gs_binom_acceptance(n, hi, level, &a, &b);
    *accept_hi = b;
}

typedef struct gof_rank {
    size_t index;
    double p;
} gof_rank;

static int gof_rank_cmp(const void *a, const void *b)
{
    double pa = ((const gof_rank *)a)->p, pb = ((const gof_rank *)b)->p;
    return pa < pb ? -1 : pa > pb ? 1 : 0;
}

/* Holm step-down adjusted p-values of the backends with positive share (m of them). */
static void gof_holm(gs_gof_backend *b, size_t k, unsigned m)
{
    gof_rank small[32];
    gof_rank *rank = m <= 32 ? small : calloc(m, sizeof(*rank));
    if (rank == NULL)
        abort();
    unsigned r = 0;
    for (size_t i = 0; i < k; i++)
        if (b[i].expected_share > 0)
            rank[r++] = (gof_rank){i, b[i].p_value};
    qsort(rank, m, sizeof(*rank), gof_rank_cmp);
    double running = 0.0;
    for (unsigned j = 0; j < m; j++) {
        double adj = (double)(m - j) * rank[j].p;
        if (adj > 1.0)
            adj = 1.0;
        if (adj < running)
            adj = running; /* adjusted p-values never decrease along the order */
        running = adj;
        b[rank[j].index].p_adjusted = adj;
    }
    if (rank != small)
        free(rank);
}

static int gof_check_args(const gs_gof_backend *b, size_t k, double alpha, double tolerance,
                          double *total, uint64_t *n, gs_error *err)
{
    if (!(alpha > 0 && alpha < 1))
        return gs_error_set(err, GS_ERR_INVALID, "alpha must be in (0, 1), not %g", alpha);
    if (!(tolerance >= 0 && tolerance < 0.5))
        return gs_error_set(err, GS_ERR_INVALID, "tolerance must be in [0, 0.5), not %g",
                            tolerance);
    *total = 0.0;
    *n = 0;
    for (size_t i = 0; i < k; i++) {
        if (!(b[i].weight >= 0) || isinf(b[i].weight))
            return gs_error_set(err, GS_ERR_INVALID,
                                "weight %zu is %g: weights must be finite and >= 0", i,
                                b[i].weight);
        *total += b[i].weight;
        *n += b[i].count;
    }
    if (!(*total > 0))
        return gs_error_set(err, GS_ERR_INVALID, "no backend has a positive weight");
    if (*n == 0)
        return gs_error_set(err, GS_ERR_INVALID, "no responses were counted: nothing to test");
    return 0;
}

int gs_gof_decide(gs_gof_backend *b, size_t k, double alpha, double tolerance, gs_gof_result *out,
                  gs_error *err)
{
    double total = 0.0;
    uint64_t n = 0, n_active = 0;
    int rc = gof_check_args(b, k, alpha, tolerance, &total, &n, err);
    if (rc < 0)
        return rc;
    unsigned m = 0;
    for (size_t i = 0; i < k; i++) {
        b[i].expected_share = b[i].weight / total;
        if (b[i].weight > 0) {
            m++;
            n_active += b[i].count;
        }
    }
    *out = (gs_gof_result){.n = n, .active = m, .level = gs_gof_level(m, alpha),
                           .detectable = NAN};
    out->method = m <= 1 ? GS_GOF_SINGLE : m == 2 ? GS_GOF_BINOMIAL : GS_GOF_BINOMIAL_HOLM;
    for (size_t i = 0; i < k; i++) {
        gs_gof_backend *x = &b[i];
        x->observed_share = (double)x->count / (double)n;
        x->p_value = x->p_adjusted = NAN;
        x->band_low = x->band_high = x->expected_share;
        x->violates = false;
        if (x->expected_share == 0) {
            if (x->count > 0) { /* one request is proof: no statistics */
                x->violates = true;
                x->p_value = x->p_adjusted = 0.0;
                out->zero_weight_hit = true;
            }
            continue;
        }
        gs_gof_band(x->expected_share, tolerance, &x->band_low, &x->band_high);
        if (m >= 2 && n_active > 0) /* judged among the requests weighted backends answered */
            x->p_value = x->p_adjusted =
                gs_gof_band_test(x->count, n_active, x->band_low, x->band_high);
    }
    double p = 1.0;
    if (m >= 3 && n_active > 0)
        gof_holm(b, k, m);
    /* m == 2: one count fixes the other and the bands have one width: the same test twice. */
    for (size_t i = 0; i < k; i++) {
        if (b[i].expected_share > 0 && m >= 2 && n_active > 0) {
            if (b[i].p_adjusted < p)
                p = b[i].p_adjusted;
            b[i].violates = b[i].p_adjusted <= alpha;
        }
    }
    out->p_value = out->zero_weight_hit ? 0.0 : p;
    out->passed = !out->zero_weight_hit && out->p_value > alpha;
    return 0;
}

int gs_gof_split(gs_gof_backend *b, size_t k, double alpha, double tolerance, double power,
                 gs_gof_result *out, gs_error *err)
{
    if (!(power > 0 && power < 1))
        return gs_error_set(err, GS_ERR_INVALID, "power must be in (0, 1), not %g", power);
    int rc = gs_gof_decide(b, k, alpha, tolerance, out, err);
    if (rc < 0)
        return rc;
    uint64_t n = out->n, n_active = 0;
    double *shares = calloc(k, sizeof(*shares));
    if (shares == NULL)
        abort();
    for (size_t i = 0; i < k; i++) {
        shares[i] = b[i].expected_share;
        if (shares[i] > 0)
            n_active += b[i].count;
    }
    /* The share it takes a zero-weight backend to show up at least once with |power|. */
    double zero_detect = -expm1(log1p(-power) / (double)n);
    const gs_gof_backend *first = NULL; /* m == 2: the other backend's test is this one */
    for (size_t i = 0; i < k; i++) {
        gs_gof_backend *x = &b[i];
        if (out->active == 2 && shares[i] > 0 && first != NULL && n_active > 0) {
            x->ci_low = 1 - first->ci_high;
            x->ci_high = 1 - first->ci_low;
            x->detectable = first->detectable;
        } else if (shares[i] == 0 || out->active < 2 || n_active == 0) {
            gs_binom_accepted(x->count, n, out->level, &x->ci_low, &x->ci_high);
            x->detectable = shares[i] == 0 || out->active == 1 ? zero_detect : NAN;
        } else {
            gs_binom_accepted(x->count, n_active, out->level, &x->ci_low, &x->ci_high);
            x->detectable =
                gs_plan_detectable_backend(shares, k, i, n_active, alpha, tolerance, power);
            first = x;
        }
        if (shares[i] > 0 && (isnan(out->detectable) || x->detectable > out->detectable))
            out->detectable = x->detectable;
    }
    free(shares);
    return 0;
}

int gs_gof_fraction(uint64_t hits, uint64_t n, double fraction, double alpha, double tolerance,
                    gs_gof_fraction_result *out, gs_error *err)
{
    if (!(fraction >= 0 && fraction <= 1))
        return gs_error_set(err, GS_ERR_INVALID, "fraction must be in [0, 1], not %g", fraction);
    if (!(alpha > 0 && alpha < 1))
        return gs_error_set(err, GS_ERR_INVALID, "alpha must be in (0, 1), not %g", alpha);
    if (!(tolerance >= 0 && tolerance < 0.5))
        return gs_error_set(err, GS_ERR_INVALID, "tolerance must be in [0, 0.5), not %g",
                            tolerance);
    if (hits > n)
        return gs_error_set(err, GS_ERR_INVALID, "%llu hits out of %llu requests",
                            (unsigned long long)hits, (unsigned long long)n);
    if (n == 0)
        return gs_error_set(err, GS_ERR_INVALID, "no requests were sent: nothing to test");
    *out = (gs_gof_fraction_result){0};
    out->observed = (double)hits / (double)n;
    gs_binom_accepted(hits, n, alpha, &out->ci_low, &out->ci_high);
    if (fraction == 1.0 || fraction == 0.0) {
        out->exact = true;
        out->passed = fraction == 1.0 ? hits == n : hits == 0;
        out->p_value = out->passed ? 1.0 : 0.0;
        return 0;
    }
    double lo, hi;
    gs_gof_band(fraction, tolerance, &lo, &hi);
    out->p_value = gs_gof_band_test(hits, n, lo, hi);
    out->passed = out->p_value > alpha;
    return 0;
}
