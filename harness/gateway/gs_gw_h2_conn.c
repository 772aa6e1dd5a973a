/* SPDX-License-Identifier: MIT */
/* HTTP/2 downstream side (h2c prior knowledge or upgrade, h2 over TLS) on nghttp2's server session:
 * streams collect a request, run an exchange, and send the response (streamed, with trailers for
 * gRPC). gRPC calls are dispatched at their HEADERS and their body streams to the exchange, with
 * the stream window reopened only as the upstream takes the bytes.
 * Bounded against hostile clients (docs/gateway.md, "Limits under hostile clients"):
 * - concurrent streams capped by SETTINGS; a header list over max_header_bytes (an HPACK bomb,
 *   a CONTINUATION flood) closes the connection with GOAWAY(ENHANCE_YOUR_CALM);
 * - request bodies held (buffered, or streamed and not yet taken upstream) are charged to a
 *   connection and a process budget (gs_gw_budget); a stream that would go over is answered 413
 *   (buffered) or reset (streamed). Stream windows reopen only for bytes a budget accepted
 *   (buffered) or the upstream took (streamed);
 * - response data waiting for a slow reader is charged to a connection and a process budget; a
 *   stream that would go over is reset, and a connection that holds data without taking any of
 *   it for hold_timeout is closed; new streams are refused before any upstream work while half
 *   the connection's budget is held, or while its client can take no data and has its share of
 *   streams waiting (h2d_zero_window_full);
 * - a client resetting streams faster than the per-connection or the per-address limit (rapid
 *   reset, CVE-2023-44487) gets GOAWAY(ENHANCE_YOUR_CALM), and an address over its budget has
 *   new connections refused for a while (gs_gw_addrlim). Complete requests are dispatched after
 *   the whole read was processed, so one reset in the same read costs no upstream work;
 * - a header block must arrive within header_timeout in total; the idle timeout counts whole
 *   frames, so trickled bytes do not keep a connection.
 * WebSocket over HTTP/2 (RFC 8441): SETTINGS_ENABLE_CONNECT_PROTOCOL is sent; an extended CONNECT
 * with :protocol websocket goes upstream as an HTTP/1.1 GET with Upgrade: websocket and a key of
 * the gateway's own (an h2c backend gets an extended CONNECT instead, and its 2xx comes back as
 * such a 101: gs_gw_upstream_ws.c); a 101 with the right Sec-WebSocket-Accept is answered 200 and the stream's
 * DATA and the upstream connection become one tunnel (h2d_ws_*): the client's bytes reach the
 * upstream with the stream window reopened only as they are written (at most the window in
 * flight), the upstream's are read while less than 1 MiB waits for the client (charged to the
 * held-response budgets, so the hold timeout covers a client that never reads). A tunnel that
 * carried no byte either way for gs_gw_tunnel_idle_ms is reset (CANCEL), its upstream closed. */
#include "gs_gw_conn.h"
#include "gs_gw_reqbuild.h"
#include "gs_sockread.h"
#include "gs_gw_timer.h"

#include "gs_alloc.h"
#include "gs_gw_budget.h"
#include "gs_gw_fsm.h"
#include "gs_h1.h"
#include "gs_log.h"
#include "gs_time.h"
#include "gs_ws.h"

#include <ctype.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <nghttp2/nghttp2.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define H2D_RESET_WINDOW_NS (10 * GS_NS_PER_S)
/* Encoded frames waiting for the socket: at most this much per connection, and over
 * H2D_OUT_SHARE of the process's held-response budget in all connections together, at most
 * H2D_OUT_MIN per connection (each still makes progress as its own output drains). */
#define H2D_OUT_MAX (1u << 20)
#define H2D_OUT_MIN (64u << 10)
/* WebSocket tunnels: upstream bytes read ahead of the client at most; client bytes sent before
 * the upstream switched protocols, kept at most. */
#define H2D_WS_READ_MAX (1u << 20)
#define H2D_WS_EARLY_MAX (64u << 10)

typedef struct h2d_stream h2d_stream;

/* A stream has two machines that run side by side (a gRPC call sends its response while its
 * request body still arrives): the request's and the response's. Each changes only through its
 * setter, checked against the table of legal previous states (gs_gw_fsm.h). */
typedef enum h2d_req_state {
    H2D_REQ_RECV = 0,    /* the head, then the body, arrive and are kept */
    H2D_REQ_QUEUED,      /* whole: dispatched after the current read (h2d_dispatch_queued) */
    H2D_REQ_QUEUED_OPEN, /* a gRPC call's HEADERS: dispatched after the current read, while its
                            body goes on arriving */
    H2D_REQ_OPEN,        /* dispatched; the body streams to the exchange until END_STREAM */
    H2D_REQ_DISPATCHED,  /* dispatched (or reset) with nothing more to take from the client */
    H2D_REQ_REFUSED,     /* answered or reset before its body ended: the rest is dropped, and
                            the response's end resets the stream (RST_STREAM NO_ERROR) */
} h2d_req_state;

static const char *const h2d_req_state_names[] = {"recv", "queued",     "queued-open",
                                                  "open", "dispatched", "refused"};

typedef enum h2d_resp_state {
    H2D_RESP_WAIT = 0,   /* no response yet */
    H2D_RESP_WHOLE,      /* a whole response handed to nghttp2 (read from s->resp.body) */
    H2D_RESP_STREAMING,  /* the head went out; body pieces arrive from the exchange */
    H2D_RESP_ENDED,      /* a streamed body is complete, or was cut: nothing more comes */
} h2d_resp_state;

static const char *const h2d_resp_state_names[] = {"wait", "whole", "streaming", "ended"};

typedef struct h2d {
    gs_gw_conn *conn;
    h2d_stream *streams; /* live streams, so closing the connection frees each once */
    nghttp2_session *ng;
    uint32_t resets;
    int64_t reset_window_start;
    bool in_io;
    bool dead;
    bool direct;       /* plain socket: read by |rd| */
    struct evbuffer_cb_entry *out_cb; /* keeps h2d_out_total */
    struct event *pump; /* sends WINDOW_UPDATEs on the next loop turn (request body taken) */
    gs_sockread rd; /* reads without libevent's FIONREAD probe */
    gs_gw_timer idle;  /* no whole frame from the client for twice the idle timeout: close */
    gs_gw_timer stall; /* response data held and none taken for hold_timeout: close */
    gs_gw_budget bodies; /* request bodies held on this connection */
    gs_gw_budget held;   /* response data waiting for this client */
    int32_t header_stream; /* the stream whose header block is arriving (0: none) */
    bool queued;           /* some stream waits for h2d_dispatch_queued */
} h2d;

struct h2d_stream {
    h2d *h;
    h2d_stream *prev, *next;
    int32_t id;
    gs_gw_request req;
    size_t header_bytes;
    gs_gw_exchange *ex;
    gs_gw_response resp;
    size_t sent;
    h2d_req_state req_state;
    h2d_resp_state resp_state;
    bool head;   /* a HEAD request: the response has no body (the request itself was handed over) */
    bool paused; /* upstream reading paused until the client takes more */
    size_t resume_below; /* paused: resumed once less than this waits for the client */
    size_t body_held;    /* request body bytes charged to the budgets */
    size_t resp_held;    /* response bytes charged to the budgets (waiting for the client) */
    /* WebSocket over HTTP/2 (RFC 8441): the :protocol received, the Sec-WebSocket-Accept the
     * upstream must answer, the upstream connection once it switched (owned), client bytes
     * before that, client bytes written to the upstream whose window is not reopened yet */
    char *protocol;
    bool ws, ws_upstream_end, ws_client_end;
    char ws_accept[29];
    struct bufferevent *tunnel;
    gs_buf ws_early;
    size_t ws_unconsumed;
    gs_gw_timer ws_idle; /* the tunnel carried no byte either way for its idle limit: reset */
};

