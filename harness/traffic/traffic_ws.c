/* SPDX-License-Identifier: MIT */
/* WebSocket on a traffic connection (GS_TRAFFIC_WEBSOCKET): one request is one connection
 * carrying an HTTP/1.1 Upgrade (RFC 6455 §4) and, once the server switched protocols with the
 * right Sec-WebSocket-Accept, the run's messages, each sent as one masked frame and awaited
 * back whole (an echo server's answer, fragmented or not) before the next goes. The request is
 * a response with the handshake's status and headers: a status other than 101 finishes it as
 * an ordinary answer (the gateway or the backend refused the upgrade); a 101 whose handshake
 * or echo is wrong is a protocol error that says what differed. As for layer 4, the run forces
 * one request per connection, so traffic_conn.c's timeouts and error classes apply unchanged.
 * The frames and echoes (gs_traffic_ws_opened, gs_traffic_ws_frames) are shared with WebSocket
 * over HTTP/2 (traffic_ws_h2.c), which carries them in one stream's DATA instead. */
#include "traffic_worker.h"

#include "gs_alloc.h"
#include "gs_error.h"
#include "gs_ws.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

/* Largest echoed message accepted (frames and a reassembled message alike). */
#define WS_MAX_MESSAGE (1u << 20)

static traffic_req *ws_current(traffic_conn *c)
{
    for (unsigned k = 0; k < c->nslots; k++) {
        if (c->slots[k].in_use)
            return &c->slots[k];
    }
    return NULL;
}

static int ws_on_open(traffic_conn *c)
{
    if (c->h1 == NULL)
        c->h1 = gs_xmalloc(sizeof(*c->h1));
    c->ws_open = false;
    c->ws_next = 0;
    c->ws_assembling = false;
    gs_buf_reset(&c->ws_message);
    return 0;
}

/* Appends one client frame of |payload| to the output (masked with fresh random bytes): the
 * connection's, or over HTTP/2 the stream's (a close frame then ends the stream). */
static int ws_send_frame(traffic_conn *c, int opcode, const void *payload, size_t len)
{
    uint8_t mask[4];
    if (RAND_bytes(mask, sizeof(mask)) != 1)
        return -1;
    gs_buf *b = &c->w->chunk_scratch;
    gs_buf_reset(b);
    gs_ws_frame_write(b, true, opcode, mask, payload, len);
    if (c->w->run->cfg.ws_h2) {
        gs_traffic_ws_h2_queue(c, b->data, b->len, opcode == GS_WS_CLOSE);
        return 0;
    }
    return evbuffer_add(bufferevent_get_output(c->bev), b->data, b->len);
}

static gs_traffic_error ws_submit(traffic_conn *c, traffic_req *r)
{
    const traffic_run *run = c->w->run;
    uint8_t raw[16];
    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return GS_TRAFFIC_ERR_PROTOCOL;
    char key[25];
    EVP_EncodeBlock((unsigned char *)key, raw, (int)sizeof(raw)); /* 24 characters + NUL */
    gs_ws_accept(key, strlen(key), c->ws_accept);
    gs_buf *b = &c->w->chunk_scratch;
    gs_buf_reset(b);
    gs_buf_printf(b,
                  "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n",
                  run->path, run->authority, key);
    for (size_t k = 0; k < run->num_headers; k++)
        gs_buf_printf(b, "%s: %s\r\n", run->headers[k].name, run->headers[k].value);
    if (r->id[0])
        gs_buf_printf(b, "x-gatesim-request-id: %s\r\n", r->id);
    gs_buf_puts(b, "\r\n");
    if (evbuffer_add(bufferevent_get_output(c->bev), b->data, b->len) != 0)
        return GS_TRAFFIC_ERR_PROTOCOL;
    return GS_TRAFFIC_OK;
}

/* Sends the next message, or when all were echoed a close (1000) and finishes |r|. */
static gs_traffic_error ws_send_next(traffic_conn *c, traffic_req *r)
{
    const gs_traffic_config *cfg = &c->w->run->cfg;
    if (c->ws_next == cfg->num_ws_messages) {
        static const uint8_t normal[2] = {0x03, 0xe8}; /* 1000 */
        (void)ws_send_frame(c, GS_WS_CLOSE, normal, sizeof(normal));
        gs_traffic_req_finish(c, r, GS_TRAFFIC_OK, NULL);
        return GS_TRAFFIC_OK;
    }
    const gs_traffic_ws_message *m = &cfg->ws_messages[c->ws_next];
    if (ws_send_frame(c, m->binary ? GS_WS_BINARY : GS_WS_TEXT, m->data, m->len) != 0)
        return GS_TRAFFIC_ERR_PROTOCOL;
    return GS_TRAFFIC_OK;
}

