/* SPDX-License-Identifier: MIT */
/* Binomial distribution, exact test, power and Wilson intervals against scipy reference values
 * (Debian's python3-scipy 1.10; each number's expression is written next to it; brute_power is
 * defined in tests/data/stats/reference.py: it enumerates every outcome of binomtest). */
#include "gs_binom.h"
#include "gs_test.h"

#include <math.h>
#include <stdio.h>

START_TEST(binom_matches_scipy)
{
    const gs_test_ref rows[] = {
        {gs_binom_logpmf(3, 10, 0.3), -1.321151277766889, 1e-13, "stats.binom.logpmf(3, 10, 0.3)"},
        {gs_binom_cdf(20, 100, 0.3), 0.016462853241869382, 1e-11, "stats.binom.cdf(20, 100, 0.3)"},
        {gs_binom_sf_ge(40, 100, 0.3), 0.020988576003924744, 1e-11, "stats.binom.sf(39, 100, 0.3)"},
        {gs_binom_cdf(5, 1000, 0.02), 6.4009066882929238e-05, 1e-10,
         "stats.binom.cdf(5, 1000, 0.02)"},
        {gs_binom_sf_ge(3000, 4000, 0.7), 1.2615102251710897e-12, 1e-09,
         "stats.binom.sf(2999, 4000, 0.7)"},
        {gs_binom_test(3, 10, 0.3), 1, 1e-12, "stats.binomtest(3, 10, 0.3).pvalue"},
        {gs_binom_test(7, 10, 0.3), 0.010592078399999996, 1e-11,
         "stats.binomtest(7, 10, 0.3).pvalue"},
        {gs_binom_test(2851, 3000, 0.95), 0.9665989034860516, 1e-09,
         "stats.binomtest(2851, 3000, 0.95).pvalue"},
        {gs_binom_test(3004, 4000, 0.7), 8.6528049210326698e-13, 1e-08,
         "stats.binomtest(3004, 4000, 0.7).pvalue"},
        {gs_binom_test(50, 100, 0.5), 1, 1e-12, "stats.binomtest(50, 100, 0.5).pvalue"},
        {gs_binom_test(60, 100, 0.5), 0.056887933640980881, 1e-11,
         "stats.binomtest(60, 100, 0.5).pvalue"},
        {gs_binom_test(0, 50, 0.01), 1, 1e-12, "stats.binomtest(0, 50, 0.01).pvalue"},
        {gs_binom_test(10, 1000, 0.02), 0.022884296505875847, 1e-10,
         "stats.binomtest(10, 1000, 0.02).pvalue"},
        {gs_binom_test(990, 1000, 0.999), 1.0742833868464947e-07, 1e-09,
         "stats.binomtest(990, 1000, 0.999).pvalue"},
        {gs_binom_test(149, 3000, 0.05), 0.96659890348606559, 1e-09,
         "stats.binomtest(149, 3000, 0.05).pvalue"},
        {gs_binom_power(200, 0.3, 0.01, 0.4), 0.63927049985258666, 1e-10,
         "brute_power(200, 0.3, 0.01, 0.4)"},
        {gs_binom_power(200, 0.3, 0.01, 0.2), 0.73549504395570131, 1e-10,
         "brute_power(200, 0.3, 0.01, 0.2)"},
        {gs_binom_power(1000, 0.75, 0.01, 0.75), 0.0094939227187428102, 1e-09,
         "brute_power(1000, 0.75, 0.01, 0.75)"},
        {gs_binom_power(60, 1.0 / 3, 0.01 / 3, 1.0 / 3), 0.0022740210278608957, 1e-09,
         "brute_power(60, 1/3, 0.01/3, 1/3)"},
        /* Ten million trials: the log-space front factor keeps ~12 digits. */
        {gs_binom_cdf(4995000, 10000000, 0.5), 0.00078355095284744921, 1e-10,
         "stats.binom.cdf(4995000, 10000000, 0.5)"},
        {gs_binom_test(5010000, 10000000, 0.5), 2.5448004911550766e-10, 1e-10,
         "stats.binomtest(5010000, 10000000, 0.5).pvalue"},
        {gs_binom_test(1003000, 10000000, 0.1), 0.0015710764235290784, 1e-10,
         "stats.binomtest(1003000, 10000000, 0.1).pvalue"},
        {gs_binom_test(120, 100000, 0.001), 0.050764218176617436, 1e-10,
         "stats.binomtest(120, 100000, 0.001).pvalue"},
    };
    gs_test_ref_check(rows, sizeof(rows) / sizeof(rows[0]));
}
END_TEST

