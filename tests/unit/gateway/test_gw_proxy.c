/* SPDX-License-Identifier: MIT */
/* The gateway end to end over HTTP/1.1, in-process: routing through a hand-built route table,
 * every filter, weights with invalid backends, mirrors, timeouts, upstream failures, forwarding
 * headers and request smuggling refusals. The fake upstreams echo what they received. */
#include "gw_fixture.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_test.h"
#include "gs_time.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static gs_rt_backend be(const char *name, uint32_t weight)
{
    gs_rt_backend b = {.group = "",
                       .kind = "Service",
                       .namespace = "default",
                       .name = name,
                       .port = 8080,
                       .weight = weight,
                       .state = strcmp(name, "missing") == 0 ? GS_RT_BACKEND_NOT_FOUND
                                                             : GS_RT_BACKEND_OK};
    return b;
}

static void add_route(gs_route_table *t, size_t listener, const char *name,
                      const char *const *hostnames, size_t n_hostnames, const gs_rt_rule *rules,
                      size_t n_rules)
{
    gs_rt_route r = {.kind = GS_RT_ROUTE_HTTP,
                     .namespace = "default",
                     .name = name,
                     .created = 1,
                     .hostnames = hostnames,
                     .n_hostnames = n_hostnames,
                     .rules = rules,
                     .n_rules = n_rules};
    gs_error err = {0};
    ck_assert_msg(gs_route_table_add_route(t, &r, &listener, 1, &err) == 0, "%s", err.msg);
}

static gs_rt_rule rule(const gs_rt_match *m, size_t nm, const gs_rt_filter *f, size_t nf,
                       const gs_rt_backend *b, size_t nb)
{
    gs_rt_rule r = {.matches = m,
                    .n_matches = nm,
                    .filters = f,
                    .n_filters = nf,
                    .backends = b,
                    .n_backends = nb,
                    .request_timeout_ms = GS_RT_TIMEOUT_UNSET,
                    .backend_request_timeout_ms = GS_RT_TIMEOUT_UNSET};
    return r;
}

