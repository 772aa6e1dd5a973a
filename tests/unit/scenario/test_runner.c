/* SPDX-License-Identifier: MIT */
/* Runner pieces that need no processes: label selection, and the refusal to start without the
 * binaries it runs. (Whole runs are tested end to end in tests/integration/run.) */
#include "gs_runner.h"
#include "gs_report.h"
#include "gs_test.h"

#include <string.h>

START_TEST(runner_select_labels)
{
    gs_scenario_kv labels[] = {{"gatesim.dev/feature", "HTTPRouteWeight", {0}},
                               {"tier", "fast", {0}}};
    gs_scenario sc = {.name = "s", .labels = labels, .n_labels = 2};
    const char *none[] = {NULL};
    ck_assert(gs_runner_selected(&sc, none, 0));
    const char *one[] = {"gatesim.dev/feature=HTTPRouteWeight"};
    ck_assert(gs_runner_selected(&sc, one, 1));
    const char *both[] = {"gatesim.dev/feature=HTTPRouteWeight", "tier=fast"};
    ck_assert(gs_runner_selected(&sc, both, 2));
    const char *wrong[] = {"gatesim.dev/feature=HTTPRouteWeight", "tier=slow"};
    ck_assert(!gs_runner_selected(&sc, wrong, 2));
    const char *prefix[] = {"gatesim.dev/feature=HTTPRoute"}; /* values match whole */
    ck_assert(!gs_runner_selected(&sc, prefix, 1));
    const char *key_prefix[] = {"tie=fast"};
    ck_assert(!gs_runner_selected(&sc, key_prefix, 1));
}
END_TEST

START_TEST(runner_refuses_missing_binaries)
{
    gs_scenario_list list = {0};
    gs_results *r;
    gs_results_new(&r, "builtin", 0, 0);
    gs_runner_config cfg = {.target = "builtin",
                            .gatesim_path = "/bin/true",
                            .echo_path = "/nonexistent/gatesim-echo",
                            .formats = GS_REPORT_JSON};
    gs_error err = {0};
    ck_assert_int_eq(gs_runner_run(&cfg, &list, r, &err), GS_ERR_USAGE);
    ck_assert(strstr(err.msg, "cannot run the echo backend /nonexistent/gatesim-echo") != NULL);
    cfg.echo_path = "/bin/true";
    cfg.gatesim_path = NULL;
    ck_assert_int_eq(gs_runner_run(&cfg, &list, r, &err), GS_ERR_USAGE);
    /* With both, an empty list runs nothing and writes no report (the command exits 2). */
    cfg.gatesim_path = "/bin/true";
    cfg.report_dir = "/nonexistent/gatesim-results";
    ck_assert_int_eq(gs_runner_run(&cfg, &list, r, &err), GS_RUNNER_EMPTY);
    ck_assert_int_ne(r->state, GS_RUN_COMPLETE);
    ck_assert_uint_eq(r->scenarios_len, 0);
    gs_results_free(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runner");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, runner_select_labels);
    tcase_add_test(tc, runner_refuses_missing_binaries);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
