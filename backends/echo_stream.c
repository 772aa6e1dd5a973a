/* SPDX-License-Identifier: MIT */
/* The TCP and TLS echo: on a --tcp-listen or --tcp-tls-listen connection every line the client
 * sends is answered with one JSON line (echo_l4.c). Moves bytes only; the answer is pure. A
 * connection lives until the client closes it, the idle timeout fires, or a line is too long. */
#include "echo_conn.h"
#include "echo_l4.h"

#include "gs_addr.h"
#include "gs_alloc.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <sys/socket.h>

typedef struct stream_state {
    gs_buf reply;  /* reused for every answer */
    char peer[80]; /* the client's "host:port" */
    bool closing;  /* close once the output is flushed */
} stream_state;

static void stream_close_when_flushed(gs_echo_conn *c)
{
    stream_state *st = c->proto;
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        gs_echo_conn_close(c, false);
        return;
    }
    st->closing = true;
    gs_echo_conn_read(c, false);
}

/* Answers every complete line in the input; a line over the limit ends the connection. */
static void stream_answer_lines(gs_echo_conn *c)
{
    stream_state *st = c->proto;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    const char *proto = c->is_tls ? "tls" : "tcp";
    while (!st->closing) {
        size_t avail = evbuffer_get_length(in);
        if (avail == 0)
            return;
        size_t look = avail < GS_ECHO_L4_MAX_LINE + 2 ? avail : GS_ECHO_L4_MAX_LINE + 2;
        const char *data = (const char *)evbuffer_pullup(in, (ev_ssize_t)look);
        size_t line_len = 0;
        size_t used = gs_echo_l4_line(data, look, &line_len);
        gs_buf_reset(&st->reply);
        if (used == 0 || line_len > GS_ECHO_L4_MAX_LINE) {
            if (look <= GS_ECHO_L4_MAX_LINE && used == 0)
                return; /* wait for the rest of the line */
            gs_echo_log_count(c->w->ctx.log, "line_too_long");
            gs_echo_l4_reply_too_long(&c->w->ctx, &st->reply);
            gs_echo_conn_send(c, st->reply.data, st->reply.len);
            stream_close_when_flushed(c);
            return;
        }
        gs_echo_l4_request req = {
            .proto = proto,
            .data = data,
            .len = line_len,
            .tls = c->is_tls ? &c->tls : NULL,
            .peer = st->peer,
            .local_port = c->local_port,
        };
        gs_echo_l4_reply(&c->w->ctx, &req, &st->reply);
        evbuffer_drain(in, used);
        gs_echo_conn_send(c, st->reply.data, st->reply.len);
    }
}

/* Fires when bytes arrived. */
static void on_stream_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    stream_answer_lines(arg);
}

/* Fires when the output buffer drained: the place to finish a close that waited for it. May
 * free the connection. */
static void on_stream_write(struct bufferevent *bev, void *arg)
{
    (void)bev;
    gs_echo_conn *c = arg;
    stream_state *st = c->proto;
    if (st->closing)
        gs_echo_conn_close(c, false);
}

/* Fires on EOF, errors and the idle timeout. Frees the connection (after flushing on EOF). */
static void on_stream_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    gs_echo_conn *c = arg;
    if (what & BEV_EVENT_TIMEOUT)
        gs_echo_log_count(c->w->ctx.log, "timeout");
    if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
        stream_close_when_flushed(c);
        return;
    }
    gs_echo_conn_close(c, false);
}

static void stream_drain(gs_echo_conn *c)
{
    stream_close_when_flushed(c);
}

static void stream_free(gs_echo_conn *c)
{
    stream_state *st = c->proto;
    if (st == NULL)
        return;
    gs_buf_clear(&st->reply);
    free(st);
    c->proto = NULL;
}

static const gs_echo_proto_ops stream_ops = {
    .name = "stream",
    .drain = stream_drain,
    .free = stream_free,
};

void gs_echo_stream_start(gs_echo_conn *c)
{
    stream_state *st = gs_xcalloc(1, sizeof(*st));
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (getpeername(bufferevent_getfd(c->bev), (struct sockaddr *)&ss, &sl) == 0)
        gs_addr_format((struct sockaddr *)&ss, st->peer, sizeof(st->peer));
    c->proto = st;
    c->ops = &stream_ops;
    gs_echo_conn_head_end(c);
    gs_echo_log_count(c->w->ctx.log, c->is_tls ? "tls_stream" : "tcp");
    gs_echo_conn_setcb(c, on_stream_read, on_stream_write, on_stream_event, c);
    gs_echo_conn_read(c, true);
    stream_answer_lines(c);
}
