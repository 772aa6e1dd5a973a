/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 downstream side: request heads by gs_h1_request (refuses CL+TE, differing lengths,
 * bare CR, obs-fold), one request at a time; a body streams to the exchange as read (de-chunked,
 * paused while the upstream has not taken enough; an upgrade request's is read whole first);
 * responses stream back. Header/idle timeouts bound slow clients; an `Upgrade: h2c` that
 * gs_gw_h2c takes is answered 101 and handed to the HTTP/2 side, else its h2c fields go. */
#include "gs_gw_budget.h"
#include "gs_gw_conn.h"
#include "gs_gw_h1_head.h"
#include "gs_gw_h2c.h"
#include "gs_gw_reqbuild.h"
#include "gs_sockread.h"
#include "gs_gw_timer.h"

#include "gs_alloc.h"
#include "gs_chunked.h"
#include "gs_h1_request.h"
#include "gs_http_status.h"
#include "gs_time.h"

#include <assert.h>
#include <stdint.h>
#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum h1d_state {
    H1D_HEAD = 0, /* waiting for / reading a request head */
    H1D_BODY,     /* reading the request body */
    H1D_WAIT,     /* the exchange runs; reading paused */
    H1D_DRAIN,    /* response queued; waiting for the output to drain */
    H1D_TUNNEL,   /* upgraded (101): bytes flow both ways between client and upstream */
} h1d_state;

/* The reader of a streamed request body: the body is dispatched with its head and read while
 * the exchange runs (WAIT), and once the response began early also while it drains (DRAIN), so
 * it is a machine of its own beside h1d_state. */
typedef enum h1d_body_rd {
    H1D_BODY_RD_NONE = 0, /* no streamed body bytes left to read */
    H1D_BODY_RD_STREAM,   /* body bytes are read and given to the exchange */
    H1D_BODY_RD_DROP,     /* the response began first: the rest is read and dropped */
} h1d_body_rd;

/* Output queued towards one side of a tunnel beyond which the other side stops being read. */
#define H1D_TUNNEL_MAX_PENDING (1u << 20)

typedef struct h1d {
    gs_gw_conn *conn;
    h1d_state state;
    gs_h1_request parser;
    gs_gw_request req;
    gs_h1_body body_kind;
    uint64_t remaining;
    gs_chunked chunked;
    bool keep_alive;
    bool head_method;
    bool timer_is_idle;
    bool shutdown;
    bool direct; /* plain socket: write at once, EV_WRITE only while output is pending */
    gs_gw_timer timer; /* header, body and idle timeouts */
    gs_sockread rd; /* plain sockets: reads without libevent's FIONREAD probe */
    gs_gw_exchange *ex;
    char *upgrade;            /* the request's Upgrade value (owned), kept past the handover */
    struct bufferevent *peer; /* TUNNEL: the upstream connection (owned) */
    bool tunnel_closing;      /* TUNNEL: one side ended; close once the other has its bytes */
    int64_t tunnel_last;      /* TUNNEL: gs_now_ns() of the last bytes either side sent */
    bool chunked_out;         /* streaming a response of unknown length: chunked coding */
    bool body_out;            /* streaming: the response has a body */
    bool paused;              /* streaming: upstream reading paused until the output drains */
    /* A streamed request body: dispatched at the head, the body goes to the exchange as read. */
    h1d_body_rd body_rd; /* changed only by h1d_set_body_rd */
    /* The response began before the streamed body ended (h1d_body_cut): the connection closes
     * after it, and it stays true once the rest of the body was dropped. */
    bool answered_early;
    bool rd_paused;    /* client reading stopped: too much body given and not yet taken */
    bool client_eof;   /* the client closed while its body waited in the input */
    bool feeding;      /* inside h1d_feed: a close only marks... */
    bool free_pending; /* ...and h1d_feed frees the connection when it returns */
    bool linger;       /* refused before its body was read: the client may still be sending */
    size_t given;      /* body bytes given to the exchange and not yet taken */
    gs_buf piece;      /* one piece of body on its way to the exchange */
    /* Output waiting for the client, charged to the process's held-response budget (shared
     * with HTTP/2) through this connection's: many slow readers together cannot hold unbounded
     * memory. One response at a time is bounded already (the pause, or the buffered body
     * limit), so the connection's own limit is open and only the process's (and its fair
     * shares) applies. */
    gs_gw_budget held;
    /* Output waiting and none of it taken for hold_timeout: close (on_h1d_stall). Armed only
     * when bytes remain queued after a write (h1d_stall_watch), so a response that leaves in one
     * direct write costs no timer and no output callback. While armed, on_h1d_out_change re-arms
     * it whenever the client takes bytes, so a slow reader that keeps reading is never cut, only
     * one that stopped; it stops watching once the output is empty. */
    gs_gw_timer stall;
    struct evbuffer_cb_entry *out_cb; /* on_h1d_out_change, enabled only while watching */
    bool stall_watch;
} h1d;

static void h1d_process(h1d *h);
static void h1d_close_after_write(h1d *h);
static void h1d_stall_watch(h1d *h);

/* The only way h->state changes: HEAD → BODY → WAIT → DRAIN → HEAD, and any state → DRAIN when
 * the connection answers and closes. */
static void h1d_set_state(h1d *h, h1d_state next)
{
    switch (next) {
    case H1D_HEAD:
        assert(h->state == H1D_DRAIN);
        break;
    case H1D_BODY:
        assert(h->state == H1D_HEAD);
        break;
    case H1D_WAIT:
        assert(h->state == H1D_BODY);
        break;
    case H1D_DRAIN:
        break;
    case H1D_TUNNEL:
        assert(h->state == H1D_WAIT);
        break;
    }
    h->state = next;
}

