/* SPDX-License-Identifier: MIT */
/* HTTP/2 upstream client over cleartext with prior knowledge (h2c): one multiplexed session per
 * endpoint, used for Service ports with appProtocol kubernetes.io/h2c and for gRPC. Responses are
 * buffered into the call's gs_gw_response or streamed; flow control is manual (no automatic
 * WINDOW_UPDATE): the connection window is released as DATA arrives, a stream's window once the
 * downstream took the bytes and is not paused, which is the backpressure of a streamed call.
 * A stream's window starts small (gs_gw_upstream_first_window) and grows to the pause size once
 * the call took that much without a pause: a call paused at once (its client takes nothing)
 * makes the server send no more than the first window. A request whose client was stalled when
 * it was dispatched starts smaller still (gs_gw_upstream_stalled_window, the connection's
 * initial window; the others get the first window with their HEADERS). */
#include "gs_gw_upstream_priv.h"

#include "gs_sockread.h"

#include "gs_alloc.h"

#include <ctype.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <nghttp2/nghttp2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct h2_session {
    gs_gw_upstream *u;
    upstream_pool *pool; /* NULL once detached (no new streams; freed when the last one ends) */
    struct bufferevent *bev;
    gs_sockread rd; /* reads without libevent's FIONREAD probe */
    nghttp2_session *ng;
    size_t n_streams;
    bool dead;
    bool tls_up;        /* TLS: the handshake and the certificate check succeeded */
    bool in_io;         /* inside nghttp2 (mem_recv or send): no nested send, no freeing */
    bool want_flush;    /* frames were submitted while in_io: send them when it ends */
    struct event *pump; /* sends queued frames on the next loop turn (after a resume) */
} h2_session;

static void h2_session_kill(h2_session *s, int err);

static void h2_maybe_free(h2_session *s)
{
    if (s->in_io)
        return;
    if (s->dead || (s->pool == NULL && s->n_streams == 0)) {
        if (s->pool && s->pool->h2 == s)
            s->pool->h2 = NULL;
        nghttp2_session_del(s->ng);
        gs_sockread_detach(&s->rd);
        bufferevent_free(s->bev);
        event_free(s->pump);
        free(s);
    }
}

static ssize_t on_h2_send(nghttp2_session *ng, const uint8_t *data, size_t len, int flags,
                          void *arg)
{
    (void)ng;
    (void)flags;
    h2_session *s = arg;
    evbuffer_add(bufferevent_get_output(s->bev), data, len);
    return (ssize_t)len;
}

/* Sends what nghttp2 has queued, including what callbacks queue meanwhile, then frees the
 * session if it is finished. Only called outside nghttp2 (never re-entrantly). */
static void h2_pump(h2_session *s)
{
    s->in_io = true;
    do {
        s->want_flush = false;
        if (!s->dead && nghttp2_session_send(s->ng) != 0)
            h2_session_kill(s, GS_ERR_IO);
    } while (s->want_flush && !s->dead);
    s->in_io = false;
    h2_maybe_free(s);
}

/* Asks for queued frames to be sent: now, or when the current nghttp2 call returns. May free
 * the session. */
static void h2_flush(h2_session *s)
{
    if (s->in_io) {
        s->want_flush = true;
        return;
    }
    h2_pump(s);
}

static void on_h2_pump(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    h2_flush(arg);
}

/* Fires for every response header field; the first HEADERS block is the response head, a later
 * one carries trailers. */
static int on_h2_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
                        size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                        void *arg)
{
    (void)flags;
    (void)arg;
    gs_gw_upstream_call *c = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (c == NULL || frame->hd.type != NGHTTP2_HEADERS)
        return 0;
    if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
        int st = 0;
        for (size_t i = 0; i < valuelen && isdigit(value[i]); i++)
            st = st * 10 + (value[i] - '0');
        if (st >= 200 || c->resp.status == 0)
            c->resp.status = st;
        return 0;
    }
    if (namelen && name[0] == ':')
        return 0;
    /* The response head is HCAT_RESPONSE; a HEADERS block after a final status is trailers. */
    gs_gw_headers *dst = frame->headers.cat == NGHTTP2_HCAT_HEADERS && c->resp.status >= 200
                             ? &c->resp.trailers
                             : &c->resp.headers;
    if (dst->bytes + namelen + valuelen > c->u->limits->max_header_bytes)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    gs_gw_headers_add_n(dst, (const char *)name, namelen, (const char *)value, valuelen);
    return 0;
}

