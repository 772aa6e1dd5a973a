/* SPDX-License-Identifier: MIT */
/* Route table → nginx.conf (docs/targets/nginx.md, "Translation"). In short:
 *
 * - one `server` per Gateway port and server name: every listener hostname and every effective
 *   route hostname of the port (nginx picks server names as the Gateway API picks listeners and
 *   route hostnames: exact, then the longest wildcard, then the catch-all); the catch-all (or a
 *   plain 404 server) is the default server;
 * - a server's candidates are the rules of the hostname buckets that cover its name, most
 *   specific first, each bucket in the table's precedence order (the lookup's fall-through);
 * - nginx chooses a location by path alone: `= /x` for Exact paths, `= /p` and `^~ /p/` for each
 *   PathPrefix, `/` for the rest. A location whose best candidate holds for every path it gets
 *   and asks nothing else serves that candidate directly; any other asks njs (gatesim.js) to try
 *   its candidates in order and jump to the winner's named location @gs_aN;
 * - an action (named location or inline) is the rule's filters and backends: proxy_set_header,
 *   add_header, rewrite, return for redirects, mirror, and proxy_pass/grpc_pass to an upstream
 *   per Service port, split_clients on $request_id for weights, `return 500` for a share that has
 *   no valid backend. */
#include "gs_target_nginx_conf.h"
#include "gs_nginx_proc.h"

#include "gs_alloc.h"
#include "gs_json.h"
#include "gs_strmap.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { NX_PATH_EXACT = 0, NX_PATH_PREFIX = 1, NX_PATH_REGEX = 2 };

/* One (rule, match) of a listener, as the lookup tries it. */
typedef struct nx_cand {
    const gs_rt_route *route;
    const gs_rt_rule *rule;
    const gs_rt_match *match;       /* HTTPRoute; NULL for GRPCRoute */
    const gs_rt_grpc_match *grpc;   /* GRPCRoute (NULL: every call) */
    const char *hostname;           /* the bucket's effective hostname; NULL: none */
    int path_type;                  /* NX_PATH_* */
    char *path;                     /* PathPrefix without trailing '/' ("" for "/") */
    size_t action;                  /* its named location is @gs_a<action> */
} nx_cand;

/* A listener's candidates in lookup order, and where each hostname bucket's run starts. */
typedef struct nx_bucket {
    size_t start, len;
} nx_bucket;

typedef struct nx_cands {
    nx_cand *items;
    size_t len, cap;
    gs_strmap buckets;   /* effective hostname → nx_bucket (keys borrowed from the table) */
    nx_bucket no_host;   /* routes without hostnames on a listener without one */
    nx_bucket *runs;     /* the buckets' storage */
    size_t n_runs;
} nx_cands;

typedef struct nx {
    const gs_nginx_conf_in *in;
    gs_nginx_conf_out *out;
    gs_buf http;    /* upstreams, split_clients, maps: http-level blocks */
    gs_buf servers; /* every server block */
    gs_buf js_c;    /* GS_C entries */
    gs_buf js_l;    /* GS_L entries */
    nx_cands *by_listener; /* per table listener */
    gs_strmap actions;     /* "rule/match" → action index + 1 */
    gs_strmap upstreams;   /* "ns/name:port" → upstream index + 1 (0: none, no endpoints) */
    char **keys;           /* the maps' keys (the maps borrow them) */
    size_t n_keys, cap_keys;
    size_t n_actions, n_upstreams, n_splits, n_maps, n_locs;
    char *mirror_log; /* WORKDIR/GS_NGINX_MIRROR_LOG */
} nx;

/* ---- quoting ----------------------------------------------------------------------------- */

/* A double-quoted nginx string taken literally (locations, regexes, file paths). */
static void nx_q(gs_buf *b, const char *s)
{
    gs_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            gs_buf_putc(b, '\\');
        gs_buf_putc(b, *s);
    }
    gs_buf_putc(b, '"');
}

/* The characters of |s| inside a double-quoted string where nginx expands variables: a literal
 * '$' is written as ${gs_dollar} (a geo variable whose value is "$"). */
static void nx_qv_body(gs_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '$')
            gs_buf_puts(b, "${gs_dollar}");
        else {
            if (*s == '"' || *s == '\\')
                gs_buf_putc(b, '\\');
            gs_buf_putc(b, *s);
        }
    }
}

static void nx_qv(gs_buf *b, const char *s)
{
    gs_buf_putc(b, '"');
    nx_qv_body(b, s);
    gs_buf_putc(b, '"');
}

/* |s| as a PCRE literal inside a double-quoted nginx string. */
static void nx_qre_body(gs_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            gs_buf_puts(b, "\\\\\\\\");
        else if (*s == '"')
            gs_buf_puts(b, "\\\"");
        else {
            if (strchr(".^$|?*+()[]{}", *s))
                gs_buf_putc(b, '\\');
            gs_buf_putc(b, *s);
        }
    }
}

/* The $http_<name> variable of a request header. */
static void nx_http_var(gs_buf *b, const char *name)
{
    gs_buf_puts(b, "$http_");
    for (; *name; name++)
        gs_buf_putc(b, *name == '-' ? '_' : (char)((*name >= 'A' && *name <= 'Z') ? *name + 32 : *name));
}

/* ---- bookkeeping ------------------------------------------------------------------------- */

static const char *nx_key(nx *x, char *owned)
{
    if (x->n_keys == x->cap_keys) {
        x->cap_keys = x->cap_keys ? 2 * x->cap_keys : 64;
        x->keys = gs_xrealloc(x->keys, x->cap_keys * sizeof(*x->keys));
    }
    x->keys[x->n_keys++] = owned;
    return owned;
}

static size_t nx_strip_tail(const char *p)
{
    size_t n = strlen(p);
    while (n > 0 && p[n - 1] == '/')
        n--;
    return n;
}

/* The njs entry of a candidate: [pathType, path, method, headers, query, "@gs_aN"]. */
static void nx_js_kv(gs_json *j, const gs_rt_kv_match *kv, size_t n, bool lower)
{
    gs_json_array_begin(j);
    for (size_t i = 0; i < n; i++) {
        gs_json_array_begin(j);
        if (lower) {
            char *l = gs_xstrdup(kv[i].name);
            for (char *p = l; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p + 32);
            gs_json_string(j, l);
            free(l);
        } else {
            gs_json_string(j, kv[i].name);
        }
        gs_json_int(j, kv[i].type == GS_RT_MATCH_REGEX ? 1 : 0);
        gs_json_string(j, kv[i].value);
        gs_json_array_end(j);
    }
    gs_json_array_end(j);
}

static void nx_js_cand(nx *x, const nx_cand *c)
{
    gs_json j;
    gs_json_init(&j, &x->js_c, false);
    gs_json_array_begin(&j);
    gs_json_int(&j, c->path_type);
    gs_json_string(&j, c->path);
    if (c->match && c->match->method)
        gs_json_string(&j, c->match->method);
    else
        gs_json_null(&j);
    if (c->match) {
        nx_js_kv(&j, c->match->headers, c->match->n_headers, true);
        nx_js_kv(&j, c->match->query, c->match->n_query, false);
    } else {
        nx_js_kv(&j, c->grpc ? c->grpc->headers : NULL, c->grpc ? c->grpc->n_headers : 0, true);
        nx_js_kv(&j, NULL, 0, false);
    }
    char name[32];
    snprintf(name, sizeof(name), "@gs_a%zu", c->action);
    gs_json_string(&j, name);
    gs_json_array_end(&j);
    gs_buf_puts(&x->js_c, ",\n");
}

