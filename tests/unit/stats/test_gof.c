/* SPDX-License-Identifier: MIT */
/* Split and mirror-fraction checks: decisions and p-values against scipy reference values
 * (Debian's python3-scipy 1.10; each expression written next to its number; holm() is written
 * out in tests/data/stats/reference.py), then simulations with a seeded generator: correct
 * implementations fail at the stated rate, wrong ones are caught. */
#include "gs_binom.h"
#include "gs_gof.h"
#include "gs_plan.h"
#include "gs_rng.h"
#include "gs_test.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define REL_EQ(got, want, tol, expr)                                                               \
    ck_assert_msg(fabs((got) - (want)) <= (tol)*fabs(want), "%s: got %.17g, scipy %.17g", expr,    \
                  (double)(got), (double)(want))

static gs_gof_result gof_run(gs_gof_backend *b, size_t k, double alpha)
{
    gs_gof_result r;
    gs_error err;
    ck_assert_int_eq(gs_gof_split(b, k, alpha, 0.0, 0.99, &r, &err), 0);
    return r;
}

START_TEST(holm_for_many_backends)
{
    /* Three or more backends: exact per-backend tests with Holm at every n (no asymptotics). */
    gs_gof_backend b[] = {
        {.weight = 1, .count = 300}, {.weight = 1, .count = 330}, {.weight = 1, .count = 370}};
    gs_gof_result r = gof_run(b, 3, 0.001);
    ck_assert_int_eq(r.method, GS_GOF_BINOMIAL_HOLM);
#define HOLM_300 "holm([stats.binomtest(c, 1000, 1/3).pvalue for c in (300, 330, 370)])"
    REL_EQ(b[0].p_adjusted, 0.053578110939002443, 1e-9, HOLM_300 "[0]");
    REL_EQ(b[2].p_adjusted, 0.043054697616429959, 1e-9, HOLM_300 "[2]");
    REL_EQ(r.p_value, 0.043054697616429959, 1e-9, "min(" HOLM_300 ")");
#undef HOLM_300
    ck_assert(r.passed);
    ck_assert(!gof_run(b, 3, 0.05).passed);
    ck_assert_double_eq_tol(r.level, 0.001 / 3, 1e-18);

    gs_gof_backend c[] = {
        {.weight = 1, .count = 280}, {.weight = 1, .count = 330}, {.weight = 1, .count = 390}};
    r = gof_run(c, 3, 0.001);
    REL_EQ(r.p_value, 0.00051074899911148462, 1e-9,
           "min(holm([stats.binomtest(c, 1000, 1/3).pvalue for c in (280, 330, 390)]))");
    ck_assert(!r.passed && c[0].violates && c[2].violates && !c[1].violates);
    /* The simultaneous intervals show the decision: the failing backends' intervals miss 1/3,
     * the passing one's holds it. */
    ck_assert(c[2].ci_low > 1.0 / 3 && c[0].ci_high < 1.0 / 3);
    ck_assert(c[1].ci_low < 1.0 / 3 && c[1].ci_high > 1.0 / 3);
}
END_TEST

