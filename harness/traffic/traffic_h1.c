/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 on a traffic connection: writes prebuilt request bytes (pipelined when a connection
 * has several slots) and reads responses in order with gs_h1_response and gs_chunked. Knows
 * nothing of scheduling or statistics; completions go to gs_traffic_req_finish. */
#include "traffic_worker.h"

#include "gs_alloc.h"
#include "gs_error.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

static traffic_req *h1_current(traffic_conn *c)
{
    if (c->fifo_len == 0)
        return NULL;
    return &c->slots[c->fifo[c->fifo_head]];
}

static void h1_pop(traffic_conn *c)
{
    c->fifo_head = (c->fifo_head + 1) % c->nslots;
    c->fifo_len--;
}

static int h1_on_open(traffic_conn *c)
{
    if (c->h1 == NULL)
        c->h1 = gs_xmalloc(sizeof(*c->h1));
    if (c->fifo == NULL)
        c->fifo = gs_xcalloc(c->nslots, sizeof(*c->fifo));
    c->fifo_head = c->fifo_len = 0;
    return 0;
}

/* Sends |len| bytes straight to the socket when nothing else waits to go and one request at a
 * time is in flight (no pipelined requests to batch into one write); what the kernel does not
 * take goes to the output buffer, which the connection then writes as usual. Skips the output
 * buffer's chain allocation, its callbacks and its writev for the usual request. Returns 0 or -1
 * (out of memory). */
