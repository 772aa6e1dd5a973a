/* SPDX-License-Identifier: MIT */
/* What gatesim-echo answers, independent of the protocol: a request as HTTP/1.1 and HTTP/2 both
 * see it goes in, a response (status, header fields, body, gRPC trailers, and fault actions such
 * as delay, slow body or reset) comes out, and the request log is updated. The HTTP/1.1 and
 * HTTP/2 glue only move bytes. Also answers the control endpoint. No I/O, no libevent. */
#ifndef ECHO_HANDLER_H
#define ECHO_HANDLER_H

#include "echo_config.h"
#include "echo_log.h"
#include "gs_buf.h"
#include "gs_tls.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GS_ECHO_REQUEST_ID_HEADER "x-gatesim-request-id"
#define GS_ECHO_BACKEND_HEADER "x-gatesim-backend"
/* gRPC metadata asking the echo to fail the call with this status (and message). */
#define GS_ECHO_GRPC_STATUS_HEADER "x-gatesim-grpc-status"
#define GS_ECHO_GRPC_MESSAGE_HEADER "x-gatesim-grpc-message"

typedef struct gs_echo_header {
    const char *name; /* HTTP/2: lower case; HTTP/1.1: as received */
    size_t name_len;
    const char *value;
    size_t value_len;
} gs_echo_header;

/* One request; every pointer is borrowed for the duration of gs_echo_handle(). */
typedef struct gs_echo_request {
    const char *method;
    size_t method_len;
    const char *target; /* request-target / :path, with the query */
    size_t target_len;
    const char *authority; /* Host / :authority; may be NULL */
    size_t authority_len;
    const char *proto;             /* "HTTP/1.0", "HTTP/1.1", "HTTP/2.0" */
    const gs_echo_header *headers; /* regular fields only (no pseudo-headers) */
    size_t n_headers;
    const char *body;
    size_t body_len;
    bool body_truncated;    /* the body was longer than --max-body; |body| holds its start */
    const gs_tls_info *tls; /* NULL on plaintext */
    const char *peer_cert;  /* TLS client certificate (PEM), or NULL */
    int local_port;         /* the port the request arrived on ("httpPort") */
    bool h2;                /* HTTP/2: gRPC is possible */
} gs_echo_request;

/* The answer. Reused across requests: gs_echo_response_reset keeps the buffers' memory. */
typedef struct gs_echo_response {
    int status;
    gs_buf fields; /* n_fields pairs "name\0value\0", names lower case */
    size_t n_fields;
    gs_buf body;
    int64_t delay_ns;     /* wait this long before sending anything */
    int64_t slow_body_ns; /* > 0: body in 64-byte pieces this far apart */
    bool reset;           /* do not answer: reset the connection (h1) or stream (h2) */
    bool close;           /* HTTP/1.1: close the connection after this response */
    bool grpc;            /* send gRPC trailers */
    int grpc_status;
    gs_buf grpc_message; /* percent-encoded already */
} gs_echo_response;

void gs_echo_response_reset(gs_echo_response *r);
void gs_echo_response_free(gs_echo_response *r);
/* Adds a header field (|name| is lower-cased). */
void gs_echo_response_add(gs_echo_response *r, const char *name, size_t name_len, const char *value,
                          size_t value_len);
/* Iterates fields: start with *pos = 0; returns false at the end. */
bool gs_echo_response_next(const gs_echo_response *r, size_t *pos, const char **name,
                           size_t *name_len, const char **value, size_t *value_len);

/* Per event-loop handler state. */
typedef struct gs_echo_ctx {
    const gs_echo_config *cfg; /* borrowed */
    gs_echo_log *log;          /* borrowed, shared between loops */
    gs_echo_faults faults;     /* copy of those POST /behaviour set (when faults_version) */
    unsigned faults_version;   /* of the log's faults copied into |faults|; 0: cfg's rule */
    uint64_t rng;              /* xorshift64* state; never 0 */
    char backend[256];         /* "ns/name/replica" */
    size_t backend_len;
    struct {
        int port;
        gs_buf json; /* the port-specific tail of the JSON echo, built on first use */
    } tails[4];
    size_t next_tail;
} gs_echo_ctx;

void gs_echo_ctx_init(gs_echo_ctx *ctx, const gs_echo_config *cfg, gs_echo_log *log, uint64_t seed);

/* Releases the caches of |ctx|. */
void gs_echo_ctx_free(gs_echo_ctx *ctx);

/* Computes the response to |req| into |resp| (reset first) and logs the request. */
void gs_echo_handle(gs_echo_ctx *ctx, const gs_echo_request *req, gs_echo_response *resp);

/* Accepts a WebSocket upgrade (gs_echo_ws_is_upgrade(req) holds): 101 with the handshake's
 * fields and x-gatesim-backend, and logs the request. The faults do not apply. Over HTTP/2
 * (gs_echo_ws_is_h2_connect holds) the answer is 200 with x-gatesim-backend alone. */
void gs_echo_handle_websocket(gs_echo_ctx *ctx, const gs_echo_request *req,
                              gs_echo_response *resp);

/* Refuses an extended CONNECT for a WebSocket of another or no Sec-WebSocket-Version
 * (gs_echo_ws_is_h2_connect_bad_version holds): 400 with Sec-WebSocket-Version: 13 (the version
 * understood, RFC 6455 4.4), x-gatesim-backend and a text body; logs the request. */
void gs_echo_handle_websocket_bad_version(gs_echo_ctx *ctx, const gs_echo_request *req,
                                          gs_echo_response *resp);

/* Answers a request on the control listener: GET /requests?since=N[&limit=M], GET /stats,
 * GET /healthz, POST /reset, GET and POST /behaviour?errorRate=P&status=N&delay=DUR (the
 * faults every loop applies from then on). Anything else is 404 (405 for a wrong method). */
void gs_echo_handle_control(gs_echo_ctx *ctx, const gs_echo_request *req, gs_echo_response *resp);

/* Writes |name| in Go's canonical header form ("x-forwarded-for" -> "X-Forwarded-For") to |out|
 * (|n| bytes; names with characters other than letters, digits and '-' are kept as they are). */
void gs_echo_canonical_name(const char *name, size_t n, char *out);

/* True when |s| (n bytes) can go into a JSON string as it is: printable ASCII (0x20-0x7e) other
 * than '"' and '\\'. Checks eight bytes at a time. */
bool gs_echo_json_plain(const char *s, size_t n);

/* Writes |v| in decimal to |out| (NUL-terminated) and returns its length. A snprintf without
 * the format parsing, for the per-response numbers. */
size_t gs_echo_utoa(uint64_t v, char out[24]);

/* The first request header named |name| (case-insensitive), or NULL. */
const gs_echo_header *gs_echo_request_header(const gs_echo_request *req, const char *name);

/* The value of query parameter |key| in |target| (not decoded), or NULL. */
const char *gs_echo_query_param(const char *target, size_t target_len, const char *key,
                                size_t *value_len);

#endif
