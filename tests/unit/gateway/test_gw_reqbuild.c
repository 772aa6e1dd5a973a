/* SPDX-License-Identifier: MIT */
/* Request building from parsed heads: target forms per listener, authority checks, path
 * normalisation, the request's fields. Heads are parsed from exactly-sized heap copies, as
 * they sit in a socket buffer with no NUL after them (a strstr there was the crash of hostile
 * request "CONNECT raw.example.com:443"). */
#include "gs_gw_reqbuild.h"
#include "gs_test.h"

#include <stdlib.h>
#include <string.h>

typedef struct built {
    gs_gw_request req;
    const char *why;
} built;

/* Parses |head| from an exact-size copy and builds the request (|tls|: the listener's). */
static built build(const char *head, bool tls)
{
    size_t n = strlen(head);
    char *bytes = malloc(n);
    memcpy(bytes, head, n);
    gs_h1_request p;
    gs_h1_request_reset(&p);
    ck_assert_int_eq(gs_h1_request_parse(&p, bytes, n, NULL), (ssize_t)n);
    built b;
    b.why = gs_gw_reqbuild_h1(&p, tls, &b.req);
    free(bytes); /* nothing of the request may point into the head */
    return b;
}

static const char *build_why(const char *head, bool tls)
{
    built b = build(head, tls);
    gs_gw_request_clear(&b.req);
    return b.why;
}