/* The only way h->body_rd changes: NONE → STREAM at a streamed body's head, STREAM → DROP when
 * the response begins early, and STREAM or DROP → NONE when the body ends or fails. */
static void h1d_set_body_rd(h1d *h, h1d_body_rd next)
{
    switch (next) {
    case H1D_BODY_RD_NONE:
        assert(h->body_rd != H1D_BODY_RD_NONE);
        break;
    case H1D_BODY_RD_STREAM:
        assert(h->body_rd == H1D_BODY_RD_NONE);
        break;
    case H1D_BODY_RD_DROP:
        assert(h->body_rd == H1D_BODY_RD_STREAM);
        break;
    }
    h->body_rd = next;
}

/* The exchange runs and its streamed body is still being read (given or dropped). */
static bool h1d_body_reading(const h1d *h)
{
    return h->state == H1D_WAIT && h->body_rd != H1D_BODY_RD_NONE;
}

static void h1d_arm(h1d *h, int64_t ms, bool idle)
{
    h->timer_is_idle = idle;
    gs_gw_timer_set(&h->timer, ms);
}

/* Sends queued output now when the socket allows it (saves a loop turn and two epoll_ctl per
 * response); whatever remains goes out on EV_WRITE. Write errors surface as events there. */
static void h1d_flush(h1d *h)
{
    struct bufferevent *bev = h->conn->bev;
    struct evbuffer *out = bufferevent_get_output(bev);
    if (h->direct && evbuffer_get_length(out)) {
        /* bufferevent_socket freezes the output's start so only it drains it; lift that for
         * this one write, which is what bufferevent's own write callback would do. */
        evbuffer_unfreeze(out, 1);
        (void)evbuffer_write(out, bufferevent_getfd(bev));
        evbuffer_freeze(out, 1);
    }
    if (evbuffer_get_length(out)) {
        bufferevent_enable(bev, EV_WRITE);
        h1d_stall_watch(h);
    }
}

/* Brings the held-response charge to what the output holds now. False when the growth does
 * not fit the connection's budget or the process's (then nothing more is charged). */
static bool h1d_held_sync(h1d *h)
{
    gs_gw_budget *proc = &h->conn->rt->guards.held_responses;
    size_t now = evbuffer_get_length(bufferevent_get_output(h->conn->bev));
    if (now < h->held.used) {
        gs_gw_budget_give(&h->held, proc, h->held.used - now);
        return true;
    }
    return gs_gw_budget_take(&h->held, proc, now - h->held.used);
}

/* The output grew past a held-response budget: the response is cut (the client sees the
 * connection close early, as for any cut response) and what it held is dropped at once, since
 * this client is not taking it. Counted with HTTP/2's resets. */
static void h1d_held_over(h1d *h)
{
    h->conn->rt->counters.held_budget_reset++;
    gs_gw_exchange_cancel(h->ex);
    h->ex = NULL;
    h->paused = false;
    gs_gw_request_clear(&h->req);
    struct evbuffer *out = bufferevent_get_output(h->conn->bev);
    if (h->direct) /* see h1d_flush: a plain socket's output start is frozen */
        evbuffer_unfreeze(out, 1);
    evbuffer_drain(out, evbuffer_get_length(out));
    if (h->direct)
        evbuffer_freeze(out, 1);
    h1d_held_sync(h);
    h1d_close_after_write(h);
}

/* Starts the stall clock when bytes remain queued after a write (every path that queues output
 * ends in h1d_flush, or in on_h1d_tunnel_read for a tunnel), and watches the output from then on.
 * A response that left in one write never gets here. */
static void h1d_stall_watch(h1d *h)
{
    if (h->stall_watch)
        return;
    h->stall_watch = true;
    evbuffer_cb_set_flags(bufferevent_get_output(h->conn->bev), h->out_cb, EVBUFFER_CB_ENABLED);
    gs_gw_timer_set(&h->stall, h->conn->rt->limits.hold_timeout_ms);
}

/* While watching: the clock starts again each time the socket takes bytes (the client is
 * reading), and stops, with the watch, once the output is empty. Bytes added meanwhile are not
 * progress: the clock goes on. */
static void on_h1d_out_change(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                              void *arg)
{
    h1d *h = arg;
    size_t now = info->orig_size + info->n_added - info->n_deleted;
    if (now == 0) {
        gs_gw_timer_stop(&h->stall);
        h->stall_watch = false;
        evbuffer_cb_clear_flags(buf, h->out_cb, EVBUFFER_CB_ENABLED);
    } else if (info->n_deleted > 0) {
        gs_gw_timer_set(&h->stall, h->conn->rt->limits.hold_timeout_ms);
    }
}

/* Fires when the output held bytes and the client took none for hold_timeout: a client that
 * never reads would otherwise keep the connection, its queued response and (streaming) its
 * paused upstream call for as long as it likes. Closing cancels the upstream work. */
static void on_h1d_stall(void *arg)
{
    h1d *h = arg;
    if (evbuffer_get_length(bufferevent_get_output(h->conn->bev)) == 0)
        return;
    h->conn->rt->counters.stalled_closed++;
    gs_gw_conn_free(h->conn);
}

/* Frees the connection once its last response is out; one whose client may still be sending
 * lingers first (gs_gw_conn_linger). */