/* |c| has taken |taken| body bytes and is not paused: once that is the first window, the
 * stream's window grows to the pause size (a WINDOW_UPDATE, sent after the current read). A call
 * paused before (h2 downstream: within gs_gw_upstream_stalled_bytes) grows it only once resumed
 * and taking again. */
static void h2_window_grow(nghttp2_session *ng, gs_gw_upstream_call *c, uint64_t taken)
{
    const gs_gw_limits *lim = c->u->limits;
    if (c->window_grown || taken < gs_gw_upstream_first_window(lim))
        return;
    c->window_grown = true;
    size_t want = gs_gw_upstream_pause_bytes(lim);
    if (want > gs_gw_upstream_first_window(lim))
        nghttp2_session_set_local_window_size(ng, NGHTTP2_FLAG_NONE, c->stream_id, (int32_t)want);
}

/* A piece of response body. The connection window is released at once, so a paused stream
 * never holds up the others; the stream window once the bytes are taken, unless the call is
 * paused: then they are counted in |held| and released by the resume (gs_gw_upstream_h2_pause). */
static int on_h2_data(nghttp2_session *ng, uint8_t flags, int32_t stream_id, const uint8_t *data,
                      size_t len, void *arg)
{
    (void)flags;
    (void)arg;
    nghttp2_session_consume_connection(ng, len);
    gs_gw_upstream_call *c = nghttp2_session_get_stream_user_data(ng, stream_id);
    if (c == NULL) /* cancelled: the stream is being reset, its window no longer matters */
        return 0;
    if (c->stream && c->head_sent) {
        c->streamed += len;
        if (c->streamed > c->u->limits->max_streamed_body) {
            c->defer_err = GS_ERR_RANGE;
            nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
            return 0;
        }
        c->stream->on_data(c->arg, (const char *)data, len); /* may cancel or pause |c| */
        c = nghttp2_session_get_stream_user_data(ng, stream_id);
        if (c && c->paused) {
            c->held += len;
        } else if (c) {
            nghttp2_session_consume_stream(ng, stream_id, len);
            h2_window_grow(ng, c, c->streamed);
        }
        return 0;
    }
    if (c->resp.body.len + len > c->u->limits->max_response_body) {
        c->defer_err = GS_ERR_RANGE;
        nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
        return 0;
    }
    gs_buf_append(&c->resp.body, data, len);
    nghttp2_session_consume_stream(ng, stream_id, len);
    h2_window_grow(ng, c, c->resp.body.len);
    return 0;
}

/* A request's HEADERS left: unless its client was stalled, the stream's window grows from the
 * connection's initial (stalled) window to the first window. The WINDOW_UPDATE goes out in the
 * same send, before the server can have answered. */
static int on_h2_frame_send(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
    (void)arg;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    gs_gw_upstream_call *c = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (c == NULL || c->req->client_stalled)
        return 0;
    const gs_gw_limits *lim = c->u->limits;
    size_t grow = gs_gw_upstream_first_window(lim) - gs_gw_upstream_stalled_window(lim);
    if (grow)
        nghttp2_submit_window_update(ng, NGHTTP2_FLAG_NONE, frame->hd.stream_id, (int32_t)grow);
    return 0;
}

/* Fires when a whole frame arrived: a response head that does not end the stream starts the
 * streamed delivery; a response that ends while the request body is still coming ends the
 * request too (RST_STREAM NO_ERROR, RFC 9113 §8.1), so the call finishes now. */
