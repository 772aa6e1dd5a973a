/* SPDX-License-Identifier: MIT */
/* `explain --request`: the normalised path or the gateway's 400 reason, the listener, route,
 * rule, match and backends of the winning rule, 404/421 outcomes, ports and schemes. */
#include "gs_control.h"
#include "gs_explain_request.h"
#include "gs_test.h"

#include <string.h>

static const char *const req_yaml =
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: "
    "ns}\nspec:\n  gatewayClassName: gs\n  listeners:\n"
    "  - {name: web, protocol: HTTP, port: 80}\n"
    "  - {name: alt, protocol: HTTP, port: 8080, hostname: alt.example.com}\n"
    "---\napiVersion: v1\nkind: Service\nmetadata: {name: pub, namespace: ns}\n"
    "spec: {ports: [{port: 80}]}\n"
    "---\napiVersion: v1\nkind: Service\nmetadata: {name: priv, namespace: ns}\n"
    "spec: {ports: [{port: 80}]}\n"
    "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, "
    "namespace: ns}\nspec:\n  parentRefs: [{name: gw}]\n  hostnames: [a.example.com]\n"
    "  rules:\n  - matches: [{path: {value: /public}}]\n"
    "    backendRefs: [{name: pub, port: 80, weight: 3}, {name: gone, port: 80}]\n"
    "  - matches: [{path: {value: /internal}, headers: [{name: x-admin, value: 'yes'}]}]\n"
    "    backendRefs: [{name: priv, port: 80}]\n"
    "  - matches: [{path: {value: /%7Euser}}]\n"
    "    backendRefs: [{name: pub, port: 80}]\n";

static gs_control *req_ctl;
static gs_model *req_model;

static void req_setup(void)
{
    gs_model_new(&req_model);
    ck_assert_int_eq(
        gs_model_load_buffer(req_model, "r.yaml", req_yaml, strlen(req_yaml), NULL, NULL), 0);
    gs_control_new(&req_ctl, NULL);
    ck_assert_int_eq(gs_control_compute(req_ctl, req_model, NULL), 0);
}

static void req_teardown(void)
{
    gs_control_free(req_ctl);
    gs_model_free(req_model);
}

/* Explains |url| (with |method| and one header "x-admin: yes" when |admin|); returns the
 * status and leaves the text in |out|. */
static int explain(const char *method, const char *url, bool admin, gs_buf *out)
{
    gs_rt_header h = {"x-admin", 7, "yes", 3};
    gs_explain_request rq = {method, url, admin ? &h : NULL, admin ? 1 : 0};
    gs_buf_reset(out);
    return gs_explain_request_text(gs_control_table(req_ctl), &rq, false, out);
}

