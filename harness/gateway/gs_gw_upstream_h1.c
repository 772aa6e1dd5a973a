/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 upstream client: keep-alive connection pools per endpoint. One call per connection at
 * a time; the response head is parsed with gs_h1_response and bodies (length, chunked, until
 * close) are buffered up to the configured limit. A cancelled call whose request went out whole
 * does not cost its connection: the response is read and dropped (at most H1_DRAIN_BYTES, for at
 * most H1_DRAIN_MS) and the connection goes back to the pool, so clients that reset streams do
 * not make the gateway open a TCP connection per request. */
#include "gs_gw_upstream_priv.h"

#include "gs_gw_h1_head.h"
#include "gs_sockread.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_chunked.h"
#include "gs_h1_response.h"

#include <assert.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define H1_MAX_IDLE_PER_ENDPOINT 512
#define H1_DRAIN_BYTES (256u << 10)
#define H1_DRAIN_MS 2000

typedef enum h1_state {
    H1_CONNECTING = 0,
    H1_IDLE,
    H1_HEAD,
    H1_BODY,
} h1_state;

typedef struct h1_conn {
    gs_gw_upstream *u;
    upstream_pool *pool;
    struct bufferevent *bev;
    gs_sockread rd; /* plaintext: reads without libevent's FIONREAD probe (TLS: the bev reads) */
    gs_gw_upstream_call *call;
    h1_state state;
    bool reused;    /* the current call was sent on a connection used before */
    bool got_bytes; /* response bytes arrived for the current call */
    bool keep_alive;
    bool tls_up;         /* TLS: the handshake and the certificate check succeeded */
    bool in_cb;          /* inside a stream callback: a cancel only marks... */
    bool cancel_pending; /* ...and the conn and call are freed when the callback returns */
    bool req_head;       /* the current request is a HEAD (its response has no body) */
    bool req_upgrade;    /* the current request asks for an upgrade */
    size_t drained;      /* response body bytes dropped for a cancelled call */
    struct event *drain_timer; /* bounds the reading of a cancelled call's response */
    gs_h1_body body_kind;
    uint64_t remaining;
    gs_chunked chunked;
    TAILQ_ENTRY(h1_conn) link; /* in pool->idle or u->busy */
} h1_conn;

/* The only way h->state changes: CONNECTING|IDLE → HEAD → BODY → IDLE. */
static void h1_set_state(h1_conn *h, h1_state next)
{
    switch (next) {
    case H1_CONNECTING:
        break; /* a new connection */
    case H1_HEAD:
        assert(h->state == H1_CONNECTING || h->state == H1_IDLE);
        break;
    case H1_BODY:
        assert(h->state == H1_HEAD);
        break;
    case H1_IDLE:
        assert(h->state == H1_HEAD || h->state == H1_BODY);
        break;
    }
    h->state = next;
}

static void h1_conn_free(h1_conn *h)
{
    if (h->state == H1_IDLE) {
        TAILQ_REMOVE(&h->pool->idle, h, link);
        h->pool->n_idle--;
    } else {
        TAILQ_REMOVE(&h->u->busy, h, link);
    }
    gs_sockread_detach(&h->rd);
    if (h->bev) /* NULL once handed over as an upgrade tunnel */
        bufferevent_free(h->bev);
    if (h->drain_timer)
        event_free(h->drain_timer);
    free(h);
}

/* Reading on or off: through the attached reader (plaintext) or the bufferevent (TLS). */
static void h1_read_enable(h1_conn *h, bool on)
{
    if (h->rd.bev)
        gs_sockread_enable(&h->rd, on);
    else if (on)
        bufferevent_enable(h->bev, EV_READ);
    else
        bufferevent_disable(h->bev, EV_READ);
}

/* The Content-Length field of |hs|, or NULL. */
static const gs_gw_header *h1_length_field(const gs_gw_headers *hs)
{
    for (size_t i = 0; i < hs->len; i++)
        if (GS_GW_HEADER_IS(&hs->items[i], "content-length"))
            return &hs->items[i];
    return NULL;
}

