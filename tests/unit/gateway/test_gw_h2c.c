/* SPDX-License-Identifier: MIT */
/* gs_gw_h2c: which HTTP/1.1 heads take the h2c upgrade (curl's and nghttp's exact heads), which
 * are ignored and why (TLS, HTTP/1.0, Connection, HTTP2-Settings count and content, bodies), and
 * the Upgrade value left once h2c is struck out. */
#include "gs_gw_h2c.h"
#include "gs_test.h"

#include <stdlib.h>
#include <string.h>

/* Parses |head| (must be complete) and decides. */
static void decide(const char *head, bool tls, gs_gw_h2c *out)
{
    gs_h1_request req;
    gs_h1_request_reset(&req);
    ck_assert_int_eq(gs_h1_request_parse(&req, head, strlen(head), NULL), (ssize_t)strlen(head));
    gs_gw_h2c_decide(&req, tls, out);
}

#define CURL_HEAD(extra)                                                                           \
    "GET /path HTTP/1.1\r\nHost: gw.example\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n"         \
    "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"                                      \
    "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n" extra "\r\n"

START_TEST(takes_curl_upgrade)
{
    gs_gw_h2c d;
    decide(CURL_HEAD(""), false, &d);
    ck_assert_int_eq(d.verdict, GS_GW_H2C_TAKE);
    static const uint8_t want[] = {0, 3, 0, 0, 0, 100, 0, 4, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0};
    ck_assert_uint_eq(d.settings_len, sizeof want);
    ck_assert(memcmp(d.settings, want, sizeof want) == 0);
    /* Content-Length: 0 is no body. */
    decide(CURL_HEAD("Content-Length: 0\r\n"), false, &d);
    ck_assert_int_eq(d.verdict, GS_GW_H2C_TAKE);
}
END_TEST

START_TEST(takes_case_and_lists_and_empty_settings)
{
    gs_gw_h2c d;
    /* nghttp -u: lower-case names; tokens case-insensitive, in lists, over several fields;
     * an empty HTTP2-Settings is an empty SETTINGS frame. */
    decide("OPTIONS * HTTP/1.1\r\nhost: x\r\nconnection: keep-alive, UPGRADE\r\n"
           "Connection: http2-SETTINGS\r\nupgrade: foo/2, H2C\r\nhttp2-settings: \r\n\r\n",
           false, &d);
    ck_assert_int_eq(d.verdict, GS_GW_H2C_TAKE);
    ck_assert_uint_eq(d.settings_len, 0);
    decide("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
           "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
           false, &d);
    ck_assert_int_eq(d.verdict, GS_GW_H2C_TAKE);
    ck_assert_uint_eq(d.settings_len, 12);
}
END_TEST

START_TEST(none_without_h2c)
{
    gs_gw_h2c d;
    decide("GET / HTTP/1.1\r\nHost: x\r\n\r\n", false, &d);
    ck_assert_int_eq(d.verdict, GS_GW_H2C_NONE);
    decide("GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
           "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
           false, &d);
    ck_assert_int_eq(d.verdict, GS_GW_H2C_NONE);
    /* "h2c" inside another token is not the token. */
    decide("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
           "Upgrade: h2cx, xh2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
           false, &d);
    ck_assert_int_eq(d.verdict, GS_GW_H2C_NONE);
}
END_TEST

