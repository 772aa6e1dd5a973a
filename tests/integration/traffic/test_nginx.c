/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 and h2c (prior knowledge) against nginx, h2c against nghttpd: statuses, backends,
 * stream resets (nginx `return 444` on HTTP/2) and stream timeouts (nginx proxying to a server
 * that never answers) land in the right counters. */
#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_test.h"
#include "gs_time.h"
#include "traffic_it.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static gs_proc *nginx, *hang;
static char *dir;
static unsigned h1_port, h2_port, h1_short_port, h2_short_port;
static char h1_addr[64], h2_addr[64], h1_short_addr[64], h2_short_addr[64];

static void setup(void)
{
    unsigned hang_port;
    hang = it_python("fault_server.py", &hang_port);
    dir = it_tmpdir();
    unsigned ports[4];
    int held[4];
    it_hold_ports(ports, held, 4);
    h1_port = ports[0];
    h2_port = ports[1];
    h1_short_port = ports[2];
    h2_short_port = ports[3];
    char *body = gs_xasprintf(
        "keepalive_requests 100000; http2_max_concurrent_streams 64;\n"
        "map $server_port $replica { default r0; %u r1; }\n"
        "server { listen 127.0.0.1:%u; listen 127.0.0.1:%u http2;\n"
        "  location / { add_header x-gatesim-backend default/web/$replica; return 200 \"hi\"; }\n"
        "  location /missing { return 404; }\n"
        "  location /reset { return 444; }\n"
        "  location /hang { proxy_pass http://127.0.0.1:%u; proxy_read_timeout 30s; }\n"
        "}\n"
        "server { listen 127.0.0.1:%u; listen 127.0.0.1:%u http2; keepalive_requests 20;\n"
        "  location / { return 200 \"short\"; } }\n",
        h2_port, h1_port, h2_port, hang_port, h1_short_port, h2_short_port);
    nginx = it_nginx(dir, body, h1_port);
    ck_assert(it_wait_port(h2_port, 3000));
    free(body);
    snprintf(h1_addr, sizeof(h1_addr), "127.0.0.1:%u", h1_port);
    snprintf(h2_addr, sizeof(h2_addr), "127.0.0.1:%u", h2_port);
    snprintf(h1_short_addr, sizeof(h1_short_addr), "127.0.0.1:%u", h1_short_port);
    snprintf(h2_short_addr, sizeof(h2_short_addr), "127.0.0.1:%u", h2_short_port);
    ck_assert(it_wait_port(h2_short_port, 3000));
    it_release_ports(held, 4);
}

static void teardown(void)
{
    it_stop(nginx);
    it_stop(hang);
    it_rmdir(dir);
}

static void config(gs_traffic_config *cfg, gs_traffic_protocol proto, const char *path, uint64_t n)
{
    gs_traffic_config_init(cfg);
    cfg->protocol = proto;
    cfg->address = proto == GS_TRAFFIC_HTTP1 ? h1_addr : h2_addr;
    cfg->authority = "app.example.com";
    cfg->path = path;
    cfg->requests = n;
}

START_TEST(http1_statuses_and_backends)
{
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_HTTP1, "/", 300);
    cfg.connections = 4;
    cfg.threads = 2;
    it_watch_header = "content-type";
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 300);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->backends, "default/web"), 300);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->replicas, "default/web/r0"), 300);
    ck_assert_uint_eq(r->connections_opened, 4);
    ck_assert_str_eq(it_seen_data.last_header, "text/plain");
    ck_assert_str_eq(it_seen_data.last_body, "hi");
    ck_assert_uint_eq(it_seen_data.duplicate_index, 0);
    gs_traffic_result_free(r);

    config(&cfg, GS_TRAFFIC_HTTP1, "/missing", 20);
    r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "404"), 20);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->backends, "none"), 20);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(http1_new_connection_per_request)
{
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_HTTP1, "/", 25);
    cfg.new_connection_per_request = true;
    cfg.connections = 2;
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 25);
    ck_assert_uint_eq(r->connections_opened, 25);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_RESET], 0);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(http1_reset_by_nginx)
{
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_HTTP1, "/reset", 8);
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_RESET], 8);
    ck_assert_uint_eq(r->responses, 0);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(h2c_statuses_and_backends)
{
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_H2C, "/", 400);
    cfg.connections = 2;
    cfg.streams = 8;
    cfg.request_id_prefix = "h2-";
    it_watch_header = "content-type";
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 400);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->backends, "default/web"), 400);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->replicas, "default/web/r1"), 400);
    ck_assert_uint_eq(r->connections_opened, 2);
    ck_assert_str_eq(it_seen_data.last_header, "text/plain");
    ck_assert_str_eq(it_seen_data.last_body, "hi");
    ck_assert_uint_eq(it_seen_data.ids_seen, 400);
    ck_assert_uint_eq(it_seen_data.duplicate_index, 0);
    gs_traffic_result_free(r);

    config(&cfg, GS_TRAFFIC_H2C, "/missing", 30);
    cfg.streams = 4;
    r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "404"), 30);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(h2c_stream_resets)
{
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_H2C, "/reset", 12);
    cfg.streams = 4;
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(r->requests, 12);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_RESET], 12);
    ck_assert_uint_eq(r->responses, 0);
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(h2c_stream_timeouts_keep_the_connection)
{
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_H2C, "/hang", 6);
    cfg.streams = 3;
    cfg.request_timeout_ns = 300 * GS_NS_PER_MS;
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_TIMEOUT], 6);
    ck_assert_uint_eq(r->responses, 0);
    /* HTTP/2 cancels the stream, not the connection */
    ck_assert_uint_eq(r->connections_opened, 1);
    gs_traffic_result_free(r);
}
END_TEST

