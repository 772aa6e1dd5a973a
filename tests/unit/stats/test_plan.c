/* SPDX-License-Identifier: MIT */
/* Sample-size planning and detectable deviations. The powers of the planned sizes are checked
 * against scipy (Debian's python3-scipy 1.10): brute_power (tests/data/stats/reference.py)
 * enumerates every outcome of stats.binomtest, so it shares no code path with gs_binom. */
#include "gs_gof.h"
#include "gs_plan.h"
#include "gs_test.h"

#include <math.h>
#include <string.h>

#define REL_EQ(got, want, tol, expr)                                                               \
    ck_assert_msg(fabs((got) - (want)) <= (tol)*fabs(want), "%s: got %.17g, scipy %.17g", expr,    \
                  (double)(got), (double)(want))

START_TEST(plan_two_backends)
{
    const double w[] = {70, 30}, s[] = {0.7, 0.3};
    uint64_t n;
    gs_error err;
    ck_assert_int_eq(gs_plan_requests(w, 2, 0.001, 0.99, 0.05, &n, &err), 0);
    ck_assert_uint_eq(n, 2765);
    REL_EQ(gs_plan_power_backend(s, 2, 0, 2765, 0.001, 0.05), 0.99014188628451594, 1e-9,
           "min(brute_power(2765, 0.7, 0.001, 0.75), brute_power(2765, 0.7, 0.001, 0.65))");
    REL_EQ(gs_plan_power_backend(s, 2, 0, 2488, 0.001, 0.05), 0.97917638907750826, 1e-9,
           "min(brute_power(2488, 0.7, 0.001, 0.75), brute_power(2488, 0.7, 0.001, 0.65))");
    /* The planned n reaches the power; a tenth fewer does not. */
    ck_assert(gs_plan_power_backend(s, 2, 0, n, 0.001, 0.05) >= 0.99);
    ck_assert(gs_plan_power_backend(s, 2, 1, n, 0.001, 0.05) >= 0.99);
    ck_assert(gs_plan_power_backend(s, 2, 0, n * 9 / 10, 0.001, 0.05) < 0.99);
}
END_TEST

START_TEST(plan_g_test_and_holm)
{
    uint64_t n;
    gs_error err;
    const double w[] = {40, 30, 30};
    ck_assert_int_eq(gs_plan_requests(w, 3, 0.001, 0.99, 0.05, &n, &err), 0);
    ck_assert_uint_eq(n, 3384);
    ck_assert_int_eq(gs_gof_choose((const double[]){0.4, 0.3, 0.3}, 3, n), GS_GOF_G_TEST);
    const double s[] = {0.4, 0.3, 0.3};
    REL_EQ(gs_plan_power_backend(s, 3, 0, 3384, 0.001, 0.05), 0.99000610312011394, 1e-9,
           "stats.ncx2.sf(stats.chi2.isf(0.001, 2), 2, 3384 * 0.05**2 / (0.4 * 0.6))");
    REL_EQ(gs_plan_power_backend(s, 3, 0, 3383, 0.001, 0.05), 0.98998293882028798, 1e-9,
           "stats.ncx2.sf(stats.chi2.isf(0.001, 2), 2, 3383 * 0.05**2 / (0.4 * 0.6))");

    /* Small counts: Holm over exact tests, planned at alpha / m. */
    const double e[] = {1, 1, 1}, es[] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
    ck_assert_int_eq(gs_plan_requests(e, 3, 0.001, 0.9, 0.25, &n, &err), 0);
    ck_assert_uint_eq(n, 91);
    ck_assert_int_eq(gs_gof_choose(es, 3, n), GS_GOF_BINOMIAL_HOLM);
    REL_EQ(gs_plan_power_backend(es, 3, 0, 91, 0.001, 0.25), 0.9185672534344862, 1e-9,
           "min(brute_power(91, 1/3, 0.001/3, 1/3 + 0.25), brute_power(91, 1/3, 0.001/3, 1/3 - "
           "0.25))");
    REL_EQ(gs_plan_power_backend(es, 3, 0, 81, 0.001, 0.25), 0.8014282915767259, 1e-9,
           "min(brute_power(81, 1/3, 0.001/3, 1/3 + 0.25), brute_power(81, 1/3, 0.001/3, 1/3 - "
           "0.25))");
}
END_TEST

START_TEST(detectable_deviation)
{
    const double w[] = {70, 30};
    double d = gs_plan_detectable(w, 2, 4000, 0.001, 0.99);
    /* Between the two deviations scipy puts on either side of power 0.99:
     * min(brute_power(4000, 0.7, 0.001, 0.7 + 0.04151), brute_power(4000, 0.7, 0.001, 0.7 -
     * 0.04151)) = 0.99000751250751717 min(brute_power(4000, 0.7, 0.001, 0.7 + 0.0410),
     * brute_power(4000, 0.7, 0.001, 0.7 - 0.0410)) = 0.98805452523547943 */
    ck_assert_msg(d > 0.0410 && d <= 0.04151, "detectable %.6f", d);
    /* More samples detect less; too few detect nothing that keeps shares probabilities. */
    ck_assert(gs_plan_detectable(w, 2, 40000, 0.001, 0.99) < d / 3);
    ck_assert(isnan(gs_plan_detectable(w, 2, 3, 0.001, 0.99)));
    /* Planning and detection are inverse: at the planned n, minEffect is (just) detectable. */
    uint64_t n;
    gs_error err;
    const double w4[] = {25, 25, 25, 25};
    ck_assert_int_eq(gs_plan_requests(w4, 4, 0.001, 0.99, 0.02, &n, &err), 0);
    d = gs_plan_detectable(w4, 4, n, 0.001, 0.99);
    ck_assert_msg(d <= 0.02 && d > 0.0199, "n %llu detects %.6f", (unsigned long long)n, d);
}
END_TEST

START_TEST(plan_edges)
{
    uint64_t n = 0;
    gs_error err;
    const double one[] = {100, 0};
    ck_assert_int_eq(gs_plan_requests(one, 2, 0.001, 0.99, 0.02, &n, &err), 0);
    ck_assert_uint_eq(n, 1);
    const double w[] = {50, 50};
    ck_assert_int_eq(gs_plan_requests(w, 2, 0.001, 0.99, 0.0, &n, &err), GS_ERR_INVALID);
    ck_assert_int_eq(gs_plan_requests(w, 2, 0.001, 1.5, 0.02, &n, &err), GS_ERR_INVALID);
    const double bad[] = {-1, 2};
    ck_assert_int_eq(gs_plan_requests(bad, 2, 0.001, 0.99, 0.02, &n, &err), GS_ERR_INVALID);
    ck_assert_int_eq(gs_plan_requests(w, 2, 1e-12, 0.999999, 1e-5, &n, &err), GS_ERR_RANGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "needs more than"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stats/plan");
    TCase *tc = tcase_create("plan");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, plan_two_backends);
    tcase_add_test(tc, plan_g_test_and_holm);
    tcase_add_test(tc, detectable_deviation);
    tcase_add_test(tc, plan_edges);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