START_TEST(reqbuild_refuses)
{
    static const struct {
        const char *head;
        bool tls;
        const char *why;
    } table[] = {
        {"CONNECT raw.example.com:443 HTTP/1.1\r\nHost: raw.example.com:443\r\n\r\n", false,
         "CONNECT is not proxied (authority-form target)"},
        {"GET raw.example.com:80 HTTP/1.1\r\nHost: h\r\n\r\n", false,
         "authority-form target (host:port) is only for CONNECT"},
        {"GET abcd HTTP/1.1\r\nHost: h\r\n\r\n", false,
         "authority-form target (host:port) is only for CONNECT"},
        {"GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", false,
         "request target is neither a path nor an absolute URI"},
        {"GET * HTTP/1.1\r\nHost: h\r\n\r\n", false,
         "asterisk-form target (*) is only for OPTIONS"},
        {"GET https://h/ HTTP/1.1\r\nHost: h\r\n\r\n", false,
         "https:// target on a plain listener"},
        {"GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", true, "http:// target on a TLS listener"},
        {"GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n", false,
         "request target scheme is not http or https"},
        {"GET http://user@h/ HTTP/1.1\r\nHost: h\r\n\r\n", false, "userinfo in authority"},
        {"GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n", false, "empty authority"},
        {"GET / HTTP/1.1\r\nHost: x:99999999999\r\n\r\n", false, "port out of range"},
        {"GET / HTTP/1.1\r\nHost: u@x\r\n\r\n", false, "userinfo in authority"},
        {"GET http://h/ HTTP/1.1\r\nHost: x:99999\r\n\r\n", false, "port out of range"},
        {"GET /a/..%2f HTTP/1.1\r\nHost: h\r\n\r\n", false, "encoded slash (%2F or %5C) in path"},
        {"GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", false, "fragment (#) in request target"},
        {"GET http://h#/../x HTTP/1.1\r\nHost: h\r\n\r\n", false, "path does not start with /"},
        {"GET http://h?a#b HTTP/1.1\r\nHost: h\r\n\r\n", false, "fragment (#) in request target"},
        {"GET /a\\b HTTP/1.1\r\nHost: h\r\n\r\n", false, "backslash in path"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        const char *why = build_why(table[i].head, table[i].tls);
        ck_assert_msg(why && strcmp(why, table[i].why) == 0, "%s: got %s want %s", table[i].head,
                      why ? why : "accepted", table[i].why);
    }
}
END_TEST

START_TEST(reqbuild_accepts)
{
    static const struct {
        const char *head;
        bool tls;
        const char *authority, *target;
    } table[] = {
        {"GET /public/../internal?x=1 HTTP/1.1\r\nHost: h:80\r\n\r\n", false, "h:80",
         "/internal?x=1"},
        {"GET http://a.example/p/%2e%2e/q HTTP/1.1\r\nHost: other\r\n\r\n", false, "a.example",
         "/q"},
        {"GET https://a.example HTTP/1.1\r\nHost: a.example\r\n\r\n", true, "a.example", "/"},
        {"GET HTTP://a.example?x HTTP/1.1\r\nHost: a.example\r\n\r\n", false, "a.example", "/?x"},
        {"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", false, "h", "*"},
        {"GET / HTTP/1.1\r\nHost:\r\n\r\n", false, "", "/"},
        {"GET /x HTTP/1.0\r\n\r\n", false, NULL, "/x"},
        {"GET //a//b/ HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", false, "[::1]:8080", "/a/b/"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        built b = build(table[i].head, table[i].tls);
        ck_assert_msg(b.why == NULL, "%s: %s", table[i].head, b.why);
        ck_assert_str_eq(b.req.target, table[i].target);
        if (table[i].authority)
            ck_assert_str_eq(b.req.authority, table[i].authority);
        else
            ck_assert_ptr_null(b.req.authority);
        ck_assert_str_eq(b.req.scheme, table[i].tls ? "https" : "http");
        gs_gw_request_clear(&b.req);
    }
}
END_TEST

START_TEST(reqbuild_fields)
{
    built b = build("POST /u HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    "X-A: 1\r\nContent-Length: 0\r\n\r\n",
                    false);
    ck_assert_ptr_null(b.why);
    ck_assert_str_eq(b.req.method, "POST");
    ck_assert_str_eq(b.req.upgrade, "websocket");
    ck_assert_ptr_null(gs_gw_headers_get(&b.req.headers, "host"));
    ck_assert_str_eq(gs_gw_headers_get(&b.req.headers, "x-a"), "1");
    ck_assert_str_eq(gs_gw_headers_get(&b.req.headers, "upgrade"), "websocket");
    gs_gw_request_clear(&b.req);
}
END_TEST

/* An HTTP/2 request as on_h2d_header collects it. */
static const char *h2_why(const char *method, const char *path, const char *authority,
                          char **target)
{
    gs_gw_request r = {0};
    r.method = strdup(method);
    r.target = strdup(path);
    r.authority = authority ? strdup(authority) : NULL;
    const char *why = gs_gw_reqbuild_h2(&r);
    *target = strdup(r.target);
    gs_gw_request_clear(&r);
    return why;
}

START_TEST(reqbuild_h2)
{
    char *t;
    ck_assert_ptr_null(h2_why("GET", "/public/%2e%2e/internal/x?y", "h", &t));
    ck_assert_str_eq(t, "/internal/x?y");
    free(t);
    ck_assert_ptr_null(h2_why("GET", "/a/./b", NULL, &t));
    ck_assert_str_eq(t, "/a/b");
    free(t);
    ck_assert_ptr_null(h2_why("OPTIONS", "*", "h", &t));
    ck_assert_str_eq(t, "*");
    free(t);
    ck_assert_str_eq(h2_why("GET", "*", "h", &t), "asterisk-form target (*) is only for OPTIONS");
    free(t);
    ck_assert_str_eq(h2_why("GET", "/a#b", "h", &t), "fragment (#) in request target");
    free(t);
    ck_assert_str_eq(h2_why("GET", "/a", "h:99999999999", &t), "port out of range");
    free(t);
    ck_assert_str_eq(h2_why("GET", "/a", "u@h", &t), "userinfo in authority");
    free(t);
    ck_assert_str_eq(h2_why("GET", "/..%2F", "h", &t), "encoded slash (%2F or %5C) in path");
    free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_reqbuild");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, reqbuild_refuses);
    tcase_add_test(tc, reqbuild_accepts);
    tcase_add_test(tc, reqbuild_fields);
    tcase_add_test(tc, reqbuild_h2);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