/* One chunk of a streamed request body (nothing for an empty piece: "0" ends the body). */
static void h1_write_chunk(struct evbuffer *out, const char *data, size_t len)
{
    if (len == 0)
        return;
    evbuffer_add_printf(out, "%zx\r\n", len);
    evbuffer_add(out, data, len);
    evbuffer_add(out, "\r\n", 2);
}

static void h1_write_request(h1_conn *h, const gs_gw_request *req)
{
    struct evbuffer *out = bufferevent_get_output(h->bev);
    size_t method_len = strlen(req->method), target_len = strlen(req->target);
    gs_gw_h1_head w;
    gs_gw_h1_head_begin(&w, out,
                        gs_gw_h1_head_expect(&req->headers, method_len + target_len + 128 +
                                                                (req->authority
                                                                     ? strlen(req->authority)
                                                                     : 0)));
    gs_gw_h1_head_put(&w, req->method, method_len);
    GS_GW_H1_PUT(&w, " ");
    gs_gw_h1_head_put(&w, req->target, target_len);
    GS_GW_H1_PUT(&w, " HTTP/1.1\r\n");
    if (req->authority)
        gs_gw_h1_head_field(&w, "Host", 4, req->authority, strlen(req->authority));
    if (req->upgrade) { /* hop-by-hop fields were removed: say the upgrade again for this hop */
        GS_GW_H1_PUT(&w, "Connection: Upgrade\r\n");
        gs_gw_h1_head_field(&w, "Upgrade", 7, req->upgrade, strlen(req->upgrade));
    }
    bool cookies_done = false;
    for (size_t i = 0; i < req->headers.len; i++) {
        const gs_gw_header *f = &req->headers.items[i];
        if (GS_GW_HEADER_IS(f, "content-length") || GS_GW_HEADER_IS(f, "host"))
            continue;
        if (GS_GW_HEADER_IS(f, "cookie")) {
            /* HTTP/2 may split cookies into several fields; HTTP/1.1 wants one "; " list. */
            if (cookies_done)
                continue;
            cookies_done = true;
            GS_GW_H1_PUT(&w, "cookie: ");
            bool first = true;
            for (size_t k = i; k < req->headers.len; k++) {
                const gs_gw_header *c = &req->headers.items[k];
                if (!GS_GW_HEADER_IS(c, "cookie"))
                    continue;
                if (!first)
                    GS_GW_H1_PUT(&w, "; ");
                gs_gw_h1_head_put(&w, c->value, c->value_len);
                first = false;
            }
            GS_GW_H1_PUT(&w, "\r\n");
            continue;
        }
        gs_gw_h1_head_field(&w, f->name, f->name_len, f->value, f->value_len);
    }
    bool body_method = strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0 &&
                       strcmp(req->method, "DELETE") != 0 && strcmp(req->method, "OPTIONS") != 0 &&
                       strcmp(req->method, "TRACE") != 0;
    const gs_gw_header *cl = NULL;
    if (req->body_open) { /* streamed: the client's framing (its Content-Length, or chunks) */
        cl = h1_length_field(&req->headers);
        if (cl)
            gs_gw_h1_head_field(&w, "Content-Length", 14, cl->value, cl->value_len);
        else
            GS_GW_H1_PUT(&w, "Transfer-Encoding: chunked\r\n");
    } else if (req->body.len || body_method) {
        GS_GW_H1_PUT(&w, "Content-Length: ");
        gs_gw_h1_head_uint(&w, req->body.len, false);
        GS_GW_H1_PUT(&w, "\r\n");
    }
    GS_GW_H1_PUT(&w, "\r\n");
    gs_gw_h1_head_end(&w);
    if (req->body_open && cl == NULL)
        h1_write_chunk(out, req->body.data, req->body.len);
    else if (req->body.len)
        evbuffer_add(out, req->body.data, req->body.len);
}