/* A GRPCRoute match as a path match on "/service/method". */
static void nx_grpc_path(const gs_rt_grpc_match *g, nx_cand *c)
{
    if (g == NULL || (g->service == NULL && g->method == NULL)) {
        c->path_type = NX_PATH_PREFIX;
        c->path = gs_xstrdup("");
    } else if (g->type == GS_RT_MATCH_REGEX) {
        c->path_type = NX_PATH_REGEX;
        c->path = gs_xasprintf("/(?:%s)/(?:%s)", g->service ? g->service : "[^/]+",
                               g->method ? g->method : "[^/]+");
    } else if (g->service && g->method) {
        c->path_type = NX_PATH_EXACT;
        c->path = gs_xasprintf("/%s/%s", g->service, g->method);
    } else if (g->service) {
        c->path_type = NX_PATH_PREFIX;
        c->path = gs_xasprintf("/%s", g->service);
    } else {
        /* A method of any service; method names are identifiers: no escaping needed. */
        c->path_type = NX_PATH_REGEX;
        c->path = gs_xasprintf("/[^/]+/%s", g->method);
    }
}

enum {
    NX_UNSUP_CORS,
    NX_UNSUP_BACKEND_FILTERS,
    NX_UNSUP_RETRY,
    NX_UNSUP_BACKEND_H2C,
    NX_UNSUP_GRPC_MIRROR,
};

const gs_nginx_feature gs_nginx_unsupported_features[] = {
    [NX_UNSUP_CORS] = {"HTTPRouteCORS",
                       "the CORS filter is not rendered: nginx has no CORS module, and answering "
                       "preflights with add_header and if blocks would not follow the filter"},
    [NX_UNSUP_BACKEND_FILTERS] = {"HTTPRouteBackendRequestHeaderModification",
                                  "filters on one of several weighted backendRefs, or other than "
                                  "header modifiers, are not rendered: the backend is chosen by "
                                  "split_clients, which the location's header directives cannot "
                                  "depend on"},
    [NX_UNSUP_RETRY] = {"HTTPRouteRetry",
                        "nginx retries on the next upstream server only (proxy_next_upstream), "
                        "never the same endpoint again, with no backoff"},
    [NX_UNSUP_BACKEND_H2C] = {"HTTPRouteBackendProtocolH2C",
                              "nginx's proxy module speaks HTTP/1.x to upstreams"},
    [NX_UNSUP_GRPC_MIRROR] = {"GRPCRouteRequestMirror",
                              "nginx mirrors with HTTP/1.1 subrequests: a gRPC call cannot be "
                              "copied"},
};
const size_t gs_nginx_n_unsupported_features =
    sizeof(gs_nginx_unsupported_features) / sizeof(gs_nginx_unsupported_features[0]);

static bool nx_h2c_protocol(const char *p)
{
    return p && (strcmp(p, "h2c") == 0 || strcmp(p, "kubernetes.io/h2c") == 0 ||
                 strcmp(p, "grpc") == 0);
}

/* The one backend every request of |rule| goes to (the only one with a weight), or NULL. */
static const gs_rt_backend *nx_sole_backend(const gs_rt_rule *rule)
{
    const gs_rt_backend *sole = NULL;
    for (size_t i = 0; i < rule->n_backends; i++)
        if (rule->backends[i].weight > 0) {
            if (sole)
                return NULL;
            sole = &rule->backends[i];
        }
    return sole;
}

/* Whether the filters on |rule|'s backendRefs can be rendered: none that a request can meet,
 * or header modifiers of the sole backend, which then run after the rule's own filters in the
 * rule's location, as they would after the choice. With several backends the choice is
 * split_clients' variable, which no directive of the location can depend on for headers. */
static bool nx_backend_filters_inline(const gs_rt_rule *rule)
{
    const gs_rt_backend *sole = nx_sole_backend(rule);
    for (size_t i = 0; i < rule->n_backends; i++) {
        const gs_rt_backend *be = &rule->backends[i];
        if (be->weight == 0 || be->n_filters == 0)
            continue; /* never chosen, or nothing to do */
        if (be != sole)
            return false;
        for (size_t k = 0; k < be->n_filters; k++)
            if (be->filters[k].type != GS_RT_FILTER_REQUEST_HEADER_MODIFIER &&
                be->filters[k].type != GS_RT_FILTER_RESPONSE_HEADER_MODIFIER)
                return false;
    }
    return true;
}

/* What |rule| needs that nginx cannot do (an index of gs_nginx_unsupported_features), or -1. */
static int nx_unsupported(const gs_rt_route *route, const gs_rt_rule *rule)
{
    bool grpc = route->kind == GS_RT_ROUTE_GRPC;
    for (size_t i = 0; i < rule->n_filters; i++) {
        if (rule->filters[i].type == GS_RT_FILTER_CORS)
            return NX_UNSUP_CORS;
        if (grpc && rule->filters[i].type == GS_RT_FILTER_REQUEST_MIRROR)
            return NX_UNSUP_GRPC_MIRROR;
    }
    if (rule->retry.set)
        return NX_UNSUP_RETRY;
    if (!nx_backend_filters_inline(rule))
        return NX_UNSUP_BACKEND_FILTERS;
    for (size_t i = 0; i < rule->n_backends; i++)
        if (!grpc && nx_h2c_protocol(rule->backends[i].app_protocol))
            return NX_UNSUP_BACKEND_H2C;
    return -1;
}

/* Records that (route, rule) is left out, once. */
static void nx_drop(nx *x, const gs_rt_route *route, const gs_rt_rule *rule, int what)
{
    gs_nginx_conf_out *o = x->out;
    for (size_t i = 0; i < o->n_drops; i++)
        if (o->drops[i].kind == route->kind && o->drops[i].rule == rule->index &&
            strcmp(o->drops[i].namespace, route->namespace) == 0 &&
            strcmp(o->drops[i].name, route->name) == 0)
            return;
    o->drops = gs_xrealloc(o->drops, (o->n_drops + 1) * sizeof(*o->drops));
    o->drops[o->n_drops++] = (gs_nginx_drop){route->kind,
                                             gs_xstrdup(route->namespace),
                                             gs_xstrdup(route->name),
                                             rule->index,
                                             route->n_rules,
                                             gs_nginx_unsupported_features[what].feature,
                                             gs_nginx_unsupported_features[what].why};
}