START_TEST(request_routes_normalised_path)
{
    gs_buf b = {0};
    ck_assert_int_eq(explain(NULL, "http://a.example.com/public/a/./b//c?x=1", false, &b), 0);
    ck_assert_ptr_nonnull(strstr(b.data, "Request GET http://a.example.com/public/a/./b//c?x=1\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "  Path:     /public/a/b/c?x=1\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "  Gateway ns/gw port 80 (HTTP)\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "    Listener: web (hostname *)\n"));
    ck_assert_ptr_nonnull(
        strstr(b.data, "    Route:    HTTPRoute ns/r rule 0, match 0: PathPrefix /public\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "    Backends: ns/pub:80 weight 3 (75.0%)\n"));
    ck_assert_ptr_nonnull(
        strstr(b.data, "ns/gone:80 weight 1 (25.0%) BackendNotFound: answers 500\n"));

    /* Escaping /public by dot-segments lands on /internal, which needs its header. */
    ck_assert_int_eq(explain("GET", "http://a.example.com/public/%2e%2e/internal/s", false, &b),
                     404);
    ck_assert_ptr_nonnull(strstr(b.data, "  Path:     /internal/s\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "Result:   404 no route"));
    ck_assert_int_eq(explain("GET", "http://a.example.com/public/.%2e/internal/s", true, &b), 0);
    ck_assert_ptr_nonnull(
        strstr(b.data, "rule 1, match 0: PathPrefix /internal header x-admin=yes"));
    gs_buf_clear(&b);
}
END_TEST

START_TEST(request_route_values_normalised_too)
{
    /* A configured value spelled with escapes matches the requests it names: route values are
     * normalised as request paths are. */
    gs_buf b = {0};
    ck_assert_int_eq(explain("GET", "http://a.example.com/~user/x", false, &b), 0);
    ck_assert_ptr_nonnull(strstr(b.data, "rule 2, match 0: PathPrefix /~user\n"));
    ck_assert_int_eq(explain("GET", "http://a.example.com/%7euser", false, &b), 0);
    ck_assert_ptr_nonnull(strstr(b.data, "rule 2, match 0: PathPrefix /~user\n"));
    ck_assert_int_eq(explain("GET", "http://a.example.com/%7Euserx", false, &b), 404);
    gs_buf_clear(&b);
}
END_TEST

START_TEST(request_refused_and_unrouted)
{
    gs_buf b = {0};
    ck_assert_int_eq(explain("GET", "http://a.example.com/public/..%2fx", false, &b), 400);
    ck_assert_ptr_nonnull(strstr(
        b.data, "  Result:   400 encoded slash (%2F or %5C) in path (answered before routing)\n"));
    ck_assert_ptr_null(strstr(b.data, "Gateway"));
    ck_assert_int_eq(explain("GET", "http://a.example.com:99999999999/", false, &b), 400);
    ck_assert_ptr_nonnull(strstr(b.data, "400 port out of range"));
    ck_assert_int_eq(explain("GET", "http://u@a.example.com/", false, &b), 400);
    ck_assert_int_eq(explain("GET", "http://a.example.com/#x", false, &b), 400);
    ck_assert_int_eq(explain("GET", "http://b.example.com/public", false, &b), 404);
    ck_assert_ptr_nonnull(strstr(b.data, "404 no route"));
    /* Port 8080's listener only serves alt.example.com. */
    ck_assert_int_eq(explain("GET", "http://a.example.com:8080/public", false, &b), 404);
    ck_assert_ptr_nonnull(strstr(b.data, "Gateway ns/gw port 8080 (HTTP)"));
    ck_assert_ptr_nonnull(strstr(b.data, "404 no listener for this host"));
    ck_assert_int_eq(explain("GET", "http://a.example.com:81/", false, &b), 404);
    ck_assert_ptr_nonnull(strstr(b.data, "No Gateway listens on port 81\n"));
    ck_assert_int_eq(explain("GET", "https://a.example.com:80/public", false, &b), 404);
    ck_assert_ptr_nonnull(strstr(b.data, "Skipped:  an HTTP listener: https:// does not reach it"));
    gs_buf_clear(&b);
}
END_TEST

START_TEST(request_json_and_url_check)
{
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, false);
    gs_explain_request rq = {"POST", "http://a.example.com/public/../public/x", NULL, 0};
    gs_explain_request_json(gs_control_table(req_ctl), &rq, &j);
    ck_assert_ptr_nonnull(strstr(b.data, "\"method\":\"POST\""));
    ck_assert_ptr_nonnull(strstr(b.data, "\"status\":0,\"path\":\"/public/x\",\"port\":80"));
    ck_assert_ptr_nonnull(strstr(b.data, "\"outcome\":\"matched\""));
    ck_assert_ptr_nonnull(strstr(b.data, "\"routeName\":\"r\",\"rule\":0,\"match\":0"));
    ck_assert_ptr_nonnull(strstr(b.data, "\"name\":\"gone\",\"port\":80,\"weight\":1,"
                                         "\"state\":\"BackendNotFound\""));
    gs_buf_reset(&b);
    gs_json_init(&j, &b, false);
    rq.url = "http://a.example.com/a\\b";
    gs_explain_request_json(gs_control_table(req_ctl), &rq, &j);
    ck_assert_ptr_nonnull(strstr(b.data, "\"status\":400,\"reason\":\"backslash in path\"}"));
    gs_buf_clear(&b);
    ck_assert_ptr_null(gs_explain_request_check_url("http://h"));
    ck_assert_ptr_null(gs_explain_request_check_url("HTTPS://h/x/../y"));
    ck_assert_ptr_nonnull(gs_explain_request_check_url("/x"));
    ck_assert_ptr_nonnull(gs_explain_request_check_url("ftp://h/"));
    ck_assert_ptr_nonnull(gs_explain_request_check_url("h:80"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("explain_request");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, req_setup, req_teardown);
    tcase_add_test(tc, request_routes_normalised_path);
    tcase_add_test(tc, request_refused_and_unrouted);
    tcase_add_test(tc, request_route_values_normalised_too);
    tcase_add_test(tc, request_json_and_url_check);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