static void h2d_flush(h2d *h);
static void h2d_after_io(h2d *h);

static void h2d_set_req_state(h2d_stream *s, h2d_req_state next)
{
    static const unsigned legal_from[] = {
        [H2D_REQ_RECV] = 0,
        [H2D_REQ_QUEUED] = GS_GW_FSM_FROM(H2D_REQ_RECV) | GS_GW_FSM_FROM(H2D_REQ_QUEUED_OPEN),
        [H2D_REQ_QUEUED_OPEN] = GS_GW_FSM_FROM(H2D_REQ_RECV),
        [H2D_REQ_OPEN] = GS_GW_FSM_FROM(H2D_REQ_QUEUED_OPEN),
        [H2D_REQ_DISPATCHED] = GS_GW_FSM_FROM(H2D_REQ_RECV) | GS_GW_FSM_FROM(H2D_REQ_QUEUED) |
                               GS_GW_FSM_FROM(H2D_REQ_OPEN) | GS_GW_FSM_FROM(H2D_REQ_REFUSED),
        [H2D_REQ_REFUSED] = GS_GW_FSM_FROM(H2D_REQ_RECV) | GS_GW_FSM_FROM(H2D_REQ_QUEUED_OPEN) |
                            GS_GW_FSM_FROM(H2D_REQ_OPEN),
    };
    gs_gw_fsm_check("http2 request", h2d_req_state_names, legal_from, s->req_state, next);
    s->req_state = next;
}

static void h2d_set_resp_state(h2d_stream *s, h2d_resp_state next)
{
    static const unsigned legal_from[] = {
        [H2D_RESP_WAIT] = 0,
        [H2D_RESP_WHOLE] = GS_GW_FSM_FROM(H2D_RESP_WAIT),
        [H2D_RESP_STREAMING] = GS_GW_FSM_FROM(H2D_RESP_WAIT),
        [H2D_RESP_ENDED] = GS_GW_FSM_FROM(H2D_RESP_STREAMING),
    };
    gs_gw_fsm_check("http2 response", h2d_resp_state_names, legal_from, s->resp_state, next);
    s->resp_state = next;
}

/* Waiting for h2d_dispatch_queued. */
static bool h2d_req_queued(const h2d_stream *s)
{
    return s->req_state == H2D_REQ_QUEUED || s->req_state == H2D_REQ_QUEUED_OPEN;
}

/* Handed to an exchange (or answered, or reset): the client's request is no longer kept here. */
static bool h2d_req_dispatched(const h2d_stream *s)
{
    return s->req_state >= H2D_REQ_OPEN;
}

/* The request body still streams from the client to the exchange (gRPC). */
static bool h2d_req_open(const h2d_stream *s)
{
    return s->req_state == H2D_REQ_QUEUED_OPEN || s->req_state == H2D_REQ_OPEN;
}

/* Dispatched (or refused at dispatch): a gRPC call whose body still arrives stays open. */
static void h2d_req_dispatch(h2d_stream *s)
{
    h2d_set_req_state(s, s->req_state == H2D_REQ_QUEUED_OPEN ? H2D_REQ_OPEN : H2D_REQ_DISPATCHED);
}

/* Total of all connections' encoded output waiting for sockets (see H2D_OUT_MAX). */
static size_t h2d_out_total;

static gs_gw_guards *h2d_guards(h2d *h)
{
    return &h->conn->rt->guards;
}

/* Charges |n| request body bytes of |s|; false when a budget is spent. */
static bool h2d_body_take(h2d_stream *s, size_t n)
{
    if (!gs_gw_budget_take(&s->h->bodies, &h2d_guards(s->h)->request_bodies, n))
        return false;
    s->body_held += n;
    return true;
}

static void h2d_body_give(h2d_stream *s, size_t n)
{
    if (n > s->body_held)
        n = s->body_held;
    s->body_held -= n;
    gs_gw_budget_give(&s->h->bodies, &h2d_guards(s->h)->request_bodies, n);
}

/* Charges |n| response bytes waiting for |s|'s client; false when a budget is spent. The stall
 * clock starts when the connection begins to hold data. */
static bool h2d_resp_take(h2d_stream *s, size_t n)
{
    h2d *h = s->h;
    bool was_empty = h->held.used == 0;
    if (!gs_gw_budget_take(&h->held, &h2d_guards(h)->held_responses, n))
        return false;
    s->resp_held += n;
    if (was_empty && n)
        gs_gw_timer_set(&h->stall, h->conn->rt->limits.hold_timeout_ms);
    return true;
}

/* |n| response bytes of |s| went to nghttp2 (or were dropped): the client is taking data. */
static void h2d_resp_give(h2d_stream *s, size_t n)
{
    h2d *h = s->h;
    if (n > s->resp_held)
        n = s->resp_held;
    s->resp_held -= n;
    gs_gw_budget_give(&h->held, &h2d_guards(h)->held_responses, n);
    if (n && h->held.used)
        gs_gw_timer_set(&h->stall, h->conn->rt->limits.hold_timeout_ms);
}

static void h2d_stream_free(h2d_stream *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        s->h->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    gs_gw_exchange_cancel(s->ex);
    if (h2d_req_queued(s)) /* reset before its dispatch: no upstream work was started */
        s->h->conn->rt->counters.cancelled_before_send++;
    h2d_body_give(s, s->body_held);
    h2d_resp_give(s, s->resp_held);
    if (s->h->header_stream == s->id) {
        s->h->header_stream = 0;
        gs_gw_conn_deadline_stop(s->h->conn);
    }
    /* A buffered request body or a response held for the client can be MiB: given back in
     * slices, not inside this callback (a closing connection frees all its streams at once). */
    gs_gw_release_buf(&h2d_guards(s->h)->release, &s->req.body);
    gs_gw_release_buf(&h2d_guards(s->h)->release, &s->resp.body);
    if (s->tunnel)
        bufferevent_free(s->tunnel);
    gs_gw_timer_deinit(&s->ws_idle);
    free(s->protocol);
    gs_buf_clear(&s->ws_early);
    gs_gw_request_clear(&s->req);
    gs_gw_response_clear(&s->resp);
    free(s);
}

static ssize_t on_h2d_send(nghttp2_session *ng, const uint8_t *data, size_t len, int flags,
                           void *arg)
{
    (void)ng;
    (void)flags;
    h2d *h = arg;
    struct evbuffer *out = bufferevent_get_output(h->conn->bev);
    size_t queued = evbuffer_get_length(out);
    if (queued > H2D_OUT_MAX ||
        (queued > H2D_OUT_MIN &&
         h2d_out_total > h2d_guards(h)->held_responses.limit / 4))
        return NGHTTP2_ERR_WOULDBLOCK; /* the client is not reading: wait for the drain */
    evbuffer_add(out, data, len);
    return (ssize_t)len;
}