static void nx_collect(void *arg, const char *hostname, const gs_rt_route *route,
                       const gs_rt_rule *rule, const gs_rt_match *match,
                       const gs_rt_grpc_match *grpc_match, gs_rt_rank_key why)
{
    (void)why;
    nx *x = ((void **)arg)[0];
    nx_cands *v = ((void **)arg)[1];
    if (route->kind == GS_RT_ROUTE_TLS || route->kind == GS_RT_ROUTE_TCP ||
        route->kind == GS_RT_ROUTE_UDP)
        return; /* the stream {} block's (gs_target_nginx_stream.c) */
    int unsupported = nx_unsupported(route, rule);
    if (unsupported >= 0) {
        /* Left out, so the next candidate answers as if the rule were not there; the status
         * says why (never a silently different configuration). */
        nx_drop(x, route, rule, unsupported);
        return;
    }
    if (v->len == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 16;
        v->items = gs_xrealloc(v->items, v->cap * sizeof(*v->items));
    }
    nx_cand *c = &v->items[v->len++];
    memset(c, 0, sizeof(*c));
    c->route = route;
    c->rule = rule;
    c->hostname = hostname;
    if (route->kind == GS_RT_ROUTE_GRPC) {
        c->grpc = grpc_match;
        nx_grpc_path(grpc_match, c);
    } else {
        c->match = match;
        const gs_rt_path_match *pm = match ? &match->path : NULL;
        if (pm == NULL || pm->type == GS_RT_MATCH_PREFIX) {
            const char *val = pm && pm->value ? pm->value : "/";
            c->path_type = NX_PATH_PREFIX;
            c->path = gs_xstrndup(val, nx_strip_tail(val));
        } else {
            c->path_type = pm->type == GS_RT_MATCH_EXACT ? NX_PATH_EXACT : NX_PATH_REGEX;
            c->path = gs_xstrdup(pm->value ? pm->value : "/");
        }
    }
    char *key = gs_xasprintf("%p/%p/%p", (const void *)rule, (const void *)match,
                             (const void *)grpc_match);
    void **slot = gs_strmap_slot_for(&x->actions, key, strlen(key));
    if (*slot == NULL) {
        nx_key(x, key);
        c->action = x->n_actions++;
        *slot = (void *)(uintptr_t)(c->action + 1);
        nx_js_cand(x, c);
    } else {
        free(key);
        c->action = (size_t)(uintptr_t)*slot - 1;
    }
}

/* The upstream of Service port |b|: its index + 1, or 0 when the scenario gave no endpoint. */
static size_t nx_upstream(nx *x, const gs_rt_backend *b)
{
    char *key = gs_xasprintf("%s/%s:%u", b->namespace, b->name, (unsigned)b->port);
    void **slot = gs_strmap_slot_for(&x->upstreams, key, strlen(key));
    if (*slot != NULL) {
        free(key);
        return (size_t)(uintptr_t)*slot - 1;
    }
    nx_key(x, key);
    size_t n = 0;
    for (size_t i = 0; i < x->in->n_endpoints; i++) {
        const gs_target_endpoint *e = &x->in->endpoints[i];
        if (e->port == b->port && strcmp(e->ns, b->namespace) == 0 && strcmp(e->name, b->name) == 0)
            n++;
    }
    size_t idx = 0;
    if (n > 0) {
        idx = ++x->n_upstreams;
        gs_buf_printf(&x->http, "    upstream gs_u%zu { # %s\n", idx, key);
        for (size_t i = 0; i < x->in->n_endpoints; i++) {
            const gs_target_endpoint *e = &x->in->endpoints[i];
            if (e->port == b->port && strcmp(e->ns, b->namespace) == 0 &&
                strcmp(e->name, b->name) == 0)
                gs_buf_printf(&x->http, "        server %s;\n", e->address);
        }
        gs_buf_puts(&x->http, "        keepalive 32;\n    }\n");
    }
    *slot = (void *)(uintptr_t)(idx + 1);
    return idx;
}

/* The upstream a valid backend goes to, 0 when its share answers 500. */
static size_t nx_backend_upstream(nx *x, const gs_rt_backend *b)
{
    return b->state == GS_RT_BACKEND_OK ? nx_upstream(x, b) : 0;
}

/* ---- actions ------------------------------------------------------------------------------ */

typedef struct nx_header {
    const char *name;
    gs_buf value; /* already quoted */
} nx_header;

typedef struct nx_headers {
    nx_header items[64];
    size_t len;
} nx_headers;

static nx_header *nx_headers_slot(nx_headers *h, const char *name)
{
    for (size_t i = 0; i < h->len; i++)
        if (strcasecmp(h->items[i].name, name) == 0) {
            gs_buf_reset(&h->items[i].value);
            return &h->items[i];
        }
    if (h->len == sizeof(h->items) / sizeof(h->items[0]))
        return NULL;
    nx_header *e = &h->items[h->len++];
    e->name = name;
    memset(&e->value, 0, sizeof(e->value));
    return e;
}

static void nx_headers_set(nx_headers *h, const char *name, const char *raw)
{
    nx_header *e = nx_headers_slot(h, name);
    if (e)
        gs_buf_puts(&e->value, raw);
}

/* RequestHeaderModifier: set replaces, add appends to what the client sent (a map on the
 * request header), remove sends nothing. */
static void nx_request_mods(nx *x, nx_headers *h, const gs_rt_header_mod *m)
{
    for (size_t i = 0; i < m->n_set; i++) {
        nx_header *e = nx_headers_slot(h, m->set[i].name);
        if (e)
            nx_qv(&e->value, m->set[i].value);
    }
    for (size_t i = 0; i < m->n_add; i++) {
        size_t id = ++x->n_maps;
        gs_buf_puts(&x->http, "    map ");
        nx_http_var(&x->http, m->add[i].name);
        gs_buf_printf(&x->http, " $gs_h%zu {\n        \"\" ", id);
        nx_qv(&x->http, m->add[i].value);
        gs_buf_puts(&x->http, ";\n        default \"");
        nx_http_var(&x->http, m->add[i].name);
        gs_buf_putc(&x->http, ',');
        nx_qv_body(&x->http, m->add[i].value);
        gs_buf_puts(&x->http, "\";\n    }\n");
        nx_header *e = nx_headers_slot(h, m->add[i].name);
        if (e)
            gs_buf_printf(&e->value, "$gs_h%zu", id);
    }
    for (size_t i = 0; i < m->n_remove; i++)
        nx_headers_set(h, m->remove[i], "\"\"");
}

/* ResponseHeaderModifier. With the headers-more module, set and remove act on every response
 * header, nginx's own Server and Date included; without it, proxy_hide_header removes only what
 * the backend sent. add appends a field line either way. */
static void nx_response_mods(nx *x, gs_buf *b, const char *ind, const char *kind,
                             const gs_rt_header_mod *m)
{
    bool more = x->in->headers_more_module != NULL;
    x->out->needs_headers_more |= more && (m->n_set || m->n_remove);
    for (size_t i = 0; i < m->n_set; i++) {
        if (more) {
            gs_buf_printf(b, "%smore_set_headers \"", ind);
            nx_qv_body(b, m->set[i].name);
            gs_buf_puts(b, ": ");
            nx_qv_body(b, m->set[i].value);
            gs_buf_puts(b, "\";\n");
            continue;
        }
        gs_buf_printf(b, "%s%s_hide_header %s;\n%sadd_header %s ", ind, kind, m->set[i].name,
                      ind, m->set[i].name);
        nx_qv(b, m->set[i].value);
        gs_buf_puts(b, " always;\n");
    }
    for (size_t i = 0; i < m->n_add; i++) {
        gs_buf_printf(b, "%sadd_header %s ", ind, m->add[i].name);
        nx_qv(b, m->add[i].value);
        gs_buf_puts(b, " always;\n");
    }
    for (size_t i = 0; i < m->n_remove; i++) {
        if (more)
            gs_buf_printf(b, "%smore_clear_headers %s;\n", ind, m->remove[i]);
        else
            gs_buf_printf(b, "%s%s_hide_header %s;\n", ind, kind, m->remove[i]);
    }
}

/* A path modifier as rewrite directives on $uri; |prefix| is the candidate's PathPrefix
 * without its trailing '/'. ReplacePrefixMatch keeps what follows the prefix. */
