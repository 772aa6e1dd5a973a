/* SPDX-License-Identifier: MIT */
/* Fisher's exact test against exact rational reference values (tests/data/stats/
 * fisher_reference.py prints them, with scipy.stats.fisher_exact's definition; the first is
 * the example of scipy's documentation), the two-sample comparison's Holm decision, and its
 * error rates by seeded simulation (gs_rng). */
#include "gs_rng.h"
#include "gs_test.h"
#include "gs_twosample.h"

#include <math.h>

typedef struct fisher_row {
    uint64_t a, b, c, d;
    double want;
} fisher_row;

START_TEST(fisher_matches_reference)
{
    const fisher_row rows[] = {
        {8, 2, 1, 5, 0.03496503496503497},
        {1, 9, 11, 3, 0.0027594561852200836},
        {3, 1, 1, 3, 0.4857142857142857},
        {5, 5, 5, 5, 1.0},
        {200, 800, 300, 700, 2.975241938212637e-07},
        {195, 805, 212, 788, 0.37420572551499187},
        {0, 1000, 30, 970, 1.4936655762609025e-09},
        {1000, 0, 0, 1000, 0.0},
        {7, 93, 0, 100, 0.014017765516375317},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const fisher_row *r = &rows[i];
        double got = gs_twosample_fisher(r->a, r->b, r->c, r->d);
        double scale = r->want > 0 ? r->want : 1.0;
        ck_assert_msg(fabs(got - r->want) <= 1e-9 * scale,
                      "fisher(%llu, %llu, %llu, %llu): got %.17g, want %.17g",
                      (unsigned long long)r->a, (unsigned long long)r->b,
                      (unsigned long long)r->c, (unsigned long long)r->d, got, r->want);
        /* the test is symmetric in the samples and in the outcome's two columns */
        ck_assert_double_eq_tol(gs_twosample_fisher(r->c, r->d, r->a, r->b), got, 1e-12 * scale);
        ck_assert_double_eq_tol(gs_twosample_fisher(r->b, r->a, r->d, r->c), got, 1e-12 * scale);
    }
    /* an empty margin: nothing to test */
    ck_assert_double_eq(gs_twosample_fisher(0, 0, 3, 4), 1.0);
    ck_assert_double_eq(gs_twosample_fisher(0, 5, 0, 4), 1.0);
}
END_TEST

START_TEST(compare_decides_with_holm)
{
    gs_error err = {0};
    gs_twosample_result res;
    /* two outcomes: one table, no correction; 20% against 30% of 1000 each */
    gs_twosample_cat two[] = {{.count_a = 800, .count_b = 700}, {.count_a = 200, .count_b = 300}};
    ck_assert_int_eq(gs_twosample_compare(two, 2, 0.001, &res, &err), 0);
    ck_assert(res.differs);
    ck_assert_uint_eq(res.active, 2);
    ck_assert_double_eq_tol(two[0].p_value, 2.975241938212637e-07, 1e-15);
    ck_assert_double_eq_tol(two[1].p_adjusted, two[1].p_value, 1e-18);
    ck_assert_double_eq_tol(res.p_value, 2.975241938212637e-07, 1e-15);
    ck_assert_double_eq_tol(two[1].share_a, 0.2, 1e-12);
    ck_assert_double_eq_tol(two[1].share_b, 0.3, 1e-12);

    /* three outcomes, one seen on one side only: Holm multiplies the smallest p by 3 */
    gs_twosample_cat three[] = {{.count_a = 8, .count_b = 1}, {.count_a = 2, .count_b = 5},
                                {.count_a = 0, .count_b = 4}, {0}};
    ck_assert_int_eq(gs_twosample_compare(three, 4, 0.05, &res, &err), 0);
    ck_assert_uint_eq(res.active, 3);
    ck_assert_double_eq_tol(three[0].p_value, gs_twosample_fisher(8, 2, 1, 9), 1e-15);
    double smallest = fmin(three[0].p_value, fmin(three[1].p_value, three[2].p_value));
    ck_assert_double_eq_tol(res.p_value, fmin(1.0, 3 * smallest), 1e-15);
    ck_assert(res.differs == (res.p_value <= 0.05));
    ck_assert_double_eq(three[3].p_value, 1.0);
    ck_assert(!three[3].differs);
    /* adjusted p-values never fall below those of smaller raw p-values */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (three[i].p_value <= three[j].p_value)
                ck_assert(three[i].p_adjusted <= three[j].p_adjusted + 1e-15);

    /* the same deterministic answer on both sides: one outcome, nothing differs */
    gs_twosample_cat one[] = {{.count_a = 50, .count_b = 70}};
    ck_assert_int_eq(gs_twosample_compare(one, 1, 0.001, &res, &err), 0);
    ck_assert(!res.differs);
    ck_assert_double_eq(res.p_value, 1.0);
    /* deterministic answers that differ: detected */
    gs_twosample_cat apart[] = {{.count_a = 50, .count_b = 0}, {.count_a = 0, .count_b = 50}};
    ck_assert_int_eq(gs_twosample_compare(apart, 2, 0.001, &res, &err), 0);
    ck_assert(res.differs);

    /* errors */
    gs_twosample_cat empty[] = {{.count_a = 0, .count_b = 3}};
    ck_assert_int_eq(gs_twosample_compare(empty, 1, 0.001, &res, &err), GS_ERR_INVALID);
    ck_assert_int_eq(gs_twosample_compare(two, 2, 1.5, &res, &err), GS_ERR_INVALID);
}
END_TEST

