/* SPDX-License-Identifier: MIT */
/* Building the compiled route table: deep copies of listeners and routes into an arena, hostname
 * intersection per attached listener, the hostname and path indexes, regex compilation, and the
 * precedence sort. The request-time half lives in gs_route_lookup.c. */
#include "gs_hostname.h"
#include "gs_route_table.h"
#include "route_table_priv.h"

#include "gs_alloc.h"
#include "gs_path_norm.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <strings.h>

/* ---- arena ------------------------------------------------------------------------------- */

/* Blocks grow with the arena, from 64 KiB to 2 MiB; 2 MiB blocks are 2 MiB-aligned and offered
 * to transparent huge pages, so a big table costs few TLB entries at lookup time. */
#define RT_ARENA_MIN_BLOCK ((size_t)64 << 10)
#define RT_ARENA_MAX_BLOCK ((size_t)2 << 20)

static rt_arena_block *arena_block_new(size_t cap)
{
    rt_arena_block *b;
    if (cap + sizeof(*b) >= RT_ARENA_MAX_BLOCK) {
        size_t bytes = (cap + sizeof(*b) + RT_ARENA_MAX_BLOCK - 1) & ~(RT_ARENA_MAX_BLOCK - 1);
        void *p = NULL;
        if (posix_memalign(&p, RT_ARENA_MAX_BLOCK, bytes) != 0 || p == NULL)
            p = gs_xmalloc(bytes);
#ifdef MADV_HUGEPAGE
        madvise(p, bytes, MADV_HUGEPAGE);
#endif
        b = p;
        cap = bytes - sizeof(*b);
    } else {
        b = gs_xmalloc(sizeof(*b) + cap);
    }
    b->used = 0;
    b->cap = cap;
    return b;
}

static void *arena_alloc(rt_arena *a, size_t size)
{
    size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (size == 0)
        size = sizeof(max_align_t);
    rt_arena_block *b = a->head;
    if (b == NULL || b->cap - b->used < size) {
        size_t want = a->total < RT_ARENA_MIN_BLOCK   ? RT_ARENA_MIN_BLOCK
                      : a->total > RT_ARENA_MAX_BLOCK ? RT_ARENA_MAX_BLOCK - sizeof(*b)
                                                      : a->total;
        bool oneoff = size > want / 4;
        b = arena_block_new(oneoff ? size : want);
        a->total += b->cap;
        if (a->head && oneoff) {
            /* A big one-off: keep the current block as the head for small allocations. */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = (char *)b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

static void arena_free(rt_arena *a)
{
    rt_arena_block *b = a->head;
    while (b) {
        rt_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

static const char *arena_strdup(rt_arena *a, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s);
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n + 1);
    return p;
}

/* An Exact or PathPrefix value as requests are matched: normalised as request paths are
 * (gs_path_norm: "/%7euser" is "/~user"), so a value spelled with escapes still matches and
 * ReplacePrefixMatch cuts the right length. A value the normaliser refuses is kept as written
 * (it can match no normalised request). Regular expressions are kept as written. */
static const char *table_path_value(rt_arena *a, gs_rt_match_type type, const char *value)
{
    if (value == NULL)
        return arena_strdup(a, "/");
    if (type == GS_RT_MATCH_REGEX)
        return arena_strdup(a, value);
    gs_buf b = {0};
    const char *v = gs_path_norm_path(value, strlen(value), &b) == GS_PATH_NORM_OK ? b.data : value;
    const char *out = arena_strdup(a, v);
    gs_buf_clear(&b);
    return out;
}

static const char *arena_strdup_lower(rt_arena *a, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s);
    char *p = arena_alloc(a, n + 1);
    for (size_t i = 0; i <= n; i++)
        p[i] = (char)tolower((unsigned char)s[i]);
    return p;
}

static const char *const *arena_strv(rt_arena *a, const char *const *v, size_t n)
{
    if (n == 0)
        return NULL;
    const char **out = arena_alloc(a, n * sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = arena_strdup(a, v[i]);
    return out;
}

/* ---- tracking heap-owning objects ---------------------------------------------------------- */

static rt_list *table_new_list(gs_route_table *t)
{
    rt_list *l = arena_alloc(&t->arena, sizeof(*l));
    gs_xgrow((void **)&t->lists, &t->cap_lists, t->n_lists + 1, sizeof(*t->lists));
    t->lists[t->n_lists++] = l;
    return l;
}

static void list_push(rt_list *l, rt_entry *e)
{
    gs_xgrow((void **)&l->items, &l->cap, l->n + 1, sizeof(*l->items));
    l->items[l->n++] = e;
}

static rt_bucket *table_new_bucket(gs_route_table *t, const char *hostname)
{
    rt_bucket *b = arena_alloc(&t->arena, sizeof(*b));
    b->hostname = hostname;
    gs_xgrow((void **)&t->buckets, &t->cap_buckets, t->n_buckets + 1, sizeof(*t->buckets));
    t->buckets[t->n_buckets++] = b;
    return b;
}

/* Compiles |pattern| for whole-value matching; the table frees it. */
static int table_compile_regex(gs_route_table *t, const char *pattern, const void **out,
                               const char *what, gs_error *err)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                      PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_UTF, &code, &off, NULL);
    if (re == NULL) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof(msg));
        return gs_error_set(err, GS_ERR_INVALID, "%s regular expression \"%s\": %s at offset %zu",
                            what, pattern, (const char *)msg, (size_t)off);
    }
    gs_xgrow((void **)&t->regexes, &t->cap_regexes, t->n_regexes + 1, sizeof(*t->regexes));
    t->regexes[t->n_regexes++] = re;
    *out = re;
    return 0;
}

static void table_release_build_state(gs_route_table *t);

/* ---- life cycle ---------------------------------------------------------------------------- */

int gs_route_table_new(gs_route_table **out, const gs_rt_options *options)
{
    gs_route_table *t = gs_xcalloc(1, sizeof(*t));
    if (options)
        t->opt = *options;
    *out = t;
    return 0;
}

void gs_route_table_free(gs_route_table *t)
{
    if (t == NULL)
        return;
    table_release_build_state(t);
    free(t->lists);
    free(t->buckets);
    for (size_t i = 0; i < t->n_ports; i++) {
        rt_port_index *pi = t->pindex[i];
        gs_strmap_free(&pi->exact);
        gs_strmap_free(&pi->wild);
        free(pi->listeners);
    }
    for (size_t i = 0; i < t->n_regexes; i++)
        pcre2_code_free(t->regexes[i]);
    free(t->regexes);
    for (size_t i = 0; i < t->n_listeners; i++)
        free(t->lindex[i]->l4);
    free(t->listeners);
    free(t->lindex);
    free(t->ports);
    free(t->pindex);
    arena_free(&t->arena);
    free(t);
}

/* ---- listeners ----------------------------------------------------------------------------- */

/* A UDP listener and a TCP one may share a port number: they are different sockets. */
static bool port_same_transport(gs_rt_protocol a, gs_rt_protocol b)
{
    return (a == GS_RT_PROTO_UDP) == (b == GS_RT_PROTO_UDP);
}

