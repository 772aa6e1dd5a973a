/* SPDX-License-Identifier: MIT */
/* The protocol-neutral request and response the gateway moves between its HTTP/1.1 and HTTP/2
 * sides. Bodies are buffered whole (bounded by the limits in gs_gw_limits; streamed request
 * bodies and streamed responses are the exceptions, see |body_open|), which keeps mirroring,
 * retries of the head and never-ending upstream bodies simple to bound. */
#ifndef GS_GW_MSG_H
#define GS_GW_MSG_H

#include "gs_buf.h"
#include "gs_gw_headers.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct gs_gw_request {
    char *method;          /* owned */
    char *scheme;          /* owned: "http" | "https" (what the client used) */
    char *authority;       /* owned: Host / :authority, may be NULL */
    char *target;          /* owned: origin-form path with query */
    char *upgrade;         /* owned: the Upgrade value of an HTTP/1.1 upgrade request, or NULL */
    gs_gw_headers headers; /* regular fields only (no pseudo-headers, no Host) */
    gs_buf body;
    gs_gw_headers trailers;
    bool http2; /* arrived over HTTP/2 */
    /* The body is still arriving (an HTTP/1.1 request with a body, a gRPC call over HTTP/2):
     * |body| holds what came so far and the rest goes through gs_gw_exchange_body /
     * gs_gw_upstream_send_body. */
    bool body_open;
    /* HTTP/2 downstream: when the request was dispatched, its client could take no response
     * data (a zero stream or connection window). An HTTP/2 upstream stream then keeps its
     * stalled window (gs_gw_upstream_stalled_window) instead of the first window. */
    bool client_stalled;
} gs_gw_request;

typedef struct gs_gw_response {
    int status;
    gs_gw_headers headers;
    gs_buf body;
    gs_gw_headers trailers; /* gRPC status travels here */
    /* A 101 answer to an upgrade request: the upstream connection, now a byte stream (owned;
     * whoever takes it sets this to NULL). */
    struct bufferevent *tunnel;
} gs_gw_response;

/* Limits shared by every connection; a zeroed field takes its default. */
typedef struct gs_gw_limits {
    size_t max_request_body;      /* default 8 MiB buffered (then 413); streamed: no bound */
    size_t max_response_body;     /* default 16 MiB buffered (then 502: the upstream never ends) */
    uint64_t max_streamed_body;   /* default 1 GiB through a streamed response (then cut) */
    size_t max_header_bytes;      /* default 64 KiB per message (then 431 / 502) */
    int64_t header_timeout_ms;    /* default 10 s: a request head must arrive within it */
    int64_t idle_timeout_ms;      /* default 60 s between requests on a connection */
    int64_t udp_idle_timeout_ms;  /* default 30 s without a datagram: a UDP session closes */
    int64_t default_timeout_ms;   /* default 60 s: request timeout when the route sets none */
    uint32_t h2_max_streams;      /* default 128 concurrent streams per connection */
    uint32_t h2_max_resets;       /* default 200 client resets per 10 s, then GOAWAY */
    size_t max_mirrors_in_flight; /* default 1024; mirrors over it are dropped and counted */
    size_t max_connections;       /* default 10000 downstream connections; more are closed */
    /* Bounds against hostile clients (docs/gateway.md, "Limits under hostile clients"). */
    size_t conn_request_buffer;    /* default 16 MiB of HTTP/2 request bodies held per connection */
    size_t process_request_buffer; /* default 32 MiB of them in the whole process (fair shares
                                    * past it: at most twice that, see gs_gw_budget_take) */
    size_t conn_response_held;     /* default 8 MiB of HTTP/2 response data waiting per connection */
    size_t process_response_held;  /* default 32 MiB of it in the whole process (the same) */
    int64_t hold_timeout_ms;       /* default 30 s holding response data with no progress */
    uint32_t addr_max_resets;      /* default 400 client resets per 10 s per client address */
    int64_t addr_ban_ms;           /* default 10 s: an address over it has connections refused */
} gs_gw_limits;

/* Fills the zero fields of |l| with the defaults. */
void gs_gw_limits_defaults(gs_gw_limits *l);

/* The idle limit of a tunnel (an HTTP/1.1 upgrade, an HTTP/2 extended CONNECT): closed once no
 * byte went either way for 10 times the idle timeout (10 min by default). */
int64_t gs_gw_tunnel_idle_ms(const gs_gw_limits *l);

void gs_gw_request_clear(gs_gw_request *r);
/* Deep copy (for mirrors), without |upgrade|: a mirror is never upgraded. */
void gs_gw_request_copy(gs_gw_request *dst, const gs_gw_request *src);
void gs_gw_response_clear(gs_gw_response *r);

/* Fills |r| with a small text response ("404 Not Found\n") of |status|. */
void gs_gw_response_simple(gs_gw_response *r, int status, const char *text);


#endif
