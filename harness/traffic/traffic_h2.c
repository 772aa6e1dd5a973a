/* SPDX-License-Identifier: MIT */
/* HTTP/2 (h2c prior knowledge or TLS) on a traffic connection, with an nghttp2 client session:
 * read -> nghttp2_session_mem_recv -> callbacks record the response -> nghttp2_session_mem_send
 * into the bufferevent's output, one write per loop turn. gRPC unary rides on this too (the
 * request is a POST with a framed message; grpc-status comes from the trailers). */
#include "traffic_worker.h"

#include "gs_time.h"

#include <event2/buffer.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* ---- the session both HTTP/2 protocols share (traffic_ws_h2.c too) ------------------------ */

traffic_req *gs_traffic_h2_req(nghttp2_session *s, int32_t stream_id)
{
    traffic_req *r = nghttp2_session_get_stream_user_data(s, stream_id);
    return r != NULL && r->in_use && r->stream_id == stream_id ? r : NULL;
}

int gs_traffic_h2_status(const uint8_t *value, size_t len)
{
    int st = 0;
    for (size_t k = 0; k < len && k < 3; k++)
        st = st * 10 + (value[k] - '0');
    return st;
}

const char *gs_traffic_h2_reset_detail(char *buf, size_t n, uint32_t error_code)
{
    snprintf(buf, n, "stream reset (%s)", nghttp2_http2_strerror(error_code));
    return buf;
}

int gs_traffic_h2_session_open(traffic_conn *c, const nghttp2_session_callbacks *cbs,
                               const nghttp2_option *opt, const nghttp2_settings_entry *iv,
                               size_t niv)
{
    if (nghttp2_session_client_new3(&c->h2, cbs, c, opt, &c->w->h2mem.mem) != 0)
        return -1;
    c->h2_goaway = false;
    c->h2_hdr_req = NULL;
    nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, niv);
    nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0, GS_TRAFFIC_H2_WINDOW);
    return 0;
}

void gs_traffic_h2_session_close(traffic_conn *c)
{
    nghttp2_session_del(c->h2);
    c->h2 = NULL;
}

/* ---- requests and responses ---------------------------------------------------------------- */

/* Fires when a HEADERS frame starts: is it the response head or the trailer section? */
static int on_h2_begin_headers(nghttp2_session *s, const nghttp2_frame *frame, void *user)
{
    traffic_conn *c = user;
    c->h2_hdr_req = NULL;
    if (frame->hd.type != NGHTTP2_HEADERS)
        return 0;
    traffic_req *r = gs_traffic_h2_req(s, frame->hd.stream_id);
    if (r != NULL)
        r->in_trailers = r->head_done;
    c->h2_hdr_req = r;
    return 0;
}

/* Fires for each header field; records status, backend, gRPC fields and (with a callback)
 * copies. May not free anything. */
static int on_h2_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name,
                        size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                        void *user)
{
    (void)flags;
    (void)s;
    traffic_conn *c = user;
    /* the fields of one HEADERS frame come between its begin callback and its end, so the
     * request found there is theirs, unless it finished meanwhile (a timeout between two
     * reads of one header block) and its slot went to another stream */
    traffic_req *r = c->h2_hdr_req;
    if (frame->hd.type != NGHTTP2_HEADERS || r == NULL || !r->in_use ||
        r->stream_id != frame->hd.stream_id)
        return 0;
    if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
        r->status = gs_traffic_h2_status(value, valuelen);
        r->version = 20;
        if (r->status >= 200)
            r->head_done = true;
        return 0;
    }
    if (!r->in_trailers && r->status < 200)
        return 0; /* fields of an interim (1xx) response */
    if (c->w->run->cfg.on_response == NULL && !GS_TRAFFIC_HEADER_READ(namelen))
        return 0; /* nobody reads this one (server, date, content-type, ...) */
    gs_traffic_req_header(c, r, (const char *)name, namelen, (const char *)value, valuelen,
                          r->in_trailers);
    return 0;
}

static int on_h2_data_chunk(nghttp2_session *s, uint8_t flags, int32_t stream_id,
                            const uint8_t *data, size_t len, void *user)
{
    (void)flags;
    traffic_req *r = gs_traffic_h2_req(s, stream_id);
    if (r != NULL)
        gs_traffic_req_body(user, r, (const char *)data, len);
    return 0;
}

static int on_h2_frame_recv(nghttp2_session *s, const nghttp2_frame *frame, void *user)
{
    traffic_conn *c = user;
    switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
    case NGHTTP2_DATA:
        if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) {
            traffic_req *r = gs_traffic_h2_req(s, frame->hd.stream_id);
            if (r != NULL)
                r->complete = true;
        }
        break;
    case NGHTTP2_GOAWAY:
        c->h2_goaway = true;
        break;
    default:
        break;
    }
    return 0;
}

