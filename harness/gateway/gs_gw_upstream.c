/* SPDX-License-Identifier: MIT */
/* Upstream call bookkeeping shared by the HTTP/1.1 and HTTP/2 clients: endpoint pools, call
 * completion and deferred error reports. */
#include "gs_gw_upstream_priv.h"

#include "gs_alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int gs_gw_upstream_new(gs_gw_upstream **out, struct event_base *base, const gs_gw_limits *limits)
{
    gs_gw_upstream *u = gs_xcalloc(1, sizeof(*u));
    u->base = base;
    u->limits = limits;
    TAILQ_INIT(&u->busy);
    *out = u;
    return 0;
}

void gs_gw_upstream_free(gs_gw_upstream *u)
{
    if (u == NULL)
        return;
    gs_gw_upstream_h1_busy_free(u);
    gs_gw_upstream_ws_free_all(u);
    upstream_pool *p = u->pools;
    while (p) {
        upstream_pool *next = p->next;
        gs_gw_upstream_h1_pool_free(u, p);
        gs_gw_upstream_h2_session_free(p->h2);
        free(p->address);
        free(p);
        p = next;
    }
    gs_gw_upstream_tls_free_all(u);
    free(u);
}

upstream_pool *gs_gw_upstream_pool_get(gs_gw_upstream *u, const gs_gw_endpoint *ep,
                                       upstream_tls *tls)
{
    for (upstream_pool *p = u->pools; p; p = p->next)
        if (p->tls == tls && strcmp(p->address, ep->address) == 0)
            return p;
    upstream_pool *p = gs_xcalloc(1, sizeof(*p));
    p->address = gs_xstrdup(ep->address);
    p->tls = tls;
    memcpy(&p->addr, &ep->addr, ep->addr_len);
    p->addr_len = ep->addr_len;
    TAILQ_INIT(&p->idle);
    p->next = u->pools;
    u->pools = p;
    return p;
}

int gs_gw_upstream_connect_fd(const upstream_pool *p)
{
    int fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (const struct sockaddr *)&p->addr, p->addr_len) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

void gs_gw_upstream_call_finish(gs_gw_upstream_call *c, int err)
{
    if (c->defer) {
        event_free(c->defer);
        c->defer = NULL;
    }
    if (err)
        c->u->stats.failures++;
    if (c->on_done)
        c->on_done(c->arg, err, err ? NULL : &c->resp);
    gs_gw_response_clear(&c->resp);
    gs_buf_clear(&c->pending);
    free(c);
}

static void on_call_deferred(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gs_gw_upstream_call *c = arg;
    gs_gw_upstream_call_finish(c, c->defer_err);
}

void gs_gw_upstream_call_fail_later(gs_gw_upstream_call *c, int err)
{
    c->defer_err = err;
    c->h1 = NULL;
    c->h2 = NULL;
    c->ws = NULL;
    if (c->defer == NULL)
        c->defer = event_new(c->u->base, -1, 0, on_call_deferred, c);
    event_active(c->defer, 0, 0);
}

int gs_gw_upstream_send(gs_gw_upstream *u, const gs_gw_endpoint *ep, bool h2,
                        const gs_rt_backend_tls *tls, const gs_rt_cert *client_cert,
                        const gs_gw_request *req, gs_gw_upstream_on_done on_done, void *arg,
                        gs_gw_upstream_call **call)
{
    return gs_gw_upstream_send_stream(u, ep, h2, tls, client_cert, req, NULL, on_done, arg, call);
}

void gs_gw_upstream_send_body(gs_gw_upstream_call *c, const char *data, size_t len, bool end)
{
    if (c == NULL || !c->body_stream || c->defer)
        return;
    if (c->h2)
        gs_gw_upstream_h2_send_body(c, data, len, end);
    else if (c->h1)
        gs_gw_upstream_h1_send_body(c, data, len, end);
}

void gs_gw_upstream_pause(gs_gw_upstream_call *c, bool paused)
{
    if (c == NULL || c->paused == paused)
        return;
    c->paused = paused;
    if (paused)
        c->u->stats.pauses++;
    if (c->h1)
        gs_gw_upstream_h1_pause(c, paused);
    else if (c->h2)
        gs_gw_upstream_h2_pause(c, paused);
}

size_t gs_gw_upstream_pause_bytes(const gs_gw_limits *limits)
{
    size_t quarter = limits->max_response_body / 4;
    size_t b = quarter < (1u << 20) ? quarter : (1u << 20);
    return b < (16u << 10) ? (16u << 10) : b;
}

size_t gs_gw_upstream_first_window(const gs_gw_limits *limits)
{
    size_t pause = gs_gw_upstream_pause_bytes(limits);
    return pause < GS_GW_UPSTREAM_FIRST_WINDOW ? pause : GS_GW_UPSTREAM_FIRST_WINDOW;
}

size_t gs_gw_upstream_stalled_window(const gs_gw_limits *limits)
{
    size_t first = gs_gw_upstream_first_window(limits);
    return first < GS_GW_UPSTREAM_STALLED_WINDOW ? first : GS_GW_UPSTREAM_STALLED_WINDOW;
}

size_t gs_gw_upstream_stalled_bytes(const gs_gw_limits *limits)
{
    return gs_gw_upstream_stalled_window(limits) / 4;
}

int gs_gw_upstream_send_stream(gs_gw_upstream *u, const gs_gw_endpoint *ep, bool h2,
                               const gs_rt_backend_tls *tls, const gs_rt_cert *client_cert,
                               const gs_gw_request *req, const gs_gw_upstream_stream *stream,
                               gs_gw_upstream_on_done on_done, void *arg,
                               gs_gw_upstream_call **call)
{
    gs_gw_upstream_call *c = gs_xcalloc(1, sizeof(*c));
    c->u = u;
    c->stream = stream;
    c->on_done = on_done;
    c->arg = arg;
    c->req = req;
    if (call)
        *call = c;
    upstream_tls *t = NULL;
    if (tls) {
        t = gs_gw_upstream_tls_get(u, tls, client_cert);
        if (t == NULL) {
            u->stats.tls_failures++;
            gs_gw_upstream_call_fail_later(c, GS_ERR_TLS);
            return 0;
        }
    }
    upstream_pool *p = gs_gw_upstream_pool_get(u, ep, t);
    if (h2 && req->upgrade)
        gs_gw_upstream_ws_send(u, p, c);
    else if (h2)
        gs_gw_upstream_h2_send(u, p, c);
    else
        gs_gw_upstream_h1_send(u, p, c);
    return 0;
}

void gs_gw_upstream_set_every_try_counts(gs_gw_upstream_call *c, bool every_try_counts)
{
    if (c != NULL)
        c->every_try_counts = every_try_counts;
}

void gs_gw_upstream_cancel(gs_gw_upstream_call *c)
{
    if (c == NULL)
        return;
    c->on_done = NULL;
    c->stream = NULL;
    if (c->defer)
        return; /* already finishing from the loop: it frees itself */
    if (c->h1)
        gs_gw_upstream_h1_cancel(c);
    else if (c->h2)
        gs_gw_upstream_h2_cancel(c);
    else if (c->ws)
        gs_gw_upstream_ws_cancel(c);
}

const gs_gw_upstream_stats *gs_gw_upstream_get_stats(const gs_gw_upstream *u)
{
    return &u->stats;
}
