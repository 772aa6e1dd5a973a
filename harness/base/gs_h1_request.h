/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 request-head parser over bytes (RFC 9112): request line, header fields, and the
 * message-body framing rules (Content-Length / Transfer-Encoding). It knows nothing of sockets or
 * libevent: the caller hands it contiguous bytes and gets back how many bytes the head used.
 * The parsed strings point into the caller's bytes (zero copy); they stay valid as long as those
 * bytes do. The body itself is not read here (see gs_chunked.h for chunked bodies). */
#ifndef GS_H1_REQUEST_H
#define GS_H1_REQUEST_H

#include "gs_h1.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Hard upper bound of header fields kept per request; gs_h1_limits.max_headers may be lower. */
#define GS_H1_MAX_HEADERS 128

/* Why a head was rejected. gs_h1_error_status() gives the HTTP status to answer with; after
 * any of these the connection must be closed (the framing of what follows is unknown). */
typedef enum gs_h1_error {
    GS_H1_OK = 0,
    GS_H1_ERR_REQUEST_LINE,      /* 400: malformed method, target or spacing */
    GS_H1_ERR_VERSION,           /* 505: HTTP/x.y that is not 1.0 or 1.1 */
    GS_H1_ERR_URI_TOO_LONG,      /* 414: request line over max_request_line */
    GS_H1_ERR_HEADER_SYNTAX,     /* 400: bad field name, whitespace before ':', obs-fold, CTLs */
    GS_H1_ERR_HEADERS_TOO_LARGE, /* 431: a field line or the whole head over its limit */
    GS_H1_ERR_TOO_MANY_HEADERS,  /* 431: more than max_headers fields */
    GS_H1_ERR_CONTENT_LENGTH,    /* 400: not a number, overflow, or differing duplicates */
    GS_H1_ERR_CL_AND_TE,         /* 400: both Content-Length and Transfer-Encoding */
    GS_H1_ERR_TRANSFER_ENCODING, /* 400: chunked missing/not last/repeated, or TE in HTTP/1.0 */
    GS_H1_ERR_TE_UNSUPPORTED,    /* 501: a transfer coding other than chunked */
    GS_H1_ERR_HOST,              /* 400: HTTP/1.1 without Host, or more than one Host */
    GS_H1_ERR_BARE_CR,           /* 400: CR not followed by LF */
} gs_h1_error;

/* Size limits. A zeroed field takes its default. */
typedef struct gs_h1_limits {
    size_t max_request_line; /* default 8192 bytes (then 414) */
    size_t max_field_line;   /* default 8192 bytes for one "name: value" line (then 431) */
    size_t max_head;         /* default 32768 bytes for the whole head (then 431) */
    size_t max_headers;      /* default 100, at most GS_H1_MAX_HEADERS (then 431) */
} gs_h1_limits;

/* gs_h1_header (one header field) and gs_h1_body (framing) are defined in gs_h1.h. */


typedef struct gs_h1_request {
    const char *method;
    size_t method_len;
    const char *target; /* request-target exactly as received (origin, absolute, authority or *) */
    size_t target_len;
    int version_minor; /* 0 or 1 (HTTP/1.x) */
    gs_h1_header headers[GS_H1_MAX_HEADERS];
    size_t num_headers;
    const char *host; /* value of the Host field, or NULL when absent */
    size_t host_len;
    gs_h1_body body;
    uint64_t content_length; /* valid when body == GS_H1_BODY_LENGTH */
    bool keep_alive;         /* from the version and Connection: close / keep-alive */
    bool expect_continue;    /* Expect: 100-continue */
    bool upgrade;            /* Connection: upgrade with an Upgrade field */
    gs_h1_error error;       /* set when parse returns an error */

    size_t scanned; /* parser state: bytes already known to hold no end of head */
} gs_h1_request;

/* Prepares |req| for a new request head. Must be called before the first
 * gs_h1_request_parse() of each request (a zeroed struct is also fine). */
void gs_h1_request_reset(gs_h1_request *req);

/* Parses the request head at the start of |data| (|len| bytes available so far). |limits| may be
 * NULL for the defaults. Returns the length of the head (through the empty line) when complete,
 * GS_ERR_INCOMPLETE when more bytes are needed (call again with the same |req| and the same bytes
 * plus more; the scan resumes where it stopped), or GS_ERR_PARSE / GS_ERR_RANGE with |req->error|
 * telling why. Up to two leading empty lines are skipped (RFC 9112 §2.2). Lines may end in CRLF
 * or a bare LF; a bare CR is an error. */
ssize_t gs_h1_request_parse(gs_h1_request *req, const char *data, size_t len,
                            const gs_h1_limits *limits);

/* The HTTP status to answer a rejected head with (400, 414, 431, 501, 505); 0 for GS_H1_OK. */
int gs_h1_error_status(gs_h1_error error);
/* A short description for logs ("content-length and transfer-encoding both present"). */
const char *gs_h1_error_str(gs_h1_error error);

/* The first header named |name| (case-insensitive), or NULL. */
const gs_h1_header *gs_h1_request_header(const gs_h1_request *req, const char *name);

#endif
