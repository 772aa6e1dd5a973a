/* SPDX-License-Identifier: MIT */
/* stats_sim: measures the split check's guarantees by simulation through the real code: the
 * plan is gs_plan_requests, the decision gs_gof_decide (what gs_gof_split and the runner
 * decide with). Prints, for a grid of splits, the planned n, the worst-direction power
 * (simulated, and the planner's exact lower bound) and the false-failure rate (simulated, and
 * the exact Bonferroni bound: the sum of the backends' exact test sizes at the worst share in
 * their bands). Reproducible: a fixed gs_rng (xoshiro256**) stream per row.
 *
 *   stats_sim [--runs N] [--null-runs N] [--tolerance T]      (defaults 20000, 100000, 0.005)
 *
 * docs/stats.md holds its output. Not a test: CI does not run it (minutes of CPU). */
#include "gs_binom.h"
#include "gs_gof.h"
#include "gs_plan.h"
#include "gs_rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_MAX_K 32

/* Exact Binomial(n, p) draw by inversion, outcomes enumerated outward from the mode (pmf
 * ratios, so about one standard deviation of steps). */
static uint64_t sim_binomial(gs_rng *r, uint64_t n, double p)
{
    if (n == 0 || p <= 0)
        return 0;
    if (p >= 1)
        return n;
    double u = gs_rng_uniform(r), odds = p / (1 - p);
    uint64_t mode = (uint64_t)floor((double)(n + 1) * p);
    if (mode > n)
        mode = n;
    double pm = exp(gs_binom_logpmf(mode, n, p));
    uint64_t lo = mode, hi = mode;
    double plo = pm, phi = pm;
    u -= pm;
    while (u > 0 && (lo > 0 || hi < n)) {
        if (hi < n) { /* pmf(hi + 1) = pmf(hi) (n - hi) / (hi + 1) * odds */
            phi *= (double)(n - hi) / (double)(hi + 1) * odds;
            hi++;
            u -= phi;
            if (u <= 0)
                return hi;
        }
        if (lo > 0) {
            plo *= (double)lo / (double)(n - lo + 1) / odds;
            lo--;
            u -= plo;
            if (u <= 0)
                return lo;
        }
        if (phi < 1e-300 && plo < 1e-300)
            break; /* rounding left u a hair above 0: the mode is as good as any */
    }
    return mode;
}

/* One run: n requests multinomially over |truth|, decided against |weights|. True: failed. */
static bool sim_fails(gs_rng *r, const double *weights, const double *truth, size_t k, uint64_t n,
                      double alpha, double tolerance)
{
    gs_gof_backend b[SIM_MAX_K];
    memset(b, 0, sizeof(b));
    uint64_t left = n;
    double mass = 1.0;
    for (size_t i = 0; i < k; i++) {
        b[i].weight = weights[i];
        double q = mass > 0 ? truth[i] / mass : 0;
        b[i].count = i + 1 == k ? left : sim_binomial(r, left, q > 1 ? 1 : q);
        left -= b[i].count;
        mass -= truth[i];
    }
    gs_gof_result res;
    gs_error err;
    if (gs_gof_decide(b, k, alpha, tolerance, &res, &err) < 0) {
        fprintf(stderr, "stats_sim: %s\n", err.msg);
        exit(2);
    }
    return !res.passed;
}

static double sim_rate(uint64_t seed, unsigned runs, const double *w, const double *truth, size_t k,
                       uint64_t n, double alpha, double tolerance)
{
    gs_rng r;
    gs_rng_seed(&r, seed);
    unsigned f = 0;
    for (unsigned i = 0; i < runs; i++)
        f += sim_fails(&r, w, truth, k, n, alpha, tolerance);
    return (double)f / runs;
}

/* |truth|: backend i's share moved to |target|, the others scaled to make room (the way that
 * moves them least: the least favourable for every test but i's). */
static void sim_shift(const double *shares, size_t k, size_t i, double target, double *truth)
{
    double rest = 1 - shares[i];
    for (size_t j = 0; j < k; j++)
        truth[j] = j == i ? target : rest > 0 ? shares[j] * (1 - target) / rest : 0;
}

typedef struct sim_split {
    const char *name;
    size_t k;
    double w[SIM_MAX_K];
} sim_split;

static void sim_equal(sim_split *s, size_t k, const char *name)
{
    s->name = name;
    s->k = k;
    for (size_t i = 0; i < k; i++)
        s->w[i] = 1;
}

static void sim_power_row(const sim_split *s, double alpha, double tol, double power, double d,
                          unsigned runs, uint64_t seed)
{
    double shares[SIM_MAX_K], truth[SIM_MAX_K], total = 0;
    for (size_t i = 0; i < s->k; i++)
        total += s->w[i];
    for (size_t i = 0; i < s->k; i++)
        shares[i] = s->w[i] / total;
    uint64_t n;
    gs_error err;
    if (gs_plan_requests(s->w, s->k, alpha, tol, power, d, &n, &err) < 0) {
        printf("| %s | %g | %s |\n", s->name, d, err.msg);
        return;
    }
    double worst = 2, bound = 2;
    char where[64] = "";
    for (size_t i = 0; i < s->k; i++) {
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen |= shares[j] == shares[i];
        if (seen)
            continue;
        for (int dir = -1; dir <= 1; dir += 2) {
            double t = shares[i] + dir * d;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            sim_shift(shares, s->k, i, t, truth);
            double pw = sim_rate(seed++, runs, s->w, truth, s->k, n, alpha, tol);
            if (pw < worst) {
                worst = pw;
                snprintf(where, sizeof(where), "%.4g -> %.4g", shares[i], t);
            }
        }
        double b = gs_plan_power_backend(shares, s->k, i, n, alpha, tol, d);
        if (b < bound)
            bound = b;
    }
    double sd = sqrt(worst * (1 - worst) / runs);
    printf("| %s | %g | %llu | %.4f ± %.4f | %s | %.4f |\n", s->name, d, (unsigned long long)n,
           worst, sd, where, bound);
    fflush(stdout);
}