static size_t table_port_for(gs_route_table *t, const gs_rt_listener *l)
{
    for (size_t i = 0; i < t->n_ports; i++) {
        gs_rt_port *p = t->ports[i];
        if (p->port == l->port && port_same_transport(p->protocol, l->protocol) &&
            strcmp(p->gateway_namespace, l->gateway_namespace) == 0 &&
            strcmp(p->gateway_name, l->gateway_name) == 0)
            return i;
    }
    gs_rt_port *p = arena_alloc(&t->arena, sizeof(*p));
    rt_port_index *pi = arena_alloc(&t->arena, sizeof(*pi));
    p->gateway_namespace = l->gateway_namespace;
    p->gateway_name = l->gateway_name;
    p->port = l->port;
    p->protocol = l->protocol;
    p->priv = pi;
    gs_xgrow((void **)&t->ports, &t->cap_ports, t->n_ports + 1, sizeof(*t->ports));
    t->pindex = gs_xrealloc(t->pindex, t->cap_ports * sizeof(*t->pindex));
    t->ports[t->n_ports] = p;
    t->pindex[t->n_ports] = pi;
    return t->n_ports++;
}

int gs_route_table_add_listener(gs_route_table *t, const gs_rt_listener *in, size_t *index,
                                gs_error *err)
{
    if (t->compiled)
        return gs_error_set(err, GS_ERR_INVALID, "route table already compiled");
    if (in->gateway_namespace == NULL || in->gateway_name == NULL || in->name == NULL)
        return gs_error_set(err, GS_ERR_INVALID, "listener without gateway or name");
    if (in->hostname && !gs_hostname_valid(in->hostname))
        return gs_error_set(err, GS_ERR_INVALID, "listener %s: invalid hostname \"%s\"", in->name,
                            in->hostname);
    for (size_t i = 0; i < t->n_listeners; i++) {
        const gs_rt_listener *o = t->listeners[i];
        if (strcmp(o->gateway_namespace, in->gateway_namespace) == 0 &&
            strcmp(o->gateway_name, in->gateway_name) == 0 && strcmp(o->name, in->name) == 0)
            return gs_error_set(err, GS_ERR_INVALID, "listener %s/%s/%s added twice",
                                in->gateway_namespace, in->gateway_name, in->name);
    }
    rt_arena *a = &t->arena;
    gs_rt_listener *l = arena_alloc(a, sizeof(*l));
    l->gateway_namespace = arena_strdup(a, in->gateway_namespace);
    l->gateway_name = arena_strdup(a, in->gateway_name);
    l->name = arena_strdup(a, in->name);
    l->port = in->port;
    l->protocol = in->protocol;
    l->hostname = arena_strdup_lower(a, in->hostname);
    l->tls_passthrough = in->tls_passthrough;
    l->client_ca_pem = arena_strdup(a, in->client_ca_pem);
    l->client_insecure_fallback = in->client_insecure_fallback;
    if (in->n_certs) {
        gs_rt_cert *c = arena_alloc(a, in->n_certs * sizeof(*c));
        for (size_t i = 0; i < in->n_certs; i++) {
            c[i].namespace = arena_strdup(a, in->certs[i].namespace);
            c[i].name = arena_strdup(a, in->certs[i].name);
            c[i].cert_pem = arena_strdup(a, in->certs[i].cert_pem);
            c[i].key_pem = arena_strdup(a, in->certs[i].key_pem);
        }
        l->certs = c;
        l->n_certs = in->n_certs;
    }
    if (in->backend_client_cert) {
        gs_rt_cert *c = arena_alloc(a, sizeof(*c));
        c->namespace = arena_strdup(a, in->backend_client_cert->namespace);
        c->name = arena_strdup(a, in->backend_client_cert->name);
        c->cert_pem = arena_strdup(a, in->backend_client_cert->cert_pem);
        c->key_pem = arena_strdup(a, in->backend_client_cert->key_pem);
        l->backend_client_cert = c;
    }

    size_t pidx = table_port_for(t, l);
    gs_rt_port *p = t->ports[pidx];
    rt_port_index *pi = t->pindex[pidx];
    /* One listener per hostname on a port: control leaves conflicted listeners out. */
    void **slot = NULL;
    if (l->hostname == NULL) {
        if (pi->catch_all)
            return gs_error_set(err, GS_ERR_INVALID,
                                "listeners %s and %s on port %u both lack a hostname",
                                pi->catch_all->name, l->name, (unsigned)l->port);
        pi->catch_all = l;
    } else {
        gs_strmap *m = gs_hostname_is_wildcard(l->hostname) ? &pi->wild : &pi->exact;
        slot = gs_strmap_slot_for(m, l->hostname, strlen(l->hostname));
        if (*slot)
            return gs_error_set(
                err, GS_ERR_INVALID, "listeners %s and %s on port %u share hostname %s",
                ((const gs_rt_listener *)*slot)->name, l->name, (unsigned)l->port, l->hostname);
        *slot = l;
    }
    gs_xgrow((void **)&pi->listeners, &pi->cap, p->n_listeners + 1, sizeof(*pi->listeners));
    pi->listeners[p->n_listeners++] = l;
    p->listeners = pi->listeners;

    l->index = t->n_listeners;
    gs_xgrow((void **)&t->listeners, &t->cap_listeners, t->n_listeners + 1, sizeof(*t->listeners));
    t->lindex = gs_xrealloc(t->lindex, t->cap_listeners * sizeof(*t->lindex));
    t->listeners[t->n_listeners] = l;
    t->lindex[t->n_listeners] = arena_alloc(a, sizeof(rt_listener_index));
    t->n_listeners++;
    if (index)
        *index = l->index;
    return 0;
}

/* ---- deep copies of route parts ------------------------------------------------------------ */

static int copy_filters(gs_route_table *t, const gs_rt_filter *in, size_t n,
                        const gs_rt_filter **out, gs_error *err);

static void copy_backend(gs_route_table *t, gs_rt_backend *d, const gs_rt_backend *s)
{
    rt_arena *a = &t->arena;
    d->group = arena_strdup(a, s->group ? s->group : "");
    d->kind = arena_strdup(a, s->kind ? s->kind : "Service");
    d->namespace = arena_strdup(a, s->namespace);
    d->name = arena_strdup(a, s->name);
    d->port = s->port;
    d->weight = s->weight;
    d->app_protocol = arena_strdup(a, s->app_protocol);
    d->state = s->state;
    if (s->tls) {
        gs_rt_backend_tls *x = arena_alloc(a, sizeof(*x));
        x->policy = arena_strdup(a, s->tls->policy);
        x->hostname = arena_strdup(a, s->tls->hostname);
        x->ca_pem = arena_strdup(a, s->tls->ca_pem);
        x->system_ca = s->tls->system_ca;
        x->san_hosts = arena_strv(a, s->tls->san_hosts, s->tls->n_san_hosts);
        x->n_san_hosts = s->tls->n_san_hosts;
        x->san_uris = arena_strv(a, s->tls->san_uris, s->tls->n_san_uris);
        x->n_san_uris = s->tls->n_san_uris;
        d->tls = x;
    }
}

