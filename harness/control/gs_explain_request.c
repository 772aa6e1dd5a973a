/* SPDX-License-Identifier: MIT */
/* One request through the gateway's decisions, for `gatesim explain --request`. The request is
 * first built as the gateway builds it (authority check, path normalisation: the same base
 * functions, the same 400 reasons), then looked up with the route table's own lookup on every
 * Gateway port with the URL's port number. Computing (explain_req_*) is kept apart from
 * printing (text / JSON) so more lines about a decision can be added in one place. */
#include "gs_explain_request.h"

#include "gs_alloc.h"
#include "gs_control.h"
#include "gs_explain.h"
#include "gs_http_target.h"
#include "gs_log.h"
#include "gs_path_norm.h"

#include <stdlib.h>
#include <string.h>

/* The request as the gateway would hold it after building. */
typedef struct explain_req {
    const char *method;
    gs_http_target target; /* the URL, split */
    bool tls;              /* https:// */
    const char *why;       /* the 400 reason, or NULL */
    char *path;            /* the normalised path and query (owned), when |why| is NULL */
    uint16_t port;         /* the URL's port, or the scheme's */
    char *host;            /* the authority's host part (owned): the SNI of https:// */
} explain_req;

/* What one Gateway port does with the request. */
typedef struct explain_port {
    const gs_rt_port *port;
    const char *skipped; /* why this port never sees the request (scheme vs protocol), or NULL */
    gs_rt_result res;
} explain_port;

const char *gs_explain_request_check_url(const char *url)
{
    gs_http_target t;
    if (gs_http_target_split(url, strlen(url), &t) != NULL || t.form != GS_HTTP_TARGET_ABSOLUTE ||
        !(gs_http_target_scheme_is(t.scheme, t.scheme_len, "http") ||
          gs_http_target_scheme_is(t.scheme, t.scheme_len, "https")))
        return "--request takes [METHOD] URL with an http:// or https:// URL";
    return NULL;
}

static void explain_req_build(const gs_explain_request *rq, explain_req *x)
{
    memset(x, 0, sizeof(*x));
    x->method = rq->method ? rq->method : "GET";
    gs_http_target_split(rq->url, strlen(rq->url), &x->target);
    const gs_http_target *t = &x->target;
    x->tls = gs_http_target_scheme_is(t->scheme, t->scheme_len, "https");
    x->port = x->tls ? 443 : 80;
    x->why = gs_http_authority_check(t->authority, t->authority_len);
    if (x->why)
        return;
    const char *a = t->authority;
    size_t host_len = t->authority_len;
    const char *colon = a[0] == '[' ? memchr(a, ']', host_len) : a;
    colon = colon ? memchr(colon, ':', (size_t)(a + host_len - colon)) : NULL;
    if (colon) {
        host_len = (size_t)(colon - a);
        if (colon + 1 < a + t->authority_len)
            x->port = (uint16_t)strtoul(colon + 1, NULL, 10); /* checked: digits, <= 65535 */
    }
    x->host = gs_xstrndup(a, host_len);
    gs_buf b = {0};
    gs_path_norm_error e = gs_path_norm_uri_path(t->path, t->path_len, &b);
    if (e != GS_PATH_NORM_OK) {
        x->why = gs_path_norm_error_str(e);
        gs_buf_clear(&b);
        return;
    }
    x->path = gs_buf_take(&b);
}

static void explain_req_free(explain_req *x)
{
    free(x->path);
    free(x->host);
}

/* Looks the request up on every Gateway port numbered x->port. Returns how many (|*out| is
 * owned by the caller). */
static size_t explain_req_lookup(const gs_route_table *t, const gs_explain_request *rq,
                                 const explain_req *x, explain_port **out)
{
    size_t n = 0, total = gs_route_table_port_count(t);
    *out = gs_xcalloc(total + 1, sizeof(**out));
    for (size_t i = 0; i < total; i++) {
        const gs_rt_port *p = gs_route_table_port(t, i);
        if (p->port != x->port)
            continue;
        explain_port *e = &(*out)[n++];
        e->port = p;
        bool port_tls = p->protocol == GS_RT_PROTO_HTTPS;
        if (p->protocol != GS_RT_PROTO_HTTP && !port_tls) {
            e->skipped = "not an HTTP or HTTPS listener";
            continue;
        }
        if (port_tls != x->tls) {
            e->skipped = port_tls ? "an HTTPS listener: http:// does not reach it"
                                  : "an HTTP listener: https:// does not reach it";
            continue;
        }
        gs_rt_request req = {.sni = x->tls ? x->host : NULL,
                             .host = x->target.authority,
                             .host_len = x->target.authority_len,
                             .method = x->method,
                             .method_len = strlen(x->method),
                             .path = x->path,
                             .path_len = strlen(x->path),
                             .headers = rq->headers,
                             .n_headers = rq->n_headers};
        gs_route_table_lookup(t, p, &req, &e->res);
    }
    return n;
}

