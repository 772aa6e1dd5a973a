/* SPDX-License-Identifier: MIT */
/* The results model: building, counting, summarizing, and stable pointers while growing. */
#include "gs_results.h"
#include "gs_test.h"

#include <math.h>
#include <stdio.h>

START_TEST(results_build_and_summarize)
{
    gs_results *r;
    ck_assert_int_eq(gs_results_new(&r, "exec:./target.sh", 1, 2), 0);
    ck_assert_str_eq(r->target, "exec:./target.sh"); /* as given: no default in the results */
    gs_results_scenario *first = gs_results_add_scenario(r, "a", NULL);
    /* Many more scenarios: |first| must stay valid (arrays of pointers). */
    for (int i = 0; i < 100; i++) {
        char name[16];
        snprintf(name, sizeof(name), "s%d", i);
        gs_results_scenario *s = gs_results_add_scenario(r, name, "f.yaml");
        s->result = i % 4 == 0   ? GS_RESULT_PASSED
                    : i % 4 == 1 ? GS_RESULT_FAILED
                    : i % 4 == 2 ? GS_RESULT_ERROR
                                 : GS_RESULT_SKIPPED;
    }
    ck_assert_str_eq(first->name, "a");
    gs_results_summary sum;
    gs_results_summarize(r, &sum);
    ck_assert_uint_eq(sum.scenarios, 101);
    ck_assert_uint_eq(sum.passed, 25);
    ck_assert_uint_eq(sum.failed, 25);
    ck_assert_uint_eq(sum.errors, 25);
    ck_assert_uint_eq(sum.skipped, 25);
    ck_assert_uint_eq(sum.pending, 1);

    gs_results_step *st = gs_results_add_step(first, "step");
    ck_assert(st->convergence_ms < 0);
    gs_results_check *c = gs_results_add_check(st, "split");
    ck_assert(isnan(c->p_value) && isnan(c->alpha));
    gs_results_share *sh = gs_results_add_share(c, "default/a");
    ck_assert(isnan(sh->ci_low));
    gs_results_set(&c->message, "%d of %d", 3, 4);
    ck_assert_str_eq(c->message, "3 of 4");
    gs_results_set(&c->message, "%s", "replaced");
    ck_assert_str_eq(c->message, "replaced");
    gs_results_set(&c->message, NULL);
    ck_assert_ptr_null(c->message);

    gs_results_counts_add(&st->traffic.statuses, "200", 5);
    gs_results_counts_add(&st->traffic.statuses, "503", 1);
    gs_results_counts_add(&st->traffic.statuses, "200", 2);
    ck_assert_uint_eq(st->traffic.statuses.len, 2);
    ck_assert_uint_eq(gs_results_counts_get(&st->traffic.statuses, "200"), 7);
    ck_assert_uint_eq(gs_results_counts_get(&st->traffic.statuses, "404"), 0);
    ck_assert_str_eq(st->traffic.statuses.items[1].name, "503");
    gs_results_free(r);
    gs_results_free(NULL);
}
END_TEST

START_TEST(result_names)
{
    ck_assert_str_eq(gs_result_name(GS_RESULT_PASSED), "passed");
    ck_assert_str_eq(gs_result_name(GS_RESULT_FAILED), "failed");
    ck_assert_str_eq(gs_result_name(GS_RESULT_ERROR), "error");
    ck_assert_str_eq(gs_result_name(GS_RESULT_SKIPPED), "skipped");
    ck_assert_str_eq(gs_result_name(GS_RESULT_PENDING), "pending");
    ck_assert_str_eq(gs_run_state_name(GS_RUN_INTERRUPTED), "interrupted");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reports/results");
    TCase *tc = tcase_create("results");
    tcase_add_test(tc, results_build_and_summarize);
    tcase_add_test(tc, result_names);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
