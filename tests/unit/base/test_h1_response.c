/* SPDX-License-Identifier: MIT */
/* gs_h1_response: status line, fields, framing decisions and refusals, fed scripted bytes. */
#include "gs_error.h"
#include "gs_h1_response.h"
#include "gs_test.h"

#include <stdio.h>
#include <string.h>

static gs_h1_response resp;

static int parse(const char *s, unsigned flags)
{
    return gs_h1_response_parse(&resp, s, strlen(s), flags);
}

START_TEST(parses_status_headers_and_length)
{
    const char *s = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Gatesim-Backend:  default/a/0 \r\n"
                    "\r\nhello";
    int n = parse(s, 0);
    ck_assert_int_eq(n, (int)(strlen(s) - 5));
    ck_assert_int_eq(resp.status, 200);
    ck_assert_int_eq(resp.minor_version, 1);
    ck_assert_int_eq((int)resp.reason_len, 2);
    ck_assert_int_eq(memcmp(resp.reason, "OK", 2), 0);
    ck_assert_int_eq((int)resp.num_headers, 2);
    ck_assert_int_eq(resp.body, GS_H1_BODY_LENGTH);
    ck_assert_uint_eq(resp.content_length, 5);
    ck_assert(resp.keep_alive);
    const gs_h1_header *h = gs_h1_response_header(&resp, "x-gatesim-backend");
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq((int)h->value_len, 11);
    ck_assert_int_eq(memcmp(h->value, "default/a/0", 11), 0);
    ck_assert_ptr_null(gs_h1_response_header(&resp, "x-missing"));
}
END_TEST

START_TEST(incomplete_at_every_split)
{
    const char *s = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nServer: x\r\n\r\n";
    size_t len = strlen(s);
    for (size_t k = 0; k < len; k++)
        ck_assert_int_eq(gs_h1_response_parse(&resp, s, k, 0), GS_ERR_INCOMPLETE);
    ck_assert_int_eq(gs_h1_response_parse(&resp, s, len, 0), (int)len);
    ck_assert_int_eq(resp.status, 404);
}
END_TEST

START_TEST(bare_lf_and_no_reason)
{
    ck_assert_int_eq(parse("HTTP/1.1 204\nDate: x\n\n", 0), 22);
    ck_assert_int_eq(resp.status, 204);
    ck_assert_int_eq((int)resp.reason_len, 0);
    ck_assert_int_eq(resp.body, GS_H1_BODY_NONE);
    ck_assert(resp.keep_alive);
}
END_TEST

START_TEST(chunked_wins_over_length_and_closes)
{
    ck_assert_int_gt(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0), 0);
    ck_assert_int_eq(resp.body, GS_H1_BODY_CHUNKED);
    ck_assert(resp.keep_alive);
    ck_assert_int_gt(
        parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 0), 0);
    ck_assert_int_eq(resp.body, GS_H1_BODY_CHUNKED);
    ck_assert(!resp.keep_alive);
    /* an unknown final coding cannot be delimited: read until close */
    ck_assert_int_gt(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 0), 0);
    ck_assert_int_eq(resp.body, GS_H1_BODY_UNTIL_CLOSE);
    ck_assert(!resp.keep_alive);
}
END_TEST

START_TEST(until_close_without_framing)
{
    ck_assert_int_gt(parse("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", 0), 0);
    ck_assert_int_eq(resp.body, GS_H1_BODY_UNTIL_CLOSE);
    ck_assert(!resp.keep_alive);
}
END_TEST

START_TEST(no_body_cases)
{
    ck_assert_int_gt(parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", GS_H1_RESPONSE_TO_HEAD),
                     0);
    ck_assert_int_eq(resp.body, GS_H1_BODY_NONE);
    ck_assert_uint_eq(resp.content_length, 10);
    ck_assert_int_gt(parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 0), 0);
    ck_assert_int_eq(resp.body, GS_H1_BODY_NONE);
    ck_assert_int_gt(parse("HTTP/1.1 100 Continue\r\n\r\n", 0), 0);
    ck_assert_int_eq(resp.body, GS_H1_BODY_NONE);
    ck_assert(resp.informational);
    ck_assert(!resp.upgrade);
    ck_assert_int_gt(parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", 0), 0);
    ck_assert(resp.upgrade);
    ck_assert(!resp.informational);
    ck_assert(!resp.keep_alive);
    ck_assert_int_gt(
        parse("HTTP/1.1 200 Connection established\r\n\r\n", GS_H1_RESPONSE_TO_CONNECT), 0);
    ck_assert_int_eq(resp.body, GS_H1_BODY_NONE);
    ck_assert(resp.upgrade);
}
END_TEST

START_TEST(informational_then_final)
{
    const char *s =
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
    int n = parse(s, 0);
    ck_assert_int_eq(n, 25);
    ck_assert(resp.informational);
    int m = gs_h1_response_parse(&resp, s + n, strlen(s) - (size_t)n, 0);
    ck_assert_int_gt(m, 0);
    ck_assert_int_eq(resp.status, 201);
    ck_assert_str_eq(s + n + m, "ok");
}
END_TEST

