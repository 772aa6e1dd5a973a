/* SPDX-License-Identifier: MIT */
/* CORS filter decisions (GEP-1767 as standardised in v1.5). */
#include "gs_gw_cors.h"

#include "gs_alloc.h"
#include "gs_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct cors_origin {
    const char *scheme;
    size_t scheme_len;
    const char *host;
    size_t host_len;
    int port;
} cors_origin;

static bool cors_parse_origin(const char *s, cors_origin *o)
{
    const char *sep = strstr(s, "://");
    if (sep == NULL || sep == s)
        return false;
    o->scheme = s;
    o->scheme_len = (size_t)(sep - s);
    o->host = sep + 3;
    const char *end = o->host + strlen(o->host);
    while (end > o->host && end[-1] == '/')
        end--;
    const char *colon = NULL;
    for (const char *p = o->host; p < end; p++)
        if (*p == ':')
            colon = p;
    if (o->host[0] == '[') {
        const char *rb = memchr(o->host, ']', (size_t)(end - o->host));
        if (rb == NULL || (colon && colon < rb))
            colon = NULL;
    }
    if (colon) {
        o->host_len = (size_t)(colon - o->host);
        char *e = NULL;
        long port = strtol(colon + 1, &e, 10);
        if (e != end || port <= 0 || port > 65535)
            return false;
        o->port = (int)port;
    } else {
        o->host_len = (size_t)(end - o->host);
        if (o->scheme_len == 5 && strncasecmp(o->scheme, "https", 5) == 0)
            o->port = 443;
        else
            o->port = 80;
    }
    return o->host_len > 0;
}

bool gs_gw_cors_origin_match(const char *pattern, const char *origin)
{
    if (strcmp(pattern, "*") == 0)
        return true;
    cors_origin p, o;
    if (!cors_parse_origin(pattern, &p) || !cors_parse_origin(origin, &o))
        return false;
    if (p.scheme_len != o.scheme_len || strncasecmp(p.scheme, o.scheme, p.scheme_len) != 0)
        return false;
    if (p.port != o.port)
        return false;
    const char *star = memchr(p.host, '*', p.host_len);
    if (star == NULL)
        return p.host_len == o.host_len && strncasecmp(p.host, o.host, p.host_len) == 0;
    /* Greedy to the left: everything after '*' must be a suffix, anything (non-empty) before. */
    size_t before = (size_t)(star - p.host);
    size_t after = p.host_len - before - 1;
    if (o.host_len < before + after + 1)
        return false;
    if (strncasecmp(o.host, p.host, before) != 0)
        return false;
    return strncasecmp(o.host + o.host_len - after, star + 1, after) == 0;
}

static void cors_join(gs_gw_headers *out, const char *name, const char *const *items, size_t n)
{
    if (n == 0)
        return;
    gs_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (i)
            gs_buf_puts(&b, ", ");
        gs_buf_puts(&b, items[i]);
    }
    gs_gw_headers_add(out, name, b.data);
    gs_buf_clear(&b);
}

static bool cors_is_star(const char *const *items, size_t n)
{
    return n == 1 && strcmp(items[0], "*") == 0;
}

gs_gw_cors_action gs_gw_cors_eval(const gs_gw_cors *c, const char *method, const gs_gw_headers *req,
                                  gs_gw_headers *out)
{
    const char *origin = gs_gw_headers_get(req, "origin");
    if (origin == NULL)
        return GS_GW_CORS_PASS;
    const char *acrm = gs_gw_headers_get(req, "access-control-request-method");
    bool preflight = strcmp(method, "OPTIONS") == 0 && acrm != NULL;
    bool allowed = false;
    for (size_t i = 0; i < c->n_allow_origins && !allowed; i++)
        allowed = gs_gw_cors_origin_match(c->allow_origins[i], origin);
    if (!allowed)
        return preflight ? GS_GW_CORS_PREFLIGHT_DENY : GS_GW_CORS_PASS;

    /* Echoing the origin is valid for "*" too, and the only valid answer with credentials. */
    gs_gw_headers_add(out, "access-control-allow-origin", origin);
    if (c->allow_credentials)
        gs_gw_headers_add(out, "access-control-allow-credentials", "true");
    cors_join(out, "access-control-expose-headers", c->expose_headers, c->n_expose_headers);
    gs_gw_headers_add(out, "vary", "Origin");
    if (!preflight)
        return GS_GW_CORS_ACTUAL;

    if (cors_is_star(c->allow_methods, c->n_allow_methods))
        gs_gw_headers_add(out, "access-control-allow-methods", acrm);
    else
        cors_join(out, "access-control-allow-methods", c->allow_methods, c->n_allow_methods);
    const char *acrh = gs_gw_headers_get(req, "access-control-request-headers");
    if (cors_is_star(c->allow_headers, c->n_allow_headers)) {
        if (acrh)
            gs_gw_headers_add(out, "access-control-allow-headers", acrh);
    } else {
        cors_join(out, "access-control-allow-headers", c->allow_headers, c->n_allow_headers);
    }
    char age[16];
    snprintf(age, sizeof(age), "%d", c->max_age > 0 ? (int)c->max_age : 5);
    gs_gw_headers_add(out, "access-control-max-age", age);
    return GS_GW_CORS_PREFLIGHT;
}
