/* SPDX-License-Identifier: MIT */
/* Model → route table conversion: filters (header modifiers, redirect, rewrite, mirror with its
 * own backend resolution, CORS), timeouts, GRPCRoute matches, creationTimestamp and
 * "{namespace}/{name}" precedence, and the hostname fall-through option passed through the
 * controller. */
#include "gs_control.h"
#include "gs_test.h"

#include <string.h>

static gs_control *compute(gs_model **mp, const char *yaml, const gs_control_opts *opts)
{
    gs_model *m = NULL;
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_buffer(m, "t.yaml", yaml, strlen(yaml), NULL, NULL), 0);
    if (m->diags.nerrors) {
        char line[1024];
        gs_diag_format(&m->diags.items[0], line, sizeof(line));
        ck_abort_msg("manifest invalid: %s", line);
    }
    gs_control *c = NULL;
    gs_control_new(&c, opts);
    gs_error err = {0};
    ck_assert_msg(gs_control_compute(c, m, &err) == 0, "%s", err.msg);
    *mp = m;
    return c;
}

static gs_rt_result lookup(const gs_control *c, const char *host, const char *method,
                           const char *path)
{
    const gs_route_table *t = gs_control_table(c);
    const gs_rt_port *p = gs_route_table_find_port(t, "infra", "gw", 80);
    ck_assert_ptr_nonnull(p);
    gs_rt_request req = {.host = host, .method = method, .path = path};
    gs_rt_result r;
    ck_assert_int_eq(gs_route_table_lookup(t, p, &req, &r), 0);
    return r;
}

#define HEAD                                                                                       \
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: "    \
    "infra}\nspec:\n  gatewayClassName: gs\n  listeners:\n  - {name: http, protocol: HTTP, "       \
    "port: 80}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: app, namespace: infra}\n"     \
    "spec: {ports: [{port: 80}]}\n"

START_TEST(filters_and_timeouts_are_converted)
{
    const char *yaml =
        HEAD "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, "
             "namespace: infra}\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n"
             "  - matches: [{path: {value: /old}}]\n"
             "    filters:\n"
             "    - type: RequestHeaderModifier\n"
             "      requestHeaderModifier: {set: [{name: X-A, value: '1'}], add: [{name: X-B, "
             "value: '2'}], remove: [X-C]}\n"
             "    - type: URLRewrite\n"
             "      urlRewrite: {hostname: new.example.com, path: {type: ReplacePrefixMatch, "
             "replacePrefixMatch: /new}}\n"
             "    - type: RequestMirror\n"
             "      requestMirror: {backendRef: {name: shadow, namespace: elsewhere, port: 80}, "
             "percent: 25}\n"
             "    - type: ResponseHeaderModifier\n"
             "      responseHeaderModifier: {set: [{name: X-Frame-Options, value: DENY}]}\n"
             "    backendRefs: [{name: app, port: 80, weight: 7}]\n"
             "    timeouts: {request: 1500ms, backendRequest: 1s}\n"
             "  - matches: [{path: {type: Exact, value: /go}}]\n"
             "    filters: [{type: RequestRedirect, requestRedirect: {scheme: https, hostname: "
             "x.example.com, port: 8443, statusCode: 301, path: {type: ReplaceFullPath, "
             "replaceFullPath: /there}}}]\n";
    gs_model *m;
    gs_control *c = compute(&m, yaml, NULL);
    gs_rt_result r = lookup(c, "h", "GET", "/old/x");
    ck_assert_int_eq(r.outcome, GS_RT_MATCHED);
    ck_assert_str_eq(r.matched_prefix, "/old");
    const gs_rt_rule *rule = r.rule;
    ck_assert_uint_eq(rule->n_filters, 4);
    ck_assert_int_eq(rule->filters[0].type, GS_RT_FILTER_REQUEST_HEADER_MODIFIER);
    ck_assert_str_eq(rule->filters[0].header_mod.set[0].name, "X-A");
    ck_assert_str_eq(rule->filters[0].header_mod.add[0].value, "2");
    ck_assert_str_eq(rule->filters[0].header_mod.remove[0], "X-C");
    ck_assert_int_eq(rule->filters[1].type, GS_RT_FILTER_URL_REWRITE);
    ck_assert_str_eq(rule->filters[1].rewrite.hostname, "new.example.com");
    ck_assert_int_eq(rule->filters[1].rewrite.path.type, GS_RT_PATH_REPLACE_PREFIX);
    ck_assert_str_eq(rule->filters[1].rewrite.path.value, "/new");
    ck_assert_int_eq(rule->filters[2].type, GS_RT_FILTER_REQUEST_MIRROR);
    ck_assert_uint_eq(rule->filters[2].mirror.numerator, 25);
    ck_assert_uint_eq(rule->filters[2].mirror.denominator, 100);
    /* The mirror's Service is in another namespace without a grant (and does not exist). */
    ck_assert_int_eq(rule->filters[2].mirror.backend.state, GS_RT_BACKEND_REF_NOT_PERMITTED);
    ck_assert_int_eq(rule->filters[3].type, GS_RT_FILTER_RESPONSE_HEADER_MODIFIER);
    ck_assert_uint_eq(rule->backends[0].weight, 7);
    ck_assert_int_eq(rule->request_timeout_ms, 1500);
    ck_assert_int_eq(rule->backend_request_timeout_ms, 1000);
    /* ResolvedRefs covers mirror backends too. */
    const gs_status_set *s = gs_control_status(c);
    const gs_condition *rr = gs_conditions_get(&s->routes[0].parents[0].conditions, "ResolvedRefs");
    ck_assert_str_eq(rr->reason, "RefNotPermitted");

    r = lookup(c, "h", "GET", "/go");
    ck_assert_int_eq(r.outcome, GS_RT_MATCHED);
    const gs_rt_redirect *red = &r.rule->filters[0].redirect;
    ck_assert_int_eq(r.rule->filters[0].type, GS_RT_FILTER_REQUEST_REDIRECT);
    ck_assert_str_eq(red->scheme, "https");
    ck_assert_str_eq(red->hostname, "x.example.com");
    ck_assert_uint_eq(red->port, 8443);
    ck_assert_int_eq(red->status_code, 301);
    ck_assert_int_eq(red->path.type, GS_RT_PATH_REPLACE_FULL);
    ck_assert_str_eq(red->path.value, "/there");
    ck_assert_uint_eq(r.rule->n_backends, 0);
    ck_assert_int_eq(r.rule->request_timeout_ms, GS_RT_TIMEOUT_UNSET);
    gs_control_free(c);
    gs_model_free(m);
}
END_TEST