/* One table for the whole suite. */
static void build_main(gs_route_table *t)
{
    size_t l = gwf_listener(t, "http", 80, GS_RT_PROTO_HTTP, NULL);
    static const char *const hosts[] = {"example.com"};

    gs_rt_backend v1[] = {be("v1", 1)};
    gs_rt_backend v2[] = {be("v2", 1)};
    gs_rt_match m_exact[] = {{.path = {GS_RT_MATCH_EXACT, "/exact", NULL}}};
    gs_rt_match m_v2[] = {{.path = {GS_RT_MATCH_PREFIX, "/v2", NULL}}};
    gs_rt_match m_root[] = {{.path = {GS_RT_MATCH_PREFIX, "/", NULL}}};
    gs_rt_kv_match hv[] = {{GS_RT_MATCH_EXACT, "version", "two", NULL}};
    gs_rt_match m_hdr[] = {
        {.path = {GS_RT_MATCH_PREFIX, "/", NULL}, .headers = hv, .n_headers = 1}};

    /* header modifiers */
    static const gs_rt_header_value set[] = {{"X-Header-Set", "set-overwrites-values"}};
    static const gs_rt_header_value add[] = {{"X-Header-Add", "add-appends-values"}};
    static const char *const rm[] = {"X-Header-Remove"};
    static const gs_rt_header_value rset[] = {{"X-Resp-Set", "overwritten"}};
    static const gs_rt_header_value radd[] = {{"X-Resp-Add", "added"}};
    static const char *const rrm[] = {"x-resp-remove"};
    gs_rt_filter f_hdr[2] = {{.type = GS_RT_FILTER_REQUEST_HEADER_MODIFIER},
                             {.type = GS_RT_FILTER_RESPONSE_HEADER_MODIFIER}};
    f_hdr[0].header_mod = (gs_rt_header_mod){set, 1, add, 1, rm, 1};
    f_hdr[1].header_mod = (gs_rt_header_mod){rset, 1, radd, 1, rrm, 1};
    gs_rt_match m_hdrmod[] = {{.path = {GS_RT_MATCH_PREFIX, "/hdr", NULL}}};

    /* redirect and rewrite */
    gs_rt_filter f_redir[1] = {{.type = GS_RT_FILTER_REQUEST_REDIRECT}};
    f_redir[0].redirect = (gs_rt_redirect){
        .scheme = "https", .path = {GS_RT_PATH_REPLACE_PREFIX, "/new"}, .status_code = 301};
    gs_rt_match m_redir[] = {{.path = {GS_RT_MATCH_PREFIX, "/old", NULL}}};
    gs_rt_filter f_rw[1] = {{.type = GS_RT_FILTER_URL_REWRITE}};
    f_rw[0].rewrite = (gs_rt_rewrite){.hostname = "rewritten.example.com",
                                      .path = {GS_RT_PATH_REPLACE_PREFIX, "/"}};
    gs_rt_match m_rw[] = {{.path = {GS_RT_MATCH_PREFIX, "/strip-prefix", NULL}}};

    /* weights with an invalid backend; zero weights */
    gs_rt_backend half[] = {be("v1", 1), be("missing", 1)};
    gs_rt_match m_half[] = {{.path = {GS_RT_MATCH_PREFIX, "/half", NULL}}};
    gs_rt_backend zero[] = {be("v1", 0), be("v2", 0)};
    gs_rt_match m_zero[] = {{.path = {GS_RT_MATCH_PREFIX, "/zero", NULL}}};
    gs_rt_backend split[] = {be("v1", 3), be("v2", 1)};
    gs_rt_match m_split[] = {{.path = {GS_RT_MATCH_PREFIX, "/split", NULL}}};

    /* mirror */
    gs_rt_filter f_mirror[1] = {{.type = GS_RT_FILTER_REQUEST_MIRROR}};
    f_mirror[0].mirror =
        (gs_rt_mirror){.backend = be("mirror", 1), .numerator = 100, .denominator = 100};
    gs_rt_match m_mirror[] = {{.path = {GS_RT_MATCH_PREFIX, "/mirror", NULL}}};

    /* failures */
    gs_rt_backend dead[] = {be("dead", 1)};
    gs_rt_match m_dead[] = {{.path = {GS_RT_MATCH_PREFIX, "/dead", NULL}}};
    gs_rt_backend noep[] = {be("noendpoints", 1)};
    gs_rt_match m_noep[] = {{.path = {GS_RT_MATCH_PREFIX, "/noep", NULL}}};
    gs_rt_match m_slow[] = {{.path = {GS_RT_MATCH_PREFIX, "/__delay", NULL}}};

    gs_rt_rule rules[] = {
        rule(m_exact, 1, NULL, 0, v1, 1),   rule(m_v2, 1, NULL, 0, v2, 1),
        rule(m_hdr, 1, NULL, 0, v2, 1),     rule(m_root, 1, NULL, 0, v1, 1),
        rule(m_hdrmod, 1, f_hdr, 2, v1, 1), rule(m_redir, 1, f_redir, 1, NULL, 0),
        rule(m_rw, 1, f_rw, 1, v1, 1),      rule(m_half, 1, NULL, 0, half, 2),
        rule(m_zero, 1, NULL, 0, zero, 2),  rule(m_mirror, 1, f_mirror, 1, v1, 1),
        rule(m_dead, 1, NULL, 0, dead, 1),  rule(m_noep, 1, NULL, 0, noep, 1),
        rule(m_slow, 1, NULL, 0, v1, 1),    rule(m_split, 1, NULL, 0, split, 2),
    };
    /* 500 ms: the 10 ms and 150 ms upstreams below must finish well inside it even on a loaded
     * sanitizer build (150 ms under a 200 ms timeout answered 504 there), the 1000 ms one not */
    rules[12].backend_request_timeout_ms = 500;
    add_route(t, l, "main", hosts, 1, rules, GS_ARRAY_LEN(rules));
}

static gwf fix;

static void setup(void)
{
    gwf_start(&fix, build_main);
}

static void teardown(void)
{
    gwf_stop(&fix);
}