/* How often |needle| occurs in the file at |path|. */
static unsigned count_in_file(const char *path, const char *needle)
{
    gs_buf b = {0};
    ck_assert_int_eq(gs_buf_read_file(&b, path), 0);
    gs_buf_putc(&b, '\0');
    unsigned n = 0;
    for (const char *p = b.data; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    gs_buf_clear(&b);
    return n;
}

START_TEST(h2c_against_nghttpd)
{
    char *www = gs_xasprintf("%s/www", dir);
    mkdir(www, 0755);
    char *index = gs_xasprintf("%s/index.html", www);
    FILE *f = fopen(index, "w");
    fputs("hello from nghttpd", f);
    fclose(f);
    /* The port stays held (bound with SO_REUSEADDR, not listening) until nghttpd, which also
     * sets SO_REUSEADDR, listens on it: no other process can take it in between. */
    unsigned port;
    int held;
    it_hold_ports(&port, &held, 1);
    char ports[16];
    snprintf(ports, sizeof(ports), "%u", port);
    /* -v: nghttpd logs the frames it receives (the client's SETTINGS), into a file: a pipe
     * nobody reads would stall it */
    char *log = gs_xasprintf("%s/nghttpd.log", dir);
    char *cmd = gs_xasprintf("exec /usr/sbin/nghttpd -v --no-tls -a 127.0.0.1 -d '%s' %s >'%s'",
                             www, ports, log);
    const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    char *errlog = gs_xasprintf("%s/nghttpd.err", dir);
    gs_proc_opts opts = {.stderr_path = errlog};
    gs_proc *p = NULL;
    gs_error err;
    ck_assert_int_eq(gs_proc_spawn(&p, argv, &opts, &err), 0);
    bool up = it_wait_port(port, 5000);
    it_release_ports(&held, 1);
    int st;
    if (!up && gs_proc_exited(p, &st)) {
        char tail[512];
        gs_proc_log_tail(errlog, tail, sizeof(tail));
        ck_abort_msg("nghttpd exited before listening on %u: %s", port, tail);
    }
    ck_assert_msg(up, "nghttpd did not listen on %u within 5 s", port);
    free(errlog);
    free(cmd);
    char addr[64];
    snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);

    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_H2C, "/index.html", 200);
    cfg.address = addr;
    cfg.streams = 10;
    cfg.h2_no_header_table = true; /* as gatesim load runs */
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 200);
    ck_assert_str_eq(it_seen_data.last_body, "hello from nghttpd");
    gs_traffic_result_free(r);
    /* the client's SETTINGS as nghttpd read them: no push, 16 MiB stream windows, and no
     * dynamic table for the response headers (nghttpd's encoder, which indexes by default,
     * had to follow: 200 answers decoded above); the connection window opened to 16 MiB */
    static const char *const want[] = {
        "[SETTINGS_ENABLE_PUSH(0x02):0]",
        "[SETTINGS_INITIAL_WINDOW_SIZE(0x04):16777216]",
        "[SETTINGS_HEADER_TABLE_SIZE(0x01):0]",
        "(window_size_increment=16711681)",
    };
    for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
        ck_assert_uint_eq(count_in_file(log, want[k]), cfg.connections);

    config(&cfg, GS_TRAFFIC_H2C, "/nope", 10);
    cfg.address = addr;
    r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "404"), 10);
    gs_traffic_result_free(r);
    /* without h2_no_header_table the table keeps its default size: no new such setting */
    ck_assert_uint_eq(count_in_file(log, "HEADER_TABLE_SIZE"), cfg.connections);
    ck_assert_uint_eq(count_in_file(log, "(window_size_increment=16711681)"),
                      2 * cfg.connections);
    free(log);

    /* nghttpd does not send SETTINGS_ENABLE_CONNECT_PROTOCOL: a WebSocket over HTTP/2 is not
     * attempted (RFC 8441 §3), each request fails saying why */
    static const gs_traffic_ws_message hello = {false, "hello", 5};
    config(&cfg, GS_TRAFFIC_WEBSOCKET, "/index.html", 3);
    cfg.address = addr;
    cfg.ws_h2 = true;
    cfg.ws_messages = &hello;
    cfg.num_ws_messages = 1;
    r = it_run(&cfg);
    ck_assert_uint_eq(r->responses, 0);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_PROTOCOL], 3);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->error_texts[GS_TRAFFIC_ERR_PROTOCOL],
                                            "the server does not allow WebSocket over HTTP/2 "
                                            "(no SETTINGS_ENABLE_CONNECT_PROTOCOL)"),
                      3);
    gs_traffic_result_free(r);
    gs_proc_free(p);
    free(index);
    free(www);
}
END_TEST

