/* SPDX-License-Identifier: MIT */
/* The gateway over HTTP/2 and TLS with a real client (curl): h2c with prior knowledge on the
 * HTTP port, HTTPS with the certificate chosen by SNI and ALPN h2 or http/1.1, and 421 when the
 * Host belongs to another listener than the SNI. */
#include "gw_fixture.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_test.h"
#include "gs_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static gs_tls_pem ca, leaf_a, leaf_b;
static char *ca_path;

static void build_tls(gs_route_table *t)
{
    gs_rt_cert ca_cert = {"default", "a-cert", leaf_a.cert, leaf_a.key};
    gs_rt_cert cb_cert = {"default", "b-cert", leaf_b.cert, leaf_b.key};
    size_t ls[3];
    ls[0] = gwf_listener(t, "http", 80, GS_RT_PROTO_HTTP, NULL);
    gs_rt_listener la = {.gateway_namespace = "default",
                         .gateway_name = "gw",
                         .name = "https-a",
                         .port = 443,
                         .protocol = GS_RT_PROTO_HTTPS,
                         .hostname = "a.example.com",
                         .certs = &ca_cert,
                         .n_certs = 1};
    gs_rt_listener lb = la;
    lb.name = "https-b";
    lb.hostname = "b.example.com";
    lb.certs = &cb_cert;
    ck_assert_int_eq(gs_route_table_add_listener(t, &la, &ls[1], NULL), 0);
    ck_assert_int_eq(gs_route_table_add_listener(t, &lb, &ls[2], NULL), 0);
    gs_rt_backend v1 = {.group = "",
                        .kind = "Service",
                        .namespace = "default",
                        .name = "v1",
                        .port = 8080,
                        .weight = 1};
    gs_rt_backend v2 = v1;
    v2.name = "v2";
    gs_rt_match m_root[] = {{.path = {GS_RT_MATCH_PREFIX, "/", NULL}}};
    gs_rt_match m_v2[] = {{.path = {GS_RT_MATCH_PREFIX, "/v2", NULL}}};
    gs_rt_rule rules[2] = {{.matches = m_root,
                            .n_matches = 1,
                            .backends = &v1,
                            .n_backends = 1,
                            .request_timeout_ms = GS_RT_TIMEOUT_UNSET,
                            .backend_request_timeout_ms = GS_RT_TIMEOUT_UNSET},
                           {.matches = m_v2,
                            .n_matches = 1,
                            .backends = &v2,
                            .n_backends = 1,
                            .request_timeout_ms = GS_RT_TIMEOUT_UNSET,
                            .backend_request_timeout_ms = GS_RT_TIMEOUT_UNSET}};
    gs_rt_route r = {.kind = GS_RT_ROUTE_HTTP,
                     .namespace = "default",
                     .name = "all",
                     .rules = rules,
                     .n_rules = 2};
    gs_error err = {0};
    ck_assert_msg(gs_route_table_add_route(t, &r, ls, 3, &err) == 0, "%s", err.msg);
}

static gwf fix;

static void setup(void)
{
    ck_assert_int_eq(gs_tls_ca_generate(&ca, "gatesim test CA", NULL), 0);
    const char *na[] = {"a.example.com"};
    const char *nb[] = {"b.example.com"};
    ck_assert_int_eq(gs_tls_leaf_generate(&leaf_a, &ca, na, 1, NULL), 0);
    ck_assert_int_eq(gs_tls_leaf_generate(&leaf_b, &ca, nb, 1, NULL), 0);
    ca_path = gs_test_write_temp(".pem", ca.cert);
    gwf_start(&fix, build_tls);
}

static void teardown(void)
{
    gwf_stop(&fix);
    unlink(ca_path);
    free(ca_path);
    gs_tls_pem_clear(&ca);
    gs_tls_pem_clear(&leaf_a);
    gs_tls_pem_clear(&leaf_b);
}

/* Runs curl with |args| and returns its output (headers with -D -, then the body). */
static char *curl(const char *args)
{
    char *cmd = gs_xasprintf("curl -s -S --max-time 5 -D - %s 2>&1", args);
    FILE *p = popen(cmd, "r");
    free(cmd);
    ck_assert_ptr_nonnull(p);
    gs_buf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
        gs_buf_append(&b, buf, n);
    pclose(p);
    return b.data ? gs_buf_take(&b) : gs_xstrdup("");
}

START_TEST(h2c_prior_knowledge)
{
    char *args = gs_xasprintf("--http2-prior-knowledge -H 'Host: example.com' "
                              "http://127.0.0.1:%d/v2/x",
                              fix.gw_ports[0]);
    char *out = curl(args);
    ck_assert_msg(strstr(out, "HTTP/2 200") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "x-upstream: v2") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "target=/v2/x") != NULL, "%s", out);
    free(out);
    free(args);
    /* HTTP/1.1 on the same port */
    args = gs_xasprintf("--http1.1 -H 'Host: example.com' http://127.0.0.1:%d/", fix.gw_ports[0]);
    out = curl(args);
    ck_assert_msg(strstr(out, "HTTP/1.1 200") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "x-upstream: v1") != NULL, "%s", out);
    free(out);
    free(args);
}
END_TEST

START_TEST(https_sni_and_alpn)
{
    int port = fix.gw_ports[1];
    ck_assert_int_gt(port, 0);
    char *args = gs_xasprintf("--cacert %s --resolve a.example.com:%d:127.0.0.1 "
                              "https://a.example.com:%d/v2/tls",
                              ca_path, port, port);
    char *out = curl(args);
    ck_assert_msg(strstr(out, "HTTP/2 200") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "x-upstream: v2") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "h:x-forwarded-proto=https") != NULL, "%s", out);
    free(out);
    free(args);
    /* The b listener's certificate verifies for b.example.com; over HTTP/1.1 this time. */
    args = gs_xasprintf("--http1.1 --cacert %s --resolve b.example.com:%d:127.0.0.1 "
                        "https://b.example.com:%d/",
                        ca_path, port, port);
    out = curl(args);
    ck_assert_msg(strstr(out, "HTTP/1.1 200") != NULL, "%s", out);
    free(out);
    free(args);
    /* SNI a.example.com, Host b.example.com: another listener owns the Host → 421. */
    args = gs_xasprintf("--cacert %s --resolve a.example.com:%d:127.0.0.1 "
                        "-H 'Host: b.example.com' https://a.example.com:%d/",
                        ca_path, port, port);
    out = curl(args);
    ck_assert_msg(strstr(out, " 421") != NULL, "%s", out);
    free(out);
    free(args);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_proxy_h2");
    TCase *tc = tcase_create("h2");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, h2c_prior_knowledge);
    tcase_add_test(tc, https_sni_and_alpn);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