static const gs_rt_header_value *copy_header_values(rt_arena *a, const gs_rt_header_value *v,
                                                    size_t n)
{
    if (n == 0)
        return NULL;
    gs_rt_header_value *out = arena_alloc(a, n * sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        out[i].name = arena_strdup(a, v[i].name);
        out[i].value = arena_strdup(a, v[i].value);
    }
    return out;
}

static int copy_filter(gs_route_table *t, gs_rt_filter *d, const gs_rt_filter *s, gs_error *err)
{
    rt_arena *a = &t->arena;
    d->type = s->type;
    switch (s->type) {
    case GS_RT_FILTER_REQUEST_HEADER_MODIFIER:
    case GS_RT_FILTER_RESPONSE_HEADER_MODIFIER:
        d->header_mod.set = copy_header_values(a, s->header_mod.set, s->header_mod.n_set);
        d->header_mod.n_set = s->header_mod.n_set;
        d->header_mod.add = copy_header_values(a, s->header_mod.add, s->header_mod.n_add);
        d->header_mod.n_add = s->header_mod.n_add;
        d->header_mod.remove = arena_strv(a, s->header_mod.remove, s->header_mod.n_remove);
        d->header_mod.n_remove = s->header_mod.n_remove;
        return 0;
    case GS_RT_FILTER_REQUEST_REDIRECT:
        d->redirect.scheme = arena_strdup(a, s->redirect.scheme);
        d->redirect.hostname = arena_strdup(a, s->redirect.hostname);
        d->redirect.path.type = s->redirect.path.type;
        d->redirect.path.value = arena_strdup(a, s->redirect.path.value);
        d->redirect.port = s->redirect.port;
        d->redirect.status_code = s->redirect.status_code ? s->redirect.status_code : 302;
        return 0;
    case GS_RT_FILTER_URL_REWRITE:
        d->rewrite.hostname = arena_strdup(a, s->rewrite.hostname);
        d->rewrite.path.type = s->rewrite.path.type;
        d->rewrite.path.value = arena_strdup(a, s->rewrite.path.value);
        return 0;
    case GS_RT_FILTER_REQUEST_MIRROR:
        copy_backend(t, &d->mirror.backend, &s->mirror.backend);
        d->mirror.denominator = s->mirror.denominator ? s->mirror.denominator : 100;
        d->mirror.numerator =
            s->mirror.denominator || s->mirror.numerator ? s->mirror.numerator : 100;
        if (d->mirror.numerator > d->mirror.denominator)
            return gs_error_set(err, GS_ERR_INVALID, "mirror fraction %u/%u is over 1",
                                d->mirror.numerator, d->mirror.denominator);
        return 0;
    case GS_RT_FILTER_CORS:
        d->cors.allow_origins = arena_strv(a, s->cors.allow_origins, s->cors.n_allow_origins);
        d->cors.n_allow_origins = s->cors.n_allow_origins;
        d->cors.allow_credentials = s->cors.allow_credentials;
        d->cors.allow_methods = arena_strv(a, s->cors.allow_methods, s->cors.n_allow_methods);
        d->cors.n_allow_methods = s->cors.n_allow_methods;
        d->cors.allow_headers = arena_strv(a, s->cors.allow_headers, s->cors.n_allow_headers);
        d->cors.n_allow_headers = s->cors.n_allow_headers;
        d->cors.expose_headers = arena_strv(a, s->cors.expose_headers, s->cors.n_expose_headers);
        d->cors.n_expose_headers = s->cors.n_expose_headers;
        d->cors.max_age = s->cors.max_age ? s->cors.max_age : 5;
        return 0;
    case GS_RT_FILTER_EXTENSION_REF:
        d->extension_ref.group = arena_strdup(a, s->extension_ref.group);
        d->extension_ref.kind = arena_strdup(a, s->extension_ref.kind);
        d->extension_ref.name = arena_strdup(a, s->extension_ref.name);
        return 0;
    }
    return gs_error_set(err, GS_ERR_INVALID, "unknown filter type %d", (int)s->type);
}

static int copy_filters(gs_route_table *t, const gs_rt_filter *in, size_t n,
                        const gs_rt_filter **out, gs_error *err)
{
    *out = NULL;
    if (n == 0)
        return 0;
    gs_rt_filter *f = arena_alloc(&t->arena, n * sizeof(*f));
    for (size_t i = 0; i < n; i++) {
        int rc = copy_filter(t, &f[i], &in[i], err);
        if (rc < 0)
            return rc;
    }
    *out = f;
    return 0;
}

/* Copies header (|ci| true) or query matches, dropping later entries whose name repeats an
 * earlier one (only the first counts). */
static int copy_kv_matches(gs_route_table *t, const gs_rt_kv_match *in, size_t n, bool ci,
                           const gs_rt_kv_match **out, size_t *n_out, const char *what,
                           gs_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (n == 0)
        return 0;
    gs_rt_kv_match *m = arena_alloc(&t->arena, n * sizeof(*m));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i].name == NULL || in[i].value == NULL)
            return gs_error_set(err, GS_ERR_INVALID, "%s match without name or value", what);
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = ci ? strcasecmp(m[j].name, in[i].name) == 0 : strcmp(m[j].name, in[i].name) == 0;
        if (dup)
            continue;
        m[k].type = in[i].type;
        m[k].name = arena_strdup(&t->arena, in[i].name);
        m[k].value = arena_strdup(&t->arena, in[i].value);
        if (in[i].type == GS_RT_MATCH_REGEX) {
            int rc = table_compile_regex(t, in[i].value, &m[k].priv, what, err);
            if (rc < 0)
                return rc;
        } else if (in[i].type != GS_RT_MATCH_EXACT) {
            return gs_error_set(err, GS_ERR_INVALID,
                                "%s match %s: type must be Exact or "
                                "RegularExpression",
                                what, in[i].name);
        }
        k++;
    }
    *out = m;
    *n_out = k;
    return 0;
}