START_TEST(wilson_matches_scipy)
{
    double lo, hi;
    gs_binom_wilson(2851, 3000, 0.001, &lo, &hi);
    const gs_test_ref rows[] = {
        {lo, 0.93558511472200123, 1e-12,
         "stats.binomtest(2851, 3000, 0.95).proportion_ci(confidence_level=0.999, "
         "method='wilson').low"},
        {hi, 0.96184256607891327, 1e-12,
         "stats.binomtest(2851, 3000, 0.95).proportion_ci(confidence_level=0.999, "
         "method='wilson').high"},
    };
    gs_test_ref_check(rows, 2);
    gs_binom_wilson(3, 20, 0.05, &lo, &hi);
    const gs_test_ref rows2[] = {
        {lo, 0.052368745896216623, 1e-12,
         "stats.binomtest(3, 20, 0.5).proportion_ci(confidence_level=0.95, method='wilson').low"},
        {hi, 0.36041886474075691, 1e-12,
         "stats.binomtest(3, 20, 0.5).proportion_ci(confidence_level=0.95, method='wilson').high"},
    };
    gs_test_ref_check(rows2, 2);
    gs_binom_wilson(0, 20, 0.05, &lo, &hi);
    ck_assert(lo == 0.0);
    const gs_test_ref rows3[] = {
        {hi, 0.16112515805281935, 1e-12,
         "stats.binomtest(0, 20, 0.5).proportion_ci(confidence_level=0.95, method='wilson').high"},
    };
    gs_test_ref_check(rows3, 1);
    gs_binom_wilson(0, 0, 0.05, &lo, &hi);
    ck_assert(lo == 0.0 && hi == 1.0);
}
END_TEST

START_TEST(acceptance_is_the_region_the_test_accepts)
{
    /* Every outcome inside the region has p > alpha, the neighbours outside have p <= alpha. */
    const struct {
        uint64_t n;
        double p, alpha;
    } cases[] = {{200, 0.3, 0.01}, {1000, 0.75, 0.001}, {37, 0.05, 0.05}, {5000, 0.5, 1e-6}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t lo, hi;
        gs_binom_acceptance(cases[i].n, cases[i].p, cases[i].alpha, &lo, &hi);
        ck_assert(lo <= hi);
        ck_assert(gs_binom_test(lo, cases[i].n, cases[i].p) > cases[i].alpha);
        ck_assert(gs_binom_test(hi, cases[i].n, cases[i].p) > cases[i].alpha);
        if (lo > 0)
            ck_assert(gs_binom_test(lo - 1, cases[i].n, cases[i].p) <= cases[i].alpha);
        if (hi < cases[i].n)
            ck_assert(gs_binom_test(hi + 1, cases[i].n, cases[i].p) <= cases[i].alpha);
    }
}
END_TEST

START_TEST(binom_degenerate)
{
    ck_assert(gs_binom_test(0, 0, 0.3) == 1.0);
    ck_assert(gs_binom_test(0, 10, 0.0) == 1.0 && gs_binom_test(1, 10, 0.0) == 0.0);
    ck_assert(gs_binom_test(10, 10, 1.0) == 1.0 && gs_binom_test(9, 10, 1.0) == 0.0);
    ck_assert(isnan(gs_binom_test(11, 10, 0.5)));
    ck_assert(gs_binom_cdf(10, 10, 0.5) == 1.0 && gs_binom_sf_ge(0, 10, 0.5) == 1.0);
    ck_assert(isinf(gs_binom_logpmf(11, 10, 0.5)));
    /* A huge sample stays finite and sane: 1e7 trials, observed exactly at the mean. */
    ck_assert_double_eq_tol(gs_binom_test(5000000, 10000000, 0.5), 1.0, 1e-9);
    ck_assert(gs_binom_test(5010000, 10000000, 0.5) < 1e-9);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stats/binom");
    TCase *tc = tcase_create("binom");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, binom_matches_scipy);
    tcase_add_test(tc, wilson_matches_scipy);
    tcase_add_test(tc, acceptance_is_the_region_the_test_accepts);
    tcase_add_test(tc, binom_degenerate);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
