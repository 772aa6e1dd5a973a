/* SPDX-License-Identifier: MIT */
/* WebSocket handshake and frame echo of gatesim-echo (echo_ws.h). */
#include "echo_ws.h"

#include "gs_error.h"
#include "gs_h1.h"
#include "gs_ws.h"

#include <string.h>

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

/* CONNECT over HTTP/2 with :protocol websocket. */
static bool ws_is_h2_websocket_connect(const gs_echo_request *req, const char *protocol,
                                       size_t protocol_len)
{
    return req->h2 && req->method_len == 7 && memcmp(req->method, "CONNECT", 7) == 0 &&
           protocol != NULL && gs_h1_strieq(protocol, protocol_len, "websocket");
}

static bool ws_version_13(const gs_echo_request *req)
{
    const gs_echo_header *v = gs_echo_request_header(req, "sec-websocket-version");
    return v != NULL && v->value_len == 2 && memcmp(v->value, "13", 2) == 0;
}

bool gs_echo_ws_is_h2_connect(const gs_echo_request *req, const char *protocol,
                              size_t protocol_len)
{
    return ws_is_h2_websocket_connect(req, protocol, protocol_len) && ws_version_13(req);
}

bool gs_echo_ws_is_h2_connect_bad_version(const gs_echo_request *req, const char *protocol,
                                          size_t protocol_len)
{
    return ws_is_h2_websocket_connect(req, protocol, protocol_len) && !ws_version_13(req);
}

/* A close frame with |code| (and no reason). */
static gs_echo_ws_result ws_close(gs_buf *out, unsigned code)
{
    uint8_t p[2] = {(uint8_t)(code >> 8), (uint8_t)code};
    gs_ws_frame_write(out, true, GS_WS_CLOSE, NULL, p, 2);
    return GS_ECHO_WS_CLOSE;
}

gs_echo_ws_result gs_echo_ws_step(const uint8_t *in, size_t len, gs_buf *out, size_t *consumed)
{
    if (len < 2)
        return GS_ECHO_WS_MORE;
    if ((in[1] & 0x80) == 0) {
        *consumed = len;             /* after a close nothing more is read */
        return ws_close(out, 1002); /* a client frame must be masked: refused at once */
    }
    gs_ws_frame f;
    int64_t n = gs_ws_frame_parse(in, len, GS_ECHO_WS_MAX_PAYLOAD, &f);
    if (n == GS_ERR_INCOMPLETE)
        return GS_ECHO_WS_MORE;
    *consumed = len;
    if (n == GS_ERR_RANGE)
        return ws_close(out, 1009); /* known from the header, before the payload arrives */
    if (n < 0)
        return ws_close(out, 1002); /* reserved bits, undefined opcode, bad control frame */
    gs_buf plain = {0};             /* the unmasked payload */
    gs_buf_append(&plain, f.payload, (size_t)f.len);
    gs_ws_unmask((uint8_t *)plain.data, (size_t)f.len, f.mask);
    *consumed = (size_t)n;
    gs_echo_ws_result r = GS_ECHO_WS_FRAME;
    switch (f.opcode) {
    case GS_WS_CONTINUATION:
    case GS_WS_TEXT:
    case GS_WS_BINARY:
        gs_ws_frame_write(out, f.fin, f.opcode, NULL, plain.data, (size_t)f.len);
        break;
    case GS_WS_PING:
        gs_ws_frame_write(out, true, GS_WS_PONG, NULL, plain.data, (size_t)f.len);
        break;
    case GS_WS_PONG:
        break;
    default: /* GS_WS_CLOSE: echo the status code back, then close */
        gs_ws_frame_write(out, true, GS_WS_CLOSE, NULL, plain.data, f.len >= 2 ? 2 : 0);
        r = GS_ECHO_WS_CLOSE;
        break;
    }
    gs_buf_clear(&plain);
    return r;
}
