/* SPDX-License-Identifier: MIT */
/* Protobuf wire-format primitives. Bounds are checked on every read; nothing is allocated. */
#include "gs_pb.h"

#include "gs_error.h"

#include <string.h>

void gs_pb_put_varint(gs_buf *out, uint64_t v)
{
    char tmp[10];
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        if (v)
            b |= 0x80;
        tmp[n++] = (char)b;
    } while (v);
    gs_buf_append(out, tmp, n);
}

void gs_pb_put_tag(gs_buf *out, uint32_t field, gs_pb_wire wire)
{
    gs_pb_put_varint(out, ((uint64_t)field << 3) | (uint64_t)wire);
}

void gs_pb_put_uint(gs_buf *out, uint32_t field, uint64_t v)
{
    gs_pb_put_tag(out, field, GS_PB_VARINT);
    gs_pb_put_varint(out, v);
}

void gs_pb_put_bytes(gs_buf *out, uint32_t field, const void *data, size_t len)
{
    gs_pb_put_tag(out, field, GS_PB_LEN);
    gs_pb_put_varint(out, len);
    gs_buf_append(out, data, len);
}

void gs_pb_put_string(gs_buf *out, uint32_t field, const char *s)
{
    if (s != NULL && *s != '\0')
        gs_pb_put_bytes(out, field, s, strlen(s));
}

void gs_pb_reader_init(gs_pb_reader *r, const void *data, size_t len)
{
    /* An empty message may come as (NULL, 0); NULL + 0 is undefined in C. */
    r->p = data;
    r->end = data != NULL ? r->p + len : r->p;
}

static int pb_read_varint(gs_pb_reader *r, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end)
            return GS_ERR_PARSE;
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return GS_ERR_PARSE; /* more than 10 bytes */
}

int gs_pb_next(gs_pb_reader *r, gs_pb_field *f)
{
    if (r->p >= r->end)
        return 0;
    uint64_t key;
    if (pb_read_varint(r, &key) < 0)
        return GS_ERR_PARSE;
    if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff)
        return GS_ERR_PARSE;
    memset(f, 0, sizeof(*f));
    f->number = (uint32_t)(key >> 3);
    f->wire = (gs_pb_wire)(key & 7);
    switch (f->wire) {
    case GS_PB_VARINT:
        return pb_read_varint(r, &f->varint) < 0 ? GS_ERR_PARSE : 1;
    case GS_PB_I64:
    case GS_PB_I32: {
        size_t n = f->wire == GS_PB_I64 ? 8 : 4;
        if ((size_t)(r->end - r->p) < n)
            return GS_ERR_PARSE;
        for (size_t i = 0; i < n; i++)
            f->varint |= (uint64_t)r->p[i] << (8 * i);
        r->p += n;
        return 1;
    }
    case GS_PB_LEN: {
        uint64_t len;
        if (pb_read_varint(r, &len) < 0 || len > (uint64_t)(r->end - r->p))
            return GS_ERR_PARSE;
        f->data = r->p;
        f->len = (size_t)len;
        r->p += len;
        return 1;
    }
    }
    return GS_ERR_PARSE;
}
