/* SPDX-License-Identifier: MIT */
/* RequestRedirect (HTTPRequestRedirectFilter): the Location header and status code, from the
 * filter's configuration and what the request looked like. Pure: the caller supplies the
 * listener's declared port and scheme (not the port the gateway is actually bound to). */
#ifndef GS_GW_REDIRECT_H
#define GS_GW_REDIRECT_H

#include "gs_gw_path.h"

/* One RequestRedirect filter; pointers borrowed from the route table. */
typedef struct gs_gw_redirect {
    const char *scheme;   /* "http" | "https" | NULL (keep the request's) */
    const char *hostname; /* NULL: the request host without its port */
    int port;             /* 0: derived (see gs_gw_redirect_location) */
    gs_gw_path_mod path;  /* GS_GW_PATH_MOD_NONE keeps the request path */
    int status_code;      /* 301, 302 (default), 303, 307, 308 */
} gs_gw_redirect;

/* What the redirect is computed from. */
typedef struct gs_gw_redirect_request {
    const char *scheme;         /* the listener's scheme: "http" or "https" */
    const char *authority;      /* Host / :authority as received (port is dropped) */
    int listener_port;          /* the listener's declared port */
    const char *target;         /* request target: path and optional "?query" */
    const char *matched_prefix; /* the rule's PathPrefix value, for ReplacePrefixMatch */
    /* The path (no query) as the route matched it, when a rule-level URLRewrite changed
     * |target| since: ReplacePrefixMatch replaces the matched prefix in this path, never in
     * the rewritten one (whose elements need not line up with the prefix). NULL: |target|. */
    const char *path_as_matched;
} gs_gw_redirect_request;

/* Returns the Location value (the caller frees it). Path: ReplaceFullPath's value (see
 * gs_gw_path_apply), ReplacePrefixMatch applied to the path as matched, or the target's path.
 * Port rules: the filter's port if set; else
 * the well-known port of the filter's scheme if the scheme is set; else the listener port. The
 * port is left out when it is the scheme's default (http 80, https 443). The query string is
 * kept. */
char *gs_gw_redirect_location(const gs_gw_redirect *r, const gs_gw_redirect_request *req);

/* The status code to answer with (302 when the filter leaves it at 0). */
int gs_gw_redirect_status(const gs_gw_redirect *r);

#endif
