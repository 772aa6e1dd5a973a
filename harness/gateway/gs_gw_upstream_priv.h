/* SPDX-License-Identifier: MIT */
/* Shared internals of the upstream clients (gs_gw_upstream*.c only). */
#ifndef GS_GW_UPSTREAM_PRIV_H
#define GS_GW_UPSTREAM_PRIV_H

#include "gs_gw_upstream.h"

#include <openssl/ssl.h>
#include <sys/queue.h>

struct h1_conn;
struct h2_session;
typedef struct h2ws h2ws;

/* One set of TLS settings to backends (gs_gw_upstream_tls.c): its client context and the
 * names a leaf must carry (copies: the route table may be replaced while pools live on). */
typedef struct upstream_tls {
    char *key; /* every setting in one string: the identity */
    SSL_CTX *ctx;
    char *hostname;
    char **san_hosts;
    size_t n_san_hosts;
    char **san_uris;
    size_t n_san_uris;
    struct upstream_tls *next;
} upstream_tls;

/* One upstream endpoint (with one TLS setting, or plaintext): its idle HTTP/1.1 connections
 * and its HTTP/2 session. */
typedef struct upstream_pool {
    char *address;
    upstream_tls *tls; /* NULL: plaintext */
    struct sockaddr_storage addr;
    socklen_t addr_len;
    TAILQ_HEAD(, h1_conn) idle;
    size_t n_idle;
    struct h2_session *h2;
    struct upstream_pool *next;
} upstream_pool;

struct gs_gw_upstream {
    struct event_base *base;
    const gs_gw_limits *limits;
    upstream_pool *pools;
    upstream_tls *tls;
    gs_gw_upstream_stats stats;
    TAILQ_HEAD(, h1_conn) busy; /* HTTP/1.1 connections carrying a call */
    h2ws *ws; /* WebSockets to HTTP/2 backends (gs_gw_upstream_ws.c), each on its connection */
};

struct gs_gw_upstream_call {
    gs_gw_upstream *u;
    gs_gw_upstream_on_done on_done; /* NULL once cancelled */
    void *arg;
    const gs_gw_request *req;
    gs_gw_response resp;
    struct h1_conn *h1;    /* HTTP/1.1: the connection carrying it */
    struct h2_session *h2; /* HTTP/2: its session and stream */
    h2ws *ws;              /* a WebSocket to an HTTP/2 backend, until its answer */
    int32_t stream_id;
    size_t sent;                         /* HTTP/2: request body bytes handed to nghttp2 */
    const gs_gw_upstream_stream *stream; /* NULL: buffered */
    bool head_sent;                      /* stream: on_head has fired */
    uint64_t streamed;                   /* stream: body bytes handed to on_data */
    bool paused;                         /* stream: the downstream asked for a pause */
    size_t held;                         /* HTTP/2: bytes taken while paused, window not reopened */
    bool window_grown;                   /* HTTP/2: the stream window grew past the first one */
    bool body_stream;                    /* HTTP/2: the request body arrives by send_body */
    bool body_end;                       /* body_stream: the client's body ended */
    gs_buf pending;                      /* body_stream: bytes given by send_body */
    size_t pending_off;                  /* body_stream: how much of |pending| went out */
    bool body_chunked;                   /* HTTP/1.1 body_stream: chunked framing upstream */
    size_t body_owed;                    /* HTTP/1.1 body_stream: queued, on_body_taken not yet */
    bool every_try_counts;               /* no silent resend on a closed pooled connection */
    struct event *defer;                 /* used to report errors from the loop */
    int defer_err;
};

/* The pool of |ep| with TLS settings |tls| (NULL: plaintext). */
upstream_pool *gs_gw_upstream_pool_get(gs_gw_upstream *u, const gs_gw_endpoint *ep,
                                       upstream_tls *tls);
/* Runs the callback (unless cancelled) and frees |c|. */
void gs_gw_upstream_call_finish(gs_gw_upstream_call *c, int err);
/* Reports |err| for |c| on the next loop turn. */
void gs_gw_upstream_call_fail_later(gs_gw_upstream_call *c, int err);

void gs_gw_upstream_h1_send(gs_gw_upstream *u, upstream_pool *p, gs_gw_upstream_call *c);
void gs_gw_upstream_h1_cancel(gs_gw_upstream_call *c);
void gs_gw_upstream_h1_pause(gs_gw_upstream_call *c, bool paused);
void gs_gw_upstream_h1_send_body(gs_gw_upstream_call *c, const char *data, size_t len, bool end);
void gs_gw_upstream_h1_pool_free(gs_gw_upstream *u, upstream_pool *p);
void gs_gw_upstream_h1_busy_free(gs_gw_upstream *u);

void gs_gw_upstream_h2_send(gs_gw_upstream *u, upstream_pool *p, gs_gw_upstream_call *c);
void gs_gw_upstream_h2_cancel(gs_gw_upstream_call *c);
void gs_gw_upstream_h2_pause(gs_gw_upstream_call *c, bool paused);
void gs_gw_upstream_h2_send_body(gs_gw_upstream_call *c, const char *data, size_t len, bool end);
void gs_gw_upstream_h2_session_free(struct h2_session *s);

/* gs_gw_upstream_ws.c: a WebSocket upgrade request (req->upgrade websocket) to an HTTP/2
 * backend, sent as an extended CONNECT on a connection of its own. */
void gs_gw_upstream_ws_send(gs_gw_upstream *u, upstream_pool *p, gs_gw_upstream_call *c);
void gs_gw_upstream_ws_cancel(gs_gw_upstream_call *c);
void gs_gw_upstream_ws_free_all(gs_gw_upstream *u);

/* A nonblocking TCP connect to |p|'s address; returns the fd or -1. */
int gs_gw_upstream_connect_fd(const upstream_pool *p);

/* gs_gw_upstream_tls.c. The shared context of settings |cfg| (made on first use), or NULL when
 * it cannot be made (bad CA PEM). */
upstream_tls *gs_gw_upstream_tls_get(gs_gw_upstream *u, const gs_rt_backend_tls *cfg,
                                     const gs_rt_cert *client_cert);
void gs_gw_upstream_tls_free_all(gs_gw_upstream *u);
/* A bufferevent_openssl connecting over |fd| (owned on success) to |p| (which has TLS): SNI,
 * ALPN h2 or http/1.1. NULL on failure (|fd| is then the caller's). */
struct bufferevent *gs_gw_upstream_tls_bev(gs_gw_upstream *u, const upstream_pool *p, int fd,
                                           bool h2);

#endif
