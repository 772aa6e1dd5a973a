/* SPDX-License-Identifier: MIT */
/* Request building: a parsed HTTP/1.1 head (bytes borrowed from the socket buffer) or the fields
 * of an HTTP/2 HEADERS frame become the gateway's gs_gw_request, or a reason to answer 400. Pure
 * (no I/O, no route table): the request target is split and checked as (pointer, length), the
 * authority validated, the path normalised (gs_path_norm.h) so routes match, and backends see,
 * the path the gateway decided on. Policy: docs/gateway.md, "Request targets". */
#ifndef GS_GW_REQBUILD_H
#define GS_GW_REQBUILD_H

#include "gs_gw_msg.h"
#include "gs_h1_request.h"

#include <stdbool.h>

/* Builds |out| (zeroed first; the caller frees it with gs_gw_request_clear whatever the result)
 * from the head |p| that arrived on a TLS connection or not (|tls|). Returns NULL, or the reason
 * the request gets a 400. Nothing in |out| points into |p|'s bytes. */
const char *gs_gw_reqbuild_h1(const gs_h1_request *p, bool tls, gs_gw_request *out);

/* Checks and normalises an HTTP/2 request whose pseudo-header fields were collected into |r|
 * (method and target set): the :path normalised in place, the :authority (or Host) validated,
 * "*" only with OPTIONS. Returns NULL, or the reason for a 400. */
const char *gs_gw_reqbuild_h2(gs_gw_request *r);

#endif
