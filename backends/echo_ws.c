/* SPDX-License-Identifier: MIT */
/* WebSocket handshake and frame echo of gatesim-echo (echo_ws.h). */
#include "echo_ws.h"

#include "gs_h1.h"

#include <openssl/evp.h>
#include <string.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

enum {
    WS_CONTINUATION = 0x0,
    WS_TEXT = 0x1,
    WS_BINARY = 0x2,
    WS_CLOSE = 0x8,
    WS_PING = 0x9,
    WS_PONG = 0xa,
};

static bool ws_header_has(const gs_echo_request *req, const char *name, const char *token)
{
    const gs_echo_header *h = gs_echo_request_header(req, name);
    return h != NULL && gs_h1_token_list_has(h->value, h->value_len, token);
}

bool gs_echo_ws_is_upgrade(const gs_echo_request *req)
{
    if (req->h2 || req->method_len != 3 || memcmp(req->method, "GET", 3) != 0)
        return false;
    const gs_echo_header *v = gs_echo_request_header(req, "sec-websocket-version");
    const gs_echo_header *k = gs_echo_request_header(req, "sec-websocket-key");
    return ws_header_has(req, "upgrade", "websocket") &&
           ws_header_has(req, "connection", "upgrade") && v != NULL && v->value_len == 2 &&
           memcmp(v->value, "13", 2) == 0 && k != NULL && k->value_len > 0 &&
           k->value_len <= 64;
}

void gs_echo_ws_accept(const char *key, size_t key_len, char out[29])
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

/* Appends a server frame (never masked). */
static void ws_put_frame(gs_buf *out, bool fin, int opcode, const uint8_t *payload, size_t n)
{
    uint8_t head[10];
    size_t hl = 2;
    head[0] = (uint8_t)((fin ? 0x80 : 0) | opcode);
    if (n < 126) {
        head[1] = (uint8_t)n;
    } else if (n <= 0xffff) {
        head[1] = 126;
        head[2] = (uint8_t)(n >> 8);
        head[3] = (uint8_t)n;
        hl = 4;
    } else {
        head[1] = 127;
        for (int i = 0; i < 8; i++)
            head[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
        hl = 10;
    }
    gs_buf_append(out, (const char *)head, hl);
    if (n > 0)
        gs_buf_append(out, (const char *)payload, n);
}

/* A close frame with |code| (and no reason). */
static gs_echo_ws_result ws_close(gs_buf *out, unsigned code)
{
    uint8_t p[2] = {(uint8_t)(code >> 8), (uint8_t)code};
    ws_put_frame(out, true, WS_CLOSE, p, 2);
    return GS_ECHO_WS_CLOSE;
}

gs_echo_ws_result gs_echo_ws_step(const uint8_t *in, size_t len, gs_buf *out, size_t *consumed)
{
    if (len < 2)
        return GS_ECHO_WS_MORE;
    bool fin = (in[0] & 0x80) != 0;
    int opcode = in[0] & 0x0f;
    bool masked = (in[1] & 0x80) != 0;
    uint64_t n = in[1] & 0x7f;
    size_t hl = 2;
    if (n == 126) {
        if (len < 4)
            return GS_ECHO_WS_MORE;
        n = ((uint64_t)in[2] << 8) | in[3];
        hl = 4;
    } else if (n == 127) {
        if (len < 10)
            return GS_ECHO_WS_MORE;
        n = 0;
        for (int i = 0; i < 8; i++)
            n = (n << 8) | in[2 + i];
        hl = 10;
    }
    *consumed = len; /* after a close nothing more is read */
    if (!masked || (in[0] & 0x70) != 0)
        return ws_close(out, 1002); /* unmasked client frame, or reserved bits without extension */
    bool control = (opcode & 0x8) != 0;
    if (control && (!fin || n > 125))
        return ws_close(out, 1002);
    if (n > GS_ECHO_WS_MAX_PAYLOAD)
        return ws_close(out, 1009);
    if (len < hl + 4 + n)
        return GS_ECHO_WS_MORE;
    const uint8_t *mask = in + hl;
    gs_buf plain = {0}; /* the unmasked payload */
    uint8_t *p = (uint8_t *)gs_buf_reserve(&plain, (size_t)n + 1);
    for (uint64_t i = 0; i < n; i++)
        p[i] = in[hl + 4 + i] ^ mask[i % 4];
    *consumed = hl + 4 + (size_t)n;
    gs_echo_ws_result r = GS_ECHO_WS_FRAME;
    switch (opcode) {
    case WS_CONTINUATION:
    case WS_TEXT:
    case WS_BINARY:
        ws_put_frame(out, fin, opcode, p, (size_t)n);
        break;
    case WS_PING:
        ws_put_frame(out, true, WS_PONG, p, (size_t)n);
        break;
    case WS_PONG:
        break;
    case WS_CLOSE: /* echo the status code back, then close */
        ws_put_frame(out, true, WS_CLOSE, p, n >= 2 ? 2 : 0);
        r = GS_ECHO_WS_CLOSE;
        break;
    default:
        r = ws_close(out, 1002); /* an opcode RFC 6455 does not define */
        *consumed = len;
        break;
    }
    gs_buf_clear(&plain);
    return r;
}
