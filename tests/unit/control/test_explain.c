/* SPDX-License-Identifier: MIT */
/* The describe-style output: route table order per listener (hostname specificity, then
 * precedence), backends with shares and invalid ones marked, empty and unprogrammed listeners,
 * and why a route did not attach. Also gs_route_table_visit on its own. */
#include "gs_control.h"
#include "gs_explain.h"
#include "gs_test.h"

#include <string.h>

static const char *const explain_yaml =
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: "
    "infra}\nspec:\n  gatewayClassName: gs\n  listeners:\n"
    "  - {name: web, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}\n"
    "  - {name: empty, protocol: HTTP, port: 81}\n"
    "  - {name: tls, protocol: HTTPS, port: 443, tls: {certificateRefs: [{name: nope}]}}\n"
    "---\napiVersion: v1\nkind: Service\nmetadata: {name: app, namespace: infra}\n"
    "spec: {ports: [{port: 80}]}\n"
    "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: wide, "
    "namespace: infra}\nspec:\n  parentRefs: [{name: gw, sectionName: web}]\n"
    "  hostnames: [\"*.example.com\"]\n  rules:\n  - backendRefs: [{name: app, port: 80, weight: "
    "3}, {name: gone, port: 80}]\n"
    "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: exact, "
    "namespace: infra}\nspec:\n  parentRefs: [{name: gw, sectionName: web}]\n"
    "  hostnames: [a.example.com]\n  rules:\n  - matches: [{path: {value: /api}}]\n"
    "    backendRefs: [{name: app, port: 80}]\n"
    "  - matches: [{path: {type: Exact, value: /api/login}, method: POST}]\n"
    "    filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]\n"
    "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: stray, "
    "namespace: other}\nspec:\n  parentRefs: [{name: gw, namespace: infra, sectionName: "
    "empty}]\n";

static void collect(void *arg, const char *hostname, const gs_rt_route *route,
                    const gs_rt_rule *rule, const gs_rt_match *match, const gs_rt_grpc_match *grpc,
                    gs_rt_rank_key why)
{
    gs_buf *b = arg;
    (void)grpc;
    (void)why;
    gs_buf_printf(b, "%s %s#%zu %s|", hostname ? hostname : "-", route->name, rule->index,
                  match ? match->path.value : "*");
}

START_TEST(describe_and_visit)
{
    gs_model *m = NULL;
    gs_model_new(&m);
    ck_assert_int_eq(
        gs_model_load_buffer(m, "e.yaml", explain_yaml, strlen(explain_yaml), NULL, NULL), 0);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    gs_control *c = NULL;
    gs_control_new(&c, NULL);
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);
    const gs_route_table *t = gs_control_table(c);

    /* Visit order: exact host before the wildcard; Exact /api/login before PathPrefix /api. */
    gs_buf v = {0};
    ck_assert_uint_eq(gs_route_table_visit(t, 0, collect, &v), 3);
    ck_assert_str_eq(v.data, "a.example.com exact#1 /api/login|a.example.com exact#0 /api|"
                             "*.example.com wide#0 /|");
    gs_buf_clear(&v);
    ck_assert_uint_eq(gs_route_table_visit(t, 99, collect, &v), 0);

    gs_buf out = {0};
    gs_explain_describe(gs_control_status(c), t, false, &out);
    const char *s = out.data;
    const char *exact = strstr(s, "Exact /api/login method POST");
    const char *prefix = strstr(s, "PathPrefix /api  (HTTPRoute infra/exact rule 0)");
    ck_assert_ptr_nonnull(exact);
    ck_assert_ptr_nonnull(prefix);
    ck_assert(exact < prefix);
    ck_assert_ptr_nonnull(strstr(s, "filter RequestRedirect 301 scheme https"));
    ck_assert_ptr_nonnull(strstr(s, "-> infra/app:80 weight 3 (75.0%)"));
    ck_assert_ptr_nonnull(strstr(s, "-> infra/gone:80 weight 1 (25.0%) BackendNotFound: answers "
                                    "500"));
    ck_assert_ptr_nonnull(strstr(s, "(empty: every request gets 404)"));
    ck_assert_ptr_nonnull(strstr(s, "Route table:      (not programmed)"));
    ck_assert_ptr_nonnull(strstr(s, "Why not attached:"));
    ck_assert_ptr_nonnull(strstr(s, "namespace other is not infra"));
    ck_assert_ptr_nonnull(strstr(s, "Attached routes:  2"));
    gs_buf_clear(&out);

    gs_buf mb = {0};
    gs_rt_kv_match h = {.type = GS_RT_MATCH_REGEX, .name = "x", .value = "a.*"};
    gs_rt_match mm = {.path = {.type = GS_RT_MATCH_PREFIX, .value = "/p"},
                      .method = "GET",
                      .headers = &h,
                      .n_headers = 1};
    gs_explain_match(&mm, NULL, &mb);
    ck_assert_str_eq(mb.data, "PathPrefix /p method GET header x~a.*");
    gs_buf_reset(&mb);
    gs_rt_grpc_match gm = {.service = "s.S"};
    gs_explain_match(NULL, &gm, &mb);
    ck_assert_str_eq(mb.data, "gRPC s.S/*");
    gs_buf_clear(&mb);
    gs_control_free(c);
    gs_model_free(m);
}
END_TEST

/* TLS listeners say whether they pass TLS through or terminate it (one of each on one port). */
START_TEST(tls_modes)
{
    gs_model *m = NULL;
    gs_model_new(&m);
    gs_load_options lo = {0};
    ck_assert_int_eq(gs_model_load_path(m, gs_test_data("targets/nginx/l4.yaml"), &lo, NULL), 0);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    gs_control *c = NULL;
    gs_control_new(&c, NULL);
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);
    gs_buf out = {0};
    gs_explain_describe(gs_control_status(c), gs_control_table(c), false, &out);
    const char *pass = strstr(out.data, "pass  TLS port 443");
    const char *term = strstr(out.data, "term  TLS port 443");
    ck_assert_ptr_nonnull(pass);
    ck_assert_ptr_nonnull(term);
    const char *pass_mode = strstr(pass, "TLS mode:         Passthrough (");
    const char *term_mode = strstr(term, "TLS mode:         Terminate (");
    ck_assert_ptr_nonnull(pass_mode);
    ck_assert_ptr_nonnull(term_mode);
    ck_assert(pass_mode < term); /* each under its own listener */
    /* TCP and UDP listeners have no TLS mode: exactly two lines. */
    ck_assert_ptr_null(strstr(term_mode + 1, "TLS mode:"));
    ck_assert(strstr(out.data, "TLS mode:") > pass);
    gs_buf_clear(&out);
    gs_control_free(c);
    gs_model_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("explain");
    TCase *tc = tcase_create("explain");
    tcase_add_test(tc, describe_and_visit);
    tcase_add_test(tc, tls_modes);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