START_TEST(tolerance_band)
{
    double lo, hi;
    gs_gof_band(1.0 / 3, 0.01, &lo, &hi);
    ck_assert_double_eq_tol(lo, 1.0 / 3 - 0.01, 1e-15);
    ck_assert_double_eq_tol(hi, 1.0 / 3 + 0.01, 1e-15);
    /* Small shares: the band stops halfway to 0, so "gets nothing" stays a deviation. */
    gs_gof_band(0.001, 0.005, &lo, &hi);
    ck_assert_double_eq_tol(lo, 0.0005, 1e-15);
    ck_assert_double_eq_tol(hi, 0.0015, 1e-15);
    gs_gof_band(0.999, 0.005, &lo, &hi);
    ck_assert_double_eq_tol(lo, 0.9985, 1e-12);

    /* 1/1/1 rounded to 33/33/34 by an implementation: within a tolerance of 0.01 it passes at
     * any n; at tolerance 0 and n = 100,000 it fails. */
    gs_gof_backend b[] = {{.weight = 1, .count = 33000},
                          {.weight = 1, .count = 33000},
                          {.weight = 1, .count = 34000}};
    gs_gof_result r;
    gs_error err;
    ck_assert_int_eq(gs_gof_split(b, 3, 0.001, 0.01, 0.99, &r, &err), 0);
    ck_assert(r.passed && r.p_value == 1.0);
    ck_assert_double_eq_tol(b[2].band_high, 1.0 / 3 + 0.01, 1e-15);
    ck_assert_int_eq(gs_gof_split(b, 3, 0.001, 0.0, 0.99, &r, &err), 0);
    ck_assert(!r.passed);

    /* Outside the band: the exact test at the nearer end. */
    ck_assert(gs_gof_band_test(3400, 10000, 1.0 / 3 - 0.01, 1.0 / 3 + 0.01) == 1.0);
    REL_EQ(gs_gof_band_test(3500, 10000, 1.0 / 3 - 0.01, 1.0 / 3 + 0.01), 0.16135772799113896, 1e-9,
           "stats.binomtest(3500, 10000, 1/3 + 0.01).pvalue");
    REL_EQ(gs_gof_band_test(2950, 10000, 0.297, 0.303), 0.6695604289213387, 1e-9,
           "stats.binomtest(2950, 10000, 0.3 - 0.003).pvalue");

    /* The canary that gets nothing: 999:1 seen as 15,108:0 fails at the default tolerance. */
    gs_gof_backend canary[] = {{.weight = 999, .count = 15108}, {.weight = 1, .count = 0}};
    ck_assert_int_eq(gs_gof_split(canary, 2, 0.001, 0.005, 0.99, &r, &err), 0);
    REL_EQ(r.p_value, 0.0008519634381281801, 1e-8, "stats.binomtest(0, 15108, 0.0005).pvalue");
    ck_assert(!r.passed);
    ck_assert_int_eq(gs_gof_split(canary, 2, 0.001, 0.6, 0.99, &r, &err), GS_ERR_INVALID);
}
END_TEST

/* The band test's false-failure rate never exceeds its level, for any true share inside the
 * band: exact sums over its rejection region, on a grid of shares, sizes and levels. */
START_TEST(band_test_size_exact)
{
    const double levels[] = {0.01, 0.001, 1e-4, 1e-6, 1e-9};
    const uint64_t ns[] = {37, 500, 4000, 60000};
    const double bands[][2] = {{0.33, 0.3433}, {0.0005, 0.0015}, {0.5, 0.5}, {0.09, 0.11}};
    for (size_t a = 0; a < sizeof(levels) / sizeof(levels[0]); a++)
        for (size_t j = 0; j < sizeof(ns) / sizeof(ns[0]); j++)
            for (size_t q = 0; q < sizeof(bands) / sizeof(bands[0]); q++) {
                uint64_t alo, ahi, n = ns[j];
                gs_gof_band_acceptance(n, bands[q][0], bands[q][1], levels[a], &alo, &ahi);
                for (int g = 0; g <= 10; g++) {
                    double pi = bands[q][0] + (bands[q][1] - bands[q][0]) * g / 10.0;
                    double size = (alo > 0 ? gs_binom_cdf(alo - 1, n, pi) : 0.0) +
                                  (ahi < n ? gs_binom_sf_ge(ahi + 1, n, pi) : 0.0);
                    ck_assert_msg(size <= levels[a] * (1 + 1e-9),
                                  "n %llu band [%g, %g] share %g level %g: size %g",
                                  (unsigned long long)n, bands[q][0], bands[q][1], pi, levels[a],
                                  size);
                }
                /* And the acceptance region is what the p-value says at its edges. */
                if (alo > 0)
                    ck_assert(gs_gof_band_test(alo - 1, n, bands[q][0], bands[q][1]) <= levels[a]);
                ck_assert(gs_gof_band_test(alo, n, bands[q][0], bands[q][1]) > levels[a]);
                ck_assert(gs_gof_band_test(ahi, n, bands[q][0], bands[q][1]) > levels[a]);
                if (ahi < n)
                    ck_assert(gs_gof_band_test(ahi + 1, n, bands[q][0], bands[q][1]) <= levels[a]);
            }
}
END_TEST

