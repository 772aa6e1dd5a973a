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
    ck_assert_int_eq(gs_plan_requests(w, 2, 0.001, 0.0, 0.99, 0.05, &n, &err), 0);
    ck_assert_uint_eq(n, 2765);
    REL_EQ(gs_plan_power_backend(s, 2, 0, 2765, 0.001, 0.0, 0.05), 0.99014188628451594, 1e-9,
           "min(brute_power(2765, 0.7, 0.001, 0.75), brute_power(2765, 0.7, 0.001, 0.65))");
    REL_EQ(gs_plan_power_backend(s, 2, 0, 2488, 0.001, 0.0, 0.05), 0.97917638907750826, 1e-9,
           "min(brute_power(2488, 0.7, 0.001, 0.75), brute_power(2488, 0.7, 0.001, 0.65))");
    /* The planned n reaches the power; a tenth fewer does not. */
    ck_assert(gs_plan_power_backend(s, 2, 0, n, 0.001, 0.0, 0.05) >= 0.99);
    ck_assert(gs_plan_power_backend(s, 2, 1, n, 0.001, 0.0, 0.05) >= 0.99);
    ck_assert(gs_plan_power_backend(s, 2, 0, n * 9 / 10, 0.001, 0.0, 0.05) < 0.99);
}
END_TEST

START_TEST(plan_holm_worst_direction)
{
    uint64_t n;
    gs_error err;
    /* Three or more backends: Holm, planned at alpha / m against the worse direction. */
    const double w[] = {40, 30, 30}, s[] = {0.4, 0.3, 0.3};
    ck_assert_int_eq(gs_plan_requests(w, 3, 0.001, 0.0, 0.99, 0.05, &n, &err), 0);
    ck_assert_uint_eq(n, 3414);
    ck_assert_int_eq(gs_gof_choose(s, 3), GS_GOF_BINOMIAL_HOLM);
    REL_EQ(gs_plan_power_backend(s, 3, 0, 3414, 0.001, 0.0, 0.05), 0.9902348177823946, 1e-9,
           "min(brute_power(3414, 0.4, 0.001/3, 0.45), brute_power(3414, 0.4, 0.001/3, 0.35))");
    REL_EQ(gs_plan_power_backend(s, 3, 0, 3413, 0.001, 0.0, 0.05), 0.98983125991693, 1e-9,
           "min(brute_power(3413, 0.4, 0.001/3, 0.45), brute_power(3413, 0.4, 0.001/3, 0.35))");
    REL_EQ(gs_plan_power_backend(s, 3, 1, 3414, 0.001, 0.0, 0.05), 0.9959146092033189, 1e-9,
           "min(brute_power(3414, 0.3, 0.001/3, 0.35), brute_power(3414, 0.3, 0.001/3, 0.25))");

    /* Small counts. */
    const double e[] = {1, 1, 1}, es[] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
    ck_assert_int_eq(gs_plan_requests(e, 3, 0.001, 0.0, 0.9, 0.25, &n, &err), 0);
    ck_assert_uint_eq(n, 91);
    REL_EQ(gs_plan_power_backend(es, 3, 0, 91, 0.001, 0.0, 0.25), 0.9185672534344862, 1e-9,
           "min(brute_power(91, 1/3, 0.001/3, 1/3 + 0.25), brute_power(91, 1/3, 0.001/3, 1/3 - "
           "0.25))");
}
END_TEST

START_TEST(plan_small_share_gets_nothing)
{
    /* 999:1 at minEffect 0.02: 0.001 - 0.02 is not a share, so the downward alternative is 0
     * (the canary gets nothing), and it decides: the first n at which 0 of n is rejected. */
    const double w[] = {999, 1}, s[] = {0.999, 0.001};
    uint64_t n;
    gs_error err;
    ck_assert_int_eq(gs_plan_requests(w, 2, 0.001, 0.0, 0.99, 0.02, &n, &err), 0);
    /* stats.binomtest(0, 7555, 0.001).pvalue = 0.0008496099431335895,
     * stats.binomtest(0, 7554, 0.001).pvalue = 0.0013714782970844707 */
    ck_assert_uint_eq(n, 7555);
    ck_assert_double_eq(gs_plan_power_backend(s, 2, 1, 7555, 0.001, 0.0, 0.02), 1.0);
    ck_assert_double_eq(gs_plan_power_backend(s, 2, 1, 7554, 0.001, 0.0, 0.02), 0.0);
    /* With a tolerance the band stops at 0.0005: the plan reaches 0 of n against it
     * (stats.binomtest(0, 15108, 0.0005).pvalue = 0.0008519634381281801). */
    ck_assert_int_eq(gs_plan_requests(w, 2, 0.001, 0.005, 0.99, 0.02, &n, &err), 0);
    ck_assert_uint_eq(n, 15108);
}
END_TEST