START_TEST(head_has_no_body)
{
    static const gs_traffic_protocol protos[] = {GS_TRAFFIC_HTTP1, GS_TRAFFIC_H2C};
    for (int k = 0; k < 2; k++) {
        gs_traffic_config cfg;
        config(&cfg, protos[k], "/", 10);
        cfg.method = "HEAD";
        cfg.request_timeout_ns = 2 * GS_NS_PER_S;
        /* not allowed on HTTP/2: must be dropped, not sent */
        gs_traffic_header h = {"Connection", "keep-alive"};
        cfg.headers = &h;
        cfg.num_headers = 1;
        gs_traffic_result *r = it_run(&cfg);
        ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 10);
        ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_TIMEOUT], 0);
        ck_assert_str_eq(it_seen_data.last_body, "");
        gs_traffic_result_free(r);
    }
}
END_TEST

START_TEST(unprocessed_requests_are_sent_again)
{
    /* nginx closes every connection after 20 requests: GOAWAY on HTTP/2 (streams above its
     * last stream are refused), "Connection: close" on HTTP/1.1 (pipelined requests behind it
     * are never read). Neither is an error: those requests go out again, keeping their ids. */
    gs_traffic_config cfg;
    config(&cfg, GS_TRAFFIC_H2C, "/", 500);
    cfg.address = h2_short_addr;
    cfg.connections = 2;
    cfg.streams = 8;
    cfg.request_id_prefix = "again-";
    gs_traffic_result *r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 500);
    ck_assert_uint_eq(r->requests, 500);
    ck_assert_uint_ge(r->connections_opened, 25);
    ck_assert_uint_eq(it_seen_data.calls, 500);
    ck_assert_uint_eq(it_seen_data.duplicate_index, 0);
    gs_traffic_result_free(r);

    config(&cfg, GS_TRAFFIC_HTTP1, "/", 500);
    cfg.address = h1_short_addr;
    cfg.connections = 2;
    cfg.streams = 4;
    r = it_run(&cfg);
    ck_assert_uint_eq(gs_traffic_counts_get(&r->statuses, "200"), 500);
    ck_assert_uint_eq(r->errors[GS_TRAFFIC_ERR_RESET], 0);
    ck_assert_uint_ge(r->connections_opened, 25);
    ck_assert_uint_eq(it_seen_data.duplicate_index, 0);
    gs_traffic_result_free(r);
}
END_TEST

static Suite *nginx_suite(void)
{
    Suite *s = suite_create("traffic_nginx");
    TCase *tc = tcase_create("nginx");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, http1_statuses_and_backends);
    tcase_add_test(tc, http1_new_connection_per_request);
    tcase_add_test(tc, http1_reset_by_nginx);
    tcase_add_test(tc, h2c_statuses_and_backends);
    tcase_add_test(tc, h2c_stream_resets);
    tcase_add_test(tc, h2c_stream_timeouts_keep_the_connection);
    tcase_add_test(tc, h2c_against_nghttpd);
    tcase_add_test(tc, head_has_no_body);
    tcase_add_test(tc, unprocessed_requests_are_sent_again);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(nginx_suite());
}