START_TEST(holm_for_small_counts)
{
    gs_gof_backend b[] = {
        {.weight = 1, .count = 5}, {.weight = 1, .count = 12}, {.weight = 1, .count = 3}};
    gs_gof_result r = gof_run(b, 3, 0.05);
    ck_assert_int_eq(r.method, GS_GOF_BINOMIAL_HOLM);
    const char *holm = "holm([stats.binomtest(5, 20, 1/3).pvalue, stats.binomtest(12, 20, "
                       "1/3).pvalue, stats.binomtest(3, 20, 1/3).pvalue])";
    REL_EQ(b[0].p_adjusted, 0.48776276517476641, 1e-10, holm);
    REL_EQ(b[1].p_adjusted, 0.048843936250017678, 1e-10, holm);
    REL_EQ(b[2].p_adjusted, 0.19616606343765755, 1e-10, holm);
    REL_EQ(r.p_value, 0.048843936250017678, 1e-10, holm);
    ck_assert(!r.passed);
    ck_assert(b[1].violates && !b[0].violates && !b[2].violates);
    ck_assert(gof_run(b, 3, 0.01).passed);
}
END_TEST

START_TEST(two_backends_exact_binomial)
{
    gs_gof_backend ok[] = {{.weight = 95, .count = 2851}, {.weight = 5, .count = 149}};
    gs_gof_result r = gof_run(ok, 2, 0.001);
    ck_assert_int_eq(r.method, GS_GOF_BINOMIAL);
    REL_EQ(r.p_value, 0.9665989034860516, 1e-9, "stats.binomtest(2851, 3000, 0.95).pvalue");
    ck_assert(r.passed);
    /* The interval is the exact test inverted (bisection on stats.binomtest's p-value,
     * accepted_low in tests/data/stats/reference.py). */
    REL_EQ(ok[0].ci_low, 0.9358890447720056, 1e-9, "accepted_low(2851, 3000, 0.001)");
    ck_assert_double_eq_tol(ok[1].observed_share, 149.0 / 3000, 1e-15);
    ck_assert(ok[0].detectable > 0.005 && ok[0].detectable < 0.05);

    /* The must-fail case of the issue: a 75/25 implementation checked against 70/30. */
    gs_gof_backend bad[] = {{.weight = 70, .count = 3004}, {.weight = 30, .count = 996}};
    r = gof_run(bad, 2, 0.001);
    REL_EQ(r.p_value, 8.6528049210326698e-13, 1e-8, "stats.binomtest(3004, 4000, 0.7).pvalue");
    ck_assert(!r.passed);
    ck_assert(bad[0].violates && bad[1].violates);
    ck_assert(bad[0].ci_low > 0.7);
}
END_TEST

START_TEST(zero_weight_backends)
{
    /* Weight 0 configured but hit once: fails outright, whatever the rest says. */
    gs_gof_backend hit[] = {
        {.weight = 50, .count = 500}, {.weight = 50, .count = 499}, {.weight = 0, .count = 1}};
    gs_gof_result r = gof_run(hit, 3, 0.001);
    ck_assert(!r.passed && r.zero_weight_hit && r.p_value == 0.0);
    ck_assert(hit[2].violates);
    /* A zero-weight backend that nothing reached does not count as a backend. */
    hit[2].count = 0;
    hit[1].count = 500;
    r = gof_run(hit, 3, 0.001);
    ck_assert(r.passed && r.active == 2 && r.method == GS_GOF_BINOMIAL);
    ck_assert(hit[2].detectable > 0 && hit[2].detectable < 0.01);

    /* Claimed at 2% but really weight 0 (never reached): 0 of 1000 is far from 2%. */
    gs_gof_backend claimed[] = {{.weight = 98, .count = 1000}, {.weight = 2, .count = 0}};
    r = gof_run(claimed, 2, 0.001);
    REL_EQ(r.p_value, 2.7739128605788315e-09, 1e-8, "stats.binomtest(0, 1000, 0.02).pvalue");
    ck_assert(!r.passed);

    /* One backend with weight: nothing random; one stray request fails. */
    gs_gof_backend one[] = {{.weight = 100, .count = 500}, {.weight = 0, .count = 0}};
    r = gof_run(one, 2, 0.001);
    ck_assert(r.passed && r.method == GS_GOF_SINGLE);
    one[1].count = 1;
    ck_assert(!gof_run(one, 2, 0.001).passed);
}
END_TEST

