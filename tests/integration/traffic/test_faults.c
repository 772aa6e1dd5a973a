/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 client against a deliberately misbehaving Python server: every response shape and
 * every failure (refused, reset, timeout, garbage, cut body) is counted in the right class. */
#include "gs_alloc.h"
#include "gs_test.h"
#include "gs_time.h"
#include "traffic_it.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static gs_proc *server;
static unsigned port;
static char address[64];

static void setup(void)
{
    server = it_python("fault_server.py", &port);
    snprintf(address, sizeof(address), "127.0.0.1:%u", port);
}

static void teardown(void)
{
    it_stop(server);
}

static void config(gs_traffic_config *cfg, const char *path, uint64_t requests)
{
    gs_traffic_config_init(cfg);
    cfg->address = address;
    cfg->authority = "fault.test";
    cfg->path = path;
    cfg->requests = requests;
    cfg->request_timeout_ns = 2 * GS_NS_PER_S;
}

START_TEST(counts_statuses_and_backends)
{
    gs_traffic_config cfg;
    config(&cfg, "/ok", 50);
    cfg.connections = 2;
    cfg.request_id_prefix = "t-";
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(r->requests, 50);
    ck_assert_uint_eq(r->responses, 50);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 50);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->backends, "test/fault"), 50);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->replicas, "test/fault/r1"), 50);
    ck_assert_uint_eq(gs_histogram_count(r->latency), 50);
    ck_assert_uint_eq(r->connections_opened, 2);
    ck_assert_uint_eq(it_seen_data.calls, 50);
    ck_assert_uint_eq(it_seen_data.ids_seen, 50);
    ck_assert_uint_eq(it_seen_data.duplicate_index, 0);
    ck_assert_str_eq(it_seen_data.last_body, "ok");
    ck_assert_str_eq(it_seen_data.last_backend, "test/fault/r1");
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(chunked_body_is_decoded)
{
    gs_traffic_config cfg;
    config(&cfg, "/chunked", 20);
    cfg.streams = 2; /* pipelined: chunked framing must end exactly at the trailer */
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 20);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->backends, "test/chunky"), 20);
    ck_assert_str_eq(it_seen_data.last_body, "hello world");
    ck_assert_uint_eq(r->connections_opened, 1);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(answers_cut_across_reads)
{
    /* every piece of the answer is its own read: a head cut in two waits for its end, and the
     * body after it is taken from the next reads (pipelined: two answers in flight) */
    const char *paths[] = {"/drip", "/drip-chunked"};
    for (size_t k = 0; k < 2; k++) {
        gs_traffic_config cfg;
        config(&cfg, paths[k], 8);
        cfg.streams = k == 0 ? 1 : 2;
        gs_traffic_result *r = it_run(&cfg);
        ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 8);
        ck_assert_uint_eq(gs_traffic_counts_get(&r->backends, "test/drip"), 8);
        ck_assert_uint_eq(r->responses, 8);
        ck_assert_uint_eq(r->connections_opened, 1);
        ck_assert_str_eq(it_seen_data.last_body, "hello world");
        gs_traffic_result_free(r);
    }
}
END_TEST

/* What the callback saw of each answer of timestamps_follow_the_reads, in completion order. */
static struct {
    unsigned n;
    gs_traffic_error error[16];
    uint64_t connection[16];
    int64_t intended[16], sent[16], done[16];
} timing;

static void on_timing(const gs_traffic_response *r, void *user)
{
    (void)user;
    if (r->warmup || timing.n >= 16)
        return;
    unsigned k = timing.n++;
    timing.error[k] = r->error;
    timing.connection[k] = r->connection;
    timing.intended[k] = r->intended_ns;
    timing.sent[k] = r->sent_ns;
    timing.done[k] = r->sent_ns + r->service_ns;
    ck_assert_int_eq(r->latency_ns, r->service_ns + (r->sent_ns - r->intended_ns));
}

START_TEST(timestamps_follow_the_reads)
{
    /* A read stamps once what it completes and what it starts on that time (one clock read per
     * read): an answer cut into six pieces 5 ms apart ends at its last piece's read, not its
     * first, and the next request on the connection starts no earlier than that end. */
    gs_traffic_config cfg;
    config(&cfg, "/drip", 6);
    cfg.on_response = on_timing;
    cfg.serialize_callbacks = true;
    memset(&timing, 0, sizeof(timing));
    int64_t before = gs_now_ns();
    gs_traffic_result *res = NULL;
    gs_error err = {0};
    ck_assert_msg(gs_traffic_run(&cfg, &res, &err) == 0, "run failed: %s", err.msg);
    int64_t after = gs_now_ns();
    ck_assert_uint_eq(res->responses, 6);
    ck_assert_uint_eq(timing.n, 6);
    for (unsigned k = 0; k < timing.n; k++) {
        ck_assert_int_eq(timing.error[k], GS_TRAFFIC_OK);
        ck_assert_int_le(before, timing.intended[k]);
        ck_assert_int_le(timing.intended[k], timing.sent[k]);
        /* the server sleeps 5 ms after each of the first five pieces */
        ck_assert_msg(timing.done[k] - timing.sent[k] >= 25 * GS_NS_PER_MS,
                      "answer %u took %lld ns: ended at a read before its last piece", k,
                      (long long)(timing.done[k] - timing.sent[k]));
        ck_assert_int_le(timing.done[k], after);
        if (k > 0) {
            ck_assert_uint_eq(timing.connection[k], timing.connection[0]);
            ck_assert_int_ge(timing.sent[k], timing.done[k - 1]);
        }
    }
    gs_traffic_result_free(res);
}
END_TEST