static void h1d_close_now(h1d *h)
{
    gs_gw_conn *c = h->conn;
    if (h->direct && (h->linger || h->body_rd != H1D_BODY_RD_NONE || h->answered_early ||
                      evbuffer_get_length(bufferevent_get_input(c->bev)) > 0))
        gs_gw_conn_linger(c);
    gs_gw_conn_free(c);
}

static void h1d_close_after_write(h1d *h)
{
    h->keep_alive = false;
    h->conn->closing = true;
    if (h->direct)
        gs_sockread_enable(&h->rd, false);
    else
        bufferevent_disable(h->conn->bev, EV_READ);
    h1d_set_state(h, H1D_DRAIN);
    h1d_flush(h); /* a streamed head may wait unflushed when its response is cut */
    if (evbuffer_get_length(bufferevent_get_output(h->conn->bev)) == 0) {
        if (h->feeding)
            h->free_pending = true;
        else
            h1d_close_now(h);
    }
}

/* The response begins while the client's body is still arriving (the gateway or the upstream
 * answered early): the rest of the body is dropped and the connection closes after the response
 * (the client may still be sending). */
static void h1d_body_cut(h1d *h)
{
    if (h->body_rd == H1D_BODY_RD_NONE)
        return;
    if (h->body_rd == H1D_BODY_RD_STREAM)
        h1d_set_body_rd(h, H1D_BODY_RD_DROP);
    h->answered_early = true;
    h->keep_alive = false;
    gs_gw_timer_stop(&h->timer); /* the body idle timeout; the exchange's own timeout goes on */
}

/* Writes the head of |r| (status |st|): its fields but the framing ones, which this hop decides
 * (|length|: a Content-Length value or NULL; |chunked|), and Connection: close when the
 * connection ends after it. */
static void h1d_write_head(h1d *h, const gs_gw_response *r, int st, const char *length,
                           size_t length_len, bool chunked)
{
    gs_gw_h1_head w;
    gs_gw_h1_head_begin(&w, bufferevent_get_output(h->conn->bev),
                        gs_gw_h1_head_expect(&r->headers, 128));
    gs_gw_h1_head_status(&w, st);
    for (size_t i = 0; i < r->headers.len; i++) {
        const gs_gw_header *f = &r->headers.items[i];
        if (GS_GW_HEADER_IS(f, "content-length") || GS_GW_HEADER_IS(f, "transfer-encoding") ||
            GS_GW_HEADER_IS(f, "connection"))
            continue;
        gs_gw_h1_head_field(&w, f->name, f->name_len, f->value, f->value_len);
    }
    if (length)
        gs_gw_h1_head_field(&w, "Content-Length", 14, length, length_len);
    if (chunked)
        GS_GW_H1_PUT(&w, "Transfer-Encoding: chunked\r\n");
    if (!h->keep_alive || h->shutdown)
        GS_GW_H1_PUT(&w, "Connection: close\r\n");
    GS_GW_H1_PUT(&w, "\r\n");
    gs_gw_h1_head_end(&w);
}

/* The Content-Length field of |r|'s head, or NULL. */
static const gs_gw_header *h1d_length_field(const gs_gw_response *r)
{
    for (size_t i = 0; i < r->headers.len; i++)
        if (GS_GW_HEADER_IS(&r->headers.items[i], "content-length"))
            return &r->headers.items[i];
    return NULL;
}

static void h1d_write_response(h1d *h, gs_gw_response *r)
{
    int st = r->status > 0 ? r->status : 502;
    bool no_body = st == 204 || st == 304 || (st >= 100 && st < 200);
    char len[24];
    size_t len_n = 0;
    const gs_gw_header *head_cl = h->head_method ? h1d_length_field(r) : NULL;
    if (head_cl) {
        h1d_write_head(h, r, st, head_cl->value, head_cl->value_len, false);
    } else if (!no_body) {
        len_n = (size_t)snprintf(len, sizeof len, "%zu", r->body.len);
        h1d_write_head(h, r, st, len, len_n, false);
    } else {
        h1d_write_head(h, r, st, NULL, 0, false);
    }
    struct evbuffer *out = bufferevent_get_output(h->conn->bev);
    if (!h->head_method && !no_body && r->body.len)
        evbuffer_add(out, r->body.data, r->body.len);
    h1d_flush(h);
}

/* The gateway's own answer to a request it refused before routing. */
static void h1d_reject(h1d *h, int status, const char *text)
{
    gs_gw_response r = {0};
    gs_gw_response_simple(&r, status, text);
    h->keep_alive = false;
    h->linger = true;
    h1d_write_response(h, &r);
    gs_gw_response_clear(&r);
    h1d_close_after_write(h);
}

static struct bufferevent *h1d_tunnel_other(h1d *h, struct bufferevent *bev)
{
    return bev == h->conn->bev ? h->peer : h->conn->bev;
}

static void h1d_tunnel_maybe_close(h1d *h)
{
    if (evbuffer_get_length(bufferevent_get_output(h->conn->bev)) == 0 &&
        evbuffer_get_length(bufferevent_get_output(h->peer)) == 0)
        gs_gw_conn_free(h->conn);
}

/* Fires when one side of a tunnel sent bytes: queue them to the other side. The tunnel's
 * bufferevents write on their own (EV_WRITE), so bytes queued toward the client are pending
 * until then: the stall clock watches them. */
