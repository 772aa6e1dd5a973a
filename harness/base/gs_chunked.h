/* SPDX-License-Identifier: MIT */
/* Incremental decoder of the HTTP/1.1 chunked transfer coding (RFC 9112 §7.1), for request and
 * response bodies alike. Feed it bytes as they arrive, in any split; it hands out the chunk data
 * and stops exactly after the trailer section, so what follows (a pipelined message) is left to
 * the caller. Pure: no I/O; it copies data only into the caller's gs_buf when one is given. */
#ifndef GS_CHUNKED_H
#define GS_CHUNKED_H

#include "gs_buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Longest chunk-size line (size + extensions) and trailer section accepted. */
#define GS_CHUNKED_MAX_LINE 4096
#define GS_CHUNKED_MAX_TRAILER 16384

typedef enum gs_chunked_state {
    GS_CHUNKED_SIZE = 0,     /* reading hex digits of a chunk size */
    GS_CHUNKED_EXT,          /* after the size: extensions up to the line end */
    GS_CHUNKED_SIZE_LF,      /* saw CR after the size line, need LF */
    GS_CHUNKED_DATA,         /* |remaining| data bytes to go */
    GS_CHUNKED_DATA_CR,      /* after the data: CR (or a bare LF) */
    GS_CHUNKED_DATA_LF,      /* after the data's CR: LF */
    GS_CHUNKED_TRAILER,      /* in the trailer section, at the start of a line */
    GS_CHUNKED_TRAILER_LINE, /* inside a trailer field line */
    GS_CHUNKED_TRAILER_LF,   /* saw CR in the trailer, need LF */
    GS_CHUNKED_DONE,         /* the message body is complete */
    GS_CHUNKED_ERROR,
} gs_chunked_state;

typedef struct gs_chunked {
    gs_chunked_state state;
    uint64_t remaining;   /* data bytes left in the current chunk (state DATA) */
    unsigned size_digits; /* hex digits seen in the current size (at most 16) */
    size_t line_len;      /* bytes of the current size line, to bound extensions */
    size_t trailer_len;   /* bytes of trailer section so far */
    bool line_empty;      /* trailer line seen so far is empty */
    uint64_t total;       /* decoded data bytes so far */
} gs_chunked;

/* Starts decoding a new body. A zeroed struct is also ready. */
void gs_chunked_init(gs_chunked *c);

/* Decodes from |in| (|len| bytes). Chunk data is appended to |out| when not NULL (else
 * discarded; c->total still counts it). Returns the bytes consumed: all of |in| while the body
 * is unfinished, or the bytes up to the end of the trailer section once gs_chunked_done(c);
 * GS_ERR_PARSE on malformed chunking (bad hex, size overflow, missing CRLF after data, a line or
 * trailer over its limit), after which the connection must be closed. */
ssize_t gs_chunked_decode(gs_chunked *c, const char *in, size_t len, gs_buf *out);

bool gs_chunked_done(const gs_chunked *c);

#endif
