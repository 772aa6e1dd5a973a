/* SPDX-License-Identifier: MIT */
/* Writes an HTTP/1.1 message head straight into the free space at the end of an evbuffer and
 * commits it in one piece: one evbuffer operation (one round of its callbacks) per head instead of
 * four per field, and no printf. Room is reserved for what the caller expects (the sum of the
 * fields' sizes is known up front); a head that outgrows it commits and reserves again. */
#ifndef GS_GW_H1_HEAD_H
#define GS_GW_H1_HEAD_H

#include "gs_gw_headers.h"

#include <event2/buffer.h>

#include <stdint.h>

typedef struct gs_gw_h1_head {
    struct evbuffer *out;
    struct evbuffer_iovec vec;
    char *p; /* next byte to write, inside vec */
} gs_gw_h1_head;

/* Starts a head at the end of |out| with room for about |expect| bytes. */
void gs_gw_h1_head_begin(gs_gw_h1_head *w, struct evbuffer *out, size_t expect);
/* Room a head needs for |h|'s fields written as "name: value\r\n", plus |extra|. */
size_t gs_gw_h1_head_expect(const gs_gw_headers *h, size_t extra);

void gs_gw_h1_head_put(gs_gw_h1_head *w, const char *s, size_t n);
/* "HTTP/1.1 200 OK\r\n" with the status's reason phrase. */
void gs_gw_h1_head_status(gs_gw_h1_head *w, int status);
/* "name: value\r\n". */
void gs_gw_h1_head_field(gs_gw_h1_head *w, const char *name, size_t name_len, const char *value,
                         size_t value_len);
/* A decimal (|hex| false) or hexadecimal number, with no padding. */
void gs_gw_h1_head_uint(gs_gw_h1_head *w, uint64_t v, bool hex);
/* Commits what was written to the evbuffer. */
void gs_gw_h1_head_end(gs_gw_h1_head *w);

/* gs_gw_h1_head_put with a string literal. */
#define GS_GW_H1_PUT(w, lit) gs_gw_h1_head_put((w), (lit), sizeof(lit) - 1)

#endif
