/* SPDX-License-Identifier: MIT */
/* Request building for both downstream protocols. The HTTP/1.1 head's bytes live in the
 * connection's input buffer, which is not NUL-terminated: everything here reads them by
 * (pointer, length) and copies what the request keeps. */
#include "gs_gw_reqbuild.h"

#include "gs_alloc.h"
#include "gs_http_target.h"
#include "gs_path_norm.h"

#include <stdlib.h>
#include <string.h>

/* The normalised target for |path| (|len| bytes of path and query, possibly empty as in an
 * absolute-form "http://h") into |*target| (owned). */
static const char *reqbuild_target(const char *path, size_t len, char **target)
{
    gs_buf b = {0};
    gs_buf_reserve(&b, len + 1); /* the result is never longer (an empty path becomes "/") */
    gs_path_norm_error e = gs_path_norm_uri_path(path, len, &b);
    if (e != GS_PATH_NORM_OK) {
        gs_buf_clear(&b);
        return gs_path_norm_error_str(e);
    }
    *target = gs_buf_take(&b);
    return NULL;
}

/* An absolute-form target must name the scheme of the connection it came on (RFC 9112 §3.2.2
 * and RFC 9110 §4.2): "https" only over TLS, "http" only in cleartext; a request for another
 * scheme is not one this listener can answer with authority. */
static const char *reqbuild_scheme(const gs_http_target *t, bool tls)
{
    if (gs_http_target_scheme_is(t->scheme, t->scheme_len, "http"))
        return tls ? "http:// target on a TLS listener" : NULL;
    if (gs_http_target_scheme_is(t->scheme, t->scheme_len, "https"))
        return tls ? NULL : "https:// target on a plain listener";
    return "request target scheme is not http or https";
}

/* Which target forms the gateway serves: origin, absolute (of this connection's scheme) and
 * asterisk with OPTIONS. Authority-form belongs to CONNECT, which a Gateway does not proxy. */
static const char *reqbuild_form(const gs_http_target *t, const char *method, size_t method_len,
                                 bool tls)
{
    switch (t->form) {
    case GS_HTTP_TARGET_ORIGIN:
        return NULL;
    case GS_HTTP_TARGET_ASTERISK:
        return method_len == 7 && memcmp(method, "OPTIONS", 7) == 0
                   ? NULL
                   : "asterisk-form target (*) is only for OPTIONS";
    case GS_HTTP_TARGET_AUTHORITY:
        return method_len == 7 && memcmp(method, "CONNECT", 7) == 0
                   ? "CONNECT is not proxied (authority-form target)"
                   : "authority-form target (host:port) is only for CONNECT";
    case GS_HTTP_TARGET_ABSOLUTE: {
        const char *why = reqbuild_scheme(t, tls);
        return why ? why : gs_http_authority_check(t->authority, t->authority_len);
    }
    }
    return "bad request target";
}

const char *gs_gw_reqbuild_h1(const gs_h1_request *p, bool tls, gs_gw_request *r)
{
    memset(r, 0, sizeof(*r));
    gs_http_target t;
    const char *why = gs_http_target_split(p->target, p->target_len, &t);
    if (why == NULL)
        why = reqbuild_form(&t, p->method, p->method_len, tls);
    /* The target's authority replaces Host (RFC 9112 §3.2.2), which is still checked: a bad
     * Host is a bad request whichever wins. An empty Host is allowed (RFC 9112 §3.2). */
    if (why == NULL && p->host && p->host_len)
        why = gs_http_authority_check(p->host, p->host_len);
    if (why == NULL && t.form == GS_HTTP_TARGET_ASTERISK)
        r->target = gs_xstrdup("*");
    else if (why == NULL)
        why = reqbuild_target(t.path, t.path_len, &r->target);
    if (why)
        return why;
    r->method = gs_xstrndup(p->method, p->method_len);
    r->scheme = gs_xstrdup(tls ? "https" : "http");
    if (t.authority)
        r->authority = gs_xstrndup(t.authority, t.authority_len);
    else if (p->host)
        r->authority = gs_xstrndup(p->host, p->host_len);
    for (size_t i = 0; i < p->num_headers; i++) {
        const gs_h1_header *f = &p->headers[i];
        if (gs_h1_strieq(f->name, f->name_len, "host"))
            continue;
        if (p->upgrade && r->upgrade == NULL && gs_h1_strieq(f->name, f->name_len, "upgrade"))
            r->upgrade = gs_xstrndup(f->value, f->value_len);
        gs_gw_headers_add_n(&r->headers, f->name, f->name_len, f->value, f->value_len);
    }
    return NULL;
}

const char *gs_gw_reqbuild_h2(gs_gw_request *r)
{
    size_t method_len = strlen(r->method);
    if (strcmp(r->target, "*") == 0)
        return method_len == 7 && memcmp(r->method, "OPTIONS", 7) == 0
                   ? NULL
                   : "asterisk-form target (*) is only for OPTIONS";
    if (r->authority && r->authority[0]) {
        const char *why = gs_http_authority_check(r->authority, strlen(r->authority));
        if (why)
            return why;
    }
    char *target = NULL;
    const char *why = reqbuild_target(r->target, strlen(r->target), &target);
    if (why)
        return why;
    free(r->target);
    r->target = target;
    return NULL;
}
