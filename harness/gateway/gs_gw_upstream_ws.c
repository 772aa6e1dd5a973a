/* SPDX-License-Identifier: MIT */
/* WebSocket to an HTTP/2 backend (appProtocol kubernetes.io/h2c): an HTTP/1.1-style upgrade
 * request (GET, Upgrade: websocket, a Sec-WebSocket-Key: what both downstream sides hand the
 * upstream layer) becomes an RFC 8441 extended CONNECT on a connection of its own, and the
 * backend's 2xx comes back as the 101 an HTTP/1.1 backend would have sent (Sec-WebSocket-Accept
 * computed from the request's key), with a byte stream as its |tunnel|. That byte stream is one
 * end of a socketpair; this file relays the other end to the CONNECT stream's DATA both ways, so
 * the downstream tunnels (HTTP/1.1 splice, HTTP/2 extended CONNECT) treat it exactly as an
 * upgraded HTTP/1.1 connection: half-close by shutdown, end by close, their budgets and idle
 * limits. docs/gateway.md, "WebSocket to an HTTP/2 backend".
 *
 * Order: connect, SETTINGS both ways; the backend's first SETTINGS must carry
 * SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (else the call fails with GS_ERR_NOT_FOUND: a 502 that
 * says so) before the CONNECT is sent. A 2xx without END_STREAM opens the tunnel; any other
 * final answer is an ordinary (buffered) response.
 *
 * Flow control, so that a slow reader on either side makes nothing pile up here: the stream's
 * receive window (H2WS_WINDOW) is reopened only once the socketpair took every byte of the
 * backend's DATA (its output empty), so at most one window waits here; client bytes are read
 * from the socketpair up to H2WS_READ_MAX at a time and only while nghttp2 can send them within
 * the backend's window (the read stops at the high watermark until the DATA left). The kernel's
 * socket buffers between the two ends are bounded too. */
#include "gs_gw_upstream_priv.h"

#include "gs_alloc.h"
#include "gs_ws.h"

#include <ctype.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* The CONNECT stream's receive window, and the most client bytes read ahead of nghttp2. */
#define H2WS_WINDOW (64u << 10)
#define H2WS_READ_MAX (64u << 10)

struct h2ws {
    gs_gw_upstream *u;
    struct h2ws *prev, *next; /* u->ws: freed with the upstream side */
    gs_gw_upstream_call *c;   /* until the answer (or a cancel): then NULL */
    bool tls;                 /* the connection is TLS (a BackendTLSPolicy) */
    bool tls_up;              /* TLS: the handshake and the certificate check succeeded */
    struct bufferevent *bev;  /* the dedicated upstream connection */
    nghttp2_session *ng;
    int32_t id;               /* the CONNECT stream (0 until submitted) */
    struct bufferevent *pipe; /* our end of the socketpair, once the tunnel opened */
    size_t held;              /* backend DATA given to |pipe| whose window is not reopened */
    bool pipe_eof;            /* the downstream shut its sending side: END_STREAM upstream */
    bool upstream_end;        /* the backend's END_STREAM: shut |pipe|'s sending side */
    bool stream_closed;       /* the CONNECT stream is closed */
    bool in_io;               /* inside nghttp2 or a pump: no freeing */
    bool want_flush;
    bool dead;                /* to be freed once out of in_io */
    bool conn_gone;           /* the upstream connection failed or closed */
    bool lingering;           /* dead, but the goodbye to the backend is still being sent */
    struct event *linger;     /* bounds that */
    struct event *pump;       /* sends queued frames on the next loop turn */
    struct event *watch;      /* after the downstream's half-close: notices its full close */
};

static void h2ws_free(h2ws *w);
static bool h2ws_goodbye(h2ws *w);

/* Frees |w| when it is dead and no nghttp2 call is on the stack (after its goodbye to the
 * backend, when one is due). */
static void h2ws_maybe_free(h2ws *w)
{
    if (w->dead && !w->in_io && !h2ws_goodbye(w))
        h2ws_free(w);
}

/* Ends everything now (or as soon as the current nghttp2 call returns): the pending call, if
 * any, fails with |err| from the loop; the upstream connection and the socketpair close. */