static void nx_rewrite_path(gs_buf *b, const char *ind, const gs_rt_path_mod *pm,
                            const char *prefix)
{
    const char *v = pm->value ? pm->value : "";
    if (pm->type == GS_RT_PATH_REPLACE_FULL) {
        gs_buf_printf(b, "%srewrite ^ \"%s", ind, v[0] == '/' ? "" : "/");
        nx_qv_body(b, v);
        gs_buf_puts(b, "\" break;\n");
        return;
    }
    char *r = gs_xstrndup(v, nx_strip_tail(v));
    const char *lead = r[0] == '/' || r[0] == '\0' ? "" : "/";
    if (prefix[0] != '\0') {
        gs_buf_printf(b, "%srewrite \"^", ind);
        nx_qre_body(b, prefix);
        gs_buf_printf(b, "$\" \"%s", lead);
        nx_qv_body(b, r[0] ? r : "/");
        gs_buf_puts(b, "\" break;\n");
    }
    gs_buf_printf(b, "%srewrite \"^", ind);
    nx_qre_body(b, prefix);
    gs_buf_printf(b, "(/.*)$\" \"%s", lead);
    nx_qv_body(b, r);
    gs_buf_puts(b, "$1\" break;\n");
    free(r);
}

/* RequestRedirect: a `return` with the Location built from the filter and the request. */
static void nx_redirect(gs_buf *b, const char *ind, const gs_rt_listener *l,
                        const gs_rt_redirect *r, const char *prefix)
{
    const char *scheme = r->scheme ? r->scheme : (l->protocol == GS_RT_PROTO_HTTPS ? "https" : "http");
    int code = r->status_code ? r->status_code : 302;
    uint16_t port = gs_rt_redirect_port(r, scheme, l->port);
    gs_buf base = {0};
    gs_buf_printf(&base, "%s://", scheme);
    if (r->hostname)
        nx_qv_body(&base, r->hostname);
    else
        gs_buf_puts(&base, "$host");
    if (port)
        gs_buf_printf(&base, ":%u", (unsigned)port);
    const char *v = r->path.value ? r->path.value : "";
    if (r->path.type == GS_RT_PATH_KEEP) {
        gs_buf_printf(b, "%sreturn %d \"%s$request_uri\";\n", ind, code, base.data);
    } else if (r->path.type == GS_RT_PATH_REPLACE_FULL) {
        gs_buf_printf(b, "%sreturn %d \"%s%s", ind, code, base.data, v[0] == '/' ? "" : "/");
        nx_qv_body(b, v);
        gs_buf_puts(b, "$is_args$args\";\n");
    } else {
        char *rep = gs_xstrndup(v, nx_strip_tail(v));
        const char *lead = rep[0] == '/' || rep[0] == '\0' ? "" : "/";
        gs_buf_printf(b, "%sif ($uri ~ \"^", ind);
        nx_qre_body(b, prefix);
        gs_buf_printf(b, "(/.*)$\") {\n%s    return %d \"%s%s", ind, code, base.data, lead);
        nx_qv_body(b, rep);
        gs_buf_printf(b, "$1$is_args$args\";\n%s}\n", ind);
        gs_buf_printf(b, "%sreturn %d \"%s%s", ind, code, base.data, lead);
        nx_qv_body(b, rep[0] ? rep : "/");
        gs_buf_puts(b, "$is_args$args\";\n");
        free(rep);
    }
    gs_buf_clear(&base);
}

/* Weighted backends: the upstream (or a split_clients variable naming one, "" for the shares
 * that answer 500). Writes the proxy_pass/grpc_pass line, or `return 500`. */
static void nx_backends(nx *x, gs_buf *b, const char *ind, const nx_cand *c, const char *kind)
{
    const gs_rt_rule *rule = c->rule;
    const char *scheme = strcmp(kind, "grpc") == 0 ? "grpc" : "http";
    size_t n_live = 0, last = 0;
    for (size_t i = 0; i < rule->n_backends; i++)
        if (rule->backends[i].weight > 0) {
            n_live++;
            last = i;
        }
    if (n_live == 0) {
        gs_buf_printf(b, "%sreturn 500;\n", ind);
        return;
    }
    if (n_live == 1) {
        size_t up = nx_backend_upstream(x, &rule->backends[last]);
        if (up == 0)
            gs_buf_printf(b, "%sreturn 500;\n", ind);
        else
            gs_buf_printf(b, "%s%s_pass %s://gs_u%zu;\n", ind, kind, scheme, up);
        return;
    }
    /* Upstreams first: they are http-level blocks too, and must not land inside the split. */
    size_t *ups = gs_xcalloc(rule->n_backends, sizeof(*ups));
    for (size_t i = 0; i < rule->n_backends; i++)
        if (rule->backends[i].weight > 0)
            ups[i] = nx_backend_upstream(x, &rule->backends[i]);
    size_t id = ++x->n_splits;
    gs_buf_printf(&x->http, "    split_clients \"${request_id}s%zu\" $gs_s%zu {\n", id, id);
    uint64_t total = rule->total_weight, cum = 0;
    unsigned prev = 0;
    bool any_invalid = false;
    for (size_t i = 0; i < rule->n_backends; i++) {
        const gs_rt_backend *be = &rule->backends[i];
        if (be->weight == 0)
            continue;
        cum += be->weight;
        /* Shares in hundredths of a percent, rounded on the running sum so they add up. */
        unsigned upto = (unsigned)((cum * 10000 + total / 2) / total);
        size_t up = ups[i];
        any_invalid |= up == 0;
        char val[32];
        snprintf(val, sizeof(val), up ? "gs_u%zu" : "\"\"", up);
        if (i == last)
            gs_buf_printf(&x->http, "        * %s;\n", val);
        else if (upto > prev)
            gs_buf_printf(&x->http, "        %u.%02u%% %s;\n", (upto - prev) / 100,
                          (upto - prev) % 100, val);
        prev = upto;
    }
    gs_buf_puts(&x->http, "    }\n");
    free(ups);
    if (any_invalid)
        gs_buf_printf(b, "%sif ($gs_s%zu = \"\") {\n%s    return 500;\n%s}\n", ind, id, ind, ind);
    gs_buf_printf(b, "%s%s_pass %s://$gs_s%zu;\n", ind, kind, scheme, id);
}

/* A mirror's internal location, added to the server after its locations. Every copy that is
 * not sampled out writes one line to the mirror log when its exchange ends (log_subrequest: a
 * mirror is a subrequest), which the target counts as the builtin gateway counts its copies
 * (gs_nginx_mirror_log_count). A backend without endpoints still gets a location, answering 503
 * without an upstream, so its copies are counted as having no endpoint. */