static int h1_send(traffic_conn *c, struct evbuffer *out, const char *data, size_t len)
{
    if (c->nslots == 1 && !c->w->run->cfg.tls && c->state == TRAFFIC_CONN_READY &&
        evbuffer_get_length(out) == 0) {
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

static gs_traffic_error h1_submit(traffic_conn *c, traffic_req *r)
{
    traffic_worker *w = c->w;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    int rc;
    if (r->id[0] == '\0') {
        rc = h1_send(c, out, w->h1_full.data, w->h1_full.len);
    } else {
        /* assembled in one piece: one send (or one buffer add) as without an id */
        gs_buf *b = &w->h1_with_id;
        gs_buf_reset(b);
        gs_buf_append(b, w->h1_prefix.data, w->h1_prefix.len);
        gs_buf_printf(b, "x-gatesim-request-id: %s\r\n", r->id);
        gs_buf_append(b, w->h1_suffix.data, w->h1_suffix.len);
        rc = h1_send(c, out, b->data, b->len);
    }
    if (rc != 0)
        return GS_TRAFFIC_ERR_PROTOCOL;
    c->fifo[(c->fifo_head + c->fifo_len) % c->nslots] = (unsigned)(r - c->slots);
    c->fifo_len++;
    return GS_TRAFFIC_OK;
}

/* The response of |r| is complete. */
static void h1_complete(traffic_conn *c, traffic_req *r)
{
    bool keep = c->h1_keep_alive;
    h1_pop(c);
    gs_traffic_req_finish(c, r, GS_TRAFFIC_OK, NULL);
    if (!keep) {
        /* requests pipelined behind a closing response were not processed: send them again */
        while (c->fifo_len > 0) {
            traffic_req *next = h1_current(c);
            h1_pop(c);
            gs_traffic_req_requeue(c, next);
        }
    }
    if (!keep && !c->want_close) {
        c->want_close = true;
        c->close_error = GS_TRAFFIC_ERR_RESET;
        c->close_detail = "server closed the connection (Connection: close)";
    }
}

/* Decodes chunked body bytes from |data|; returns the bytes used (all of them while the body is
 * unfinished) or -1 on malformed chunking. */
static ssize_t h1_take_chunked(traffic_conn *c, traffic_req *r, const char *data, size_t len)
{
    traffic_worker *w = c->w;
    bool capture = w->run->cfg.on_response != NULL;
    uint64_t before = c->h1_chunked.total;
    gs_buf_reset(&w->chunk_scratch);
    bool keep = capture && r->body.len < w->run->cfg.body_limit + 5;
    ssize_t used = gs_chunked_decode(&c->h1_chunked, data, len, keep ? &w->chunk_scratch : NULL);
    if (used < 0)
        return -1;
    if (keep) {
        gs_traffic_req_body(c, r, w->chunk_scratch.data ? w->chunk_scratch.data : "",
                            w->chunk_scratch.len);
    } else {
        r->body_total += c->h1_chunked.total - before;
        w->bytes_received += c->h1_chunked.total - before;
    }
    return used;
}

/* Takes the head of |r| from the start of |data|. Returns its size, 0 when it is not complete
 * yet, or -1 when it is malformed or switches protocols. */
static ssize_t h1_take_head(traffic_conn *c, traffic_req *r, const char *data, size_t len)
{
    size_t want = len < GS_H1_RESPONSE_MAX_HEAD ? len : GS_H1_RESPONSE_MAX_HEAD;
    int n = gs_h1_response_parse(c->h1, data, want, c->w->run->h1_parse_flags);
    if (n == GS_ERR_INCOMPLETE)
        return 0;
    if (n < 0 || c->h1->upgrade)
        return -1;
    c->w->bytes_received += (uint64_t)n;
    if (c->h1->informational)
        return n; /* a final head follows */
    r->status = c->h1->status;
    r->version = 10 + c->h1->minor_version;
    bool copy_all = c->w->run->cfg.on_response != NULL;
    for (size_t k = 0; k < c->h1->num_headers; k++) {
        const gs_h1_header *h = &c->h1->headers[k];
        if (copy_all || GS_TRAFFIC_HEADER_READ(h->name_len))
            gs_traffic_req_header(c, r, h->name, h->name_len, h->value, h->value_len, false);
    }
    c->h1_body = c->h1->body;
    c->h1_remaining = c->h1->content_length;
    c->h1_keep_alive = c->h1->keep_alive;
    if (c->h1_body == GS_H1_BODY_CHUNKED)
        gs_chunked_init(&c->h1_chunked);
    r->head_done = true;
    return n;
}

/* Reads responses from the contiguous bytes |data|: as many heads and bodies as they hold.
 * Sets |*used| to the bytes taken; the rest (a head not complete yet, or what follows a closing
 * response) is left to the caller. The byte stream of the connection, whether it came straight
 * from the socket or from the input buffer. */
static gs_traffic_error h1_on_bytes(traffic_conn *c, const char *data, size_t len, size_t *used)
{
    size_t off = 0;
    gs_traffic_error e = GS_TRAFFIC_OK;
    while (off < len && !c->want_close) {
        traffic_req *r = h1_current(c);
        if (r == NULL) {
            e = GS_TRAFFIC_ERR_PROTOCOL; /* bytes nobody asked for */
            break;
        }
        if (!r->head_done) {
            ssize_t n = h1_take_head(c, r, data + off, len - off);
            if (n < 0) {
                e = GS_TRAFFIC_ERR_PROTOCOL;
                break;
            }
            if (n == 0)
                break; /* the head is not complete yet */
            off += (size_t)n;
            if (!r->head_done)
                continue; /* informational */
        }
        size_t left = len - off;
        switch (c->h1_body) {
        case GS_H1_BODY_NONE:
            break;
        case GS_H1_BODY_LENGTH: {
            size_t n = c->h1_remaining < left ? (size_t)c->h1_remaining : left;
            if (n > 0)
                gs_traffic_req_body(c, r, data + off, n);
            off += n;
            c->h1_remaining -= n;
            break;
        }
        case GS_H1_BODY_CHUNKED: {
            ssize_t n = h1_take_chunked(c, r, data + off, left);
            if (n < 0) {
                *used = off;
                return GS_TRAFFIC_ERR_PROTOCOL;
            }
            off += (size_t)n;
            break;
        }
        case GS_H1_BODY_UNTIL_CLOSE:
            gs_traffic_req_body(c, r, data + off, left);
            off = len;
            break;
        }
        bool done = c->h1_body == GS_H1_BODY_NONE ||
                    (c->h1_body == GS_H1_BODY_LENGTH && c->h1_remaining == 0) ||
                    (c->h1_body == GS_H1_BODY_CHUNKED && gs_chunked_done(&c->h1_chunked));
        if (!done)
            break; /* the body goes on in later bytes */
        h1_complete(c, r);
    }
    *used = off;
    return e;
}

/* Reads responses from the input buffer: chain by chain, pulling a head that spans chains up
 * into one piece. */
static gs_traffic_error h1_on_read(traffic_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t avail;
    while ((avail = evbuffer_get_length(in)) > 0 && !c->want_close) {
        struct evbuffer_iovec vec;
        if (evbuffer_peek(in, -1, NULL, &vec, 1) < 1)
            return GS_TRAFFIC_OK;
        const char *data = vec.iov_base;
        size_t len = vec.iov_len;
        traffic_req *r = h1_current(c);
        if (r != NULL && !r->head_done && len < avail && len < GS_H1_RESPONSE_MAX_HEAD) {
            len = avail < GS_H1_RESPONSE_MAX_HEAD ? avail : GS_H1_RESPONSE_MAX_HEAD;
            data = (const char *)evbuffer_pullup(in, (ev_ssize_t)len);
        }
        size_t used = 0;
        gs_traffic_error e = h1_on_bytes(c, data, len, &used);
        evbuffer_drain(in, used);
        if (e != GS_TRAFFIC_OK)
            return e;
        if (used == 0)
            return GS_TRAFFIC_OK; /* a head not complete yet */
    }
    return GS_TRAFFIC_OK;
}

/* The peer closed the connection (over TLS with or without close_notify: the framing decides,
 * not the TLS layer). */
static void h1_on_eof(traffic_conn *c)
{
    traffic_req *r = h1_current(c);
    if (r == NULL)
        return;
    if (r->head_done && c->h1_body == GS_H1_BODY_UNTIL_CLOSE) {
        h1_complete(c, r);
        return;
    }
    bool begun = r->head_done || evbuffer_get_length(bufferevent_get_input(c->bev)) > 0;
    if (begun) {
        /* a Content-Length or chunked body not finished, or a head cut short */
        h1_pop(c);
        gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_RESET, GS_TRAFFIC_CLOSED_MID_RESPONSE);
        return;
    }
    /* A reused connection closed cleanly before a single byte of the answer: the server timed
     * it out as the request was on its way (RFC 9112 §9.3.1). Idempotent requests go again. */
    if (c->served > 0 && c->w->run->idempotent) {
        while (c->fifo_len > 0) {
            traffic_req *next = h1_current(c);
            h1_pop(c);
            gs_traffic_req_requeue(c, next);
        }
    }
}

static gs_traffic_error h1_flush(traffic_conn *c)
{
    (void)c;
    return GS_TRAFFIC_OK; /* bytes went straight to the output buffer */
}

static bool h1_expire(traffic_conn *c, traffic_req *r)
{
    (void)c;
    (void)r;
    return true; /* a late response would desynchronise the pipeline: drop the connection */
}

static bool h1_draining(const traffic_conn *c)
{
    (void)c;
    return false;
}

static void h1_on_close(traffic_conn *c)
{
    c->fifo_head = c->fifo_len = 0;
}

const gs_proto_ops gs_traffic_h1_ops = {
    .name = "http1",
    .on_open = h1_on_open,
    .submit = h1_submit,
    .on_read = h1_on_read,
    .on_bytes = h1_on_bytes,
    .on_eof = h1_on_eof,
    .flush = h1_flush,
    .expire = h1_expire,
    .draining = h1_draining,
    .on_close = h1_on_close,
};