static int on_h2_frame_recv(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
    (void)arg;
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
        gs_gw_upstream_call *c = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
        if (c && c->body_stream && !c->body_end)
            nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                      NGHTTP2_NO_ERROR);
        return 0;
    }
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_RESPONSE)
        return 0;
    gs_gw_upstream_call *c = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (c == NULL || c->stream == NULL || c->head_sent || c->resp.status < 200)
        return 0;
    c->head_sent = true;
    if (c->stream->on_head)
        c->stream->on_head(c->arg, &c->resp); /* may cancel |c| */
    c = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (c) /* a flush point: the body may take a while (a server stream) */
        c->stream->on_data(c->arg, NULL, 0);
    return 0;
}

static int on_h2_stream_close(nghttp2_session *ng, int32_t stream_id, uint32_t error_code,
                              void *arg)
{
    h2_session *s = arg;
    gs_gw_upstream_call *c = nghttp2_session_get_stream_user_data(ng, stream_id);
    if (s->n_streams)
        s->n_streams--;
    if (c == NULL)
        return 0;
    nghttp2_session_set_stream_user_data(ng, stream_id, NULL);
    c->h2 = NULL;
    int err = c->defer_err;
    if (err == 0 && (error_code != NGHTTP2_NO_ERROR || c->resp.status == 0))
        err = GS_ERR_IO;
    c->defer_err = 0;
    gs_gw_upstream_call_finish(c, err);
    return 0;
}

/* The request body: first what the request carried, then (streamed) what send_body added.
 * A streamed body with nothing to send yet defers; send_body resumes it. */
static ssize_t on_h2_body_read(nghttp2_session *ng, int32_t stream_id, uint8_t *buf, size_t len,
                               uint32_t *flags, nghttp2_data_source *src, void *arg)
{
    (void)ng;
    (void)stream_id;
    (void)arg;
    gs_gw_upstream_call *c = src->ptr;
    size_t n = 0, taken = 0;
    if (c->sent < c->req->body.len) {
        size_t left = c->req->body.len - c->sent;
        n = left < len ? left : len;
        memcpy(buf, c->req->body.data + c->sent, n);
        c->sent += n;
    } else if (c->pending_off < c->pending.len) {
        size_t left = c->pending.len - c->pending_off;
        n = left < len ? left : len;
        memcpy(buf, c->pending.data + c->pending_off, n);
        c->pending_off += n;
        taken = n;
    }
    bool all = c->sent == c->req->body.len && c->pending_off == c->pending.len;
    if (all && (!c->body_stream || c->body_end))
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    else if (n == 0)
        return NGHTTP2_ERR_DEFERRED;
    if (taken && c->stream && c->stream->on_body_taken)
        c->stream->on_body_taken(c->arg, taken);
    return (ssize_t)n;
}

static void h2_session_kill(h2_session *s, int err)
{
    if (s->dead)
        return;
    s->dead = true;
    if (s->pool && s->pool->h2 == s)
        s->pool->h2 = NULL;
    s->pool = NULL;
    /* Fail every open stream: each close callback finishes its call. */
    int32_t last = (int32_t)nghttp2_session_get_next_stream_id(s->ng);
    for (int32_t id = 1; id > 0 && id < last; id += 2) {
        gs_gw_upstream_call *c = nghttp2_session_get_stream_user_data(s->ng, id);
        if (c) {
            nghttp2_session_set_stream_user_data(s->ng, id, NULL);
            c->h2 = NULL;
            gs_gw_upstream_call_fail_later(c, err);
        }
    }
}

static void on_h2_read(struct bufferevent *bev, void *arg)
{
    h2_session *s = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    s->in_io = true;
    size_t len = evbuffer_get_length(in);
    const uint8_t *data = evbuffer_pullup(in, -1);
    ssize_t n = nghttp2_session_mem_recv(s->ng, data, len);
    if (n < 0)
        h2_session_kill(s, GS_ERR_PROTOCOL);
    else
        evbuffer_drain(in, (size_t)n);
    s->in_io = false;
    h2_pump(s);
}