static void nx_mirror(nx *x, gs_buf *b, gs_buf *mirrors, const char *ind, const gs_rt_mirror *m,
                      size_t action, size_t k)
{
    uint32_t den = m->denominator ? m->denominator : 100;
    if (m->numerator == 0 || m->backend.state != GS_RT_BACKEND_OK)
        return;
    size_t up = nx_upstream(x, &m->backend);
    char head[96];
    snprintf(head, sizeof(head), "        location = /_gs_mirror_a%zu_%zu {\n", action, k);
    gs_buf_printf(b, "%smirror /_gs_mirror_a%zu_%zu;\n", ind, action, k);
    if (mirrors->data && strstr(mirrors->data, head))
        return; /* the action is rendered twice in this server (= /p and ^~ /p/) */
    gs_buf_printf(mirrors, "%s            internal;\n            log_subrequest on;\n", head);
    gs_buf_puts(mirrors, "            access_log ");
    nx_q(mirrors, x->mirror_log);
    gs_buf_puts(mirrors, " gs_mirror;\n");
    x->out->has_mirrors = true;
    if (m->numerator < den) {
        size_t id = ++x->n_splits;
        unsigned share = (unsigned)(((uint64_t)m->numerator * 10000 + den / 2) / den);
        gs_buf_printf(&x->http, "    split_clients \"${request_id}m%zu\" $gs_s%zu {\n", id, id);
        if (share > 0)
            gs_buf_printf(&x->http, "        %u.%02u%% 1;\n", share / 100, share % 100);
        gs_buf_puts(&x->http, "        * \"\";\n    }\n");
        gs_buf_printf(mirrors, "            if ($gs_s%zu = \"\") {\n                access_log off;\n"
                               "                return 204;\n            }\n", id);
    }
    if (up == 0) {
        gs_buf_puts(mirrors, "            return 503;\n        }\n");
        return;
    }
    gs_buf_printf(mirrors,
                  "            proxy_set_header Host $http_host;\n"
                  "            proxy_set_header Connection \"\";\n"
                  "            proxy_pass http://gs_u%zu$request_uri;\n        }\n",
                  up);
}

/* HTTPRoute timeouts. nginx has no deadline for a whole exchange: its read and send timeouts
 * bound each wait for the backend, which for a response that arrives in one piece is the same
 * thing (approximated: docs/targets/nginx.md). The shorter of request and backendRequest counts,
 * as in the builtin gateway; 0 disables, which nginx cannot: a day stands for it. */
static void nx_timeouts(gs_buf *b, const char *ind, const char *kind, const gs_rt_rule *rule)
{
    int64_t t = rule->request_timeout_ms, be = rule->backend_request_timeout_ms;
    if (t == GS_RT_TIMEOUT_UNSET && be == GS_RT_TIMEOUT_UNSET)
        return;
    if (t == GS_RT_TIMEOUT_UNSET)
        t = 0;
    if (be != GS_RT_TIMEOUT_UNSET && be > 0 && (t == 0 || be < t))
        t = be;
    if (t == 0)
        t = 86400000;
    /* nginx's connect timeout "cannot usually exceed 75 seconds". */
    int64_t connect = t < 60000 ? t : 60000;
    gs_buf_printf(b, "%s%s_connect_timeout %" PRId64 "ms;\n%s%s_send_timeout %" PRId64
                     "ms;\n%s%s_read_timeout %" PRId64 "ms;\n",
                  ind, kind, connect, ind, kind, t, ind, kind, t);
}

/* The body of an action: the rule's filters then its backends, for listener |l|. */
static void nx_action(nx *x, gs_buf *b, gs_buf *mirrors, const char *ind,
                      const gs_rt_listener *l, const nx_cand *c)
{
    const gs_rt_rule *rule = c->rule;
    bool grpc = c->route->kind == GS_RT_ROUTE_GRPC;
    const char *kind = grpc ? "grpc" : "proxy";
    const char *prefix = c->path_type == NX_PATH_PREFIX ? c->path : "";
    gs_buf_printf(b, "%s# %s %s/%s rule %zu\n", ind, grpc ? "GRPCRoute" : "HTTPRoute",
                  c->route->namespace, c->route->name, rule->index);
    for (size_t i = 0; i < rule->n_filters; i++) {
        const gs_rt_filter *f = &rule->filters[i];
        if (f->type == GS_RT_FILTER_REQUEST_REDIRECT) {
            nx_redirect(b, ind, l, &f->redirect, prefix);
            return;
        }
        if (f->type == GS_RT_FILTER_EXTENSION_REF) {
            gs_buf_printf(b, "%sreturn 500;\n", ind);
            return;
        }
    }
    nx_headers h = {0};
    nx_headers_set(&h, "Host", "$http_host");
    if (!grpc)
        nx_headers_set(&h, "Connection", "\"\"");
    size_t n_mirrors = 0;
    for (size_t i = 0; i < rule->n_filters; i++) {
        const gs_rt_filter *f = &rule->filters[i];
        switch (f->type) {
        case GS_RT_FILTER_REQUEST_HEADER_MODIFIER:
            nx_request_mods(x, &h, &f->header_mod);
            break;
        case GS_RT_FILTER_RESPONSE_HEADER_MODIFIER:
            nx_response_mods(x, b, ind, kind, &f->header_mod);
            break;
        case GS_RT_FILTER_URL_REWRITE:
            if (f->rewrite.hostname) {
                nx_header *e = nx_headers_slot(&h, "Host");
                if (e)
                    nx_qv(&e->value, f->rewrite.hostname);
            }
            if (f->rewrite.path.type != GS_RT_PATH_KEEP)
                nx_rewrite_path(b, ind, &f->rewrite.path, prefix);
            break;
        case GS_RT_FILTER_REQUEST_MIRROR:
            nx_mirror(x, b, mirrors, ind, &f->mirror, c->action, n_mirrors++);
            break;
        default: /* CORS: not rendered (docs/targets/nginx.md, features) */
            break;
        }
    }
    /* The sole backend's header modifiers (nx_backend_filters_inline): after the rule's. */
    const gs_rt_backend *sole = nx_sole_backend(rule);
    for (size_t i = 0; sole && i < sole->n_filters; i++) {
        const gs_rt_filter *f = &sole->filters[i];
        if (f->type == GS_RT_FILTER_REQUEST_HEADER_MODIFIER)
            nx_request_mods(x, &h, &f->header_mod);
        else if (f->type == GS_RT_FILTER_RESPONSE_HEADER_MODIFIER)
            nx_response_mods(x, b, ind, kind, &f->header_mod);
    }
    for (size_t i = 0; i < h.len; i++) {
        gs_buf_printf(b, "%s%s_set_header %s %s;\n", ind, kind, h.items[i].name,
                      h.items[i].value.data ? h.items[i].value.data : "\"\"");
        gs_buf_clear(&h.items[i].value);
    }
    nx_timeouts(b, ind, kind, rule);
    nx_backends(x, b, ind, c, kind);
}

/* ---- servers and locations ------------------------------------------------------------- */

typedef enum nx_loc_kind { NX_LOC_EXACT, NX_LOC_DIR, NX_LOC_ROOT } nx_loc_kind;

typedef struct nx_loc {
    nx_loc_kind kind;
    const char *path; /* EXACT: the path; DIR: the prefix without '/' */
} nx_loc;

/* Can candidate |c| match a path that nginx sends to location |loc|? */
static bool nx_loc_takes(const nx_loc *loc, const nx_cand *c)
{
    if (c->path_type == NX_PATH_REGEX)
        return true;
    if (c->path_type == NX_PATH_EXACT)
        return loc->kind == NX_LOC_EXACT && strcmp(loc->path, c->path) == 0;
    const char *q = c->path;
    if (q[0] == '\0')
        return true;
    if (loc->kind == NX_LOC_ROOT)
        return false;
    size_t ql = strlen(q);
    return strcmp(loc->path, q) == 0 || (strncmp(loc->path, q, ql) == 0 && loc->path[ql] == '/');
}

/* True when |c| wins every request of |loc| it is first for: its path holds for all of them and
 * it asks nothing more. */
static bool nx_cand_unconditional(const nx_cand *c)
{
    if (c->path_type == NX_PATH_REGEX)
        return false;
    if (c->match)
        return c->match->method == NULL && c->match->n_headers == 0 && c->match->n_query == 0;
    return c->grpc == NULL || c->grpc->n_headers == 0;
}