/* A new live stream |id| (its request still empty). */
static h2d_stream *h2d_stream_new(h2d *h, int32_t id)
{
    h2d_stream *s = gs_xcalloc(1, sizeof(*s));
    s->h = h;
    s->id = id;
    s->next = h->streams;
    if (h->streams)
        h->streams->prev = s;
    h->streams = s;
    s->req.http2 = true;
    return s;
}

static int on_h2d_begin_headers(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
    h2d *h = arg;
    if (frame->hd.type != NGHTTP2_HEADERS)
        return 0;
    /* The block (HEADERS and its CONTINUATIONs) must be whole within the header timeout. */
    h->header_stream = frame->hd.stream_id;
    gs_gw_conn_deadline_set(h->conn);
    if (frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    h2d_stream *s = h2d_stream_new(h, frame->hd.stream_id);
    s->req.scheme = gs_xstrdup(h->conn->listen->protocol == GS_RT_PROTO_HTTPS ? "https" : "http");
    nghttp2_session_set_stream_user_data(ng, s->id, s);
    return 0;
}

static int on_h2d_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
                         size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                         void *arg)
{
    (void)flags;
    h2d *h = arg;
    h2d_stream *s = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (s == NULL || h2d_req_dispatched(s))
        return 0;
    s->header_bytes += namelen + valuelen + 32;
    if (s->header_bytes > h->conn->rt->limits.max_header_bytes) {
        /* Over the SETTINGS_MAX_HEADER_LIST_SIZE we announced: an HPACK bomb or a CONTINUATION
         * flood costs decoding time for nothing, so the connection goes, not only the stream. */
        h->conn->rt->counters.header_abuse_closed++;
        nghttp2_session_terminate_session(ng, NGHTTP2_ENHANCE_YOUR_CALM);
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* RST_STREAM */
    }
    const char *n = (const char *)name;
    const char *v = (const char *)value;
    if (frame->headers.cat == NGHTTP2_HCAT_HEADERS) { /* trailers */
        gs_gw_headers_add_n(&s->req.trailers, n, namelen, v, valuelen);
        return 0;
    }
    if (namelen && n[0] == ':') {
        char **slot = NULL;
        if (namelen == 7 && memcmp(n, ":method", 7) == 0)
            slot = &s->req.method;
        else if (namelen == 5 && memcmp(n, ":path", 5) == 0)
            slot = &s->req.target;
        else if (namelen == 10 && memcmp(n, ":authority", 10) == 0)
            slot = &s->req.authority;
        else if (namelen == 9 && memcmp(n, ":protocol", 9) == 0)
            slot = &s->protocol;
        if (slot) {
            free(*slot);
            *slot = gs_xstrndup(v, valuelen);
        }
        return 0;
    }
    if (namelen == 4 && memcmp(n, "host", 4) == 0) {
        if (s->req.authority == NULL)
            s->req.authority = gs_xstrndup(v, valuelen);
        return 0;
    }
    gs_gw_headers_add_n(&s->req.headers, n, namelen, v, valuelen);
    return 0;
}

/* At the end of a body: sends the response trailers (gRPC status) if there are any. */
static void h2d_submit_trailers(nghttp2_session *ng, h2d_stream *s, uint32_t *flags)
{
    if (s->resp.trailers.len == 0)
        return;
    *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
    size_t k = s->resp.trailers.len;
    nghttp2_nv *nva = gs_xcalloc(k, sizeof(*nva));
    for (size_t i = 0; i < k; i++) {
        gs_gw_header *f = &s->resp.trailers.items[i];
        for (char *p = f->name; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        nva[i] = (nghttp2_nv){(uint8_t *)f->name, (uint8_t *)f->value, f->name_len, f->value_len,
                              NGHTTP2_NV_FLAG_NONE};
    }
    nghttp2_submit_trailer(ng, s->id, nva, k);
    free(nva);
}

static ssize_t on_h2d_body_read(nghttp2_session *ng, int32_t stream_id, uint8_t *buf, size_t len,
                                uint32_t *flags, nghttp2_data_source *src, void *arg)
{
    (void)arg;
    (void)stream_id;
    h2d_stream *s = src->ptr;
    size_t left = s->resp.body.len - s->sent;
    size_t n = left < len ? left : len;
    if (n)
        memcpy(buf, s->resp.body.data + s->sent, n);
    s->sent += n;
    h2d_resp_give(s, n);
    if (s->resp_state != H2D_RESP_WHOLE) {
        if (s->paused && s->resp.body.len - s->sent < s->resume_below) {
            s->paused = false;
            gs_gw_exchange_pause(s->ex, false);
        }
        if (s->sent < s->resp.body.len)
            return (ssize_t)n;
        if (s->resp_state == H2D_RESP_STREAMING)
            return n ? (ssize_t)n : NGHTTP2_ERR_DEFERRED; /* more to come: on_h2d_data resumes */
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        h2d_submit_trailers(ng, s, flags);
        return (ssize_t)n;
    }
    if (s->sent == s->resp.body.len) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        h2d_submit_trailers(ng, s, flags);
    }
    return (ssize_t)n;
}

static bool h2d_ws_open(h2d_stream *s, gs_gw_response *resp);

