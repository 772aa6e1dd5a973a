/* SPDX-License-Identifier: MIT */
/* HTTP/2 connection glue for gatesim-echo (h2c prior knowledge and h2 over TLS): an nghttp2
 * server session fed from the bufferevent (read → nghttp2_session_mem_recv → drain →
 * nghttp2_session_mem_send into one output buffer, written once per read event). Each stream
 * collects its request, the handler answers it, and the response goes out through a data
 * provider (NGHTTP2_DATA_FLAG_NO_COPY: the body is copied once, from the response straight into
 * the output buffer; delays and slow bodies use a per-stream timer; gRPC replies end with
 * trailers). Response header fields are handed to nghttp2 without copies. Protocol errors end in
 * GOAWAY. An RFC 8441 extended CONNECT (:protocol websocket; SETTINGS_ENABLE_CONNECT_PROTOCOL is
 * sent) is answered 200 at once and its stream's DATA is a WebSocket byte stream echoed as on an
 * upgraded HTTP/1.1 connection (echo_ws.h), until a close frame or the client's END_STREAM.
 * Windows are reopened by hand (no automatic WINDOW_UPDATE): the connection's and an ordinary
 * stream's at once, a WebSocket stream's only while less than H2_WS_HELD_MAX of its bytes wait
 * here (echoes the client has not taken, and a frame not yet whole), so a client that sends
 * without reading the echo stops at that plus one stream window. */
#include "echo_conn.h"
#include "echo_mem.h"
#include "echo_ws.h"

#include "gs_alloc.h"
#include "gs_grpc.h"
#include "gs_log.h"
#include "gs_time.h"

#include <event2/buffer.h>
#include <nghttp2/nghttp2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H2_MAX_STREAMS 128
#define H2_MAX_HEADER_BYTES 65536
#define H2_MAX_FIELDS 256
#define H2_SLOW_PIECE 64
/* A WebSocket stream's bytes held (echoes waiting for the client, a partial frame) past which its
 * window stays shut; above one whole frame (GS_ECHO_WS_MAX_PAYLOAD), so a frame can complete. */
#define H2_WS_HELD_MAX (256u << 10)

typedef struct h2_conn h2_conn;

/* Where one received field lives in h2_stream.strings. */
typedef struct h2_field {
    size_t name_off, name_len, value_off, value_len;
} h2_field;

typedef struct h2_stream {
    h2_conn *h;
    int32_t id;
    struct h2_stream *prev, *next;
    gs_buf strings; /* "name\0value\0" for every field received */
    h2_field *fields;
    size_t n_fields, fields_cap;
    size_t header_bytes;
    size_t method_off, path_off, authority_off, protocol_off; /* SIZE_MAX when absent */
    size_t method_len, path_len, authority_len, protocol_len;
    gs_buf body;
    bool body_truncated; /* more than --max-body arrived */
    bool dispatched;
    bool head_method;
    gs_echo_response resp;
    size_t sent;    /* body bytes handed to nghttp2 */
    size_t copied;  /* body bytes written to the output buffer (on_h2_send_data) */
    size_t allowed; /* slow body: bytes released so far */
    bool deferred;  /* the data provider returned NGHTTP2_ERR_DEFERRED */
    bool delaying;  /* the response waits for its delay */
    struct event *timer;
    /* WebSocket (extended CONNECT): client bytes not yet a whole frame are in |body|; the
     * echoes wait in |ws_out| from |ws_sent|; |ws_done| after a close or the client's end */
    bool ws, ws_done;
    gs_buf ws_out;
    size_t ws_sent;
    size_t ws_unconsumed; /* bytes received whose stream window is not reopened yet */
} h2_stream;

struct h2_conn {
    gs_echo_conn *c;
    nghttp2_session *ngh;
    h2_stream *streams;
    bool draining;
    bool closing;    /* fatal error: close once the output is flushed */
    gs_buf out;      /* frames collected by one flush, sent with one write */
    h2_stream *pool; /* closed streams kept for reuse (their buffers keep their memory) */
    size_t pooled;
    h2_stream *cur; /* the stream whose header block is being received */
    int32_t header_stream; /* the stream of the header block under --header-timeout, or 0 */
    gs_echo_mem mem;    /* nghttp2's allocations, recycled per size class */
    nghttp2_mem ngmem;
};