typedef struct nx_server {
    const gs_rt_listener *listener;
    const char *name; /* NULL: catch-all */
    nx_cand **cands;  /* in the order the lookup tries them */
    size_t n_cands;
} nx_server;

static void nx_location(nx *x, const nx_server *s, const nx_loc *loc, gs_buf *b, gs_buf *mirrors,
                        bool *used_actions)
{
    if (loc->kind == NX_LOC_EXACT) {
        gs_buf_puts(b, "        location = ");
        nx_q(b, loc->path);
    } else if (loc->kind == NX_LOC_DIR) {
        gs_buf_puts(b, "        location ^~ ");
        char *d = gs_xasprintf("%s/", loc->path);
        nx_q(b, d);
        free(d);
    } else {
        gs_buf_puts(b, "        location /");
    }
    gs_buf_puts(b, " {\n");
    size_t n = 0, first = 0;
    for (size_t i = 0; i < s->n_cands; i++)
        if (nx_loc_takes(loc, s->cands[i])) {
            if (n++ == 0)
                first = i;
        }
    if (n == 0) {
        gs_buf_puts(b, "            return 404;\n");
    } else if (nx_cand_unconditional(s->cands[first])) {
        nx_action(x, b, mirrors, "            ", s->listener, s->cands[first]);
    } else {
        x->out->needs_js = true;
        size_t id = x->n_locs++;
        gs_buf_printf(&x->js_l, "\"%zu\":[", id);
        size_t k = 0;
        for (size_t i = 0; i < s->n_cands; i++) {
            const nx_cand *c = s->cands[i];
            if (!nx_loc_takes(loc, c))
                continue;
            gs_buf_printf(&x->js_l, "%s%zu", k++ ? "," : "", c->action);
            used_actions[c->action] = true;
            if (nx_cand_unconditional(c))
                break; /* holds for every path here: nothing after it can win */
        }
        gs_buf_puts(&x->js_l, "],\n");
        gs_buf_printf(b, "            set $gs_loc %zu;\n            js_content gatesim.route;\n", id);
    }
    gs_buf_puts(b, "        }\n");
}

typedef struct nx_port_ctx {
    const gs_rt_port *port;
    size_t port_index;
    bool h2c; /* cleartext HTTP/2 (a GRPCRoute is attached): nginx 1.22 then speaks only h2c */
} nx_port_ctx;

static void nx_listen(nx *x, gs_buf *b, const nx_port_ctx *pc, bool is_default)
{
    gs_buf_printf(b, "        listen 127.0.0.1:%u%s%s%s;\n",
                  (unsigned)x->in->bound_ports[pc->port_index], is_default ? " default_server" : "",
                  pc->port->protocol == GS_RT_PROTO_HTTPS ? " ssl" : "",
                  pc->port->protocol == GS_RT_PROTO_HTTPS || pc->h2c ? " http2" : "");
}

void gs_nginx_conf_add_file(gs_nginx_conf_out *o, char *path, const char *data)
{
    o->files = gs_xrealloc(o->files, (o->n_files + 1) * sizeof(*o->files));
    o->files[o->n_files].path = path;
    o->files[o->n_files].data = gs_xstrdup(data);
    o->n_files++;
}

static void nx_tls(nx *x, gs_buf *b, const gs_rt_listener *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n_certs; i++) {
        const gs_rt_cert *c = &l->certs[i];
        if (c->cert_pem == NULL || c->key_pem == NULL)
            continue;
        char *crt = gs_xasprintf("%s/certs/l%zu-%zu.crt", x->in->workdir, l->index, i);
        char *key = gs_xasprintf("%s/certs/l%zu-%zu.key", x->in->workdir, l->index, i);
        gs_buf_puts(b, "        ssl_certificate ");
        nx_q(b, crt);
        gs_buf_puts(b, ";\n        ssl_certificate_key ");
        nx_q(b, key);
        gs_buf_puts(b, ";\n");
        gs_nginx_conf_add_file(x->out, crt, c->cert_pem);
        gs_nginx_conf_add_file(x->out, key, c->key_pem);
        n++;
    }
    if (n == 0)
        gs_buf_puts(b, "        ssl_reject_handshake on;\n");
    /* The Gateway's tls.frontend: nginx asks for the client certificate and, unlike the
     * builtin, refuses a missing or invalid one with an HTTP 400 after the handshake
     * (docs/targets/nginx.md); AllowInsecureFallback asks without judging. */
    if (l->client_ca_pem != NULL) {
        char *ca = gs_xasprintf("%s/certs/l%zu-client-ca.crt", x->in->workdir, l->index);
        gs_buf_puts(b, "        ssl_client_certificate ");
        nx_q(b, ca);
        gs_buf_printf(b, ";\n        ssl_verify_client %s;\n",
                      l->client_insecure_fallback ? "optional_no_ca" : "on");
        gs_nginx_conf_add_file(x->out, ca, l->client_ca_pem);
    }
}

/* The locations of one server: `/`, then per Exact path and PathPrefix of its candidates. */
static void nx_server_block(nx *x, const nx_port_ctx *pc, const nx_server *s, bool is_default,
                            const char *sni_var)
{
    gs_buf *b = &x->servers;
    gs_buf_puts(b, "    server {\n");
    nx_listen(x, b, pc, is_default);
    gs_buf_printf(b, "        server_name %s;\n", s->name ? s->name : "\"\"");
    if (pc->port->protocol == GS_RT_PROTO_HTTPS) {
        nx_tls(x, b, s->listener);
        /* 421 when the SNI chose another listener than the Host (none: no SNI was sent). */
        gs_buf_printf(b, "        if (%s !~ \"^(l%zu|none)$\") {\n            return 421;\n"
                         "        }\n",
                      sni_var, s->listener->index);
    }
    gs_buf_printf(b, "        # listener %s/%s %s\n", s->listener->gateway_namespace,
                  s->listener->gateway_name, s->listener->name);
    bool *used = gs_xcalloc(x->n_actions + 1, sizeof(*used));
    gs_buf mirrors = {0};
    gs_strmap seen = {0};
    char **owned = gs_xcalloc(2 * s->n_cands + 1, sizeof(*owned));
    size_t n_owned = 0;
    nx_loc root = {NX_LOC_ROOT, ""};
    nx_location(x, s, &root, b, &mirrors, used);
    for (size_t i = 0; i < s->n_cands; i++) {
        const nx_cand *c = s->cands[i];
        if (c->path_type == NX_PATH_REGEX || (c->path_type == NX_PATH_PREFIX && !c->path[0]))
            continue;
        for (int dir = 0; dir < (c->path_type == NX_PATH_PREFIX ? 2 : 1); dir++) {
            nx_loc loc = {dir ? NX_LOC_DIR : NX_LOC_EXACT, c->path};
            char *key = gs_xasprintf("%d%s", dir, c->path);
            void **slot = gs_strmap_slot_for(&seen, key, strlen(key));
            if (*slot) {
                free(key);
                continue;
            }
            *slot = key;
            owned[n_owned++] = key;
            nx_location(x, s, &loc, b, &mirrors, used);
        }
    }
    /* The named locations njs jumps to. */
    for (size_t i = 0; i < s->n_cands; i++) {
        const nx_cand *c = s->cands[i];
        if (!used[c->action])
            continue;
        used[c->action] = false;
        gs_buf_printf(b, "        location @gs_a%zu {\n", c->action);
        nx_action(x, b, &mirrors, "            ", s->listener, c);
        gs_buf_puts(b, "        }\n");
    }
    if (mirrors.len)
        gs_buf_append(b, mirrors.data, mirrors.len);
    gs_buf_puts(b, "    }\n");
    gs_buf_clear(&mirrors);
    gs_strmap_free(&seen);
    for (size_t i = 0; i < n_owned; i++)
        free(owned[i]);
    free(owned);
    free(used);
}