static void h1_start(h1_conn *h, gs_gw_upstream_call *c)
{
    bool connected = h->state == H1_IDLE;
    h->call = c;
    c->h1 = h;
    h1_set_state(h, H1_HEAD);
    h->got_bytes = false;
    h->req_head = strcmp(c->req->method, "HEAD") == 0;
    h->req_upgrade = c->req->upgrade != NULL;
    h->drained = 0;
    TAILQ_INSERT_TAIL(&h->u->busy, h, link);
    c->body_stream = c->req->body_open;
    c->body_chunked = c->body_stream && !h1_length_field(&c->req->headers);
    h1_write_request(h, c->req);
    h1_read_enable(h, true);
    /* A pooled connection: write at once, EV_WRITE only for what the socket did not take
     * (a new one waits for EV_WRITE, which also tells the connect finished). */
    struct evbuffer *out = bufferevent_get_output(h->bev);
    if (connected && h->pool->tls == NULL) {
        evbuffer_unfreeze(out, 1); /* see h1d_flush in gs_gw_h1_conn.c */
        (void)evbuffer_write(out, bufferevent_getfd(h->bev));
        evbuffer_freeze(out, 1);
    }
    if (evbuffer_get_length(out))
        bufferevent_enable(h->bev, EV_WRITE);
}

/* Reports the streamed request body bytes queued since the last report as taken. Nothing may
 * touch |c| or its connection after this: the callee may cancel the call. */
static void h1_body_report(gs_gw_upstream_call *c)
{
    size_t n = c->body_owed;
    c->body_owed = 0;
    if (n && c->stream && c->stream->on_body_taken)
        c->stream->on_body_taken(c->arg, n);
}

/* Fires when the output drained (the request, or the streamed body so far): stop watching for
 * writability, and let the caller send more of a streamed body. */
static void on_h1_write(struct bufferevent *bev, void *arg)
{
    h1_conn *h = arg;
    bufferevent_disable(bev, EV_WRITE);
    if (h->call && h->call->body_stream)
        h1_body_report(h->call);
}

static void h1_finish(h1_conn *h, int err)
{
    gs_gw_upstream_call *c = h->call;
    h->call = NULL;
    if (c)
        c->h1 = NULL;
    if (h->drain_timer)
        event_del(h->drain_timer);
    if (c && c->on_done == NULL && err == 0) /* a cancelled call read to its end */
        h->u->stats.drained++;
    /* A streamed request body cut by an early answer leaves the connection mid-request. */
    bool body_done = c == NULL || !c->body_stream ||
                     (c->body_end && evbuffer_get_length(bufferevent_get_output(h->bev)) == 0);
    if (err == 0 && h->keep_alive && body_done && h->pool->n_idle < H1_MAX_IDLE_PER_ENDPOINT &&
        evbuffer_get_length(bufferevent_get_input(h->bev)) == 0) {
        TAILQ_REMOVE(&h->u->busy, h, link);
        h1_set_state(h, H1_IDLE);
        TAILQ_INSERT_HEAD(&h->pool->idle, h, link);
        h->pool->n_idle++;
    } else {
        h1_conn_free(h);
    }
    if (c)
        gs_gw_upstream_call_finish(c, err);
}

/* Moves body bytes from the input into the response. Returns 1 when the body is complete, 0 when
 * more is needed, or a negative error. */