static void h2ws_kill(h2ws *w, int err)
{
    if (w->c) {
        gs_gw_upstream_call *c = w->c;
        w->c = NULL;
        c->ws = NULL;
        gs_gw_upstream_call_fail_later(c, err);
    }
    w->dead = true;
}

static ssize_t on_h2ws_send(nghttp2_session *ng, const uint8_t *data, size_t len, int flags,
                            void *arg)
{
    (void)ng;
    (void)flags;
    h2ws *w = arg;
    evbuffer_add(bufferevent_get_output(w->bev), data, len);
    return (ssize_t)len;
}

/* Sends what nghttp2 has queued (and what callbacks queue meanwhile); then frees |w| if it is
 * finished. Never called from inside nghttp2. */
static void h2ws_pump(h2ws *w)
{
    w->in_io = true;
    do {
        w->want_flush = false;
        if (!w->dead && nghttp2_session_send(w->ng) != 0)
            h2ws_kill(w, GS_ERR_IO);
    } while (w->want_flush && !w->dead);
    w->in_io = false;
    h2ws_maybe_free(w);
}

/* Frames to send: now, at the end of the current nghttp2 call, or on the next loop turn. */
static void h2ws_flush_later(h2ws *w)
{
    if (w->in_io)
        w->want_flush = true;
    else
        event_active(w->pump, 0, 0);
}

static void on_h2ws_pump(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    h2ws_pump(arg);
}

/* The tunnel is over once the stream is closed and the downstream has every byte of it. */
static void h2ws_maybe_done(h2ws *w)
{
    if (w->stream_closed && w->pipe &&
        evbuffer_get_length(bufferevent_get_output(w->pipe)) == 0)
        w->dead = true;
}

/* ---- the CONNECT request ---- */

static nghttp2_nv h2ws_nv(const char *name, size_t nlen, const char *value, size_t vlen)
{
    nghttp2_nv nv = {(uint8_t *)(uintptr_t)name, (uint8_t *)(uintptr_t)value, nlen, vlen,
                     NGHTTP2_NV_FLAG_NONE};
    return nv;
}

/* Fields an HTTP/2 request must not carry, or that RFC 8441 §5 leaves out of an extended
 * CONNECT (the key: over HTTP/2 there is no Sec-WebSocket-Accept). */
static bool h2ws_field_dropped(const char *name)
{
    static const char *const drop[] = {"host",       "content-length",    "connection",
                                       "keep-alive", "proxy-connection",  "transfer-encoding",
                                       "upgrade",    "te",                "sec-websocket-key"};
    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
        if (strcasecmp(name, drop[i]) == 0)
            return true;
    return false;
}

static ssize_t on_h2ws_client_read(nghttp2_session *ng, int32_t stream_id, uint8_t *buf,
                                   size_t len, uint32_t *flags, nghttp2_data_source *src,
                                   void *arg);

/* Sends the extended CONNECT for the pending call's request. */
static int h2ws_submit(h2ws *w)
{
    const gs_gw_request *req = w->c->req;
    nghttp2_nv *nva = gs_xcalloc(5 + req->headers.len, sizeof(*nva));
    char **lowered = gs_xcalloc(req->headers.len + 1, sizeof(char *));
    size_t k = 0;
    const char *authority = req->authority ? req->authority : "";
    const char *scheme = w->tls ? "https" : "http";
    nva[k++] = h2ws_nv(":method", 7, "CONNECT", 7);
    nva[k++] = h2ws_nv(":protocol", 9, "websocket", 9);
    nva[k++] = h2ws_nv(":scheme", 7, scheme, strlen(scheme));
    nva[k++] = h2ws_nv(":authority", 10, authority, strlen(authority));
    nva[k++] = h2ws_nv(":path", 5, req->target, strlen(req->target));
    for (size_t i = 0; i < req->headers.len; i++) {
        const gs_gw_header *f = &req->headers.items[i];
        if (h2ws_field_dropped(f->name))
            continue;
        lowered[i] = gs_xstrdup(f->name);
        for (char *p = lowered[i]; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        nva[k++] = h2ws_nv(lowered[i], f->name_len, f->value, f->value_len);
    }
    nghttp2_data_provider prd = {.source = {.ptr = w}, .read_callback = on_h2ws_client_read};
    int32_t id = nghttp2_submit_request(w->ng, NULL, nva, k, &prd, w);
    for (size_t i = 0; i < req->headers.len; i++)
        free(lowered[i]);
    free(lowered);
    free(nva);
    if (id < 0)
        return GS_ERR_IO;
    w->id = id;
    return 0;
}

/* ---- the socketpair (the downstream's tunnel) ---- */

/* nghttp2 asks for client bytes: what the socketpair delivered, END_STREAM after its EOF. */
static ssize_t on_h2ws_client_read(nghttp2_session *ng, int32_t stream_id, uint8_t *buf,
                                   size_t len, uint32_t *flags, nghttp2_data_source *src,
                                   void *arg)
{
    (void)ng;
    (void)stream_id;
    (void)arg;
    h2ws *w = src->ptr;
    if (w->pipe == NULL)
        return NGHTTP2_ERR_DEFERRED;
    int n = evbuffer_remove(bufferevent_get_input(w->pipe), buf, len);
    if (n > 0)
        return n;
    if (w->pipe_eof) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        return 0;
    }
    return NGHTTP2_ERR_DEFERRED;
}