static int copy_rule(gs_route_table *t, const gs_rt_route *route, gs_rt_rule *d,
                     const gs_rt_rule *s, gs_error *err)
{
    rt_arena *a = &t->arena;
    int rc;
    d->name = arena_strdup(a, s->name);
    if (route->kind == GS_RT_ROUTE_HTTP && s->n_grpc_matches)
        return gs_error_set(err, GS_ERR_INVALID, "HTTPRoute rule with gRPC matches");
    if (route->kind == GS_RT_ROUTE_GRPC && s->n_matches)
        return gs_error_set(err, GS_ERR_INVALID, "GRPCRoute rule with HTTP matches");
    if (s->n_matches) {
        gs_rt_match *m = arena_alloc(a, s->n_matches * sizeof(*m));
        for (size_t i = 0; i < s->n_matches; i++) {
            const gs_rt_match *sm = &s->matches[i];
            m[i].path.type = sm->path.type;
            m[i].path.value = table_path_value(a, sm->path.type, sm->path.value);
            if (sm->path.value == NULL)
                m[i].path.type = GS_RT_MATCH_PREFIX;
            if (m[i].path.type == GS_RT_MATCH_REGEX) {
                rc = table_compile_regex(t, m[i].path.value, &m[i].path.priv, "path", err);
                if (rc < 0)
                    return rc;
            } else if (m[i].path.value[0] != '/') {
                return gs_error_set(err, GS_ERR_INVALID, "path \"%s\" does not start with /",
                                    m[i].path.value);
            }
            m[i].method = arena_strdup(a, sm->method);
            rc = copy_kv_matches(t, sm->headers, sm->n_headers, true, &m[i].headers,
                                 &m[i].n_headers, "header", err);
            if (rc == 0)
                rc = copy_kv_matches(t, sm->query, sm->n_query, false, &m[i].query, &m[i].n_query,
                                     "query parameter", err);
            if (rc < 0)
                return rc;
        }
        d->matches = m;
        d->n_matches = s->n_matches;
    }
    if (s->n_grpc_matches) {
        gs_rt_grpc_match *m = arena_alloc(a, s->n_grpc_matches * sizeof(*m));
        for (size_t i = 0; i < s->n_grpc_matches; i++) {
            const gs_rt_grpc_match *sm = &s->grpc_matches[i];
            m[i].type = sm->type;
            m[i].service = arena_strdup(a, sm->service);
            m[i].method = arena_strdup(a, sm->method);
            if (sm->type == GS_RT_MATCH_REGEX && (sm->service || sm->method)) {
                /* One pattern over "service/method" (the :path without its leading '/'). */
                char *pat = gs_xasprintf("(?:%s)/(?:%s)", sm->service ? sm->service : "[^/]+",
                                         sm->method ? sm->method : "[^/]+");
                rc = table_compile_regex(t, pat, &m[i].priv, "gRPC method", err);
                free(pat);
                if (rc < 0)
                    return rc;
            } else if (sm->type != GS_RT_MATCH_EXACT && sm->type != GS_RT_MATCH_REGEX) {
                return gs_error_set(err, GS_ERR_INVALID, "gRPC method match: bad type");
            }
            rc = copy_kv_matches(t, sm->headers, sm->n_headers, true, &m[i].headers,
                                 &m[i].n_headers, "header", err);
            if (rc < 0)
                return rc;
        }
        d->grpc_matches = m;
        d->n_grpc_matches = s->n_grpc_matches;
    }
    rc = copy_filters(t, s->filters, s->n_filters, &d->filters, err);
    if (rc < 0)
        return rc;
    if (s->n_backends) {
        gs_rt_backend *b = arena_alloc(a, s->n_backends * sizeof(*b));
        for (size_t i = 0; i < s->n_backends; i++) {
            copy_backend(t, &b[i], &s->backends[i]);
            rc = copy_filters(t, s->backends[i].filters, s->backends[i].n_filters, &b[i].filters,
                              err);
            if (rc < 0)
                return rc;
            b[i].n_filters = s->backends[i].n_filters;
            d->total_weight += b[i].weight;
        }
        d->backends = b;
        d->n_backends = s->n_backends;
    }
    d->n_filters = s->n_filters;
    d->request_timeout_ms = s->request_timeout_ms;
    d->backend_request_timeout_ms = s->backend_request_timeout_ms;
    d->retry = s->retry;
    return 0;
}