START_TEST(body_until_close_and_connection_close)
{
    gs_traffic_config cfg;
    config(&cfg, "/close", 10);
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 10);
    ck_assert_str_eq(it_seen_data.last_body, "until close");
    ck_assert_uint_eq(r->connections_opened, 10);
    gs_traffic_result_free(r);

    config(&cfg, "/conn-close", 10);
    r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "201"), 10);
    ck_assert_uint_eq(r->connections_opened, 10);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_RESET], 0);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(resets_are_counted)
{
    gs_traffic_config cfg;
    config(&cfg, "/reset", 10);
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(r->requests, 10);
    ck_assert_uint_eq(r->responses, 0);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_RESET], 10);
    ck_assert_uint_eq(it_seen_data.by_error[GS_TRAFFIC_ERR_RESET], 10);
    gs_traffic_result_free(r);

    config(&cfg, "/half", 5); /* the body stops short of its Content-Length */
    r = it_run(&cfg);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_RESET], 5);
    ck_assert_uint_eq(r->responses, 0);
    /* the same text as over TLS (tls_eof_test.py): one path decides */
    ck_assert_str_eq(it_seen_data.last_detail, "connection closed before the response ended");
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(timeouts_are_counted)
{
    gs_traffic_config cfg;
    config(&cfg, "/hang", 4);
    cfg.connections = 2;
    cfg.request_timeout_ns = 200 * GS_NS_PER_MS;
    int64_t t0 = gs_now_ns();
    gs_traffic_result *r = it_run(&cfg);
    int64_t took = gs_now_ns() - t0;
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_TIMEOUT], 4);
    ck_assert_uint_eq(r->responses, 0);
    ck_assert_int_ge(took, 400 * GS_NS_PER_MS); /* two rounds of 200 ms on each connection */
    ck_assert_int_lt(took, 3 * GS_NS_PER_S);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(garbage_is_a_protocol_error)
{
    gs_traffic_config cfg;
    config(&cfg, "/garbage", 5);
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_PROTOCOL], 5);
    ck_assert_uint_eq(r->responses, 0);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(refused_connections_are_counted)
{
    gs_traffic_config cfg;
    config(&cfg, "/", 6);
    char closed[64];
    unsigned refusing;
    int hold = it_refusing_port(&refusing);
    snprintf(closed, sizeof(closed), "127.0.0.1:%u", refusing);
    cfg.address = closed;
    cfg.connections = 3;
    gs_traffic_result *r = it_run(&cfg);
    close(hold);
    ck_assert_uint_eq(r->requests, 6);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_CONNECT], 6);
    ck_assert_uint_eq(it_seen_data.by_error[GS_TRAFFIC_ERR_CONNECT], 6);
    ck_assert_ptr_nonnull(strstr(it_seen_data.last_detail, "refused"));
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(open_loop_holds_the_rate)
{
    gs_traffic_config cfg;
    config(&cfg, "/ok", 0);
    cfg.duration_ns = 500 * GS_NS_PER_MS;
    cfg.rate = 200;
    cfg.connections = 2;
    cfg.threads = 2;
    gs_traffic_result *r = it_run(&cfg);
    /* 200/s for 0.5 s: 100 requests scheduled, give or take the ones at the edges */
    ck_assert_uint_ge(r->requests, 98);
    ck_assert_uint_le(r->requests, 102);
    ck_assert_uint_eq(r->responses, r->requests);
    ck_assert(r->target_rps == 200);
    /* The achieved rate is requests over the window from the start to the end of the duration
     * or the last completion, whichever is later. The last request was due before the end and
     * its latency counts from that due time, so the window exceeds the 0.5 s by at most the
     * largest latency: a fixed rps bound would fail whenever a loaded machine delays the last
     * answers, this one holds exactly. */
    double max_latency_s = (double)gs_histogram_max(r->latency) / 1e9;
    ck_assert(r->duration_s >= 0.5);
    ck_assert_msg(r->duration_s <= 0.5 + max_latency_s + 1e-3, "window %.3f s, max latency %.3f s",
                  r->duration_s, max_latency_s);
    ck_assert(r->rps > 0.999 * (double)r->requests / r->duration_s &&
              r->rps < 1.001 * (double)r->requests / r->duration_s);
    ck_assert(r->rps <= 205); /* never above the target: the window is at least the duration */
    ck_assert_uint_eq(it_seen_data.duplicate_index, 0);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(warmup_is_excluded)
{
    gs_traffic_config cfg;
    config(&cfg, "/ok", 30);
    cfg.warmup_ns = 100 * GS_NS_PER_MS;
    cfg.rate = 100;
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(r->requests, 30);
    ck_assert_uint_ge(r->warmup_requests, 9);
    ck_assert_uint_le(r->warmup_requests, 11);
    ck_assert_uint_eq(it_seen_data.warmup_calls, r->warmup_requests);
    ck_assert_uint_eq(it_seen_data.calls, 30);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(pipelined_on_one_connection)
{
    gs_traffic_config cfg;
    config(&cfg, "/ok", 40);
    cfg.streams = 4;
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 40);
    ck_assert_uint_eq(r->connections_opened, 1);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(keepalive_close_race_is_retried)
{
    /* every reused connection is closed as the next request arrives: GET goes again on a new
     * connection, POST (not idempotent) is a reset */
    gs_traffic_config cfg;
    config(&cfg, "/flaky", 10);
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 10);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_RESET], 0);
    ck_assert_uint_eq(r->connections_opened, 10);
    gs_traffic_result_free(r);

    config(&cfg, "/flaky", 10);
    cfg.method = "POST";
    r = it_run(&cfg);
    ck_assert_uint_eq(r->responses + r->errors[GS_TRAFFIC_ERR_RESET], 10);
    ck_assert_uint_ge(r->errors[GS_TRAFFIC_ERR_RESET], 4);
    gs_traffic_result_free(r);
}
END_TEST

