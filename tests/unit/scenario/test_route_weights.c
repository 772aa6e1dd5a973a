/* SPDX-License-Identifier: MIT */
/* The weights a failed split check names: the rule a request meets on a Gateway port, its
 * backends with weights and shares, unreachable backends marked, nothing when no rule takes
 * the request. */
#include "gs_control.h"
#include "gs_route_weights.h"
#include "gs_test.h"

#include <string.h>

static const char *const weights_yaml =
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: "
    "ns}\nspec:\n  gatewayClassName: gs\n  listeners:\n  - {name: web, protocol: HTTP, port: 80}\n"
    "---\napiVersion: v1\nkind: Service\nmetadata: {name: stable, namespace: ns}\n"
    "spec: {ports: [{port: 80}]}\n"
    "---\napiVersion: v1\nkind: Service\nmetadata: {name: canary, namespace: ns}\n"
    "spec: {ports: [{port: 80}]}\n"
    "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, "
    "namespace: ns}\nspec:\n  parentRefs: [{name: gw}]\n  hostnames: [a.example.com]\n"
    "  rules:\n  - matches: [{path: {value: /split}}]\n"
    "    backendRefs: [{name: stable, port: 80, weight: 3}, {name: canary, port: 80, weight: 1}]\n"
    "  - matches: [{path: {value: /gone}}]\n"
    "    backendRefs: [{name: stable, port: 80}, {name: missing, port: 80}]\n";

/* Describes GET |path| for Host a.example.com on |gateway| port |port|; returns the result and
 * leaves the text in |out|. */
static int describe(const gs_control *ctl, const char *gateway, unsigned port, const char *path,
                    gs_buf *out)
{
    gs_rt_request req = {.host = "a.example.com",
                         .host_len = 13,
                         .method = "GET",
                         .method_len = 3,
                         .path = path,
                         .path_len = strlen(path)};
    gs_buf_reset(out);
    return gs_route_weights_describe(gs_control_table(ctl), gateway, port, &req, out);
}

START_TEST(route_weights_named_for_the_request)
{
    gs_model *m = NULL;
    gs_control *ctl = NULL;
    gs_model_new(&m);
    ck_assert_int_eq(
        gs_model_load_buffer(m, "w.yaml", weights_yaml, strlen(weights_yaml), NULL, NULL), 0);
    gs_control_new(&ctl, NULL);
    ck_assert_int_eq(gs_control_compute(ctl, m, NULL), 0);
    gs_buf b = {0};
    ck_assert_int_eq(describe(ctl, "ns/gw", 80, "/split", &b), 0);
    ck_assert_str_eq(b.data, "HTTPRoute ns/r rule 0: ns/stable 3 (75.0%), ns/canary 1 (25.0%)");
    ck_assert_int_eq(describe(ctl, "ns/gw", 80, "/gone", &b), 0);
    ck_assert_str_eq(b.data, "HTTPRoute ns/r rule 1: ns/stable 1 (50.0%), ns/missing 1 (50.0%, "
                             "BackendNotFound: answers 500)");
    /* No rule, no such port, no such Gateway: nothing said. */
    ck_assert_int_eq(describe(ctl, "ns/gw", 80, "/other", &b), -1);
    ck_assert_int_eq(describe(ctl, "ns/gw", 8080, "/split", &b), -1);
    ck_assert_int_eq(describe(ctl, "other/gw", 80, "/split", &b), -1);
    ck_assert_int_eq(describe(ctl, "gw", 80, "/split", &b), -1);
    ck_assert_uint_eq(b.len, 0);
    gs_buf_clear(&b);
    gs_control_free(ctl);
    gs_model_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scenario/route_weights");
    TCase *tc = tcase_create("route_weights");
    tcase_add_test(tc, route_weights_named_for_the_request);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
