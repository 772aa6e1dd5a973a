/* SPDX-License-Identifier: MIT */
/* What a proxy does to headers on the way through, independent of routing: removes hop-by-hop
 * fields (RFC 9110 §7.6.1, plus those named in Connection) and adds X-Forwarded-For /
 * X-Forwarded-Proto. Pure functions on gs_gw_headers. */
#ifndef GS_GW_FORWARDED_H
#define GS_GW_FORWARDED_H

#include "gs_gw_headers.h"

/* Removes Connection, Keep-Alive, Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE,
 * Trailer, Transfer-Encoding, Upgrade and every field named in a Connection value. Returns how
 * many fields were removed. */
size_t gs_gw_forwarded_strip_hop(gs_gw_headers *h);

/* Appends |client_ip| to X-Forwarded-For (creating it), and sets X-Forwarded-Proto to |proto|
 * ("http" or "https": the scheme the client used to reach the gateway). */
void gs_gw_forwarded_add(gs_gw_headers *h, const char *client_ip, const char *proto);

/* True when |name| is a hop-by-hop field by definition (not counting Connection-listed ones). */
bool gs_gw_forwarded_is_hop(const char *name);

#endif