static const char *explain_outcome_name(gs_rt_outcome o)
{
    switch (o) {
    case GS_RT_MATCHED:
        return "matched";
    case GS_RT_NO_LISTENER:
        return "no-listener";
    case GS_RT_MISDIRECTED:
        return "misdirected";
    case GS_RT_NO_ROUTE:
        return "no-route";
    }
    return "unknown";
}

static const char *explain_outcome_text(gs_rt_outcome o)
{
    switch (o) {
    case GS_RT_MATCHED:
        return "forwarded";
    case GS_RT_NO_LISTENER:
        return "404 no listener for this host";
    case GS_RT_MISDIRECTED:
        return "421 misdirected request (the SNI chose another listener)";
    case GS_RT_NO_ROUTE:
        return "404 no route (no rule of this listener's routes matches)";
    }
    return "unknown";
}

/* The winning match of a matched result, in explain's one-line form. */
static void explain_req_match(const gs_rt_result *r, gs_buf *out)
{
    const gs_rt_rule *rule = r->rule;
    const gs_rt_match *m = rule->n_matches ? &rule->matches[r->match_index] : NULL;
    const gs_rt_grpc_match *g = rule->n_grpc_matches ? &rule->grpc_matches[r->match_index] : NULL;
    static const gs_rt_grpc_match any = {.type = GS_RT_MATCH_EXACT}; /* a rule with no matches */
    if (r->route->kind == GS_RT_ROUTE_GRPC && g == NULL)
        g = &any;
    gs_explain_match(r->route->kind == GS_RT_ROUTE_GRPC ? NULL : m, g, out);
}

static void explain_req_port_text(const explain_port *e, bool colour, gs_buf *out)
{
    const gs_rt_port *p = e->port;
    gs_buf_printf(out, "  %sGateway %s/%s port %u (%s)%s\n", gs_term_bold(colour),
                  p->gateway_namespace, p->gateway_name, (unsigned)p->port,
                  gs_rt_protocol_name(p->protocol), gs_term_reset(colour));
    if (e->skipped) {
        gs_buf_printf(out, "    Skipped:  %s\n", e->skipped);
        return;
    }
    const gs_rt_result *r = &e->res;
    if (r->listener)
        gs_buf_printf(out, "    Listener: %s (hostname %s)\n", r->listener->name,
                      r->listener->hostname ? r->listener->hostname : "*");
    if (r->outcome != GS_RT_MATCHED) {
        gs_buf_printf(out, "    Result:   %s\n", explain_outcome_text(r->outcome));
        return;
    }
    const gs_rt_route *route = r->route;
    gs_buf_printf(out, "    Route:    %s %s/%s rule %zu%s%s, match %zu: ",
                  gs_control_route_kind_name(route->kind), route->namespace,
                  route->name, r->rule->index, r->rule->name ? " " : "",
                  r->rule->name ? r->rule->name : "", r->match_index);
    explain_req_match(r, out);
    gs_buf_putc(out, '\n');
    if (r->hostname)
        gs_buf_printf(out, "    Hostname: %s\n", r->hostname);
    for (size_t i = 0; i < r->rule->n_filters; i++)
        gs_buf_printf(out, "    Filter:   %s\n", gs_rt_filter_type_name(r->rule->filters[i].type));
    if (r->rule->n_backends == 0)
        gs_buf_puts(out, "    Backends: none\n");
    for (size_t i = 0; i < r->rule->n_backends; i++) {
        const gs_rt_backend *b = &r->rule->backends[i];
        gs_buf_printf(out, "    %s %s/%s:%u weight %u", i ? "         " : "Backends:", b->namespace,
                      b->name, (unsigned)b->port, b->weight);
        if (r->rule->total_weight && b->weight)
            gs_buf_printf(out, " (%.1f%%)", 100.0 * b->weight / (double)r->rule->total_weight);
        if (b->state != GS_RT_BACKEND_OK)
            gs_buf_printf(out, " %s: answers 500", gs_rt_backend_state_reason(b->state));
        gs_buf_putc(out, '\n');
    }
}

/* The status of the first port that saw the request (see the header). */
static int explain_req_status(const explain_req *x, const explain_port *ports, size_t n)
{
    if (x->why)
        return 400;
    for (size_t i = 0; i < n; i++)
        if (!ports[i].skipped)
            return ports[i].res.outcome == GS_RT_MATCHED ? 0 : ports[i].res.http_status;
    return 404;
}