/* Indexes a listener's candidates by bucket (they come grouped by hostname). */
static void nx_index_buckets(nx_cands *v)
{
    v->runs = gs_xcalloc(v->len + 1, sizeof(*v->runs));
    for (size_t i = 0; i < v->len;) {
        const char *h = v->items[i].hostname;
        size_t k = i;
        while (k < v->len && (h == NULL ? v->items[k].hostname == NULL
                                        : v->items[k].hostname &&
                                              strcmp(v->items[k].hostname, h) == 0))
            k++;
        nx_bucket run = {i, k - i};
        if (h == NULL) {
            v->no_host = run;
        } else {
            v->runs[v->n_runs] = run;
            *gs_strmap_slot_for(&v->buckets, h, strlen(h)) = &v->runs[v->n_runs];
            v->n_runs++;
        }
        i = k;
    }
}

static void nx_take_bucket(nx_server *s, const nx_cands *v, const nx_bucket *b)
{
    for (size_t i = 0; i < b->len; i++)
        s->cands[s->n_cands++] = &v->items[b->start + i];
}

/* The candidates of server |s|: the buckets of its listener that cover its name, as the lookup
 * tries them (the exact name, then wildcards from the longest suffix, then routes without
 * hostnames; only the first with no_hostname_fallthrough). */
static void nx_server_cands(nx *x, nx_server *s)
{
    const nx_cands *v = &x->by_listener[s->listener->index];
    s->cands = gs_xcalloc(v->len + 1, sizeof(*s->cands));
    bool one = x->in->no_hostname_fallthrough;
    const char *name = s->name;
    if (name) {
        const nx_bucket *b = gs_strmap_get(&v->buckets, name, strlen(name));
        if (b)
            nx_take_bucket(s, v, b);
        char key[300];
        for (const char *dot = strchr(name, '.'); dot && !(one && s->n_cands);
             dot = strchr(dot + 1, '.')) {
            int n = snprintf(key, sizeof(key), "*%s", dot);
            if (n <= 0 || (size_t)n >= sizeof(key) || strcmp(key, name) == 0)
                continue;
            b = gs_strmap_get(&v->buckets, key, (size_t)n);
            if (b)
                nx_take_bucket(s, v, b);
        }
    }
    if (!(one && s->n_cands))
        nx_take_bucket(s, v, &v->no_host);
}

/* The names a port serves: each listener hostname and route bucket hostname once; NULL (the
 * catch-all) when a listener has no hostname. */
static size_t nx_port_names(nx *x, const gs_rt_port *p, const char ***out)
{
    size_t cap = 8, n = 0;
    const char **names = gs_xcalloc(cap, sizeof(*names));
    bool have_null = false;
    gs_strmap seen = {0};
    for (size_t i = 0; i < p->n_listeners; i++) {
        const gs_rt_listener *l = p->listeners[i];
        const nx_cands *v = &x->by_listener[l->index];
        for (size_t k = 0; k <= v->n_runs; k++) {
            const char *h = k == 0 ? l->hostname : v->items[v->runs[k - 1].start].hostname;
            if (h == NULL) {
                have_null = true;
                continue;
            }
            void **slot = gs_strmap_slot_for(&seen, h, strlen(h));
            if (*slot)
                continue;
            *slot = &seen; /* any non-NULL value: seen */
            if (n + 1 >= cap) {
                cap *= 2;
                names = gs_xrealloc(names, cap * sizeof(*names));
            }
            names[n++] = h;
        }
    }
    if (have_null)
        names[n++] = NULL;
    gs_strmap_free(&seen);
    *out = names;
    return n;
}

/* Which listener the SNI selects: a map per HTTPS port (hostnames: nginx matches exact names,
 * then the longest leading wildcard, as listener selection does). */
static void nx_sni_map(nx *x, const gs_rt_port *p, size_t port_index, char *var, size_t var_len)
{
    snprintf(var, var_len, "$gs_sni_p%zu", port_index);
    gs_buf_printf(&x->http, "    map $ssl_server_name %s {\n        hostnames;\n        \"\" none;\n",
                  var);
    const char *dflt = "nomatch";
    char buf[32];
    for (size_t i = 0; i < p->n_listeners; i++) {
        const gs_rt_listener *l = p->listeners[i];
        if (l->hostname == NULL) {
            snprintf(buf, sizeof(buf), "l%zu", l->index);
            dflt = buf;
        } else {
            gs_buf_printf(&x->http, "        %s l%zu;\n", l->hostname, l->index);
        }
    }
    gs_buf_printf(&x->http, "        default %s;\n    }\n", dflt);
}

static void nx_port(nx *x, size_t pi)
{
    const gs_rt_port *p = gs_route_table_port(x->in->table, pi);
    if (p->protocol != GS_RT_PROTO_HTTP && p->protocol != GS_RT_PROTO_HTTPS)
        return;
    nx_port_ctx pc = {.port = p, .port_index = pi};
    for (size_t i = 0; i < p->n_listeners && !pc.h2c; i++) {
        const nx_cands *v = &x->by_listener[p->listeners[i]->index];
        for (size_t k = 0; k < v->len && !pc.h2c; k++)
            pc.h2c = v->items[k].route->kind == GS_RT_ROUTE_GRPC;
    }
    char sni_var[48] = "";
    if (p->protocol == GS_RT_PROTO_HTTPS)
        nx_sni_map(x, p, pi, sni_var, sizeof(sni_var));
    gs_buf_printf(&x->servers, "    # Gateway %s/%s port %u\n", p->gateway_namespace,
                  p->gateway_name, (unsigned)p->port);
    const char **names = NULL;
    size_t n = nx_port_names(x, p, &names);
    bool have_default = false;
    for (size_t i = 0; i < n; i++) {
        const char *h = names[i];
        const gs_rt_listener *l =
            h ? gs_rt_port_select_listener(p, h, strlen(h)) : NULL;
        if (h == NULL)
            for (size_t k = 0; k < p->n_listeners && l == NULL; k++)
                if (p->listeners[k]->hostname == NULL)
                    l = p->listeners[k];
        if (l == NULL)
            continue;
        nx_server s = {.listener = l, .name = h};
        nx_server_cands(x, &s);
        nx_server_block(x, &pc, &s, h == NULL, sni_var);
        have_default |= h == NULL;
        free(s.cands);
    }
    if (!have_default) {
        /* No catch-all listener: a Host no listener serves gets 404. */
        gs_buf_puts(&x->servers, "    server {\n");
        nx_listen(x, &x->servers, &pc, true);
        gs_buf_puts(&x->servers, "        server_name \"\";\n");
        if (p->protocol == GS_RT_PROTO_HTTPS)
            gs_buf_puts(&x->servers, "        ssl_reject_handshake on;\n");
        gs_buf_puts(&x->servers, "        return 404;\n    }\n");
    }
    free(names);
}

/* ---- the file ---------------------------------------------------------------------------- */

