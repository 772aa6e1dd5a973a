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

/* loadBalancer: exposed passes with an ip or a hostname in status.loadBalancer.ingress[] and
 * fails, explained, with none or without the object. */
START_TEST(status_ingress_load_balancer_exposed)
{
    static const char *ing =
        "{\"objects\":[{\"kind\":\"Ingress\",\"namespace\":\"default\",\"name\":\"ip\","
        "\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"10.0.0.7\"}]}}},"
        "{\"kind\":\"Ingress\",\"namespace\":\"default\",\"name\":\"fqdn\","
        "\"status\":{\"loadBalancer\":{\"ingress\":[{\"hostname\":\"lb.example.com\"}]}}},"
        "{\"kind\":\"Ingress\",\"namespace\":\"default\",\"name\":\"empty\","
        "\"status\":{\"loadBalancer\":{\"ingress\":[{}]}}}]}";
    gs_json_value *st = NULL;
    ck_assert_int_eq(gs_json_parse(ing, strlen(ing), NULL, &st, NULL), 0);
    gs_scenario_status_expect x = {.kind = "Ingress", .ns = "default", .name = "ip",
                                   .lb_exposed = true};
    ck_assert(gs_status_check(&x, st, step));
    ck_assert_str_eq(step->checks[0]->observed, "loadBalancer.ingress[]: 10.0.0.7");
    x.name = "fqdn";
    ck_assert(gs_status_check(&x, st, step));
    ck_assert_str_eq(step->checks[1]->message, "Ingress default/fqdn is exposed at lb.example.com");
    x.name = "empty";
    ck_assert(!gs_status_check(&x, st, step));
    ck_assert_int_eq(step->checks[2]->result, GS_RESULT_FAILED);
    ck_assert_msg(strstr(step->checks[2]->message, "has no address"), "%s",
                  step->checks[2]->message);
    x.name = "missing";
    ck_assert(!gs_status_check(&x, st, step));
    ck_assert_msg(strstr(step->checks[3]->message, "the target reports no status for it"), "%s",
                  step->checks[3]->message);
    gs_json_value_free(st);
}
END_TEST

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
    ck_assert_str_eq(step->checks[2]->message,
                     "expected status for HTTPRoute team-b/dash parent Gateway infra/gw/http, "
                     "observed no parents[] entry for that parent");
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
    ck_assert_str_eq(step->checks[4]->message, "expected status for Gateway infra/other, observed "
                                               "no status: the target reports no Gateway "
                                               "infra/other");
}
END_TEST

/* `status: none` for a GatewayClass and a Gateway: passes when the object is not reported or
 * reports nothing, fails naming what was observed. */