/* Heads that ask for h2c but must be answered over HTTP/1.1. */
START_TEST(ignores_what_cannot_be_taken)
{
    static const struct {
        const char *head;
        bool tls;
        const char *why; /* a word of the reason */
    } cases[] = {
        {CURL_HEAD(""), true, "TLS"},
        {"GET / HTTP/1.0\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
         "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
         false, "HTTP/1.0"},
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n"
         "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
         false, "Connection"},
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: HTTP2-Settings\r\nUpgrade: h2c\r\n"
         "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
         false, "Connection"},
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\r\n",
         false, "no HTTP2-Settings"},
        {CURL_HEAD("HTTP2-Settings: AAMAAABkAAQAAP__\r\n"), false, "more than one"},
        {CURL_HEAD("Content-Length: 5\r\n"), false, "body"},
        {CURL_HEAD("Transfer-Encoding: chunked\r\n"), false, "body"},
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
         "HTTP2-Settings: not+base64/\r\n\r\n",
         false, "base64url"},
        /* 5 bytes: not whole 6-byte entries */
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
         "HTTP2-Settings: AAMAAAA\r\n\r\n",
         false, "SETTINGS"},
        /* ENABLE_PUSH 2 */
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
         "HTTP2-Settings: AAIAAAAC\r\n\r\n",
         false, "SETTINGS"},
        /* INITIAL_WINDOW_SIZE 2^31 */
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
         "HTTP2-Settings: AASAAAAA\r\n\r\n",
         false, "SETTINGS"},
        /* MAX_FRAME_SIZE 16383 */
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
         "HTTP2-Settings: AAUAAD__\r\n\r\n",
         false, "SETTINGS"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gs_gw_h2c d;
        decide(cases[i].head, cases[i].tls, &d);
        ck_assert_msg(d.verdict == GS_GW_H2C_IGNORE, "case %zu: verdict %d", i, d.verdict);
        ck_assert_msg(d.why && strstr(d.why, cases[i].why), "case %zu: why \"%s\"", i,
                      d.why ? d.why : "(null)");
        ck_assert_uint_eq(d.settings_len, 0);
    }
}
END_TEST

START_TEST(too_many_settings_are_ignored)
{
    /* GS_GW_H2C_MAX_SETTINGS + 1 entries of ENABLE_PUSH 0: "AAIAAAAA" is 6 bytes = 8 chars. */
    char head[1024] = "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                      "Upgrade: h2c\r\nHTTP2-Settings: ";
    for (int i = 0; i <= GS_GW_H2C_MAX_SETTINGS; i++)
        strcat(head, "AAIAAAAA");
    strcat(head, "\r\n\r\n");
    gs_gw_h2c d;
    decide(head, false, &d);
    ck_assert_int_eq(d.verdict, GS_GW_H2C_IGNORE);
    /* Exactly the maximum is fine. */
    char *cut = strstr(head, "AAIAAAAA\r\n");
    memmove(cut, cut + 8, strlen(cut + 8) + 1);
    decide(head, false, &d);
    ck_assert_int_eq(d.verdict, GS_GW_H2C_TAKE);
    ck_assert_uint_eq(d.settings_len, GS_GW_H2C_MAX_SETTINGS * 6);
}
END_TEST

START_TEST(strips_h2c_from_upgrade)
{
    ck_assert_ptr_null(gs_gw_h2c_strip_upgrade("h2c", 3));
    ck_assert_ptr_null(gs_gw_h2c_strip_upgrade(" H2C , ,h2c", 11));
    char *v = gs_gw_h2c_strip_upgrade("h2c, websocket", 14);
    ck_assert_str_eq(v, "websocket");
    free(v);
    v = gs_gw_h2c_strip_upgrade("foo/1,h2c,\tbar", 14);
    ck_assert_str_eq(v, "foo/1, bar");
    free(v);
    v = gs_gw_h2c_strip_upgrade("h2cx", 4);
    ck_assert_str_eq(v, "h2cx");
    free(v);
    ck_assert(gs_gw_h2c_in_upgrade("websocket, H2c", 14));
    ck_assert(!gs_gw_h2c_in_upgrade("h2", 2));
}
END_TEST

static Suite *h2c_suite(void)
{
    Suite *s = suite_create("gw_h2c");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, takes_curl_upgrade);
    tcase_add_test(tc, takes_case_and_lists_and_empty_settings);
    tcase_add_test(tc, none_without_h2c);
    tcase_add_test(tc, ignores_what_cannot_be_taken);
    tcase_add_test(tc, too_many_settings_are_ignored);
    tcase_add_test(tc, strips_h2c_from_upgrade);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(h2c_suite());
}
