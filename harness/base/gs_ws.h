/* SPDX-License-Identifier: MIT */
/* WebSocket (RFC 6455) framing without I/O, for the client side of the traffic engine: the
 * opening handshake's Sec-WebSocket-Accept, frames written (masked, as a client must), and
 * frames read from untrusted bytes (a server's, which must not be masked). */
#ifndef GS_WS_H
#define GS_WS_H

#include "gs_buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    GS_WS_CONTINUATION = 0x0,
    GS_WS_TEXT = 0x1,
    GS_WS_BINARY = 0x2,
    GS_WS_CLOSE = 0x8,
    GS_WS_PING = 0x9,
    GS_WS_PONG = 0xa,
};

/* The Sec-WebSocket-Accept for the key |key| (|key_len| bytes): base64(SHA-1(key + the RFC's
 * GUID)), 28 characters and a NUL in |out|. */
void gs_ws_accept(const char *key, size_t key_len, char out[29]);

/* Appends one frame to |out|: FIN when |fin|, the opcode, and |payload| masked with |mask|
 * (four bytes; NULL writes an unmasked frame, as a server does). */
void gs_ws_frame_write(gs_buf *out, bool fin, int opcode, const uint8_t mask[4],
                       const void *payload, size_t len);

/* One frame read by gs_ws_frame_parse. |payload| borrows the input; when |masked|, the bytes
 * there are still masked with |mask| (gs_ws_unmask). */
typedef struct gs_ws_frame {
    bool fin;
    int opcode;
    bool masked;
    uint8_t mask[4];
    const uint8_t *payload;
    uint64_t len;
} gs_ws_frame;

/* Reads the frame at the start of |in| (|len| bytes) into |f|. Returns the frame's size in
 * bytes; GS_ERR_INCOMPLETE when more bytes are needed; GS_ERR_RANGE when the payload is over
 * |max_payload|; GS_ERR_PARSE for a frame RFC 6455 forbids: reserved bits set (no extension is
 * ever negotiated), an undefined opcode, a control frame that is fragmented or over 125 bytes,
 * a 64-bit length with its top bit set, a length not in its shortest form. */
int64_t gs_ws_frame_parse(const uint8_t *in, size_t len, uint64_t max_payload, gs_ws_frame *f);

/* XORs |len| bytes at |data| with |mask|, in place (masking and unmasking are the same). */
void gs_ws_unmask(uint8_t *data, size_t len, const uint8_t mask[4]);

/* True for opcodes RFC 6455 defines (0, 1, 2, 8, 9, 10). */
bool gs_ws_opcode_known(int opcode);

#endif
