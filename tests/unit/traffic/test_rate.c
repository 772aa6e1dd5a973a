/* SPDX-License-Identifier: MIT */
/* gs_rate: the open-loop schedule hands out intended times at exactly 1/rate, reports the
 * backlog when the sender falls behind, and does not drift over long runs. */
#include "gs_rate.h"
#include "gs_test.h"
#include "gs_time.h"

START_TEST(intended_times_follow_the_rate)
{
    gs_rate r;
    gs_rate_init(&r, 1000, 5000); /* every 1 ms from t=5000 ns */
    ck_assert_int_eq(gs_rate_due(&r, 4999), 0);
    ck_assert_int_eq(gs_rate_due(&r, 5000), 1);
    ck_assert_int_eq(gs_rate_take(&r), 5000);
    ck_assert_int_eq(gs_rate_due(&r, 5000), 0);
    ck_assert_int_eq(gs_rate_next_ns(&r), 5000 + GS_NS_PER_MS);
    ck_assert_int_eq(gs_rate_due(&r, 5000 + GS_NS_PER_MS - 1), 0);
    ck_assert_int_eq(gs_rate_due(&r, 5000 + GS_NS_PER_MS), 1);
    ck_assert_int_eq(gs_rate_take(&r), 5000 + GS_NS_PER_MS);
}
END_TEST

START_TEST(backlog_keeps_intended_times)
{
    gs_rate r;
    gs_rate_init(&r, 100, 0); /* every 10 ms */
    /* the sender stalls for 95 ms: 10 requests are due, each keeps its own intended time */
    ck_assert_int_eq(gs_rate_due(&r, 95 * GS_NS_PER_MS), 10);
    for (int k = 0; k < 10; k++)
        ck_assert_int_eq(gs_rate_take(&r), k * 10 * GS_NS_PER_MS);
    ck_assert_int_eq(gs_rate_due(&r, 95 * GS_NS_PER_MS), 0);
    ck_assert_int_eq(gs_rate_next_ns(&r), 100 * GS_NS_PER_MS);
}
END_TEST

START_TEST(no_drift_with_fractional_intervals)
{
    gs_rate r;
    gs_rate_init(&r, 3, 0); /* 333,333,333.33 ns */
    for (int k = 0; k < 3000000; k++)
        (void)gs_rate_take(&r);
    /* after 3 million requests at 3/s, exactly 1,000,000 s have passed */
    ck_assert_int_eq(gs_rate_next_ns(&r), INT64_C(1000000) * GS_NS_PER_S);
    ck_assert_int_eq(gs_rate_due(&r, INT64_C(1000000) * GS_NS_PER_S - 1), 0);
    ck_assert_int_eq(gs_rate_due(&r, INT64_C(1000000) * GS_NS_PER_S), 1);
}
END_TEST

START_TEST(due_counts_are_consistent_with_intended_times)
{
    gs_rate r;
    gs_rate_init(&r, 7919, 123);
    for (int64_t now = 0; now < 50 * GS_NS_PER_MS; now += 77777) {
        uint64_t due = gs_rate_due(&r, now);
        for (uint64_t k = 0; k < due; k++)
            ck_assert_int_le(gs_rate_take(&r), now);
        ck_assert_int_gt(gs_rate_next_ns(&r), now);
    }
    /* 50 ms at 7919/s: 396 requests due from t=123 */
    ck_assert_int_ge(r.taken, 395);
    ck_assert_int_le(r.taken, 397);
}
END_TEST

static Suite *rate_suite(void)
{
    Suite *s = suite_create("rate");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, intended_times_follow_the_rate);
    tcase_add_test(tc, backlog_keeps_intended_times);
    tcase_add_test(tc, no_drift_with_fractional_intervals);
    tcase_add_test(tc, due_counts_are_consistent_with_intended_times);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(rate_suite());
}
