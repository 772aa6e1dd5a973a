/* SPDX-License-Identifier: MIT */
/* The weights a route configures for a step's requests, looked up in control's route table as
 * the builtin gateway looks a request up. A failed split check says them beside the observed
 * shares, so a reader sees at once whether the claim in expect.split or the gateway is off. */
#ifndef GS_ROUTE_WEIGHTS_H
#define GS_ROUTE_WEIGHTS_H

#include "gs_buf.h"
#include "gs_route_table.h"

/* Looks |req| up on Gateway |gateway| ("ns/name") port |port| of |t| and appends the rule's
 * backends and weights to |out|: "HTTPRoute default/web rule 0: default/stable 90 (90.0%),
 * default/canary 10 (10.0%)"; a backend that cannot be reached says so ("default/x 10 (10.0%,
 * BackendNotFound: answers 500)"). Returns 0, or -1 with nothing appended when no Gateway port
 * matches or no rule takes the request. */
int gs_route_weights_describe(const gs_route_table *t, const char *gateway, unsigned port,
                              const gs_rt_request *req, gs_buf *out);

#endif
