/* SPDX-License-Identifier: MIT */
/* What the HTTP/1.1 request parser (gs_h1_request.h) and response parser (gs_h1_response.h)
 * share, so one file can use both (the gateway parses requests downstream and responses
 * upstream). */
#ifndef GS_H1_H
#define GS_H1_H

#include <stdbool.h>
#include <stddef.h>

/* 1 for the bytes of a token (tchar, RFC 9110 §5.6.2), 0 for the others. */
extern const unsigned char gs_h1_tchar[256];
/* 1 for the bytes a field value may not contain (controls but HTAB, and DEL), 0 for the others. */
extern const unsigned char gs_h1_value_bad[256];

/* True when the |n| bytes at |s| equal the NUL-terminated |lit|, ignoring ASCII case. */
bool gs_h1_strieq(const char *s, size_t n, const char *lit);

/* How many of the |n| bytes at |s| come before the first one a field value may not contain
 * (gs_h1_value_bad; CR and LF among them), |n| when none. Checks eight bytes at a time: a head is
 * mostly field values, and a byte loop over them was the largest cost of parsing one
 * (callgrind, bench/load.sh). */
size_t gs_h1_value_span(const char *s, size_t n);

/* True when the comma-separated list |value| holds the token |token| (case-insensitive), e.g.
 * Connection: keep-alive, Upgrade. */
bool gs_h1_token_list_has(const char *value, size_t value_len, const char *token);

/* True when none of the |n| bytes at |s| is one a field value may not contain. */
bool gs_h1_value_valid(const char *s, size_t n);

/* One header field. |name| and |value| point into the parsed bytes (borrowed, not
 * NUL-terminated); |name| keeps the case as received; |value| has no leading or trailing
 * whitespace. */
typedef struct gs_h1_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} gs_h1_header;

/* How the body that follows a head is delimited. Requests use the first three. */
typedef enum gs_h1_body {
    GS_H1_BODY_NONE = 0,    /* no body: a request without Content-Length or Transfer-Encoding;
                               responses 1xx, 204, 304, replies to HEAD, 2xx to CONNECT */
    GS_H1_BODY_LENGTH,      /* exactly |content_length| bytes */
    GS_H1_BODY_CHUNKED,     /* chunked transfer coding */
    GS_H1_BODY_UNTIL_CLOSE, /* responses only: everything until the server closes */
} gs_h1_body;

#endif
