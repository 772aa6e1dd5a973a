/* SPDX-License-Identifier: MIT */
/* gs_traffic_url_parse and the result JSON: what `gatesim load` accepts, refuses and prints. */
#include "gs_test.h"
#include "gs_time.h"
#include "gs_traffic.h"

#include <string.h>

START_TEST(parses_urls)
{
    gs_traffic_url u;
    gs_error err;
    ck_assert_int_eq(gs_traffic_url_parse("http://example.com", &u, &err), 0);
    ck_assert(!u.tls);
    ck_assert_str_eq(u.host, "example.com");
    ck_assert_uint_eq(u.port, 80);
    ck_assert_str_eq(u.authority, "example.com");
    ck_assert_str_eq(u.address, "example.com:80");
    ck_assert_str_eq(u.path, "/");
    gs_traffic_url_clear(&u);

    ck_assert_int_eq(gs_traffic_url_parse("https://a.b:8443/x/y?q=1#frag", &u, &err), 0);
    ck_assert(u.tls);
    ck_assert_uint_eq(u.port, 8443);
    ck_assert_str_eq(u.authority, "a.b:8443");
    ck_assert_str_eq(u.path, "/x/y?q=1");
    gs_traffic_url_clear(&u);

    ck_assert_int_eq(gs_traffic_url_parse("http://[::1]/", &u, &err), 0);
    ck_assert_uint_eq(u.port, 80);
    ck_assert_str_eq(u.authority, "[::1]");
    ck_assert_str_eq(u.address, "[::1]:80");
    gs_traffic_url_clear(&u);

    ck_assert_int_eq(gs_traffic_url_parse("http://[::1]:9000?x", &u, &err), 0);
    ck_assert_str_eq(u.host, "::1");
    ck_assert_str_eq(u.address, "[::1]:9000");
    ck_assert_str_eq(u.authority, "[::1]:9000");
    ck_assert_str_eq(u.path, "/?x");
    gs_traffic_url_clear(&u);
}
END_TEST

START_TEST(refuses_bad_urls)
{
    const char *bad[] = {"example.com",   "ftp://x/",        "http://",      "http:///x",
                         "http://h:0/",   "http://h:99999/", "http://h:8x/", "http://u@h/",
                         "http://[::1/",  "http://h/a b",    "http://h o/",  "http://::1:80/",
                         "http://h:/",    "http://[::1]x/",  "http://[h]/",  "http://:80/",
                         "http://a:b:80/"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        gs_traffic_url u;
        gs_error err = {0};
        ck_assert_msg(gs_traffic_url_parse(bad[k], &u, &err) == GS_ERR_INVALID, "accepted %s",
                      bad[k]);
        ck_assert_ptr_nonnull(strstr(err.msg, "bad URL"));
    }
    /* The host:port part is gs_addr_parse_hostport's, with its precise reasons. */
    gs_traffic_url u;
    gs_error err = {0};
    ck_assert_int_eq(gs_traffic_url_parse("http://h:99999/x", &u, &err), GS_ERR_INVALID);
    ck_assert_str_eq(err.msg, "bad URL \"http://h:99999/x\": \"h:99999\": port 99999 is out of "
                              "range (1-65535)");
    ck_assert_int_eq(gs_traffic_url_parse("http://::1:80/", &u, &err), GS_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "must be an IPv6 address in brackets"));
}
END_TEST

START_TEST(layer4_urls)
{
    gs_traffic_url u;
    gs_error err = {0};
    ck_assert_int_eq(gs_traffic_url_parse("tcp://db.example:5432", &u, &err), 0);
    ck_assert(u.layer4 && !u.tls);
    ck_assert_str_eq(u.scheme, "tcp");
    ck_assert_str_eq(u.address, "db.example:5432");
    gs_traffic_url_clear(&u);
    ck_assert_int_eq(gs_traffic_url_parse("TLS://[::1]:443", &u, &err), 0);
    ck_assert(u.layer4 && u.tls);
    ck_assert_str_eq(u.scheme, "tls");
    ck_assert_str_eq(u.address, "[::1]:443");
    gs_traffic_url_clear(&u);
    ck_assert_int_eq(gs_traffic_url_parse("udp://127.0.0.1:53", &u, &err), 0);
    ck_assert(u.layer4 && !u.tls);
    ck_assert_str_eq(u.scheme, "udp");
    gs_traffic_url_clear(&u);
    ck_assert_int_eq(gs_traffic_url_parse("https://h", &u, &err), 0);
    ck_assert(!u.layer4 && u.tls);
    ck_assert_str_eq(u.scheme, "https");
    gs_traffic_url_clear(&u);
    /* a layer-4 URL has a port and nothing after it */
    const char *bad[] = {"tcp://h", "udp://[::1]", "tls://h:443/", "tcp://h:1?x", "tcp:/h:1",
                         "udp://h:0"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        ck_assert_msg(gs_traffic_url_parse(bad[k], &u, &err) == GS_ERR_INVALID, "accepted %s",
                      bad[k]);
        ck_assert_ptr_nonnull(strstr(err.msg, "bad URL"));
    }
}
END_TEST

