/* SPDX-License-Identifier: MIT */
/* Minimal protobuf wire-format primitives (varints, tags, length-delimited fields): enough to
 * write and read small hand-described messages without generated code. Writing appends to a
 * gs_buf; reading walks a borrowed byte range and never allocates. */
#ifndef GS_PB_H
#define GS_PB_H

#include "gs_buf.h"

#include <stddef.h>
#include <stdint.h>

typedef enum gs_pb_wire {
    GS_PB_VARINT = 0,
    GS_PB_I64 = 1,
    GS_PB_LEN = 2,
    GS_PB_I32 = 5,
} gs_pb_wire;

void gs_pb_put_varint(gs_buf *out, uint64_t v);
void gs_pb_put_tag(gs_buf *out, uint32_t field, gs_pb_wire wire);
/* A varint field (int32/int64/uint/bool/enum). */
void gs_pb_put_uint(gs_buf *out, uint32_t field, uint64_t v);
/* A length-delimited field (string, bytes, or an already-encoded sub-message). */
void gs_pb_put_bytes(gs_buf *out, uint32_t field, const void *data, size_t len);
/* A string field; skipped when |s| is NULL or empty (proto3 default). */
void gs_pb_put_string(gs_buf *out, uint32_t field, const char *s);

/* One field read back. For GS_PB_LEN, |data|/|len| point into the reader's bytes. */
typedef struct gs_pb_field {
    uint32_t number;
    gs_pb_wire wire;
    uint64_t varint;     /* GS_PB_VARINT, and the raw value of I32/I64 */
    const uint8_t *data; /* GS_PB_LEN */
    size_t len;
} gs_pb_field;

typedef struct gs_pb_reader {
    const uint8_t *p; /* borrowed */
    const uint8_t *end;
} gs_pb_reader;

void gs_pb_reader_init(gs_pb_reader *r, const void *data, size_t len);
/* Reads the next field. Returns 1 with |f| filled, 0 at the end of the bytes, or GS_ERR_PARSE
 * (truncated varint/length, field number 0, unknown wire type such as groups). */
int gs_pb_next(gs_pb_reader *r, gs_pb_field *f);

#endif