static void on_h1d_tunnel_read(struct bufferevent *src, void *arg)
{
    h1d *h = arg;
    struct bufferevent *dst = h1d_tunnel_other(h, src);
    struct evbuffer *out = bufferevent_get_output(dst);
    if (evbuffer_get_length(bufferevent_get_input(src)) > 0)
        h->tunnel_last = gs_now_ns();
    evbuffer_add_buffer(out, bufferevent_get_input(src));
    if (dst == h->conn->bev && evbuffer_get_length(out) > 0)
        h1d_stall_watch(h);
    if (evbuffer_get_length(out) > H1D_TUNNEL_MAX_PENDING)
        bufferevent_disable(src, EV_READ); /* until |dst| drains */
}

/* Fires when one side's output drained: read the other side again (or finish closing). */
static void on_h1d_tunnel_write(struct bufferevent *dst, void *arg)
{
    h1d *h = arg;
    if (h->tunnel_closing) {
        h1d_tunnel_maybe_close(h);
        return;
    }
    bufferevent_enable(h1d_tunnel_other(h, dst), EV_READ);
}

/* The read timeout of one side fired: the tunnel is idle when neither side sent a byte for the
 * tunnel idle limit (true); otherwise that side's timeout is re-armed for the rest (false), so a
 * tunnel whose bytes flow one way only (a server that pushes, a client that only talks) stays. */
static bool h1d_tunnel_idle(h1d *h, struct bufferevent *bev)
{
    int64_t limit_ms = gs_gw_tunnel_idle_ms(&h->conn->rt->limits);
    int64_t left_ms = limit_ms - (gs_now_ns() - h->tunnel_last) / GS_NS_PER_MS;
    if (left_ms <= 0)
        return true;
    struct timeval tv = {(time_t)(left_ms / 1000), (suseconds_t)(left_ms % 1000) * 1000};
    bufferevent_set_timeouts(bev, &tv, NULL);
    bufferevent_enable(bev, EV_READ);
    return false;
}

/* Fires on EOF, error or idle timeout of either side: deliver what is queued, then close. */
static void on_h1d_tunnel_event(struct bufferevent *bev, short what, void *arg)
{
    h1d *h = arg;
    if ((what & BEV_EVENT_TIMEOUT) && !h->tunnel_closing) {
        if (!h1d_tunnel_idle(h, bev))
            return;
        h->conn->rt->counters.tunnel_idle_closed++;
    }
    if (what & BEV_EVENT_EOF)
        on_h1d_tunnel_read(bev, h); /* the last bytes */
    h->tunnel_closing = true;
    bufferevent_disable(h->conn->bev, EV_READ);
    bufferevent_disable(h->peer, EV_READ);
    if (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        gs_gw_conn_free(h->conn);
        return;
    }
    h1d_tunnel_maybe_close(h);
}

/* The upstream answered an upgrade request with 101: answer the client, then splice. */
static void h1d_tunnel_start(h1d *h, gs_gw_response *resp)
{
    struct bufferevent *bev = h->conn->bev;
    gs_gw_h1_head w;
    gs_gw_h1_head_begin(&w, bufferevent_get_output(bev), gs_gw_h1_head_expect(&resp->headers, 128));
    gs_gw_h1_head_status(&w, 101);
    for (size_t i = 0; i < resp->headers.len; i++) {
        const gs_gw_header *f = &resp->headers.items[i];
        if (!GS_GW_HEADER_IS(f, "content-length"))
            gs_gw_h1_head_field(&w, f->name, f->name_len, f->value, f->value_len);
    }
    GS_GW_H1_PUT(&w, "Connection: Upgrade\r\n");
    gs_gw_h1_head_field(&w, "Upgrade", 7, h->upgrade, strlen(h->upgrade));
    GS_GW_H1_PUT(&w, "\r\n");
    gs_gw_h1_head_end(&w);
    h->peer = resp->tunnel;
    resp->tunnel = NULL;
    gs_sockread_detach(&h->rd); /* the tunnel reads both sides through their bufferevents */
    h1d_set_state(h, H1D_TUNNEL);
    gs_gw_request_clear(&h->req);
    h->tunnel_last = gs_now_ns();
    int64_t ms = gs_gw_tunnel_idle_ms(&h->conn->rt->limits);
    struct timeval idle = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    struct bufferevent *sides[2] = {bev, h->peer};
    for (int i = 0; i < 2; i++) {
        bufferevent_setwatermark(sides[i], EV_READ, 0, 0);
        bufferevent_setcb(sides[i], on_h1d_tunnel_read, on_h1d_tunnel_write, on_h1d_tunnel_event,
                          h);
        bufferevent_set_timeouts(sides[i], &idle, NULL);
        bufferevent_enable(sides[i], EV_READ | EV_WRITE);
    }
    /* Bytes either side sent before the switch are already buffered. */
    on_h1d_tunnel_read(h->peer, h);
    on_h1d_tunnel_read(bev, h);
}

/* After a response went out: close, or read the next request (once the output is small). */
static void h1d_response_done(h1d *h)
{
    gs_gw_request_clear(&h->req);
    if (!h->keep_alive || h->shutdown) {
        h1d_close_after_write(h);
        return;
    }
    h1d_set_state(h, H1D_DRAIN);
    if (evbuffer_get_length(bufferevent_get_output(h->conn->bev)) < (256u << 10)) {
        h1d_set_state(h, H1D_HEAD);
        gs_h1_request_reset(&h->parser);
        if (!h->feeding) /* else h1d_feed reads the next request once it unwound */
            h1d_process(h);
    }
}

