/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 connection glue for gatesim-echo: feeds the bufferevent's bytes to gs_h1_request and
 * gs_chunked, hands complete requests to the handler, writes responses (with delay, slow-body
 * and reset faults) in order, keep-alive and pipelining included. Requests are answered one at a
 * time; pipelined bytes wait in the input buffer. */
#include "echo_conn.h"
#include "echo_ws.h"

#include "gs_alloc.h"
#include "gs_chunked.h"
#include "gs_h1_request.h"
#include "gs_http_status.h"
#include "gs_log.h"
#include "gs_time.h"

#include <assert.h>
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H1_SLOW_PIECE 64
#define H1_WRITE_HIGH (256 * 1024) /* stop reading requests while this much is unsent */
#define H1_READ_HIGH (1024 * 1024) /* input kept while a response is in progress */

typedef enum h1_state {
    H1_READ_HEAD = 0,
    H1_READ_BODY,
    H1_DELAY,     /* waiting for the response delay */
    H1_SLOW_BODY, /* trickling the body */
    H1_WRITING,   /* output over the high mark: wait for it to drain */
    H1_CLOSING,   /* close once the output is flushed */
    H1_WEBSOCKET, /* upgraded: frames are echoed (echo_ws.h) until a close */
} h1_state;

typedef struct h1_conn {
    gs_echo_conn *c;
    h1_state state;
    gs_h1_request req;
    gs_buf head; /* the current request head (the parsed pointers point here) */
    gs_buf body;
    gs_chunked chunked;
    uint64_t body_left; /* Content-Length bytes still to read */
    bool body_chunked;
    bool keep_alive;
    bool head_method;
    bool peer_eof;
    bool draining;
    bool reset; /* with H1_CLOSING: abort with RST instead of flushing */
    gs_echo_header fields[GS_H1_MAX_HEADERS];
    gs_echo_response resp;
    size_t slow_off;
    struct event *timer;
    int read_timeout; /* -1 unknown, 0 off, 1 on */
    gs_buf out;       /* response head being formatted */
} h1_conn;

static void h1_process(h1_conn *h);

/* The one place the state changes. A closing connection never comes back; a response in
 * progress (delay, slow body) only moves on to the next request, to WRITING or to CLOSING. */
static void h1_set_state(h1_conn *h, h1_state next)
{
    assert(h->state != H1_CLOSING || next == H1_CLOSING);
    assert(next != H1_READ_BODY || h->state == H1_READ_HEAD);
    assert(next != H1_DELAY || h->state == H1_READ_HEAD || h->state == H1_READ_BODY);
    h->state = next;
}

static void h1_set_read_timeout(h1_conn *h, bool on)
{
    if (h->read_timeout == (int)on)
        return;
    h->read_timeout = on;
    const gs_echo_config *cfg = h->c->w->cfg;
    struct timeval idle = {(time_t)(cfg->idle_timeout_ns / GS_NS_PER_S),
                           (suseconds_t)((cfg->idle_timeout_ns % GS_NS_PER_S) / 1000)};
    gs_echo_conn_timeouts(h->c, on ? &idle : NULL, &idle);
}