static void h2_flush(h2_conn *h);

static void h2_stream_free(h2_stream *s)
{
    if (s->timer != NULL)
        event_free(s->timer);
    gs_buf_clear(&s->strings);
    free(s->fields);
    gs_buf_clear(&s->body);
    gs_buf_clear(&s->ws_out);
    gs_echo_response_free(&s->resp);
    free(s);
}

/* ---- response ---- */

/* nghttp2 asks for body bytes; fires inside nghttp2_session_mem_send. */
static ssize_t on_h2_data_read(nghttp2_session *ngh, int32_t stream_id, uint8_t *buf, size_t length,
                               uint32_t *flags, nghttp2_data_source *source, void *user_data)
{
    (void)ngh;
    (void)stream_id;
    (void)user_data;
    h2_stream *s = source->ptr;
    gs_echo_response *r = &s->resp;
    size_t total = s->head_method ? 0 : r->body.len;
    size_t limit = r->slow_body_ns > 0 ? s->allowed : total;
    if (limit > total)
        limit = total;
    size_t n = limit - s->sent;
    if (n > length)
        n = length;
    (void)buf; /* on_h2_send_data writes the bytes */
    if (n > 0)
        *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    s->sent += n;
    if (s->sent == total) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (r->grpc) {
            char code[24];
            gs_echo_utoa((uint64_t)r->grpc_status, code);
            nghttp2_nv trailers[2] = {
                {(uint8_t *)(uintptr_t) "grpc-status", (uint8_t *)code, 11, strlen(code),
                 NGHTTP2_NV_FLAG_NO_COPY_NAME},
                {(uint8_t *)(uintptr_t) "grpc-message", (uint8_t *)r->grpc_message.data, 12,
                 r->grpc_message.len, NGHTTP2_NV_FLAG_NO_COPY_NAME},
            };
            if (nghttp2_submit_trailer(s->h->ngh, s->id, trailers,
                                       r->grpc_message.len > 0 ? 2 : 1) == 0)
                *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        }
        return (ssize_t)n;
    }
    if (n == 0) {
        s->deferred = true;
        return NGHTTP2_ERR_DEFERRED;
    }
    return (ssize_t)n;
}

/* Writes one DATA frame (header from nghttp2, payload from the response body) to the output
 * buffer; nghttp2 calls it for the frames on_h2_data_read flagged NGHTTP2_DATA_FLAG_NO_COPY. */
static int on_h2_send_data(nghttp2_session *ngh, nghttp2_frame *frame, const uint8_t *framehd,
                           size_t length, nghttp2_data_source *source, void *user_data)
{
    (void)ngh;
    (void)frame; /* no padding is ever requested */
    h2_conn *h = user_data;
    h2_stream *s = source->ptr;
    char *d = gs_buf_reserve(&h->out, 9 + length);
    memcpy(d, framehd, 9);
    memcpy(d + 9, s->resp.body.data + s->copied, length);
    h->out.len += 9 + length;
    h->out.data[h->out.len] = '\0';
    s->copied += length;
    return 0;
}

/* ":status" values without formatting. */
static const char *h2_status_text(int status, char tmp[24], size_t *len)
{
    switch (status) {
    case 200: *len = 3; return "200";
    case 204: *len = 3; return "204";
    case 404: *len = 3; return "404";
    case 503: *len = 3; return "503";
    default: *len = gs_echo_utoa((uint64_t)status, tmp); return tmp;
    }
}

