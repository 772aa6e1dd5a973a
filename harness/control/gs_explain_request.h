/* SPDX-License-Identifier: MIT */
/* `gatesim explain --request`: what the builtin gateway does with one request, computed with the
 * gateway's own pieces (gs_http_target for the URL's authority, gs_path_norm for the path,
 * gs_route_table_lookup for the listener and rule): the normalised path or the 400 reason, then
 * per Gateway listening on the URL's port the listener, the winning route, rule and match, and
 * the backends with their shares. Pure: a table and a request in, text or JSON out. */
#ifndef GS_EXPLAIN_REQUEST_H
#define GS_EXPLAIN_REQUEST_H

#include "gs_buf.h"
#include "gs_json.h"
#include "gs_route_table.h"

#include <stdbool.h>

/* A request as the command line gives it. All borrowed. */
typedef struct gs_explain_request {
    const char *method; /* "GET" when NULL */
    const char *url;    /* "http://host[:port]/path?query" or "https://..." */
    const gs_rt_header *headers;
    size_t n_headers;
} gs_explain_request;

/* Checks that |url| is an http:// or https:// URL with an authority (what --request needs to
 * name a port and a host). Returns NULL, or a message for a usage error. A URL whose authority
 * or path the gateway would refuse is valid here: explaining that 400 is the point. */
const char *gs_explain_request_check_url(const char *url);

/* Appends the text explanation of |rq| against |t| to |out|. Returns the HTTP status the
 * gateway would answer with on the first Gateway port found (0 when it forwards the request to
 * a backend, 400 for a refused request, 404 when no Gateway listens on the port). */
int gs_explain_request_text(const gs_route_table *t, const gs_explain_request *rq, bool colour,
                            gs_buf *out);

/* The same as one JSON object:
 * {"method","url","status"?,"reason"?,"path"?,"port","gateways":[{"gateway","port","protocol",
 *  "listener","status","outcome","route","rule","ruleName","match","backends":[...]}]} */
void gs_explain_request_json(const gs_route_table *t, const gs_explain_request *rq, gs_json *j);

#endif
