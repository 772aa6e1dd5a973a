/* SPDX-License-Identifier: MIT */
/* The manifest loader of `gatesim gateway` (gs_gw_load_table): manifests → compiled table with
 * only what was accepted, the first problem of invalid objects with its position, unreadable
 * paths, and Services that exist only through --backend. */
#include "gs_gw_endpoints.h"
#include "gs_gw_load.h"
#include "gs_test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OBJECTS_HEAD                                                                               \
    "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: gs}\n"         \
    "spec: {controllerName: example.com/gs}\n---\n"                                                \
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: "    \
    "infra}\nspec:\n  gatewayClassName: gs\n  listeners:\n"
#define ROUTE_TO(svc)                                                                              \
    "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, "         \
    "namespace: infra}\nspec:\n  parentRefs: [{name: gw}]\n  hostnames: [app.example.com]\n"       \
    "  rules:\n  - matches: [{path: {type: Exact, value: /x}}]\n    backendRefs: [{name: " svc     \
    ", port: 80}]\n"
#define HTTP_LISTENER "  - {name: http, protocol: HTTP, port: 80}\n"
#define SERVICE_APP                                                                                \
    "---\napiVersion: v1\nkind: Service\nmetadata: {name: app, namespace: infra}\n"                \
    "spec: {ports: [{port: 80}]}\n"

/* The route's rule for app.example.com/x on infra/gw:80, or NULL when nothing matched. */
static const gs_rt_rule *rule_for_x(const gs_route_table *t)
{
    const gs_rt_port *p = gs_route_table_find_port(t, "infra", "gw", 80);
    ck_assert_ptr_nonnull(p);
    gs_rt_request req = {.host = "app.example.com", .path = "/x"};
    gs_rt_result res;
    gs_route_table_lookup(t, p, &req, &res);
    return res.outcome == GS_RT_MATCHED ? res.rule : NULL;
}

START_TEST(manifests_become_a_table)
{
    char *path =
        gs_test_write_temp(".yaml", OBJECTS_HEAD HTTP_LISTENER SERVICE_APP ROUTE_TO("app"));
    const char *paths[] = {path};
    gs_gw_load_opts o = {.paths = paths, .n_paths = 1};
    gs_route_table *t = NULL;
    gs_error err = {0};
    ck_assert_msg(gs_gw_load_table(&o, &t, &err) == 0, "%s", err.msg);
    const gs_rt_rule *rule = rule_for_x(t);
    ck_assert_ptr_nonnull(rule);
    ck_assert_str_eq(rule->backends[0].name, "app");
    ck_assert_int_eq(rule->backends[0].state, GS_RT_BACKEND_OK);
    const gs_rt_port *p = gs_route_table_find_port(t, "infra", "gw", 80);
    gs_rt_request other = {.host = "other.example.com", .path = "/x"};
    gs_rt_result res;
    gs_route_table_lookup(t, p, &other, &res);
    ck_assert_int_eq(res.outcome, GS_RT_NO_ROUTE);
    gs_route_table_free(t);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(invalid_objects_and_unreadable_paths)
{
    char *path =
        gs_test_write_temp(".yaml", OBJECTS_HEAD "  - {name: http, protocol: HTTP, port: 0}\n");
    const char *paths[] = {path};
    gs_gw_load_opts o = {.paths = paths, .n_paths = 1};
    gs_route_table *t = NULL;
    gs_error err = {0};
    ck_assert_int_eq(gs_gw_load_table(&o, &t, &err), GS_ERR_INVALID);
    ck_assert_ptr_null(t);
    ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "port"), "%s", err.msg);
    unlink(path);
    free(path);
    paths[0] = "/nonexistent/dir/x.yaml";
    ck_assert_int_eq(gs_gw_load_table(&o, &t, &err), GS_ERR_IO);
    ck_assert_ptr_null(t);
}
END_TEST

/* A Service the manifests do not declare: BackendNotFound, unless a --backend names it. */
START_TEST(backend_flags_make_services_exist)
{
    char *path = gs_test_write_temp(".yaml", OBJECTS_HEAD HTTP_LISTENER ROUTE_TO("ghost"));
    const char *paths[] = {path};
    gs_gw_load_opts o = {.paths = paths, .n_paths = 1};
    gs_route_table *t = NULL;
    gs_error err = {0};
    ck_assert_msg(gs_gw_load_table(&o, &t, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(rule_for_x(t)->backends[0].state, GS_RT_BACKEND_NOT_FOUND);
    gs_route_table_free(t);

    gs_gw_endpoints eps = {0};
    ck_assert_int_eq(gs_gw_endpoints_add_spec(&eps, "infra/ghost:80=127.0.0.1:9", &err), 0);
    o.endpoints = &eps;
    ck_assert_msg(gs_gw_load_table(&o, &t, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(rule_for_x(t)->backends[0].state, GS_RT_BACKEND_OK);
    gs_route_table_free(t);
    gs_gw_endpoints_clear(&eps);
    unlink(path);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_load");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, manifests_become_a_table);
    tcase_add_test(tc, invalid_objects_and_unreadable_paths);
    tcase_add_test(tc, backend_flags_make_services_exist);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
