/* SPDX-License-Identifier: MIT */
/* WebSocket (RFC 6455) for gatesim-echo, without I/O: the opening handshake's checks and
 * Sec-WebSocket-Accept, and the frame echo. A connection upgraded at any path echoes every
 * text and binary frame back (unmasked, same opcode and FIN), answers a ping with a pong and a
 * close with a close, as the Gateway API conformance suite's echo server does on /ws. The
 * framing and Sec-WebSocket-Accept are gs_ws.h's, shared with the traffic engine. */
#ifndef ECHO_WS_H
#define ECHO_WS_H

#include "echo_handler.h"
#include "gs_buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest frame payload echoed; a larger frame closes the connection with 1009 (too big). */
#define GS_ECHO_WS_MAX_PAYLOAD (64 * 1024)

/* True when |req| asks for a WebSocket: GET, Upgrade: websocket, Connection: upgrade,
 * Sec-WebSocket-Version: 13 and a Sec-WebSocket-Key (tokens in any case). */
bool gs_echo_ws_is_upgrade(const gs_echo_request *req);

/* True when |req| is an RFC 8441 extended CONNECT for a WebSocket over HTTP/2: CONNECT with
 * :protocol |protocol| (|protocol_len| bytes) "websocket" and Sec-WebSocket-Version: 13 (no key:
 * over HTTP/2 there is no Sec-WebSocket-Accept). */
bool gs_echo_ws_is_h2_connect(const gs_echo_request *req, const char *protocol,
                              size_t protocol_len);

/* True when |req| is an extended CONNECT with :protocol "websocket" (any case) whose
 * Sec-WebSocket-Version is missing or not 13: answered 400 at once, never an ordinary request
 * (whose answer would wait for an END_STREAM that a tunnel's client does not send). */
bool gs_echo_ws_is_h2_connect_bad_version(const gs_echo_request *req, const char *protocol,
                                          size_t protocol_len);

typedef enum gs_echo_ws_result {
    GS_ECHO_WS_MORE = 0, /* a frame is incomplete: wait for more bytes */
    GS_ECHO_WS_FRAME,    /* one frame consumed; its answer (if any) appended to |out| */
    GS_ECHO_WS_CLOSE,    /* the answer (a close frame) is in |out|: flush it, then close */
} gs_echo_ws_result;

/* Reads one client frame from |in| (|len| bytes); on FRAME and CLOSE sets *consumed. Client
 * frames must be masked (else close 1002, protocol error); a control frame must be final and
 * at most 125 bytes (else 1002); a payload over GS_ECHO_WS_MAX_PAYLOAD closes with 1009. */
gs_echo_ws_result gs_echo_ws_step(const uint8_t *in, size_t len, gs_buf *out, size_t *consumed);

#endif