void gs_rt_retry_add_code(gs_rt_retry *r, int status)
{
    if (status < GS_RT_RETRY_CODE_MIN || status > GS_RT_RETRY_CODE_MAX)
        return;
    unsigned bit = (unsigned)(status - GS_RT_RETRY_CODE_MIN);
    r->codes[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

bool gs_rt_retry_has_code(const gs_rt_retry *r, int status)
{
    if (status < GS_RT_RETRY_CODE_MIN || status > GS_RT_RETRY_CODE_MAX)
        return false;
    unsigned bit = (unsigned)(status - GS_RT_RETRY_CODE_MIN);
    return (r->codes[bit / 8] >> (bit % 8)) & 1u;
}

/* ---- indexing ------------------------------------------------------------------------------ */

static const gs_rt_match rt_default_match = {
    .path = {.type = GS_RT_MATCH_PREFIX, .value = "/"},
};

static const gs_rt_grpc_match rt_default_grpc_match = {.type = GS_RT_MATCH_EXACT};

static rt_list *map_list(gs_route_table *t, gs_strmap *m, const char *key, size_t len)
{
    void **slot = gs_strmap_slot_for(m, key, len);
    if (*slot == NULL)
        *slot = table_new_list(t);
    return *slot;
}

static void bucket_add_http(gs_route_table *t, rt_bucket *b, rt_entry *e)
{
    const gs_rt_match *m = e->match;
    const char *v = m->path.value;
    size_t len = strlen(v);
    e->path_len = (uint32_t)len;
    e->method = m->method != NULL;
    if (m->method) {
        size_t ml = strlen(m->method);
        e->method_len = ml <= sizeof(e->method_inline) ? (uint8_t)ml : 0xff;
        if (ml <= sizeof(e->method_inline))
            memcpy(e->method_inline, m->method, ml);
    }
    e->n_headers = (uint8_t)m->n_headers;
    e->n_query = (uint8_t)m->n_query;
    e->path_value = m->path.value;
    switch (m->path.type) {
    case GS_RT_MATCH_EXACT:
        e->path_rank = 0;
        list_push(map_list(t, &b->exact, v, len), e);
        break;
    case GS_RT_MATCH_REGEX:
        e->path_rank = 1;
        list_push(&b->regex, e);
        break;
    case GS_RT_MATCH_PREFIX:
        e->path_rank = 2;
        while (len > 0 && v[len - 1] == '/')
            len--;
        list_push(map_list(t, &b->prefix, v, len), e);
        break;
    }
}

static void bucket_add_grpc(gs_route_table *t, rt_bucket *b, rt_entry *e)
{
    const gs_rt_grpc_match *m = e->grpc_match;
    e->path_rank = 0;
    e->path_len = m->service ? (uint32_t)strlen(m->service) : 0;
    e->method = m->method ? (uint16_t)strlen(m->method) : 0;
    e->n_headers = (uint8_t)m->n_headers;
    if (m->type == GS_RT_MATCH_EXACT && m->service && m->method) {
        char *key = gs_xasprintf("/%s/%s", m->service, m->method);
        const char *k = arena_strdup(&t->arena, key);
        free(key);
        list_push(map_list(t, &b->grpc_exact, k, strlen(k)), e);
    } else if (m->type == GS_RT_MATCH_EXACT && m->service) {
        list_push(map_list(t, &b->grpc_service, m->service, strlen(m->service)), e);
    } else {
        list_push(&b->grpc_other, e);
    }
}

static rt_bucket *listener_bucket(gs_route_table *t, rt_listener_index *li, const char *host)
{
    if (host == NULL) {
        if (li->implicit == NULL)
            li->implicit = table_new_bucket(t, NULL);
        return li->implicit;
    }
    void **slot = gs_strmap_slot_for(&li->hosts, host, strlen(host));
    if (*slot == NULL)
        *slot = table_new_bucket(t, host);
    return *slot;
}

static bool route_is_l4(const gs_rt_route *r)
{
    return r->kind == GS_RT_ROUTE_TLS || r->kind == GS_RT_ROUTE_TCP || r->kind == GS_RT_ROUTE_UDP;
}

/* A layer-4 route under effective hostname |host| (NULL: any) on one listener. */
static void listener_add_l4(rt_listener_index *li, const gs_rt_route *r, const char *host)
{
    if (r->n_rules == 0)
        return;
    gs_xgrow((void **)&li->l4, &li->cap_l4, li->n_l4 + 1, sizeof(*li->l4));
    li->l4[li->n_l4++] = (rt_l4_entry){.route = r, .hostname = host};
}

static void table_index_rule(gs_route_table *t, rt_bucket *b, const gs_rt_route *r,
                             const gs_rt_rule *rule)
{
    if (r->kind == GS_RT_ROUTE_HTTP) {
        size_t n = rule->n_matches ? rule->n_matches : 1;
        for (size_t i = 0; i < n; i++) {
            rt_entry *e = arena_alloc(&t->arena, sizeof(*e));
            e->route = r;
            e->rule = rule;
            e->match = rule->n_matches ? &rule->matches[i] : &rt_default_match;
            e->match_index = (uint16_t)i;
            bucket_add_http(t, b, e);
        }
    } else {
        size_t n = rule->n_grpc_matches ? rule->n_grpc_matches : 1;
        for (size_t i = 0; i < n; i++) {
            rt_entry *e = arena_alloc(&t->arena, sizeof(*e));
            e->route = r;
            e->rule = rule;
            e->grpc_match = rule->n_grpc_matches ? &rule->grpc_matches[i] : &rt_default_grpc_match;
            e->is_grpc = 1;
            e->match_index = (uint16_t)i;
            bucket_add_grpc(t, b, e);
        }
    }
}

int gs_route_table_add_route(gs_route_table *t, const gs_rt_route *in, const size_t *listeners,
                             size_t n_listeners, gs_error *err)
{
    if (t->compiled)
        return gs_error_set(err, GS_ERR_INVALID, "route table already compiled");
    if (in->namespace == NULL || in->name == NULL)
        return gs_error_set(err, GS_ERR_INVALID, "route without namespace or name");
    for (size_t i = 0; i < n_listeners; i++) {
        if (listeners[i] >= t->n_listeners)
            return gs_error_set(err, GS_ERR_INVALID, "route %s/%s: no listener #%zu", in->namespace,
                                in->name, listeners[i]);
    }
    for (size_t i = 0; i < in->n_hostnames; i++) {
        if (!gs_hostname_valid(in->hostnames[i]))
            return gs_error_set(err, GS_ERR_INVALID, "route %s/%s: invalid hostname \"%s\"",
                                in->namespace, in->name, in->hostnames[i]);
    }
    rt_arena *a = &t->arena;
    gs_rt_route *r = arena_alloc(a, sizeof(*r));
    r->kind = in->kind;
    r->namespace = arena_strdup(a, in->namespace);
    r->name = arena_strdup(a, in->name);
    r->created = in->created;
    if (in->n_hostnames) {
        const char **h = arena_alloc(a, in->n_hostnames * sizeof(*h));
        for (size_t i = 0; i < in->n_hostnames; i++)
            h[i] = arena_strdup_lower(a, in->hostnames[i]);
        r->hostnames = h;
        r->n_hostnames = in->n_hostnames;
    }
    if (in->n_rules) {
        gs_rt_rule *rules = arena_alloc(a, in->n_rules * sizeof(*rules));
        for (size_t i = 0; i < in->n_rules; i++) {
            int rc = copy_rule(t, in, &rules[i], &in->rules[i], err);
            if (rc < 0) {
                if (err) {
                    char why[sizeof(err->msg)];
                    memcpy(why, err->msg, sizeof(why));
                    why[sizeof(why) - 1] = '\0';
                    gs_error_set(err, rc, "route %s/%s rule %zu: %.900s", in->namespace, in->name,
                                 i, why);
                }
                return rc;
            }
            rules[i].route = r;
            rules[i].index = i;
        }
        r->rules = rules;
        r->n_rules = in->n_rules;
    }

    for (size_t li = 0; li < n_listeners; li++) {
        const gs_rt_listener *l = t->listeners[listeners[li]];
        rt_listener_index *idx = t->lindex[listeners[li]];
        size_t nh = r->n_hostnames ? r->n_hostnames : 1;
        /* Distinct effective hostnames of this route on this listener. */
        const char *seen[16 + 1];
        size_t n_seen = 0;
        bool implicit_done = false;
        for (size_t h = 0; h < nh; h++) {
            const char *eff;
            if (r->n_hostnames == 0) {
                /* Its effective hostname is the listener's (no hostnames intersected with L is L),
                 * so it shares that bucket with routes listing L or a wildcard covering L and
                 * ranks exactly as they do; only on a listener without hostname does it land
                 * in the least specific bucket. See docs/control.md, "Hostname specificity". */
                if (implicit_done)
                    continue;
                implicit_done = true;
                if (route_is_l4(r)) {
                    listener_add_l4(idx, r, l->hostname);
                    continue;
                }
                for (size_t i = 0; i < r->n_rules; i++)
                    table_index_rule(t, listener_bucket(t, idx, l->hostname), r, &r->rules[i]);
                continue;
            }
            if (!gs_hostname_intersect(l->hostname, r->hostnames[h], &eff))
                continue;
            bool dup = false;
            for (size_t s = 0; s < n_seen && !dup; s++)
                dup = strcmp(seen[s], eff) == 0;
            if (dup)
                continue;
            if (n_seen < GS_ARRAY_LEN(seen))
                seen[n_seen++] = eff;
            if (route_is_l4(r)) {
                listener_add_l4(idx, r, arena_strdup(a, eff));
                continue;
            }
            for (size_t i = 0; i < r->n_rules; i++)
                table_index_rule(t, listener_bucket(t, idx, eff), r, &r->rules[i]);
        }
    }
    t->n_routes++;
    return 0;
}

/* ---- compile ------------------------------------------------------------------------------- */

/* Byte |i| of the string "{ns}/{name}" (|ns_len| = strlen(ns)), 0 past its end. */
static unsigned char route_key_at(const char *ns, size_t ns_len, const char *name, size_t i)
{
    if (i < ns_len)
        return (unsigned char)ns[i];
    if (i == ns_len)
        return '/';
    return (unsigned char)name[i - ns_len - 1];
}

int gs_rt_route_name_cmp(const char *ns_a, const char *name_a, const char *ns_b, const char *name_b)
{
    /* Not strcmp(ns) then strcmp(name): "default-1/b" sorts before "default/r2" because '-' is
     * below '/', while "default" sorts before "default-1". The spec orders the joined string. */
    size_t la = strlen(ns_a), lb = strlen(ns_b);
    for (size_t i = 0;; i++) {
        unsigned char ca = route_key_at(ns_a, la, name_a, i);
        unsigned char cb = route_key_at(ns_b, lb, name_b, i);
        if (ca != cb)
            return ca < cb ? -1 : 1;
        if (ca == 0)
            return 0;
    }
}

/* |key| = what decides: the first precedence key on which |a| and |b| differ. */
#define RT_DECIDE(key_, cond_a_first, differ)                                                      \
    if (differ) {                                                                                  \
        *key = (key_);                                                                             \
        return (cond_a_first) ? -1 : 1;                                                            \
    }

int gs_rt_entry_rank(const rt_entry *a, const rt_entry *b, gs_rt_rank_key *key)
{
    RT_DECIDE(GS_RT_RANK_PATH_TYPE, a->path_rank < b->path_rank, a->path_rank != b->path_rank);
    RT_DECIDE(GS_RT_RANK_PATH_LENGTH, a->path_len > b->path_len, a->path_len != b->path_len);
    RT_DECIDE(GS_RT_RANK_METHOD, a->method > b->method, a->method != b->method);
    RT_DECIDE(GS_RT_RANK_HEADERS, a->n_headers > b->n_headers, a->n_headers != b->n_headers);
    RT_DECIDE(GS_RT_RANK_QUERY, a->n_query > b->n_query, a->n_query != b->n_query);
    if (a->route != b->route) {
        RT_DECIDE(GS_RT_RANK_AGE, a->route->created < b->route->created,
                  a->route->created != b->route->created);
        int c = gs_rt_route_name_cmp(a->route->namespace, a->route->name, b->route->namespace,
                                     b->route->name);
        RT_DECIDE(GS_RT_RANK_NAME, c < 0, c != 0);
    }
    RT_DECIDE(GS_RT_RANK_RULE, a->rule->index < b->rule->index, a->rule->index != b->rule->index);
    RT_DECIDE(GS_RT_RANK_MATCH, a->match_index < b->match_index, a->match_index != b->match_index);
    *key = GS_RT_RANK_FIRST;
    return 0;
}

int gs_rt_entry_compare(const rt_entry *a, const rt_entry *b)
{
    gs_rt_rank_key key;
    return gs_rt_entry_rank(a, b, &key);
}

const char *gs_rt_rank_key_text(gs_rt_rank_key k)
{
    switch (k) {
    case GS_RT_RANK_FIRST:
        break;
    case GS_RT_RANK_PATH_TYPE:
        return "path type";
    case GS_RT_RANK_PATH_LENGTH:
        return "longer path";
    case GS_RT_RANK_METHOD:
        return "method match";
    case GS_RT_RANK_HEADERS:
        return "more header matches";
    case GS_RT_RANK_QUERY:
        return "more query matches";
    case GS_RT_RANK_AGE:
        return "same match keys, older route";
    case GS_RT_RANK_NAME:
        return "same match keys, same age, alphabetical {namespace}/{name}";
    case GS_RT_RANK_RULE:
        return "rule order";
    case GS_RT_RANK_MATCH:
        return "match order";
    }
    return "";
}

/* Hostname specificity of a layer-4 candidate: exact names, then wildcards (longer first), then
 * none. Returns < 0 when |a| is more specific. */
static int l4_hostname_cmp(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a == NULL) - (b == NULL);
    bool wa = a[0] == '*', wb = b[0] == '*';
    if (wa != wb)
        return wa ? 1 : -1;
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return la > lb ? -1 : 1;
    return strcmp(a, b);
}

static int l4_entry_cmp(const void *pa, const void *pb)
{
    const rt_l4_entry *a = pa, *b = pb;
    int c = l4_hostname_cmp(a->hostname, b->hostname);
    if (c != 0)
        return c;
    if (a->route->created != b->route->created)
        return a->route->created < b->route->created ? -1 : 1;
    return gs_rt_route_name_cmp(a->route->namespace, a->route->name, b->route->namespace,
                                b->route->name);
}

static int entry_qsort_cmp(const void *pa, const void *pb)
{
    return gs_rt_entry_compare(*(rt_entry *const *)pa, *(rt_entry *const *)pb);
}

static void list_sort(rt_list *l)
{
    if (l->n > 1)
        qsort(l->items, l->n, sizeof(*l->items), entry_qsort_cmp);
}

/* Frozen blocks are carved with a cursor; every piece is aligned for any type. */
#define RT_ALIGN(n)                                                                                \
    (((n) + _Alignof(max_align_t) - 1) / _Alignof(max_align_t) * _Alignof(max_align_t))

typedef struct rt_cursor {
    char *p;
} rt_cursor;

static void *cursor_take(rt_cursor *c, size_t size)
{
    void *p = c->p;
    c->p += RT_ALIGN(size);
    return p;
}

static size_t fmap_cap(size_t count)
{
    if (count == 0)
        return 0;
    /* Load factor up to 2/3: small buckets keep their slots in few cache lines. */
    size_t cap = 4;
    while (cap * 2 < count * 3)
        cap *= 2;
    return cap;
}

static size_t fnode_size(size_t n)
{
    _Static_assert(sizeof(rt_entry) == 64, "a compiled candidate is one cache line");
    _Static_assert(offsetof(rt_fnode, entries) == 64, "entries start on the node's 2nd line");
    return sizeof(rt_fnode) + n * sizeof(rt_entry);
}

/* Bytes of one packed rt_fkv record for |m|. */
static size_t fkv_record_size(const gs_rt_kv_match *m)
{
    size_t size = sizeof(rt_fkv) + (m->type == GS_RT_MATCH_REGEX ? sizeof(void *) : 0) +
                  strlen(m->name) + 1 + strlen(m->value) + 1;
    return (size + 7) & ~(size_t)7;
}

/* The header matches of |e| then its query matches (HTTP only). */
static const gs_rt_kv_match *entry_headers(const rt_entry *e)
{
    return e->is_grpc ? e->grpc_match->headers : e->match->headers;
}

static size_t entry_kv_size(const rt_entry *e)
{
    size_t size = 0;
    const gs_rt_kv_match *h = entry_headers(e);
    for (size_t i = 0; i < e->n_headers; i++)
        size += fkv_record_size(&h[i]);
    for (size_t i = 0; !e->is_grpc && i < e->n_query; i++)
        size += fkv_record_size(&e->match->query[i]);
    return size;
}

static uint8_t *fkv_write(uint8_t *out, const gs_rt_kv_match *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(m[i].name), vl = strlen(m[i].value);
        rt_fkv head = {(uint32_t)fkv_record_size(&m[i]), (uint32_t)nl, (uint32_t)vl,
                       (uint32_t)m[i].type};
        memcpy(out, &head, sizeof(head));
        char *str = (char *)out + sizeof(head);
        if (m[i].type == GS_RT_MATCH_REGEX) {
            memcpy(str, &m[i].priv, sizeof(m[i].priv));
            str += sizeof(m[i].priv);
        }
        memcpy(str, m[i].name, nl + 1);
        memcpy(str + nl + 1, m[i].value, vl + 1);
        out += head.size;
    }
    return out;
}

