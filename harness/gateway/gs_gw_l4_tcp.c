/* SPDX-License-Identifier: MIT */
/* TCP and TLS listeners: one upstream connection per downstream one, spliced both ways through
 * a bufferevent pair. A TLS listener first reads the ClientHello (gs_tls_hello_parse) within the
 * header timeout to choose the listener and route by SNI; a Passthrough listener then replays
 * the bytes read to the upstream unchanged, a Terminate one hands them to OpenSSL and proxies
 * the cleartext. */
#include "gs_gw_l4_priv.h"

#include "gs_alloc.h"
#include "gs_tls_hello.h"

#include <event2/buffer.h>
#include <errno.h>
#include <event2/bufferevent_ssl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Read side paused while the other side's output holds this much (per direction). */
#define L4_HIGH_WATER (256u << 10)

typedef enum l4_state {
    L4_HELLO = 0,  /* TLS port: reading the ClientHello */
    L4_CONNECTING, /* the upstream connection is being opened */
    L4_SPLICE,     /* bytes flow both ways */
} l4_state;

struct l4_conn {
    gs_gw_l4 *l4;
    gs_gw_listen *listen;
    l4_state state;
    evutil_socket_t down_fd;
    struct bufferevent *down; /* the client: its socket, or a TLS filter over |down_raw| */
    struct bufferevent *down_raw;
    struct bufferevent *up;
    bool terminated; /* |down| is a TLS filter */
    bool up_tls;     /* |up| speaks TLS (BackendTLSPolicy) */
    bool down_eof, up_eof;
    bool down_shut, up_shut; /* our write side shut after the other side's EOF */
    gs_gw_timer deadline;    /* the ClientHello's total time, then the backend's handshake */
    LIST_ENTRY(l4_conn) link;
};

gs_gw_l4 *gs_gw_l4_new(gs_gw_runtime *rt)
{
    gs_gw_l4 *l4 = gs_xcalloc(1, sizeof(*l4));
    l4->rt = rt;
    LIST_INIT(&l4->conns);
    return l4;
}

size_t gs_gw_l4_conn_count(const gs_gw_l4 *l4)
{
    return l4 ? l4->n_conns : 0;
}

static void conn_free(l4_conn *c)
{
    gs_gw_timer_deinit(&c->deadline);
    if (c->up)
        bufferevent_free(c->up);
    if (c->down)
        bufferevent_free(c->down); /* a TLS filter frees |down_raw| with it */
    else if (c->down_raw)
        bufferevent_free(c->down_raw);
    LIST_REMOVE(c, link);
    c->l4->n_conns--;
    free(c);
}

/* Closes with a reset (SO_LINGER 0): the layer-4 way to say "no" (no route, no backend, the
 * upstream failed), as a 500 or 503 is for HTTP. */
