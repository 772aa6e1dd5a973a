/* SPDX-License-Identifier: MIT */
/* What gatesim-echo answers on its layer-4 listeners (TCP, TLS, UDP): one request (a line on a
 * stream, or a datagram) goes in, one JSON line naming the backend comes out, and the request
 * log is updated. Pure: the stream glue (echo_stream.c) and the datagram glue (echo_udp.c) move
 * the bytes. */
#ifndef ECHO_L4_H
#define ECHO_L4_H

#include "echo_handler.h"
#include "gs_buf.h"
#include "gs_tls.h"

#include <stddef.h>

/* The longest line a stream listener takes (bytes before the '\n'); a longer one is answered
 * with an error reply and the connection closes. */
#define GS_ECHO_L4_MAX_LINE 16384
/* At most this many bytes of a request are echoed back (the rest is counted in "length"), so
 * a UDP reply always fits one datagram. */
#define GS_ECHO_L4_MAX_ECHOED 1024

/* One layer-4 request; pointers are borrowed for the call. */
typedef struct gs_echo_l4_request {
    const char *proto; /* "tcp", "tls" or "udp" */
    const char *data;  /* the line (without its "\n" or "\r\n") or the datagram */
    size_t len;
    const gs_tls_info *tls; /* with "tls" */
    const char *peer;       /* "host:port" of the client as this process sees it */
    int local_port;
} gs_echo_l4_request;

/* Appends the answer to |req| to |out|, one JSON object and a "\n":
 *   {"backend":"ns/name/replica","namespace":..,"service":..,"pod":..,"protocol":"tcp",
 *    "port":P,"peer":"127.0.0.1:5555","request":"<first 1024 bytes>","length":N
 *    [,"tls":{"version","serverName","negotiatedProtocol","cipherSuite"}]}
 * and logs the request (id: the request itself when it is 1..95 bytes, for the mirror and
 * split checks that read the log). */
void gs_echo_l4_reply(gs_echo_ctx *ctx, const gs_echo_l4_request *req, gs_buf *out);

/* Appends the answer to a line longer than GS_ECHO_L4_MAX_LINE:
 *   {"backend":"ns/name/replica","error":"line longer than 16384 bytes"} and "\n". */
void gs_echo_l4_reply_too_long(const gs_echo_ctx *ctx, gs_buf *out);

/* Finds the end of the first line in |data| (|len| bytes): returns the bytes it takes with its
 * '\n' and sets *line_len to its length without "\n" / "\r\n"; 0 when no '\n' came yet. */
size_t gs_echo_l4_line(const char *data, size_t len, size_t *line_len);

#endif