static int h1_read_body(h1_conn *h)
{
    struct evbuffer *in = bufferevent_get_input(h->bev);
    gs_gw_response *r = &h->call->resp;
    size_t max = h->u->limits->max_response_body;
    switch (h->body_kind) {
    case GS_H1_BODY_NONE:
        return 1;
    case GS_H1_BODY_LENGTH: {
        size_t avail = evbuffer_get_length(in);
        size_t n = avail < h->remaining ? avail : (size_t)h->remaining;
        if (n) {
            if (r->body.len + n > max)
                return GS_ERR_RANGE;
            char *dst = gs_buf_reserve(&r->body, n);
            evbuffer_remove(in, dst, n);
            r->body.len += n;
            r->body.data[r->body.len] = '\0';
            h->remaining -= n;
        }
        return h->remaining == 0 ? 1 : 0;
    }
    case GS_H1_BODY_CHUNKED: {
        size_t avail = evbuffer_get_length(in);
        if (avail == 0)
            return 0;
        const char *data = (const char *)evbuffer_pullup(in, -1);
        ssize_t used = gs_chunked_decode(&h->chunked, data, avail, &r->body);
        if (used < 0)
            return GS_ERR_PROTOCOL;
        evbuffer_drain(in, (size_t)used);
        if (r->body.len > max)
            return GS_ERR_RANGE;
        return gs_chunked_done(&h->chunked) ? 1 : 0;
    }
    case GS_H1_BODY_UNTIL_CLOSE: {
        size_t avail = evbuffer_get_length(in);
        if (r->body.len + avail > max)
            return GS_ERR_RANGE;
        char *dst = gs_buf_reserve(&r->body, avail);
        evbuffer_remove(in, dst, avail);
        r->body.len += avail;
        r->body.data[r->body.len] = '\0';
        return 0; /* done at EOF */
    }
    }
    return GS_ERR_PROTOCOL;
}

static int h1_read_head(h1_conn *h)
{
    struct evbuffer *in = bufferevent_get_input(h->bev);
    size_t avail = evbuffer_get_length(in);
    if (avail == 0)
        return 0;
    h->got_bytes = true;
    const char *data = (const char *)evbuffer_pullup(in, -1);
    gs_h1_response resp;
    unsigned flags = h->req_head ? GS_H1_RESPONSE_TO_HEAD : 0;
    int n = gs_h1_response_parse(&resp, data, avail, flags);
    if (n == GS_ERR_INCOMPLETE)
        return avail > h->u->limits->max_header_bytes ? GS_ERR_RANGE : 0;
    if (n < 0)
        return n == GS_ERR_RANGE ? GS_ERR_RANGE : GS_ERR_PROTOCOL;
    if (resp.informational) { /* 100 Continue and friends: skip, a final head follows */
        evbuffer_drain(in, (size_t)n);
        return h1_read_head(h);
    }
    if (resp.upgrade && !h->req_upgrade)
        return GS_ERR_PROTOCOL; /* 101 to a request that did not ask */
    gs_gw_response *r = &h->call->resp;
    r->status = resp.status;
    for (size_t i = 0; i < resp.num_headers; i++)
        gs_gw_headers_add_n(&r->headers, resp.headers[i].name, resp.headers[i].name_len,
                            resp.headers[i].value, resp.headers[i].value_len);
    h->keep_alive = resp.keep_alive;
    h->body_kind = resp.body;
    h->remaining = resp.content_length;
    gs_chunked_init(&h->chunked);
    evbuffer_drain(in, (size_t)n);
    h1_set_state(h, H1_BODY);
    if (resp.upgrade) {
        /* 101: the connection becomes the caller's byte stream (bytes the server already sent
         * stay in its input buffer). It is never pooled again. */
        gs_sockread_detach(&h->rd);
        bufferevent_setcb(h->bev, NULL, NULL, NULL, NULL);
        bufferevent_disable(h->bev, EV_READ | EV_WRITE);
        r->tunnel = h->bev;
        h->bev = NULL;
        h->keep_alive = false;
        h->body_kind = GS_H1_BODY_NONE;
    }
    return 1;
}

/* Streamed calls: hands the head (once) and the body read so far to the stream callbacks; when
 * the body is not |done| and nothing of it came yet, an empty piece marks the flush point.
 * Returns false when the callee cancelled the call (conn and call are then freed). */
static bool h1_stream_emit(h1_conn *h, bool done)
{
    gs_gw_upstream_call *c = h->call;
    h->in_cb = true;
    if (!c->head_sent) {
        c->head_sent = true;
        if (c->stream && c->stream->on_head)
            c->stream->on_head(c->arg, &c->resp);
    }
    if (c->stream && !h->cancel_pending && (c->resp.body.len || !done)) {
        c->streamed += c->resp.body.len;
        c->stream->on_data(c->arg, c->resp.body.data, c->resp.body.len);
    }
    gs_buf_reset(&c->resp.body);
    h->in_cb = false;
    if (h->cancel_pending) {
        h->call = NULL;
        c->h1 = NULL;
        gs_gw_response_clear(&c->resp);
        free(c);
        h1_conn_free(h);
        return false;
    }
    return true;
}