static void expect_upstream(const char *path, const char *extra, int status, const char *name)
{
    gwf_resp r;
    ck_assert_msg(gwf_get(&fix, "example.com", path, extra, &r) == 0, "%s: no response", path);
    ck_assert_msg(r.status == status, "%s: status %d", path, r.status);
    if (name) {
        char *up = gwf_header(&r, "x-upstream");
        ck_assert_msg(up && strcmp(up, name) == 0, "%s: upstream %s, want %s", path,
                      up ? up : "(none)", name);
        free(up);
    }
    gwf_resp_free(&r);
}

START_TEST(proxy_routes_by_precedence)
{
    expect_upstream("/exact", "", 200, "v1");
    expect_upstream("/exact/more", "", 200, "v1");
    expect_upstream("/v2/x", "", 200, "v2");
    expect_upstream("/v2example", "", 200, "v1");
    /* Precedence example of docs/semantics.md: "/" with version: two goes to the header rule. */
    expect_upstream("/", "version: two\r\n", 200, "v2");
    expect_upstream("/", "version: one\r\n", 200, "v1");
    gwf_resp r;
    ck_assert_int_eq(gwf_get(&fix, "other.example.org", "/", "", &r), 0);
    ck_assert_int_eq(r.status, 404);
    gwf_resp_free(&r);
}
END_TEST

