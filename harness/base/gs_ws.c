/* SPDX-License-Identifier: MIT */
/* WebSocket framing (gs_ws.h). */
#include "gs_ws.h"

#include "gs_error.h"

#include <openssl/evp.h>
#include <string.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

void gs_ws_accept(const char *key, size_t key_len, char out[29])
{
    gs_buf in = {0};
    gs_buf_append(&in, key, key_len);
    gs_buf_append(&in, WS_GUID, sizeof(WS_GUID) - 1);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dn = 0;
    EVP_Digest(in.data, in.len, digest, &dn, EVP_sha1(), NULL);
    EVP_EncodeBlock((unsigned char *)out, digest, (int)dn); /* 20 bytes: 28 chars + NUL */
    gs_buf_clear(&in);
}

bool gs_ws_opcode_known(int opcode)
{
    return (opcode >= GS_WS_CONTINUATION && opcode <= GS_WS_BINARY) ||
           (opcode >= GS_WS_CLOSE && opcode <= GS_WS_PONG);
}

void gs_ws_unmask(uint8_t *data, size_t len, const uint8_t mask[4])
{
    for (size_t i = 0; i < len; i++)
        data[i] ^= mask[i & 3];
}

void gs_ws_frame_write(gs_buf *out, bool fin, int opcode, const uint8_t mask[4],
                       const void *payload, size_t len)
{
    uint8_t head[14];
    size_t hl = 2;
    head[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0f));
    uint8_t m = mask != NULL ? 0x80 : 0;
    if (len < 126) {
        head[1] = (uint8_t)(m | len);
    } else if (len <= 0xffff) {
        head[1] = (uint8_t)(m | 126);
        head[2] = (uint8_t)(len >> 8);
        head[3] = (uint8_t)len;
        hl = 4;
    } else {
        head[1] = (uint8_t)(m | 127);
        for (int i = 0; i < 8; i++)
            head[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
        hl = 10;
    }
    if (mask != NULL) {
        memcpy(head + hl, mask, 4);
        hl += 4;
    }
    gs_buf_append(out, head, hl);
    if (len == 0)
        return;
    size_t at = out->len;
    gs_buf_append(out, payload, len);
    if (mask != NULL)
        gs_ws_unmask((uint8_t *)out->data + at, len, mask);
}

int64_t gs_ws_frame_parse(const uint8_t *in, size_t len, uint64_t max_payload, gs_ws_frame *f)
{
    if (len < 2)
        return GS_ERR_INCOMPLETE;
    memset(f, 0, sizeof(*f));
    f->fin = (in[0] & 0x80) != 0;
    f->opcode = in[0] & 0x0f;
    if ((in[0] & 0x70) != 0 || !gs_ws_opcode_known(f->opcode))
        return GS_ERR_PARSE;
    f->masked = (in[1] & 0x80) != 0;
    uint64_t n = in[1] & 0x7f;
    size_t hl = 2;
    if (n == 126) {
        if (len < 4)
            return GS_ERR_INCOMPLETE;
        n = ((uint64_t)in[2] << 8) | in[3];
        if (n < 126)
            return GS_ERR_PARSE;
        hl = 4;
    } else if (n == 127) {
        if (len < 10)
            return GS_ERR_INCOMPLETE;
        if (in[2] & 0x80)
            return GS_ERR_PARSE;
        n = 0;
        for (int i = 0; i < 8; i++)
            n = (n << 8) | in[2 + i];
        if (n <= 0xffff)
            return GS_ERR_PARSE;
        hl = 10;
    }
    if (f->opcode >= GS_WS_CLOSE && (!f->fin || n > 125))
        return GS_ERR_PARSE;
    if (n > max_payload)
        return GS_ERR_RANGE;
    if (f->masked) {
        if (len < hl + 4)
            return GS_ERR_INCOMPLETE;
        memcpy(f->mask, in + hl, 4);
        hl += 4;
    }
    if ((uint64_t)(len - hl) < n)
        return GS_ERR_INCOMPLETE;
    f->payload = in + hl;
    f->len = n;
    return (int64_t)(hl + n);
}