START_TEST(gof_rejects_bad_input)
{
    gs_gof_backend b[] = {{.weight = 1, .count = 0}, {.weight = 1, .count = 0}};
    gs_gof_result r;
    gs_error err;
    ck_assert_int_eq(gs_gof_split(b, 2, 0.001, 0.0, 0.99, &r, &err), GS_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "no responses"));
    b[0].count = 5;
    b[1].weight = -1;
    ck_assert_int_eq(gs_gof_split(b, 2, 0.001, 0.0, 0.99, &r, &err), GS_ERR_INVALID);
    b[1].weight = 0;
    b[0].weight = 0;
    ck_assert_int_eq(gs_gof_split(b, 2, 0.001, 0.0, 0.99, &r, &err), GS_ERR_INVALID);
    b[0].weight = 1;
    ck_assert_int_eq(gs_gof_split(b, 2, 0, 0.0, 0.99, &r, &err), GS_ERR_INVALID);
    ck_assert_int_eq(gs_gof_split(b, 2, 0.001, 0.0, 1, &r, &err), GS_ERR_INVALID);
}
END_TEST

START_TEST(mirror_fraction)
{
    gs_gof_fraction_result r;
    gs_error err;
    /* fraction 1.0: every id must arrive. */
    ck_assert_int_eq(gs_gof_fraction(100, 100, 1.0, 0.001, 0.0, &r, &err), 0);
    ck_assert(r.passed && r.exact && r.p_value == 1.0);
    ck_assert_int_eq(gs_gof_fraction(99, 100, 1.0, 0.001, 0.0, &r, &err), 0);
    ck_assert(!r.passed && r.p_value == 0.0);
    /* An unconfigured mirror: nothing arrives. */
    ck_assert_int_eq(gs_gof_fraction(0, 100, 1.0, 0.001, 0.0, &r, &err), 0);
    ck_assert(!r.passed);
    ck_assert_int_eq(gs_gof_fraction(0, 100, 0.0, 0.001, 0.0, &r, &err), 0);
    ck_assert(r.passed);
    /* A 50% mirror: binomial. */
    ck_assert_int_eq(gs_gof_fraction(45, 100, 0.5, 0.001, 0.0, &r, &err), 0);
    REL_EQ(r.p_value, 0.36820161732669576, 1e-10, "stats.binomtest(45, 100, 0.5).pvalue");
    ck_assert(r.passed && !r.exact);
    ck_assert_int_eq(gs_gof_fraction(30, 100, 0.5, 0.001, 0.0, &r, &err), 0);
    REL_EQ(r.p_value, 7.85013964559367e-05, 1e-9, "stats.binomtest(30, 100, 0.5).pvalue");
    ck_assert(!r.passed);
    ck_assert(r.ci_low < 0.3 && r.ci_high > 0.3);
    ck_assert_int_eq(gs_gof_fraction(5, 4, 0.5, 0.001, 0.0, &r, &err), GS_ERR_INVALID);
    ck_assert_int_eq(gs_gof_fraction(0, 0, 0.5, 0.001, 0.0, &r, &err), GS_ERR_INVALID);
    ck_assert_int_eq(gs_gof_fraction(1, 2, 1.5, 0.001, 0.0, &r, &err), GS_ERR_INVALID);
}
END_TEST

/* Runs |runs| simulated checks: |n| requests drawn with |true_shares|, tested against |weights|
 * at |alpha|. Returns how many failed. */
static unsigned sim_failures(uint64_t seed, unsigned runs, uint64_t n, const double *true_shares,
                             const double *weights, size_t k, double alpha)
{
    gs_rng rng;
    gs_rng_seed(&rng, seed);
    unsigned failed = 0;
    for (unsigned run = 0; run < runs; run++) {
        gs_gof_backend b[8] = {{0}};
        for (size_t i = 0; i < k; i++)
            b[i].weight = weights[i];
        for (uint64_t j = 0; j < n; j++) {
            double u = gs_rng_uniform(&rng), cum = 0;
            size_t i = 0;
            for (; i + 1 < k; i++) {
                cum += true_shares[i];
                if (u < cum)
                    break;
            }
            b[i].count++;
        }
        gs_gof_result r;
        gs_error err;
        ck_assert_int_eq(gs_gof_decide(b, k, alpha, 0.0, &r, &err), 0);
        failed += !r.passed;
    }
    return failed;
}