static bool h1_no_body_status(int status)
{
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

/* Writes the status line and fields (and, unless slow, the whole body). */
static void h1_write_head(h1_conn *h, bool close)
{
    gs_echo_response *r = &h->resp;
    gs_buf *o = &h->out;
    gs_buf_reset(o);
    char num[24];
    size_t nn = gs_echo_utoa((uint64_t)r->status, num);
    gs_buf_append(o, "HTTP/1.1 ", 9);
    gs_buf_append(o, num, nn);
    gs_buf_putc(o, ' ');
    gs_buf_puts(o, gs_http_reason(r->status));
    gs_buf_append(o, "\r\n", 2);
    size_t pos = 0, nl, vl;
    const char *n, *v;
    while (gs_echo_response_next(r, &pos, &n, &nl, &v, &vl)) {
        gs_buf_append(o, n, nl);
        gs_buf_append(o, ": ", 2);
        gs_buf_append(o, v, vl);
        gs_buf_append(o, "\r\n", 2);
    }
    if (!h1_no_body_status(r->status)) {
        nn = gs_echo_utoa(r->body.len, num);
        gs_buf_append(o, "content-length: ", 16);
        gs_buf_append(o, num, nn);
        gs_buf_append(o, "\r\n", 2);
    }
    if (close)
        gs_buf_puts(o, "connection: close\r\n");
    else if (h->req.version_minor == 0)
        gs_buf_puts(o, "connection: keep-alive\r\n");
    gs_buf_append(o, "\r\n", 2);
    bool send_body = !h->head_method && !h1_no_body_status(r->status);
    if (send_body && r->slow_body_ns <= 0 && r->body.len > 0) {
        gs_buf_append(o, r->body.data, r->body.len);
        send_body = false;
    }
    gs_echo_conn_send(h->c, o->data, o->len);
    h->slow_off = send_body ? 0 : r->body.len;
}

/* The response is fully queued: go on with the next request or close. */
static void h1_response_done(h1_conn *h, bool close)
{
    if (close) {
        h1_set_state(h, H1_CLOSING);
        gs_echo_conn_read(h->c, false);
        return;
    }
    gs_h1_request_reset(&h->req);
    gs_buf_reset(&h->body);
    if (evbuffer_get_length(bufferevent_get_output(h->c->bev)) > H1_WRITE_HIGH) {
        /* Busy writing: the client is not idle (the write timeout still guards the output). */
        h1_set_read_timeout(h, false);
        h1_set_state(h, H1_WRITING);
        return;
    }
    h1_set_read_timeout(h, true);
    h1_set_state(h, H1_READ_HEAD);
    h1_process(h);
}

static bool h1_should_close(h1_conn *h)
{
    return !h->keep_alive || h->resp.close || h->draining;
}

/* Queues the next piece of a slow body, or finishes the response. */
static void h1_slow_piece(h1_conn *h)
{
    gs_echo_response *r = &h->resp;
    size_t n = r->body.len - h->slow_off;
    if (n > H1_SLOW_PIECE)
        n = H1_SLOW_PIECE;
    gs_echo_conn_send(h->c, r->body.data + h->slow_off, n);
    h->slow_off += n;
    if (h->slow_off < r->body.len) {
        struct timeval tv = {(time_t)(r->slow_body_ns / GS_NS_PER_S),
                             (suseconds_t)((r->slow_body_ns % GS_NS_PER_S) / 1000)};
        evtimer_add(h->timer, &tv);
        return;
    }
    h1_response_done(h, h1_should_close(h));
}

static void h1_send_response(h1_conn *h)
{
    bool close = h1_should_close(h);
    h1_write_head(h, close);
    if (h->slow_off < h->resp.body.len) {
        h1_set_state(h, H1_SLOW_BODY);
        h1_slow_piece(h);
        return;
    }
    h1_response_done(h, close);
}

/* Closes the connection if it is due; every callback ends here and returns right after. */
static void h1_after(h1_conn *h)
{
    if (h->state == H1_CLOSING &&
        (h->reset || evbuffer_get_length(bufferevent_get_output(h->c->bev)) == 0))
        gs_echo_conn_close(h->c, h->reset);
}

/* Fires when the response delay has passed, and between the pieces of a slow body. */
static void on_h1_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    h1_conn *h = arg;
    if (h->state == H1_DELAY)
        h1_send_response(h);
    else if (h->state == H1_SLOW_BODY)
        h1_slow_piece(h);
    h1_after(h);
}