static void on_h2_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    h2_session *s = arg;
    if (what & BEV_EVENT_CONNECTED) {
        s->u->stats.connects++;
        s->tls_up = true;
        return;
    }
    bool tls_failed = s->pool && s->pool->tls && !s->tls_up;
    if (tls_failed) /* handshake or certificate check failed */
        s->u->stats.tls_failures++;
    s->in_io = true;
    h2_session_kill(s, tls_failed ? GS_ERR_TLS : GS_ERR_IO);
    s->in_io = false;
    h2_maybe_free(s);
}

static h2_session *h2_session_new(gs_gw_upstream *u, upstream_pool *p)
{
    int fd = gs_gw_upstream_connect_fd(p);
    if (fd < 0)
        return NULL;
    struct bufferevent *bev = p->tls ? gs_gw_upstream_tls_bev(u, p, fd, true)
                                     : bufferevent_socket_new(u->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        close(fd);
        return NULL;
    }
    h2_session *s = gs_xcalloc(1, sizeof(*s));
    s->u = u;
    s->pool = p;
    s->bev = bev;
    bufferevent_setcb(s->bev, on_h2_read, NULL, on_h2_event, s);
    if (p->tls == NULL) {
        gs_sockread_attach(&s->rd, s->bev);
        gs_sockread_setcb(&s->rd, on_h2_read, on_h2_event, s);
        gs_sockread_enable(&s->rd, true);
    } else {
        bufferevent_enable(s->bev, EV_READ | EV_WRITE);
    }
    s->pump = event_new(u->base, -1, 0, on_h2_pump, s);
    nghttp2_session_callbacks *cbs;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_send_callback(cbs, on_h2_send);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_h2_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_h2_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_h2_frame_recv);
    nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_h2_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_h2_stream_close);
    nghttp2_option *opt;
    nghttp2_option_new(&opt);
    nghttp2_option_set_no_auto_window_update(opt, 1); /* on_h2_data and the resume release it */
    nghttp2_session_client_new2(&s->ng, cbs, s, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);
    /* The stream window bounds what a paused call still receives (the stalled window, or the
     * first one given with the HEADERS, until the call grows it: h2_window_grow); the
     * connection window is released as data arrives, so it only needs to be large enough not
     * to slow the streams. */
    uint32_t window = (uint32_t)gs_gw_upstream_stalled_window(u->limits);
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1000},
                                   {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, window}};
    nghttp2_submit_settings(s->ng, NGHTTP2_FLAG_NONE, iv, 2);
    nghttp2_session_set_local_window_size(s->ng, NGHTTP2_FLAG_NONE, 0, 1 << 26);
    return s;
}

static void h2_lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static nghttp2_nv h2_nv(const char *name, size_t nlen, const char *value, size_t vlen)
{
    nghttp2_nv nv = {(uint8_t *)(uintptr_t)name, (uint8_t *)(uintptr_t)value, nlen, vlen,
                     NGHTTP2_NV_FLAG_NONE};
    return nv;
}

void gs_gw_upstream_h2_send(gs_gw_upstream *u, upstream_pool *p, gs_gw_upstream_call *c)
{
    h2_session *s = p->h2;
    if (s == NULL || s->dead) {
        s = h2_session_new(u, p);
        if (s == NULL) {
            gs_gw_upstream_call_fail_later(c, GS_ERR_IO);
            return;
        }
        p->h2 = s;
    }
    const gs_gw_request *req = c->req;
    size_t n = 4 + req->headers.len;
    nghttp2_nv *nva = gs_xcalloc(n, sizeof(*nva));
    char **lowered = gs_xcalloc(req->headers.len + 1, sizeof(char *));
    size_t k = 0;
    const char *authority = req->authority ? req->authority : p->address;
    nva[k++] = h2_nv(":method", 7, req->method, strlen(req->method));
    nva[k++] = h2_nv(":scheme", 7, "http", 4);
    nva[k++] = h2_nv(":authority", 10, authority, strlen(authority));
    nva[k++] = h2_nv(":path", 5, req->target, strlen(req->target));
    for (size_t i = 0; i < req->headers.len; i++) {
        const gs_gw_header *f = &req->headers.items[i];
        if (strcasecmp(f->name, "host") == 0 || strcasecmp(f->name, "content-length") == 0)
            continue;
        lowered[i] = gs_xstrdup(f->name);
        h2_lower(lowered[i]);
        nva[k++] = h2_nv(lowered[i], f->name_len, f->value, f->value_len);
    }
    nghttp2_data_provider prd = {.source = {.ptr = c}, .read_callback = on_h2_body_read};
    c->body_stream = req->body_open;
    bool has_body = req->body.len > 0 || req->body_open ||
                    (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0);
    int32_t id = nghttp2_submit_request(s->ng, NULL, nva, k, has_body ? &prd : NULL, c);
    for (size_t i = 0; i < req->headers.len; i++)
        free(lowered[i]);
    free(lowered);
    free(nva);
    if (id < 0) {
        /* Stream ids exhausted or the session is going away: retire it and start a fresh one. */
        s->pool = NULL;
        p->h2 = NULL;
        h2_maybe_free(s);
        if (id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE) {
            gs_gw_upstream_h2_send(u, p, c);
            return;
        }
        gs_gw_upstream_call_fail_later(c, GS_ERR_IO);
        return;
    }
    c->h2 = s;
    c->stream_id = id;
    s->n_streams++;
    h2_flush(s);
}