/* Fires with the exchange's response (once). */
static int on_h1d_response(void *arg, gs_gw_response *resp)
{
    h1d *h = arg;
    h->ex = NULL;
    h1d_body_cut(h);
    int status = resp->status > 0 ? resp->status : 502; /* as h1d_write_response */
    if (resp->status == 101 && resp->tunnel && h->upgrade) {
        h1d_tunnel_start(h, resp);
        return status;
    }
    h1d_write_response(h, resp);
    if (!h1d_held_sync(h)) {
        h1d_held_over(h);
        return status;
    }
    h1d_response_done(h);
    return status;
}

/* Streaming: the head of an upstream response whose body follows. It is not flushed here: the
 * upstream side follows it in the same turn with on_h1d_data (a piece, or an empty flush point)
 * or on_h1d_end, so a small response leaves in one write. */
static void on_h1d_head(void *arg, gs_gw_response *r)
{
    h1d *h = arg;
    h1d_body_cut(h);
    int st = r->status > 0 ? r->status : 502;
    h->body_out = !(h->head_method || st == 204 || st == 304 || (st >= 100 && st < 200));
    const gs_gw_header *cl = h1d_length_field(r);
    h->chunked_out = h->body_out && cl == NULL;
    if (cl)
        h1d_write_head(h, r, st, cl->value, cl->value_len, false);
    else
        h1d_write_head(h, r, st, NULL, 0, h->chunked_out);
}

/* Streaming: a piece of the body. A client that reads slower than the upstream sends pauses the
 * upstream until the output drains (on_h1d_write). */
static void on_h1d_data(void *arg, const char *data, size_t len)
{
    h1d *h = arg;
    if (!h->body_out || len == 0) {
        h1d_flush(h); /* a flush point: the head, at least, goes out now */
        return;
    }
    struct evbuffer *out = bufferevent_get_output(h->conn->bev);
    if (h->chunked_out) {
        gs_gw_h1_head w;
        gs_gw_h1_head_begin(&w, out, 24);
        gs_gw_h1_head_uint(&w, len, true);
        GS_GW_H1_PUT(&w, "\r\n");
        gs_gw_h1_head_end(&w);
    }
    evbuffer_add(out, data, len);
    if (h->chunked_out)
        evbuffer_add(out, "\r\n", 2);
    h1d_flush(h);
    if (!h1d_held_sync(h)) {
        h1d_held_over(h);
        return;
    }
    if (evbuffer_get_length(out) > h->conn->rt->limits.max_response_body) {
        /* Past the pause: an upstream that ignores it. Cut the response. */
        gs_gw_exchange_cancel(h->ex);
        h->ex = NULL;
        gs_gw_request_clear(&h->req);
        h1d_close_after_write(h);
        return;
    }
    if (!h->paused && evbuffer_get_length(out) > gs_gw_upstream_pause_bytes(&h->conn->rt->limits)) {
        h->paused = true;
        gs_gw_exchange_pause(h->ex, true);
    }
}

/* Streaming: the end of the body, or a cut (the client sees the connection close early). */
static void on_h1d_end(void *arg, gs_gw_headers *trailers, int err)
{
    (void)trailers; /* not forwarded to HTTP/1.1 clients */
    h1d *h = arg;
    h->ex = NULL;
    h->paused = false;
    if (err) {
        gs_gw_request_clear(&h->req);
        h1d_close_after_write(h);
        return;
    }
    if (h->chunked_out)
        evbuffer_add(bufferevent_get_output(h->conn->bev), "0\r\n\r\n", 5);
    h1d_flush(h);
    (void)h1d_held_sync(h); /* at most the 5 bytes above: never worth a cut */
    h1d_response_done(h);
}

static void on_h1d_body_taken(void *arg, size_t len);

static const gs_gw_sink h1d_sink = {on_h1d_response, on_h1d_head, on_h1d_data, on_h1d_end,
                                    on_h1d_body_taken};

static void h1d_read_enable(h1d *h, bool on)
{
    if (h->direct)
        gs_sockread_enable(&h->rd, on);
    else if (on)
        bufferevent_enable(h->conn->bev, EV_READ);
    else
        bufferevent_disable(h->conn->bev, EV_READ);
}

/* A streamed body went wrong on the client's side (bad chunking, timeout): stop the exchange;
 * answer |status| unless the response already began, then close. */
static void h1d_body_fail(h1d *h, int status)
{
    h1d_set_body_rd(h, H1D_BODY_RD_NONE);
    gs_gw_exchange_cancel(h->ex);
    h->ex = NULL;
    gs_gw_request_clear(&h->req);
    if (h->answered_early || h->state != H1D_WAIT)
        h1d_close_after_write(h);
    else
        h1d_reject(h, status, NULL);
}

/* Moves the next piece of a streamed body from the input into h->piece. Returns 1 with a piece
 * (possibly empty), 0 when more input is needed, negative on malformed chunking. Clears
 * the body reader (to NONE) when this piece ends the body. */
static int h1d_take_piece(h1d *h)
{
    struct evbuffer *in = bufferevent_get_input(h->conn->bev);
    size_t avail = evbuffer_get_length(in);
    gs_buf_reset(&h->piece);
    if (avail == 0)
        return 0;
    if (avail > (256u << 10))
        avail = 256u << 10;
    if (h->body_kind == GS_H1_BODY_LENGTH) {
        size_t n = avail < h->remaining ? avail : (size_t)h->remaining;
        char *dst = gs_buf_reserve(&h->piece, n);
        evbuffer_remove(in, dst, n);
        h->piece.len = n;
        h->remaining -= n;
        if (h->remaining == 0)
            h1d_set_body_rd(h, H1D_BODY_RD_NONE);
        return 1;
    }
    const char *data = (const char *)evbuffer_pullup(in, (ssize_t)avail);
    ssize_t used = gs_chunked_decode(&h->chunked, data, avail, &h->piece);
    if (used < 0)
        return GS_ERR_PARSE;
    evbuffer_drain(in, (size_t)used);
    if (gs_chunked_done(&h->chunked))
        h1d_set_body_rd(h, H1D_BODY_RD_NONE);
    return used > 0 ? 1 : 0;
}