/* Draws n outcomes with the cumulative shares |cum| (k outcomes) into counts. */
static void draw(gs_rng *rng, const double *cum, size_t k, uint64_t n, uint64_t *counts)
{
    for (size_t i = 0; i < k; i++)
        counts[i] = 0;
    for (uint64_t r = 0; r < n; r++) {
        double u = gs_rng_uniform(rng);
        size_t i = 0;
        while (i + 1 < k && u >= cum[i])
            i++;
        counts[i]++;
    }
}

START_TEST(error_rates_by_simulation)
{
    gs_rng rng;
    gs_rng_seed(&rng, 18);
    gs_error err = {0};
    /* the same 60/30/10 split on both sides, 300 requests each, alpha 0.05: Fisher's test is
     * conservative, so the rate of "differs" is at most alpha + 4 sd of 2,000 runs */
    const double same[] = {0.6, 0.9, 1.0};
    unsigned false_failures = 0;
    for (int run = 0; run < 2000; run++) {
        uint64_t a[3], b[3];
        draw(&rng, same, 3, 300, a);
        draw(&rng, same, 3, 300, b);
        gs_twosample_cat cats[3];
        for (int i = 0; i < 3; i++)
            cats[i] = (gs_twosample_cat){.count_a = a[i], .count_b = b[i]};
        gs_twosample_result res;
        ck_assert_int_eq(gs_twosample_compare(cats, 3, 0.05, &res, &err), 0);
        false_failures += res.differs;
    }
    ck_assert_msg(false_failures <= 2000 * 0.05 + 4 * sqrt(2000 * 0.05 * 0.95),
                  "%u of 2000 equal samples reported as different at alpha 0.05", false_failures);
    ck_assert_msg(false_failures > 0, "a test that never rejects proves nothing");

    /* 80/20 against 70/30, 1000 requests each, alpha 0.001: power about 0.97 */
    const double x[] = {0.8, 1.0}, y[] = {0.7, 1.0};
    unsigned found = 0;
    for (int run = 0; run < 200; run++) {
        uint64_t a[2], b[2];
        draw(&rng, x, 2, 1000, a);
        draw(&rng, y, 2, 1000, b);
        gs_twosample_cat cats[2] = {{.count_a = a[0], .count_b = b[0]},
                                    {.count_a = a[1], .count_b = b[1]}};
        gs_twosample_result res;
        ck_assert_int_eq(gs_twosample_compare(cats, 2, 0.001, &res, &err), 0);
        found += res.differs;
    }
    ck_assert_msg(found >= 180, "80/20 against 70/30 found in %u of 200 runs", found);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stats/twosample");
    TCase *tc = tcase_create("twosample");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, fisher_matches_reference);
    tcase_add_test(tc, compare_decides_with_holm);
    tcase_add_test(tc, error_rates_by_simulation);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