/* Fires with the exchange's response (once); returns the status the client is answered. */
static int on_h2d_response(void *arg, gs_gw_response *resp)
{
    h2d_stream *s = arg;
    h2d *h = s->h;
    s->ex = NULL;
    if (s->ws && h2d_ws_open(s, resp))
        return 200;
    h2d_set_resp_state(s, H2D_RESP_WHOLE);
    s->resp = *resp;
    memset(resp, 0, sizeof(*resp));
    gs_gw_response *r = &s->resp;
    size_t k = 0;
    nghttp2_nv *nva = gs_xcalloc(r->headers.len + 1, sizeof(*nva));
    static char status_name[] = ":status";
    char status[16];
    int answered = r->status > 0 && r->status < 1000 ? r->status : 502;
    snprintf(status, sizeof(status), "%d", answered);
    nva[k++] = (nghttp2_nv){(uint8_t *)status_name, (uint8_t *)status, 7, strlen(status),
                            NGHTTP2_NV_FLAG_NONE};
    for (size_t i = 0; i < r->headers.len; i++) {
        gs_gw_header *f = &r->headers.items[i];
        for (char *p = f->name; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (strcmp(f->name, "connection") == 0 || strcmp(f->name, "transfer-encoding") == 0 ||
            strcmp(f->name, "keep-alive") == 0 || strcmp(f->name, "upgrade") == 0 ||
            strcmp(f->name, "content-length") == 0)
            continue;
        nva[k++] = (nghttp2_nv){(uint8_t *)f->name, (uint8_t *)f->value, f->name_len, f->value_len,
                                NGHTTP2_NV_FLAG_NONE};
    }
    bool body = (r->body.len > 0 || r->trailers.len > 0) && !s->head;
    if (body && !h2d_resp_take(s, r->body.len)) {
        /* Waiting data over the connection's or the process's budget: not queued at all. */
        free(nva);
        h->conn->rt->counters.held_budget_reset++;
        nghttp2_submit_rst_stream(h->ng, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_ENHANCE_YOUR_CALM);
        if (!h->in_io)
            h2d_flush(h);
        return answered; /* counted as decided; held_budget_reset says it was reset */
    }
    nghttp2_data_provider prd = {.source = {.ptr = s}, .read_callback = on_h2d_body_read};
    nghttp2_submit_response(h->ng, s->id, nva, k, body ? &prd : NULL);
    free(nva);
    if (!h->in_io)
        h2d_flush(h);
    return answered;
}

/* Streaming: the head of an upstream response whose body follows. */
static void on_h2d_head(void *arg, gs_gw_response *resp)
{
    h2d_stream *s = arg;
    h2d *h = s->h;
    gs_gw_response_clear(&s->resp);
    s->resp.status = resp->status;
    s->resp.headers = resp->headers;
    memset(&resp->headers, 0, sizeof(resp->headers));
    h2d_set_resp_state(s, H2D_RESP_STREAMING);
    gs_gw_response *r = &s->resp;
    nghttp2_nv *nva = gs_xcalloc(r->headers.len + 1, sizeof(*nva));
    size_t k = 0;
    static char status_name[] = ":status";
    char status[16];
    snprintf(status, sizeof(status), "%d", r->status >= 200 && r->status < 1000 ? r->status : 502);
    nva[k++] = (nghttp2_nv){(uint8_t *)status_name, (uint8_t *)status, 7, strlen(status),
                            NGHTTP2_NV_FLAG_NONE};
    for (size_t i = 0; i < r->headers.len; i++) {
        gs_gw_header *f = &r->headers.items[i];
        for (char *p = f->name; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (strcmp(f->name, "connection") == 0 || strcmp(f->name, "transfer-encoding") == 0 ||
            strcmp(f->name, "keep-alive") == 0 || strcmp(f->name, "upgrade") == 0)
            continue;
        nva[k++] = (nghttp2_nv){(uint8_t *)f->name, (uint8_t *)f->value, f->name_len, f->value_len,
                                NGHTTP2_NV_FLAG_NONE};
    }
    bool body = !(s->head || r->status == 204 || r->status == 304);
    nghttp2_data_provider prd = {.source = {.ptr = s}, .read_callback = on_h2d_body_read};
    nghttp2_submit_response(h->ng, s->id, nva, k, body ? &prd : NULL);
    free(nva);
    if (!body)
        h2d_set_resp_state(s, H2D_RESP_ENDED);
    if (!h->in_io)
        h2d_flush(h);
}

/* How much response body may wait for |s|'s client before its exchange is paused: the pause
 * size, or, while the client can take nothing on the stream (a zero stream or connection
 * window: it announced one, the zero-window attack, or it stopped reading), the stalled size,
 * small enough that an HTTP/2 upstream sends no more than its first stream window
 * (gs_gw_upstream_first_window) for a client that may never read. */
static size_t h2d_pause_at(const h2d_stream *s)
{
    const gs_gw_limits *lim = &s->h->conn->rt->limits;
    nghttp2_session *ng = s->h->ng;
    if (nghttp2_session_get_stream_remote_window_size(ng, s->id) <= 0 ||
        nghttp2_session_get_remote_window_size(ng) <= 0)
        return gs_gw_upstream_stalled_bytes(lim);
    return gs_gw_upstream_pause_bytes(lim);
}

/* Streaming: a piece of the response body. The client's flow control paces the upstream: more
 * than h2d_pause_at waiting for the client pauses the exchange, and on_h2d_body_read resumes it
 * once nghttp2 sent all but a quarter of that. */
static void on_h2d_body_data(void *arg, const char *data, size_t len)
{
    h2d_stream *s = arg;
    h2d *h = s->h;
    if (s->resp_state == H2D_RESP_ENDED || len == 0)
        return;
    gs_buf *b = &s->resp.body;
    if (s->sent == b->len) { /* all sent: reuse the buffer from its start */
        gs_buf_reset(b);
        s->sent = 0;
    } else if (s->sent >= (64u << 10) && s->sent >= b->len / 2) {
        /* Paused and resumed without ever running dry: drop the sent part, or the buffer would
         * grow with the whole body. */
        memmove(b->data, b->data + s->sent, b->len - s->sent);
        b->len -= s->sent;
        b->data[b->len] = '\0';
        s->sent = 0;
    }
    bool fits = h2d_resp_take(s, len);
    if (fits)
        gs_buf_append(b, data, len);
    else
        h->conn->rt->counters.held_budget_reset++;
    if (!fits || b->len - s->sent > h->conn->rt->limits.max_response_body) {
        /* Past the pause, only an upstream that ignores it gets here (a pause stops HTTP/1.1
         * reading and closes the HTTP/2 stream window), or a client that holds too much
         * across its streams, or all clients together: cut the stream. */
        gs_gw_exchange_cancel(s->ex);
        s->ex = NULL;
        h2d_set_resp_state(s, H2D_RESP_ENDED);
        nghttp2_submit_rst_stream(h->ng, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
        if (!h->in_io)
            h2d_flush(h);
        return;
    }
    nghttp2_session_resume_data(h->ng, s->id);
    size_t pause_at = s->paused ? 0 : h2d_pause_at(s);
    if (!s->paused && b->len - s->sent > pause_at) {
        s->paused = true;
        s->resume_below = pause_at / 4;
        gs_gw_exchange_pause(s->ex, true);
    }
    if (!h->in_io)
        h2d_flush(h);
}

/* Streaming: the end of the body, or a cut (RST_STREAM). */
static void on_h2d_end(void *arg, gs_gw_headers *trailers, int err)
{
    h2d_stream *s = arg;
    h2d *h = s->h;
    s->ex = NULL;
    if (!err && trailers && trailers->len) {
        gs_gw_headers_clear(&s->resp.trailers);
        s->resp.trailers = *trailers;
        memset(trailers, 0, sizeof(*trailers));
    }
    if (err) {
        nghttp2_submit_rst_stream(h->ng, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
    } else if (s->resp_state == H2D_RESP_STREAMING) {
        h2d_set_resp_state(s, H2D_RESP_ENDED);
        nghttp2_session_resume_data(h->ng, s->id);
    }
    if (!h->in_io)
        h2d_flush(h);
}

static void on_h2d_body_taken(void *arg, size_t len);

static const gs_gw_sink h2d_sink = {on_h2d_response, on_h2d_head, on_h2d_body_data, on_h2d_end,
                                    on_h2d_body_taken};

/* ---- WebSocket over HTTP/2 (RFC 8441) ---- */

/* An extended CONNECT becomes the HTTP/1.1 upgrade the upstream is sent: GET, Upgrade:
 * websocket, a fresh Sec-WebSocket-Key (Sec-WebSocket-Version and the other fields as the client
 * sent them). NULL, or why the request cannot be taken. */
static const char *h2d_ws_request(h2d_stream *s)
{
    if (strcmp(s->req.method, "CONNECT") != 0)
        return ":protocol on a request other than CONNECT";
    if (!gs_h1_strieq(s->protocol, strlen(s->protocol), "websocket"))
        return "extended CONNECT for a protocol other than websocket";
    uint8_t raw[16];
    char key[25];
    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return "no random bytes for Sec-WebSocket-Key";
    EVP_EncodeBlock((unsigned char *)key, raw, (int)sizeof(raw)); /* 24 characters + NUL */
    gs_ws_accept(key, strlen(key), s->ws_accept);
    gs_gw_headers_remove(&s->req.headers, "sec-websocket-key");
    gs_gw_headers_add(&s->req.headers, "sec-websocket-key", key);
    free(s->req.method);
    s->req.method = gs_xstrdup("GET");
    free(s->req.upgrade);
    s->req.upgrade = gs_xstrdup("websocket");
    s->ws = true;
    return NULL;
}

/* nghttp2 asks for the tunnel's bytes towards the client. */
static ssize_t on_h2d_ws_read(nghttp2_session *ng, int32_t stream_id, uint8_t *buf, size_t len,
                              uint32_t *flags, nghttp2_data_source *src, void *arg)
{
    (void)ng;
    (void)stream_id;
    (void)arg;
    h2d_stream *s = src->ptr;
    if (s->tunnel == NULL) /* closed for idleness: its RST_STREAM is on the way */
        return NGHTTP2_ERR_DEFERRED;
    int n = evbuffer_remove(bufferevent_get_input(s->tunnel), buf, len);
    if (n > 0) {
        h2d_resp_give(s, (size_t)n);
        return n;
    }
    if (s->ws_upstream_end) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        return 0;
    }
    return NGHTTP2_ERR_DEFERRED;
}

static void h2d_ws_kick(h2d_stream *s)
{
    nghttp2_session_resume_data(s->h->ng, s->id);
    if (!s->h->in_io)
        event_active(s->h->pump, 0, 0);
}

/* Ends a tunnel before either side did: the upstream connection is closed now, the client's
 * stream is reset with |code| (RFC 8441 §5: CANCEL stands for a TCP reset). */
static void h2d_ws_abort(h2d_stream *s, uint32_t code)
{
    bufferevent_free(s->tunnel);
    s->tunnel = NULL;
    gs_gw_timer_stop(&s->ws_idle);
    h2d_resp_give(s, s->resp_held);
    h2d *h = s->h;
    nghttp2_submit_rst_stream(h->ng, NGHTTP2_FLAG_NONE, s->id, code);
    /* The connection's idle clock starts from here: its own timeout, due in the same turn,
     * would otherwise close it before the RST_STREAM left. */
    gs_gw_timer_set(&h->idle, h->conn->rt->limits.idle_timeout_ms * 2);
    if (!h->in_io) {
        h->in_io = true;
        h2d_flush(h);
        h2d_after_io(h);
    }
}

/* Fires when the tunnel carried no byte either way for its idle limit. */
static void on_h2d_ws_idle(void *arg)
{
    h2d_stream *s = arg;
    s->h->conn->rt->counters.tunnel_idle_closed++;
    h2d_ws_abort(s, NGHTTP2_CANCEL);
}

/* The upstream sent bytes: they go out as DATA (read up to H2D_WS_READ_MAX ahead, charged to
 * the held-response budgets like any response data waiting for the client). */
static void on_h2d_ws_upstream_read(struct bufferevent *bev, void *arg)
{
    h2d_stream *s = arg;
    size_t in = evbuffer_get_length(bufferevent_get_input(bev));
    gs_gw_timer_set(&s->ws_idle, gs_gw_tunnel_idle_ms(&s->h->conn->rt->limits));
    if (in > s->resp_held && !h2d_resp_take(s, in - s->resp_held)) {
        s->h->conn->rt->counters.held_budget_reset++;
        h2d_ws_abort(s, NGHTTP2_ENHANCE_YOUR_CALM);
        return;
    }
    h2d_ws_kick(s);
}

/* The upstream took the client's bytes: reopen the stream window by that much; after the
 * client's END_STREAM, end the upstream's input too. */
static void on_h2d_ws_upstream_write(struct bufferevent *bev, void *arg)
{
    h2d_stream *s = arg;
    if (s->ws_unconsumed) {
        nghttp2_session_consume_stream(s->h->ng, s->id, s->ws_unconsumed);
        s->ws_unconsumed = 0;
    }
    if (s->ws_client_end)
        shutdown(bufferevent_getfd(bev), SHUT_WR);
    h2d_ws_kick(s);
}

/* The upstream closed (or failed): what it sent goes out, then the stream ends. */
static void on_h2d_ws_upstream_event(struct bufferevent *bev, short what, void *arg)
{
    h2d_stream *s = arg;
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
        return;
    bufferevent_disable(bev, EV_READ | EV_WRITE);
    s->ws_upstream_end = true;
    h2d_ws_kick(s);
}

/* The answer to an extended CONNECT: a 101 with the right Sec-WebSocket-Accept opens the
 * tunnel (200 to the client, true); anything else is answered as usual (false), a 2xx that
 * switched nothing, or a wrong 101, as 502. */
static bool h2d_ws_open(h2d_stream *s, gs_gw_response *resp)
{
    const char *why = NULL;
    if (resp->status == 101 && resp->tunnel) {
        const char *acc = gs_gw_headers_get(&resp->headers, "sec-websocket-accept");
        if (acc == NULL || strcmp(acc, s->ws_accept) != 0)
            why = "the backend switched to WebSocket with a wrong Sec-WebSocket-Accept";
    } else if (resp->status >= 100 && resp->status < 300) {
        why = "the backend did not switch to WebSocket";
    } else {
        return false;
    }
    if (why) {
        gs_gw_response_clear(resp);
        gs_gw_response_simple(resp, 502, why);
        return false;
    }
    h2d *h = s->h;
    h2d_set_resp_state(s, H2D_RESP_STREAMING);
    s->tunnel = resp->tunnel;
    resp->tunnel = NULL;
    gs_gw_response *r = &s->resp;
    gs_gw_response_clear(r);
    r->status = 200;
    r->headers = resp->headers;
    memset(&resp->headers, 0, sizeof(resp->headers));
    nghttp2_nv *nva = gs_xcalloc(r->headers.len + 1, sizeof(*nva));
    size_t k = 0;
    static char status_name[] = ":status", ok[] = "200";
    nva[k++] = (nghttp2_nv){(uint8_t *)status_name, (uint8_t *)ok, 7, 3, NGHTTP2_NV_FLAG_NONE};
    for (size_t i = 0; i < r->headers.len; i++) {
        gs_gw_header *f = &r->headers.items[i];
        for (char *p = f->name; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (strcmp(f->name, "connection") == 0 || strcmp(f->name, "transfer-encoding") == 0 ||
            strcmp(f->name, "keep-alive") == 0 || strcmp(f->name, "upgrade") == 0 ||
            strcmp(f->name, "content-length") == 0 ||
            strcmp(f->name, "sec-websocket-accept") == 0)
            continue;
        nva[k++] = (nghttp2_nv){(uint8_t *)f->name, (uint8_t *)f->value, f->name_len, f->value_len,
                                NGHTTP2_NV_FLAG_NONE};
    }
    nghttp2_data_provider prd = {.source = {.ptr = s}, .read_callback = on_h2d_ws_read};
    nghttp2_submit_response(h->ng, s->id, nva, k, &prd);
    free(nva);
    bufferevent_setwatermark(s->tunnel, EV_READ, 0, H2D_WS_READ_MAX);
    bufferevent_setcb(s->tunnel, on_h2d_ws_upstream_read, on_h2d_ws_upstream_write,
                      on_h2d_ws_upstream_event, s);
    bufferevent_enable(s->tunnel, EV_READ | EV_WRITE);
    gs_gw_timer_init(&s->ws_idle, h->conn->rt->base, on_h2d_ws_idle, s);
    gs_gw_timer_set(&s->ws_idle, gs_gw_tunnel_idle_ms(&h->conn->rt->limits));
    if (s->ws_early.len) { /* sent before the 101: their window reopens as they are written */
        bufferevent_write(s->tunnel, s->ws_early.data, s->ws_early.len);
        gs_buf_clear(&s->ws_early);
    }
    if (!h->in_io)
        h2d_flush(h);
    return true;
}

/* Client DATA of a WebSocket stream: to the upstream, or kept until it switched. */
static void h2d_ws_data(h2d_stream *s, const uint8_t *data, size_t len)
{
    nghttp2_session *ng = s->h->ng;
    if (s->tunnel) {
        bufferevent_write(s->tunnel, data, len);
        s->ws_unconsumed += len; /* the window reopens once the upstream took them */
        gs_gw_timer_set(&s->ws_idle, gs_gw_tunnel_idle_ms(&s->h->conn->rt->limits));
        return;
    }
    if (s->ws_early.len + len > H2D_WS_EARLY_MAX || s->resp_state != H2D_RESP_WAIT) {
        nghttp2_session_consume_stream(ng, s->id, len);
        if (s->resp_state == H2D_RESP_WAIT)
            nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_ENHANCE_YOUR_CALM);
        return;
    }
    gs_buf_append(&s->ws_early, data, len);
    s->ws_unconsumed += len;
}

static void h2d_dispatch(h2d *h, h2d_stream *s)
{
    h2d_req_dispatch(s);
    if (s->req.method == NULL || s->req.target == NULL) {
        nghttp2_submit_rst_stream(h->ng, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_PROTOCOL_ERROR);
        return;
    }
    gs_gw_runtime *rt = h->conn->rt;
    gs_gw_snapshot *snap = rt->current;
    const gs_rt_port *port = gs_gw_conn_port(h->conn, snap);
    const char *bad = s->protocol ? h2d_ws_request(s) : NULL;
    if (bad == NULL)
        bad = gs_gw_reqbuild_h2(&s->req);
    if (port == NULL || bad) {
        gs_gw_response r = {0};
        gs_gw_response_simple(&r, bad ? 400 : 404, bad ? bad : "listener removed by reload");
        on_h2d_response(s, &r);
        gs_gw_response_clear(&r);
        return;
    }
    gs_gw_exchange_source src = {port, h->conn->sni, h->conn->client_ip};
    s->head = strcmp(s->req.method, "HEAD") == 0;
    s->req.client_stalled = h2d_pause_at(s) < gs_gw_upstream_pause_bytes(&rt->limits);
    gs_gw_exchange_start(rt, snap, &src, &s->req, &h2d_sink, s, &s->ex);
}

/* A client reset: counted against the connection's limit and its address's budget. */
static void h2d_count_reset(h2d *h)
{
    gs_gw_runtime *rt = h->conn->rt;
    int64_t now = gs_now_ns();
    if (now - h->reset_window_start > H2D_RESET_WINDOW_NS) {
        h->reset_window_start = now;
        h->resets = 0;
    }
    if (++h->resets > rt->limits.h2_max_resets) {
        rt->counters.h2_resets_refused++;
        nghttp2_session_terminate_session(h->ng, NGHTTP2_ENHANCE_YOUR_CALM);
    } else if (gs_gw_addrlim_charge(&rt->guards.resets, h->conn->client_ip, now, 1)) {
        rt->counters.addr_resets_refused++;
        nghttp2_session_terminate_session(h->ng, NGHTTP2_ENHANCE_YOUR_CALM);
    }
}

/* Marks |s| for dispatch once the current read is processed (h2d_dispatch_queued). */
static void h2d_queue(h2d *h, h2d_stream *s, h2d_req_state queued)
{
    h2d_set_req_state(s, queued);
    h->queued = true;
}

/* True when a new stream would hold its whole response: the client can take no data now (a
 * zero connection window, or streams that open with a zero window: the zero-window attack) and
 * as many dispatched streams as half the held budget covers at the pause size each (at least
 * one, so a client that opens its windows later still makes progress) are already waiting. */
static bool h2d_zero_window_full(h2d *h)
{
    if (nghttp2_session_get_remote_window_size(h->ng) > 0 &&
        nghttp2_session_get_remote_settings(h->ng, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE) > 0)
        return false;
    size_t waiting = 0; /* streams with an exchange running or a response to send */
    for (h2d_stream *s = h->streams; s; s = s->next)
        if (s->ex || s->resp_state != H2D_RESP_WAIT)
            waiting++;
    size_t allowed = h->held.limit / 2 / gs_gw_upstream_pause_bytes(&h->conn->rt->limits);
    return waiting >= (allowed ? allowed : 1);
}

/* Dispatches the streams that became ready during the read just processed; those the client
 * reset in the same read are already gone and cost nothing upstream. */
static void h2d_dispatch_queued(h2d *h)
{
    while (h->queued && !h->dead) {
        h->queued = false;
        for (h2d_stream *s = h->streams; s; s = s->next) {
            if (h2d_req_queued(s)) {
                h->queued = true; /* dispatching may free streams: walk again from the head */
                if (h->held.used >= h->held.limit / 2 || h2d_zero_window_full(h)) {
                    /* The client leaves half its held-response budget unread, or can take no
                     * data and has its share of streams waiting: a new stream would only hold
                     * more, so it is refused before any upstream work (REFUSED_STREAM: a
                     * client may retry it). */
                    h2d_req_dispatch(s);
                    h->conn->rt->counters.held_budget_reset++;
                    nghttp2_submit_rst_stream(h->ng, NGHTTP2_FLAG_NONE, s->id,
                                              NGHTTP2_REFUSED_STREAM);
                    break;
                }
                h2d_dispatch(h, s);
                break;
            }
        }
    }
}

static int on_h2d_frame_recv(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
    h2d *h = arg;
    /* Whole frames, not bytes, keep a connection from its idle timeout. */
    gs_gw_timer_set(&h->idle, h->conn->rt->limits.idle_timeout_ms * 2);
    if (frame->hd.type == NGHTTP2_RST_STREAM) {
        h2d_count_reset(h);
        return 0;
    }
    if (frame->hd.type == NGHTTP2_HEADERS && frame->hd.stream_id == h->header_stream) {
        h->header_stream = 0;
        gs_gw_conn_deadline_stop(h->conn);
    }
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
        return 0;
    h2d_stream *s = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (s == NULL)
        return 0;
    bool end = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
    if (s->req_state == H2D_REQ_RECV) {
        /* A gRPC call is dispatched at its HEADERS and its body streams (client and
         * bidirectional streams must not wait for the client's end); other requests are
         * dispatched once whole. Trailers of a streamed request are not forwarded. */
        if (end || (frame->hd.type == NGHTTP2_HEADERS && s->protocol != NULL)) {
            /* an extended CONNECT is whole at its HEADERS: its DATA is the tunnel's */
            h2d_queue(h, s, H2D_REQ_QUEUED);
        } else if (frame->hd.type == NGHTTP2_HEADERS &&
                   frame->headers.cat == NGHTTP2_HCAT_REQUEST && gs_gw_request_is_grpc(&s->req)) {
            s->req.body_open = true;
            h2d_queue(h, s, H2D_REQ_QUEUED_OPEN);
        }
    } else if (end && s->req_state == H2D_REQ_QUEUED_OPEN) {
        /* The whole body came in the read that brought the HEADERS. */
        h2d_set_req_state(s, H2D_REQ_QUEUED);
        s->req.body_open = false;
    } else if (end && s->req_state == H2D_REQ_OPEN) {
        h2d_set_req_state(s, H2D_REQ_DISPATCHED);
        gs_gw_exchange_body(s->ex, NULL, 0, true);
    } else if (end && s->ws) {
        s->ws_client_end = true;
        if (s->tunnel && evbuffer_get_length(bufferevent_get_output(s->tunnel)) == 0)
            shutdown(bufferevent_getfd(s->tunnel), SHUT_WR);
    }
    return 0;
}

/* Answers |s| with 413 before its body ended; the rest of its body is refused. */
static void h2d_refuse_body(h2d_stream *s)
{
    h2d_set_req_state(s, H2D_REQ_REFUSED);
    h2d_body_give(s, s->body_held);
    gs_gw_release_buf(&h2d_guards(s->h)->release, &s->req.body);
    gs_gw_response r = {0};
    gs_gw_response_simple(&r, 413, NULL);
    on_h2d_response(s, &r);
    gs_gw_response_clear(&r);
}

static int on_h2d_data(nghttp2_session *ng, uint8_t flags, int32_t stream_id, const uint8_t *data,
                       size_t len, void *arg)
{
    (void)flags;
    h2d *h = arg;
    /* Every byte is either charged to a budget below or dropped: the connection window can
     * reopen at once; the stream windows reopen only as the budgets or the upstream allow. */
    nghttp2_session_consume_connection(ng, len);
    h2d_stream *s = nghttp2_session_get_stream_user_data(ng, stream_id);
    if (s && h2d_req_open(s) && s->ex) {
        /* Streamed: held until the upstream takes it (on_h2d_body_taken reopens the window). */
        if (!h2d_body_take(s, len)) {
            h->conn->rt->counters.body_budget_refused++;
            h2d_set_req_state(s, H2D_REQ_REFUSED);
            gs_gw_exchange_cancel(s->ex);
            s->ex = NULL;
            nghttp2_session_consume_stream(ng, stream_id, len);
            nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_ENHANCE_YOUR_CALM);
            return 0;
        }
        gs_gw_exchange_body(s->ex, (const char *)data, len, false);
        return 0;
    }
    if (s && s->protocol) { /* an extended CONNECT's DATA is the tunnel's, not a body */
        h2d_ws_data(s, data, len);
        return 0;
    }
    if (s && s->req_state == H2D_REQ_REFUSED)
        return 0; /* answered 413: its window stays shut, the client stops sending */
    nghttp2_session_consume_stream(ng, stream_id, len);
    if (s == NULL || h2d_req_dispatched(s))
        return 0;
    if (s->req.body.len + len > h->conn->rt->limits.max_request_body) {
        h2d_refuse_body(s);
        return 0;
    }
    if (!h2d_body_take(s, len)) {
        h->conn->rt->counters.body_budget_refused++;
        h2d_refuse_body(s);
        return 0;
    }
    gs_buf_append(&s->req.body, data, len);
    return 0;
}

/* The exchange took |len| bytes of a streamed request body: reopen the stream window by that
 * much (the WINDOW_UPDATE leaves on the next loop turn, or after the current read). */
static void on_h2d_body_taken(void *arg, size_t len)
{
    h2d_stream *s = arg;
    h2d *h = s->h;
    h2d_body_give(s, len);
    nghttp2_session_consume_stream(h->ng, s->id, len);
    if (!h->in_io)
        event_active(h->pump, 0, 0);
}

static void on_h2d_pump(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    h2d *h = arg;
    if (h->in_io || h->dead)
        return;
    h->in_io = true;
    h2d_flush(h);
    h2d_after_io(h);
}

/* Fires after a frame went out: a response that ended while the request body still streams
 * ends the request too (RST_STREAM NO_ERROR, RFC 9113 §8.1): the client stops sending. */
static int on_h2d_frame_send(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
    (void)arg;
    if ((frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) ||
        !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
        return 0;
    h2d_stream *s = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (s && (s->req_state == H2D_REQ_OPEN || s->req_state == H2D_REQ_REFUSED)) {
        h2d_set_req_state(s, H2D_REQ_DISPATCHED);
        nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_NO_ERROR);
    }
    return 0;
}

static int on_h2d_stream_close(nghttp2_session *ng, int32_t stream_id, uint32_t error_code,
                               void *arg)
{
    (void)error_code;
    (void)arg;
    h2d_stream *s = nghttp2_session_get_stream_user_data(ng, stream_id);
    if (s) {
        nghttp2_session_set_stream_user_data(ng, stream_id, NULL);
        h2d_stream_free(s);
    }
    return 0;
}

static void h2d_flush(h2d *h)
{
    if (h->dead)
        return;
    int rc = nghttp2_session_send(h->ng);
    if (rc != 0 || (!nghttp2_session_want_read(h->ng) && !nghttp2_session_want_write(h->ng) &&
                    evbuffer_get_length(bufferevent_get_output(h->conn->bev)) == 0)) {
        h->dead = true;
        if (!h->in_io)
            gs_gw_conn_free(h->conn);
    }
}

static void h2d_after_io(h2d *h)
{
    h->in_io = false;
    if (h->dead)
        gs_gw_conn_free(h->conn);
}

/* Fires when bytes arrive from the client. */
static void on_h2d_read(struct bufferevent *bev, void *arg)
{
    gs_gw_conn *c = arg;
    h2d *h = c->state;
    struct evbuffer *in = bufferevent_get_input(bev);
    h->in_io = true;
    size_t len = evbuffer_get_length(in);
    const uint8_t *data = evbuffer_pullup(in, -1);
    ssize_t n = nghttp2_session_mem_recv(h->ng, data, len);
    if (n == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS || n == NGHTTP2_ERR_FLOODED) {
        /* A CONTINUATION flood, or frames we must answer piling up unread (PING, SETTINGS):
         * the session is intact, so say why in a GOAWAY; the connection closes once it left. */
        c->rt->counters.header_abuse_closed += n == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS;
        nghttp2_session_terminate_session(h->ng, NGHTTP2_ENHANCE_YOUR_CALM);
        evbuffer_drain(in, len);
        h2d_flush(h);
    } else if (n < 0) {
        h->dead = true;
    } else {
        evbuffer_drain(in, (size_t)n);
        h2d_dispatch_queued(h);
        h2d_flush(h);
    }
    h2d_after_io(h);
}

/* Fires when the output drained: more frames may be sendable. */
static void on_h2d_write(struct bufferevent *bev, void *arg)
{
    (void)bev;
    gs_gw_conn *c = arg;
    h2d *h = c->state;
    h->in_io = true;
    h2d_flush(h);
    if (!h->dead && !nghttp2_session_want_read(h->ng) && !nghttp2_session_want_write(h->ng))
        h->dead = true;
    h2d_after_io(h);
}

static void on_h2d_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    gs_gw_conn *c = arg;
    if (what & BEV_EVENT_CONNECTED)
        return;
    gs_gw_conn_free(c);
}

/* Fires when the client sent no whole frame for twice the idle timeout. A connection carrying a
 * WebSocket tunnel stays: the tunnel's own idle limit (both ways) and the hold timeout keep it. */
/* Twice the idle timeout without a whole frame from the client. A client is silent by right
 * while a stream waits on the gateway: its request was taken whole and the response has not
 * ended (a slow backend, a long poll, a server-streaming gRPC call), as an HTTP/1.1 connection
 * is only timed for idleness between requests; such a connection, or one carrying a tunnel, is
 * kept. A client that stops reading is the stall timer's; one that stops sending a request or
 * its body is closed here. */
static bool h2d_waits_on_gateway(const h2d_stream *s)
{
    return s->tunnel || (s->req_state == H2D_REQ_DISPATCHED &&
                         (s->resp_state == H2D_RESP_WAIT || s->resp_state == H2D_RESP_STREAMING));
}

static void on_h2d_idle(void *arg)
{
    h2d *h = arg;
    for (h2d_stream *s = h->streams; s; s = s->next) {
        if (h2d_waits_on_gateway(s)) {
            gs_gw_timer_set(&h->idle, h->conn->rt->limits.idle_timeout_ms * 2);
            return;
        }
    }
    gs_gw_conn_free(h->conn);
}

/* Fires when the connection held response data and its client took none for hold_timeout. */
static void on_h2d_stall(void *arg)
{
    h2d *h = arg;
    if (h->held.used == 0)
        return;
    h->conn->rt->counters.stalled_closed++;
    gs_gw_conn_free(h->conn);
}

/* Keeps h2d_out_total: bytes enter the output in on_h2d_send and leave as the socket takes
 * them. */
static void on_h2d_out_change(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    (void)buf;
    (void)arg;
    h2d_out_total += info->n_added;
    h2d_out_total -= info->n_deleted < h2d_out_total ? info->n_deleted : h2d_out_total;
}

/* The connection's HTTP/2 state and nghttp2 server session, with our SETTINGS queued (the first
 * frame a server sends). */
static h2d *h2d_new(gs_gw_conn *c)
{
    h2d *h = gs_xcalloc(1, sizeof(*h));
    h->conn = c;
    c->state = h;
    c->proto = GS_GW_CONN_H2;
    h->reset_window_start = gs_now_ns();
    h->pump = event_new(c->rt->base, -1, 0, on_h2d_pump, h);
    nghttp2_session_callbacks *cbs;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_send_callback(cbs, on_h2d_send);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_h2d_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_h2d_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_h2d_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_h2d_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_h2d_stream_close);
    nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_h2d_frame_send);
    nghttp2_option *opt;
    nghttp2_option_new(&opt);
    nghttp2_option_set_no_auto_window_update(opt, 1); /* on_h2d_data and the upstream release it */
    nghttp2_option_set_max_deflate_dynamic_table_size(opt, 4096);
    /* CONTINUATION floods: a header block in at most 8 frames after its HEADERS. */
    nghttp2_option_set_max_continuations(opt, 8);
    nghttp2_session_server_new2(&h->ng, cbs, h, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, c->rt->limits.h2_max_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1u << 20},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, (uint32_t)c->rt->limits.max_header_bytes},
        {NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1}, /* RFC 8441: WebSocket over HTTP/2 */
    };
    nghttp2_submit_settings(h->ng, NGHTTP2_FLAG_NONE, iv, GS_ARRAY_LEN(iv));
    bufferevent_setcb(c->bev, on_h2d_read, on_h2d_write, on_h2d_event, c);
    h->bodies.limit = c->rt->limits.conn_request_buffer;
    h->held.limit = c->rt->limits.conn_response_held;
    h->out_cb = evbuffer_add_cb(bufferevent_get_output(c->bev), on_h2d_out_change, NULL);
    bufferevent_set_timeouts(c->bev, NULL, NULL); /* the timers below keep the time */
    gs_gw_timer_init(&h->idle, c->rt->base, on_h2d_idle, h);
    gs_gw_timer_set(&h->idle, c->rt->limits.idle_timeout_ms * 2); /* a silent client is closed */
    gs_gw_timer_init(&h->stall, c->rt->base, on_h2d_stall, h);
    h->direct = c->ssl == NULL;
    if (h->direct) {
        gs_sockread_attach(&h->rd, c->bev);
        gs_sockread_setcb(&h->rd, on_h2d_read, on_h2d_event, c);
        gs_sockread_enable(&h->rd, true);
        bufferevent_enable(c->bev, EV_WRITE);
    } else {
        bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    }
    h->in_io = true; /* until h2d_begin: callbacks queue frames, h2d_begin sends them */
    return h;
}