/* Streams the body read so far to the exchange, until the input is empty or more than
 * gs_gw_upstream_pause_bytes waits to be taken (then the client is not read until
 * on_h1d_body_taken). Bytes after an early answer are read and dropped. */
static void h1d_feed(h1d *h)
{
    size_t bound = gs_gw_upstream_pause_bytes(&h->conn->rt->limits);
    h->feeding = true;
    while (!h->free_pending && (h->body_rd == H1D_BODY_RD_DROP ||
                                (h->body_rd == H1D_BODY_RD_STREAM && h->given <= bound))) {
        bool drop = h->body_rd == H1D_BODY_RD_DROP;
        int rc = h1d_take_piece(h);
        if (rc < 0) {
            h1d_body_fail(h, 400);
            break;
        }
        if (rc == 0)
            break;
        bool end = h->body_rd == H1D_BODY_RD_NONE;
        if (drop || h->ex == NULL || (h->piece.len == 0 && !end))
            continue;
        h->given += h->piece.len;
        gs_gw_exchange_body(h->ex, h->piece.data, h->piece.len, end);
    }
    h->feeding = false;
    if (h->free_pending) {
        h1d_close_now(h);
        return;
    }
    if (h->state == H1D_HEAD) { /* the body ended and its response already went out */
        h1d_process(h);
        return;
    }
    if (h->state != H1D_WAIT)
        return; /* answered and closing */
    bool streaming = h->body_rd == H1D_BODY_RD_STREAM;
    bool wait = streaming && h->given > bound;
    if (wait != h->rd_paused) {
        h->rd_paused = wait;
        h1d_read_enable(h, !wait);
    }
    if (streaming && !wait)
        h1d_arm(h, h->conn->rt->limits.idle_timeout_ms, false); /* the client's turn */
    else
        gs_gw_timer_stop(&h->timer);
    if (h->body_rd != H1D_BODY_RD_NONE && h->client_eof &&
        evbuffer_get_length(bufferevent_get_input(h->conn->bev)) == 0)
        h1d_body_fail(h, 400); /* the client closed before its body ended */
}

/* The exchange took |len| bytes of the streamed body: read the client again when under the
 * bound. */
static void on_h1d_body_taken(void *arg, size_t len)
{
    h1d *h = arg;
    h->given = len < h->given ? h->given - len : 0;
    if (!h->feeding && h1d_body_reading(h) &&
        h->given <= gs_gw_upstream_pause_bytes(&h->conn->rt->limits))
        h1d_feed(h);
}

static void h1d_dispatch(h1d *h)
{
    gs_gw_timer_stop(&h->timer);
    h1d_set_state(h, H1D_WAIT); /* reading goes on (for EOF); the input high watermark bounds
                                 * what a pipelining client can queue meanwhile */
    gs_gw_runtime *rt = h->conn->rt;
    gs_gw_snapshot *snap = rt->current;
    const gs_rt_port *port = gs_gw_conn_port(h->conn, snap);
    if (port == NULL) {
        h1d_reject(h, 404, "listener removed by reload");
        return;
    }
    gs_gw_exchange_source src = {port, h->conn->sni, h->conn->client_ip};
    free(h->upgrade);
    h->upgrade = h->req.upgrade ? gs_xstrdup(h->req.upgrade) : NULL;
    gs_gw_exchange_start(rt, snap, &src, &h->req, &h1d_sink, h, &h->ex);
}

/* Applies an h2c upgrade verdict other than NONE to h->req: HTTP2-Settings goes, and the h2c token
 * leaves the Upgrade value (whatever else it names, a WebSocket say, stays an upgrade), so an
 * upgrade that is not taken is never forwarded. */
static void h1d_h2c_strip(h1d *h)
{
    gs_gw_request *r = &h->req;
    gs_gw_headers_remove(&r->headers, "http2-settings");
    if (r->upgrade) {
        char *rest = gs_gw_h2c_strip_upgrade(r->upgrade, strlen(r->upgrade));
        free(r->upgrade);
        r->upgrade = rest;
    }
}

/* Takes an h2c upgrade (RFC 7540 §3.2): answers 101, then the connection is HTTP/2 with the
 * request as stream 1. The HTTP/1.1 side is freed here (its socket reader detached: HTTP/2 reads
 * through the bufferevent); bytes the client sent after the head (its connection preface, often
 * in the same packet) stay in the input buffer for nghttp2. */
static void h1d_h2c_switch(h1d *h, const gs_gw_h2c *h2c)
{
    static const char switching[] = "HTTP/1.1 101 Switching Protocols\r\n"
                                    "Connection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
    gs_gw_conn *c = h->conn;
    gs_gw_request req = h->req;
    memset(&h->req, 0, sizeof(h->req));
    free(req.upgrade); /* stream 1 is an ordinary request */
    req.upgrade = NULL;
    evbuffer_add(bufferevent_get_output(c->bev), switching, sizeof(switching) - 1);
    gs_gw_h1_free(c);
    gs_gw_h2_start_upgrade(c, &req, h2c->settings, h2c->settings_len);
}