/* |count| is within |sds| binomial standard deviations of runs * rate. */
static void sim_assert_rate(unsigned count, unsigned runs, double rate, double sds,
                            const char *what)
{
    double mean = runs * rate, sd = sqrt(runs * rate * (1 - rate));
    ck_assert_msg(fabs(count - mean) <= sds * sd, "%s: %u of %u failed, expected %.1f +- %.1f",
                  what, count, runs, mean, sds * sd);
}

START_TEST(simulated_false_failure_rate)
{
    /* Two backends, exact binomial: the test's exact size at n=1000 is known, and the simulated
     * rate matches it (about 1%). */
    const double w2[] = {75, 25}, s2[] = {0.75, 0.25};
    unsigned f = sim_failures(1, 2000, 1000, s2, w2, 2, 0.01);
    /* size = brute_power(1000, 0.75, 0.01, 0.75) = 0.0094939227187428102 (reference.py) */
    sim_assert_rate(f, 2000, 0.0094939227187428102, 4, "75/25 exact binomial");

    /* Three backends with large counts: Holm, never above alpha. */
    const double w3[] = {50, 30, 20}, s3[] = {0.5, 0.3, 0.2};
    f = sim_failures(2, 2000, 1000, s3, w3, 3, 0.01);
    ck_assert_msg(f <= 2000 * 0.01 + 4 * sqrt(2000 * 0.01 * 0.99), "50/30/20: %u of 2000", f);

    /* Three backends with small counts: Holm over exact tests never exceeds alpha (it is
     * conservative: Bonferroni bound 3 * brute_power(60, 1/3, 0.01/3, 1/3) = 0.0068). */
    const double wh[] = {1, 1, 1}, sh[] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
    f = sim_failures(3, 2000, 60, sh, wh, 3, 0.01);
    ck_assert_msg(f <= 2000 * 0.01 + 4 * sqrt(2000 * 0.01 * 0.99), "Holm: %u of 2000 failed", f);
}
END_TEST

START_TEST(simulated_wrong_splits_fail)
{
    /* 75/25 tested as 70/30 with the sample `requests: auto` plans for minEffect 0.05. */
    const double w[] = {70, 30}, truth[] = {0.75, 0.25};
    uint64_t n;
    gs_error err;
    ck_assert_int_eq(gs_plan_requests(w, 2, 0.001, 0.0, 0.99, 0.05, &n, &err), 0);
    unsigned f = sim_failures(4, 500, n, truth, w, 2, 0.001);
    ck_assert_msg(f >= 500 - 15, "75/25 vs 70/30 at n=%llu: only %u of 500 failed",
                  (unsigned long long)n, f);

    /* Three backends, 45/30/25 tested as 40/30/30. */
    const double w3[] = {40, 30, 30}, t3[] = {0.45, 0.30, 0.25};
    ck_assert_int_eq(gs_plan_requests(w3, 3, 0.001, 0.0, 0.99, 0.05, &n, &err), 0);
    f = sim_failures(5, 300, n, t3, w3, 3, 0.001);
    ck_assert_msg(f >= 300 - 12, "45/30/25 vs 40/30/30 at n=%llu: only %u of 300 failed",
                  (unsigned long long)n, f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stats/gof");
    TCase *tc = tcase_create("gof");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, holm_for_many_backends);
    tcase_add_test(tc, tolerance_band);
    tcase_add_test(tc, band_test_size_exact);
    tcase_add_test(tc, holm_for_small_counts);
    tcase_add_test(tc, two_backends_exact_binomial);
    tcase_add_test(tc, zero_weight_backends);
    tcase_add_test(tc, gof_rejects_bad_input);
    tcase_add_test(tc, mirror_fraction);
    tcase_add_test(tc, simulated_false_failure_rate);
    tcase_add_test(tc, simulated_wrong_splits_fail);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
