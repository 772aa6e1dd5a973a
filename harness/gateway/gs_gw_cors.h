/* SPDX-License-Identifier: MIT */
/* The HTTPRoute CORS filter (standard since Gateway API v1.5): origin matching with the greedy
 * left wildcard, preflight answers, and the headers added to actual responses. Pure: works on
 * gs_gw_headers, the caller sends what it decides. */
#ifndef GS_GW_CORS_H
#define GS_GW_CORS_H

#include "gs_gw_headers.h"

#include <stdbool.h>
#include <stdint.h>

/* One CORS filter; arrays borrowed from the route table. */
typedef struct gs_gw_cors {
    const char *const *allow_origins; /* exact origins, wildcard-host origins, or a lone star */
    size_t n_allow_origins;
    const char *const *allow_methods; /* "GET", ... or a single "*" */
    size_t n_allow_methods;
    const char *const *allow_headers; /* names, or a single "*" */
    size_t n_allow_headers;
    const char *const *expose_headers;
    size_t n_expose_headers;
    bool allow_credentials;
    int32_t max_age; /* seconds; 0 means the API default, 5 */
} gs_gw_cors;

typedef enum gs_gw_cors_action {
    GS_GW_CORS_PASS = 0,      /* not a CORS request, or origin not allowed: forward unchanged */
    GS_GW_CORS_ACTUAL,        /* allowed actual request: forward, then add |out| to the response */
    GS_GW_CORS_PREFLIGHT,     /* answer 200 now with |out|, do not forward */
    GS_GW_CORS_PREFLIGHT_DENY /* preflight from a disallowed origin: answer 200 without CORS */
} gs_gw_cors_action;

/* True when |origin| ("scheme://host[:port]") is allowed by |pattern|. Schemes and hosts compare
 * case-insensitively; an absent port is the scheme's default (80, 443); a '*' in the pattern's
 * host matches one or more characters (dots included) to its left; "*" alone matches any origin. */
bool gs_gw_cors_origin_match(const char *pattern, const char *origin);

/* Decides what to do with a request of |method| carrying |req| headers and fills |out| (empty on
 * entry) with the response headers to add (Access-Control-*, Vary). */
gs_gw_cors_action gs_gw_cors_eval(const gs_gw_cors *c, const char *method, const gs_gw_headers *req,
                                  gs_gw_headers *out);

#endif