START_TEST(proxy_header_modifiers_and_forwarding)
{
    gwf_resp r;
    ck_assert_int_eq(gwf_get(&fix, "example.com:8080", "/hdr",
                             "x-header-set: orig\r\nx-header-add: first\r\n"
                             "x-header-remove: bye\r\nConnection: keep-alive, x-hop\r\n"
                             "x-hop: secret\r\nX-Forwarded-For: 10.1.1.1\r\n",
                             &r),
                     0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "-set=set-overwrites-values\n"));
    ck_assert_ptr_null(strstr(r.body, "orig"));
    ck_assert_ptr_nonnull(strstr(r.body, "h:x-header-add=first\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "h:X-Header-Add=add-appends-values\n"));
    ck_assert_ptr_null(strstr(r.body, "bye"));
    ck_assert_ptr_null(strstr(r.body, "secret"));
    ck_assert_ptr_nonnull(strstr(r.body, "host=example.com:8080\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "=10.1.1.1, 127.0.0.1\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "h:x-forwarded-proto=http\n"));
    char *v = gwf_header(&r, "x-resp-set");
    ck_assert_str_eq(v, "overwritten");
    free(v);
    v = gwf_header(&r, "x-resp-add");
    ck_assert_str_eq(v, "added");
    free(v);
    ck_assert_ptr_null(gwf_header(&r, "x-resp-remove"));
    gwf_resp_free(&r);
}
END_TEST

START_TEST(proxy_redirect_and_rewrite)
{
    gwf_resp r;
    ck_assert_int_eq(gwf_get(&fix, "example.com", "/old/page?q=1", "", &r), 0);
    ck_assert_int_eq(r.status, 301);
    char *loc = gwf_header(&r, "location");
    ck_assert_str_eq(loc, "https://example.com/new/page?q=1");
    free(loc);
    gwf_resp_free(&r);

    ck_assert_int_eq(gwf_get(&fix, "example.com", "/strip-prefix/three?x=y", "", &r), 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "target=/three?x=y\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "host=rewritten.example.com\n"));
    gwf_resp_free(&r);
    ck_assert_int_eq(gwf_get(&fix, "example.com", "/strip-prefix", "", &r), 0);
    ck_assert_ptr_nonnull(strstr(r.body, "target=/\n"));
    gwf_resp_free(&r);
}
END_TEST

START_TEST(proxy_weights_invalid_share_and_zero)
{
    int ok = 0, err500 = 0;
    for (int i = 0; i < 200; i++) {
        gwf_resp r;
        ck_assert_int_eq(gwf_get(&fix, "example.com", "/half", "", &r), 0);
        ok += r.status == 200;
        err500 += r.status == 500;
        gwf_resp_free(&r);
    }
    ck_assert_int_eq(ok + err500, 200);
    /* Binomial(200, 0.5): 6 sd is ±42. */
    ck_assert_msg(ok > 58 && ok < 142, "ok=%d", ok);
    expect_upstream("/zero", "", 500, NULL);
    int v2 = 0;
    for (int i = 0; i < 200; i++) {
        gwf_resp r;
        ck_assert_int_eq(gwf_get(&fix, "example.com", "/split", "", &r), 0);
        char *up = gwf_header(&r, "x-upstream");
        v2 += up && strcmp(up, "v2") == 0;
        free(up);
        gwf_resp_free(&r);
    }
    /* 25% of 200 = 50, sd ~6.1 */
    ck_assert_msg(v2 > 20 && v2 < 80, "v2=%d", v2);
}
END_TEST

START_TEST(proxy_mirror_every_request)
{
    int before = gwf_upstream_count(&fix, 2);
    for (int i = 0; i < 5; i++)
        expect_upstream("/mirror", "", 200, "v1");
    /* Mirrors are fire-and-forget: poll the mirror's count, allowing a loaded machine 5 s. */
    int after = gwf_upstream_count(&fix, 2);
    for (int64_t deadline = gs_now_ns() + 5 * GS_NS_PER_S;
         after < before + 5 && gs_now_ns() < deadline;) {
        usleep(10000);
        after = gwf_upstream_count(&fix, 2);
    }
    ck_assert_int_eq(after - before, 5);
}
END_TEST

START_TEST(proxy_failures_answered)
{
    expect_upstream("/dead", "", 502, NULL);
    expect_upstream("/noep", "", 503, NULL);
    expect_upstream("/__delay/1000", "", 504, NULL);
    expect_upstream("/__delay/10", "", 200, "v1");
}
END_TEST

START_TEST(proxy_refuses_smuggling)
{
    gwf_resp r;
    ck_assert_int_eq(gwf_http(&fix,
                              "POST /x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                              &r),
                     0);
    ck_assert_int_eq(r.status, 400);
    gwf_resp_free(&r);
    ck_assert_int_eq(gwf_http(&fix,
                              "POST /x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4\r\n"
                              "Content-Length: 5\r\n\r\nabcde",
                              &r),
                     0);
    ck_assert_int_eq(r.status, 400);
    gwf_resp_free(&r);
    /* A chunked body streams: it is forwarded chunked (re-framed by the gateway). */
    ck_assert_int_eq(gwf_http(&fix,
                              "POST /x HTTP/1.1\r\nHost: example.com\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
                              &r),
                     0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "body=abcde\n"));
    ck_assert_ptr_nonnull(strstr(r.body, "h:Transfer-Encoding=chunked\n"));
    ck_assert_ptr_null(strstr(r.body, "Content-Length"));
    gwf_resp_free(&r);
}
END_TEST

START_TEST(proxy_keep_alive_pipelined)
{
    gwf_resp r;
    /* Two pipelined requests on one connection; the second response is read after the first. */
    ck_assert_int_eq(
        gwf_http(&fix,
                 "GET /exact HTTP/1.1\r\nHost: example.com\r\n\r\n"
                 "GET /v2/a HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
                 &r),
        0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "name=v1"));
    gwf_resp_free(&r);
}
END_TEST

/* Sends |req| on a fresh connection (then half-closes when |half_close|) and reads until EOF. */
static char *raw_exchange(const char *req, bool half_close)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)fix.gw_port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    ck_assert_int_eq((int)write(fd, req, strlen(req)), (int)strlen(req));
    if (half_close)
        shutdown(fd, SHUT_WR);
    gs_buf b = {0};
    gs_buf_puts(&b, "");
    char buf[8192];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        gs_buf_append(&b, buf, (size_t)n);
    close(fd);
    return gs_buf_take(&b);
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

