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
        char line[160];
        int n = snprintf(line, sizeof(line), "x-gatesim-request-id: %s\r\n", r->id);
        rc = evbuffer_add(out, w->h1_prefix.data, w->h1_prefix.len) |
             evbuffer_add(out, line, (size_t)n) |
             evbuffer_add(out, w->h1_suffix.data, w->h1_suffix.len);
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

/* Feeds body bytes [0, n) of |in| to |r| and drains them. */
static void h1_take_body(traffic_conn *c, traffic_req *r, struct evbuffer *in, size_t n)
{
    struct evbuffer_iovec vec[8];
    size_t left = n;
    while (left > 0) {
        int nv = evbuffer_peek(in, (ev_ssize_t)left, NULL, vec, 8);
        size_t got = 0;
        for (int k = 0; k < nv && k < 8 && got < left; k++) {
            size_t len = vec[k].iov_len < left - got ? vec[k].iov_len : left - got;
            gs_traffic_req_body(c, r, vec[k].iov_base, len);
            got += len;
        }
        evbuffer_drain(in, got);
        left -= got;
    }
}

/* Decodes chunked body bytes; returns GS_TRAFFIC_OK (done or need more) or PROTOCOL. */
static gs_traffic_error h1_take_chunked(traffic_conn *c, traffic_req *r, struct evbuffer *in)
{
    traffic_worker *w = c->w;
    bool capture = w->run->cfg.on_response != NULL;
    while (evbuffer_get_length(in) > 0 && !gs_chunked_done(&c->h1_chunked)) {
        struct evbuffer_iovec vec;
        if (evbuffer_peek(in, -1, NULL, &vec, 1) < 1)
            break;
        uint64_t before = c->h1_chunked.total;
        gs_buf_reset(&w->chunk_scratch);
        bool keep = capture && r->body.len < w->run->cfg.body_limit + 5;
        ssize_t used = gs_chunked_decode(&c->h1_chunked, vec.iov_base, vec.iov_len,
                                         keep ? &w->chunk_scratch : NULL);
        if (used < 0)
            return GS_TRAFFIC_ERR_PROTOCOL;
        if (keep) {
            gs_traffic_req_body(c, r, w->chunk_scratch.data ? w->chunk_scratch.data : "",
                                w->chunk_scratch.len);
        } else {
            r->body_total += c->h1_chunked.total - before;
            w->bytes_received += c->h1_chunked.total - before;
        }
        evbuffer_drain(in, (size_t)used);
    }
    return GS_TRAFFIC_OK;
}

static gs_traffic_error h1_on_read(traffic_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    for (;;) {
        size_t avail = evbuffer_get_length(in);
        if (avail == 0)
            return GS_TRAFFIC_OK;
        traffic_req *r = h1_current(c);
        if (r == NULL)
            return GS_TRAFFIC_ERR_PROTOCOL; /* bytes nobody asked for */
        if (!r->head_done) {
            size_t want = avail < GS_H1_RESPONSE_MAX_HEAD ? avail : GS_H1_RESPONSE_MAX_HEAD;
            const char *data = (const char *)evbuffer_pullup(in, (ev_ssize_t)want);
            int n = gs_h1_response_parse(c->h1, data, want, c->w->run->h1_parse_flags);
            if (n == GS_ERR_INCOMPLETE)
                return GS_TRAFFIC_OK;
            if (n < 0 || c->h1->upgrade)
                return GS_TRAFFIC_ERR_PROTOCOL;
            if (c->h1->informational) {
                evbuffer_drain(in, (size_t)n);
                continue;
            }
            r->status = c->h1->status;
            bool copy_all = c->w->run->cfg.on_response != NULL;
            for (size_t k = 0; k < c->h1->num_headers; k++) {
                const gs_h1_header *h = &c->h1->headers[k];
                if (copy_all || GS_TRAFFIC_HEADER_READ(h->name_len))
                    gs_traffic_req_header(c, r, h->name, h->name_len, h->value, h->value_len,
                                          false);
            }
            c->h1_body = c->h1->body;
            c->h1_remaining = c->h1->content_length;
            c->h1_keep_alive = c->h1->keep_alive;
            if (c->h1_body == GS_H1_BODY_CHUNKED)
                gs_chunked_init(&c->h1_chunked);
            c->w->bytes_received += (uint64_t)n;
            size_t used = (size_t)n;
            if (c->h1_body == GS_H1_BODY_LENGTH && c->h1_remaining <= want - used) {
                /* The whole body came with the head (the usual small answer): take it from the
                 * bytes already pulled up and drain once; each drain runs libevent's buffer
                 * callbacks. */
                if (c->h1_remaining > 0)
                    gs_traffic_req_body(c, r, data + used, (size_t)c->h1_remaining);
                used += (size_t)c->h1_remaining;
                c->h1_remaining = 0;
            }
            evbuffer_drain(in, used);
            r->head_done = true;
        }
        switch (c->h1_body) {
        case GS_H1_BODY_NONE:
            h1_complete(c, r);
            break;
        case GS_H1_BODY_LENGTH: {
            if (c->h1_remaining == 0) {
                h1_complete(c, r);
                break;
            }
            size_t have = evbuffer_get_length(in);
            size_t n = c->h1_remaining < have ? (size_t)c->h1_remaining : have;
            h1_take_body(c, r, in, n);
            c->h1_remaining -= n;
            if (c->h1_remaining > 0)
                return GS_TRAFFIC_OK;
            h1_complete(c, r);
            break;
        }
        case GS_H1_BODY_CHUNKED:
            if (h1_take_chunked(c, r, in) != GS_TRAFFIC_OK)
                return GS_TRAFFIC_ERR_PROTOCOL;
            if (!gs_chunked_done(&c->h1_chunked))
                return GS_TRAFFIC_OK;
            h1_complete(c, r);
            break;
        case GS_H1_BODY_UNTIL_CLOSE:
            h1_take_body(c, r, in, evbuffer_get_length(in));
            return GS_TRAFFIC_OK;
        }
        if (c->want_close)
            return GS_TRAFFIC_OK;
    }
}

static void h1_on_eof(traffic_conn *c)
{
    traffic_req *r = h1_current(c);
    if (r != NULL && r->head_done && c->h1_body == GS_H1_BODY_UNTIL_CLOSE) {
        h1_complete(c, r);
        return;
    }
    /* A reused connection closed cleanly before a single byte of the answer: the server timed
     * it out as the request was on its way (RFC 9112 §9.3.1). Idempotent requests go again. */
    if (r != NULL && !r->head_done && c->served > 0 && c->w->run->idempotent &&
        evbuffer_get_length(bufferevent_get_input(c->bev)) == 0) {
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
    .on_eof = h1_on_eof,
    .flush = h1_flush,
    .expire = h1_expire,
    .draining = h1_draining,
    .on_close = h1_on_close,
};
