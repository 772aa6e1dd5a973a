/* SPDX-License-Identifier: MIT */
/* Streamed request bodies on the h2c upstream client (gs_gw_upstream_send_body), against an
 * in-process nghttp2 server that only reopens its stream window when told: the body waits
 * (deferred data) until it comes, on_body_taken reports no more than the server's window allows,
 * the whole body arrives in order with END_STREAM when the caller ends it, and a response that
 * ends before the request body finishes the call at once. */
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

/* ---- fake h2c server on the same event base ----------------------------------------------- */

typedef struct srv {
    h2ts h;
    bool open;          /* reopen the stream window as data arrives */
    size_t held;        /* received but not consumed (window closed) */
    uint64_t received;  /* body bytes */
    uint32_t sum;       /* FNV-1a of the body */
    bool ended;         /* the request's END_STREAM arrived */
    int32_t stream_id;
    bool early; /* the request's :path is /early */
} srv;

static srv S;

static uint32_t fnv(uint32_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static void srv_answer(int32_t id)
{
    char st[64];
    snprintf(st, sizeof(st), "%llu %08x", (unsigned long long)S.received, S.sum);
    nghttp2_nv nva[] = {h2ts_nv(":status", "200"), h2ts_nv("x-got", st)};
    nghttp2_submit_response(S.h.ng, id, nva, 2, NULL);
}

static int on_srv_frame_recv(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
    (void)ng;
    (void)arg;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
        S.stream_id = frame->hd.stream_id;
        if (S.early && !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
            srv_answer(frame->hd.stream_id); /* answers before the body */
    }
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
        S.ended = true;
        srv_answer(frame->hd.stream_id);
    }
    return 0;
}

static int on_srv_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
                         size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                         void *arg)
{
    (void)ng;
    (void)frame;
    (void)flags;
    (void)arg;
    if (namelen == 5 && memcmp(name, ":path", 5) == 0 && valuelen == 6 &&
        memcmp(value, "/early", 6) == 0)
        S.early = true;
    return 0;
}

static int on_srv_data(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data,
                       size_t len, void *arg)
{
    (void)flags;
    (void)arg;
    nghttp2_session_consume_connection(ng, len);
    S.received += len;
    S.sum = fnv(S.sum, data, len);
    if (S.open)
        nghttp2_session_consume_stream(ng, id, len);
    else
        S.held += len;
    return 0;
}

static void srv_callbacks(nghttp2_session_callbacks *cbs)
{
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_srv_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_srv_data);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_srv_header);
}

static void srv_start(struct event_base *base)
{
    memset(&S, 0, sizeof(S));
    S.sum = 2166136261u;
    S.h.set_callbacks = srv_callbacks;
    S.h.no_auto_window_update = true; /* default 65535 windows, reopened by the test */
    h2ts_listen(&S.h, base);
}

static void srv_stop(void)
{
    h2ts_stop(&S.h);
}

/* Reopens the server's stream window (and keeps it open). */
static void srv_open_window(void)
{
    S.open = true;
    nghttp2_session_consume_stream(S.h.ng, S.stream_id, S.held);
    S.held = 0;
    h2ts_flush(&S.h);
}

/* ---- the call ------------------------------------------------------------------------------ */

typedef struct probe {
    gs_gw_upstream_call *call;
    uint64_t taken;
    bool done;
    int err;
    int status;
    char got[64];
} probe;

static void on_p_head(void *arg, gs_gw_response *resp)
{
    ((probe *)arg)->status = resp->status;
}

static void on_p_data(void *arg, const char *data, size_t len)
{
    (void)arg;
    (void)data;
    (void)len;
}

static void on_p_taken(void *arg, size_t len)
{
    ((probe *)arg)->taken += len;
}

static void on_p_done(void *arg, int err, gs_gw_response *resp)
{
    probe *p = arg;
    p->done = true;
    p->err = err;
    if (resp) {
        p->status = resp->status;
        const char *g = gs_gw_headers_get(&resp->headers, "x-got");
        snprintf(p->got, sizeof(p->got), "%s", g ? g : "");
    }
    p->call = NULL;
}

static const gs_gw_upstream_stream p_ops = {on_p_head, on_p_data, on_p_taken};

static void run_for(struct event_base *base, probe *p, int64_t ms)
{
    int64_t end = gs_now_ns() + ms * GS_NS_PER_MS;
    while (!p->done && gs_now_ns() < end) {
        event_base_loop(base, EVLOOP_NONBLOCK);
        poll(NULL, 0, 1);
    }
}

typedef struct call_env {
    struct event_base *base;
    gs_gw_limits lim;
    gs_gw_upstream *u;
    gs_gw_endpoints eps;
    const gs_gw_endpoint *ep;
    gs_gw_request req;
} call_env;