/* Reads body bytes. Returns 1 when complete, 0 for more, negative on error. */
static int h1d_read_body(h1d *h)
{
    struct evbuffer *in = bufferevent_get_input(h->conn->bev);
    size_t max = h->conn->rt->limits.max_request_body;
    gs_buf *body = &h->req.body;
    if (h->body_kind == GS_H1_BODY_LENGTH) {
        size_t avail = evbuffer_get_length(in);
        size_t n = avail < h->remaining ? avail : (size_t)h->remaining;
        if (n) {
            char *dst = gs_buf_reserve(body, n);
            evbuffer_remove(in, dst, n);
            body->len += n;
            body->data[body->len] = '\0';
            h->remaining -= n;
        }
        return h->remaining == 0 ? 1 : 0;
    }
    if (h->body_kind == GS_H1_BODY_CHUNKED) {
        size_t avail = evbuffer_get_length(in);
        if (avail == 0)
            return 0;
        const char *data = (const char *)evbuffer_pullup(in, -1);
        ssize_t used = gs_chunked_decode(&h->chunked, data, avail, body);
        if (used < 0)
            return GS_ERR_PARSE;
        evbuffer_drain(in, (size_t)used);
        if (body->len > max)
            return GS_ERR_RANGE;
        return gs_chunked_done(&h->chunked) ? 1 : 0;
    }
    return 1;
}

static void h1d_process(h1d *h)
{
    struct evbuffer *in = bufferevent_get_input(h->conn->bev);
    if (h->state == H1D_HEAD) {
        size_t avail = evbuffer_get_length(in);
        if (avail == 0) {
            if (!gs_gw_timer_active(&h->timer))
                h1d_arm(h, h->conn->rt->limits.idle_timeout_ms, true);
            return;
        }
        if (h->timer_is_idle || !gs_gw_timer_active(&h->timer))
            h1d_arm(h, h->conn->rt->limits.header_timeout_ms, false);
        const char *data = (const char *)evbuffer_pullup(in, -1);
        gs_h1_limits lim = {.max_head = h->conn->rt->limits.max_header_bytes};
        ssize_t n = gs_h1_request_parse(&h->parser, data, avail, &lim);
        if (n == GS_ERR_INCOMPLETE)
            return;
        if (n < 0) {
            h1d_reject(h, gs_h1_error_status(h->parser.error), gs_h1_error_str(h->parser.error));
            return;
        }
        const char *bad = gs_gw_reqbuild_h1(&h->parser,
                                            h->conn->listen->protocol == GS_RT_PROTO_HTTPS,
                                            &h->req);
        if (bad) {
            evbuffer_drain(in, (size_t)n);
            gs_gw_request_clear(&h->req);
            h1d_reject(h, 400, bad);
            return;
        }
        gs_gw_h2c h2c;
        gs_gw_h2c_decide(&h->parser, h->conn->ssl != NULL, &h2c);
        if (h2c.verdict != GS_GW_H2C_NONE)
            h1d_h2c_strip(h);
        if (h2c.verdict == GS_GW_H2C_TAKE) {
            evbuffer_drain(in, (size_t)n);
            h1d_h2c_switch(h, &h2c); /* |h| is gone */
            return;
        }
        h->keep_alive = h->parser.keep_alive && h->req.upgrade == NULL;
        h->head_method = strcmp(h->req.method, "HEAD") == 0;
        h->body_kind = h->parser.body;
        h->remaining = h->parser.content_length;
        bool expect = h->parser.expect_continue;
        evbuffer_drain(in, (size_t)n);
        /* A body streams to the exchange as it arrives, except an upgrade request's. */
        bool stream = h->req.upgrade == NULL &&
                      (h->body_kind == GS_H1_BODY_CHUNKED ||
                       (h->body_kind == GS_H1_BODY_LENGTH && h->remaining > 0));
        if (!stream && h->body_kind == GS_H1_BODY_LENGTH &&
            h->remaining > h->conn->rt->limits.max_request_body) {
            gs_gw_request_clear(&h->req);
            h1d_reject(h, 413, NULL);
            return;
        }
        gs_chunked_init(&h->chunked);
        if (expect && h->body_kind != GS_H1_BODY_NONE) {
            evbuffer_add(bufferevent_get_output(h->conn->bev), "HTTP/1.1 100 Continue\r\n\r\n", 25);
            h1d_flush(h);
        }
        h1d_set_state(h, H1D_BODY);
        if (stream) {
            h->req.body_open = true;
            h1d_set_body_rd(h, H1D_BODY_RD_STREAM);
            h->answered_early = false;
            h->client_eof = false;
            h->rd_paused = false;
            h->given = 0;
            h->feeding = true; /* an immediate answer must not free |h| under us */
            h1d_dispatch(h);
            h->feeding = false;
            if (h->free_pending) { /* answered at once, the body still coming: linger */
                h1d_close_now(h);
                return;
            }
            if (h->state == H1D_HEAD) { /* not with a body still to read: never here */
                h1d_process(h);
                return;
            }
            if (h1d_body_reading(h))
                h1d_feed(h);
            return;
        }
        h1d_arm(h, h->conn->rt->limits.idle_timeout_ms, false);
    }
    if (h->state == H1D_BODY) {
        int rc = h1d_read_body(h);
        if (rc < 0) {
            gs_gw_request_clear(&h->req);
            h1d_reject(h, rc == GS_ERR_RANGE ? 413 : 400, NULL);
            return;
        }
        if (rc == 1)
            h1d_dispatch(h);
    }
}

