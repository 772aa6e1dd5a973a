/* SPDX-License-Identifier: MIT */
/* WebSocket to an HTTP/2 backend (gs_gw_upstream_ws.c): a WebSocket upgrade request sent with
 * h2 = true, against an in-process nghttp2 server whose behaviour each test picks: without
 * SETTINGS_ENABLE_CONNECT_PROTOCOL nothing is sent and the call fails with GS_ERR_NOT_FOUND; with
 * it, the request is an extended CONNECT without the key, the 200 comes back as a 101 with the
 * key's accept and a tunnel relaying both ways, half-closes cross in both directions, a server
 * that the test does not read stops within a bounded amount (the stream window reopens only as
 * the tunnel takes the bytes), an answer other than 2xx is an ordinary response, a reset before
 * the answer is GS_ERR_IO, a reset in the tunnel closes it, and closing the tunnel closes the
 * backend connection (also after a half-close the backend left unanswered); a backend gone
 * before it answered is GS_ERR_IO. */
#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_gw_endpoints.h"
#include "gs_gw_upstream.h"
#include "gs_test.h"
#include "gs_time.h"
#include "h2_test_server.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- fake h2c server on the same event base ----------------------------------------------- */

typedef enum srv_mode {
    SRV_TUNNEL = 0, /* 200, then DATA as the test gives it */
    SRV_NOT_FOUND,  /* 404 with a body */
    SRV_RESET,      /* RST_STREAM before any answer */
} srv_mode;

typedef struct srv {
    h2ts h;
    bool connect_protocol; /* SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 */
    srv_mode mode;
    int32_t stream_id;
    int requests;
    char method[16], protocol[16], path[32], version[8];
    bool saw_key;
    gs_buf got;       /* DATA received */
    bool ended;       /* the request's END_STREAM */
    gs_buf out;       /* DATA to send */
    size_t out_off;
    bool out_end;     /* END_STREAM after |out| */
} srv;

static srv S;

static ssize_t on_srv_out(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t len,
                          uint32_t *flags, nghttp2_data_source *src, void *arg)
{
    (void)ng;
    (void)id;
    (void)src;
    (void)arg;
    size_t n = S.out.len - S.out_off;
    if (n > len)
        n = len;
    if (n) {
        memcpy(buf, S.out.data + S.out_off, n);
        S.out_off += n;
    }
    if (S.out_off == S.out.len && S.out_end)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    else if (n == 0)
        return NGHTTP2_ERR_DEFERRED;
    return (ssize_t)n;
}

static void srv_answer(int32_t id)
{
    if (S.mode == SRV_RESET) {
        nghttp2_submit_rst_stream(S.h.ng, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM);
        return;
    }
    nghttp2_data_provider prd = {.read_callback = on_srv_out};
    if (S.mode == SRV_NOT_FOUND) {
        gs_buf_puts(&S.out, "no chat here");
        S.out_end = true;
        nghttp2_nv nva[] = {h2ts_nv(":status", "404"), h2ts_nv("x-srv", "nf")};
        nghttp2_submit_response(S.h.ng, id, nva, 2, &prd);
        return;
    }
    nghttp2_nv nva[] = {h2ts_nv(":status", "200"), h2ts_nv("x-srv", "ws")};
    nghttp2_submit_response(S.h.ng, id, nva, 2, &prd);
}

static int on_srv_frame_recv(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
    (void)ng;
    (void)arg;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
        S.stream_id = frame->hd.stream_id;
        S.requests++;
        srv_answer(frame->hd.stream_id);
    }
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
        S.ended = true;
    return 0;
}

static void copy_field(char *dst, size_t cap, const uint8_t *v, size_t n)
{
    snprintf(dst, cap, "%.*s", (int)n, (const char *)v);
}