START_TEST(status_none_class_and_gateway)
{
    gs_scenario_status_expect other = {.kind = "GatewayClass", .name = "other", .no_status = true};
    ck_assert(gs_status_check(&other, status, step));
    ck_assert_str_eq(step->checks[0]->message, "GatewayClass other has no status, as expected");
    ck_assert_str_eq(step->checks[0]->expected, "GatewayClass other: no status");

    gs_scenario_status_expect gc = {.kind = "GatewayClass", .name = "gatesim", .no_status = true};
    ck_assert(!gs_status_check(&gc, status, step));
    ck_assert_int_eq(step->checks[1]->result, GS_RESULT_FAILED);
    ck_assert_str_eq(step->checks[1]->message,
                     "expected no status for GatewayClass gatesim, observed conditions "
                     "Accepted=True/Accepted");
    ck_assert_str_eq(step->checks[1]->observed, "conditions Accepted=True/Accepted");

    gs_scenario_status_expect gw = {
        .kind = "Gateway", .ns = "infra", .name = "gw", .no_status = true};
    ck_assert(!gs_status_check(&gw, status, step));
    ck_assert_str_eq(step->checks[2]->message,
                     "expected no status for Gateway infra/gw, observed conditions "
                     "Programmed=True/Programmed; listener https: attachedRoutes=1 "
                     "ResolvedRefs=True/ResolvedRefs");

    /* Reported with an empty status: no status. Listeners alone are status. */
    const char *doc =
        "{\"objects\":[{\"kind\":\"Gateway\",\"namespace\":\"infra\",\"name\":\"empty\","
        "\"status\":{\"conditions\":[],\"listeners\":[]}},{\"kind\":\"Gateway\",\"namespace\":"
        "\"infra\",\"name\":\"ls\",\"status\":{\"listeners\":[{\"name\":\"http\","
        "\"attachedRoutes\":0}]}}]}";
    gs_json_value *v = NULL;
    ck_assert_int_eq(gs_json_parse(doc, strlen(doc), NULL, &v, NULL), 0);
    gs_scenario_status_expect empty = {
        .kind = "Gateway", .ns = "infra", .name = "empty", .no_status = true};
    ck_assert(gs_status_check(&empty, v, step));
    ck_assert_str_eq(step->checks[3]->observed, "no status (no conditions, no listeners)");
    gs_scenario_status_expect ls = {.kind = "Gateway", .ns = "infra", .name = "ls", .no_status = true};
    ck_assert(!gs_status_check(&ls, v, step));
    ck_assert_str_eq(step->checks[4]->message,
                     "expected no status for Gateway infra/ls, observed listener http: "
                     "attachedRoutes=0 no conditions");
    /* The other way round: conditions expected of an object with an empty status. */
    gs_scenario_condition acc[] = {{"Accepted", "True", NULL, {0}}};
    empty.no_status = false;
    empty.conditions = acc;
    empty.n_conditions = 1;
    ck_assert(!gs_status_check(&empty, v, step));
    ck_assert_str_eq(step->checks[5]->message,
                     "expected status for Gateway infra/empty, observed no status");
    gs_json_value_free(v);
}
END_TEST

/* `status: none` for a route: per parent (any section of the Gateway without one; that section
 * with one), or no parents[] entry at all without a parent. */
START_TEST(status_none_route_parents)
{
    gs_scenario_status_expect x = {.kind = "HTTPRoute",
                                   .ns = "team-a",
                                   .name = "api",
                                   .parent_ns = "infra",
                                   .parent_name = "other",
                                   .no_status = true};
    ck_assert(gs_status_check(&x, status, step));
    ck_assert_str_eq(step->checks[0]->message,
                     "HTTPRoute team-a/api has no status for parent infra/other, as expected");
    ck_assert_str_eq(step->checks[0]->observed, "no parents[] entry for infra/other");
    /* Without a section, the entry for infra/gw/https is status for parent infra/gw. */
    x.parent_name = "gw";
    ck_assert(!gs_status_check(&x, status, step));
    ck_assert_str_eq(step->checks[1]->message,
                     "expected no status for HTTPRoute team-a/api parent infra/gw, observed "
                     "parents[] entry for infra/gw/https: Accepted=True/Accepted");
    /* Another section of the same Gateway has no entry. */
    x.parent_section = "http";
    ck_assert(gs_status_check(&x, status, step));
    x.parent_section = "https";
    ck_assert(!gs_status_check(&x, status, step));
    /* No parent: any entry is status. */
    gs_scenario_status_expect all = {
        .kind = "HTTPRoute", .ns = "team-b", .name = "dash", .no_status = true};
    ck_assert(!gs_status_check(&all, status, step));
    ck_assert_str_eq(step->checks[4]->message,
                     "expected no status for HTTPRoute team-b/dash, observed parents[] entry for "
                     "infra/gw/https: Accepted=True/Accepted; parents[] entry for infra/gw: "
                     "Accepted=False/NotAllowedByListeners");
    gs_scenario_status_expect gone = {
        .kind = "HTTPRoute", .ns = "team-b", .name = "gone", .no_status = true};
    ck_assert(gs_status_check(&gone, status, step));
}
END_TEST

/* Entries written by another controller do not count against the controllers under test, and
 * an expectation for an undeclared object fails with the caller's reason. */
static bool never_declared(void *ctx, const gs_scenario_status_expect *x, gs_buf *why)
{
    (void)ctx;
    gs_buf_printf(why, "%s %s is not among the objects", x->kind, x->name);
    return false;
}