static void h1_dispatch(h1_conn *h)
{
    gs_echo_conn *c = h->c;
    gs_h1_request *q = &h->req;
    for (size_t i = 0; i < q->num_headers; i++) {
        h->fields[i].name = q->headers[i].name;
        h->fields[i].name_len = q->headers[i].name_len;
        h->fields[i].value = q->headers[i].value;
        h->fields[i].value_len = q->headers[i].value_len;
    }
    gs_echo_request er = {
        .method = q->method,
        .method_len = q->method_len,
        .target = q->target,
        .target_len = q->target_len,
        .authority = q->host,
        .authority_len = q->host_len,
        .proto = q->version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1",
        .headers = h->fields,
        .n_headers = q->num_headers,
        .body = h->body.data,
        .body_len = h->body.len,
        .tls = c->is_tls ? &c->tls : NULL,
        .peer_cert = c->peer_cert,
        .local_port = c->local_port,
    };
    h->keep_alive = q->keep_alive;
    h->head_method = gs_h1_strieq(q->method, q->method_len, "HEAD");
    if (c->kind != GS_ECHO_LISTENER_CONTROL && gs_echo_ws_is_upgrade(&er)) {
        gs_echo_handle_websocket(&c->w->ctx, &er, &h->resp);
        h1_write_head(h, false);
        h1_set_state(h, H1_WEBSOCKET);
        return;
    }
    if (c->kind == GS_ECHO_LISTENER_CONTROL)
        gs_echo_handle_control(&c->w->ctx, &er, &h->resp);
    else
        gs_echo_handle(&c->w->ctx, &er, &h->resp);
    if (h->resp.reset) {
        h1_set_state(h, H1_CLOSING);
        h->reset = true;
        return;
    }
    if (h->resp.delay_ns > 0) {
        h1_set_state(h, H1_DELAY);
        h1_set_read_timeout(h, false);
        struct timeval tv = {(time_t)(h->resp.delay_ns / GS_NS_PER_S),
                             (suseconds_t)((h->resp.delay_ns % GS_NS_PER_S) / 1000)};
        evtimer_add(h->timer, &tv);
        return;
    }
    h1_send_response(h);
}

/* Answers a malformed request and closes (the framing of what follows is unknown). */
static void h1_reject(h1_conn *h, int status, const char *why)
{
    gs_echo_log_count(h->c->w->ctx.log, "h1_rejected");
    if (!h->c->w->cfg->quiet)
        gs_log_debug("rejecting HTTP/1.1 request: %d %s", status, why);
    gs_echo_response_reset(&h->resp);
    h->resp.status = status;
    gs_echo_response_add(&h->resp, "content-type", 12, "text/plain", 10);
    gs_buf_printf(&h->resp.body, "%s\n", why);
    h->head_method = false;
    h->req.version_minor = 1;
    h1_write_head(h, true);
    h1_response_done(h, true);
}

/* Copies the parsed head out of the input buffer so its pointers survive the drain. */
static void h1_take_head(h1_conn *h, const char *data, size_t n)
{
    gs_buf_reset(&h->head);
    gs_buf_append(&h->head, data, n);
    const char *base = h->head.data;
#define H1_REBASE(p)                                                                               \
    do {                                                                                           \
        if ((p) != NULL)                                                                           \
            (p) = base + ((p)-data);                                                               \
    } while (0)
    H1_REBASE(h->req.method);
    H1_REBASE(h->req.target);
    H1_REBASE(h->req.host);
    for (size_t i = 0; i < h->req.num_headers; i++) {
        H1_REBASE(h->req.headers[i].name);
        H1_REBASE(h->req.headers[i].value);
    }
#undef H1_REBASE
}