/* Reads the handshake's answer from |in|: *switched once a good 101 is consumed; |r| finished
 * when the answer was another status or a wrong 101; nothing when more bytes are needed. */
static gs_traffic_error ws_read_head(traffic_conn *c, traffic_req *r, struct evbuffer *in,
                                     bool *switched)
{
    *switched = false;
    for (;;) {
        size_t avail = evbuffer_get_length(in);
        if (avail == 0)
            return GS_TRAFFIC_OK;
        size_t want = avail < GS_H1_RESPONSE_MAX_HEAD ? avail : GS_H1_RESPONSE_MAX_HEAD;
        const char *data = (const char *)evbuffer_pullup(in, (ev_ssize_t)want);
        int n = gs_h1_response_parse(c->h1, data, want, 0);
        if (n == GS_ERR_INCOMPLETE)
            return GS_TRAFFIC_OK;
        if (n < 0)
            return GS_TRAFFIC_ERR_PROTOCOL;
        if (c->h1->informational) {
            evbuffer_drain(in, (size_t)n);
            continue;
        }
        r->status = c->h1->status;
        r->version = 10 + c->h1->minor_version;
        for (size_t k = 0; k < c->h1->num_headers; k++) {
            const gs_h1_header *h = &c->h1->headers[k];
            gs_traffic_req_header(c, r, h->name, h->name_len, h->value, h->value_len, false);
        }
        c->w->bytes_received += (uint64_t)n;
        if (r->status != 101) { /* refused: an ordinary answer (its body is not needed) */
            evbuffer_drain(in, (size_t)n);
            gs_traffic_req_finish(c, r, GS_TRAFFIC_OK, NULL);
            return GS_TRAFFIC_OK;
        }
        const gs_h1_header *up = gs_h1_response_header(c->h1, "upgrade");
        const gs_h1_header *conn = gs_h1_response_header(c->h1, "connection");
        const gs_h1_header *acc = gs_h1_response_header(c->h1, "sec-websocket-accept");
        const char *why = NULL;
        if (up == NULL || !gs_h1_header_has_token(up, "websocket"))
            why = "101 without Upgrade: websocket";
        else if (conn == NULL || !gs_h1_header_has_token(conn, "upgrade"))
            why = "101 without Connection: upgrade";
        else if (acc == NULL || acc->value_len != 28 || memcmp(acc->value, c->ws_accept, 28) != 0)
            why = "101 with a wrong or missing Sec-WebSocket-Accept";
        evbuffer_drain(in, (size_t)n);
        if (why != NULL) {
            gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_PROTOCOL, why);
            return GS_TRAFFIC_OK;
        }
        *switched = true;
        return GS_TRAFFIC_OK;
    }
}

/* A whole message came back: it must be the one sent last. */
static gs_traffic_error ws_message_done(traffic_conn *c, traffic_req *r)
{
    const gs_traffic_config *cfg = &c->w->run->cfg;
    if (c->ws_next >= cfg->num_ws_messages) {
        gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_PROTOCOL, "a message nobody sent");
        return GS_TRAFFIC_OK;
    }
    const gs_traffic_ws_message *m = &cfg->ws_messages[c->ws_next];
    int want = m->binary ? GS_WS_BINARY : GS_WS_TEXT;
    if (c->ws_opcode != want) {
        gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_PROTOCOL,
                              m->binary ? "a binary message came back as text"
                                        : "a text message came back as binary");
        return GS_TRAFFIC_OK;
    }
    if (c->ws_message.len != m->len ||
        (m->len > 0 && memcmp(c->ws_message.data, m->data, m->len) != 0)) {
        gs_traffic_req_body(c, r, c->ws_message.data ? c->ws_message.data : "",
                            c->ws_message.len);
        gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_PROTOCOL,
                              "a message came back different from the one sent");
        return GS_TRAFFIC_OK;
    }
    gs_traffic_req_body(c, r, c->ws_message.data ? c->ws_message.data : "", c->ws_message.len);
    gs_buf_reset(&c->ws_message);
    c->ws_assembling = false;
    c->ws_next++;
    return ws_send_next(c, r);
}

