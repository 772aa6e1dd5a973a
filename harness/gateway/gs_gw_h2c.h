/* SPDX-License-Identifier: MIT */
/* The h2c upgrade decision (RFC 7540 §3.2) for a parsed HTTP/1.1 request head: take it (answer
 * 101 and continue in HTTP/2 with the request as stream 1), ignore it (answer over HTTP/1.1 and
 * never forward the h2c Upgrade or HTTP2-Settings), or there is none. Pure: bytes in, verdict
 * and decoded SETTINGS payload out; the connection code acts on it (gs_gw_h1_conn.c). */
#ifndef GS_GW_H2C_H
#define GS_GW_H2C_H

#include "gs_h1_request.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most SETTINGS entries (6 bytes each) accepted in HTTP2-Settings; more and the upgrade is
 * ignored. RFC 7540 defines 6 settings, later RFCs 2 more; repeats are legal but pointless. */
#define GS_GW_H2C_MAX_SETTINGS 32

typedef enum gs_gw_h2c_verdict {
    GS_GW_H2C_NONE = 0, /* no h2c token in Upgrade */
    GS_GW_H2C_TAKE,     /* switch protocols; |settings| holds the client's SETTINGS payload */
    GS_GW_H2C_IGNORE,   /* h2c asked for but not taken (|why| says why): plain HTTP/1.1 */
} gs_gw_h2c_verdict;

typedef struct gs_gw_h2c {
    gs_gw_h2c_verdict verdict;
    const char *why; /* IGNORE: a static reason for logs and tests */
    uint8_t settings[GS_GW_H2C_MAX_SETTINGS * 6];
    size_t settings_len; /* TAKE: bytes in |settings| (a multiple of 6, possibly 0) */
} gs_gw_h2c;

/* Decides about the h2c upgrade of the parsed head |req| arriving on a TLS connection or not
 * (|tls|). TAKE needs: not TLS (h2 there is ALPN's business), HTTP/1.1, an Upgrade field listing
 * the token h2c (case-insensitive), Connection listing both Upgrade and HTTP2-Settings, exactly
 * one HTTP2-Settings field holding base64url SETTINGS entries whose values HTTP/2 allows, and no
 * request body (Content-Length 0 counts as none; a body makes it IGNORE: the gateway would have
 * to read the whole body over HTTP/1.1 before switching, which RFC 7540 lets a server decline).
 * Fills |out|; never fails. */
void gs_gw_h2c_decide(const gs_h1_request *req, bool tls, gs_gw_h2c *out);

/* True when the comma-separated Upgrade value |value| names h2c. */
bool gs_gw_h2c_in_upgrade(const char *value, size_t len);

/* |value| (an Upgrade field value) without its h2c tokens: a new string (caller frees), or NULL
 * when nothing else is left (the request then is no upgrade at all). */
char *gs_gw_h2c_strip_upgrade(const char *value, size_t len);

#endif
