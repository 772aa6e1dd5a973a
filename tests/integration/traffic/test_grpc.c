/* SPDX-License-Identifier: MIT */
/* gRPC unary over h2c against a Python grpcio server (generic handlers): payload echo,
 * grpc-status and percent-decoded grpc-message from trailers, server-enforced deadlines. */
#include "gs_alloc.h"
#include "gs_test.h"
#include "gs_time.h"
#include "traffic_it.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gs_proc *server;
static char address[64], tls_address[64];
static char *dir;

static void setup(void)
{
    unsigned port, tls_port;
    dir = it_tmpdir();
    it_make_cert(dir);
    char *cert = gs_xasprintf("%s/cert.pem", dir), *key = gs_xasprintf("%s/key.pem", dir);
    server = it_python_args("grpc_server.py", cert, key, &port, &tls_port);
    snprintf(address, sizeof(address), "127.0.0.1:%u", port);
    snprintf(tls_address, sizeof(tls_address), "127.0.0.1:%u", tls_port);
    free(cert);
    free(key);
}

static void teardown(void)
{
    it_stop(server);
    it_rmdir(dir);
}

static void config(gs_traffic_config *cfg, const char *method, uint64_t n)
{
    gs_traffic_config_init(cfg);
    cfg->protocol = GS_TRAFFIC_GRPC;
    cfg->address = address;
    cfg->authority = "grpc.example.com";
    cfg->grpc_service = "test.Echo";
    cfg->grpc_method = method;
    cfg->requests = n;
    cfg->body = "hello";
    cfg->body_len = 5;
}

START_TEST(unary_echo)
{
    gs_traffic_config cfg;
    config(&cfg, "Unary", 40);
    cfg.streams = 4;
    it_watch_header = "content-type";
    it_watch_trailer = "x-served-by";
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 40);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->grpc_statuses, "0"), 40);
    ck_assert_int_eq(it_seen_data.last_grpc_status, 0);
    ck_assert_str_eq(it_seen_data.last_body, "echo:hello");
    ck_assert_str_eq(it_seen_data.last_header, "application/grpc");
    ck_assert_str_eq(it_seen_data.last_trailer, "python");
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(status_and_message_from_trailers)
{
    gs_traffic_config cfg;
    config(&cfg, "Fail", 10);
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(r->responses, 10);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->grpc_statuses, "5"), 10);
    ck_assert_int_eq(it_seen_data.last_grpc_status, 5);
    ck_assert_str_eq(it_seen_data.last_grpc_message, "no such thing: 100%");
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(deadline_exceeded)
{
    gs_traffic_config cfg;
    config(&cfg, "Slow", 3);
    cfg.streams = 3;
    /* The client sends grpc-timeout: 2 s and waits a fifth longer (400 ms) for the server's
     * DEADLINE_EXCEEDED before it calls the request timed out itself. Shorter timeouts left a
     * grace (60 ms, then 200 ms) that a loaded machine exceeded between grpcio's deadline timer
     * and the trailers arriving; Slow answers after 6 s, well beyond both. */
    cfg.request_timeout_ns = 2 * GS_NS_PER_S;
    /* as gatesim load runs; gRPC keeps the dynamic table all the same: grpcio's
     * DEADLINE_EXCEEDED trailers ignore a table size of 0 (COMPRESSION_ERROR otherwise) */
    cfg.h2_no_header_table = true;
    gs_traffic_result *r = it_run(&cfg);
    /* grpcio enforces grpc-timeout: DEADLINE_EXCEEDED (4), not a client-side timeout */
    ck_assert_uint_eq(gs_traffic_counts_get(&r->grpc_statuses, "4"), 3);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_TIMEOUT], 0);
    gs_traffic_result_free(r);
}
END_TEST

/* What the stall test's callback saw: answers of the fast requests, and how many of them had
 * come when the first slow one (index 1, 2 or 3) did. */
static unsigned stall_fast, stall_fast_before_slow;
static bool stall_slow_seen;

static void on_stall(const gs_traffic_response *resp, void *user)
{
    (void)user;
    bool slow = resp->index >= 1 && resp->index <= 3;
    if (slow && !stall_slow_seen) {
        stall_slow_seen = true;
        stall_fast_before_slow = stall_fast;
    }
    if (!slow && resp->error == GS_TRAFFIC_OK && resp->grpc_status == 0)
        stall_fast++;
}

/* One connection of 4 streams, three of them busy for 5 s (requests 1-3) while the server
 * answers every other request at once: the one free stream must keep cycling. The client holds
 * a connection's free streams back while fewer than half are free, but only until no answer
 * came for about a millisecond; were they held until half the streams were free, no request
 * but the first would be answered before the slow ones, and were they left to the worker's
 * 20 ms tick, the 397 fast ones would take about 8 s (they take well under a second). */
START_TEST(busy_streams_do_not_hold_the_free_one)
{
    gs_traffic_config cfg;
    config(&cfg, "Stall", 400);
    cfg.streams = 4;
    cfg.request_id_prefix = "stall-";
    cfg.on_response = on_stall;
    stall_fast = stall_fast_before_slow = 0;
    stall_slow_seen = false;
    gs_traffic_result *r = NULL;
    gs_error err;
    ck_assert_int_eq(gs_traffic_run(&cfg, &r, &err), 0);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->grpc_statuses, "0"), 400);
    ck_assert_uint_eq(stall_fast, 397);
    ck_assert_msg(stall_fast_before_slow == 397,
                  "only %u of the 397 fast requests were answered before the slow ones",
                  stall_fast_before_slow);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(unknown_method)
{
    gs_traffic_config cfg;
    config(&cfg, "Nope", 5);
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->grpc_statuses, "12"), 5); /* UNIMPLEMENTED */
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(unary_over_tls)
{
    gs_traffic_config cfg;
    config(&cfg, "Unary", 20);
    cfg.tls = true;
    cfg.address = tls_address;
    cfg.authority = "localhost";
    char *ca = gs_xasprintf("%s/ca.pem", dir);
    cfg.ca_file = ca;
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->grpc_statuses, "0"), 20);
    ck_assert_str_eq(it_seen_data.last_body, "echo:hello");
    gs_traffic_result_free(r);
    free(ca);
}
END_TEST

static Suite *grpc_suite(void)
{
    Suite *s = suite_create("traffic_grpc");
    TCase *tc = tcase_create("grpc");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, unary_echo);
    tcase_add_test(tc, status_and_message_from_trailers);
    tcase_add_test(tc, deadline_exceeded);
    tcase_add_test(tc, busy_streams_do_not_hold_the_free_one);
    tcase_add_test(tc, unknown_method);
    tcase_add_test(tc, unary_over_tls);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(grpc_suite());
}