/* Fires when a stream is closed for any reason; the one place requests finish. */
static int on_h2_stream_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code,
                              void *user)
{
    traffic_conn *c = user;
    traffic_req *r = gs_traffic_h2_req(s, stream_id);
    if (r == NULL)
        return 0;
    nghttp2_session_set_stream_user_data(s, stream_id, NULL);
    if (r->complete && r->head_done) {
        gs_traffic_req_finish(c, r, GS_TRAFFIC_OK, NULL);
    } else if (error_code == NGHTTP2_REFUSED_STREAM && r->status == 0) {
        /* not processed (RFC 9113 §8.7): refused, or above the GOAWAY's last stream */
        gs_traffic_req_requeue(c, r);
    } else {
        char detail[80];
        gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_RESET,
                              gs_traffic_h2_reset_detail(detail, sizeof(detail), error_code));
    }
    return 0;
}

/* Supplies the request body of the stream. */
static ssize_t h2_read_body(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t length,
                            uint32_t *data_flags, nghttp2_data_source *source, void *user)
{
    (void)source;
    traffic_conn *c = user;
    traffic_req *r = gs_traffic_h2_req(s, stream_id);
    const traffic_run *run = c->w->run;
    if (r == NULL) {
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
        return 0;
    }
    size_t left = run->body_len - r->body_sent;
    size_t n = left < length ? left : length;
    memcpy(buf, run->body + r->body_sent, n);
    r->body_sent += n;
    if (r->body_sent == run->body_len)
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static int h2_on_open(traffic_conn *c)
{
    nghttp2_session_callbacks *cbs;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_h2_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_h2_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_h2_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_h2_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_h2_stream_close);
    nghttp2_option *opt;
    nghttp2_option_new(&opt);
    nghttp2_option_set_peer_max_concurrent_streams(opt, c->nslots);
    const gs_traffic_config *cfg = &c->w->run->cfg;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, GS_TRAFFIC_H2_WINDOW},
        {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 0}, /* sent only with h2_no_header_table */
    };
    size_t niv = sizeof(iv) / sizeof(iv[0]);
    if (!cfg->h2_no_header_table || cfg->protocol == GS_TRAFFIC_GRPC)
        niv--;
    int rc = gs_traffic_h2_session_open(c, cbs, opt, iv, niv);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);
    return rc;
}

/* nghttp2_nv wants mutable pointers; nghttp2 copies (or, with the flag, only reads) them. */
static nghttp2_nv h2_nv(const char *name, size_t nlen, const char *value, size_t vlen,
                        uint8_t flags)
{
    nghttp2_nv nv = {(uint8_t *)(uintptr_t)name, (uint8_t *)(uintptr_t)value, nlen, vlen, flags};
    return nv;
}

#define H2_NV(n, v, vl) h2_nv((n), sizeof(n) - 1, (v), (vl), NGHTTP2_NV_FLAG_NO_COPY_NAME)

static gs_traffic_error h2_submit(traffic_conn *c, traffic_req *r)
{
    const traffic_run *run = c->w->run;
    if (c->h2 == NULL)
        return GS_TRAFFIC_ERR_PROTOCOL;
    nghttp2_nv nva[64 + 8];
    size_t n = 0;
    const char *scheme = run->cfg.tls ? "https" : "http";
    nva[n++] = H2_NV(":method", run->method, strlen(run->method));
    nva[n++] = H2_NV(":scheme", scheme, strlen(scheme));
    nva[n++] = H2_NV(":authority", run->authority, strlen(run->authority));
    nva[n++] = H2_NV(":path", run->path, strlen(run->path));
    char clen[24];
    if (run->cfg.protocol == GS_TRAFFIC_GRPC) {
        nva[n++] = H2_NV("content-type", "application/grpc", 16);
        nva[n++] = H2_NV("te", "trailers", 8);
        nva[n++] = H2_NV("grpc-timeout", run->grpc_timeout, strlen(run->grpc_timeout));
    } else if (run->body_len > 0) {
        int len = snprintf(clen, sizeof(clen), "%zu", run->body_len);
        nva[n++] = H2_NV("content-length", clen, (size_t)len);
    }
    if (r->id[0] != '\0')
        nva[n++] = H2_NV("x-gatesim-request-id", r->id, strlen(r->id));
    for (size_t k = 0; k < run->num_headers && n < sizeof(nva) / sizeof(nva[0]); k++) {
        const gs_traffic_header *h = &run->headers[k];
        nva[n++] =
            h2_nv(h->name, strlen(h->name), h->value, strlen(h->value), NGHTTP2_NV_FLAG_NONE);
    }
    nghttp2_data_provider prd = {.source = {.ptr = NULL}, .read_callback = h2_read_body};
    r->body_sent = 0;
    r->in_trailers = false;
    int32_t id = nghttp2_submit_request(c->h2, NULL, nva, n, run->body_len > 0 ? &prd : NULL, r);
    if (id < 0)
        return GS_TRAFFIC_ERR_PROTOCOL;
    r->stream_id = id;
    return GS_TRAFFIC_OK;
}