static void h1_read_head(h1_conn *h, struct evbuffer *in)
{
    size_t len = evbuffer_get_length(in);
    if (len == 0)
        return;
    gs_echo_conn_head_begin(h->c); /* a head has begun: it must end within the header timeout */
    size_t want = len < 40000 ? len : 40000; /* past every default limit */
    /* Parse in place when the first chunk holds the head (the usual case); make more of the
     * buffer contiguous only when the head runs past it. */
    struct evbuffer_iovec v;
    evbuffer_peek(in, -1, NULL, &v, 1);
    const char *data = v.iov_base;
    size_t avail = v.iov_len < want ? v.iov_len : want;
    ssize_t n = gs_h1_request_parse(&h->req, data, avail, NULL);
    if (n == GS_ERR_INCOMPLETE && avail < want) {
        data = (const char *)evbuffer_pullup(in, (ev_ssize_t)want);
        n = gs_h1_request_parse(&h->req, data, want, NULL);
    }
    if (n == GS_ERR_INCOMPLETE)
        return;
    gs_echo_conn_head_end(h->c);
    if (n < 0) {
        h1_reject(h, gs_h1_error_status(h->req.error), gs_h1_error_str(h->req.error));
        return;
    }
    h1_take_head(h, data, (size_t)n);
    evbuffer_drain(in, (size_t)n);
    gs_buf_reset(&h->body);
    h->body_chunked = h->req.body == GS_H1_BODY_CHUNKED;
    h->body_left = h->req.body == GS_H1_BODY_LENGTH ? h->req.content_length : 0;
    if (h->body_chunked)
        gs_chunked_init(&h->chunked);
    if (h->body_chunked || h->body_left > 0) {
        if (h->req.expect_continue)
            gs_echo_conn_send(h->c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
        h1_set_state(h, H1_READ_BODY);
        return;
    }
    h1_dispatch(h);
}

/* Returns true when the body is complete. */
static bool h1_read_body(h1_conn *h, struct evbuffer *in)
{
    size_t max = h->c->w->cfg->max_body;
    size_t len = evbuffer_get_length(in);
    if (!h->body_chunked) {
        size_t n = len < h->body_left ? len : (size_t)h->body_left;
        size_t keep = h->body.len < max ? max - h->body.len : 0;
        if (keep > n)
            keep = n;
        if (keep > 0) {
            char *dst = gs_buf_reserve(&h->body, keep);
            evbuffer_remove(in, dst, keep);
            h->body.len += keep;
            h->body.data[h->body.len] = '\0';
        }
        evbuffer_drain(in, n - keep);
        h->body_left -= n;
        return h->body_left == 0;
    }
    while (len > 0) {
        struct evbuffer_iovec vec;
        if (evbuffer_peek(in, -1, NULL, &vec, 1) < 1)
            break;
        ssize_t n = gs_chunked_decode(&h->chunked, vec.iov_base, vec.iov_len,
                                      h->body.len < max ? &h->body : NULL);
        if (n < 0) {
            h1_reject(h, 400, "invalid chunked body");
            return false;
        }
        evbuffer_drain(in, (size_t)n);
        len -= (size_t)n;
        if (gs_chunked_done(&h->chunked))
            return true;
    }
    return false;
}

/* Echoes the complete frames in |in|; stops while the output is over the high mark (the
 * write callback resumes) and closes after a close frame. */
static void h1_ws_read(h1_conn *h, struct evbuffer *in)
{
    for (;;) {
        size_t len = evbuffer_get_length(in);
        if (len == 0 || evbuffer_get_length(bufferevent_get_output(h->c->bev)) > H1_WRITE_HIGH)
            break;
        size_t want = len < GS_ECHO_WS_MAX_PAYLOAD + 14 ? len : GS_ECHO_WS_MAX_PAYLOAD + 14;
        const uint8_t *data = evbuffer_pullup(in, (ev_ssize_t)want);
        size_t used = 0;
        gs_buf_reset(&h->out);
        gs_echo_ws_result r = gs_echo_ws_step(data, want, &h->out, &used);
        if (r == GS_ECHO_WS_MORE)
            break;
        evbuffer_drain(in, used);
        if (h->out.len > 0)
            gs_echo_conn_send(h->c, h->out.data, h->out.len);
        if (r == GS_ECHO_WS_CLOSE) {
            h1_set_state(h, H1_CLOSING);
            gs_echo_conn_read(h->c, false);
            return;
        }
    }
    if (h->peer_eof)
        h1_set_state(h, H1_CLOSING);
}

static void h1_process(h1_conn *h)
{
    struct evbuffer *in = bufferevent_get_input(h->c->bev);
    for (;;) {
        h1_state before = h->state;
        size_t len = evbuffer_get_length(in);
        if (h->state == H1_READ_HEAD) {
            if ((h->draining || h->peer_eof) && len == 0) {
                h1_set_state(h, H1_CLOSING);
                return;
            }
            h1_read_head(h, in);
        } else if (h->state == H1_READ_BODY) {
            if (h1_read_body(h, in))
                h1_dispatch(h);
        } else if (h->state == H1_WEBSOCKET) {
            h1_ws_read(h, in);
            return;
        } else {
            return;
        }
        if (h->state == before && evbuffer_get_length(in) == len) {
            /* Waiting for bytes that will never come after the peer's EOF. */
            if (h->peer_eof)
                h1_set_state(h, H1_CLOSING);
            return;
        }
        if (h->state != H1_READ_HEAD && h->state != H1_READ_BODY && h->state != H1_WEBSOCKET)
            return;
    }
}

static bool h1_reading(const h1_conn *h)
{
    return h->state == H1_READ_HEAD || h->state == H1_READ_BODY || h->state == H1_WEBSOCKET;
}

/* Fires when input arrived. */
static void on_h1_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    h1_conn *h = arg;
    if (h1_reading(h))
        h1_process(h);
    h1_after(h);
}