START_TEST(status_none_other_controller_and_undeclared)
{
    const char *doc =
        "{\"objects\":[{\"kind\":\"HTTPRoute\",\"namespace\":\"a\",\"name\":\"r\","
        "\"status\":{\"parents\":[{\"parentRef\":{\"name\":\"theirs\",\"namespace\":"
        "\"infra\"},\"controllerName\":\"example.com/other\",\"conditions\":[{\"type\":"
        "\"Accepted\",\"status\":\"True\",\"reason\":\"Accepted\"}]},{\"parentRef\":{"
        "\"name\":\"ours\",\"namespace\":\"infra\"},\"controllerName\":\"gatesim.dev/c\","
        "\"conditions\":[{\"type\":\"Accepted\",\"status\":\"True\",\"reason\":"
        "\"Accepted\"}]}]}}]}";
    gs_json_value *v = NULL;
    ck_assert_int_eq(gs_json_parse(doc, strlen(doc), NULL, &v, NULL), 0);
    gs_scenario_status_expect x = {.kind = "HTTPRoute",
                                   .ns = "a",
                                   .name = "r",
                                   .parent_ns = "infra",
                                   .parent_name = "theirs",
                                   .no_status = true};
    /* Without controller names every entry counts. */
    ck_assert(!gs_status_check(&x, v, step));
    ck_assert(strstr(step->checks[0]->message, "by example.com/other: Accepted=True/Accepted"));
    const char *names[] = {"gatesim.dev/c"};
    gs_status_check_opts opts = {.controller_names = names, .n_controller_names = 1};
    ck_assert(gs_status_check_ex(&x, v, &opts, step));
    /* The only parent of ours is then infra/ours, also for a positive expectation. */
    gs_scenario_condition acc[] = {{"Accepted", "True", NULL, {0}}};
    gs_scenario_status_expect pos = {
        .kind = "HTTPRoute", .ns = "a", .name = "r", .conditions = acc, .n_conditions = 1};
    ck_assert(!gs_status_check(&pos, v, step)); /* two parents: ambiguous */
    ck_assert(gs_status_check_ex(&pos, v, &opts, step));
    /* An undeclared object: the caller's reason, whatever the status says. */
    opts.declared = never_declared;
    ck_assert(!gs_status_check_ex(&x, v, &opts, step));
    ck_assert_str_eq(step->checks[4]->message, "HTTPRoute r is not among the objects");
    ck_assert_int_eq(step->checks[4]->result, GS_RESULT_FAILED);
    /* Positive expectations do not ask. */
    ck_assert(gs_status_check_ex(&pos, v, &opts, step));
    gs_json_value_free(v);
}
END_TEST