void gs_gw_upstream_h2_cancel(gs_gw_upstream_call *c)
{
    h2_session *s = c->h2;
    nghttp2_session_set_stream_user_data(s->ng, c->stream_id, NULL);
    nghttp2_submit_rst_stream(s->ng, NGHTTP2_FLAG_NONE, c->stream_id, NGHTTP2_CANCEL);
    c->h2 = NULL;
    gs_gw_response_clear(&c->resp);
    gs_buf_clear(&c->pending);
    free(c);
    h2_flush(s);
}

void gs_gw_upstream_h2_send_body(gs_gw_upstream_call *c, const char *data, size_t len, bool end)
{
    h2_session *s = c->h2;
    if (c->body_end)
        return;
    gs_buf *b = &c->pending;
    if (len) {
        if (c->pending_off == b->len) { /* all sent: reuse the buffer from its start */
            gs_buf_reset(b);
            c->pending_off = 0;
        } else if (c->pending_off >= (64u << 10) && c->pending_off >= b->len / 2) {
            memmove(b->data, b->data + c->pending_off, b->len - c->pending_off);
            b->len -= c->pending_off;
            c->pending_off = 0;
        }
        gs_buf_append(b, data, len);
    }
    if (end)
        c->body_end = true;
    nghttp2_session_resume_data(s->ng, c->stream_id);
    /* The frames leave on the next loop turn: the caller is inside a downstream's callbacks. */
    if (s->in_io)
        s->want_flush = true;
    else
        event_active(s->pump, 0, 0);
}

void gs_gw_upstream_h2_pause(gs_gw_upstream_call *c, bool paused)
{
    h2_session *s = c->h2;
    if (paused || c->held == 0)
        return;
    /* Reopen the stream window; the WINDOW_UPDATE leaves on the next loop turn (the resume
     * comes from inside a downstream's callbacks: no nghttp2 I/O from here). */
    nghttp2_session_consume_stream(s->ng, c->stream_id, c->held);
    c->held = 0;
    if (s->in_io)
        s->want_flush = true;
    else
        event_active(s->pump, 0, 0);
}

void gs_gw_upstream_h2_session_free(struct h2_session *s)
{
    if (s == NULL)
        return;
    int32_t last = (int32_t)nghttp2_session_get_next_stream_id(s->ng);
    for (int32_t id = 1; id > 0 && id < last; id += 2) {
        gs_gw_upstream_call *c = nghttp2_session_get_stream_user_data(s->ng, id);
        if (c) {
            nghttp2_session_set_stream_user_data(s->ng, id, NULL);
            c->h2 = NULL;
            gs_gw_upstream_call_finish(c, GS_ERR_CLOSED);
        }
    }
    nghttp2_session_del(s->ng);
    gs_sockread_detach(&s->rd);
    bufferevent_free(s->bev);
    event_free(s->pump);
    free(s);
}