/* Fires when response bytes arrive (or, idle, when the server sent something unexpected). */
static void on_h1_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    h1_conn *h = arg;
    if (h->state == H1_IDLE) { /* bytes on an idle connection: not ours to read */
        h1_conn_free(h);
        return;
    }
    int rc = 0;
    if (h->state == H1_HEAD) {
        rc = h1_read_head(h);
        if (rc <= 0) {
            if (rc < 0)
                h1_finish(h, rc);
            return;
        }
    }
    if (h->bev == NULL) { /* upgraded */
        h1_finish(h, 0);
        return;
    }
    rc = h1_read_body(h);
    if (rc >= 0 && h->call->on_done == NULL) { /* cancelled: drop what came, within bounds */
        h->drained += h->call->resp.body.len;
        gs_buf_reset(&h->call->resp.body);
        if (h->drained > H1_DRAIN_BYTES)
            rc = GS_ERR_RANGE;
    } else if (rc >= 0 && h->call->stream) {
        if (!h1_stream_emit(h, rc == 1))
            return;
        if (h->call->streamed > h->u->limits->max_streamed_body)
            rc = GS_ERR_RANGE;
    }
    if (rc < 0) {
        h1_finish(h, rc);
    } else if (rc == 1) {
        h1_finish(h, 0);
    }
}

/* Fires on connect completion, EOF or errors. */
static void on_h1_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    h1_conn *h = arg;
    if (what & BEV_EVENT_CONNECTED) {
        h->tls_up = true;
        return;
    }
    if (h->pool->tls && !h->tls_up && h->call) { /* handshake or certificate check failed */
        h->u->stats.tls_failures++;
        h1_finish(h, GS_ERR_TLS);
        return;
    }
    if (h->state == H1_IDLE || h->call == NULL) {
        h1_conn_free(h);
        return;
    }
    if ((what & BEV_EVENT_EOF) && h->state == H1_BODY && h->body_kind == GS_H1_BODY_UNTIL_CLOSE) {
        h->keep_alive = false;
        h1_finish(h, 0);
        return;
    }
    gs_gw_upstream_call *c = h->call;
    if (h->reused && !h->got_bytes && c->on_done != NULL && !c->every_try_counts &&
        !(c->body_stream && (c->sent || c->body_end))) {
        /* The server closed a pooled connection as we reused it: try once on a fresh one. */
        h->call = NULL;
        c->h1 = NULL;
        upstream_pool *p = h->pool;
        h1_conn_free(h);
        gs_gw_upstream_h1_send(c->u, p, c);
        /* gs_gw_upstream_h1_send on a fresh connection never sets reused */
        return;
    }
    h1_finish(h, GS_ERR_IO);
}

void gs_gw_upstream_h1_send(gs_gw_upstream *u, upstream_pool *p, gs_gw_upstream_call *c)
{
    h1_conn *h = TAILQ_FIRST(&p->idle);
    if (h) {
        TAILQ_REMOVE(&p->idle, h, link);
        p->n_idle--;
        h->reused = true;
        u->stats.reuses++;
        h1_start(h, c);
        return;
    }
    int fd = gs_gw_upstream_connect_fd(p);
    if (fd < 0) {
        gs_gw_upstream_call_fail_later(c, GS_ERR_IO);
        return;
    }
    struct bufferevent *bev = p->tls ? gs_gw_upstream_tls_bev(u, p, fd, false)
                                     : bufferevent_socket_new(u->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        close(fd);
        gs_gw_upstream_call_fail_later(c, GS_ERR_IO);
        return;
    }
    u->stats.connects++; /* counted here: the connect started outside the bufferevent */
    h = gs_xcalloc(1, sizeof(*h));
    h->u = u;
    h->pool = p;
    h->bev = bev;
    bufferevent_setcb(h->bev, on_h1_read, on_h1_write, on_h1_event, h);
    if (p->tls == NULL) {
        gs_sockread_attach(&h->rd, h->bev);
        gs_sockread_setcb(&h->rd, on_h1_read, on_h1_event, h);
    }
    h1_set_state(h, H1_CONNECTING);
    h->reused = false;
    h1_start(h, c);
}