START_TEST(proxy_streamed_bodies_keep_alive)
{
    /* Streamed request bodies (length and chunked) on one keep-alive connection, pipelined with
     * the next request: each body reaches the upstream with the client's framing, and the
     * connection goes on to the next request. */
    char *all = raw_exchange("POST /exact HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\n"
                             "abcde"
                             "PUT /exact HTTP/1.1\r\nHost: example.com\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n3\r\nfgh\r\n1\r\ni\r\n0\r\n\r\n"
                             "GET /exact HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
                             false);
    ck_assert_int_eq(count_of(all, "HTTP/1.1 200 "), 3);
    ck_assert_ptr_nonnull(strstr(all, "body=abcde\n"));
    ck_assert_ptr_nonnull(strstr(all, "h:Content-Length=5\n"));
    ck_assert_ptr_nonnull(strstr(all, "body=fghi\n"));
    ck_assert_ptr_nonnull(strstr(all, "method=GET"));
    free(all);
    /* On a mirrored route the body is buffered first (the mirror gets a copy); the connection
     * goes on as well. */
    all = raw_exchange("POST /mirror HTTP/1.1\r\nHost: example.com\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n2\r\nmn\r\n0\r\n\r\n"
                       "POST /mirror HTTP/1.1\r\nHost: example.com\r\nContent-Length: 2\r\n"
                       "Connection: close\r\n\r\nop",
                       false);
    ck_assert_int_eq(count_of(all, "HTTP/1.1 200 "), 2);
    ck_assert_ptr_nonnull(strstr(all, "body=mn\n"));
    ck_assert_ptr_nonnull(strstr(all, "body=op\n"));
    ck_assert_int_eq(count_of(all, "h:Content-Length=2\n"), 2); /* buffered: a length */
    free(all);
    /* A client that half-closes right after its body still gets the answer. */
    all = raw_exchange("POST /exact HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\nxyz",
                       true);
    ck_assert_int_eq(count_of(all, "HTTP/1.1 200 "), 1);
    ck_assert_ptr_nonnull(strstr(all, "body=xyz\n"));
    free(all);
    /* A body cut short by the client's close gets no answer from the upstream. */
    all = raw_exchange("POST /exact HTTP/1.1\r\nHost: example.com\r\nContent-Length: 10\r\n\r\nxyz",
                       true);
    ck_assert_ptr_null(strstr(all, "body=xyz"));
    free(all);
    /* An answer that comes before the body (no route) closes the connection. */
    all = raw_exchange("POST /exact HTTP/1.1\r\nHost: nowhere.example\r\nContent-Length: 10\r\n\r\nxyz",
                       false);
    ck_assert_ptr_nonnull(strstr(all, "HTTP/1.1 404 "));
    ck_assert_ptr_nonnull(strstr(all, "Connection: close"));
    free(all);
}
END_TEST

START_TEST(proxy_half_closed_client_gets_answer)
{
    /* The client sends its request and shuts down its sending side while the upstream is slow:
     * the gateway still answers, then closes. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)fix.gw_port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {20, 0}; /* a loaded machine, not the gateway, sets how long this takes */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    const char *req = "GET /__delay/150 HTTP/1.1\r\nHost: example.com\r\n\r\n";
    ck_assert_int_eq((int)write(fd, req, strlen(req)), (int)strlen(req));
    shutdown(fd, SHUT_WR);
    char buf[8192];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(fd);
    ck_assert_msg(strncmp(buf, "HTTP/1.1 200", 12) == 0, "got: %.60s", buf);
    ck_assert_ptr_nonnull(strstr(buf, "Connection: close"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_proxy");
    TCase *tc = tcase_create("h1");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, proxy_routes_by_precedence);
    tcase_add_test(tc, proxy_streamed_bodies_keep_alive);
    tcase_add_test(tc, proxy_header_modifiers_and_forwarding);
    tcase_add_test(tc, proxy_redirect_and_rewrite);
    tcase_add_test(tc, proxy_weights_invalid_share_and_zero);
    tcase_add_test(tc, proxy_mirror_every_request);
    tcase_add_test(tc, proxy_failures_answered);
    tcase_add_test(tc, proxy_refuses_smuggling);
    tcase_add_test(tc, proxy_keep_alive_pipelined);
    tcase_add_test(tc, proxy_half_closed_client_gets_answer);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
