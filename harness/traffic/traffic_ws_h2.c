/* SPDX-License-Identifier: MIT */
/* WebSocket over HTTP/2 (RFC 8441) on a traffic connection (GS_TRAFFIC_WEBSOCKET with ws_h2):
 * one request is one connection, h2c prior knowledge or TLS with ALPN h2. The client waits for
 * the server's SETTINGS: without SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 the request is a protocol
 * error (RFC 8441 §3: no extended CONNECT may be sent); with it, one stream opens with
 * :method CONNECT, :protocol websocket, :scheme, :authority, :path, Sec-WebSocket-Version: 13,
 * the run's headers and the request id. A 2xx opens the WebSocket (no Sec-WebSocket-Accept over
 * HTTP/2); any other final status finishes the request as an ordinary answer, as a refused
 * HTTP/1.1 upgrade does. The stream's DATA then carries the frames that traffic_ws.c writes and
 * reads for HTTP/1.1 (gs_traffic_ws_opened, gs_traffic_ws_frames); the client's close frame
 * ends its side of the stream. The server ending the stream, or resetting it, before the last
 * echo is a reset. */
#include "traffic_worker.h"

#include <event2/buffer.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* nghttp2 asks for the stream's bytes: the frames queued so far, then its end. */
static ssize_t wsh2_read_data(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t length,
                              uint32_t *flags, nghttp2_data_source *source, void *user)
{
    (void)s;
    (void)stream_id;
    (void)source;
    traffic_conn *c = user;
    size_t n = c->ws_out.len - c->ws_out_at;
    if (n > length)
        n = length;
    if (n > 0)
        memcpy(buf, c->ws_out.data + c->ws_out_at, n);
    c->ws_out_at += n;
    if (c->ws_out_at == c->ws_out.len) {
        gs_buf_reset(&c->ws_out);
        c->ws_out_at = 0;
        if (c->ws_out_end) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
        } else if (n == 0) {
            c->ws_deferred = true;
            return NGHTTP2_ERR_DEFERRED;
        }
    }
    return (ssize_t)n;
}

void gs_traffic_ws_h2_queue(traffic_conn *c, const void *data, size_t len, bool end)
{
    if (c->ws_out_end)
        return; /* the stream's end is already queued */
    gs_buf_append(&c->ws_out, data, len);
    c->ws_out_end = end;
    if (c->ws_deferred && c->h2 != NULL) {
        c->ws_deferred = false;
        for (unsigned k = 0; k < c->nslots; k++) {
            if (c->slots[k].in_use && c->slots[k].stream_id > 0)
                nghttp2_session_resume_data(c->h2, c->slots[k].stream_id);
        }
    }
}

static nghttp2_nv wsh2_nv(const char *name, const char *value)
{
    nghttp2_nv nv = {(uint8_t *)(uintptr_t)name, (uint8_t *)(uintptr_t)value, strlen(name),
                     strlen(value), NGHTTP2_NV_FLAG_NONE};
    return nv;
}

/* Opens the stream of |r| once the server's SETTINGS came; NULL, or why it cannot. */
static const char *wsh2_connect(traffic_conn *c, traffic_req *r)
{
    const traffic_run *run = c->w->run;
    if (nghttp2_session_get_remote_settings(c->h2, NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL) != 1)
        return "the server does not allow WebSocket over HTTP/2 "
               "(no SETTINGS_ENABLE_CONNECT_PROTOCOL)";
    nghttp2_nv nva[64 + 8];
    size_t n = 0;
    nva[n++] = wsh2_nv(":method", "CONNECT");
    nva[n++] = wsh2_nv(":protocol", "websocket");
    nva[n++] = wsh2_nv(":scheme", run->cfg.tls ? "https" : "http");
    nva[n++] = wsh2_nv(":authority", run->authority);
    nva[n++] = wsh2_nv(":path", run->path);
    nva[n++] = wsh2_nv("sec-websocket-version", "13");
    if (r->id[0] != '\0')
        nva[n++] = wsh2_nv("x-gatesim-request-id", r->id);
    for (size_t k = 0; k < run->num_headers && n < sizeof(nva) / sizeof(nva[0]); k++)
        nva[n++] = wsh2_nv(run->headers[k].name, run->headers[k].value);
    nghttp2_data_provider prd = {.source = {.ptr = NULL}, .read_callback = wsh2_read_data};
    int32_t id = nghttp2_submit_request(c->h2, NULL, nva, n, &prd, r);
    if (id < 0)
        return nghttp2_strerror(id);
    r->stream_id = id;
    return NULL;
}

static int on_wsh2_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name,
                          size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                          void *user)
{
    (void)flags;
    traffic_conn *c = user;
    if (frame->hd.type != NGHTTP2_HEADERS)
        return 0;
    traffic_req *r = gs_traffic_h2_req(s, frame->hd.stream_id);
    if (r == NULL || r->head_done)
        return 0; /* trailers: nothing to read there */
    if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
        r->status = gs_traffic_h2_status(value, valuelen);
        r->version = 20;
        return 0;
    }
    if (r->status >= 200)
        gs_traffic_req_header(c, r, (const char *)name, namelen, (const char *)value, valuelen,
                              false);
    return 0;
}

