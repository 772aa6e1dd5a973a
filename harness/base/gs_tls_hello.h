/* SPDX-License-Identifier: MIT */
/* Peeking at a TLS ClientHello without terminating TLS: the server name (SNI) a passthrough
 * listener routes by, read from the first bytes a client sends. Pure bytes in, facts out; no
 * sockets, no OpenSSL. Every length is checked against what arrived and against the limits
 * below, so truncated, oversized and lying inputs end in an error, never a read past the end. */
#ifndef GS_TLS_HELLO_H
#define GS_TLS_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest ClientHello handshake message accepted (the body, across records). Real ones are
 * under 2 KiB even with post-quantum key shares; 16 KiB is one full TLS record. */
#define GS_TLS_HELLO_MAX 16384
/* At most this many TLS records may carry it. */
#define GS_TLS_HELLO_MAX_RECORDS 4

typedef struct gs_tls_hello {
    bool has_sni;
    char sni[256];       /* host_name of the server_name extension, lower-cased; "" without one */
    bool has_alpn;       /* the client offered ALPN */
    uint16_t version;    /* legacy_version of the ClientHello (0x0303 for TLS 1.2 and 1.3) */
    size_t record_bytes; /* bytes of the records that hold the ClientHello */
} gs_tls_hello;

/* Parses the ClientHello at the start of |data| (|len| bytes received so far). Returns 0 with
 * |out| filled; GS_ERR_INCOMPLETE when the bytes so far are a valid prefix (read more and call
 * again with all of them); GS_ERR_PARSE when they are not a TLS ClientHello (not a handshake
 * record, bad lengths, a duplicate extension, an SNI that is not a host name); GS_ERR_RANGE when
 * it is larger than GS_TLS_HELLO_MAX or spans more than GS_TLS_HELLO_MAX_RECORDS records. |why|
 * (may be NULL) gets a short static reason for the errors. */
int gs_tls_hello_parse(const uint8_t *data, size_t len, gs_tls_hello *out, const char **why);

#endif