START_TEST(grpc_route_matches_are_converted)
{
    const char *yaml = HEAD
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: g, "
        "namespace: infra}\nspec:\n  parentRefs: [{name: gw}]\n  hostnames: [grpc.example.com]\n"
        "  rules:\n"
        "  - matches: [{method: {service: shop.v1.Cart, method: Get}}]\n"
        "    backendRefs: [{name: app, port: 80}]\n"
        "  - matches: [{method: {service: shop.v1.Cart}, headers: [{name: x-canary, value: "
        "'1'}]}]\n"
        "    backendRefs: [{name: app, port: 80}]\n";
    gs_model *m;
    gs_control *c = compute(&m, yaml, NULL);
    gs_rt_result r = lookup(c, "grpc.example.com", "POST", "/shop.v1.Cart/Get");
    ck_assert_int_eq(r.outcome, GS_RT_MATCHED);
    ck_assert_int_eq(r.route->kind, GS_RT_ROUTE_GRPC);
    ck_assert_uint_eq(r.rule->index, 0);
    r = lookup(c, "grpc.example.com", "POST", "/shop.v1.Cart/Put");
    ck_assert_int_eq(r.outcome, GS_RT_NO_ROUTE);
    r = lookup(c, "other.example.com", "POST", "/shop.v1.Cart/Get");
    ck_assert_int_eq(r.outcome, GS_RT_NO_ROUTE);
    gs_control_free(c);
    gs_model_free(m);
}
END_TEST

START_TEST(older_route_wins_by_creation_timestamp)
{
    /* "newer" is loaded first but created later: "older" takes the tie. */
    const char *yaml =
        HEAD "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: "
             "newer, namespace: infra, creationTimestamp: '2025-03-01T00:00:00Z'}\nspec:\n"
             "  parentRefs: [{name: gw}]\n  rules: [{matches: [{path: {type: Exact, value: /x}}], "
             "backendRefs: [{name: app, port: 80}]}]\n"
             "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: "
             "older, namespace: infra, creationTimestamp: '2024-01-01T00:00:00Z'}\nspec:\n"
             "  parentRefs: [{name: gw}]\n  rules: [{matches: [{path: {type: Exact, value: /x}}], "
             "backendRefs: [{name: app, port: 80}]}]\n";
    gs_model *m;
    gs_control *c = compute(&m, yaml, NULL);
    ck_assert_str_eq(lookup(c, "h", "GET", "/x").route->name, "older");
    gs_control_free(c);
    gs_model_free(m);
}
END_TEST

/* The example, from tests/data: default/r2 then default/a-b in one file, same
 * creationTimestamp, both PathPrefix /: the alphabetical rule picks a-b, not file order. */