/* Writes the packed matches of |e| at |out| (entry_kv_size bytes) and points e->kv there. */
static void entry_kv_write(rt_entry *e, uint8_t *out)
{
    e->kv = out;
    out = fkv_write(out, entry_headers(e), e->n_headers);
    if (!e->is_grpc)
        fkv_write(out, e->match->query, e->n_query);
}

/* Header and query matches are packed next to their entries so that evaluating a candidate
 * reads only the bucket block. */
static size_t entries_extra_size(rt_entry *const *items, size_t n)
{
    size_t size = 0;
    for (size_t i = 0; i < n; i++)
        size += RT_ALIGN(entry_kv_size(items[i]));
    return size;
}

static void entries_copy(rt_entry *dst, rt_entry *const *items, size_t n, rt_cursor *c)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = *items[i];
        dst[i].kv = NULL;
        size_t size = entry_kv_size(items[i]);
        if (size)
            entry_kv_write(&dst[i], cursor_take(c, size));
    }
}

static size_t fmap_size(const gs_strmap *m)
{
    size_t size = RT_ALIGN(fmap_cap(m->count) * sizeof(rt_fslot));
    for (size_t i = 0; i < m->cap; i++) {
        const gs_strmap_slot *s = &m->slots[i];
        if (s->key == NULL)
            continue;
        const rt_list *l = s->value;
        /* 64 for the node's alignment; the key has its own bytes only when too long. */
        size += 64 + fnode_size(l->n) + (s->len >= RT_FNODE_KEY ? RT_ALIGN(s->len + 1) : 0) +
                entries_extra_size(l->items, l->n);
    }
    return size;
}