START_TEST(connection_tokens)
{
    ck_assert_int_gt(
        parse("HTTP/1.1 200 OK\r\nConnection: Upgrade, close\r\nContent-Length: 0\r\n\r\n", 0), 0);
    ck_assert(!resp.keep_alive);
    ck_assert_int_gt(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0), 0);
    ck_assert(!resp.keep_alive);
    ck_assert_int_eq(resp.minor_version, 0);
    ck_assert_int_gt(
        parse("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", 0), 0);
    ck_assert(resp.keep_alive);
    gs_h1_header h = {"Connection", 10, "a, b ,close", 11};
    ck_assert(gs_h1_header_has_token(&h, "close"));
    ck_assert(gs_h1_header_has_token(&h, "b"));
    ck_assert(!gs_h1_header_has_token(&h, "clos"));
}
END_TEST

START_TEST(content_length_lists)
{
    ck_assert_int_gt(parse("HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\n\r\n", 0), 0);
    ck_assert_uint_eq(resp.content_length, 7);
    ck_assert_int_gt(parse("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n", 0),
                     0);
    ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: 7, 8\r\n\r\n", 0), GS_ERR_PARSE);
    ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n", 0),
                     GS_ERR_PARSE);
    ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0), GS_ERR_PARSE);
    ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", 0), GS_ERR_PARSE);
    ck_assert_int_eq(parse("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", 0),
                     GS_ERR_PARSE);
    ck_assert_int_gt(parse("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n", 0),
                     0);
    ck_assert_uint_eq(resp.content_length, UINT64_MAX);
}
END_TEST

START_TEST(refuses_malformed)
{
    const char *bad[] = {
        "HTTP/2.0 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 099 OK\r\n\r\n",
        "HTTP/1.1  200 OK\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        "\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nName : x\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n",
        "HTTP/1.1 200 O\x01K\r\n\r\n",
        /* bare CR anywhere in a line */
        "HTTP/1.1 200 O\rK\r\n\r\n",
        "HTTP/1.1 200\r OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA\rB: c\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA:\rb\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: b\r\r\n\r\n",
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        ck_assert_msg(parse(bad[k], 0) == GS_ERR_PARSE, "accepted case %zu", k);
    /* a NUL inside a value */
    const char nul[] = "HTTP/1.1 200 OK\r\nA: b\0c\r\n\r\n";
    ck_assert_int_eq(gs_h1_response_parse(&resp, nul, sizeof(nul) - 1, 0), GS_ERR_PARSE);
}
END_TEST

/* gs_h1_value_span checks words of eight bytes: every forbidden byte (and HTAB, allowed) at
 * every offset of values of every length around the word size, after an HTAB or not, against
 * the byte-by-byte rule. */
START_TEST(value_span_matches_bytewise_rule)
{
    static const unsigned char probes[] = {0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x20,
                                           0x7e, 0x7f, 0x80, 0xff, 'a'};
    char v[40];
    for (size_t len = 0; len <= sizeof(v); len++) {
        for (size_t at = 0; at < len; at++) {
            for (size_t p = 0; p < sizeof(probes); p++) {
                for (int tab = 0; tab < 2; tab++) {
                    memset(v, 'x', sizeof(v));
                    if (tab && at > 0)
                        v[at - 1] = '\t';
                    v[at] = (char)probes[p];
                    size_t want = len;
                    for (size_t k = 0; k < len; k++) {
                        if (gs_h1_value_bad[(unsigned char)v[k]]) {
                            want = k;
                            break;
                        }
                    }
                    ck_assert_uint_eq(gs_h1_value_span(v, len), want);
                    ck_assert(gs_h1_value_valid(v, len) == (want == len));
                }
            }
        }
    }
}
END_TEST

START_TEST(limits)
{
    static char big[GS_H1_RESPONSE_MAX_HEAD + 64];
    memset(big, 'a', sizeof(big));
    memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
    ck_assert_int_eq(gs_h1_response_parse(&resp, big, sizeof(big), 0), GS_ERR_RANGE);
    ck_assert_int_eq(gs_h1_response_parse(&resp, big, 1000, 0), GS_ERR_INCOMPLETE);

    static char many[8192];
    size_t n = (size_t)snprintf(many, sizeof(many), "HTTP/1.1 200 OK\r\n");
    for (int k = 0; k <= GS_H1_RESPONSE_MAX_HEADERS; k++)
        n += (size_t)snprintf(many + n, sizeof(many) - n, "H%d: v\r\n", k);
    n += (size_t)snprintf(many + n, sizeof(many) - n, "\r\n");
    ck_assert_int_eq(gs_h1_response_parse(&resp, many, n, 0), GS_ERR_RANGE);
}
END_TEST

static Suite *h1_response_suite(void)
{
    Suite *s = suite_create("h1_response");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, parses_status_headers_and_length);
    tcase_add_test(tc, incomplete_at_every_split);
    tcase_add_test(tc, bare_lf_and_no_reason);
    tcase_add_test(tc, chunked_wins_over_length_and_closes);
    tcase_add_test(tc, until_close_without_framing);
    tcase_add_test(tc, no_body_cases);
    tcase_add_test(tc, informational_then_final);
    tcase_add_test(tc, connection_tokens);
    tcase_add_test(tc, content_length_lists);
    tcase_add_test(tc, refuses_malformed);
    tcase_add_test(tc, limits);
    tcase_add_test(tc, value_span_matches_bytewise_rule);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(h1_response_suite());
}
