/* SPDX-License-Identifier: MIT */
/* gatesim-echo's layer-4 answer: the JSON line for TCP, TLS and UDP requests, the cap on what is
 * echoed, the request log entry, the too-long answer and line splitting. */
#include "echo_l4.h"
#include "gs_test.h"

#include <string.h>

typedef struct fixture {
    gs_echo_config cfg;
    gs_echo_log *log;
    gs_echo_ctx ctx;
    gs_buf out;
} fixture;

static void fx_init(fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->cfg.ns = "team-a";
    f->cfg.name = "db";
    f->cfg.replica = "r2";
    gs_echo_log_new(&f->log, 16);
    gs_echo_ctx_init(&f->ctx, &f->cfg, f->log, 7);
}

static void fx_free(fixture *f)
{
    gs_buf_clear(&f->out);
    gs_echo_ctx_free(&f->ctx);
    gs_echo_log_free(f->log);
}

START_TEST(tcp_and_tls_replies)
{
    fixture f;
    fx_init(&f);
    gs_echo_l4_request req = {
        .proto = "tcp", .data = "id-1", .len = 4, .peer = "127.0.0.1:5555", .local_port = 9000};
    gs_echo_l4_reply(&f.ctx, &req, &f.out);
    ck_assert_str_eq(f.out.data, "{\"backend\":\"team-a/db/r2\",\"namespace\":\"team-a\","
                                 "\"service\":\"db\",\"pod\":\"r2\",\"protocol\":\"tcp\","
                                 "\"port\":9000,\"peer\":\"127.0.0.1:5555\",\"request\":\"id-1\","
                                 "\"length\":4}\n");
    gs_tls_info tls = {"TLSv1.3", "TLS_AES_128_GCM_SHA256", "db.example.com", ""};
    req.proto = "tls";
    req.tls = &tls;
    req.data = "a\"b";
    req.len = 3;
    gs_buf_reset(&f.out);
    gs_echo_l4_reply(&f.ctx, &req, &f.out);
    ck_assert_ptr_nonnull(strstr(f.out.data, "\"protocol\":\"tls\""));
    ck_assert_ptr_nonnull(strstr(f.out.data, "\"request\":\"a\\\"b\""));
    ck_assert_ptr_nonnull(
        strstr(f.out.data, "\"tls\":{\"version\":\"TLSv1.3\",\"serverName\":\"db.example.com\","
                           "\"negotiatedProtocol\":\"\",\"cipherSuite\":\"TLS_AES_128_GCM_"
                           "SHA256\"}}\n"));
    fx_free(&f);
}
END_TEST

START_TEST(long_requests_are_capped_and_not_logged_as_ids)
{
    fixture f;
    fx_init(&f);
    char big[3000];
    memset(big, 'z', sizeof(big));
    gs_echo_l4_request req = {.proto = "udp", .data = big, .len = sizeof(big), .local_port = 1};
    gs_echo_l4_reply(&f.ctx, &req, &f.out);
    ck_assert_ptr_nonnull(strstr(f.out.data, "\"length\":3000}"));
    const char *r = strstr(f.out.data, "\"request\":\"");
    ck_assert_ptr_nonnull(r);
    r += strlen("\"request\":\"");
    ck_assert_uint_eq(strspn(r, "z"), GS_ECHO_L4_MAX_ECHOED);
    ck_assert_ptr_nonnull(strstr(f.out.data, "\"peer\":\"\""));

    req.data = "id-short";
    req.len = 8;
    gs_buf_reset(&f.out);
    gs_echo_l4_reply(&f.ctx, &req, &f.out);
    gs_buf_reset(&f.out);
    gs_echo_log_requests_json(f.log, 0, 0, &f.out);
    /* Only the short request is in the ring; both are counted. */
    ck_assert_ptr_nonnull(strstr(f.out.data, "\"id\":\"id-short\""));
    ck_assert_ptr_null(strstr(f.out.data, "zzz"));
    gs_buf_reset(&f.out);
    gs_echo_log_stats_json(f.log, &f.out);
    ck_assert_ptr_nonnull(strstr(f.out.data, "\"udp\":2"));
    fx_free(&f);
}
END_TEST

START_TEST(too_long_reply)
{
    fixture f;
    fx_init(&f);
    gs_echo_l4_reply_too_long(&f.ctx, &f.out);
    ck_assert_str_eq(f.out.data,
                     "{\"backend\":\"team-a/db/r2\",\"error\":\"line longer than 16384 bytes\"}\n");
    fx_free(&f);
}
END_TEST

START_TEST(line_splitting)
{
    size_t n = 99;
    ck_assert_uint_eq(gs_echo_l4_line("abc", 3, &n), 0);
    ck_assert_uint_eq(n, 99); /* untouched without a line */
    ck_assert_uint_eq(gs_echo_l4_line("abc\nde", 6, &n), 4);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(gs_echo_l4_line("abc\r\n", 5, &n), 5);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(gs_echo_l4_line("\n", 1, &n), 1);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(gs_echo_l4_line("\r\n", 2, &n), 2);
    ck_assert_uint_eq(n, 0);
    /* A NUL inside a line is data, not an end. */
    ck_assert_uint_eq(gs_echo_l4_line("a\0b\n", 4, &n), 4);
    ck_assert_uint_eq(n, 3);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("echo_l4");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, tcp_and_tls_replies);
    tcase_add_test(tc, long_requests_are_capped_and_not_logged_as_ids);
    tcase_add_test(tc, too_long_reply);
    tcase_add_test(tc, line_splitting);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