/* Fires when the output buffer is empty; may close the connection. */
static void on_h1_write(struct bufferevent *bev, void *arg)
{
    (void)bev;
    h1_conn *h = arg;
    if (h->state == H1_WRITING) {
        h1_set_read_timeout(h, true);
        h1_set_state(h, H1_READ_HEAD);
        h1_process(h);
    } else if (h->state == H1_WEBSOCKET) {
        h1_process(h); /* frames held back while the output was over the mark */
    }
    h1_after(h);
}

/* Fires on EOF, errors and timeouts; may close the connection. */
static void on_h1_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    h1_conn *h = arg;
    if (what & BEV_EVENT_EOF) {
        /* The peer finished sending (maybe only half-closed): answer what is complete, flush,
         * then close. A response in progress finishes first. */
        h->peer_eof = true;
        if (h1_reading(h))
            h1_process(h);
        h1_after(h);
        return;
    }
    if (what & BEV_EVENT_TIMEOUT)
        gs_echo_log_count(h->c->w->ctx.log, "timeout");
    gs_echo_conn_close(h->c, false);
}

static void h1_drain(gs_echo_conn *c)
{
    h1_conn *h = c->proto;
    h->draining = true;
    if (h->state == H1_READ_HEAD && evbuffer_get_length(bufferevent_get_input(c->bev)) == 0)
        h1_set_state(h, H1_CLOSING);
    if (h->state == H1_WEBSOCKET) { /* close 1001, going away */
        gs_echo_conn_send(c, "\x88\x02\x03\xe9", 4);
        h1_set_state(h, H1_CLOSING);
    }
    h1_after(h);
}

static void h1_free(gs_echo_conn *c)
{
    h1_conn *h = c->proto;
    if (h == NULL)
        return;
    event_free(h->timer);
    gs_buf_clear(&h->head);
    gs_buf_clear(&h->body);
    gs_buf_clear(&h->out);
    gs_echo_response_free(&h->resp);
    free(h);
    c->proto = NULL;
}

static const gs_echo_proto_ops h1_ops = {"http/1.1", h1_drain, h1_free};

void gs_echo_h1_start(gs_echo_conn *c)
{
    h1_conn *h = gs_xcalloc(1, sizeof(*h));
    h->c = c;
    gs_h1_request_reset(&h->req);
    h->timer = evtimer_new(c->w->base, on_h1_timer, h);
    h->read_timeout = -1;
    c->proto = h;
    c->ops = &h1_ops;
    gs_echo_log_count(c->w->ctx.log, c->kind == GS_ECHO_LISTENER_CONTROL ? "control" : "h1");
    gs_echo_conn_setcb(c, on_h1_read, on_h1_write, on_h1_event, h);
    /* While a response is delayed or trickled, pipelined bytes wait in the input buffer; stop
     * reading past this much so a client cannot grow it without bound. */
    gs_echo_conn_read_high(c, H1_READ_HIGH);
    h1_set_read_timeout(h, true);
    gs_echo_conn_read(c, true);
    h1_process(h);
    h1_after(h);
}