static void conn_reset(l4_conn *c)
{
    struct linger lg = {1, 0};
    setsockopt(c->down_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    conn_free(c);
}

void gs_gw_l4_shutdown(gs_gw_l4 *l4)
{
    if (l4 == NULL)
        return;
    while (!LIST_EMPTY(&l4->conns))
        conn_free(LIST_FIRST(&l4->conns));
}

void gs_gw_l4_free(gs_gw_l4 *l4)
{
    if (l4 == NULL)
        return;
    gs_gw_l4_shutdown(l4);
    free(l4);
}

const gs_gw_endpoint *gs_gw_l4_pick(gs_gw_runtime *rt, const gs_rt_port *port, const char *sni,
                                    const gs_rt_listener **listener, const gs_rt_backend **backend)
{
    gs_rt_result res;
    gs_route_table_lookup_l4(rt->current->table, port, sni, &res);
    if (listener)
        *listener = res.listener;
    if (backend)
        *backend = NULL;
    if (res.outcome != GS_RT_MATCHED)
        return NULL;
    int pick = gs_rt_rule_pick_backend(res.rule, (uint32_t)gs_gw_rng_next(&rt->rng));
    if (pick < 0 || res.rule->backends[pick].state != GS_RT_BACKEND_OK)
        return NULL;
    const gs_rt_backend *b = &res.rule->backends[pick];
    if (backend)
        *backend = b;
    gs_gw_service *svc = gs_gw_endpoints_find(rt->endpoints, b->namespace, b->name, b->port);
    return svc ? gs_gw_service_next(svc) : NULL;
}

/* ---- splicing -------------------------------------------------------------------------------- */

static struct bufferevent *conn_peer(l4_conn *c, struct bufferevent *bev)
{
    return bev == c->up ? c->down : c->up;
}

static bool *conn_eof_of(l4_conn *c, struct bufferevent *bev)
{
    return bev == c->up ? &c->up_eof : &c->down_eof;
}

/* Both directions ended and flushed: nothing more can happen. */
static bool conn_done(l4_conn *c)
{
    return c->down_eof && c->up_eof &&
           evbuffer_get_length(bufferevent_get_output(c->down)) == 0 &&
           evbuffer_get_length(bufferevent_get_output(c->up)) == 0;
}

/* |to|'s source ended and everything it sent is written: pass the half-close on. A TLS client
 * side has no half-close to give (a close_notify ends the session), so the upstream's end closes
 * the connection once the rest is written. A TLS upstream (BackendTLSPolicy) gets the TCP
 * half-close without a close_notify: OpenSSL drops whatever arrives after it sends one, so a
 * close_notify would lose the backend's answer. Returns false when |c| was freed. */
static bool conn_pass_eof(l4_conn *c, struct bufferevent *to)
{
    if (evbuffer_get_length(bufferevent_get_output(to)) > 0)
        return true;
    if (to == c->down && c->terminated) {
        conn_free(c);
        return false;
    }
    bool *shut = to == c->up ? &c->up_shut : &c->down_shut;
    if (!*shut) {
        *shut = true;
        shutdown(bufferevent_getfd(to), SHUT_WR);
    }
    if (conn_done(c)) {
        conn_free(c);
        return false;
    }
    return true;
}

static void on_splice_read(struct bufferevent *from, void *arg)
{
    l4_conn *c = arg;
    struct bufferevent *to = conn_peer(c, from);
    struct evbuffer *out = bufferevent_get_output(to);
    evbuffer_add_buffer(out, bufferevent_get_input(from));
    if (evbuffer_get_length(out) >= L4_HIGH_WATER) {
        /* Backpressure: stop reading until the other side drained half of it. */
        bufferevent_disable(from, EV_READ);
        bufferevent_setwatermark(to, EV_WRITE, L4_HIGH_WATER / 2, 0);
    }
}

/* |to|'s output fell to its low watermark. */
static void on_splice_write(struct bufferevent *to, void *arg)
{
    l4_conn *c = arg;
    struct bufferevent *from = conn_peer(c, to);
    if (!*conn_eof_of(c, from)) {
        bufferevent_setwatermark(to, EV_WRITE, 0, 0);
        bufferevent_enable(from, EV_READ);
        return;
    }
    conn_pass_eof(c, to);
}

static void on_splice_event(struct bufferevent *bev, short what, void *arg)
{
    l4_conn *c = arg;
    if (what & BEV_EVENT_CONNECTED)
        return; /* the TLS handshake of a Terminate listener: data follows */
    if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
        *conn_eof_of(c, bev) = true;
        conn_pass_eof(c, conn_peer(c, bev));
        return;
    }
    /* An error on either side closes both. */
    if (bev == c->up)
        c->l4->rt->counters.l4_upstream_errors++;
    conn_free(c);
}

static void conn_splice(l4_conn *c)
{
    c->state = L4_SPLICE;
    bufferevent_setcb(c->up, on_splice_read, on_splice_write, on_splice_event, c);
    bufferevent_setcb(c->down, on_splice_read, on_splice_write, on_splice_event, c);
    /* What the client sent so far (a passthrough ClientHello) goes first, unchanged. */
    if (evbuffer_get_length(bufferevent_get_input(c->down)) > 0)
        on_splice_read(c->down, c);
    bufferevent_enable(c->up, EV_READ | EV_WRITE);
    if (c->down_eof) { /* a Terminate client that already closed its side */
        conn_pass_eof(c, c->up);
        return;
    }
    bufferevent_enable(c->down, EV_READ | EV_WRITE);
}

/* ---- connecting ------------------------------------------------------------------------------ */