START_TEST(names_round_trip)
{
    gs_traffic_protocol p;
    ck_assert_int_eq(gs_traffic_protocol_parse("h2c", &p), 0);
    ck_assert_int_eq(p, GS_TRAFFIC_H2C);
    ck_assert_str_eq(gs_traffic_protocol_name(GS_TRAFFIC_GRPC), "grpc");
    ck_assert_int_eq(gs_traffic_protocol_parse("h3", &p), GS_ERR_INVALID);
    static const gs_traffic_protocol l4[] = {GS_TRAFFIC_TCP, GS_TRAFFIC_UDP, GS_TRAFFIC_TLS};
    static const char *const l4_names[] = {"tcp", "udp", "tls"};
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(gs_traffic_protocol_parse(l4_names[k], &p), 0);
        ck_assert_int_eq(p, l4[k]);
        ck_assert_str_eq(gs_traffic_protocol_name(l4[k]), l4_names[k]);
        ck_assert(gs_traffic_protocol_is_l4(l4[k]));
    }
    ck_assert(!gs_traffic_protocol_is_l4(GS_TRAFFIC_GRPC));
    ck_assert_str_eq(gs_traffic_error_name(GS_TRAFFIC_ERR_RESET), "reset");
    ck_assert_str_eq(gs_traffic_error_name(GS_TRAFFIC_ERR_CONNECT), "connect");
}
END_TEST

START_TEST(config_defaults_and_bad_config)
{
    gs_traffic_config cfg;
    gs_traffic_config_init(&cfg);
    ck_assert_uint_eq(cfg.connections, 1);
    ck_assert_uint_eq(cfg.streams, 1);
    gs_traffic_result *res = NULL;
    gs_error err = {0};
    /* no bound */
    cfg.address = "127.0.0.1:1";
    ck_assert_int_eq(gs_traffic_run(&cfg, &res, &err), GS_ERR_INVALID);
    ck_assert_ptr_null(res);
    /* no port */
    cfg.requests = 1;
    cfg.address = "127.0.0.1";
    ck_assert_int_eq(gs_traffic_run(&cfg, &res, &err), GS_ERR_INVALID);
    /* gRPC without a method */
    cfg.address = "127.0.0.1:1";
    cfg.protocol = GS_TRAFFIC_GRPC;
    ck_assert_int_eq(gs_traffic_run(&cfg, &res, &err), GS_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "gRPC"));
    /* layer 4: a bad ALPN list */
    cfg.protocol = GS_TRAFFIC_TLS;
    cfg.alpn = "a,,b";
    ck_assert_int_eq(gs_traffic_run(&cfg, &res, &err), GS_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "ALPN"));
}
END_TEST

START_TEST(results_merge_and_json)
{
    gs_traffic_result *a = gs_traffic_result_new(), *b = gs_traffic_result_new();
    a->requests = a->responses = 3;
    a->duration_s = 1;
    b->requests = 5;
    b->responses = 4;
    b->errors[GS_TRAFFIC_ERR_TIMEOUT] = 1;
    b->duration_s = 1;
    for (int k = 1; k <= 3; k++)
        gs_histogram_record(a->latency, k * GS_NS_PER_MS);
    for (int k = 4; k <= 7; k++)
        gs_histogram_record(b->latency, k * GS_NS_PER_MS);
    gs_traffic_result *all = gs_traffic_result_new();
    gs_traffic_result_merge(all, a);
    gs_traffic_result_merge(all, b);
    ck_assert_uint_eq(all->requests, 8);
    ck_assert_uint_eq(all->responses, 7);
    ck_assert_uint_eq(all->errors[GS_TRAFFIC_ERR_TIMEOUT], 1);
    ck_assert(all->rps == 4.0);
    ck_assert_uint_eq(gs_histogram_count(all->latency), 7);
    ck_assert_int_ge(gs_histogram_percentile(all->latency, 50), 4 * GS_NS_PER_MS);
    ck_assert_int_le(gs_histogram_percentile(all->latency, 50), 4004 * GS_NS_PER_US);
    ck_assert_int_eq(gs_histogram_max(all->latency), 7 * GS_NS_PER_MS);

    gs_buf out = {0};
    gs_json j;
    gs_json_init(&j, &out, false);
    gs_traffic_result_write_json(all, &j);
    ck_assert_ptr_nonnull(strstr(out.data, "\"requests\":8"));
    ck_assert_ptr_nonnull(strstr(out.data, "\"latencyMs\":{\"p50\":4"));
    ck_assert_ptr_nonnull(strstr(out.data, "\"timeout\":1"));
    ck_assert_ptr_nonnull(strstr(out.data, "\"statuses\":{}"));
    gs_buf_clear(&out);
    gs_traffic_result_free(a);
    gs_traffic_result_free(b);
    gs_traffic_result_free(all);
}
END_TEST

static Suite *url_suite(void)
{
    Suite *s = suite_create("url");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, parses_urls);
    tcase_add_test(tc, refuses_bad_urls);
    tcase_add_test(tc, layer4_urls);
    tcase_add_test(tc, names_round_trip);
    tcase_add_test(tc, config_defaults_and_bad_config);
    tcase_add_test(tc, results_merge_and_json);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(url_suite());
}
