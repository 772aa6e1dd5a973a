/* SPDX-License-Identifier: MIT */
/* Network address text: telling an IP literal from a host name (SNI, certificate SANs, the
 * BackendTLSPolicy hostname rule), and the one "host:port" / "[v6]:port" parser every command
 * line and config uses, with its resolver. */
#ifndef GS_ADDR_H
#define GS_ADDR_H

#include "gs_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* True when |s| is an IPv4 dotted quad or an IPv6 address (no brackets, no port). */
bool gs_addr_is_ip_literal(const char *s);

/* What gs_addr_parse_hostport accepts beyond "host:port" with a port from 1 to 65535. */
enum {
    GS_ADDR_EMPTY_HOST = 1 << 0,    /* ":80": host "" (every local address, for listening) */
    GS_ADDR_PORT_ZERO = 1 << 1,     /* port 0 (the kernel picks one, for listening) */
    GS_ADDR_PORT_OPTIONAL = 1 << 2, /* "host" or "[v6]" alone; |*port| is then left as it is */
    GS_ADDR_STRICT_V6 = 1 << 3,     /* an IPv6 host needs brackets, as in URLs (RFC 3986) */
};

/* Splits |s| ("host:port", "[v6]:port") into |host| (brackets removed, NUL-terminated, at most
 * |host_size| bytes with the NUL) and |*port|. The port is 1 to 5 decimal digits; a host that
 * contains ':' must be bracketed, except an IPv6 literal left of the last colon ("::1:80" is
 * "::1" port 80, kept for the command lines that always took it; not with GS_ADDR_STRICT_V6).
 * A bracketed host must be an IPv6 literal (a "%zone" allowed). |flags| are GS_ADDR_*.
 * Returns 0, or GS_ERR_INVALID with a message in |err| that starts with |s| quoted
 * ("\"a.com\": missing \":port\""), so a caller prefixes its own context. */
int gs_addr_parse_hostport(const char *s, unsigned flags, char *host, size_t host_size,
                           uint16_t *port, gs_error *err);

/* Resolves |host| (a name or an IP literal; "" means every local address, for a listening
 * socket) and |port| to the first stream-socket address getaddrinfo gives. Returns 0 or
 * GS_ERR_INVALID ("cannot resolve \"host\": <gai reason>"). */
int gs_addr_resolve(const char *host, uint16_t port, struct sockaddr_storage *out,
                    socklen_t *out_len, gs_error *err);

/* gs_addr_parse_hostport then gs_addr_resolve: the address to connect to for "host:port". The
 * resolver's message also starts with |s| quoted. Returns 0 or GS_ERR_INVALID. */
int gs_addr_resolve_hostport(const char *s, unsigned flags, struct sockaddr_storage *out,
                             socklen_t *out_len, gs_error *err);

/* Writes |sa| (AF_INET or AF_INET6) as "ip:port" or "[v6]:port" into |out| (|size| bytes,
 * NUL-terminated; 64 always suffice) and returns its port; -1 (and "?") for another family. */
int gs_addr_format(const struct sockaddr *sa, char *out, size_t size);

#endif