/* The upstream connected (over TLS: the handshake passed, the backend's certificate with it),
 * or failed: a TLS failure (an OpenSSL error on |bev|: chain, names, not TLS at all) fails
 * closed, resetting the client before a byte of it went to the backend. */
static void on_up_connect(struct bufferevent *bev, short what, void *arg)
{
    l4_conn *c = arg;
    if (what & BEV_EVENT_CONNECTED) {
        gs_gw_timer_stop(&c->deadline);
        conn_splice(c);
        return;
    }
    if (c->up_tls && bufferevent_get_openssl_error(bev) != 0)
        c->l4->rt->counters.l4_backend_tls_failures++;
    else
        c->l4->rt->counters.l4_upstream_errors++;
    conn_reset(c);
}

/* While the upstream connects: a Terminate client may already be handshaking or done. */
static void on_down_early(struct bufferevent *bev, short what, void *arg)
{
    l4_conn *c = arg;
    (void)bev;
    if (what & BEV_EVENT_CONNECTED)
        return;
    if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
        c->down_eof = true; /* passed on once the upstream is there */
        return;
    }
    conn_free(c);
}

/* A TLS client (BackendTLSPolicy settings |tls|, the Gateway's client certificate |cert| or
 * NULL) over a nonblocking connect to |ep|, or NULL. */
