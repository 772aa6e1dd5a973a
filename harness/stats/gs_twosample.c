/* SPDX-License-Identifier: MIT */
/* Fisher's exact test and the two-sample comparison of outcome counts (gs_twosample.h). The
 * hypergeometric pmf is computed in log space from lgamma; the p-value sums the pmfs of the
 * tables no more likely than the observed one. */
#include "gs_twosample.h"

#include <math.h>
#include <stdlib.h>

/* scipy.stats.fisher_exact's tolerance when comparing the pmfs of the two tails. */
#define TWOSAMPLE_RERR (1.0 + 1e-7)

static double lchoose(uint64_t n, uint64_t k)
{
    return lgamma((double)n + 1) - lgamma((double)k + 1) - lgamma((double)(n - k) + 1);
}

double gs_twosample_fisher(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    uint64_t n1 = a + b, n2 = c + d, k = a + c, n = n1 + n2;
    if (n1 == 0 || n2 == 0 || k == 0 || k == n)
        return 1.0;
    /* X = the outcome's count in the first sample ~ Hypergeometric(n, k, n1). */
    uint64_t lo = k > n2 ? k - n2 : 0, hi = k < n1 ? k : n1;
    double norm = lchoose(n, k);
    double lobs = lchoose(n1, a) + lchoose(n2, c) - norm;
    double bound = lobs + log(TWOSAMPLE_RERR);
    double p = 0.0;
    for (uint64_t x = lo; x <= hi; x++) {
        double lp = lchoose(n1, x) + lchoose(n2, k - x) - norm;
        if (lp <= bound)
            p += exp(lp);
    }
    return p > 1.0 ? 1.0 : p;
}

static int twosample_by_p(const void *x, const void *y)
{
    double a = (*(gs_twosample_cat *const *)x)->p_value;
    double b = (*(gs_twosample_cat *const *)y)->p_value;
    return (a > b) - (a < b);
}

int gs_twosample_compare(gs_twosample_cat *cats, size_t n, double alpha, gs_twosample_result *res,
                         gs_error *err)
{
    *res = (gs_twosample_result){.p_value = 1.0};
    if (!(alpha > 0 && alpha < 1))
        return gs_error_set(err, GS_ERR_INVALID, "alpha %g is not in (0, 1)", alpha);
    for (size_t i = 0; i < n; i++) {
        res->n_a += cats[i].count_a;
        res->n_b += cats[i].count_b;
        if (cats[i].count_a + cats[i].count_b > 0)
            res->active++;
    }
    if (res->n_a == 0 || res->n_b == 0)
        return gs_error_set(err, GS_ERR_INVALID, "a sample is empty (%llu and %llu answers)",
                            (unsigned long long)res->n_a, (unsigned long long)res->n_b);
    gs_twosample_cat **order = calloc(res->active ? res->active : 1, sizeof *order);
    if (order == NULL)
        return gs_error_set(err, GS_ERR_NOMEM, "out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        gs_twosample_cat *c = &cats[i];
        c->share_a = (double)c->count_a / (double)res->n_a;
        c->share_b = (double)c->count_b / (double)res->n_b;
        c->p_value = c->p_adjusted = 1.0;
        c->differs = false;
        if (c->count_a + c->count_b == 0 || res->active < 2)
            continue;
        c->p_value = gs_twosample_fisher(c->count_a, res->n_a - c->count_a, c->count_b,
                                         res->n_b - c->count_b);
        order[m++] = c;
    }
    /* Holm: the j-th smallest p (0-based) times m - j, made monotone; m == 2 needs no correction
     * (both tables are one table, so both p-values are equal and the factor is not applied). */
    qsort(order, m, sizeof *order, twosample_by_p);
    double running = 0.0;
    for (size_t j = 0; j < m; j++) {
        double adj = m == 2 ? order[j]->p_value : (double)(m - j) * order[j]->p_value;
        if (adj > 1.0)
            adj = 1.0;
        if (adj < running)
            adj = running;
        running = adj;
        order[j]->p_adjusted = adj;
        order[j]->differs = adj <= alpha;
        if (adj < res->p_value)
            res->p_value = adj;
    }
    res->differs = res->p_value <= alpha;
    free(order);
    return 0;
}