static int on_srv_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
                         size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                         void *arg)
{
    (void)ng;
    (void)frame;
    (void)flags;
    (void)arg;
    if (namelen == 7 && memcmp(name, ":method", 7) == 0)
        copy_field(S.method, sizeof(S.method), value, valuelen);
    else if (namelen == 9 && memcmp(name, ":protocol", 9) == 0)
        copy_field(S.protocol, sizeof(S.protocol), value, valuelen);
    else if (namelen == 5 && memcmp(name, ":path", 5) == 0)
        copy_field(S.path, sizeof(S.path), value, valuelen);
    else if (namelen == 21 && memcmp(name, "sec-websocket-version", 21) == 0)
        copy_field(S.version, sizeof(S.version), value, valuelen);
    else if (namelen == 17 && memcmp(name, "sec-websocket-key", 17) == 0)
        S.saw_key = true;
    return 0;
}

static int on_srv_data(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data,
                       size_t len, void *arg)
{
    (void)flags;
    (void)id;
    (void)ng;
    (void)arg;
    gs_buf_append(&S.got, data, len); /* automatic WINDOW_UPDATEs: the server always reads */
    return 0;
}

static void srv_callbacks(nghttp2_session_callbacks *cbs)
{
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_srv_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_srv_data);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_srv_header);
}

static void srv_start(struct event_base *base, bool connect_protocol, srv_mode mode)
{
    memset(&S, 0, sizeof(S));
    S.connect_protocol = connect_protocol;
    S.mode = mode;
    S.h.set_callbacks = srv_callbacks;
    S.h.settings[0] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1};
    S.h.nsettings = connect_protocol ? 1 : 0;
    h2ts_listen(&S.h, base);
}

static void srv_stop(void)
{
    h2ts_stop(&S.h);
    gs_buf_clear(&S.got);
    gs_buf_clear(&S.out);
}

/* Queues |len| bytes of DATA from the server (END_STREAM after them when |end|). */
static void srv_send(const void *data, size_t len, bool end)
{
    gs_buf_append(&S.out, data, len);
    S.out_end = end;
    nghttp2_session_resume_data(S.h.ng, S.stream_id);
    h2ts_flush(&S.h);
}

/* ---- the call ------------------------------------------------------------------------------ */

typedef struct probe {
    gs_gw_upstream_call *call;
    bool done;
    int err;
    int status;
    char accept[64];
    char x_srv[16];
    char body[64];
    struct bufferevent *tunnel; /* taken from the response */
} probe;

static void on_p_done(void *arg, int err, gs_gw_response *resp)
{
    probe *p = arg;
    p->done = true;
    p->err = err;
    p->call = NULL;
    if (resp == NULL)
        return;
    p->status = resp->status;
    const char *a = gs_gw_headers_get(&resp->headers, "sec-websocket-accept");
    const char *x = gs_gw_headers_get(&resp->headers, "x-srv");
    snprintf(p->accept, sizeof(p->accept), "%s", a ? a : "");
    snprintf(p->x_srv, sizeof(p->x_srv), "%s", x ? x : "");
    snprintf(p->body, sizeof(p->body), "%.*s", (int)resp->body.len,
             resp->body.data ? resp->body.data : "");
    p->tunnel = resp->tunnel;
    resp->tunnel = NULL;
}

typedef struct env {
    struct event_base *base;
    gs_gw_limits lim;
    gs_gw_upstream *u;
    gs_gw_endpoints eps;
    const gs_gw_endpoint *ep;
    gs_gw_request req;
    probe p;
} env;

/* Runs the loop until |cond| holds or |ms| pass. */
#define RUN_UNTIL(e, cond, ms)                                                                     \
    do {                                                                                           \
        int64_t end_ = gs_now_ns() + (int64_t)(ms) * GS_NS_PER_MS;                                 \
        while (!(cond) && gs_now_ns() < end_) {                                                    \
            event_base_loop((e)->base, EVLOOP_NONBLOCK);                                           \
            poll(NULL, 0, 1);                                                                      \
        }                                                                                          \
    } while (0)