/* Exact Bonferroni bound on the false-failure rate at true shares |truth| (each inside its
 * band): the sum over the backends of their exact test's rejection probability. */
static double sim_null_bound(const double *shares, const double *truth, size_t k, uint64_t n,
                             double alpha, double tol)
{
    unsigned m = 0;
    for (size_t i = 0; i < k; i++)
        m += shares[i] > 0;
    double sum = 0;
    for (size_t i = 0; i < k; i++) {
        double lo, hi;
        uint64_t alo, ahi;
        gs_gof_band(shares[i], tol, &lo, &hi);
        gs_gof_band_acceptance(n, lo, hi, gs_gof_level(m, alpha), &alo, &ahi);
        sum += (alo > 0 ? gs_binom_cdf(alo - 1, n, truth[i]) : 0) +
               (ahi < n ? gs_binom_sf_ge(ahi + 1, n, truth[i]) : 0);
        if (m == 2)
            break; /* one test */
    }
    return sum;
}

static void sim_null_row(const sim_split *s, double alpha, double tol, uint64_t n, unsigned runs,
                         uint64_t seed)
{
    double shares[SIM_MAX_K], truth[SIM_MAX_K], total = 0;
    for (size_t i = 0; i < s->k; i++)
        total += s->w[i];
    for (size_t i = 0; i < s->k; i++)
        shares[i] = s->w[i] / total;
    /* The implementation sits at the edge of the band of the first backend (the largest
     * allowed deviation), the others make room: a correct implementation by the tolerance. */
    double lo, hi;
    gs_gof_band(shares[0], tol, &lo, &hi);
    sim_shift(shares, s->k, 0, hi, truth);
    double rate = sim_rate(seed, runs, s->w, truth, s->k, n, alpha, tol);
    double bound = sim_null_bound(shares, truth, s->k, n, alpha, tol);
    double at_p = sim_null_bound(shares, shares, s->k, n, alpha, tol);
    printf("| %s | %g | %llu | %u | %.3g (%u) | %.3g | %.3g |\n", s->name, alpha,
           (unsigned long long)n, runs, rate, (unsigned)llround(rate * runs), bound, at_p);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    unsigned runs = 20000, null_runs = 100000;
    double tol = 0.005;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0)
            runs = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--null-runs") == 0)
            null_runs = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--tolerance") == 0)
            tol = strtod(argv[i + 1], NULL);
        else {
            fprintf(stderr, "usage: stats_sim [--runs N] [--null-runs N] [--tolerance T]\n");
            return 2;
        }
    }
    sim_split splits[8];
    size_t ns = 0;
    sim_equal(&splits[ns++], 3, "3 equal");
    sim_equal(&splits[ns++], 5, "5 equal");
    sim_equal(&splits[ns++], 10, "10 equal");
    sim_equal(&splits[ns++], 20, "20 equal");
    splits[ns++] = (sim_split){"80/10/10", 3, {80, 10, 10}};
    splits[ns++] = (sim_split){"70/30", 2, {70, 30}};
    splits[ns++] = (sim_split){"999:1", 2, {999, 1}};

    printf("Worst-direction power (alpha 0.001, power 0.99, tolerance %g, %u runs per "
           "direction)\n\n",
           tol, runs);
    printf("| split | minEffect | planned n | simulated power (worst) | worst direction | "
           "planned lower bound |\n|---|---:|---:|---:|---|---:|\n");
    uint64_t seed = 1;
    for (size_t i = 0; i < ns; i++)
        for (int e = 0; e < 2; e++) {
            sim_power_row(&splits[i], 0.001, tol, 0.99, e ? 0.05 : 0.02, runs, seed);
            seed += 1000;
        }

    printf("\nFalse-failure rate of correct implementations (at the upper edge of the first "
           "backend's band; tolerance %g; n planned for minEffect 0.05 at that alpha)\n\n",
           tol);
    printf("| split | alpha | n | runs | simulated (failures) | exact bound at the band edge | "
           "exact bound at the weights |\n|---|---:|---:|---:|---:|---:|---:|\n");
    const double alphas[] = {1e-3, 1e-4, 1e-6};
    for (size_t a = 0; a < 3; a++)
        for (size_t i = 0; i < ns; i++) {
            uint64_t n;
            gs_error err;
            if (gs_plan_requests(splits[i].w, splits[i].k, alphas[a], tol, 0.99, 0.05, &n, &err) <
                0)
                continue;
            sim_null_row(&splits[i], alphas[a], tol, n, null_runs, seed);
            seed += 1000;
        }
    return 0;
}
