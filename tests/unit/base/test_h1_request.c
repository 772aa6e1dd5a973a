/* SPDX-License-Identifier: MIT */
/* gs_h1_request: scripted request heads, the incremental path, and every rejection reason. */
#include "gs_error.h"
#include "gs_h1_request.h"
#include "gs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ssize_t parse_str(gs_h1_request *req, const char *s)
{
    gs_h1_request_reset(req);
    return gs_h1_request_parse(req, s, strlen(s), NULL);
}

static void assert_rejects(const char *s, gs_h1_error why, int status)
{
    gs_h1_request req;
    ssize_t rc = parse_str(&req, s);
    ck_assert_msg(rc == GS_ERR_PARSE || rc == GS_ERR_RANGE, "accepted: %s (rc %zd)", s, rc);
    ck_assert_msg(req.error == why, "%s: error %d (%s), want %d", s, req.error,
                  gs_h1_error_str(req.error), why);
    ck_assert_int_eq(gs_h1_error_status(req.error), status);
}

static int str_eq_n(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

START_TEST(parses_simple_get)
{
    gs_h1_request req;
    const char *s = "GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Multi:  a b  \r\n"
                    "Accept: */*\r\n\r\nNEXT";
    ssize_t rc = parse_str(&req, s);
    ck_assert_int_eq(rc, (ssize_t)(strlen(s) - 4));
    ck_assert(str_eq_n(req.method, req.method_len, "GET"));
    ck_assert(str_eq_n(req.target, req.target_len, "/a/b?x=1"));
    ck_assert_int_eq(req.version_minor, 1);
    ck_assert_uint_eq(req.num_headers, 3);
    ck_assert(str_eq_n(req.host, req.host_len, "example.com"));
    const gs_h1_header *h = gs_h1_request_header(&req, "x-multi");
    ck_assert_ptr_nonnull(h);
    ck_assert(str_eq_n(h->value, h->value_len, "a b"));
    ck_assert(str_eq_n(h->name, h->name_len, "X-Multi"));
    ck_assert_int_eq(req.body, GS_H1_BODY_NONE);
    ck_assert(req.keep_alive);
    ck_assert_ptr_null(gs_h1_request_header(&req, "missing"));
}
END_TEST

START_TEST(parses_bare_lf_and_leading_empty_lines)
{
    gs_h1_request req;
    const char *s = "\r\n\nPOST /p HTTP/1.0\nContent-Length: 5\n\nhello";
    ssize_t rc = parse_str(&req, s);
    ck_assert_int_eq(rc, (ssize_t)(strlen(s) - 5));
    ck_assert_int_eq(req.version_minor, 0);
    ck_assert_int_eq(req.body, GS_H1_BODY_LENGTH);
    ck_assert_uint_eq(req.content_length, 5);
    ck_assert(!req.keep_alive);
    ck_assert_ptr_null(req.host);
}
END_TEST

START_TEST(incremental_byte_by_byte)
{
    const char *s = "PUT /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                    "Connection: close\r\nExpect: 100-continue\r\n\r\n";
    size_t n = strlen(s);
    gs_h1_request req;
    gs_h1_request_reset(&req);
    for (size_t i = 1; i < n; i++)
        ck_assert_int_eq(gs_h1_request_parse(&req, s, i, NULL), GS_ERR_INCOMPLETE);
    ck_assert_int_eq(gs_h1_request_parse(&req, s, n, NULL), (ssize_t)n);
    ck_assert_int_eq(req.body, GS_H1_BODY_CHUNKED);
    ck_assert(!req.keep_alive);
    ck_assert(req.expect_continue);
    ck_assert(req.scanned < n);
}
END_TEST

START_TEST(connection_tokens)
{
    gs_h1_request req;
    ck_assert_int_gt(parse_str(&req, "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 0);
    ck_assert(req.keep_alive);
    ck_assert_int_gt(
        parse_str(&req,
                  "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade, x\r\nUpgrade: h2c\r\n\r\n"),
        0);
    ck_assert(req.upgrade);
    ck_assert(req.keep_alive);
    ck_assert(gs_h1_token_list_has("a, ,b ,  close", 14, "CLOSE"));
    ck_assert(!gs_h1_token_list_has("closed", 6, "close"));
}
END_TEST

START_TEST(content_length_rules)
{
    gs_h1_request req;
    ck_assert_int_gt(
        parse_str(
            &req,
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7, 7\r\nContent-Length: 7\r\n\r\n"),
        0);
    ck_assert_uint_eq(req.content_length, 7);
    assert_rejects("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n",
                   GS_H1_ERR_CONTENT_LENGTH, 400);
    assert_rejects("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 7, 8\r\n\r\n",
                   GS_H1_ERR_CONTENT_LENGTH, 400);
    assert_rejects("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
                   GS_H1_ERR_CONTENT_LENGTH, 400);
    assert_rejects("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n",
                   GS_H1_ERR_CONTENT_LENGTH, 400);
    assert_rejects("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n",
                   GS_H1_ERR_CONTENT_LENGTH, 400);
    assert_rejects("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ,\r\n\r\n",
                   GS_H1_ERR_CONTENT_LENGTH, 400);
    assert_rejects("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                   GS_H1_ERR_CONTENT_LENGTH, 400);
}
END_TEST

START_TEST(transfer_encoding_rules)
{
    assert_rejects("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n",
                   GS_H1_ERR_CL_AND_TE, 400);
    assert_rejects("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                   "Content-Length: 3\r\n\r\n",
                   GS_H1_ERR_CL_AND_TE, 400);
    assert_rejects("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                   GS_H1_ERR_TRANSFER_ENCODING, 400);
    assert_rejects("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n",
                   GS_H1_ERR_TRANSFER_ENCODING, 400);
    assert_rejects("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                   GS_H1_ERR_TE_UNSUPPORTED, 501);
    assert_rejects("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n",
                   GS_H1_ERR_TRANSFER_ENCODING, 400);
    assert_rejects("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                   GS_H1_ERR_TRANSFER_ENCODING, 400);
    assert_rejects("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n",
                   GS_H1_ERR_TRANSFER_ENCODING, 400);
    gs_h1_request req;
    ck_assert_int_gt(
        parse_str(&req, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n"), 0);
    ck_assert_int_eq(req.body, GS_H1_BODY_CHUNKED);
}
END_TEST

START_TEST(request_line_errors)
{
    assert_rejects("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", GS_H1_ERR_REQUEST_LINE, 400);
    assert_rejects("GET /\r\nHost: a\r\n\r\n", GS_H1_ERR_REQUEST_LINE, 400);
    assert_rejects("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", GS_H1_ERR_REQUEST_LINE, 400);
    assert_rejects("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", GS_H1_ERR_REQUEST_LINE, 400);
    assert_rejects(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", GS_H1_ERR_REQUEST_LINE, 400);
    assert_rejects("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", GS_H1_ERR_REQUEST_LINE, 400);
    assert_rejects("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", GS_H1_ERR_REQUEST_LINE, 400);
    assert_rejects("GET / HTTX/1.1\r\nHost: a\r\n\r\n", GS_H1_ERR_REQUEST_LINE, 400);
    assert_rejects("GET / HTTP/1.x\r\nHost: a\r\n\r\n", GS_H1_ERR_REQUEST_LINE, 400);
    assert_rejects("GET / HTTP/1.10\r\nHost: a\r\n\r\n", GS_H1_ERR_REQUEST_LINE, 400);
    assert_rejects("\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", GS_H1_ERR_REQUEST_LINE, 400);
    assert_rejects("GET / HTTP/2.0\r\nHost: a\r\n\r\n", GS_H1_ERR_VERSION, 505);
    assert_rejects("GET / HTTP/1.2\r\nHost: a\r\n\r\n", GS_H1_ERR_VERSION, 505);
    assert_rejects("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", GS_H1_ERR_BARE_CR, 400);
}
END_TEST

START_TEST(header_syntax_errors)
{
    assert_rejects("GET / HTTP/1.1\r\nHost : a\r\n\r\n", GS_H1_ERR_HEADER_SYNTAX, 400);
    assert_rejects("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", GS_H1_ERR_HEADER_SYNTAX, 400);
    assert_rejects("GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n", GS_H1_ERR_HEADER_SYNTAX, 400);
    assert_rejects("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  folded\r\n\r\n", GS_H1_ERR_HEADER_SYNTAX,
                   400);
    assert_rejects("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", GS_H1_ERR_HEADER_SYNTAX, 400);
    assert_rejects("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", GS_H1_ERR_HEADER_SYNTAX, 400);
    assert_rejects("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", GS_H1_ERR_BARE_CR, 400);
    assert_rejects("GET / HTTP/1.1\r\nX: 1\r\n\r\n", GS_H1_ERR_HOST, 400);
    assert_rejects("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", GS_H1_ERR_HOST, 400);
    gs_h1_request req;
    static const char nul[] = "GET / HTTP/1.1\r\nHost: a\r\nX\0Y: 1\r\nZ: \0\r\n\r\n";
    gs_h1_request_reset(&req);
    ck_assert_int_eq(gs_h1_request_parse(&req, nul, sizeof(nul) - 1, NULL), GS_ERR_PARSE);
    ck_assert_int_eq(req.error, GS_H1_ERR_HEADER_SYNTAX);
    ck_assert_int_gt(parse_str(&req, "GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\t!\r\n\r\n"), 0);
}
END_TEST

START_TEST(limits_431_and_414)
{
    gs_h1_limits lim = {
        .max_request_line = 64, .max_field_line = 64, .max_head = 256, .max_headers = 4};
    char buf[2048];
    gs_h1_request req;

    /* One field line over the limit, complete head. */
    snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\nX-Big: %080d\r\n\r\n", 0);
    gs_h1_request_reset(&req);
    ck_assert_int_eq(gs_h1_request_parse(&req, buf, strlen(buf), &lim), GS_ERR_RANGE);
    ck_assert_int_eq(gs_h1_error_status(req.error), 431);

    /* The same line still arriving: rejected before the end of the head is seen. */
    snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\nX-Big: %080d", 0);
    gs_h1_request_reset(&req);
    ck_assert_int_eq(gs_h1_request_parse(&req, buf, strlen(buf), &lim), GS_ERR_RANGE);
    ck_assert_int_eq(req.error, GS_H1_ERR_HEADERS_TOO_LARGE);

    /* Too many fields. */
    gs_h1_request_reset(&req);
    const char *many = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
    ck_assert_int_eq(gs_h1_request_parse(&req, many, strlen(many), &lim), GS_ERR_RANGE);
    ck_assert_int_eq(req.error, GS_H1_ERR_TOO_MANY_HEADERS);
    ck_assert_int_eq(gs_h1_error_status(req.error), 431);

    /* Whole head over max_head, every line within its limit; incomplete and complete. */
    strcpy(buf, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 0; i < 3; i++)
        strcat(buf, "X-Fill: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    lim.max_headers = 100;
    size_t partial = strlen(buf);
    strcat(buf, "X-Fill: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n");
    gs_h1_request_reset(&req);
    ck_assert_int_eq(gs_h1_request_parse(&req, buf, strlen(buf), &lim), GS_ERR_RANGE);
    ck_assert_int_eq(req.error, GS_H1_ERR_HEADERS_TOO_LARGE);
    gs_h1_request_reset(&req);
    ck_assert_int_eq(gs_h1_request_parse(&req, buf, partial, &lim), GS_ERR_INCOMPLETE);
    lim.max_head = 128;
    gs_h1_request_reset(&req);
    ck_assert_int_eq(gs_h1_request_parse(&req, buf, partial, &lim), GS_ERR_RANGE);
    ck_assert_int_eq(gs_h1_error_status(req.error), 431);

    /* A long request line: 414, complete or not. */
    snprintf(buf, sizeof(buf), "GET /%0100d HTTP/1.1\r\nHost: a\r\n\r\n", 0);
    gs_h1_request_reset(&req);
    ck_assert_int_eq(gs_h1_request_parse(&req, buf, strlen(buf), &lim), GS_ERR_RANGE);
    ck_assert_int_eq(gs_h1_error_status(req.error), 414);
    gs_h1_request_reset(&req);
    ck_assert_int_eq(gs_h1_request_parse(&req, buf, 90, &lim), GS_ERR_RANGE);
    ck_assert_int_eq(req.error, GS_H1_ERR_URI_TOO_LONG);
}
END_TEST

START_TEST(default_limits_accept_large_but_sane_heads)
{
    size_t n = 20000;
    char *buf = malloc(n + 64);
    strcpy(buf, "GET / HTTP/1.1\r\nHost: a\r\n");
    size_t len = strlen(buf);
    for (int i = 0; i < 2; i++) {
        memcpy(buf + len, "Cookie: ", 8);
        len += 8;
        memset(buf + len, 'c', 8000);
        len += 8000;
        memcpy(buf + len, "\r\n", 2);
        len += 2;
    }
    memcpy(buf + len, "\r\n", 2);
    len += 2;
    gs_h1_request req;
    gs_h1_request_reset(&req);
    ck_assert_int_eq(gs_h1_request_parse(&req, buf, len, NULL), (ssize_t)len);
    ck_assert_uint_eq(req.num_headers, 3);
    free(buf);
}
END_TEST

START_TEST(not_a_request_line_fails_before_its_end)
{
    /* A TLS ClientHello on a cleartext port: the first byte is not a token character, so the
     * head is refused at once instead of waiting (for a line end that never comes) until the
     * header timeout. */
    static const char hello[] = "\x16\x03\x01\x00\xa5\x01\x00";
    gs_h1_request req;
    gs_h1_request_reset(&req);
    ck_assert_int_eq(gs_h1_request_parse(&req, hello, 1, NULL), GS_ERR_PARSE);
    ck_assert_int_eq(req.error, GS_H1_ERR_REQUEST_LINE);
    ck_assert_int_eq(gs_h1_error_status(req.error), 400);
    gs_h1_request_reset(&req);
    ck_assert_int_eq(gs_h1_request_parse(&req, "GE\x01", 3, NULL), GS_ERR_PARSE);
    /* A method still arriving, or one followed by its space, waits for more. */
    gs_h1_request_reset(&req);
    ck_assert_int_eq(gs_h1_request_parse(&req, "GE", 2, NULL), GS_ERR_INCOMPLETE);
    gs_h1_request_reset(&req);
    ck_assert_int_eq(gs_h1_request_parse(&req, "GET /\x01", 6, NULL), GS_ERR_INCOMPLETE);
    gs_h1_request_reset(&req);
    ck_assert_int_eq(gs_h1_request_parse(&req, "\r\nPRI * HTTP/2.0", 16, NULL), GS_ERR_INCOMPLETE);
}
END_TEST

START_TEST(pipelined_requests)
{
    const char *s = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
    gs_h1_request req;
    gs_h1_request_reset(&req);
    ssize_t a = gs_h1_request_parse(&req, s, strlen(s), NULL);
    ck_assert_int_gt(a, 0);
    ck_assert(str_eq_n(req.target, req.target_len, "/1"));
    gs_h1_request_reset(&req);
    ssize_t b = gs_h1_request_parse(&req, s + a, strlen(s) - (size_t)a, NULL);
    ck_assert_int_eq(a + b, (ssize_t)strlen(s));
    ck_assert(str_eq_n(req.target, req.target_len, "/2"));
}
END_TEST

static Suite *h1_suite(void)
{
    Suite *s = suite_create("h1_request");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, parses_simple_get);
    tcase_add_test(tc, parses_bare_lf_and_leading_empty_lines);
    tcase_add_test(tc, incremental_byte_by_byte);
    tcase_add_test(tc, connection_tokens);
    tcase_add_test(tc, content_length_rules);
    tcase_add_test(tc, transfer_encoding_rules);
    tcase_add_test(tc, request_line_errors);
    tcase_add_test(tc, header_syntax_errors);
    tcase_add_test(tc, limits_431_and_414);
    tcase_add_test(tc, default_limits_accept_large_but_sane_heads);
    tcase_add_test(tc, pipelined_requests);
    tcase_add_test(tc, not_a_request_line_fails_before_its_end);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(h1_suite());
}