static void env_start(env *e, bool connect_protocol, srv_mode mode)
{
    memset(e, 0, sizeof(*e));
    e->base = event_base_new();
    srv_start(e->base, connect_protocol, mode);
    gs_gw_limits_defaults(&e->lim);
    ck_assert_int_eq(gs_gw_upstream_new(&e->u, e->base, &e->lim), 0);
    char spec[64];
    snprintf(spec, sizeof(spec), "default/up:8080=127.0.0.1:%d", S.h.port);
    ck_assert_int_eq(gs_gw_endpoints_add_spec(&e->eps, spec, NULL), 0);
    e->ep = gs_gw_service_next(&e->eps.services[0]);
    e->req.method = gs_xstrdup("GET");
    e->req.scheme = gs_xstrdup("http");
    e->req.authority = gs_xstrdup("chat.example.com");
    e->req.target = gs_xstrdup("/chat?room=1");
    e->req.upgrade = gs_xstrdup("websocket");
    gs_gw_headers_add(&e->req.headers, "Sec-WebSocket-Version", "13");
    gs_gw_headers_add(&e->req.headers, "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
    ck_assert_int_eq(gs_gw_upstream_send(e->u, e->ep, true, NULL, NULL, &e->req, on_p_done, &e->p,
                                         &e->p.call),
                     0);
}

static void env_end(env *e)
{
    if (e->p.tunnel)
        bufferevent_free(e->p.tunnel);
    gs_gw_upstream_cancel(e->p.call);
    gs_gw_request_clear(&e->req);
    gs_gw_upstream_free(e->u);
    gs_gw_endpoints_clear(&e->eps);
    srv_stop();
    event_base_free(e->base);
}

/* Opens the tunnel (a server in SRV_TUNNEL mode) and checks the 101. */
static void env_open(env *e)
{
    env_start(e, true, SRV_TUNNEL);
    RUN_UNTIL(e, e->p.done, 5000);
    ck_assert_msg(e->p.done && e->p.err == 0, "done %d err %d", (int)e->p.done, e->p.err);
    ck_assert_int_eq(e->p.status, 101);
    ck_assert_ptr_nonnull(e->p.tunnel);
    bufferevent_enable(e->p.tunnel, EV_READ | EV_WRITE);
}

/* Starts the call against a server of |connect_protocol| and |mode| and waits until it is done
 * (failing the test if it is not within 5 s). */
static void env_done(env *e, bool connect_protocol, srv_mode mode)
{
    env_start(e, connect_protocol, mode);
    RUN_UNTIL(e, e->p.done, 5000);
    ck_assert(e->p.done);
}

static size_t tunnel_in(const env *e)
{
    return evbuffer_get_length(bufferevent_get_input(e->p.tunnel));
}

START_TEST(no_connect_protocol_sends_nothing)
{
    env e;
    env_done(&e, false, SRV_TUNNEL);
    ck_assert_int_eq(e.p.err, GS_ERR_NOT_FOUND);
    ck_assert_ptr_null(e.p.tunnel);
    RUN_UNTIL(&e, S.h.closed, 2000);
    ck_assert_int_eq(S.requests, 0); /* no CONNECT, no ordinary GET either */
    ck_assert(S.h.closed);             /* and the connection is closed */
    env_end(&e);
}
END_TEST

START_TEST(tunnel_both_ways_and_half_closes)
{
    env e;
    env_open(&e);
    ck_assert_str_eq(S.method, "CONNECT");
    ck_assert_str_eq(S.protocol, "websocket");
    ck_assert_str_eq(S.path, "/chat?room=1");
    ck_assert_str_eq(S.version, "13");
    ck_assert(!S.saw_key); /* RFC 8441 §5: no key over HTTP/2 */
    ck_assert_str_eq(e.p.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    ck_assert_str_eq(e.p.x_srv, "ws");
    /* client -> server */
    bufferevent_write(e.p.tunnel, "ping from client", 16);
    RUN_UNTIL(&e, S.got.len >= 16, 3000);
    ck_assert_int_eq((int)S.got.len, 16);
    ck_assert(memcmp(S.got.data, "ping from client", 16) == 0);
    /* server -> client */
    srv_send("pong from server", 16, false);
    RUN_UNTIL(&e, tunnel_in(&e) >= 16, 3000);
    ck_assert_int_eq((int)tunnel_in(&e), 16);
    ck_assert(memcmp(evbuffer_pullup(bufferevent_get_input(e.p.tunnel), -1), "pong from server",
                     16) == 0);
    evbuffer_drain(bufferevent_get_input(e.p.tunnel), 16);
    bufferevent_disable(e.p.tunnel, EV_READ); /* read by hand below, to see the EOF */
    /* the client's half-close is END_STREAM; the server can still send */
    shutdown(bufferevent_getfd(e.p.tunnel), SHUT_WR);
    RUN_UNTIL(&e, S.ended, 3000);
    ck_assert(S.ended);
    srv_send("last words", 10, true);
    /* the server's END_STREAM is the tunnel's EOF, after its bytes */
    char buf[64];
    size_t got = 0;
    int64_t end = gs_now_ns() + 3000 * GS_NS_PER_MS;
    bool eof = false;
    while (!eof && gs_now_ns() < end) {
        event_base_loop(e.base, EVLOOP_NONBLOCK);
        poll(NULL, 0, 1);
        ssize_t n = recv(bufferevent_getfd(e.p.tunnel), buf + got, sizeof(buf) - got,
                         MSG_DONTWAIT);
        if (n > 0)
            got += (size_t)n;
        else if (n == 0)
            eof = true;
    }
    ck_assert(eof);
    ck_assert_int_eq((int)got, 10);
    ck_assert(memcmp(buf, "last words", 10) == 0);
    /* both ends done: the upstream connection closes */
    RUN_UNTIL(&e, S.h.closed, 3000);
    ck_assert(S.h.closed);
    env_end(&e);
}
END_TEST

START_TEST(a_tunnel_not_read_stops_the_server)
{
    env e;
    env_open(&e);
    bufferevent_disable(e.p.tunnel, EV_READ); /* the client side takes nothing */
    size_t total = 4u << 20;
    uint8_t *big = gs_xmalloc(total);
    for (size_t i = 0; i < total; i++)
        big[i] = (uint8_t)(i * 7 + (i >> 12));
    srv_send(big, total, false);
    RUN_UNTIL(&e, false, 500);
    /* the stream window (64 KiB) reopens only as the socketpair takes the bytes: the server
     * stops after that window, the socketpair's buffers and one more window (104 KiB measured) */
    ck_assert_msg(S.out_off <= (512u << 10), "the server sent %zu of %zu", S.out_off, total);
    ck_assert_msg(S.out_off >= (64u << 10), "the server sent only %zu", S.out_off);
    /* reading again, everything arrives in order */
    gs_buf got = {0};
    int64_t end = gs_now_ns() + 10000 * GS_NS_PER_MS;
    while (got.len < total && gs_now_ns() < end) {
        event_base_loop(e.base, EVLOOP_NONBLOCK);
        char tmp[65536];
        ssize_t n = recv(bufferevent_getfd(e.p.tunnel), tmp, sizeof(tmp), MSG_DONTWAIT);
        if (n > 0)
            gs_buf_append(&got, tmp, (size_t)n);
        else
            poll(NULL, 0, 1);
    }
    ck_assert_int_eq((long long)got.len, (long long)total);
    ck_assert(memcmp(got.data, big, total) == 0);
    gs_buf_clear(&got);
    free(big);
    env_end(&e);
}
END_TEST

START_TEST(other_answers_are_ordinary)
{
    env e;
    env_done(&e, true, SRV_NOT_FOUND);
    ck_assert_int_eq(e.p.err, 0);
    ck_assert_int_eq(e.p.status, 404);
    ck_assert_str_eq(e.p.x_srv, "nf");
    ck_assert_str_eq(e.p.body, "no chat here");
    ck_assert_str_eq(e.p.accept, "");
    ck_assert_ptr_null(e.p.tunnel);
    env_end(&e);
}
END_TEST

START_TEST(a_reset_before_the_answer_fails)
{
    env e;
    env_done(&e, true, SRV_RESET);
    ck_assert_int_eq(e.p.err, GS_ERR_IO);
    ck_assert_ptr_null(e.p.tunnel);
    env_end(&e);
}
END_TEST

START_TEST(a_reset_in_the_tunnel_closes_it)
{
    env e;
    env_open(&e);
    nghttp2_submit_rst_stream(S.h.ng, NGHTTP2_FLAG_NONE, S.stream_id, NGHTTP2_CANCEL);
    h2ts_flush(&S.h);
    bool eof = false;
    int64_t end = gs_now_ns() + 3000 * GS_NS_PER_MS;
    while (!eof && gs_now_ns() < end) {
        event_base_loop(e.base, EVLOOP_NONBLOCK);
        poll(NULL, 0, 1);
        char tmp[16];
        eof = recv(bufferevent_getfd(e.p.tunnel), tmp, sizeof(tmp), MSG_DONTWAIT) == 0;
    }
    ck_assert(eof);
    RUN_UNTIL(&e, S.h.closed, 3000);
    ck_assert(S.h.closed);
    env_end(&e);
}
END_TEST

START_TEST(closing_the_tunnel_closes_the_backend)
{
    env e;
    env_open(&e);
    bufferevent_free(e.p.tunnel); /* the client side went away (a reset, an idle limit) */
    e.p.tunnel = NULL;
    RUN_UNTIL(&e, S.h.closed, 3000);
    ck_assert(S.h.closed);
    env_end(&e);
}
END_TEST

START_TEST(closing_after_a_half_close_closes_the_backend)
{
    /* The client side shuts its sending side (END_STREAM upstream), the backend keeps its own
     * open and says nothing; then the client side closes its end altogether: nothing can go
     * either way any more, so the backend connection closes too. */
    env e;
    env_open(&e);
    shutdown(bufferevent_getfd(e.p.tunnel), SHUT_WR);
    RUN_UNTIL(&e, S.ended, 3000);
    ck_assert(S.ended);
    RUN_UNTIL(&e, false, 200);
    ck_assert(!S.h.closed);
    bufferevent_free(e.p.tunnel);
    e.p.tunnel = NULL;
    RUN_UNTIL(&e, S.h.closed, 5000);
    ck_assert(S.h.closed);
    env_end(&e);
}
END_TEST

START_TEST(a_cancel_before_the_answer_closes_the_backend)
{
    env e;
    env_start(&e, true, SRV_TUNNEL);
    gs_gw_upstream_cancel(e.p.call); /* the client left, or its timeout fired */
    e.p.call = NULL;
    RUN_UNTIL(&e, S.h.closed, 3000);
    ck_assert(S.h.closed);
    ck_assert(!e.p.done);
    env_end(&e);
}
END_TEST

START_TEST(a_backend_gone_fails)
{
    env e;
    env_start(&e, true, SRV_TUNNEL);
    evconnlistener_free(S.h.lis); /* the connection waiting in its backlog is reset */
    S.h.lis = NULL;
    RUN_UNTIL(&e, e.p.done, 5000);
    ck_assert(e.p.done);
    ck_assert_int_eq(e.p.err, GS_ERR_IO);
    ck_assert_ptr_null(e.p.tunnel);
    env_end(&e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_upstream_ws");
    TCase *tc = tcase_create("ws");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, no_connect_protocol_sends_nothing);
    tcase_add_test(tc, tunnel_both_ways_and_half_closes);
    tcase_add_test(tc, a_tunnel_not_read_stops_the_server);
    tcase_add_test(tc, other_answers_are_ordinary);
    tcase_add_test(tc, a_reset_before_the_answer_fails);
    tcase_add_test(tc, a_reset_in_the_tunnel_closes_it);
    tcase_add_test(tc, closing_the_tunnel_closes_the_backend);
    tcase_add_test(tc, a_cancel_before_the_answer_closes_the_backend);
    tcase_add_test(tc, a_backend_gone_fails);
    tcase_add_test(tc, closing_after_a_half_close_closes_the_backend);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
