/* SPDX-License-Identifier: MIT */
/* expectStatus against an explain-shaped status document: conditions with reasons, route parents
 * chosen by namespace/name/sectionName, listener attachedRoutes, and the messages of mismatches. */
#include "gs_status_check.h"
#include "gs_test.h"

#include <string.h>

static const char *status_json =
    "{\"objects\":["
    "{\"kind\":\"GatewayClass\",\"namespace\":\"\",\"name\":\"gatesim\",\"status\":{\"conditions\":"
    "[{\"type\":\"Accepted\",\"status\":\"True\",\"reason\":\"Accepted\"}]}},"
    "{\"kind\":\"Gateway\",\"namespace\":\"infra\",\"name\":\"gw\",\"status\":{\"conditions\":"
    "[{\"type\":\"Programmed\",\"status\":\"True\",\"reason\":\"Programmed\"}],\"listeners\":["
    "{\"name\":\"https\",\"attachedRoutes\":1,\"conditions\":[{\"type\":\"ResolvedRefs\","
    "\"status\":\"True\",\"reason\":\"ResolvedRefs\"}]}]}},"
    "{\"kind\":\"HTTPRoute\",\"namespace\":\"team-b\",\"name\":\"dash\",\"status\":{\"parents\":["
    "{\"parentRef\":{\"name\":\"gw\",\"namespace\":\"infra\",\"sectionName\":\"https\"},"
    "\"conditions\":[{\"type\":\"Accepted\",\"status\":\"True\",\"reason\":\"Accepted\"}]},"
    "{\"parentRef\":{\"name\":\"gw\",\"namespace\":\"infra\"},\"conditions\":[{\"type\":"
    "\"Accepted\",\"status\":\"False\",\"reason\":\"NotAllowedByListeners\"}]}]}},"
    "{\"kind\":\"HTTPRoute\",\"namespace\":\"team-a\",\"name\":\"api\",\"status\":{\"parents\":["
    "{\"parentRef\":{\"name\":\"gw\",\"namespace\":\"infra\",\"sectionName\":\"https\"},"
    "\"conditions\":[{\"type\":\"Accepted\",\"status\":\"True\",\"reason\":\"Accepted\"}]}]}}]}";

static gs_json_value *status;
static gs_results *results;
static gs_results_step *step;

static void setup(void)
{
    ck_assert_int_eq(gs_json_parse(status_json, strlen(status_json), NULL, &status, NULL), 0);
    gs_results_new(&results, "builtin", 0, 0);
    step = gs_results_add_step(gs_results_add_scenario(results, "s", NULL), "st");
}

static void teardown(void)
{
    gs_json_value_free(status);
    gs_results_free(results);
}

START_TEST(status_route_parent_with_and_without_section)
{
    gs_scenario_condition rejected[] = {{"Accepted", "False", "NotAllowedByListeners", {0}}};
    gs_scenario_status_expect x = {.kind = "HTTPRoute",
                                   .ns = "team-b",
                                   .name = "dash",
                                   .parent_ns = "infra",
                                   .parent_name = "gw",
                                   .conditions = rejected,
                                   .n_conditions = 1};
    ck_assert(gs_status_check(&x, status, step));
    /* With the section the other parent entry is meant: Accepted=True there. */
    x.parent_section = "https";
    ck_assert(!gs_status_check(&x, status, step));
    gs_results_check *c = step->checks[1];
    ck_assert_int_eq(c->result, GS_RESULT_FAILED);
    ck_assert_str_eq(c->message, "Accepted is True/Accepted, expected False");
    ck_assert_str_eq(c->observed, "Accepted=True/Accepted");
    ck_assert(strstr(c->expected, "parent infra/gw/https: Accepted=False/NotAllowedByListeners"));
    /* A parent the route does not have. */
    x.parent_section = "http";
    ck_assert(!gs_status_check(&x, status, step));
    ck_assert_str_eq(step->checks[2]->message, "no status for parent infra/gw/http");
    /* Without a section, the only entry for that Gateway is meant whatever its section. */
    gs_scenario_condition ok[] = {{"Accepted", "True", NULL, {0}}};
    gs_scenario_status_expect y = {.kind = "HTTPRoute",
                                   .ns = "team-a",
                                   .name = "api",
                                   .parent_ns = "infra",
                                   .parent_name = "gw",
                                   .conditions = ok,
                                   .n_conditions = 1};
    ck_assert(gs_status_check(&y, status, step));
    y.parent_name = "other";
    ck_assert(!gs_status_check(&y, status, step));
}
END_TEST

START_TEST(status_reason_mismatch_and_missing_condition)
{
    gs_scenario_condition want[] = {{"Accepted", "True", "Accepted", {0}},
                                    {"ResolvedRefs", "True", NULL, {0}}};
    gs_scenario_status_expect x = {.kind = "HTTPRoute",
                                   .ns = "team-b",
                                   .name = "dash",
                                   .parent_ns = "infra",
                                   .parent_name = "gw",
                                   .parent_section = "https",
                                   .conditions = want,
                                   .n_conditions = 2};
    ck_assert(!gs_status_check(&x, status, step));
    ck_assert_str_eq(step->checks[0]->message, "condition ResolvedRefs is missing");
    want[0].reason = "Attached";
    x.n_conditions = 1;
    ck_assert(!gs_status_check(&x, status, step));
    ck_assert_str_eq(step->checks[1]->message, "Accepted reason is Accepted, expected Attached");
}
END_TEST

START_TEST(status_gateway_listeners_and_class)
{
    gs_scenario_condition resolved[] = {{"ResolvedRefs", "True", NULL, {0}}};
    gs_scenario_listener_expect ls[] = {{.name = "https",
                                         .has_attached_routes = true,
                                         .attached_routes = 1,
                                         .conditions = resolved,
                                         .n_conditions = 1}};
    gs_scenario_status_expect gw = {
        .kind = "Gateway", .ns = "infra", .name = "gw", .listeners = ls, .n_listeners = 1};
    ck_assert(gs_status_check(&gw, status, step));
    ls[0].attached_routes = 2;
    ck_assert(!gs_status_check(&gw, status, step));
    ck_assert_str_eq(step->checks[1]->message, "listener https: attachedRoutes is 1, expected 2");
    gs_scenario_listener_expect missing[] = {{.name = "http", .has_attached_routes = true}};
    gw.listeners = missing;
    ck_assert(!gs_status_check(&gw, status, step));
    ck_assert_str_eq(step->checks[2]->message, "listener http has no status");

    gs_scenario_condition acc[] = {{"Accepted", "True", NULL, {0}}};
    gs_scenario_status_expect gc = {
        .kind = "GatewayClass", .name = "gatesim", .conditions = acc, .n_conditions = 1};
    ck_assert(gs_status_check(&gc, status, step));
    gs_scenario_status_expect nope = {
        .kind = "Gateway", .ns = "infra", .name = "other", .conditions = acc, .n_conditions = 1};
    ck_assert(!gs_status_check(&nope, status, step));
    ck_assert_str_eq(step->checks[4]->message, "the target reports no Gateway infra/other");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("status_check");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, status_route_parent_with_and_without_section);
    tcase_add_test(tc, status_reason_mismatch_and_missing_condition);
    tcase_add_test(tc, status_gateway_listeners_and_class);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