static void h2_submit(h2_stream *s)
{
    gs_echo_response *r = &s->resp;
    nghttp2_nv nva[H2_MAX_FIELDS + 2];
    size_t n = 0;
    char status_tmp[24], clen[24];
    size_t status_len;
    const char *status = h2_status_text(r->status, status_tmp, &status_len);
    /* Fields of the response are copied by nghttp2 only where they live on this stack frame:
     * the response buffers stay put until the stream closes, after its HEADERS went out. */
    nva[n++] = (nghttp2_nv){(uint8_t *)(uintptr_t) ":status", (uint8_t *)(uintptr_t)status, 7,
                            status_len,
                            status == status_tmp ? NGHTTP2_NV_FLAG_NO_COPY_NAME
                                                 : NGHTTP2_NV_FLAG_NO_COPY_NAME |
                                                       NGHTTP2_NV_FLAG_NO_COPY_VALUE};
    size_t pos = 0, nl, vl;
    const char *name, *value;
    while (n < H2_MAX_FIELDS && gs_echo_response_next(r, &pos, &name, &nl, &value, &vl))
        nva[n++] = (nghttp2_nv){(uint8_t *)(uintptr_t)name, (uint8_t *)(uintptr_t)value, nl, vl,
                                NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
    bool no_body = (r->status >= 100 && r->status < 200) || r->status == 204 || r->status == 304;
    if (!r->grpc && !no_body) {
        size_t cl = gs_echo_utoa(r->body.len, clen);
        nva[n++] = (nghttp2_nv){(uint8_t *)(uintptr_t) "content-length", (uint8_t *)clen, 14, cl,
                                NGHTTP2_NV_FLAG_NO_COPY_NAME};
    }
    if (no_body)
        gs_buf_reset(&r->body);
    s->sent = 0;
    s->copied = 0;
    s->allowed = r->slow_body_ns > 0 ? H2_SLOW_PIECE : r->body.len;
    bool provider = r->grpc || (r->body.len > 0 && !s->head_method);
    nghttp2_data_provider dp = {.source.ptr = s, .read_callback = on_h2_data_read};
    if (nghttp2_submit_response(s->h->ngh, s->id, nva, n, provider ? &dp : NULL) != 0)
        nghttp2_submit_rst_stream(s->h->ngh, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
}

/* Reopens a WebSocket stream's window for the bytes received so far, unless H2_WS_HELD_MAX of
 * its bytes already wait here: then the client's window runs out and it stops sending until it
 * takes its echoes. */
static void h2_ws_release(h2_stream *s)
{
    size_t held = s->body.len + (s->ws_out.len - s->ws_sent);
    if (s->ws_unconsumed == 0 || held >= H2_WS_HELD_MAX)
        return;
    nghttp2_session_consume_stream(s->h->ngh, s->id, s->ws_unconsumed);
    s->ws_unconsumed = 0;
}

/* nghttp2 asks for a WebSocket stream's bytes: the echoes so far, then the end once the
 * WebSocket is over. */
static ssize_t on_h2_ws_read(nghttp2_session *ngh, int32_t stream_id, uint8_t *buf, size_t length,
                             uint32_t *flags, nghttp2_data_source *source, void *user_data)
{
    (void)ngh;
    (void)stream_id;
    (void)user_data;
    h2_stream *s = source->ptr;
    size_t n = s->ws_out.len - s->ws_sent;
    if (n > length)
        n = length;
    if (n > 0)
        memcpy(buf, s->ws_out.data + s->ws_sent, n);
    s->ws_sent += n;
    h2_ws_release(s);
    if (s->ws_sent == s->ws_out.len) {
        gs_buf_reset(&s->ws_out);
        s->ws_sent = 0;
        if (s->ws_done)
            *flags |= NGHTTP2_DATA_FLAG_EOF;
        else if (n == 0) {
            s->deferred = true;
            return NGHTTP2_ERR_DEFERRED;
        }
    }
    return (ssize_t)n;
}

/* The 200 that opens a WebSocket stream; its DATA comes from on_h2_ws_read. */
static void h2_submit_ws(h2_stream *s)
{
    gs_echo_response *r = &s->resp;
    nghttp2_nv nva[8];
    size_t n = 0;
    nva[n++] = (nghttp2_nv){(uint8_t *)(uintptr_t) ":status", (uint8_t *)(uintptr_t) "200", 7, 3,
                            NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
    size_t pos = 0, nl, vl;
    const char *name, *value;
    while (n < GS_ARRAY_LEN(nva) && gs_echo_response_next(r, &pos, &name, &nl, &value, &vl))
        nva[n++] = (nghttp2_nv){(uint8_t *)(uintptr_t)name, (uint8_t *)(uintptr_t)value, nl, vl,
                                NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
    s->ws = true;
    gs_buf_reset(&s->body);
    nghttp2_data_provider dp = {.source.ptr = s, .read_callback = on_h2_ws_read};
    if (nghttp2_submit_response(s->h->ngh, s->id, nva, n, &dp) != 0)
        nghttp2_submit_rst_stream(s->h->ngh, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
}

/* Bytes of a WebSocket stream arrived (appended to |body|): echo every whole frame. */
static void h2_ws_input(h2_stream *s)
{
    size_t at = 0;
    while (!s->ws_done && at < s->body.len) {
        size_t used = 0;
        gs_echo_ws_result r = gs_echo_ws_step((const uint8_t *)s->body.data + at,
                                              s->body.len - at, &s->ws_out, &used);
        if (r == GS_ECHO_WS_MORE)
            break;
        at += used;
        if (r == GS_ECHO_WS_CLOSE)
            s->ws_done = true;
    }
    if (s->ws_done)
        at = s->body.len; /* nothing after a close is read */
    if (at > 0) {
        memmove(s->body.data, s->body.data + at, s->body.len - at);
        s->body.len -= at;
    }
    if (s->deferred && (s->ws_out.len > 0 || s->ws_done)) {
        s->deferred = false;
        nghttp2_session_resume_data(s->h->ngh, s->id);
    }
}

static struct timeval h2_tv(int64_t ns)
{
    struct timeval tv = {(time_t)(ns / GS_NS_PER_S), (suseconds_t)((ns % GS_NS_PER_S) / 1000)};
    return tv;
}

/* Fires after a response delay, and between the pieces of a slow body. */
static void on_h2_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    h2_stream *s = arg;
    h2_conn *h = s->h;
    if (s->delaying) {
        s->delaying = false;
        h2_submit(s);
    } else {
        s->allowed += H2_SLOW_PIECE;
        if (s->deferred) {
            s->deferred = false;
            nghttp2_session_resume_data(h->ngh, s->id);
        }
    }
    if (s->resp.slow_body_ns > 0 && s->allowed < s->resp.body.len) {
        struct timeval tv = h2_tv(s->resp.slow_body_ns);
        evtimer_add(s->timer, &tv);
    }
    h2_flush(h);
}

static const char *h2_str(const h2_stream *s, size_t off)
{
    return off == SIZE_MAX ? NULL : s->strings.data + off;
}

static void h2_dispatch(h2_stream *s)
{
    h2_conn *h = s->h;
    gs_echo_conn *c = h->c;
    s->dispatched = true;
    gs_echo_header fields[H2_MAX_FIELDS];
    size_t nf = 0;
    for (size_t i = 0; i < s->n_fields && nf < H2_MAX_FIELDS; i++) {
        const h2_field *f = &s->fields[i];
        const char *name = s->strings.data + f->name_off;
        if (name[0] == ':')
            continue;
        fields[nf++] = (gs_echo_header){name, f->name_len, s->strings.data + f->value_off,
                                        f->value_len};
    }
    const char *method = h2_str(s, s->method_off);
    const char *path = h2_str(s, s->path_off);
    const char *authority = h2_str(s, s->authority_off);
    size_t authority_len = s->authority_len;
    if (authority == NULL) {
        for (size_t i = 0; i < nf; i++)
            if (fields[i].name_len == 4 && memcmp(fields[i].name, "host", 4) == 0) {
                authority = fields[i].value;
                authority_len = fields[i].value_len;
            }
    }
    if (method == NULL || path == NULL) {
        nghttp2_submit_rst_stream(h->ngh, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_PROTOCOL_ERROR);
        return;
    }
    gs_echo_request er = {
        .method = method,
        .method_len = s->method_len,
        .target = path,
        .target_len = s->path_len,
        .authority = authority,
        .authority_len = authority_len,
        .proto = "HTTP/2.0",
        .headers = fields,
        .n_headers = nf,
        .body = s->body.data,
        .body_len = s->body.len,
        .body_truncated = s->body_truncated,
        .tls = c->is_tls ? &c->tls : NULL,
        .peer_cert = c->peer_cert,
        .local_port = c->local_port,
        .h2 = true,
    };
    s->head_method = s->method_len == 4 && memcmp(method, "HEAD", 4) == 0;
    if (c->kind != GS_ECHO_LISTENER_CONTROL &&
        gs_echo_ws_is_h2_connect(&er, h2_str(s, s->protocol_off), s->protocol_len)) {
        gs_echo_handle_websocket(&c->w->ctx, &er, &s->resp);
        h2_submit_ws(s);
        return;
    }
    if (c->kind != GS_ECHO_LISTENER_CONTROL &&
        gs_echo_ws_is_h2_connect_bad_version(&er, h2_str(s, s->protocol_off), s->protocol_len)) {
        gs_echo_handle_websocket_bad_version(&c->w->ctx, &er, &s->resp);
        h2_submit(s);
        return;
    }
    gs_echo_handle(&c->w->ctx, &er, &s->resp);
    if (s->resp.reset) {
        nghttp2_submit_rst_stream(h->ngh, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
        return;
    }
    if (s->resp.delay_ns > 0 || s->resp.slow_body_ns > 0)
        s->timer = evtimer_new(c->w->base, on_h2_timer, s);
    if (s->resp.delay_ns > 0) {
        s->delaying = true;
        struct timeval tv = h2_tv(s->resp.delay_ns);
        evtimer_add(s->timer, &tv);
        return;
    }
    h2_submit(s);
    if (s->resp.slow_body_ns > 0 && s->allowed < s->resp.body.len) {
        struct timeval tv = h2_tv(s->resp.slow_body_ns);
        evtimer_add(s->timer, &tv);
    }
}

/* ---- nghttp2 callbacks (all fire inside nghttp2_session_mem_recv / mem_send) ---- */

static int on_h2_begin_headers(nghttp2_session *ngh, const nghttp2_frame *frame, void *user_data)
{
    h2_conn *h = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS)
        return 0;
    /* The block (HEADERS and its CONTINUATIONs) must be whole within --header-timeout from
     * its frame header on, however its bytes trickle (the idle timeout restarts on each). */
    h->header_stream = frame->hd.stream_id;
    gs_echo_conn_head_end(h->c);
    gs_echo_conn_head_begin(h->c);
    if (frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0;
    h2_stream *s = h->pool;
    if (s != NULL) {
        h->pool = s->next;
        h->pooled--;
    } else {
        s = gs_xcalloc(1, sizeof(*s));
    }
    s->h = h;
    s->id = frame->hd.stream_id;
    s->prev = NULL;
    s->method_off = s->path_off = s->authority_off = s->protocol_off = SIZE_MAX;
    s->next = h->streams;
    if (h->streams != NULL)
        h->streams->prev = s;
    h->streams = s;
    h->cur = s;
    nghttp2_session_set_stream_user_data(ngh, s->id, s);
    return 0;
}

static int on_h2_header(nghttp2_session *ngh, const nghttp2_frame *frame, const uint8_t *name,
                        size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                        void *user_data)
{
    (void)flags;
    h2_conn *h = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS)
        return 0;
    h2_stream *s = h->cur != NULL && h->cur->id == frame->hd.stream_id
                       ? h->cur
                       : nghttp2_session_get_stream_user_data(ngh, frame->hd.stream_id);
    if (s == NULL || s->dispatched)
        return 0; /* trailers of a request: ignored */
    s->header_bytes += namelen + valuelen + 32;
    if (s->header_bytes > H2_MAX_HEADER_BYTES || s->n_fields >= H2_MAX_FIELDS)
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* RST_STREAM for this stream */
    if (s->n_fields == s->fields_cap)
        gs_xgrow((void **)&s->fields, &s->fields_cap, s->n_fields + 1, sizeof(*s->fields));
    size_t noff = s->strings.len, voff = noff + namelen + 1;
    char *d = gs_buf_reserve(&s->strings, namelen + valuelen + 2);
    memcpy(d, name, namelen);
    d[namelen] = '\0';
    memcpy(d + namelen + 1, value, valuelen);
    d[namelen + 1 + valuelen] = '\0';
    s->strings.len += namelen + valuelen + 2;
    s->fields[s->n_fields++] = (h2_field){noff, namelen, voff, valuelen};
    if (namelen == 7 && memcmp(name, ":method", 7) == 0) {
        s->method_off = voff;
        s->method_len = valuelen;
    } else if (namelen == 5 && memcmp(name, ":path", 5) == 0) {
        s->path_off = voff;
        s->path_len = valuelen;
    } else if (namelen == 10 && memcmp(name, ":authority", 10) == 0) {
        s->authority_off = voff;
        s->authority_len = valuelen;
    } else if (namelen == 9 && memcmp(name, ":protocol", 9) == 0) {
        s->protocol_off = voff;
        s->protocol_len = valuelen;
    }
    return 0;
}

static int on_h2_data_chunk(nghttp2_session *ngh, uint8_t flags, int32_t stream_id,
                            const uint8_t *data, size_t len, void *user_data)
{
    (void)flags;
    h2_conn *h = user_data;
    h2_stream *s = nghttp2_session_get_stream_user_data(ngh, stream_id);
    if (s == NULL || !s->ws || s->ws_done) {
        nghttp2_session_consume(ngh, stream_id, len); /* kept below, truncated, or dropped */
        if (s == NULL)
            return 0;
    }
    if (s->ws) {
        if (!s->ws_done) {
            nghttp2_session_consume_connection(ngh, len);
            s->ws_unconsumed += len;
            gs_buf_append(&s->body, data, len);
            h2_ws_input(s);
            h2_ws_release(s);
        }
        return 0;
    }
    size_t max = h->c->w->cfg->max_body;
    size_t keep = s->body.len < max ? max - s->body.len : 0;
    if (keep < len)
        s->body_truncated = true;
    if (keep > len)
        keep = len;
    gs_buf_append(&s->body, data, keep);
    return 0;
}

/* The header block of |stream_id| is over (whole, or its stream closed): its deadline too. */
static void h2_header_block_end(h2_conn *h, int32_t stream_id)
{
    if (h->header_stream != 0 && h->header_stream == stream_id) {
        h->header_stream = 0;
        gs_echo_conn_head_end(h->c);
    }
}

static int on_h2_frame_recv(nghttp2_session *ngh, const nghttp2_frame *frame, void *user_data)
{
    if (frame->hd.type == NGHTTP2_HEADERS)
        h2_header_block_end(user_data, frame->hd.stream_id);
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
        return 0;
    h2_stream *s = nghttp2_session_get_stream_user_data(ngh, frame->hd.stream_id);
    if (s == NULL)
        return 0;
    bool end = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    if (s->ws && end) { /* the client is done: so is the echo, once its bytes went out */
        s->ws_done = true;
        h2_ws_input(s);
        return 0;
    }
    /* an extended CONNECT (RFC 8441) is answered as soon as its head is in: DATA follows */
    bool connect = frame->hd.type == NGHTTP2_HEADERS && s->protocol_off != SIZE_MAX;
    if ((end || connect) && !s->dispatched)
        h2_dispatch(s);
    return 0;
}

static int on_h2_stream_close(nghttp2_session *ngh, int32_t stream_id, uint32_t error_code,
                              void *user_data)
{
    (void)error_code;
    h2_conn *h = user_data;
    h2_header_block_end(h, stream_id);
    h2_stream *s = nghttp2_session_get_stream_user_data(ngh, stream_id);
    if (s == NULL)
        return 0;
    nghttp2_session_set_stream_user_data(ngh, stream_id, NULL);
    if (h->cur == s)
        h->cur = NULL;
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        h->streams = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    if (h->pooled >= H2_MAX_STREAMS) {
        h2_stream_free(s);
        return 0;
    }
    /* Keep it for the next stream: buffers are emptied, their memory kept. */
    if (s->timer != NULL)
        event_free(s->timer);
    gs_buf strings = s->strings, body = s->body;
    gs_echo_response resp = s->resp;
    h2_field *fields = s->fields;
    size_t fields_cap = s->fields_cap;
    gs_buf_reset(&strings);
    gs_buf_reset(&body);
    gs_buf_clear(&s->ws_out);
    memset(s, 0, sizeof(*s));
    s->strings = strings;
    s->body = body;
    s->resp = resp;
    s->fields = fields;
    s->fields_cap = fields_cap;
    s->next = h->pool;
    h->pool = s;
    h->pooled++;
    return 0;
}

/* ---- I/O ---- */

/* Moves everything nghttp2 wants to send into the output buffer, then closes the connection
 * when the session is over. Every callback ends here. */
static void h2_flush(h2_conn *h)
{
    struct evbuffer *out = bufferevent_get_output(h->c->bev);
    gs_buf_reset(&h->out);
    for (;;) {
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(h->ngh, &data);
        if (n < 0) {
            h->closing = true;
            break;
        }
        if (n == 0)
            break;
        gs_buf_append(&h->out, data, (size_t)n);
    }
    if (h->out.len > 0)
        gs_echo_conn_send(h->c, h->out.data, h->out.len);
    bool over =
        h->closing || (!nghttp2_session_want_read(h->ngh) && !nghttp2_session_want_write(h->ngh));
    if (over) {
        h->closing = true;
        gs_echo_conn_read(h->c, false);
        if (evbuffer_get_length(out) == 0)
            gs_echo_conn_close(h->c, false);
    }
}

/* Fires when input arrived. */
static void on_h2_read(struct bufferevent *bev, void *arg)
{
    h2_conn *h = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    if (h->closing) {
        evbuffer_drain(in, evbuffer_get_length(in));
        return;
    }
    ssize_t n = 0;
    while (evbuffer_get_length(in) > 0) {
        struct evbuffer_iovec v;
        evbuffer_peek(in, -1, NULL, &v, 1);
        n = nghttp2_session_mem_recv(h->ngh, v.iov_base, v.iov_len);
        if (n <= 0)
            break; /* nghttp2 takes everything unless it fails */
        evbuffer_drain(in, (size_t)n);
    }
    if (n < 0) {
        gs_echo_log_count(h->c->w->ctx.log, "h2_protocol_error");
        if (!h->c->w->cfg->quiet)
            gs_log_debug("HTTP/2 session error: %s", nghttp2_strerror((int)n));
        nghttp2_session_terminate_session(h->ngh, NGHTTP2_PROTOCOL_ERROR);
        evbuffer_drain(in, evbuffer_get_length(in));
        h->closing = true;
        h2_flush(h); /* sends the GOAWAY; the connection closes once it is written */
        return;
    }
    h2_flush(h);
}

/* Fires when the output buffer is empty. */
static void on_h2_write(struct bufferevent *bev, void *arg)
{
    (void)bev;
    h2_conn *h = arg;
    h2_flush(h);
}

/* Fires on EOF, errors and timeouts: the connection ends. */
static void on_h2_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    h2_conn *h = arg;
    if (what & BEV_EVENT_TIMEOUT) {
        if (h->streams != NULL && !h->closing && !(what & BEV_EVENT_WRITING)) {
            /* No input for a while, but streams are in progress (delays): not idle. libevent
             * disabled reading on the timeout; turn it back on. A write timeout (the peer does
             * not read) still ends the connection. */
            gs_echo_conn_read(h->c, true);
            return;
        }
        gs_echo_log_count(h->c->w->ctx.log, "timeout");
    }
    gs_echo_conn_close(h->c, false);
}

static void h2_drain(gs_echo_conn *c)
{
    h2_conn *h = c->proto;
    if (h->draining)
        return;
    h->draining = true;
    nghttp2_submit_goaway(h->ngh, NGHTTP2_FLAG_NONE,
                          nghttp2_session_get_last_proc_stream_id(h->ngh), NGHTTP2_NO_ERROR, NULL,
                          0);
    h2_flush(h);
}

static void h2_free(gs_echo_conn *c)
{
    h2_conn *h = c->proto;
    if (h == NULL)
        return;
    nghttp2_session_del(h->ngh); /* frees its streams without callbacks */
    gs_echo_mem_release(&h->mem);
    while (h->streams != NULL) {
        h2_stream *s = h->streams;
        h->streams = s->next;
        h2_stream_free(s);
    }
    while (h->pool != NULL) {
        h2_stream *s = h->pool;
        h->pool = s->next;
        h2_stream_free(s);
    }
    gs_buf_clear(&h->out);
    free(h);
    c->proto = NULL;
}

static void *h2_malloc(size_t size, void *mem)
{
    return gs_echo_mem_malloc(mem, size);
}

static void h2_mfree(void *ptr, void *mem)
{
    gs_echo_mem_free(mem, ptr);
}

static void *h2_calloc(size_t nmemb, size_t size, void *mem)
{
    return gs_echo_mem_calloc(mem, nmemb, size);
}

static void *h2_realloc(void *ptr, size_t size, void *mem)
{
    return gs_echo_mem_realloc(mem, ptr, size);
}

static const gs_echo_proto_ops h2_ops = {"h2", h2_drain, h2_free};

static nghttp2_session_callbacks *h2_cbs;
static nghttp2_option *h2_opt;
static pthread_once_t h2_cbs_once = PTHREAD_ONCE_INIT;

static void h2_callbacks_init(void)
{
    nghttp2_session_callbacks_new(&h2_cbs);
    nghttp2_session_callbacks_set_on_begin_headers_callback(h2_cbs, on_h2_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(h2_cbs, on_h2_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(h2_cbs, on_h2_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(h2_cbs, on_h2_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(h2_cbs, on_h2_stream_close);
    nghttp2_session_callbacks_set_send_data_callback(h2_cbs, on_h2_send_data);
    nghttp2_option_new(&h2_opt);
    nghttp2_option_set_no_auto_window_update(h2_opt, 1); /* see the top of this file */
}

void gs_echo_h2_start(gs_echo_conn *c)
{
    pthread_once(&h2_cbs_once, h2_callbacks_init);
    h2_conn *h = gs_xcalloc(1, sizeof(*h));
    h->c = c;
    h->ngmem = (nghttp2_mem){&h->mem, h2_malloc, h2_mfree, h2_calloc, h2_realloc};
    nghttp2_session_server_new3(&h->ngh, h2_cbs, h, h2_opt, &h->ngmem);
    c->proto = h;
    c->ops = &h2_ops;
    gs_echo_log_count(c->w->ctx.log, "h2");
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, H2_MAX_STREAMS},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, H2_MAX_HEADER_BYTES},
        {NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1}, /* RFC 8441: WebSocket over HTTP/2 */
    };
    nghttp2_submit_settings(h->ngh, NGHTTP2_FLAG_NONE, iv, GS_ARRAY_LEN(iv));
    const gs_echo_config *cfg = c->w->cfg;
    struct timeval idle = {(time_t)(cfg->idle_timeout_ns / GS_NS_PER_S),
                           (suseconds_t)((cfg->idle_timeout_ns % GS_NS_PER_S) / 1000)};
    gs_echo_conn_timeouts(c, &idle, &idle);
    gs_echo_conn_setcb(c, on_h2_read, on_h2_write, on_h2_event, h);
    gs_echo_conn_read(c, true);
    if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
        on_h2_read(c->bev, h);
    else
        h2_flush(h);
}