static void env_start(call_env *e, const char *path, const char *initial)
{
    memset(e, 0, sizeof(*e));
    e->base = event_base_new();
    srv_start(e->base);
    gs_gw_limits_defaults(&e->lim);
    ck_assert_int_eq(gs_gw_upstream_new(&e->u, e->base, &e->lim), 0);
    char spec[64];
    snprintf(spec, sizeof(spec), "default/up:8080=127.0.0.1:%d", S.h.port);
    ck_assert_int_eq(gs_gw_endpoints_add_spec(&e->eps, spec, NULL), 0);
    e->ep = gs_gw_service_next(&e->eps.services[0]);
    e->req.method = gs_xstrdup("POST");
    e->req.scheme = gs_xstrdup("http");
    e->req.authority = gs_xstrdup("example.com");
    e->req.target = gs_xstrdup(path);
    gs_gw_headers_add(&e->req.headers, "content-type", "application/grpc");
    gs_buf_puts(&e->req.body, initial);
    e->req.body_open = true;
}

static void env_end(call_env *e)
{
    gs_gw_request_clear(&e->req);
    gs_gw_upstream_free(e->u);
    gs_gw_endpoints_clear(&e->eps);
    srv_stop();
    event_base_free(e->base);
}

START_TEST(streamed_body_follows_the_window)
{
    call_env e;
    env_start(&e, "/up", "head-");
    probe p = {0};
    ck_assert_int_eq(gs_gw_upstream_send_stream(e.u, e.ep, true, NULL, NULL, &e.req, &p_ops,
                                                on_p_done, &p, &p.call),
                     0);
    /* Nothing more yet: the request waits (deferred), the server has the initial bytes only. */
    run_for(e.base, &p, 200);
    ck_assert(!p.done && !S.ended);
    ck_assert_int_eq((int)S.received, 5);
    /* 4 MiB given at once; the server's window is closed: at most one window goes out. */
    uint32_t want = fnv(2166136261u, (const uint8_t *)"head-", 5);
    size_t piece = 256u << 10;
    uint8_t *buf = gs_xmalloc(piece);
    for (int k = 0; k < 16; k++) {
        for (size_t i = 0; i < piece; i++)
            buf[i] = (uint8_t)((k * 131 + i * 7) >> 3);
        want = fnv(want, buf, piece);
        gs_gw_upstream_send_body(p.call, (const char *)buf, piece, false);
    }
    run_for(e.base, &p, 300);
    ck_assert(!p.done);
    ck_assert_msg(p.taken <= 65535 && S.received <= 65535, "taken %llu received %llu",
                  (unsigned long long)p.taken, (unsigned long long)S.received);
    ck_assert_msg(p.taken > 0, "nothing taken");
    /* The window opens: everything flows, still no END_STREAM until the caller ends. */
    srv_open_window();
    int64_t end = gs_now_ns() + 5000 * GS_NS_PER_MS;
    while (S.received < 5 + 16 * piece && gs_now_ns() < end)
        run_for(e.base, &p, 10);
    ck_assert_int_eq((long long)S.received, 5 + 16 * (long long)piece);
    ck_assert_int_eq((long long)p.taken, 16 * (long long)piece);
    ck_assert(!S.ended && !p.done);
    gs_gw_upstream_send_body(p.call, NULL, 0, true);
    run_for(e.base, &p, 3000);
    ck_assert(S.ended);
    ck_assert_msg(p.done && p.err == 0, "done %d err %d", (int)p.done, p.err);
    ck_assert_int_eq(p.status, 200);
    char expect[64];
    snprintf(expect, sizeof(expect), "%llu %08x", 5 + 16 * (unsigned long long)piece, want);
    ck_assert_str_eq(p.got, expect);
    free(buf);
    env_end(&e);
}
END_TEST

START_TEST(early_response_ends_the_call)
{
    /* The server answers (END_STREAM) before the request body ends: the call finishes with the
     * response instead of waiting for a body end that may never come. */
    call_env e;
    env_start(&e, "/early", "");
    probe p = {0};
    ck_assert_int_eq(gs_gw_upstream_send_stream(e.u, e.ep, true, NULL, NULL, &e.req, &p_ops,
                                                on_p_done, &p, &p.call),
                     0);
    gs_gw_upstream_send_body(p.call, "abc", 3, false);
    run_for(e.base, &p, 3000);
    ck_assert_msg(p.done && p.err == 0, "done %d err %d", (int)p.done, p.err);
    ck_assert_int_eq(p.status, 200);
    ck_assert(!S.ended);
    env_end(&e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_upstream_reqstream");
    TCase *tc = tcase_create("reqstream");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, streamed_body_follows_the_window);
    tcase_add_test(tc, early_response_ends_the_call);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