static void on_h2ws_pipe_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    h2ws *w = arg;
    if (w->id > 0 && !w->stream_closed)
        nghttp2_session_resume_data(w->ng, w->id);
    h2ws_flush_later(w);
}

/* The socketpair took all the backend's bytes: reopen the stream window for them; after the
 * backend's END_STREAM, shut the downstream's input. */
static void on_h2ws_pipe_write(struct bufferevent *bev, void *arg)
{
    h2ws *w = arg;
    if (w->held && !w->stream_closed) {
        nghttp2_session_consume_stream(w->ng, w->id, w->held);
        h2ws_flush_later(w);
    }
    w->held = 0;
    if (w->upstream_end)
        shutdown(bufferevent_getfd(bev), SHUT_WR);
    h2ws_maybe_done(w);
    h2ws_maybe_free(w);
}

/* True when the downstream closed its end (not only shut its sending side): a unix stream
 * socket whose peer is gone polls as hung up. */
static bool h2ws_pipe_gone(struct bufferevent *bev)
{
    struct pollfd p = {.fd = bufferevent_getfd(bev), .events = POLLOUT};
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR));
}

/* Every H2WS_WATCH_S after the downstream shut its sending side: once it closed its end too (a
 * reset, an idle limit, a closed client), no byte can go either way: the tunnel ends, even if the
 * backend never ends its side. (After the backend's END_STREAM the stream closes on its own.) */
#define H2WS_WATCH_S 1
static void on_h2ws_watch(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    h2ws *w = arg;
    if (!w->upstream_end && h2ws_pipe_gone(w->pipe)) {
        w->dead = true;
        h2ws_maybe_free(w);
    }
}

static void on_h2ws_pipe_event(struct bufferevent *bev, short what, void *arg)
{
    h2ws *w = arg;
    bool gone = (what & BEV_EVENT_EOF) && !w->upstream_end && h2ws_pipe_gone(bev);
    if ((what & BEV_EVENT_ERROR) || gone) {
        /* The downstream's tunnel ended while the backend's side was open (a reset, an idle
         * limit, a closed client): so does the backend's stream, and its connection with it.
         * After the backend's END_STREAM, a close is the other half-close: the last client
         * bytes go out with END_STREAM below. */
        w->dead = true;
        h2ws_maybe_free(w);
        return;
    }
    if (what & BEV_EVENT_EOF) { /* half-close: the rest of the client bytes, then END_STREAM */
        bufferevent_disable(bev, EV_READ);
        w->pipe_eof = true;
        if (w->watch == NULL) {
            struct timeval tv = {H2WS_WATCH_S, 0};
            w->watch = event_new(w->u->base, -1, EV_PERSIST, on_h2ws_watch, w);
            event_add(w->watch, &tv);
        }
        if (w->id > 0 && !w->stream_closed)
            nghttp2_session_resume_data(w->ng, w->id);
        h2ws_flush_later(w);
    }
}

/* The backend's 2xx: the answer becomes a 101 carrying the accept of the request's key and the
 * downstream's end of a socketpair. Returns false when no socketpair could be made. */
