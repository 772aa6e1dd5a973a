/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 response heads over bytes (RFC 9112): the status line, the header fields and the
 * message framing that follows from them (Content-Length, chunked, until close, no body for
 * 1xx/204/304 and replies to HEAD). Pure: no I/O, no allocation; the caller owns the bytes and
 * decodes the body itself (gs_chunked for chunked bodies). */
#ifndef GS_H1_RESPONSE_H
#define GS_H1_RESPONSE_H

#include "gs_h1.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Heads larger than this are refused with GS_ERR_RANGE rather than buffered forever. */
#define GS_H1_RESPONSE_MAX_HEAD 65536
/* More header fields than this are refused with GS_ERR_RANGE. */
#define GS_H1_RESPONSE_MAX_HEADERS 100


/* Flags for gs_h1_response_parse: what the request was, since framing depends on it. */
enum {
    GS_H1_RESPONSE_TO_HEAD = 1u << 0,    /* the request method was HEAD */
    GS_H1_RESPONSE_TO_CONNECT = 1u << 1, /* the request method was CONNECT */
};

/* gs_h1_header (one header field) and gs_h1_body (framing) are defined in gs_h1.h. */

typedef struct gs_h1_response {
    int minor_version;  /* 0 or 1 (HTTP/1.x) */
    int status;         /* 100..999 */
    const char *reason; /* borrowed, may be empty */
    size_t reason_len;
    size_t num_headers;
    gs_h1_header headers[GS_H1_RESPONSE_MAX_HEADERS];
    gs_h1_body body;
    uint64_t content_length; /* meaningful when body == GS_H1_BODY_LENGTH */
    /* The connection may carry another exchange after this response's body: HTTP/1.1 without
     * "Connection: close", or HTTP/1.0 with "keep-alive"; never with an until-close body or
     * after a framing that smells of smuggling (both Transfer-Encoding and Content-Length). */
    bool keep_alive;
    bool informational; /* 1xx other than 101: a final response follows on the same stream */
    bool upgrade;       /* 101 Switching Protocols: the bytes after the head are another protocol */
} gs_h1_response;

/* Parses the response head at the start of |data| (|len| bytes) into |r|. Pointers in |r|
 * borrow |data| until the caller reuses it. Accepts CRLF or bare LF line ends, a status line
 * without a reason phrase, and repeated identical Content-Length values.
 * Returns the size of the head in bytes (the body, if any, starts there), GS_ERR_INCOMPLETE
 * when the head is not complete yet (its complete lines are checked already: a malformed one
 * fails at once), GS_ERR_RANGE when the head exceeds
 * GS_H1_RESPONSE_MAX_HEAD or GS_H1_RESPONSE_MAX_HEADERS, or GS_ERR_PARSE for malformed bytes
 * (bad status line, bad field syntax, obsolete line folding, conflicting Content-Length,
 * an unknown final transfer coding is framed until close, not refused). */
int gs_h1_response_parse(gs_h1_response *r, const char *data, size_t len, unsigned flags);

/* The first header field named |name| (case-insensitive), or NULL. */
const gs_h1_header *gs_h1_response_header(const gs_h1_response *r, const char *name);

/* True when the comma-separated list value of |h| contains |token| (case-insensitive). */
bool gs_h1_header_has_token(const gs_h1_header *h, const char *token);

#endif