gs_traffic_error gs_traffic_ws_opened(traffic_conn *c, traffic_req *r)
{
    c->ws_open = true;
    r->head_done = true;
    return ws_send_next(c, r);
}

gs_traffic_error gs_traffic_ws_frames(traffic_conn *c, traffic_req *r, const uint8_t *data,
                                      size_t avail, size_t *used)
{
    *used = 0;
    while (r->in_use && *used < avail) {
        gs_ws_frame f;
        int64_t n = gs_ws_frame_parse(data + *used, avail - *used, WS_MAX_MESSAGE, &f);
        if (n == GS_ERR_INCOMPLETE)
            return GS_TRAFFIC_OK;
        const char *why = NULL;
        if (n == GS_ERR_RANGE)
            why = "a frame over 1 MiB";
        else if (n < 0)
            why = "a malformed frame from the server";
        else if (f.masked)
            why = "a masked frame from the server";
        if (why != NULL) {
            gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_PROTOCOL, why);
            return GS_TRAFFIC_OK;
        }
        c->w->bytes_received += (uint64_t)n;
        gs_traffic_error e = GS_TRAFFIC_OK;
        switch (f.opcode) {
        case GS_WS_PING:
            if (ws_send_frame(c, GS_WS_PONG, f.payload, (size_t)f.len) != 0)
                e = GS_TRAFFIC_ERR_PROTOCOL;
            break;
        case GS_WS_PONG:
            break;
        case GS_WS_CLOSE:
            gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_RESET,
                                  "the server closed the WebSocket before echoing every message");
            break;
        default:
            if ((f.opcode == GS_WS_CONTINUATION) != c->ws_assembling) {
                gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_PROTOCOL,
                                      "a continuation frame out of place");
                break;
            }
            if (f.opcode != GS_WS_CONTINUATION)
                c->ws_opcode = f.opcode;
            c->ws_assembling = true;
            if (c->ws_message.len + f.len > WS_MAX_MESSAGE) {
                gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_PROTOCOL, "a message over 1 MiB");
                break;
            }
            gs_buf_append(&c->ws_message, f.payload, (size_t)f.len);
            if (f.fin)
                e = ws_message_done(c, r);
            break;
        }
        *used += (size_t)n;
        if (e != GS_TRAFFIC_OK)
            return e;
    }
    return GS_TRAFFIC_OK;
}

static gs_traffic_error ws_on_read(traffic_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    traffic_req *r = ws_current(c);
    if (r == NULL)
        return evbuffer_get_length(in) == 0 ? GS_TRAFFIC_OK : GS_TRAFFIC_ERR_PROTOCOL;
    if (!c->ws_open) {
        bool switched = false;
        gs_traffic_error e = ws_read_head(c, r, in, &switched);
        if (e != GS_TRAFFIC_OK || !switched)
            return e;
        if ((e = gs_traffic_ws_opened(c, r)) != GS_TRAFFIC_OK || !r->in_use)
            return e;
    }
    size_t avail = evbuffer_get_length(in);
    if (avail == 0)
        return GS_TRAFFIC_OK;
    size_t used = 0;
    gs_traffic_error e = gs_traffic_ws_frames(c, r, evbuffer_pullup(in, -1), avail, &used);
    evbuffer_drain(in, used);
    return e;
}

static void ws_on_eof(traffic_conn *c)
{
    (void)c; /* a close before the last echo fails the request as the caller closes */
}

static gs_traffic_error ws_flush(traffic_conn *c)
{
    (void)c;
    return GS_TRAFFIC_OK;
}

static bool ws_expire(traffic_conn *c, traffic_req *r)
{
    (void)c;
    (void)r;
    return true; /* the connection is the request */
}

static bool ws_draining(const traffic_conn *c)
{
    (void)c;
    return false;
}

static void ws_on_close(traffic_conn *c)
{
    c->ws_open = false;
    c->ws_assembling = false;
}

const gs_proto_ops gs_traffic_ws_ops = {
    .name = "websocket",
    .on_open = ws_on_open,
    .submit = ws_submit,
    .on_read = ws_on_read,
    .on_eof = ws_on_eof,
    .flush = ws_flush,
    .expire = ws_expire,
    .draining = ws_draining,
    .on_close = ws_on_close,
};