static bool h2ws_open(h2ws *w)
{
    gs_gw_upstream_call *c = w->c;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
        return false;
    struct bufferevent *mine = bufferevent_socket_new(w->u->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
    struct bufferevent *theirs = bufferevent_socket_new(w->u->base, sv[1], BEV_OPT_CLOSE_ON_FREE);
    if (mine == NULL || theirs == NULL) {
        if (mine)
            bufferevent_free(mine);
        else
            close(sv[0]);
        if (theirs)
            bufferevent_free(theirs);
        else
            close(sv[1]);
        return false;
    }
    w->pipe = mine;
    bufferevent_setwatermark(mine, EV_READ, 0, H2WS_READ_MAX);
    bufferevent_setcb(mine, on_h2ws_pipe_read, on_h2ws_pipe_write, on_h2ws_pipe_event, w);
    bufferevent_enable(mine, EV_READ | EV_WRITE);
    const char *key = gs_gw_headers_get(&c->req->headers, "sec-websocket-key");
    char accept[29];
    gs_ws_accept(key ? key : "", key ? strlen(key) : 0, accept);
    gs_gw_headers_remove(&c->resp.headers, "content-length");
    gs_gw_headers_set(&c->resp.headers, "sec-websocket-accept", accept);
    c->resp.status = 101;
    c->resp.tunnel = theirs;
    w->c = NULL;
    c->ws = NULL;
    gs_gw_upstream_call_finish(c, 0);
    return true;
}

/* ---- nghttp2 callbacks ---- */

static int on_h2ws_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
                          size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                          void *arg)
{
    (void)ng;
    (void)flags;
    h2ws *w = arg;
    gs_gw_upstream_call *c = w->c;
    if (c == NULL || frame->hd.type != NGHTTP2_HEADERS || frame->hd.stream_id != w->id)
        return 0;
    if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
        int st = 0;
        for (size_t i = 0; i < valuelen && isdigit(value[i]); i++)
            st = st * 10 + (value[i] - '0');
        c->resp.status = st;
        return 0;
    }
    if (namelen && name[0] == ':')
        return 0;
    if (c->resp.status < 200 || frame->headers.cat != NGHTTP2_HCAT_RESPONSE)
        return 0; /* interim answers' and trailers' fields are not kept */
    if (c->resp.headers.bytes + namelen + valuelen > w->u->limits->max_header_bytes)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    gs_gw_headers_add_n(&c->resp.headers, (const char *)name, namelen, (const char *)value,
                        valuelen);
    return 0;
}

/* The backend's first SETTINGS decides whether the CONNECT may be sent (RFC 8441 §3). */
static void h2ws_on_settings(h2ws *w)
{
    if (w->id > 0 || w->c == NULL)
        return;
    uint32_t on = nghttp2_session_get_remote_settings(w->ng, NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL);
    if (on != 1) {
        h2ws_kill(w, GS_ERR_NOT_FOUND);
        return;
    }
    if (h2ws_submit(w) != 0)
        h2ws_kill(w, GS_ERR_IO);
}