static void fslot_insert(rt_fslot *slots, size_t mask, uint64_t h, const rt_fkey *node)
{
    size_t i = (size_t)h & mask;
    while (slots[i].node)
        i = (i + 1) & mask;
    slots[i].hash = h;
    slots[i].node = node;
}

/* Takes the slot array of |out| (all slot arrays of a bucket come first, next to its header). */
static rt_fslot *fmap_slots(rt_fmap *out, const gs_strmap *m, rt_cursor *c)
{
    size_t cap = fmap_cap(m->count);
    if (cap == 0)
        return NULL;
    rt_fslot *slots = cursor_take(c, cap * sizeof(*slots));
    out->slots = slots;
    out->mask = cap - 1;
    return slots;
}

/* Lays out, per key: the key bytes, the node with its entries, then their match copies. */
static void fmap_fill(rt_fslot *slots, size_t mask, const gs_strmap *m, rt_cursor *c)
{
    if (slots == NULL)
        return;
    for (size_t i = 0; i < m->cap; i++) {
        const gs_strmap_slot *s = &m->slots[i];
        if (s->key == NULL)
            continue;
        const rt_list *l = s->value;
        c->p = (char *)(((uintptr_t)c->p + 63) & ~(uintptr_t)63);
        rt_fnode *node = cursor_take(c, fnode_size(l->n));
        char *key = s->len < RT_FNODE_KEY ? node->inline_key : cursor_take(c, s->len + 1);
        memcpy(key, s->key, s->len);
        node->head.key = key;
        node->head.key_len = (uint32_t)s->len;
        node->n = (uint32_t)l->n;
        entries_copy(node->entries, l->items, l->n, c);
        fslot_insert(slots, mask, s->hash, &node->head);
    }
}

/* ---- frozen HTTP path maps (rt_pslot) ---- */

static size_t pmap_size(const gs_strmap *m)
{
    _Static_assert(sizeof(rt_pslot) == 128, "a path slot is two cache lines");
    _Static_assert(offsetof(rt_pslot, method_inline) == 64, "line 1 starts with the method");
    size_t cap = fmap_cap(m->count);
    if (cap == 0)
        return 0;
    /* 128 for the slots' alignment, 64 per key for its entries' alignment. */
    size_t size = 128 + cap * sizeof(rt_pslot);
    for (size_t i = 0; i < m->cap; i++) {
        const gs_strmap_slot *s = &m->slots[i];
        if (s->key == NULL)
            continue;
        const rt_list *l = s->value;
        size += 64 + l->n * sizeof(rt_entry) + entries_extra_size(l->items, l->n);
    }
    return size;
}

/* Takes the (128-byte aligned) slot array of |out|. */
static rt_pslot *pmap_slots(rt_pmap *out, const gs_strmap *m, rt_cursor *c)
{
    size_t cap = fmap_cap(m->count);
    if (cap == 0)
        return NULL;
    c->p = (char *)(((uintptr_t)c->p + 127) & ~(uintptr_t)127);
    rt_pslot *slots = cursor_take(c, cap * sizeof(*slots));
    out->slots = slots;
    out->mask = cap - 1;
    return slots;
}

/* Fills slot |ps| for |key_len| and the sorted candidates |items| (|n| >= 1); the full entries
 * and whatever does not fit inline go to the cursor. */
static void pslot_fill(rt_pslot *ps, uint64_t hash, size_t key_len, rt_entry *const *items,
                       size_t n, rt_cursor *c)
{
    c->p = (char *)(((uintptr_t)c->p + 63) & ~(uintptr_t)63);
    rt_entry *es = cursor_take(c, n * sizeof(*es));
    const rt_entry *first = items[0];
    size_t room = sizeof(ps->inline_data), used = 0;
    size_t vl = strlen(first->path_value);
    ps->value = first->path_value;
    if (vl + 1 <= room) {
        memcpy(ps->inline_data, first->path_value, vl + 1);
        ps->value = ps->inline_data;
        used = (vl + 1 + 7) & ~(size_t)7;
    }
    for (size_t i = 0; i < n; i++) {
        es[i] = *items[i];
        es[i].kv = NULL;
        size_t size = entry_kv_size(items[i]);
        if (size == 0)
            continue;
        if (i == 0 && used + size <= room)
            entry_kv_write(&es[i], (uint8_t *)ps->inline_data + used);
        else
            entry_kv_write(&es[i], cursor_take(c, size));
    }
    ps->hash = hash;
    ps->entries = es;
    ps->kv = es[0].kv;
    ps->route = first->route;
    ps->rule = first->rule;
    ps->n = (uint32_t)n;
    ps->key_len = (uint32_t)key_len;
    ps->match_index = first->match_index;
    ps->path_rank = first->path_rank;
    ps->n_headers = first->n_headers;
    ps->n_query = first->n_query;
    ps->method_len = first->method_len;
    memcpy(ps->method_inline, first->method_inline, sizeof(first->method_inline));
}

static void pmap_fill(rt_pslot *slots, size_t mask, const gs_strmap *m, rt_cursor *c)
{
    if (slots == NULL)
        return;
    for (size_t i = 0; i < m->cap; i++) {
        const gs_strmap_slot *s = &m->slots[i];
        if (s->key == NULL)
            continue;
        const rt_list *l = s->value;
        size_t k = (size_t)s->hash & mask;
        while (slots[k].entries)
            k = (k + 1) & mask;
        pslot_fill(&slots[k], s->hash, s->len, l->items, l->n, c);
    }
}

static const rt_entry *entries_fill(const rt_list *l, rt_cursor *c)
{
    if (l->n == 0)
        return NULL;
    rt_entry *e = cursor_take(c, l->n * sizeof(*e));
    entries_copy(e, l->items, l->n, c);
    return e;
}

static uint64_t map_depths(const gs_strmap *m)
{
    uint64_t mask = 0;
    for (size_t i = 0; i < m->cap; i++) {
        const gs_strmap_slot *s = &m->slots[i];
        if (s->key == NULL)
            continue;
        size_t slashes = 0;
        for (size_t k = 0; k < s->len; k++)
            slashes += s->key[k] == '/';
        mask |= rt_depth_bit(slashes);
    }
    return mask;
}

