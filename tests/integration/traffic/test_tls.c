/* SPDX-License-Identifier: MIT */
/* HTTP/2 and HTTP/1.1 over TLS against nginx with a generated CA: trust via --cacert, refusal
 * without it, --insecure, ALPN h2 required for http2, hostname verification against the SNI. */
#include "gs_alloc.h"
#include "gs_test.h"
#include "gs_time.h"
#include "traffic_it.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static gs_proc *nginx;
static char *dir, *ca;
static char h2_addr[64], h1_addr[64], h2_auth[80];

static void setup(void)
{
    dir = it_tmpdir();
    it_make_cert(dir);
    unsigned ports[2];
    int held[2];
    it_hold_ports(ports, held, 2);
    unsigned p2 = ports[0], p1 = ports[1];
    char *body = gs_xasprintf(
        "ssl_certificate %s/cert.pem; ssl_certificate_key %s/key.pem;\n"
        "server { listen 127.0.0.1:%u ssl http2;\n"
        "  location / { add_header x-gatesim-backend default/tls/0; return 200 \"secure\"; } }\n"
        "server { listen 127.0.0.1:%u ssl;\n"
        "  location / { add_header x-gatesim-backend default/tls1/0; return 200 \"h1\"; } }\n",
        dir, dir, p2, p1);
    nginx = it_nginx(dir, body, p2);
    ck_assert(it_wait_port(p1, 3000));
    it_release_ports(held, 2);
    free(body);
    ca = gs_xasprintf("%s/ca.pem", dir);
    snprintf(h2_addr, sizeof(h2_addr), "127.0.0.1:%u", p2);
    snprintf(h1_addr, sizeof(h1_addr), "127.0.0.1:%u", p1);
    snprintf(h2_auth, sizeof(h2_auth), "localhost:%u", p2);
}

static void teardown(void)
{
    it_stop(nginx);
    free(ca);
    it_rmdir(dir);
}

static void config(gs_traffic_config *cfg, gs_traffic_protocol proto, uint64_t n)
{
    gs_traffic_config_init(cfg);
    cfg->protocol = proto;
    cfg->tls = true;
    cfg->address = proto == GS_TRAFFIC_HTTP1 ? h1_addr : h2_addr;
    cfg->authority = h2_auth; /* SNI "localhost", the leaf's name */
    cfg->ca_file = ca;
    cfg->requests = n;
}

START_TEST(http2_with_trusted_ca)
{
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_HTTP2, 100);
    cfg.connections = 2;
    cfg.streams = 5;
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 100);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->backends, "default/tls"), 100);
    ck_assert_str_eq(it_seen_data.last_body, "secure");
    ck_assert_uint_eq(r->connections_opened, 2);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(http1_over_tls)
{
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_HTTP1, 30);
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 30);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->backends, "default/tls1"), 30);
    ck_assert_str_eq(it_seen_data.last_body, "h1");
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(untrusted_certificate_is_a_tls_error)
{
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_HTTP2, 4);
    cfg.ca_file = NULL; /* the system store does not know our CA */
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_TLS], 4);
    ck_assert_uint_eq(r->responses, 0);
    ck_assert_ptr_nonnull(strstr(it_seen_data.last_detail, "certificate"));
    gs_traffic_result_free(r);

    /* trusted CA, but the name we ask for is not on the certificate */
    config(&cfg, GS_TRAFFIC_HTTP2, 3);
    cfg.authority = "wrong.example.com";
    r = it_run(&cfg);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_TLS], 3);
    gs_traffic_result_free(r);

    /* --insecure accepts both */
    config(&cfg, GS_TRAFFIC_HTTP2, 5);
    cfg.ca_file = NULL;
    cfg.authority = "wrong.example.com";
    cfg.insecure = true;
    r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 5);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(http2_needs_alpn_h2)
{
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_HTTP2, 3);
    cfg.address = h1_addr; /* that listener does not offer h2 */
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_TLS], 3);
    /* nginx refuses the handshake (no_application_protocol alert), or we refuse the result */
    ck_assert_msg(strstr(it_seen_data.last_detail, "ALPN") ||
                      strstr(it_seen_data.last_detail, "application protocol"),
                  "detail: %s", it_seen_data.last_detail);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(sni_override)
{
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_HTTP2, 5);
    cfg.authority = "app.example.com"; /* Host header: not on the certificate */
    cfg.sni = "localhost";             /* but SNI and verification use this name */
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 5);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(refused_tls_port_is_a_connect_error)
{
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_HTTP2, 4);
    char closed[64];
    unsigned port;
    int hold = it_refusing_port(&port);
    snprintf(closed, sizeof(closed), "127.0.0.1:%u", port);
    cfg.address = closed;
    gs_traffic_result *r = it_run(&cfg);
    close(hold);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_CONNECT], 4);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_TLS], 0);
    gs_traffic_result_free(r);
}
END_TEST

static Suite *tls_suite(void)
{
    Suite *s = suite_create("traffic_tls");
    TCase *tc = tcase_create("tls");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, http2_with_trusted_ca);
    tcase_add_test(tc, http1_over_tls);
    tcase_add_test(tc, untrusted_certificate_is_a_tls_error);
    tcase_add_test(tc, http2_needs_alpn_h2);
    tcase_add_test(tc, sni_override);
    tcase_add_test(tc, refused_tls_port_is_a_connect_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(tls_suite());
}