/* Sends what is queued, then feeds nghttp2 the bytes already in the input buffer. */
static void h2d_begin(h2d *h)
{
    gs_gw_conn *c = h->conn;
    h2d_flush(h);
    if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0 && !h->dead) {
        h->in_io = false;
        on_h2d_read(c->bev, c);
        return;
    }
    h2d_after_io(h);
}

void gs_gw_h2_start(gs_gw_conn *c)
{
    h2d_begin(h2d_new(c));
}

void gs_gw_h2_start_upgrade(gs_gw_conn *c, gs_gw_request *req, const uint8_t *settings,
                            size_t settings_len)
{
    struct bufferevent *bev = c->bev;
    bufferevent_setwatermark(bev, EV_READ, 0, 0); /* the HTTP/1.1 side's limits end here */
    h2d *h = h2d_new(c);
    h2d_stream *s = h2d_stream_new(h, 1);
    s->req = *req;
    memset(req, 0, sizeof(*req));
    s->req.http2 = true; /* the response goes out as HTTP/2 (trailers included) */
    int head = s->req.method && strcmp(s->req.method, "HEAD") == 0;
    int rc = nghttp2_session_upgrade2(h->ng, settings, settings_len, head, s);
    if (rc != 0) { /* gs_gw_h2c_decide checked the payload: not expected */
        gs_log_warn("h2c upgrade refused by nghttp2: %s", nghttp2_strerror(rc));
        h2d_stream_free(s);
        nghttp2_session_terminate_session(h->ng, NGHTTP2_INTERNAL_ERROR);
    } else {
        h2d_dispatch(h, s); /* stream 1 is half-closed (remote): the request is complete */
    }
    h2d_begin(h);
}

void gs_gw_h2_shutdown(gs_gw_conn *c)
{
    h2d *h = c->state;
    /* GOAWAY naming the last stream we took: those finish, the session then winds down. */
    nghttp2_submit_goaway(h->ng, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(h->ng),
                          NGHTTP2_NO_ERROR, NULL, 0);
    if (!h->in_io) {
        h->in_io = true;
        h2d_flush(h);
        h2d_after_io(h);
    }
}

void gs_gw_h2_free(gs_gw_conn *c)
{
    h2d *h = c->state;
    if (h == NULL)
        return;
    /* Deleting the session does not call on_h2d_stream_close: free the live streams here. */
    while (h->streams)
        h2d_stream_free(h->streams);
    struct evbuffer *out = bufferevent_get_output(c->bev);
    evbuffer_remove_cb_entry(out, h->out_cb);
    size_t left = evbuffer_get_length(out); /* freed with the connection */
    h2d_out_total -= left < h2d_out_total ? left : h2d_out_total;
    nghttp2_session_del(h->ng);
    gs_sockread_detach(&h->rd);
    gs_gw_timer_deinit(&h->idle);
    gs_gw_timer_deinit(&h->stall);
    event_free(h->pump);
    free(h);
    c->state = NULL;
}