/* Copies |b| (its lists already sorted) into one contiguous block. */
static const rt_fbucket *bucket_freeze(gs_route_table *t, const rt_bucket *b)
{
    size_t hl = b->hostname ? strlen(b->hostname) : 0;
    size_t size = RT_ALIGN(sizeof(rt_fbucket)) + RT_ALIGN(hl + 1) + pmap_size(&b->exact) +
                  pmap_size(&b->prefix) + fmap_size(&b->grpc_exact) + fmap_size(&b->grpc_service) +
                  RT_ALIGN(b->regex.n * sizeof(rt_entry)) +
                  entries_extra_size(b->regex.items, b->regex.n) +
                  RT_ALIGN(b->grpc_other.n * sizeof(rt_entry));
    rt_cursor c = {arena_alloc(&t->arena, size)};
    rt_fbucket *fb = cursor_take(&c, sizeof(*fb));
    if (b->hostname) {
        char *h = cursor_take(&c, hl + 1);
        memcpy(h, b->hostname, hl + 1);
        fb->head.key = h;
        fb->head.key_len = (uint32_t)hl;
    }
    fb->exact_depths = map_depths(&b->exact);
    fb->prefix_depths = map_depths(&b->prefix);
    rt_pslot *se = pmap_slots(&fb->exact, &b->exact, &c);
    rt_pslot *sp = pmap_slots(&fb->prefix, &b->prefix, &c);
    rt_fslot *sge = fmap_slots(&fb->grpc_exact, &b->grpc_exact, &c);
    rt_fslot *sgs = fmap_slots(&fb->grpc_service, &b->grpc_service, &c);
    pmap_fill(se, fb->exact.mask, &b->exact, &c);
    pmap_fill(sp, fb->prefix.mask, &b->prefix, &c);
    fmap_fill(sge, fb->grpc_exact.mask, &b->grpc_exact, &c);
    fmap_fill(sgs, fb->grpc_service.mask, &b->grpc_service, &c);
    fb->regex = entries_fill(&b->regex, &c);
    fb->n_regex = b->regex.n;
    fb->grpc_other = entries_fill(&b->grpc_other, &c);
    fb->n_grpc_other = b->grpc_other.n;
    fb->has_grpc = b->grpc_exact.count || b->grpc_service.count || b->grpc_other.n;
    return fb;
}

static void hslot_fill(rt_hslot *hs, const rt_fbucket *fb, uint64_t hash)
{
    hs->hash = hash;
    hs->bucket = fb;
    hs->exact = fb->exact;
    hs->prefix = fb->prefix;
    hs->exact_depths = fb->exact_depths;
    hs->prefix_depths = fb->prefix_depths;
    hs->key_len = fb->head.key_len;
    hs->has_regex = fb->n_regex > 0;
    hs->has_grpc = fb->has_grpc;
    hs->key_ptr = fb->head.key;
    if (fb->head.key && fb->head.key_len <= sizeof(hs->key))
        memcpy(hs->key, fb->head.key, fb->head.key_len);
}

static void listener_freeze(gs_route_table *t, rt_listener_index *li)
{
    _Static_assert(sizeof(rt_hslot) == 128, "a hostname slot is two cache lines");
    size_t cap = fmap_cap(li->hosts.count);
    if (cap) {
        char *raw = arena_alloc(&t->arena, (cap + 1) * sizeof(rt_hslot));
        rt_hslot *slots = (rt_hslot *)(((uintptr_t)raw + 127) & ~(uintptr_t)127);
        for (size_t i = 0; i < li->hosts.cap; i++) {
            const gs_strmap_slot *s = &li->hosts.slots[i];
            if (s->key == NULL)
                continue;
            const rt_fbucket *fb = bucket_freeze(t, s->value);
            size_t k = (size_t)s->hash & (cap - 1);
            while (slots[k].bucket)
                k = (k + 1) & (cap - 1);
            hslot_fill(&slots[k], fb, s->hash);
        }
        li->hslots = slots;
        li->hmask = cap - 1;
    }
    if (li->implicit)
        hslot_fill(&li->himplicit, bucket_freeze(t, li->implicit), 0);
}

/* The build-time maps and lists are not needed once frozen. */
static void table_release_build_state(gs_route_table *t)
{
    for (size_t i = 0; i < t->n_lists; i++) {
        free(t->lists[i]->items);
        t->lists[i]->items = NULL;
    }
    for (size_t i = 0; i < t->n_buckets; i++) {
        rt_bucket *b = t->buckets[i];
        gs_strmap_free(&b->exact);
        gs_strmap_free(&b->prefix);
        gs_strmap_free(&b->grpc_exact);
        gs_strmap_free(&b->grpc_service);
        free(b->regex.items);
        free(b->grpc_other.items);
        memset(&b->regex, 0, sizeof(b->regex));
        memset(&b->grpc_other, 0, sizeof(b->grpc_other));
    }
    for (size_t i = 0; i < t->n_listeners; i++)
        gs_strmap_free(&t->lindex[i]->hosts);
}

int gs_route_table_compile(gs_route_table *t, gs_error *err)
{
    if (t->compiled)
        return gs_error_set(err, GS_ERR_INVALID, "route table already compiled");
    for (size_t i = 0; i < t->n_lists; i++)
        list_sort(t->lists[i]);
    for (size_t i = 0; i < t->n_buckets; i++) {
        list_sort(&t->buckets[i]->regex);
        list_sort(&t->buckets[i]->grpc_other);
    }
    for (size_t i = 0; i < t->n_listeners; i++) {
        rt_listener_index *li = t->lindex[i];
        listener_freeze(t, li);
        if (li->n_l4 > 1)
            qsort(li->l4, li->n_l4, sizeof(*li->l4), l4_entry_cmp);
    }
    table_release_build_state(t);
    t->compiled = true;
    return 0;
}

/* ---- reading ------------------------------------------------------------------------------- */

size_t gs_route_table_port_count(const gs_route_table *t)
{
    return t->n_ports;
}

const gs_rt_port *gs_route_table_port(const gs_route_table *t, size_t i)
{
    return i < t->n_ports ? t->ports[i] : NULL;
}

static const gs_rt_port *table_find_port(const gs_route_table *t, const char *gw_ns,
                                         const char *gw_name, uint16_t port, bool udp)
{
    for (size_t i = 0; i < t->n_ports; i++) {
        const gs_rt_port *p = t->ports[i];
        if (p->port == port && (p->protocol == GS_RT_PROTO_UDP) == udp &&
            strcmp(p->gateway_namespace, gw_ns) == 0 && strcmp(p->gateway_name, gw_name) == 0)
            return p;
    }
    return NULL;
}

const gs_rt_port *gs_route_table_find_port(const gs_route_table *t, const char *gw_ns,
                                           const char *gw_name, uint16_t port)
{
    return table_find_port(t, gw_ns, gw_name, port, false);
}

const gs_rt_port *gs_route_table_find_udp_port(const gs_route_table *t, const char *gw_ns,
                                               const char *gw_name, uint16_t port)
{
    return table_find_port(t, gw_ns, gw_name, port, true);
}

size_t gs_route_table_listener_count(const gs_route_table *t)
{
    return t->n_listeners;
}

const gs_rt_listener *gs_route_table_listener(const gs_route_table *t, size_t i)
{
    return i < t->n_listeners ? t->listeners[i] : NULL;
}