void gs_gw_upstream_h1_pause(gs_gw_upstream_call *c, bool paused)
{
    h1_conn *h = c->h1;
    if (h->bev == NULL)
        return;
    h1_read_enable(h, !paused);
}

void gs_gw_upstream_h1_send_body(gs_gw_upstream_call *c, const char *data, size_t len, bool end)
{
    h1_conn *h = c->h1;
    if (h->bev == NULL || h->state != H1_HEAD || c->body_end)
        return; /* the response began (an early answer): the rest is not sent */
    struct evbuffer *out = bufferevent_get_output(h->bev);
    if (c->body_chunked) {
        h1_write_chunk(out, data, len);
        if (end)
            evbuffer_add(out, "0\r\n\r\n", 5);
    } else if (len) {
        evbuffer_add(out, data, len);
    }
    c->sent += len;
    c->body_owed += len;
    c->body_end = end;
    bufferevent_enable(h->bev, EV_WRITE);
    if (evbuffer_get_length(out) <= gs_gw_upstream_pause_bytes(h->u->limits))
        h1_body_report(c);
}

/* Fires when a cancelled call's response did not end within H1_DRAIN_MS. */
static void on_h1_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    h1_finish(arg, GS_ERR_IO);
}

/* Can the connection of cancelled call |c| be read to the end of its response and pooled? Only
 * when the whole request is in the connection's output (a streamed body that has not ended
 * would leave the server waiting), the response can end without a close, and no tunnel. */
static bool h1_can_drain(const h1_conn *h, const gs_gw_upstream_call *c)
{
    if (h->bev == NULL || h->req_upgrade || (c->body_stream && !c->body_end))
        return false;
    if (h->state == H1_BODY)
        return h->keep_alive && h->body_kind != GS_H1_BODY_UNTIL_CLOSE;
    return h->state == H1_HEAD || h->state == H1_CONNECTING;
}

void gs_gw_upstream_h1_cancel(gs_gw_upstream_call *c)
{
    h1_conn *h = c->h1;
    if (h->in_cb) { /* inside h1_stream_emit: it frees both when the callback returns */
        h->cancel_pending = true;
        return;
    }
    if (h1_can_drain(h, c)) {
        /* The call stays on the connection, silent (no callbacks), until its response ended;
         * h1_finish then pools the connection and frees the call. Its request may be freed by
         * the caller: only the copies in |h| (req_head, req_upgrade) are read from here on. */
        c->req = NULL;
        h1_read_enable(h, true); /* a pause by the cancelled caller ends here */
        if (h->drain_timer == NULL)
            h->drain_timer = evtimer_new(h->u->base, on_h1_drain_timeout, h);
        struct timeval tv = {H1_DRAIN_MS / 1000, (H1_DRAIN_MS % 1000) * 1000};
        evtimer_add(h->drain_timer, &tv);
        return;
    }
    h->call = NULL;
    c->h1 = NULL;
    h1_conn_free(h);
    gs_gw_response_clear(&c->resp);
    free(c);
}

void gs_gw_upstream_h1_pool_free(gs_gw_upstream *u, upstream_pool *p)
{
    (void)u;
    h1_conn *h;
    while ((h = TAILQ_FIRST(&p->idle)) != NULL)
        h1_conn_free(h);
}

void gs_gw_upstream_h1_busy_free(gs_gw_upstream *u)
{
    h1_conn *h;
    while ((h = TAILQ_FIRST(&u->busy)) != NULL) {
        gs_gw_upstream_call *c = h->call;
        h->call = NULL;
        h1_conn_free(h);
        if (c) { /* only fire-and-forget calls (mirrors) are still here: let them clean up */
            c->h1 = NULL;
            gs_gw_upstream_call_finish(c, GS_ERR_CLOSED);
        }
    }
}
