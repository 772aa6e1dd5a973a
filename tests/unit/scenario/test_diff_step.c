/* SPDX-License-Identifier: MIT */
/* The scenario diff step: the objects of its before side that the model refuses are an error at
 * their place in the scenario (file:line:col of the field), not in a re-rendered copy. The
 * objects are refused before any target starts. */
#include "gs_diff_step.h"
#include "gs_alloc.h"
#include "gs_scenario.h"
#include "gs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Line 19, column 19: the path without pathType. Comments above the objects make a rendered
 * copy's line numbers differ from the scenario's. */
static const char scenario[] =
    "apiVersion: gatesim.dev/v1alpha1\n"
    "kind: Scenario\n"
    "metadata: {name: diff-step-position}\n"
    "spec:\n"
    "  steps:\n"
    "  - name: an Ingress the model refuses\n"
    "    # a comment\n"
    "    diff:\n"
    "      before:\n"
    "      - inline:\n"
    "          apiVersion: networking.k8s.io/v1\n"
    "          kind: Ingress\n"
    "          metadata: {name: api, namespace: default}\n"
    "          spec:\n"
    "            rules:\n"
    "            - host: api.example.com\n"
    "              http:\n"
    "                paths:\n"
    "                - {path: /v1, backend: {service: {name: api-v1, port: {number: 80}}}}\n"
    "    expect:\n"
    "      causes: {case-insensitive-regex: 2}\n";

START_TEST(diff_step_before_error_at_scenario_position)
{
    char *path = gs_test_write_temp(".yaml", scenario);
    gs_scenario_list list = {0};
    gs_diags diags = {0};
    gs_error err = {0};
    ck_assert_int_eq(gs_scenario_list_load(&list, path, &diags, &err), 0);
    const gs_scenario *sc = list.items[0];
    ck_assert_ptr_nonnull(sc->steps[0].diff);
    gs_results_step rst = {0};
    ck_assert_int_eq(gs_diff_step_run(sc->steps[0].diff, NULL, 0.001, &rst, &err),
                     GS_ERR_INVALID);
    char *want = gs_xasprintf("diff.before: %s:19:19: Ingress default/api: "
                              "spec.rules[0].http.paths[0].pathType: Required value",
                              path);
    ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "got: %s\nwant: %s", err.msg, want);
    free(want);
    gs_diags_clear(&diags);
    gs_scenario_list_clear(&list);
    unlink(path);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("diff_step");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, diff_step_before_error_at_scenario_position);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