static int on_h2ws_frame_recv(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
    (void)ng;
    h2ws *w = arg;
    if (frame->hd.type == NGHTTP2_SETTINGS && !(frame->hd.flags & NGHTTP2_FLAG_ACK)) {
        h2ws_on_settings(w);
        return 0;
    }
    if (frame->hd.stream_id != w->id || w->id == 0)
        return 0;
    bool end = (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
               (frame->hd.flags & NGHTTP2_FLAG_END_STREAM);
    gs_gw_upstream_call *c = w->c;
    if (c && frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_RESPONSE) {
        if (c->resp.status < 200) { /* interim: a final answer follows */
            c->resp.status = 0;
            return 0;
        }
        if (c->resp.status < 300 && !end) {
            if (!h2ws_open(w))
                h2ws_kill(w, GS_ERR_IO);
            return 0;
        }
    }
    if (end && c) {
        /* Any other answer is whole at the backend's END_STREAM (the CONNECT's own half stays
         * open: nothing will be sent on it); the connection closes with it. */
        w->c = NULL;
        c->ws = NULL;
        gs_gw_upstream_call_finish(c, c->resp.status >= 200 ? 0 : GS_ERR_PROTOCOL);
        w->dead = true;
        return 0;
    }
    if (end && w->pipe) {
        w->upstream_end = true;
        if (evbuffer_get_length(bufferevent_get_output(w->pipe)) == 0)
            shutdown(bufferevent_getfd(w->pipe), SHUT_WR);
    }
    return 0;
}

/* Backend DATA: before the tunnel, the body of an ordinary answer (buffered within
 * max_response_body); in the tunnel, bytes for the socketpair, whose window reopens once it
 * took them all. The connection window is released at once (one stream on it). */
static int on_h2ws_data(nghttp2_session *ng, uint8_t flags, int32_t stream_id, const uint8_t *data,
                        size_t len, void *arg)
{
    (void)flags;
    h2ws *w = arg;
    nghttp2_session_consume_connection(ng, len);
    if (stream_id != w->id)
        return 0;
    if (w->pipe) {
        bufferevent_write(w->pipe, data, len);
        w->held += len;
        return 0;
    }
    gs_gw_upstream_call *c = w->c;
    nghttp2_session_consume_stream(ng, stream_id, len);
    if (c == NULL)
        return 0;
    if (c->resp.body.len + len > w->u->limits->max_response_body) {
        h2ws_kill(w, GS_ERR_RANGE);
        return 0;
    }
    gs_buf_append(&c->resp.body, data, len);
    return 0;
}

static int on_h2ws_stream_close(nghttp2_session *ng, int32_t stream_id, uint32_t error_code,
                                void *arg)
{
    (void)ng;
    h2ws *w = arg;
    if (stream_id != w->id)
        return 0;
    w->stream_closed = true;
    if (w->c) { /* no answer: the backend reset the CONNECT */
        h2ws_kill(w, GS_ERR_IO);
        return 0;
    }
    if (error_code != NGHTTP2_NO_ERROR) /* a reset tunnel: what waits for the client goes too */
        w->dead = true;
    h2ws_maybe_done(w);
    return 0;
}

/* ---- the upstream connection ---- */

static void on_h2ws_read(struct bufferevent *bev, void *arg)
{
    h2ws *w = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    w->in_io = true;
    size_t len = evbuffer_get_length(in);
    ssize_t n = nghttp2_session_mem_recv(w->ng, evbuffer_pullup(in, -1), len);
    if (n < 0)
        h2ws_kill(w, GS_ERR_PROTOCOL);
    else
        evbuffer_drain(in, (size_t)n);
    w->in_io = false;
    h2ws_pump(w);
}

static void on_h2ws_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    h2ws *w = arg;
    if (what & BEV_EVENT_CONNECTED) {
        w->u->stats.connects++;
        w->tls_up = true;
        return;
    }
    w->conn_gone = true;
    bool tls_failed = w->tls && !w->tls_up;
    if (tls_failed)
        w->u->stats.tls_failures++;
    h2ws_kill(w, tls_failed ? GS_ERR_TLS : GS_ERR_IO);
    h2ws_maybe_free(w);
}

static nghttp2_session *h2ws_session_new(h2ws *w)
{
    nghttp2_session_callbacks *cbs;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_send_callback(cbs, on_h2ws_send);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_h2ws_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_h2ws_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_h2ws_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_h2ws_stream_close);
    nghttp2_option *opt;
    nghttp2_option_new(&opt);
    nghttp2_option_set_no_auto_window_update(opt, 1); /* on_h2ws_data and the pipe release it */
    nghttp2_session *ng = NULL;
    nghttp2_session_client_new2(&ng, cbs, w, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                   {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, H2WS_WINDOW}};
    nghttp2_submit_settings(ng, NGHTTP2_FLAG_NONE, iv, 2);
    return ng;
}

/* ---- the goodbye: a tunnel ended by its client (or a cancelled CONNECT) ---- */

/* The most the goodbye may take before the connection is closed anyway. */
#define H2WS_LINGER_MS 1000

static void on_h2ws_linger_read(struct bufferevent *bev, void *arg)
{
    (void)arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    evbuffer_drain(in, evbuffer_get_length(in)); /* nothing more is read */
}

/* The goodbye left (the output drained), the connection failed, or its time is up. */
static void on_h2ws_linger_written(struct bufferevent *bev, void *arg)
{
    (void)bev;
    h2ws_free(arg);
}

static void on_h2ws_linger_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    (void)what;
    h2ws_free(arg);
}

static void on_h2ws_linger_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    h2ws_free(arg);
}

