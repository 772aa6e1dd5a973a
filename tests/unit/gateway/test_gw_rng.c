/* SPDX-License-Identifier: MIT */
/* Seedable generator, weighted choice and mirror sampling: determinism, zero weights never
 * chosen, all-zero gives -1, and shares within a tight bound of the weights. The weighted choice
 * is the live one: the route table's gs_rt_rule_pick_backend fed by this generator, as the
 * exchange calls it. */
#include "gs_gw_rng.h"
#include "gs_route_table.h"
#include "gs_test.h"

#include <math.h>

/* One backend pick of a rule whose backends have |weights| (n <= 8), as gs_gw_exchange.c makes
 * it. No Check assertion in here: each one costs a message to the parent process, and the
 * shares test makes 200,000 picks. */
static int pick(gs_gw_rng *rng, const uint32_t *weights, size_t n)
{
    gs_rt_backend b[8] = {{0}};
    gs_rt_rule rule = {.backends = b, .n_backends = n < 8 ? n : 8};
    for (size_t i = 0; i < n; i++) {
        b[i].weight = weights[i];
        rule.total_weight += weights[i]; /* what gs_route_table_compile sets */
    }
    return gs_rt_rule_pick_backend(&rule, (uint32_t)gs_gw_rng_next(rng));
}

START_TEST(rng_same_seed_same_sequence)
{
    gs_gw_rng a, b, c;
    gs_gw_rng_seed(&a, 42);
    gs_gw_rng_seed(&b, 42);
    gs_gw_rng_seed(&c, 43);
    int differ = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = gs_gw_rng_next(&a);
        ck_assert_uint_eq(x, gs_gw_rng_next(&b));
        differ += x != gs_gw_rng_next(&c);
    }
    ck_assert_int_gt(differ, 90);
}
END_TEST

START_TEST(rng_weighted_shares)
{
    gs_gw_rng rng;
    gs_gw_rng_seed(&rng, 7);
    const uint32_t w[] = {95, 0, 5};
    int counts[3] = {0}, none = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        int k = pick(&rng, w, 3);
        if (k < 0)
            none++;
        else
            counts[k]++;
    }
    ck_assert_int_eq(none, 0);
    ck_assert_int_eq(counts[1], 0);
    /* 95/5 with n=200000: sd of the 5% share is ~0.0005; 6 sd bound. */
    double share = (double)counts[2] / n;
    ck_assert_msg(fabs(share - 0.05) < 0.003, "share %f", share);
}
END_TEST

START_TEST(rng_weighted_all_zero)
{
    gs_gw_rng rng;
    gs_gw_rng_seed(&rng, 1);
    const uint32_t w[] = {0, 0};
    ck_assert_int_eq(pick(&rng, w, 2), -1);
    ck_assert_int_eq(pick(&rng, w, 0), -1);
    const uint32_t one[] = {0, 3};
    int other = 0;
    for (int i = 0; i < 1000; i++)
        other += pick(&rng, one, 2) != 1;
    ck_assert_int_eq(other, 0);
}
END_TEST

START_TEST(rng_sample_fraction)
{
    gs_gw_rng rng;
    gs_gw_rng_seed(&rng, 99);
    int hits = 0;
    const int n = 100000;
    for (int i = 0; i < n; i++)
        hits += gs_gw_rng_sample(&rng, 1, 3);
    double share = (double)hits / n;
    ck_assert_msg(fabs(share - 1.0 / 3) < 0.01, "share %f", share);
    ck_assert(gs_gw_rng_sample(&rng, 100, 100));
    ck_assert(gs_gw_rng_sample(&rng, 100, 0)); /* percent 100 */
    ck_assert(!gs_gw_rng_sample(&rng, 0, 100));
}
END_TEST

START_TEST(rng_below_bounds)
{
    gs_gw_rng rng;
    gs_gw_rng_seed(&rng, 5);
    int seen[7] = {0};
    for (int i = 0; i < 7000; i++) {
        uint64_t x = gs_gw_rng_below(&rng, 7);
        ck_assert_uint_lt(x, 7);
        seen[x]++;
    }
    for (int i = 0; i < 7; i++)
        ck_assert_int_gt(seen[i], 800);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_rng");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, rng_same_seed_same_sequence);
    tcase_add_test(tc, rng_weighted_shares);
    tcase_add_test(tc, rng_weighted_all_zero);
    tcase_add_test(tc, rng_sample_fraction);
    tcase_add_test(tc, rng_below_bounds);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
