/* SPDX-License-Identifier: MIT */
/* Goodness-of-fit decisions for splits and mirror fractions (gs_gof.h): picks the method,
 * computes p-values, corrections and intervals. The sample-size side lives in gs_plan.c. */
#include "gs_gof.h"

#include "gs_binom.h"
#include "gs_plan.h"
#include "gs_special.h"

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
    case GS_GOF_G_TEST:
        return "g-test";
    }
    return "unknown";
}

gs_gof_method gs_gof_choose(const double *shares, size_t k, uint64_t n)
{
    unsigned m = 0;
    double min_expected = INFINITY;
    for (size_t i = 0; i < k; i++) {
        if (shares[i] > 0) {
            m++;
            if (shares[i] * (double)n < min_expected)
                min_expected = shares[i] * (double)n;
        }
    }
    if (m <= 1)
        return GS_GOF_SINGLE;
    if (m == 2)
        return GS_GOF_BINOMIAL;
    return min_expected >= GS_GOF_G_MIN_EXPECTED ? GS_GOF_G_TEST : GS_GOF_BINOMIAL_HOLM;
}

double gs_gof_g_statistic(const uint64_t *counts, const double *shares, size_t k)
{
    uint64_t n = 0;
    for (size_t i = 0; i < k; i++)
        if (shares[i] > 0)
            n += counts[i];
    double g = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (shares[i] <= 0 || counts[i] == 0)
            continue; /* 0 * ln 0 = 0 */
        double o = (double)counts[i], e = shares[i] * (double)n;
        g += o * log(o / e);
    }
    return 2.0 * g;
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
static void gof_holm(gs_gof_backend *b, const double *shares, size_t k, unsigned m)
{
    gof_rank *rank = calloc(m, sizeof(*rank));
    if (rank == NULL)
        abort();
    unsigned r = 0;
    for (size_t i = 0; i < k; i++)
        if (shares[i] > 0)
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
    free(rank);
}

int gs_gof_split(gs_gof_backend *b, size_t k, double alpha, double power, gs_gof_result *out,
                 gs_error *err)
{
    if (!(alpha > 0 && alpha < 1))
        return gs_error_set(err, GS_ERR_INVALID, "alpha must be in (0, 1), not %g", alpha);
    if (!(power > 0 && power < 1))
        return gs_error_set(err, GS_ERR_INVALID, "power must be in (0, 1), not %g", power);
    double total = 0.0;
    uint64_t n = 0, n_active = 0;
    for (size_t i = 0; i < k; i++) {
        if (!(b[i].weight >= 0) || isinf(b[i].weight))
            return gs_error_set(err, GS_ERR_INVALID,
                                "weight %zu is %g: weights must be finite and >= 0", i,
                                b[i].weight);
        total += b[i].weight;
        n += b[i].count;
        if (b[i].weight > 0)
            n_active += b[i].count;
    }
    if (!(total > 0))
        return gs_error_set(err, GS_ERR_INVALID, "no backend has a positive weight");
    if (n == 0)
        return gs_error_set(err, GS_ERR_INVALID, "no responses were counted: nothing to test");

    double *shares = calloc(k, sizeof(*shares));
    uint64_t *counts = calloc(k, sizeof(*counts));
    if (shares == NULL || counts == NULL)
        abort();
    unsigned m = 0;
    for (size_t i = 0; i < k; i++) {
        shares[i] = b[i].weight / total;
        counts[i] = b[i].count;
        m += shares[i] > 0;
    }

    *out = (gs_gof_result){.n = n, .active = m, .statistic = NAN, .detectable = NAN};
    out->method = gs_gof_choose(shares, k, n_active);
    double zero_detect = -expm1(log1p(-power) / (double)n);
    for (size_t i = 0; i < k; i++) {
        gs_gof_backend *x = &b[i];
        x->expected_share = shares[i];
        x->observed_share = (double)x->count / (double)n;
        gs_binom_wilson(x->count, n, alpha, &x->ci_low, &x->ci_high);
        x->p_value = NAN;
        x->p_adjusted = NAN;
        x->violates = false;
        if (shares[i] == 0) {
            /* One request is proof; the share it takes to show up with probability |power|: */
            x->detectable = zero_detect;
            if (x->count > 0) {
                x->violates = true;
                x->p_value = x->p_adjusted = 0.0;
                out->zero_weight_hit = true;
            }
        } else if (m >= 2 && n_active > 0) {
            x->p_value = gs_binom_test(x->count, n_active, shares[i]);
            x->p_adjusted = x->p_value;
            x->detectable = gs_plan_detectable_backend(shares, k, i, n_active, alpha, power);
        } else {
            x->detectable = m == 1 ? zero_detect : NAN;
        }
        if (shares[i] > 0 && (isnan(out->detectable) || x->detectable > out->detectable))
            out->detectable = x->detectable;
    }

    double p = 1.0;
    switch (out->method) {
    case GS_GOF_SINGLE:
        break;
    case GS_GOF_BINOMIAL:
        /* Both backends' tests are the same test (one count fixes the other): no correction. */
        for (size_t i = 0; i < k; i++)
            if (shares[i] > 0 && n_active > 0)
                p = b[i].p_value;
        break;
    case GS_GOF_BINOMIAL_HOLM:
    case GS_GOF_G_TEST:
        if (n_active > 0) {
            gof_holm(b, shares, k, m);
            for (size_t i = 0; i < k; i++)
                if (shares[i] > 0 && b[i].p_adjusted < p)
                    p = b[i].p_adjusted;
        }
        if (out->method == GS_GOF_G_TEST) {
            out->statistic = gs_gof_g_statistic(counts, shares, k);
            p = gs_special_chi2_sf(out->statistic, (double)(m - 1));
        }
        break;
    }
    if (n_active == 0 && m >= 1)
        p = 1.0; /* every request went to zero-weight backends: failed below anyway */
    for (size_t i = 0; i < k; i++)
        if (shares[i] > 0 && out->method != GS_GOF_SINGLE && b[i].p_adjusted <= alpha)
            b[i].violates = true;
    out->p_value = out->zero_weight_hit ? 0.0 : p;
    out->passed = !out->zero_weight_hit && out->p_value > alpha;
    free(shares);
    free(counts);
    return 0;
}

int gs_gof_fraction(uint64_t hits, uint64_t n, double fraction, double alpha,
                    gs_gof_fraction_result *out, gs_error *err)
{
    if (!(fraction >= 0 && fraction <= 1))
        return gs_error_set(err, GS_ERR_INVALID, "fraction must be in [0, 1], not %g", fraction);
    if (!(alpha > 0 && alpha < 1))
        return gs_error_set(err, GS_ERR_INVALID, "alpha must be in (0, 1), not %g", alpha);
    if (hits > n)
        return gs_error_set(err, GS_ERR_INVALID, "%llu hits out of %llu requests",
                            (unsigned long long)hits, (unsigned long long)n);
    if (n == 0)
        return gs_error_set(err, GS_ERR_INVALID, "no requests were sent: nothing to test");
    *out = (gs_gof_fraction_result){0};
    out->observed = (double)hits / (double)n;
    gs_binom_wilson(hits, n, alpha, &out->ci_low, &out->ci_high);
    if (fraction == 1.0 || fraction == 0.0) {
        out->exact = true;
        out->passed = fraction == 1.0 ? hits == n : hits == 0;
        out->p_value = out->passed ? 1.0 : 0.0;
        return 0;
    }
    out->p_value = gs_binom_test(hits, n, fraction);
    out->passed = out->p_value > alpha;
    return 0;
}