START_TEST(plan_tolerance)
{
    /* A tolerance below minEffect costs requests (the deviation beyond the band is smaller),
     * one at or above it is refused. */
    const double w[] = {50, 50};
    uint64_t n0, n1;
    gs_error err;
    ck_assert_int_eq(gs_plan_requests(w, 2, 0.001, 0.0, 0.99, 0.02, &n0, &err), 0);
    ck_assert_uint_eq(n0, 19742);
    ck_assert_int_eq(gs_plan_requests(w, 2, 0.001, 0.005, 0.99, 0.02, &n1, &err), 0);
    ck_assert(n1 > n0 * 3 / 2 && n1 < n0 * 2);
    const double s[] = {0.5, 0.5};
    ck_assert(gs_plan_power_backend(s, 2, 0, n1, 0.001, 0.005, 0.02) >= 0.99);
    ck_assert(gs_plan_power_backend(s, 2, 0, n1 * 9 / 10, 0.001, 0.005, 0.02) < 0.99);
    ck_assert_int_eq(gs_plan_requests(w, 2, 0.001, 0.02, 0.99, 0.02, &n1, &err), GS_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "tolerance"));
}
END_TEST

START_TEST(detectable_deviation)
{
    const double w[] = {70, 30};
    double d = gs_plan_detectable(w, 2, 4000, 0.001, 0.0, 0.99);
    /* Between the two deviations scipy puts on either side of power 0.99:
     * min(brute_power(4000, 0.7, 0.001, 0.7 + 0.04151), brute_power(4000, 0.7, 0.001, 0.7 -
     * 0.04151)) = 0.99000751250751717 min(brute_power(4000, 0.7, 0.001, 0.7 + 0.0410),
     * brute_power(4000, 0.7, 0.001, 0.7 - 0.0410)) = 0.98805452523547943 */
    ck_assert_msg(d > 0.0410 && d <= 0.04151, "detectable %.6f", d);
    /* More samples detect less; too few detect nothing that keeps shares probabilities. */
    ck_assert(gs_plan_detectable(w, 2, 40000, 0.001, 0.0, 0.99) < d / 3);
    ck_assert(isnan(gs_plan_detectable(w, 2, 3, 0.001, 0.0, 0.99)));
    /* Planning and detection are inverse: at the planned n, minEffect is (just) detectable. */
    uint64_t n;
    gs_error err;
    const double w4[] = {25, 25, 25, 25};
    ck_assert_int_eq(gs_plan_requests(w4, 4, 0.001, 0.0, 0.99, 0.02, &n, &err), 0);
    d = gs_plan_detectable(w4, 4, n, 0.001, 0.0, 0.99);
    ck_assert_msg(d <= 0.02 && d > 0.0199, "n %llu detects %.6f", (unsigned long long)n, d);
}
END_TEST

START_TEST(plan_edges)
{
    uint64_t n = 0;
    gs_error err;
    const double one[] = {100, 0};
    ck_assert_int_eq(gs_plan_requests(one, 2, 0.001, 0.0, 0.99, 0.02, &n, &err), 0);
    ck_assert_uint_eq(n, 1);
    const double w[] = {50, 50};
    ck_assert_int_eq(gs_plan_requests(w, 2, 0.001, 0.0, 0.99, 0.0, &n, &err), GS_ERR_INVALID);
    ck_assert_int_eq(gs_plan_requests(w, 2, 0.001, 0.0, 1.5, 0.02, &n, &err), GS_ERR_INVALID);
    const double bad[] = {-1, 2};
    ck_assert_int_eq(gs_plan_requests(bad, 2, 0.001, 0.0, 0.99, 0.02, &n, &err), GS_ERR_INVALID);
    ck_assert_int_eq(gs_plan_requests(w, 2, 1e-12, 0.0, 0.999999, 1e-5, &n, &err), GS_ERR_RANGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "needs more than"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stats/plan");
    TCase *tc = tcase_create("plan");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, plan_two_backends);
    tcase_add_test(tc, plan_holm_worst_direction);
    tcase_add_test(tc, plan_small_share_gets_nothing);
    tcase_add_test(tc, plan_tolerance);
    tcase_add_test(tc, detectable_deviation);
    tcase_add_test(tc, plan_edges);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