static int on_wsh2_data_chunk(nghttp2_session *s, uint8_t flags, int32_t stream_id,
                              const uint8_t *data, size_t len, void *user)
{
    (void)flags;
    traffic_conn *c = user;
    traffic_req *r = gs_traffic_h2_req(s, stream_id);
    if (r == NULL || !c->ws_open)
        return 0;
    gs_buf_append(&c->ws_in, data, len);
    size_t used = 0;
    gs_traffic_error e =
        gs_traffic_ws_frames(c, r, (const uint8_t *)c->ws_in.data, c->ws_in.len, &used);
    if (e != GS_TRAFFIC_OK && r->in_use)
        gs_traffic_req_finish(c, r, e, "a WebSocket frame could not be answered");
    memmove(c->ws_in.data, c->ws_in.data + used, c->ws_in.len - used);
    c->ws_in.len -= used;
    return 0;
}

static int on_wsh2_frame_recv(nghttp2_session *s, const nghttp2_frame *frame, void *user)
{
    traffic_conn *c = user;
    if (frame->hd.type == NGHTTP2_SETTINGS && !(frame->hd.flags & NGHTTP2_FLAG_ACK)) {
        traffic_req *r = c->ws_waiting;
        c->ws_waiting = NULL;
        c->ws_settings = true;
        const char *why = r != NULL && r->in_use && r->stream_id == 0 ? wsh2_connect(c, r) : NULL;
        if (why != NULL)
            gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_PROTOCOL, why);
        return 0;
    }
    if (frame->hd.type == NGHTTP2_GOAWAY) {
        c->h2_goaway = true;
        return 0;
    }
    if (frame->hd.type != NGHTTP2_HEADERS)
        return 0;
    traffic_req *r = gs_traffic_h2_req(s, frame->hd.stream_id);
    if (r == NULL || r->head_done || r->status < 200)
        return 0; /* an interim (1xx) answer, or trailers */
    r->head_done = true;
    if (r->status >= 300) { /* refused: an ordinary answer (its body is not needed) */
        gs_traffic_req_finish(c, r, GS_TRAFFIC_OK, NULL);
        return 0;
    }
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) {
        gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_PROTOCOL,
                              "a 2xx to the extended CONNECT ended the stream at once");
        return 0;
    }
    gs_traffic_error e = gs_traffic_ws_opened(c, r);
    if (e != GS_TRAFFIC_OK && r->in_use)
        gs_traffic_req_finish(c, r, e, "the first WebSocket message could not be sent");
    return 0;
}

static int on_wsh2_stream_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code,
                                void *user)
{
    traffic_conn *c = user;
    traffic_req *r = gs_traffic_h2_req(s, stream_id);
    if (r == NULL)
        return 0;
    nghttp2_session_set_stream_user_data(s, stream_id, NULL);
    char detail[96];
    if (error_code != NGHTTP2_NO_ERROR)
        gs_traffic_h2_reset_detail(detail, sizeof(detail), error_code);
    else
        snprintf(detail, sizeof(detail),
                 "the server ended the stream before echoing every message");
    gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_RESET, detail);
    return 0;
}

static int wsh2_on_open(traffic_conn *c)
{
    nghttp2_session_callbacks *cbs;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_wsh2_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_wsh2_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_wsh2_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_wsh2_stream_close);
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, GS_TRAFFIC_H2_WINDOW},
    };
    int rc = gs_traffic_h2_session_open(c, cbs, NULL, iv, sizeof(iv) / sizeof(iv[0]));
    nghttp2_session_callbacks_del(cbs);
    if (rc != 0)
        return -1;
    c->ws_open = false;
    c->ws_next = 0;
    c->ws_assembling = false;
    c->ws_waiting = NULL;
    c->ws_settings = false;
    c->ws_out_at = 0;
    c->ws_out_end = false;
    c->ws_deferred = false;
    gs_buf_reset(&c->ws_message);
    gs_buf_reset(&c->ws_in);
    gs_buf_reset(&c->ws_out);
    return 0;
}

static gs_traffic_error wsh2_submit(traffic_conn *c, traffic_req *r)
{
    if (c->h2 == NULL)
        return GS_TRAFFIC_ERR_PROTOCOL;
    r->stream_id = 0;
    r->in_trailers = false;
    if (!c->ws_settings) {
        c->ws_waiting = r; /* the CONNECT waits for the server's SETTINGS (RFC 8441 §3) */
        return GS_TRAFFIC_OK;
    }
    return wsh2_connect(c, r) == NULL ? GS_TRAFFIC_OK : GS_TRAFFIC_ERR_PROTOCOL;
}

static void wsh2_on_eof(traffic_conn *c)
{
    (void)c; /* a close before the last echo fails the request as the caller closes */
}

static bool wsh2_expire(traffic_conn *c, traffic_req *r)
{
    (void)c;
    (void)r;
    return true; /* the connection is the request */
}

static bool wsh2_draining(const traffic_conn *c)
{
    (void)c;
    return false;
}

static void wsh2_on_close(traffic_conn *c)
{
    gs_traffic_h2_session_close(c);
    c->ws_open = false;
    c->ws_assembling = false;
    c->ws_waiting = NULL;
}

const gs_proto_ops gs_traffic_ws_h2_ops = {
    .name = "websocket-h2",
    .on_open = wsh2_on_open,
    .submit = wsh2_submit,
    .on_read = gs_traffic_h2_on_read,
    .on_bytes = gs_traffic_h2_on_bytes,
    .on_eof = wsh2_on_eof,
    .flush = gs_traffic_h2_flush,
    .expire = wsh2_expire,
    .draining = wsh2_draining,
    .on_close = wsh2_on_close,
};
