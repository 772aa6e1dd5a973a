/* SPDX-License-Identifier: MIT */
/* A downstream (client-side) connection of the gateway and the two protocols it may speak.
 * gs_gw_server accepts and detects the protocol (ALPN on TLS, the HTTP/2 preface on cleartext),
 * then hands the connection to the HTTP/1.1 or the HTTP/2 side. Internal to harness/gateway. */
#ifndef GS_GW_CONN_H
#define GS_GW_CONN_H

#include "gs_gw_exchange.h"
#include "gs_gw_timer.h"

#include <event2/bufferevent.h>
#include <sys/queue.h>

typedef struct gs_gw_server gs_gw_server;

/* One listening socket: all listeners of one Gateway on one declared port. */
typedef struct gs_gw_listen {
    gs_gw_server *srv;
    char *gateway_namespace;
    char *gateway_name;
    uint16_t port;           /* declared port */
    gs_rt_protocol protocol; /* HTTP, HTTPS, TLS, TCP or UDP */
    struct evconnlistener *evl; /* NULL for UDP */
    struct udp_listen *udp;     /* UDP only (gs_gw_l4_udp.c) */
    char address[64]; /* "127.0.0.1:18080" actually bound */
    SSL_CTX *ssl_ctx; /* HTTPS only */
    bool seen;        /* mark for listener sync on reload */
    bool retired;     /* a reload removed it: no new requests are routed through it */
    LIST_ENTRY(gs_gw_listen) link;
} gs_gw_listen;

typedef enum gs_gw_conn_proto {
    GS_GW_CONN_DETECT = 0,
    GS_GW_CONN_H1,
    GS_GW_CONN_H2,
} gs_gw_conn_proto;

typedef struct gs_gw_conn {
    gs_gw_server *srv;
    gs_gw_runtime *rt;
    gs_gw_listen *listen;
    struct bufferevent *bev;
    SSL *ssl; /* owned by |bev| */
    char client_ip[64];
    char *sni; /* owned; TLS only */
    gs_gw_conn_proto proto;
    void *state; /* the protocol side's state */
    bool closing;
    /* A total time limit (header_timeout from when it is set), not an inactivity one: runs from
     * the accept until the protocol is known (TLS handshake included), and on HTTP/2 again for
     * each header block. Over it the connection is closed and counted (deadlineClosed). */
    gs_gw_timer deadline;
    LIST_ENTRY(gs_gw_conn) link;
} gs_gw_conn;

/* (Re)starts |c|'s total deadline: header_timeout from now. */
void gs_gw_conn_deadline_set(gs_gw_conn *c);
void gs_gw_conn_deadline_stop(gs_gw_conn *c);

/* The listener port of the current snapshot this connection's requests are routed on (NULL when a
 * reload removed it). */
const gs_rt_port *gs_gw_conn_port(gs_gw_conn *c, gs_gw_snapshot *snap);

/* Frees the connection (and its bufferevent) and unlinks it from the server. */
void gs_gw_conn_free(gs_gw_conn *c);

/* Call right before gs_gw_conn_free of a plain connection whose response is fully written but
 * whose client may still be sending (a body answered early, pipelined requests): closing a
 * socket with unread input makes the kernel answer with a reset, and a reset can destroy the
 * response the client has not read yet ("Connection reset by peer" instead of the 413). The
 * socket then lingers in the server: its sending side is shut down (the client sees the end of
 * the response), and what the client still sends is read and dropped until it closes, for at most
 * 2 s and 16 MiB (at most 1024 such sockets; over that the close is immediate). */
void gs_gw_conn_linger(gs_gw_conn *c);

/* Protocol sides: start on a connection whose first bytes may already be in |bev|'s input. */
void gs_gw_h1_start(gs_gw_conn *c);
void gs_gw_h1_free(gs_gw_conn *c);
/* Asks an idle HTTP/1.1 connection to close (graceful shutdown); a busy one closes after its
 * response. */
void gs_gw_h1_shutdown(gs_gw_conn *c);

void gs_gw_h2_start(gs_gw_conn *c);
/* Continues a cleartext connection whose HTTP/1.1 request asked for h2c and was answered 101 (the
 * 101 is already in |c->bev|'s output, the HTTP/1.1 side freed): sends our SETTINGS, applies the
 * client's decoded HTTP2-Settings payload |settings| (|settings_len| bytes, checked by
 * gs_gw_h2c_decide), and runs |req| (taken: moved out, left zeroed) as stream 1 through the same
 * exchange path as any stream. The client's connection preface may already be in the input. */
void gs_gw_h2_start_upgrade(gs_gw_conn *c, gs_gw_request *req, const uint8_t *settings,
                            size_t settings_len);
void gs_gw_h2_free(gs_gw_conn *c);
/* Sends GOAWAY; the connection closes when its streams are done. */
void gs_gw_h2_shutdown(gs_gw_conn *c);

#endif