/* A dead tunnel whose CONNECT stream is still open on a working connection tells the backend
 * before the connection closes: RST_STREAM(CANCEL) and GOAWAY(NO_ERROR) (RFC 9113 §8.1, §6.8),
 * so it learns the stream was abandoned rather than seeing a bare EOF. Returns true when |w|
 * waits for that to be written (bounded by H2WS_LINGER_MS), then frees itself; false when
 * nothing is due (or the goodbye is already on its way: the caller must not free |w|). */
static bool h2ws_goodbye(h2ws *w)
{
    if (w->lingering)
        return true;
    if (w->id <= 0 || w->stream_closed || w->conn_gone || (w->tls && !w->tls_up))
        return false;
    w->lingering = true;
    if (w->pipe) { /* the downstream's tunnel is over */
        bufferevent_free(w->pipe);
        w->pipe = NULL;
    }
    nghttp2_submit_rst_stream(w->ng, NGHTTP2_FLAG_NONE, w->id, NGHTTP2_CANCEL);
    nghttp2_submit_goaway(w->ng, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, NULL, 0);
    w->in_io = true;
    int rc = nghttp2_session_send(w->ng);
    w->in_io = false;
    struct timeval tv = {H2WS_LINGER_MS / 1000, (H2WS_LINGER_MS % 1000) * 1000};
    w->linger = evtimer_new(w->u->base, on_h2ws_linger_timeout, w);
    if (rc != 0 || w->linger == NULL ||
        evbuffer_get_length(bufferevent_get_output(w->bev)) == 0) {
        w->lingering = false; /* nothing to wait for: freed by the caller */
        return false;
    }
    bufferevent_setwatermark(w->bev, EV_WRITE, 0, 0);
    bufferevent_setcb(w->bev, on_h2ws_linger_read, on_h2ws_linger_written, on_h2ws_linger_event,
                      w);
    bufferevent_enable(w->bev, EV_READ | EV_WRITE);
    evtimer_add(w->linger, &tv);
    return true;
}

void gs_gw_upstream_ws_send(gs_gw_upstream *u, upstream_pool *p, gs_gw_upstream_call *c)
{
    int fd = gs_gw_upstream_connect_fd(p);
    if (fd < 0) {
        gs_gw_upstream_call_fail_later(c, GS_ERR_IO);
        return;
    }
    struct bufferevent *bev = p->tls ? gs_gw_upstream_tls_bev(u, p, fd, true)
                                     : bufferevent_socket_new(u->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        close(fd);
        gs_gw_upstream_call_fail_later(c, GS_ERR_IO);
        return;
    }
    h2ws *w = gs_xcalloc(1, sizeof(*w));
    w->u = u;
    w->c = c;
    w->tls = p->tls != NULL;
    w->bev = bev;
    w->next = u->ws;
    if (u->ws)
        u->ws->prev = w;
    u->ws = w;
    if (!w->tls)
        u->stats.connects++;
    c->ws = w;
    w->pump = event_new(u->base, -1, 0, on_h2ws_pump, w);
    w->ng = h2ws_session_new(w);
    bufferevent_setcb(bev, on_h2ws_read, NULL, on_h2ws_event, w);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    h2ws_pump(w);
}

void gs_gw_upstream_ws_cancel(gs_gw_upstream_call *c)
{
    h2ws *w = c->ws;
    w->c = NULL;
    c->ws = NULL;
    gs_gw_response_clear(&c->resp);
    gs_buf_clear(&c->pending);
    free(c);
    w->dead = true;
    h2ws_maybe_free(w);
}

static void h2ws_free(h2ws *w)
{
    if (w->c) { /* only at shutdown: a pending call ends now */
        gs_gw_upstream_call *c = w->c;
        w->c = NULL;
        c->ws = NULL;
        gs_gw_upstream_call_finish(c, GS_ERR_CLOSED);
    }
    if (w->prev)
        w->prev->next = w->next;
    else
        w->u->ws = w->next;
    if (w->next)
        w->next->prev = w->prev;
    nghttp2_session_del(w->ng);
    bufferevent_free(w->bev);
    if (w->pipe)
        bufferevent_free(w->pipe);
    event_free(w->pump);
    if (w->watch)
        event_free(w->watch);
    if (w->linger)
        event_free(w->linger);
    free(w);
}

void gs_gw_upstream_ws_free_all(gs_gw_upstream *u)
{
    while (u->ws)
        h2ws_free(u->ws);
}
