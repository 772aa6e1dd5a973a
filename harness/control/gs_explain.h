/* SPDX-License-Identifier: MIT */
/* Human rendering of computed status, like `kubectl describe`: every GatewayClass, Gateway,
 * listener and route with conditions, attachedRoutes, where each route attached and why not,
 * and the effective route table per listener (hostname → ordered matches → backends). Writes
 * into a buffer; no I/O. */
#ifndef GS_EXPLAIN_H
#define GS_EXPLAIN_H

#include "gs_buf.h"
#include "gs_route_table.h"
#include "gs_status.h"

#include <stdbool.h>

/* Appends the description of |s| (and of |t|'s programmed listeners; |t| may be NULL) to
 * |out|, with ANSI colours when |colour|. */
void gs_explain_describe(const gs_status_set *s, const gs_route_table *t, bool colour, gs_buf *out);

/* Appends a one-line description of an HTTPRoute match ("PathPrefix /api GET header
 * x-env=prod query v=1"), or of a GRPCRoute match when |grpc| is set (either may be NULL:
 * "(every request)"). */
void gs_explain_match(const gs_rt_match *match, const gs_rt_grpc_match *grpc, gs_buf *out);

#endif
