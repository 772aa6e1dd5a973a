/* SPDX-License-Identifier: MIT */
/* One accepted connection of gatesim-echo and the event loop (worker) that owns it, shared by
 * the server (accept, TLS, protocol detection, shutdown) and the protocol glue (echo_h1.c,
 * echo_h2.c). A connection lives on exactly one worker; nothing here is touched by another
 * thread except through gs_echo_worker.stop_ev. */
#ifndef ECHO_CONN_H
#define ECHO_CONN_H

#include "echo_config.h"
#include "echo_handler.h"
#include "echo_log.h"
#include "gs_accept_backoff.h"
#include "gs_sockread.h"
#include "gs_tls.h"

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <pthread.h>
#include <stdbool.h>

typedef struct gs_echo_conn gs_echo_conn;

typedef enum gs_echo_listener_kind {
    GS_ECHO_LISTENER_PLAIN = 0, /* HTTP/1.1 + h2c prior knowledge */
    GS_ECHO_LISTENER_TLS,       /* TLS; ALPN h2 or http/1.1 */
    GS_ECHO_LISTENER_CONTROL,   /* HTTP/1.1 control endpoint */
    GS_ECHO_LISTENER_TCP,       /* line echo (echo_stream.c) */
    GS_ECHO_LISTENER_TCP_TLS,   /* TLS, no ALPN, then the line echo */
} gs_echo_listener_kind;

#define GS_ECHO_MAX_LISTENERS 5

/* HTTP/1.1 and HTTP/2 behind one interface, so the server can drain and free either. */
typedef struct gs_echo_proto_ops {
    const char *name;
    /* Shutdown began: finish what is in flight, take nothing new, close when idle. */
    void (*drain)(gs_echo_conn *c);
    /* Releases the protocol state (the bufferevent is freed by the caller). */
    void (*free)(gs_echo_conn *c);
} gs_echo_proto_ops;

typedef struct gs_echo_worker gs_echo_worker;

typedef struct gs_echo_listener_info {
    gs_echo_worker *worker;
    gs_echo_listener_kind kind;
    int port;
    struct evconnlistener *lev;
} gs_echo_listener_info;

struct gs_echo_worker {
    int index;
    const gs_echo_config *cfg;
    struct event_base *base;
    gs_echo_listener_info listeners[GS_ECHO_MAX_LISTENERS];
    size_t n_listeners;
    SSL_CTX *ssl_ctx;        /* borrowed from the server; NULL without --tls-listen */
    SSL_CTX *ssl_ctx_stream; /* the same, for --tcp-tls-listen (no ALPN) */
    int udp_fd;              /* --udp-listen socket of this loop, or -1 */
    int udp_port;
    struct event *udp_ev;
    gs_buf udp_reply; /* reused for every datagram answered */
    gs_echo_ctx ctx;
    gs_echo_conn *conns; /* every open connection, for draining */
    int n_conns;
    bool draining;
    struct event *stop_ev;     /* activated (from any thread) to start draining */
    struct event *drain_timer; /* bounds the drain */
    gs_accept_backoff backoff; /* pauses accepting after accept errors */
    pthread_t thread;
};

struct gs_echo_conn {
    gs_echo_worker *w;
    struct bufferevent *bev; /* owns the socket (and the SSL) */
    gs_echo_conn *prev, *next;
    gs_echo_listener_kind kind;
    int local_port;
    bool is_tls;
    gs_tls_info tls;              /* valid when is_tls, after the handshake */
    char *peer_cert;              /* the TLS client certificate (PEM), or NULL */
    const gs_echo_proto_ops *ops; /* NULL while detecting the protocol */
    void *proto;                  /* echo_h1 / echo_h2 state */
    /* Plaintext sockets are read by gs_sockread (one recv straight into the bufferevent's
     * input buffer) rather than by the bufferevent, whose evbuffer_read asks FIONREAD before
     * every read: one system call less per request. The bufferevent still writes. TLS
     * connections are read by their bufferevent. */
    gs_sockread rd;
    /* A total time limit (--header-timeout), not an inactivity one: from the accept through the
     * TLS handshake and the first request head, then from the first byte of each HTTP/1.1 head
     * to its end. The idle timeout restarts on every byte, so alone it lets a client trickle a
     * head for ever. */
    struct event *head_timer;
};

/* Starts |c|'s head deadline (--header-timeout from now) unless it is running. */
void gs_echo_conn_head_begin(gs_echo_conn *c);
/* Stops it: the head is complete (or HTTP/2 took over). */
void gs_echo_conn_head_end(gs_echo_conn *c);

/* Closes |c| now: frees the protocol state, the bufferevent and the socket. With |reset|,
 * the TCP connection is aborted with RST (SO_LINGER 0). */
void gs_echo_conn_close(gs_echo_conn *c, bool reset);

/* Queues |len| bytes for the peer. On a plaintext connection with nothing queued they are
 * written at once (no write-event registration per response); what the socket does not take,
 * and everything on TLS, goes to the bufferevent's output buffer. */
void gs_echo_conn_send(gs_echo_conn *c, const void *data, size_t len);

/* What the protocols use instead of the bufferevent_* calls of the same names, so that plaintext
 * reading (see gs_echo_conn.rev) and TLS behave alike: callbacks get |c->bev| and are invoked
 * like the bufferevent's (EOF, errors and read timeouts as BEV_EVENT_READING | ...; a read
 * timeout or EOF stops reading). */
void gs_echo_conn_setcb(gs_echo_conn *c, bufferevent_data_cb on_read, bufferevent_data_cb on_write,
                        bufferevent_event_cb on_event, void *arg);
/* Starts (|on|) or stops reading (gs_echo_conn_setcb enables writing). */
void gs_echo_conn_read(gs_echo_conn *c, bool on);
/* Read and write timeouts (NULL: none), as bufferevent_set_timeouts. */
void gs_echo_conn_timeouts(gs_echo_conn *c, const struct timeval *rd, const struct timeval *wr);
/* Stops reading while the input buffer holds |high| bytes or more (0: no limit). */
void gs_echo_conn_read_high(gs_echo_conn *c, size_t high);

/* Protocol entry points: take over |c|'s bufferevent callbacks; bytes already in its input
 * buffer are processed right away. */
void gs_echo_h1_start(gs_echo_conn *c);
void gs_echo_h2_start(gs_echo_conn *c);
/* The TCP/TLS line echo (echo_stream.c). */
void gs_echo_stream_start(gs_echo_conn *c);

/* The UDP echo of worker |w| on bound socket |fd| (taken over; closed by gs_echo_udp_stop). */
void gs_echo_udp_start(gs_echo_worker *w, int fd, int port);
/* Stops reading datagrams and closes the socket. Idempotent. */
void gs_echo_udp_stop(gs_echo_worker *w);

#endif