/* Fires when request bytes arrive. */
static void on_h1d_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    gs_gw_conn *c = arg;
    h1d *h = c->state;
    if (h->state == H1D_HEAD || h->state == H1D_BODY)
        h1d_process(h);
    else if (h1d_body_reading(h) && !h->feeding)
        h1d_feed(h);
}

/* Fires when the output buffer drained (the default low watermark, 0). */
static void on_h1d_write(struct bufferevent *bev, void *arg)
{
    (void)bev;
    gs_gw_conn *c = arg;
    h1d *h = c->state;
    if (h->direct)
        bufferevent_disable(c->bev, EV_WRITE);
    h1d_held_sync(h); /* drained: gives the charge back */
    if (h->state == H1D_WAIT && h->paused) { /* streaming: the client caught up */
        h->paused = false;
        gs_gw_exchange_pause(h->ex, false);
        return;
    }
    if (h->state != H1D_DRAIN)
        return;
    if (c->closing) {
        h1d_close_now(h);
        return;
    }
    h1d_set_state(h, H1D_HEAD);
    gs_h1_request_reset(&h->parser);
    h1d_process(h);
}

/* Fires on EOF, errors and TLS failures. A client that half-closes after its request still
 * gets the response; otherwise the client is gone. */
static void on_h1d_event(struct bufferevent *bev, short what, void *arg)
{
    gs_gw_conn *c = arg;
    h1d *h = c->state;
    if (what & BEV_EVENT_CONNECTED)
        return;
    if ((what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING) && !c->closing) {
        if (h1d_body_reading(h) &&
            evbuffer_get_length(bufferevent_get_input(bev)) > 0) {
            h->keep_alive = false; /* the rest of the body waits in the input */
            h->client_eof = true;
            return;
        }
        if (h->state == H1D_WAIT && h->body_rd == H1D_BODY_RD_NONE) {
            h->keep_alive = false; /* answer, then close */
            return;
        }
        if (h->state == H1D_DRAIN && evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
            c->closing = true;
            return;
        }
    }
    gs_gw_conn_free(c);
}

/* Fires when a client is too slow: idle between requests (close), or mid-head/body (408). */
static void on_h1d_timeout(void *arg)
{
    h1d *h = arg;
    if (h->state == H1D_HEAD && h->timer_is_idle) {
        gs_gw_conn_free(h->conn);
        return;
    }
    if (h1d_body_reading(h)) {
        h1d_body_fail(h, 408);
        return;
    }
    if (h->state == H1D_BODY)
        gs_gw_request_clear(&h->req);
    h1d_reject(h, 408, NULL);
}

void gs_gw_h1_start(gs_gw_conn *c)
{
    h1d *h = gs_xcalloc(1, sizeof(*h));
    h->conn = c;
    h->held.limit = SIZE_MAX;
    c->state = h;
    c->proto = GS_GW_CONN_H1;
    gs_gw_timer_init(&h->timer, c->rt->base, on_h1d_timeout, h);
    gs_gw_timer_init(&h->stall, c->rt->base, on_h1d_stall, h);
    h->out_cb = evbuffer_add_cb(bufferevent_get_output(c->bev), on_h1d_out_change, h);
    evbuffer_cb_clear_flags(bufferevent_get_output(c->bev), h->out_cb, EVBUFFER_CB_ENABLED);
    gs_h1_request_reset(&h->parser);
    bufferevent_setcb(c->bev, on_h1d_read, on_h1d_write, on_h1d_event, c);
    bufferevent_set_timeouts(c->bev, NULL, NULL); /* h->timer handles header and idle time */
    h->direct = c->ssl == NULL;
    size_t high = c->rt->limits.max_header_bytes + (size_t)(256u << 10);
    if (h->direct) {
        bufferevent_disable(c->bev, EV_WRITE);
        gs_sockread_attach(&h->rd, c->bev);
        gs_sockread_setcb(&h->rd, on_h1d_read, on_h1d_event, c);
        gs_sockread_set_high(&h->rd, high);
        gs_sockread_enable(&h->rd, true);
    } else {
        bufferevent_setwatermark(c->bev, EV_READ, 0, high);
        bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    }
    h1d_process(h);
}

void gs_gw_h1_shutdown(gs_gw_conn *c)
{
    h1d *h = c->state;
    h->shutdown = true;
    if (h->state == H1D_TUNNEL) {
        gs_gw_conn_free(c);
        return;
    }
    if (h->state == H1D_HEAD && evbuffer_get_length(bufferevent_get_input(c->bev)) == 0)
        h1d_close_after_write(h);
}

void gs_gw_h1_free(gs_gw_conn *c)
{
    h1d *h = c->state;
    if (h == NULL)
        return;
    gs_gw_exchange_cancel(h->ex);
    gs_gw_budget_give(&h->held, &c->rt->guards.held_responses, h->held.used);
    if (h->peer)
        bufferevent_free(h->peer);
    free(h->upgrade);
    gs_gw_request_clear(&h->req);
    gs_buf_clear(&h->piece);
    gs_gw_timer_deinit(&h->timer);
    gs_gw_timer_deinit(&h->stall);
    if (h->out_cb) /* the bufferevent may live on (an h2c upgrade hands it to HTTP/2) */
        evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), h->out_cb);
    gs_sockread_detach(&h->rd);
    free(h);
    c->state = NULL;
}
