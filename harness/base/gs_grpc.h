/* SPDX-License-Identifier: MIT */
/* gRPC over HTTP/2 pieces shared by the echo backend, the traffic clients and the gateway:
 * length-prefixed message framing (the 5-byte prefix), status codes and the HTTP→gRPC status
 * mapping, grpc-message percent-encoding, and the echo message gatesim-echo answers with
 * (gatesim.echo.v1.EchoResponse, documented in docs/echo.md). No HTTP/2 here. */
#ifndef GS_GRPC_H
#define GS_GRPC_H

#include "gs_buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GS_GRPC_PREFIX 5
/* Default largest message accepted (gRPC's default receive limit is 4 MiB). */
#define GS_GRPC_MAX_MESSAGE (4u * 1024u * 1024u)

typedef enum gs_grpc_code {
    GS_GRPC_OK = 0,
    GS_GRPC_CANCELLED = 1,
    GS_GRPC_UNKNOWN = 2,
    GS_GRPC_INVALID_ARGUMENT = 3,
    GS_GRPC_DEADLINE_EXCEEDED = 4,
    GS_GRPC_NOT_FOUND = 5,
    GS_GRPC_ALREADY_EXISTS = 6,
    GS_GRPC_PERMISSION_DENIED = 7,
    GS_GRPC_RESOURCE_EXHAUSTED = 8,
    GS_GRPC_FAILED_PRECONDITION = 9,
    GS_GRPC_ABORTED = 10,
    GS_GRPC_OUT_OF_RANGE = 11,
    GS_GRPC_UNIMPLEMENTED = 12,
    GS_GRPC_INTERNAL = 13,
    GS_GRPC_UNAVAILABLE = 14,
    GS_GRPC_DATA_LOSS = 15,
    GS_GRPC_UNAUTHENTICATED = 16,
} gs_grpc_code;

/* Parses one length-prefixed message at |in|. On success returns the bytes it spans
 * (GS_GRPC_PREFIX + message length) and sets |*msg|, |*msg_len| (borrowed from |in|) and
 * |*compressed|. Returns GS_ERR_INCOMPLETE when |len| is short, GS_ERR_RANGE when the declared
 * length exceeds |max_len| (0 = GS_GRPC_MAX_MESSAGE), GS_ERR_PARSE for a flag byte other than
 * 0 or 1. */
ssize_t gs_grpc_frame_parse(const void *in, size_t len, const uint8_t **msg, size_t *msg_len,
                            bool *compressed, size_t max_len);

/* Appends the 5-byte prefix (uncompressed) and |len| bytes of |msg| to |out|. */
void gs_grpc_frame_write(gs_buf *out, const void *msg, size_t len);

/* "OK", "UNAVAILABLE", ... or "CODE(n)" style "UNKNOWN" for values out of range. */
const char *gs_grpc_code_name(int code);

/* The gRPC status a client reports for an HTTP response status without grpc-status (gRPC
 * "HTTP to gRPC Status Code Mapping"): 400→INTERNAL, 401→UNAUTHENTICATED, 403→PERMISSION_DENIED,
 * 404→UNIMPLEMENTED, 429/502/503/504→UNAVAILABLE, otherwise UNKNOWN. */
gs_grpc_code gs_grpc_code_from_http(int http_status);

/* Appends |s| percent-encoded for the grpc-message trailer (bytes outside 0x20–0x7E and '%'). */
void gs_grpc_message_encode(gs_buf *out, const char *s, size_t len);
/* Appends the decoded form of a grpc-message value (invalid escapes are kept literally). */
void gs_grpc_message_decode(gs_buf *out, const char *s, size_t len);

/* The echo reply (gatesim.echo.v1.EchoResponse). When encoding, every pointer is borrowed; after
 * gs_grpc_echo_decode the struct owns its strings and gs_grpc_echo_free releases them.
 * Strings that are absent are NULL (encode) or "" (decode). */
typedef struct gs_grpc_echo_header {
    const char *name;
    const char **values;
    size_t n_values;
} gs_grpc_echo_header;

typedef struct gs_grpc_echo {
    const char *path;             /* 1: the :path, "/pkg.Service/Method" */
    const char *host;             /* 2: :authority */
    const char *method;           /* 3: "POST" */
    const char *proto;            /* 4: "HTTP/2.0" */
    gs_grpc_echo_header *headers; /* 5: repeated Header{name=1, repeated values=2} */
    size_t n_headers;
    const char *ns;      /* 6: namespace */
    const char *service; /* 7 */
    const char *pod;     /* 8: replica id */
    bool has_tls; /* 9: TLS{version=1, server_name=2, negotiated_protocol=3, cipher_suite=4} */
    const char *tls_version;
    const char *tls_server_name;
    const char *tls_negotiated_protocol;
    const char *tls_cipher_suite;
    const char *tls_peer_certificate; /* TLS field 5: the client's certificate (PEM), if any */
    const uint8_t *request;           /* 10: the request message bytes, echoed */
    size_t request_len;
    const char *backend; /* 11: "ns/name/replica" */

    void *owned; /* decode only: the allocations behind the pointers above */
} gs_grpc_echo;

/* Appends the protobuf encoding of |echo| (not framed) to |out|. */
void gs_grpc_echo_encode(const gs_grpc_echo *echo, gs_buf *out);
/* Decodes an EchoResponse into |echo|. Unknown fields are skipped. Returns 0 or GS_ERR_PARSE
 * (then |echo| holds nothing to free). */
int gs_grpc_echo_decode(gs_grpc_echo *echo, const void *data, size_t len);
void gs_grpc_echo_free(gs_grpc_echo *echo);

/* The Gateway API conformance suite's gRPC echo service (its echo-basic backend). gatesim-echo
 * answers it in that suite's reply format, so the runner reads replies of this service with
 * gs_grpc_conformance_echo_decode. */
#define GS_GRPC_CONFORMANCE_SERVICE "gateway_api_conformance.echo_basic.grpcecho.GrpcEcho"

/* Decodes the conformance suite's EchoResponse{Assertions assertions = 1; EchoRequest request = 2}
 * (Assertions: fully_qualified_method = 1, repeated Header{key = 1, value = 2} headers = 2,
 * authority = 3, Context{namespace = 1, ingress = 2, service_name = 3, pod = 4} context = 4,
 * TLSAssertions{version = 1, negotiated_protocol = 2, server_name = 3, cipher_suite = 4} = 5)
 * into gatesim's struct: path = fully_qualified_method, host = authority, headers grouped by
 * key in first-seen order, ns/service/pod from the context and backend = "ns/service/pod".
 * That format carries no method or proto: they stay "". Returns 0 or GS_ERR_PARSE. */
int gs_grpc_conformance_echo_decode(gs_grpc_echo *echo, const void *data, size_t len);

/* The values of header |name| (exact, lower case as HTTP/2 sends it) in a decoded echo, or NULL. */
const gs_grpc_echo_header *gs_grpc_echo_header_find(const gs_grpc_echo *echo, const char *name);

#endif