START_TEST(status_supported_kinds_exact_listeners_parent_count)
{
    const char *doc =
        "{\"objects\":[{\"kind\":\"Gateway\",\"namespace\":\"infra\",\"name\":\"gw\","
        "\"status\":{\"conditions\":[],\"listeners\":["
        "{\"name\":\"http\",\"attachedRoutes\":0,\"supportedKinds\":[{\"group\":"
        "\"gateway.networking.k8s.io\",\"kind\":\"HTTPRoute\"},{\"kind\":\"GRPCRoute\"}]},"
        "{\"name\":\"tls\",\"attachedRoutes\":0,\"supportedKinds\":[]}]}}]}";
    gs_json_value *st = NULL;
    ck_assert_int_eq(gs_json_parse(doc, strlen(doc), NULL, &st, NULL), 0);
    const char *both[] = {"GRPCRoute", "HTTPRoute"}; /* any order */
    gs_scenario_listener_expect l[2] = {
        {.name = "http", .has_supported_kinds = true, .supported_kinds = both,
         .n_supported_kinds = 2},
        {.name = "tls", .has_supported_kinds = true, .n_supported_kinds = 0}};
    gs_scenario_status_expect x = {
        .kind = "Gateway", .ns = "infra", .name = "gw", .listeners = l, .n_listeners = 2,
        .exact_listeners = true};
    ck_assert(gs_status_check(&x, st, step));
    /* One kind only: the listener supports another as well. */
    l[0].n_supported_kinds = 1;
    ck_assert(!gs_status_check(&x, st, step));
    ck_assert_str_eq(step->checks[1]->message,
                     "listener http: supportedKinds is [HTTPRoute, GRPCRoute], expected [GRPCRoute]");
    /* {includes: [GRPCRoute]}: one kind among others passes; a kind not listed fails. */
    l[0].supported_kinds_includes = true;
    ck_assert(gs_status_check(&x, st, step));
    const char *tls_kind[] = {"TLSRoute"};
    l[0].supported_kinds = tls_kind;
    ck_assert(!gs_status_check(&x, st, step));
    ck_assert_str_eq(step->checks[3]->message, "listener http: supportedKinds is [HTTPRoute, "
                                               "GRPCRoute], expected to include [TLSRoute]");
    l[0].supported_kinds = both;
    l[0].supported_kinds_includes = false;
    l[0].n_supported_kinds = 2;
    /* exactListeners with one listener named: the other is extra. */
    x.n_listeners = 1;
    ck_assert(!gs_status_check(&x, st, step));
    ck_assert_str_eq(step->checks[4]->message,
                     "listener tls is in the status, expected only the listed ones");
    x.exact_listeners = false;
    ck_assert(gs_status_check(&x, st, step));
    gs_json_value_free(st);

    /* parentCount over the fixture's route with two parents[] entries. */
    gs_scenario_status_expect r = {
        .kind = "HTTPRoute", .ns = "team-b", .name = "dash", .has_parent_count = true,
        .parent_count = 2};
    ck_assert(gs_status_check(&r, status, step));
    r.parent_count = 1;
    ck_assert(!gs_status_check(&r, status, step));
    ck_assert_str_eq(step->checks[7]->message,
                     "2 parents[] entries (infra/gw/https, infra/gw), expected 1");
    r.parent_count = 0;
    ck_assert(!gs_status_check(&r, status, step));
}
END_TEST

START_TEST(status_observed_generation)
{
    const char *doc =
        "{\"objects\":[{\"kind\":\"Gateway\",\"namespace\":\"infra\",\"name\":\"gw\","
        "\"status\":{\"conditions\":[{\"type\":\"Accepted\",\"status\":\"True\","
        "\"reason\":\"Accepted\",\"observedGeneration\":2}],\"listeners\":[{\"name\":"
        "\"http\",\"attachedRoutes\":0,\"conditions\":[{\"type\":\"Programmed\",\"status\":"
        "\"True\",\"reason\":\"Programmed\",\"observedGeneration\":1}]}]}},"
        "{\"kind\":\"HTTPRoute\",\"namespace\":\"infra\",\"name\":\"r\",\"status\":"
        "{\"parents\":[{\"parentRef\":{\"name\":\"gw\",\"namespace\":\"infra\"},"
        "\"conditions\":[{\"type\":\"Accepted\",\"status\":\"True\",\"reason\":"
        "\"Accepted\",\"observedGeneration\":3},{\"type\":\"ResolvedRefs\",\"status\":"
        "\"True\",\"reason\":\"ResolvedRefs\"}]}]}}]}";
    gs_json_value *st = NULL;
    ck_assert_int_eq(gs_json_parse(doc, strlen(doc), NULL, &st, NULL), 0);
    gs_scenario_status_expect g = {
        .kind = "Gateway", .ns = "infra", .name = "gw", .observed_generation = 2};
    /* The listener's condition is stale. */
    ck_assert(!gs_status_check(&g, st, step));
    ck_assert_str_eq(step->checks[0]->message,
                     "listener http: Programmed observedGeneration is 1, expected 2");
    gs_scenario_status_expect r = {
        .kind = "HTTPRoute", .ns = "infra", .name = "r", .observed_generation = 3};
    ck_assert(!gs_status_check(&r, st, step));
    ck_assert_str_eq(step->checks[1]->message,
                     "ResolvedRefs has no observedGeneration, expected 3");
    gs_json_value_free(st);
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
    tcase_add_test(tc, status_none_class_and_gateway);
    tcase_add_test(tc, status_none_route_parents);
    tcase_add_test(tc, status_none_other_controller_and_undeclared);
    tcase_add_test(tc, status_supported_kinds_exact_listeners_parent_count);
    tcase_add_test(tc, status_observed_generation);
    tcase_add_test(tc, status_ingress_load_balancer_exposed);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