static void nx_head(nx *x, gs_buf *c)
{
    const gs_nginx_conf_in *in = x->in;
    gs_buf_printf(c, "# Written by gatesim (--target nginx), generation %" PRIu64
                     ". Every apply rewrites it.\n",
                  in->generation);
    if (x->out->needs_js) {
        gs_buf_puts(c, "load_module ");
        nx_q(c, in->js_module);
        gs_buf_puts(c, ";\n");
    }
    if (x->out->needs_headers_more) {
        gs_buf_puts(c, "load_module ");
        nx_q(c, in->headers_more_module);
        gs_buf_puts(c, ";\n");
    }
    if (gs_nginx_stream_needed(in->table)) {
        gs_buf_puts(c, "load_module ");
        nx_q(c, in->stream_module);
        gs_buf_puts(c, ";\n");
    }
    gs_buf_puts(c, "daemon off;\nmaster_process on;\nworker_processes 1;\n"
                   "worker_shutdown_timeout 10s;\n");
    if (in->user)
        gs_buf_printf(c, "user %s;\n", in->user);
    gs_buf_printf(c, "pid \"%s/nginx.pid\";\nerror_log stderr warn;\n", in->workdir);
    gs_buf_puts(c, "events {\n    worker_connections 4096;\n}\nhttp {\n"
                   "    access_log off;\n    server_tokens off;\n    default_type text/plain;\n"
                   "    merge_slashes off;\n    proxy_http_version 1.1;\n"
                   "    proxy_max_temp_file_size 0;\n    client_max_body_size 0;\n");
    static const char *const temps[] = {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"};
    for (size_t i = 0; i < sizeof(temps) / sizeof(temps[0]); i++)
        gs_buf_printf(c, "    %s_temp_path \"%s/tmp/%s\";\n", temps[i], in->workdir, temps[i]);
    /* One line per mirror copy (nx_mirror): the last try's status and header time ("-" when no
     * answer came), read by gs_nginx_mirror_log_count. */
    if (x->out->has_mirrors)
        gs_buf_puts(c, "    log_format gs_mirror \"$upstream_status|$upstream_header_time\";\n");
    gs_buf_puts(c, "    geo $gs_dollar {\n        default \"$\";\n    }\n");
    if (x->out->needs_js) {
        gs_buf_puts(c, "    js_import gatesim from ");
        nx_q(c, in->js_path);
        gs_buf_puts(c, ";\n");
    }
}

static void nx_probe(nx *x, gs_buf *c)
{
    gs_nginx_probe_server(x->in->probe_port, x->in->generation, c);
}

int gs_nginx_conf_render(const gs_nginx_conf_in *in, gs_nginx_conf_out *out, gs_error *err)
{
    nx x = {.in = in, .out = out};
    x.mirror_log = gs_xasprintf("%s/%s", in->workdir, GS_NGINX_MIRROR_LOG);
    size_t nl = gs_route_table_listener_count(in->table);
    x.by_listener = gs_xcalloc(nl + 1, sizeof(*x.by_listener));
    gs_buf_puts(&x.js_c, "var GS_C = [\n");
    gs_buf_puts(&x.js_l, "var GS_L = {\n");
    for (size_t i = 0; i < nl; i++) {
        void *arg[2] = {&x, &x.by_listener[i]};
        gs_route_table_visit(in->table, i, nx_collect, arg);
        nx_index_buckets(&x.by_listener[i]);
    }
    for (size_t i = 0; i < gs_route_table_port_count(in->table); i++)
        nx_port(&x, i);
    int rc = 0;
    if (out->needs_js && in->js_module == NULL)
        rc = gs_error_set(err, GS_ERR_NOT_FOUND,
                          "these routes need nginx's njs module (method, header, query or "
                          "regular-expression matches), which is not installed: install the "
                          "Debian package libnginx-mod-http-js");
    if (rc == 0 && gs_nginx_stream_needed(in->table) && in->stream_module == NULL)
        rc = gs_error_set(err, GS_ERR_NOT_FOUND,
                          "TLS, TCP and UDP listeners need nginx's stream module, which is not "
                          "installed: install the Debian package libnginx-mod-stream");
    if (rc == 0) {
        nx_head(&x, &out->conf);
        gs_buf_append(&out->conf, x.http.data ? x.http.data : "", x.http.len);
        nx_probe(&x, &out->conf);
        gs_buf_append(&out->conf, x.servers.data ? x.servers.data : "", x.servers.len);
        gs_buf_puts(&out->conf, "}\n");
        if (gs_nginx_stream_needed(in->table))
            gs_nginx_stream_render(in, out, &out->conf);
        if (out->needs_js) {
            gs_buf_puts(&out->js, "// Written by gatesim (--target nginx): the route tables of "
                                  "this configuration, then gatesim.js.\n");
            gs_buf_append(&out->js, x.js_c.data, x.js_c.len);
            gs_buf_puts(&out->js, "];\n");
            gs_buf_append(&out->js, x.js_l.data, x.js_l.len);
            gs_buf_puts(&out->js, "};\n");
            gs_buf_puts(&out->js, gs_nginx_js_code);
        }
    }
    for (size_t i = 0; i < nl; i++) {
        for (size_t k = 0; k < x.by_listener[i].len; k++)
            free(x.by_listener[i].items[k].path);
        free(x.by_listener[i].items);
        free(x.by_listener[i].runs);
        gs_strmap_free(&x.by_listener[i].buckets);
    }
    free(x.by_listener);
    free(x.mirror_log);
    gs_strmap_free(&x.actions);
    gs_strmap_free(&x.upstreams);
    for (size_t i = 0; i < x.n_keys; i++)
        free(x.keys[i]);
    free(x.keys);
    gs_buf_clear(&x.http);
    gs_buf_clear(&x.servers);
    gs_buf_clear(&x.js_c);
    gs_buf_clear(&x.js_l);
    return rc;
}

/* The last of a list of values nginx writes for several tries ("502, 200" → "200"). */
static const char *nx_last_try(const char *s, size_t len, size_t *n)
{
    size_t start = len;
    while (start > 0 && s[start - 1] != ' ')
        start--;
    *n = len - start;
    return s + start;
}

size_t gs_nginx_mirror_log_count(const char *text, size_t len, gs_nginx_mirror_counts *c)
{
    size_t used = 0;
    for (;;) {
        const char *line = text + used;
        const char *nl = memchr(line, '\n', len - used);
        if (nl == NULL)
            return used;
        used = (size_t)(nl - text) + 1;
        const char *bar = memchr(line, '|', (size_t)(nl - line));
        if (bar == NULL)
            continue; /* not a line of gs_mirror's format */
        size_t ns, nh;
        const char *status = nx_last_try(line, (size_t)(bar - line), &ns);
        const char *header = nx_last_try(bar + 1, (size_t)(nl - bar - 1), &nh);
        if (ns == 1 && status[0] == '-') {
            c->no_endpoint++; /* the location's own 503: no upstream */
            continue;
        }
        c->sent++;
        if (nh == 1 && header[0] == '-') { /* no response header came */
            if (ns == 3 && memcmp(status, "504", 3) == 0)
                c->timed_out++;
            else
                c->failed++;
        }
    }
}

void gs_nginx_conf_out_free(gs_nginx_conf_out *out)
{
    gs_buf_clear(&out->conf);
    gs_buf_clear(&out->js);
    for (size_t i = 0; i < out->n_files; i++) {
        free(out->files[i].path);
        free(out->files[i].data);
    }
    free(out->files);
    for (size_t i = 0; i < out->n_drops; i++) {
        free(out->drops[i].namespace);
        free(out->drops[i].name);
    }
    free(out->drops);
    memset(out, 0, sizeof(*out));
}