gs_traffic_error gs_traffic_h2_on_read(traffic_conn *c)
{
    if (c->h2 == NULL)
        return GS_TRAFFIC_OK;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t avail;
    while ((avail = evbuffer_get_length(in)) > 0) {
        struct evbuffer_iovec vec;
        if (evbuffer_peek(in, -1, NULL, &vec, 1) < 1)
            break;
        ssize_t rv = nghttp2_session_mem_recv(c->h2, vec.iov_base, vec.iov_len);
        if (rv < 0)
            return GS_TRAFFIC_ERR_PROTOCOL;
        evbuffer_drain(in, (size_t)rv);
        c->w->bytes_received += (uint64_t)rv;
    }
    return GS_TRAFFIC_OK;
}

gs_traffic_error gs_traffic_h2_on_bytes(traffic_conn *c, const char *data, size_t len,
                                        size_t *used)
{
    *used = 0;
    if (c->h2 == NULL)
        return GS_TRAFFIC_OK;
    ssize_t rv = nghttp2_session_mem_recv(c->h2, (const uint8_t *)data, len);
    if (rv < 0)
        return GS_TRAFFIC_ERR_PROTOCOL;
    *used = (size_t)rv;
    c->w->bytes_received += (uint64_t)rv;
    return GS_TRAFFIC_OK;
}

static void h2_on_eof(traffic_conn *c)
{
    /* HTTP/2 needs no EOF to delimit anything: a stream with its head and no END_STREAM was
     * cut (the others fail as the connection closes) */
    for (unsigned k = 0; k < c->nslots; k++)
        if (c->slots[k].in_use && c->slots[k].head_done)
            gs_traffic_req_finish(c, &c->slots[k], GS_TRAFFIC_ERR_RESET,
                                  GS_TRAFFIC_CLOSED_MID_RESPONSE);
}

/* Sends the frames gathered by a flush straight to a plain socket when nothing else waits to go
 * (no output buffer chain allocated, filled, written with writev and freed per write); what the
 * kernel does not take, and everything on TLS, goes to the output buffer, which the connection
 * writes as usual. Returns 0 or -1 (out of memory). */
static int h2_send(traffic_conn *c, const char *data, size_t len)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (!c->w->run->cfg.tls && c->state == TRAFFIC_CONN_READY && evbuffer_get_length(out) == 0) {
        ssize_t n = send(bufferevent_getfd(c->bev), data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n == (ssize_t)len)
            return 0;
        if (n > 0) { /* a partial write: the rest waits for the socket */
            data += n;
            len -= (size_t)n;
        }
        /* n < 0: EAGAIN, or an error the buffered write meets again and reports as usual */
    }
    return evbuffer_add(out, data, len);
}

gs_traffic_error gs_traffic_h2_flush(traffic_conn *c)
{
    if (c->h2 == NULL)
        return GS_TRAFFIC_OK;
    /* gather the frames into one piece: one TLS record / one write instead of one per frame */
    gs_buf *pending = &c->w->h2_out;
    gs_buf_reset(pending);
    for (;;) {
        const uint8_t *data;
        ssize_t n = nghttp2_session_mem_send(c->h2, &data);
        if (n < 0)
            return GS_TRAFFIC_ERR_PROTOCOL;
        if (n == 0)
            break;
        gs_buf_append(pending, data, (size_t)n);
    }
    if (pending->len > 0 && h2_send(c, pending->data, pending->len) != 0)
        return GS_TRAFFIC_ERR_PROTOCOL; /* out of memory */
    if (!nghttp2_session_want_read(c->h2) && !nghttp2_session_want_write(c->h2) && !c->want_close) {
        c->want_close = true;
        c->close_error = GS_TRAFFIC_ERR_RESET;
        c->close_detail = "HTTP/2 session ended (GOAWAY)";
    }
    return GS_TRAFFIC_OK;
}

static bool h2_expire(traffic_conn *c, traffic_req *r)
{
    if (c->h2 == NULL || r->stream_id <= 0)
        return true;
    nghttp2_session_set_stream_user_data(c->h2, r->stream_id, NULL);
    nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, r->stream_id, NGHTTP2_CANCEL);
    gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_TIMEOUT, "request timeout");
    return false;
}

static bool h2_draining(const traffic_conn *c)
{
    return c->h2_goaway;
}

const gs_proto_ops gs_traffic_h2_ops = {
    .name = "http2",
    .on_open = h2_on_open,
    .submit = h2_submit,
    .on_read = gs_traffic_h2_on_read,
    .on_bytes = gs_traffic_h2_on_bytes,
    .on_eof = h2_on_eof,
    .flush = gs_traffic_h2_flush,
    .expire = h2_expire,
    .draining = h2_draining,
    .on_close = gs_traffic_h2_session_close,
};