/* Upstream's two WebSocket messages: a text one and a binary one. */
static const uint8_t ws_bytes[] = {1, 2, 3, 4, 5, 6, 7};
static const gs_traffic_ws_message ws_messages[] = {
    {false, "Websocket Support!", 18},
    {true, ws_bytes, sizeof(ws_bytes)},
};

static gs_traffic_result *ws_run(const char *path, uint64_t n)
{
    gs_traffic_config cfg;
    config(&cfg, path, n);
    cfg.protocol = GS_TRAFFIC_WEBSOCKET;
    cfg.ws_messages = ws_messages;
    cfg.num_ws_messages = 2;
    cfg.request_id_prefix = "ws-";
    return it_run(&cfg);
}

START_TEST(websocket_echo_and_its_failures)
{
    /* a good echo: fragmented answers after a ping, each connection one request */
    gs_traffic_result *r = ws_run("/ws", 6);
    ck_assert_uint_eq(r->responses, 6);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "101"), 6);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->backends, "test/ws"), 6);
    ck_assert_uint_eq(r->connections_opened, 6);
    ck_assert_uint_eq(it_seen_data.ids_seen, 6);
    gs_traffic_result_free(r);
    /* a wrong Sec-WebSocket-Accept, an altered echo, a close instead of an echo */
    static const struct {
        const char *path;
        gs_traffic_error e;
        const char *detail;
    } bad[] = {
        {"/ws-bad-accept", GS_TRAFFIC_ERR_PROTOCOL,
         "101 with a wrong or missing Sec-WebSocket-Accept"},
        {"/ws-altered", GS_TRAFFIC_ERR_PROTOCOL,
         "a message came back different from the one sent"},
        {"/ws-close", GS_TRAFFIC_ERR_RESET,
         "the server closed the WebSocket before echoing every message"},
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        r = ws_run(bad[k].path, 3);
        ck_assert_msg(r->errors[bad[k].e] == 3, "%s: %llu", bad[k].path,
                      (unsigned long long)r->errors[bad[k].e]);
        ck_assert_uint_eq(r->responses, 0);
        ck_assert_uint_eq(gs_traffic_counts_get(&r->error_texts[bad[k].e], bad[k].detail), 3);
        gs_traffic_result_free(r);
    }
    /* a refused upgrade is an ordinary answer with its status */
    r = ws_run("/nothing-here", 2);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "404"), 2);
    gs_traffic_result_free(r);
}
END_TEST

static Suite *faults_suite(void)
{
    Suite *s = suite_create("traffic_faults");
    TCase *tc = tcase_create("faults");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, counts_statuses_and_backends);
    tcase_add_test(tc, chunked_body_is_decoded);
    tcase_add_test(tc, answers_cut_across_reads);
    tcase_add_test(tc, timestamps_follow_the_reads);
    tcase_add_test(tc, body_until_close_and_connection_close);
    tcase_add_test(tc, resets_are_counted);
    tcase_add_test(tc, timeouts_are_counted);
    tcase_add_test(tc, garbage_is_a_protocol_error);
    tcase_add_test(tc, refused_connections_are_counted);
    tcase_add_test(tc, open_loop_holds_the_rate);
    tcase_add_test(tc, warmup_is_excluded);
    tcase_add_test(tc, pipelined_on_one_connection);
    tcase_add_test(tc, keepalive_close_race_is_retried);
    tcase_add_test(tc, websocket_echo_and_its_failures);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(faults_suite());
}