static struct bufferevent *conn_tls_upstream(gs_gw_runtime *rt, const gs_gw_endpoint *ep,
                                             const gs_rt_backend_tls *tls,
                                             const gs_rt_cert *cert)
{
    int fd = socket(ep->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    struct bufferevent *bev = NULL;
    if (connect(fd, (const struct sockaddr *)&ep->addr, ep->addr_len) == 0 || errno == EINPROGRESS)
        bev = gs_gw_upstream_tls_l4_bev(rt->upstream, tls, cert, fd);
    if (bev == NULL)
        close(fd);
    return bev;
}

/* Opens the upstream connection to |ep|, over TLS with |tls| (presenting |cert|) when not NULL;
 * returns false (|c| reset and freed) on failure. */
static bool conn_connect(l4_conn *c, const gs_gw_endpoint *ep, const gs_rt_backend_tls *tls,
                         const gs_rt_cert *cert)
{
    gs_gw_runtime *rt = c->l4->rt;
    if (tls) {
        c->up = conn_tls_upstream(rt, ep, tls, cert);
        c->up_tls = true;
        /* The handshake is bounded like the ClientHello: a backend that accepts and never
         * answers it does not hold the client. */
        if (c->up)
            gs_gw_timer_set(&c->deadline, rt->limits.header_timeout_ms);
    } else {
        c->up = bufferevent_socket_new(rt->base, -1, BEV_OPT_CLOSE_ON_FREE);
        if (c->up && bufferevent_socket_connect(c->up, (const struct sockaddr *)&ep->addr,
                                                (int)ep->addr_len) < 0) {
            bufferevent_free(c->up);
            c->up = NULL;
        }
    }
    if (c->up == NULL) {
        if (tls)
            rt->counters.l4_backend_tls_failures++;
        else
            rt->counters.l4_upstream_errors++;
        conn_reset(c);
        return false;
    }
    int one = 1;
    setsockopt(bufferevent_getfd(c->up), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->state = L4_CONNECTING;
    c->l4->rt->counters.l4_connections++;
    bufferevent_setcb(c->up, NULL, NULL, on_up_connect, c);
    bufferevent_setcb(c->down, NULL, NULL, on_down_early, c);
    return true;
}

/* The route of |c| is known: connect, or reset when there is nowhere to go. */
static void conn_route(l4_conn *c, const gs_rt_port *port, const char *sni)
{
    gs_gw_runtime *rt = c->l4->rt;
    const gs_rt_listener *listener = NULL;
    const gs_rt_backend *backend = NULL;
    const gs_gw_endpoint *ep = port ? gs_gw_l4_pick(rt, port, sni, &listener, &backend) : NULL;
    if (ep == NULL) {
        rt->counters.l4_refused++;
        conn_reset(c);
        return;
    }
    if (listener->protocol == GS_RT_PROTO_TLS && !listener->tls_passthrough) {
        SSL_CTX *ctx = gs_gw_tls_store_ctx(rt->current->tls, listener);
        SSL *ssl = ctx ? SSL_new(ctx) : NULL;
        struct bufferevent *f =
            ssl ? bufferevent_openssl_filter_new(rt->base, c->down_raw, ssl,
                                                 BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)
                : NULL;
        if (f == NULL) { /* the SSL belongs to the failed filter call */
            rt->counters.l4_refused++;
            conn_reset(c);
            return;
        }
        bufferevent_openssl_set_allow_dirty_shutdown(f, 1);
        /* Bounded while the upstream connects: past it the filter stops reading. */
        bufferevent_setwatermark(f, EV_READ, 0, L4_HIGH_WATER);
        c->down = f;
        c->terminated = true;
    }
    /* BackendTLSPolicy: TLS to the backend from a TCP listener or a Terminate one; a
     * Passthrough connection is the client's own TLS already and goes through unchanged. */
    bool passthrough = listener->protocol == GS_RT_PROTO_TLS && listener->tls_passthrough;
    if (!conn_connect(c, ep, passthrough ? NULL : backend->tls, listener->backend_client_cert))
        return;
    if (c->terminated) {
        /* The ClientHello is already in the socket's input: start the handshake on it. */
        bufferevent_enable(c->down, EV_READ | EV_WRITE);
        bufferevent_trigger(c->down_raw, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
    }
}

/* ---- the ClientHello ------------------------------------------------------------------------- */

/* The ClientHello, or the backend's TLS handshake, took too long. */
static void on_deadline(void *arg)
{
    l4_conn *c = arg;
    if (c->state == L4_HELLO) {
        c->l4->rt->counters.tls_hello_timed_out++;
        conn_free(c);
        return;
    }
    c->l4->rt->counters.l4_backend_tls_failures++;
    conn_reset(c);
}

static void on_hello_read(struct bufferevent *bev, void *arg)
{
    l4_conn *c = arg;
    gs_gw_runtime *rt = c->l4->rt;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t n = evbuffer_get_length(in);
    const uint8_t *data = evbuffer_pullup(in, -1);
    gs_tls_hello hello;
    int rc = gs_tls_hello_parse(data, n, &hello, NULL);
    if (rc == GS_ERR_INCOMPLETE)
        return;
    if (rc < 0) {
        if (rc == GS_ERR_RANGE)
            rt->counters.tls_hello_oversized++;
        else
            rt->counters.tls_hello_invalid++;
        conn_free(c);
        return;
    }
    gs_gw_timer_stop(&c->deadline);
    bufferevent_disable(bev, EV_READ);
    const gs_rt_port *port = c->listen->retired ? NULL
                                                : gs_route_table_find_port(
                                                      rt->current->table, c->listen->gateway_namespace,
                                                      c->listen->gateway_name, c->listen->port);
    conn_route(c, port, hello.has_sni ? hello.sni : NULL);
}

static void on_hello_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    (void)what;
    l4_conn *c = arg;
    c->l4->rt->counters.tls_hello_invalid++; /* closed before a whole ClientHello */
    conn_free(c);
}

void gs_gw_l4_accept(gs_gw_l4 *l4, gs_gw_listen *l, evutil_socket_t fd)
{
    gs_gw_runtime *rt = l4->rt;
    l4_conn *c = gs_xcalloc(1, sizeof(*c));
    c->l4 = l4;
    c->listen = l;
    c->down_fd = fd;
    LIST_INSERT_HEAD(&l4->conns, c, link);
    l4->n_conns++;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->down_raw = bufferevent_socket_new(rt->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (c->down_raw == NULL) {
        evutil_closesocket(fd);
        LIST_REMOVE(c, link);
        l4->n_conns--;
        free(c);
        return;
    }
    c->down = c->down_raw;
    gs_gw_timer_init(&c->deadline, rt->base, on_deadline, c);
    if (l->protocol == GS_RT_PROTO_TLS) {
        c->state = L4_HELLO;
        bufferevent_setcb(c->down, on_hello_read, NULL, on_hello_event, c);
        bufferevent_enable(c->down, EV_READ);
        gs_gw_timer_set(&c->deadline, rt->limits.header_timeout_ms);
        return;
    }
    conn_route(c,
               gs_route_table_find_port(rt->current->table, l->gateway_namespace, l->gateway_name,
                                        l->port),
               NULL);
}