START_TEST(same_age_routes_are_ordered_by_namespace_and_name)
{
    gs_model *m = NULL;
    gs_model_new(&m);
    ck_assert_int_eq(
        gs_model_load_path(m, gs_test_data("control/precedence/same-age.yaml"), NULL, NULL), 0);
    gs_control *c = NULL;
    gs_control_new(&c, NULL);
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);
    const gs_route_table *t = gs_control_table(c);
    const gs_rt_port *p = gs_route_table_find_port(t, "default", "gw", 80);
    ck_assert_ptr_nonnull(p);
    gs_rt_request req = {.host = "h", .method = "GET", .path = "/abcx"};
    gs_rt_result r;
    ck_assert_int_eq(gs_route_table_lookup(t, p, &req, &r), 0);
    ck_assert_int_eq(r.outcome, GS_RT_MATCHED);
    ck_assert_str_eq(r.route->name, "a-b");
    gs_control_free(c);
    gs_model_free(m);
}
END_TEST

/* "{namespace}/{name}" is compared as one string: "default-1/b" < "default/r2" ('-' < '/'),
 * whichever of the two is loaded first; routes without a creationTimestamp tie with each
 * other and are older than none. */
#define ROUTE_ALL(ns, name, ts)                                                                    \
    "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " name       \
    ", namespace: " ns ts "}\nspec:\n  parentRefs: [{name: gw, namespace: infra}]\n"               \
    "  rules: [{backendRefs: [{name: app, namespace: infra, port: 80}]}]\n"
#define HEAD_ALL                                                                                   \
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: "    \
    "infra}\nspec:\n  gatewayClassName: gs\n  listeners:\n  - {name: http, protocol: HTTP, "       \
    "port: 80, allowedRoutes: {namespaces: {from: All}}}\n"

START_TEST(route_key_is_namespace_slash_name_in_any_load_order)
{
    const char *orders[2] = {
        HEAD_ALL ROUTE_ALL("default-1", "b", "") ROUTE_ALL("default", "r2", ""),
        HEAD_ALL ROUTE_ALL("default", "r2", "") ROUTE_ALL("default-1", "b", ""),
    };
    for (size_t i = 0; i < 2; i++) {
        gs_model *m;
        gs_control *c = compute(&m, orders[i], NULL);
        gs_rt_result r = lookup(c, "h", "GET", "/x");
        ck_assert_int_eq(r.outcome, GS_RT_MATCHED);
        ck_assert_str_eq(r.route->namespace, "default-1");
        gs_control_free(c);
        gs_model_free(m);
    }
    /* A timestamp makes a route older than every route without one. */
    const char *yaml = HEAD_ALL ROUTE_ALL("default", "a", "")
        ROUTE_ALL("default", "z", ", creationTimestamp: '2030-01-01T00:00:00Z'");
    gs_model *m;
    gs_control *c = compute(&m, yaml, NULL);
    ck_assert_str_eq(lookup(c, "h", "GET", "/x").route->name, "z");
    gs_control_free(c);
    gs_model_free(m);
    ck_assert_int_lt(gs_rt_route_name_cmp("default-1", "b", "default", "r2"), 0);
    ck_assert_int_gt(gs_rt_route_name_cmp("default", "r2", "default-1", "b"), 0);
    ck_assert_int_eq(gs_rt_route_name_cmp("ns", "x", "ns", "x"), 0);
    ck_assert_int_lt(gs_rt_route_name_cmp("ns", "a", "ns", "ab"), 0);
}
END_TEST

START_TEST(hostname_fallthrough_option_reaches_the_table)
{
    const char *yaml =
        HEAD "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: "
             "exact, namespace: infra}\nspec:\n  parentRefs: [{name: gw}]\n  hostnames: "
             "[a.example.com]\n  rules: [{matches: [{path: {value: /api}}]}]\n"
             "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: "
             "any, namespace: infra}\nspec:\n  parentRefs: [{name: gw}]\n";
    gs_model *m;
    gs_control *c = compute(&m, yaml, NULL);
    ck_assert_str_eq(lookup(c, "a.example.com", "GET", "/other").route->name, "any");
    gs_control_free(c);
    gs_control_opts o = {.no_hostname_fallthrough = true};
    gs_control_new(&c, &o);
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);
    ck_assert_int_eq(lookup(c, "a.example.com", "GET", "/other").outcome, GS_RT_NO_ROUTE);
    ck_assert_str_eq(lookup(c, "b.example.com", "GET", "/other").route->name, "any");
    /* A second compute on the same controller replaces the results. */
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);
    ck_assert_uint_eq(gs_control_status(c)->n_routes, 2);
    gs_route_table *t = gs_control_take_table(c);
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_null(gs_control_table(c));
    gs_route_table_free(t);
    gs_control_free(c);
    gs_model_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("control_table");
    TCase *tc = tcase_create("control_table");
    tcase_add_test(tc, filters_and_timeouts_are_converted);
    tcase_add_test(tc, grpc_route_matches_are_converted);
    tcase_add_test(tc, older_route_wins_by_creation_timestamp);
    tcase_add_test(tc, same_age_routes_are_ordered_by_namespace_and_name);
    tcase_add_test(tc, route_key_is_namespace_slash_name_in_any_load_order);
    tcase_add_test(tc, hostname_fallthrough_option_reaches_the_table);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
