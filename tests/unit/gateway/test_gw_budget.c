/* SPDX-License-Identifier: MIT */
/* Hostile-client budgets: a two-level byte budget charges the connection and the process
 * together or not at all; the per-address limiter bans an address over its budget for the ban
 * time, forgets old windows, keeps addresses apart and stays within its fixed table. */
#include "gs_gw_addrlim.h"
#include "gs_gw_budget.h"
#include "gs_test.h"
#include "gs_time.h"

#include <stdio.h>

START_TEST(budget_charges_both_or_neither)
{
    gs_gw_budget proc = {.limit = 100};
    gs_gw_budget a = {.limit = 60}, b = {.limit = 60};
    ck_assert(gs_gw_budget_take(&a, &proc, 50));
    ck_assert(!gs_gw_budget_take(&a, &proc, 11)); /* the connection's share is spent */
    ck_assert_uint_eq(a.used, 50);
    ck_assert_uint_eq(proc.used, 50);
    ck_assert(gs_gw_budget_take(&b, &proc, 50));
    ck_assert(!gs_gw_budget_take(&b, &proc, 1)); /* the process's total and b's share are spent */
    ck_assert_uint_eq(b.used, 50);
    ck_assert_uint_eq(proc.used, 100);
    gs_gw_budget_give(&a, &proc, 50);
    ck_assert_uint_eq(a.used, 0);
    ck_assert(gs_gw_budget_take(&b, &proc, 10));
    ck_assert_uint_eq(proc.peak, 100);
    ck_assert(!gs_gw_budget_take(&a, &proc, (size_t)-1)); /* no overflow */
}
END_TEST

START_TEST(budget_fair_share_past_the_process_limit)
{
    gs_gw_budget proc = {.limit = 100};
    gs_gw_budget greedy1 = {.limit = 80}, greedy2 = {.limit = 80}, small = {.limit = 80};
    ck_assert(gs_gw_budget_take(&greedy1, &proc, 60));
    ck_assert(gs_gw_budget_take(&greedy2, &proc, 40)); /* the process limit is reached */
    ck_assert_uint_eq(proc.holders, 2);
    /* Past the limit a greedy connection is refused (its share is 100 / 2 = 50)... */
    ck_assert(!gs_gw_budget_take(&greedy1, &proc, 1));
    /* ...but a connection holding nothing gets up to its share (100 / 3 = 33). */
    ck_assert(gs_gw_budget_take(&small, &proc, 20));
    ck_assert_uint_eq(proc.holders, 3);
    ck_assert(!gs_gw_budget_take(&small, &proc, 14)); /* 34 > 33 */
    ck_assert(gs_gw_budget_take(&small, &proc, 13));
    ck_assert_uint_le(proc.used, 2 * proc.limit);
    gs_gw_budget_give(&small, &proc, 33);
    ck_assert_uint_eq(proc.holders, 2);
    gs_gw_budget_give(&greedy1, &proc, 60);
    gs_gw_budget_give(&greedy2, &proc, 40);
    ck_assert_uint_eq(proc.holders, 0);
    ck_assert_uint_eq(proc.used, 0);
}
END_TEST

START_TEST(addrlim_bans_over_budget_then_forgives)
{
    gs_gw_addrlim l;
    gs_gw_addrlim_init(&l, 16, 10, 10 * GS_NS_PER_S, 5 * GS_NS_PER_S);
    int64_t t = 1000 * GS_NS_PER_S;
    ck_assert(!gs_gw_addrlim_charge(&l, "127.0.0.2", t, 10)); /* exactly the budget */
    ck_assert(!gs_gw_addrlim_banned(&l, "127.0.0.2", t));
    ck_assert(gs_gw_addrlim_charge(&l, "127.0.0.2", t + 1, 1)); /* one over: banned */
    ck_assert(gs_gw_addrlim_banned(&l, "127.0.0.2", t + 1));
    ck_assert_uint_eq(l.bans, 1);
    ck_assert(!gs_gw_addrlim_banned(&l, "127.0.0.1", t + 1)); /* another address is not */
    ck_assert(!gs_gw_addrlim_charge(&l, "127.0.0.1", t + 1, 10));
    ck_assert(gs_gw_addrlim_charge(&l, "127.0.0.2", t + 2 * GS_NS_PER_S, 1)); /* still banned */
    ck_assert_uint_eq(l.bans, 1);
    /* The ban is over after 5 s: a fresh budget. */
    ck_assert(!gs_gw_addrlim_banned(&l, "127.0.0.2", t + 6 * GS_NS_PER_S));
    ck_assert(!gs_gw_addrlim_charge(&l, "127.0.0.2", t + 6 * GS_NS_PER_S, 10));
    gs_gw_addrlim_free(&l);
}
END_TEST

START_TEST(addrlim_window_restarts)
{
    gs_gw_addrlim l;
    gs_gw_addrlim_init(&l, 16, 10, GS_NS_PER_S, GS_NS_PER_S);
    int64_t t = GS_NS_PER_S;
    for (int i = 0; i < 20; i++) /* 9 per window, for 20 windows: never over */
        ck_assert(!gs_gw_addrlim_charge(&l, "::1", t + i * GS_NS_PER_S, 9));
    ck_assert_uint_eq(l.bans, 0);
    gs_gw_addrlim_free(&l);
}
END_TEST

START_TEST(addrlim_table_stays_fixed)
{
    gs_gw_addrlim l;
    gs_gw_addrlim_init(&l, 8, 1, 10 * GS_NS_PER_S, 10 * GS_NS_PER_S);
    ck_assert_uint_eq(l.n_slots, 8);
    ck_assert(gs_gw_addrlim_charge(&l, "10.0.0.1", 1, 2)); /* banned */
    char a[32];
    for (int i = 0; i < 1000; i++) { /* many addresses: old unbanned ones are forgotten */
        snprintf(a, sizeof(a), "10.1.%d.%d", i / 250, i % 250);
        ck_assert(!gs_gw_addrlim_charge(&l, a, 2 + i, 1));
    }
    ck_assert_uint_eq(l.n_slots, 8);
    /* The banned address is kept while other slots are free of bans. */
    ck_assert(gs_gw_addrlim_banned(&l, "10.0.0.1", 2000));
    gs_gw_addrlim_free(&l);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_budget");
    TCase *tc = tcase_create("budget");
    tcase_add_test(tc, budget_charges_both_or_neither);
    tcase_add_test(tc, budget_fair_share_past_the_process_limit);
    tcase_add_test(tc, addrlim_bans_over_budget_then_forgives);
    tcase_add_test(tc, addrlim_window_restarts);
    tcase_add_test(tc, addrlim_table_stays_fixed);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