int gs_explain_request_text(const gs_route_table *t, const gs_explain_request *rq, bool colour,
                            gs_buf *out)
{
    explain_req x;
    explain_req_build(rq, &x);
    gs_buf_printf(out, "%sRequest %s %s%s\n", gs_term_bold(colour), x.method, rq->url,
                  gs_term_reset(colour));
    if (x.why) {
        gs_buf_printf(out, "  Result:   400 %s (answered before routing)\n", x.why);
        explain_req_free(&x);
        return 400;
    }
    gs_buf_printf(out, "  Path:     %s\n", x.path);
    explain_port *ports = NULL;
    size_t n = explain_req_lookup(t, rq, &x, &ports);
    if (n == 0)
        gs_buf_printf(out, "  No Gateway listens on port %u\n", (unsigned)x.port);
    for (size_t i = 0; i < n; i++)
        explain_req_port_text(&ports[i], colour, out);
    int status = explain_req_status(&x, ports, n);
    free(ports);
    explain_req_free(&x);
    return status;
}

static void explain_req_port_json(const explain_port *e, gs_json *j)
{
    const gs_rt_port *p = e->port;
    gs_json_object_begin(j);
    gs_json_key(j, "gateway");
    gs_json_string(j, p->gateway_namespace);
    gs_json_key(j, "gatewayName");
    gs_json_string(j, p->gateway_name);
    gs_json_key(j, "port");
    gs_json_uint(j, p->port);
    gs_json_key(j, "protocol");
    gs_json_string(j, gs_rt_protocol_name(p->protocol));
    if (e->skipped) {
        gs_json_key(j, "skipped");
        gs_json_string(j, e->skipped);
        gs_json_object_end(j);
        return;
    }
    const gs_rt_result *r = &e->res;
    gs_json_key(j, "outcome");
    gs_json_string(j, explain_outcome_name(r->outcome));
    gs_json_key(j, "status");
    gs_json_int(j, r->http_status);
    gs_json_key(j, "listener");
    if (r->listener)
        gs_json_string(j, r->listener->name);
    else
        gs_json_null(j);
    if (r->outcome == GS_RT_MATCHED) {
        gs_buf m = {0};
        explain_req_match(r, &m);
        gs_json_key(j, "route");
        gs_json_string(j, r->route->namespace);
        gs_json_key(j, "routeName");
        gs_json_string(j, r->route->name);
        gs_json_key(j, "rule");
        gs_json_uint(j, r->rule->index);
        gs_json_key(j, "match");
        gs_json_uint(j, r->match_index);
        gs_json_key(j, "matchText");
        gs_json_string(j, m.data ? m.data : "");
        gs_buf_clear(&m);
        gs_json_key(j, "backends");
        gs_json_array_begin(j);
        for (size_t i = 0; i < r->rule->n_backends; i++) {
            const gs_rt_backend *b = &r->rule->backends[i];
            gs_json_object_begin(j);
            gs_json_key(j, "namespace");
            gs_json_string(j, b->namespace);
            gs_json_key(j, "name");
            gs_json_string(j, b->name);
            gs_json_key(j, "port");
            gs_json_uint(j, b->port);
            gs_json_key(j, "weight");
            gs_json_uint(j, b->weight);
            gs_json_key(j, "state");
            gs_json_string(j, b->state == GS_RT_BACKEND_OK ? "OK"
                                                           : gs_rt_backend_state_reason(b->state));
            gs_json_object_end(j);
        }
        gs_json_array_end(j);
    }
    gs_json_object_end(j);
}

void gs_explain_request_json(const gs_route_table *t, const gs_explain_request *rq, gs_json *j)
{
    explain_req x;
    explain_req_build(rq, &x);
    explain_port *ports = NULL;
    size_t n = x.why ? 0 : explain_req_lookup(t, rq, &x, &ports);
    gs_json_object_begin(j);
    gs_json_key(j, "method");
    gs_json_string(j, x.method);
    gs_json_key(j, "url");
    gs_json_string(j, rq->url);
    gs_json_key(j, "status");
    gs_json_int(j, explain_req_status(&x, ports, n));
    if (x.why) {
        gs_json_key(j, "reason");
        gs_json_string(j, x.why);
    } else {
        gs_json_key(j, "path");
        gs_json_string(j, x.path);
        gs_json_key(j, "port");
        gs_json_uint(j, x.port);
        gs_json_key(j, "gateways");
        gs_json_array_begin(j);
        for (size_t i = 0; i < n; i++)
            explain_req_port_json(&ports[i], j);
        gs_json_array_end(j);
    }
    gs_json_object_end(j);
    free(ports);
    explain_req_free(&x);
}
