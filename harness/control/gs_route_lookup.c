/* SPDX-License-Identifier: MIT */
/* The request-time half of the route table: listener selection by Host and SNI, the walk over
 * hostname buckets from most to least specific, and the path/method/header/query predicates.
 * Reads the compiled table only; costs grow with the request's labels and path segments, not
 * with the number of routes (regex paths are scanned within their hostname bucket). */
#include "gs_hostname.h"
#include "gs_route_table.h"
#include "route_table_priv.h"

#include "gs_alloc.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define RT_HOST_MAX 253

/* Lower-cases |host| (port stripped) into |buf| (RT_HOST_MAX + 2 bytes). Returns the length, or
 * -1 when the host is too long to be a hostname. */
static int host_normalize(const char *host, size_t len, char *buf)
{
    if (host == NULL)
        return 0;
    if (len == 0)
        len = strlen(host);
    len = gs_hostname_strip_port(host, len);
    /* A trailing dot names the same host ("a.com." is "a.com"). */
    if (len > 0 && host[len - 1] == '.')
        len--;
    if (len > RT_HOST_MAX)
        return -1;
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)tolower((unsigned char)host[i]);
    buf[len] = '\0';
    return (int)len;
}

static const gs_rt_listener *port_select(const gs_rt_port *port, const char *h, size_t len)
{
    const rt_port_index *pi = (const rt_port_index *)port->priv;
    if (len > 0) {
        const gs_rt_listener *l = gs_strmap_get(&pi->exact, h, len);
        if (l)
            return l;
        if (pi->wild.count && h[0] != '.') {
            char key[RT_HOST_MAX + 3];
            /* Leftmost dot first: the longest wildcard suffix is the most specific. A wildcard
             * covers only non-empty labels (gs_hostname.h): stop at the first empty one. */
            for (size_t i = 1; i < len; i++) {
                if (h[i] != '.')
                    continue;
                if (h[i - 1] == '.')
                    break;
                key[0] = '*';
                memcpy(key + 1, h + i, len - i);
                l = gs_strmap_get(&pi->wild, key, len - i + 1);
                if (l)
                    return l;
            }
        }
    }
    return pi->catch_all;
}

const gs_rt_listener *gs_rt_port_select_listener(const gs_rt_port *port, const char *host,
                                                 size_t host_len)
{
    char buf[RT_HOST_MAX + 2];
    int n = host_normalize(host, host_len, buf);
    if (n < 0)
        return NULL;
    return port_select(port, buf, (size_t)n);
}

/* ---- predicates ---------------------------------------------------------------------------- */

typedef struct rt_cut {
    size_t len;
    uint64_t hash;
    uint64_t depth_bit; /* rt_depth_bit of the '/' count of path[0..len) */
} rt_cut;

typedef struct rt_ctx {
    const gs_rt_request *req;
    const char *path; /* without query */
    size_t path_len;
    const char *query; /* after '?', or NULL */
    size_t query_len;
    const char *method;
    size_t method_len;
    pcre2_match_data *md; /* created on the first regex evaluation */
    uint64_t path_hash;
    uint64_t path_depth_bit;
    rt_cut cuts[64]; /* prefix candidates, shortest first */
    size_t n_cuts;
    bool cuts_overflow; /* more '/' than cuts: hash each candidate on demand */
} rt_ctx;

static bool ctx_regex(rt_ctx *c, const void *re, const char *s, size_t len)
{
    if (c->md == NULL)
        c->md = pcre2_match_data_create(1, NULL);
    if (c->md == NULL)
        return false;
    return pcre2_match((const pcre2_code *)re, (PCRE2_SPTR)s, len, 0, 0, c->md, NULL) >= 0;
}

static bool kv_value_matches(rt_ctx *c, const rt_fkv *m, const char *v, size_t len)
{
    if (m->type == GS_RT_MATCH_REGEX)
        return ctx_regex(c, rt_fkv_regex(m), v, len);
    return m->value_len == len && memcmp(rt_fkv_value(m), v, len) == 0;
}

/* A header match holds when any field line with that name has a matching value. Returns the
 * record after the last one checked through |next| (the query matches follow the headers). */
static bool headers_match(rt_ctx *c, const rt_fkv *hm, size_t n, const rt_fkv **next)
{
    const gs_rt_request *r = c->req;
    for (size_t i = 0; i < n; i++, hm = rt_fkv_next(hm)) {
        bool ok = false;
        const char *name = rt_fkv_name(hm);
        for (size_t j = 0; j < r->n_headers && !ok; j++) {
            const gs_rt_header *h = &r->headers[j];
            size_t hl = h->name_len ? h->name_len : strlen(h->name);
            if (hl != hm->name_len || strncasecmp(h->name, name, hl) != 0)
                continue;
            size_t vl = h->value_len ? h->value_len : strlen(h->value);
            ok = kv_value_matches(c, hm, h->value, vl);
        }
        if (!ok)
            return false;
    }
    *next = hm;
    return true;
}

/* A query match holds when the FIRST parameter of that name (compared exactly, undecoded) has
 * a matching value. */
static bool query_match(rt_ctx *c, const rt_fkv *qm, size_t n)
{
    for (size_t i = 0; i < n; i++, qm = rt_fkv_next(qm)) {
        size_t nl = qm->name_len;
        const char *name = rt_fkv_name(qm);
        const char *p = c->query, *end = c->query ? c->query + c->query_len : NULL;
        bool found = false, ok = false;
        while (p && p < end && !found) {
            const char *amp = memchr(p, '&', (size_t)(end - p));
            const char *pe = amp ? amp : end;
            const char *eq = memchr(p, '=', (size_t)(pe - p));
            const char *ne = eq ? eq : pe;
            if ((size_t)(ne - p) == nl && memcmp(p, name, nl) == 0) {
                found = true;
                const char *v = eq ? eq + 1 : pe;
                ok = kv_value_matches(c, qm, v, (size_t)(pe - v));
            }
            p = amp ? amp + 1 : NULL;
        }
        if (!ok)
            return false;
    }
    return true;
}

/* The request's method against a candidate's (|len| 0 = any, 0xff = compare |full|). */
static bool method_matches(const rt_ctx *c, uint8_t len, const char *inl, const char *full)
{
    if (len == 0xff)
        return strlen(full) == c->method_len && memcmp(full, c->method, c->method_len) == 0;
    return len == 0 || (len == c->method_len && memcmp(inl, c->method, len) == 0);
}

static bool kv_match(rt_ctx *c, const uint8_t *kv, size_t n_headers, size_t n_query)
{
    if (n_headers == 0 && n_query == 0)
        return true;
    const rt_fkv *q;
    return headers_match(c, (const rt_fkv *)(const void *)kv, n_headers, &q) &&
           query_match(c, q, n_query);
}

static bool http_predicates(rt_ctx *c, const rt_entry *e)
{
    return method_matches(c, e->method_len, e->method_inline,
                          e->method_len == 0xff ? e->match->method : NULL) &&
           kv_match(c, e->kv, e->n_headers, e->n_query);
}

/* The winner of a lookup: what the result reports. */
typedef struct rt_hit {
    const gs_rt_route *route; /* NULL: none */
    const gs_rt_rule *rule;
    const char *prefix; /* the PathPrefix value matched, else NULL */
    uint16_t match_index;
} rt_hit;

static bool hit_entry(rt_hit *hit, const rt_entry *e)
{
    if (e == NULL)
        return false;
    hit->route = e->route;
    hit->rule = e->rule;
    hit->match_index = e->match_index;
    hit->prefix = !e->is_grpc && e->path_rank == 2 ? e->path_value : NULL;
    return true;
}

/* The first candidate of path slot |s| whose method, headers and query hold. The best one is
 * evaluated from the slot's own lines; the others from their full entries. */
static bool pslot_match(rt_ctx *c, const rt_pslot *s, rt_hit *hit)
{
    if (s == NULL)
        return false;
    if (method_matches(c, s->method_len, s->method_inline,
                       s->method_len == 0xff ? s->entries[0].match->method : NULL) &&
        kv_match(c, s->kv, s->n_headers, s->n_query)) {
        hit->route = s->route;
        hit->rule = s->rule;
        hit->match_index = s->match_index;
        hit->prefix = s->path_rank == 2 ? s->value : NULL;
        return true;
    }
    for (uint32_t i = 1; i < s->n; i++) {
        if (http_predicates(c, &s->entries[i]))
            return hit_entry(hit, &s->entries[i]);
    }
    return false;
}

/* Starts fetching both cache lines of the slot a key with hash |h| starts probing at. */
static void pmap_prefetch(const rt_pmap *m, uint64_t h)
{
    const char *s = (const char *)&m->slots[(size_t)h & m->mask];
    __builtin_prefetch(s);
    __builtin_prefetch(s + 64);
}

static bool bucket_match_http(rt_ctx *c, const rt_hslot *hs, rt_hit *hit)
{
    /* Issue every slot fetch this lookup may need at once, so their misses overlap. */
    bool exact = (hs->exact_depths & c->path_depth_bit) != 0;
    if (exact)
        pmap_prefetch(&hs->exact, c->path_hash);
    if (hs->prefix.slots && !c->cuts_overflow) {
        for (size_t k = c->n_cuts; k-- > 0;)
            if (hs->prefix_depths & c->cuts[k].depth_bit)
                pmap_prefetch(&hs->prefix, c->cuts[k].hash);
    }
    /* Exact paths rank first, then regular expressions, then prefixes longest first. */
    if (exact && pslot_match(c, rt_pmap_get(&hs->exact, c->path, c->path_len, c->path_hash), hit))
        return true;
    const rt_fbucket *b = hs->bucket;
    for (size_t i = 0; hs->has_regex && i < b->n_regex; i++) {
        const rt_entry *e = &b->regex[i];
        if (ctx_regex(c, e->match->path.priv, c->path, c->path_len) && http_predicates(c, e))
            return hit_entry(hit, e);
    }
    if (hs->prefix.slots == NULL)
        return false;
    /* Candidate prefixes are the path cut at each '/' (and the whole path), longest first;
     * the root prefix "/" is stored as the empty key. */
    if (!c->cuts_overflow) {
        for (size_t k = c->n_cuts; k-- > 0;) {
            if (!(hs->prefix_depths & c->cuts[k].depth_bit))
                continue;
            if (pslot_match(c, rt_pmap_get(&hs->prefix, c->path, c->cuts[k].len, c->cuts[k].hash),
                            hit))
                return true;
        }
        return false;
    }
    for (size_t i = c->path_len + 1; i-- > 0;) {
        if (i != c->path_len && i != 0 && c->path[i] != '/')
            continue;
        if (pslot_match(c, rt_pmap_get(&hs->prefix, c->path, i, gs_strmap_hash(c->path, i)), hit))
            return true;
    }
    return false;
}

static bool grpc_predicates(rt_ctx *c, const rt_entry *e, const char *svc, size_t sl,
                            const char *meth, size_t ml)
{
    const gs_rt_grpc_match *m = e->grpc_match;
    if (m->type == GS_RT_MATCH_REGEX && m->priv) {
        if (svc == NULL || !ctx_regex(c, m->priv, svc, sl + 1 + ml))
            return false;
    } else {
        if (m->service &&
            (svc == NULL || strlen(m->service) != sl || memcmp(m->service, svc, sl) != 0))
            return false;
        if (m->method &&
            (meth == NULL || strlen(m->method) != ml || memcmp(m->method, meth, ml) != 0))
            return false;
    }
    return kv_match(c, e->kv, e->n_headers, 0);
}

static const rt_entry *grpc_first(rt_ctx *c, const rt_entry *e, size_t n, const char *svc,
                                  size_t sl, const char *meth, size_t ml)
{
    for (size_t i = 0; i < n; i++) {
        if (grpc_predicates(c, &e[i], svc, sl, meth, ml))
            return &e[i];
    }
    return NULL;
}

static const rt_entry *grpc_node_first(rt_ctx *c, const rt_fkey *k, const char *svc, size_t sl,
                                       const char *meth, size_t ml)
{
    if (k == NULL)
        return NULL;
    const rt_fnode *node = (const rt_fnode *)k;
    return grpc_first(c, node->entries, node->n, svc, sl, meth, ml);
}

static const rt_entry *better(const rt_entry *a, const rt_entry *b)
{
    if (a == NULL)
        return b;
    if (b == NULL)
        return a;
    return gs_rt_entry_compare(a, b) <= 0 ? a : b;
}

static const rt_entry *bucket_match_grpc(rt_ctx *c, const rt_fbucket *b)
{
    if (!b->has_grpc)
        return NULL;
    /* ":path" = "/service/method": exactly two non-empty segments. */
    const char *svc = NULL, *meth = NULL;
    size_t sl = 0, ml = 0;
    if (c->path_len > 3 && c->path[0] == '/') {
        const char *slash = memchr(c->path + 1, '/', c->path_len - 1);
        if (slash && slash > c->path + 1 && slash < c->path + c->path_len - 1 &&
            memchr(slash + 1, '/', (size_t)(c->path + c->path_len - slash - 1)) == NULL) {
            svc = c->path + 1;
            sl = (size_t)(slash - svc);
            meth = slash + 1;
            ml = (size_t)(c->path + c->path_len - meth);
        }
    }
    const rt_entry *best = NULL;
    if (svc) {
        best = grpc_node_first(c, rt_fmap_get(&b->grpc_exact, c->path, c->path_len, c->path_hash),
                               svc, sl, meth, ml);
        best = better(best, grpc_node_first(
                                c, rt_fmap_get(&b->grpc_service, svc, sl, gs_strmap_hash(svc, sl)),
                                svc, sl, meth, ml));
    }
    return better(best, grpc_first(c, b->grpc_other, b->n_grpc_other, svc, sl, meth, ml));
}

static bool bucket_match(rt_ctx *c, const rt_hslot *hs, rt_hit *hit)
{
    /* HTTPRoute rules first; control never lets both kinds share an effective hostname. */
    if (bucket_match_http(c, hs, hit))
        return true;
    return hs->has_grpc && hit_entry(hit, bucket_match_grpc(c, hs->bucket));
}

/* The compiled hostname |key| of a listener, or NULL. */
static const rt_hslot *hslot_get(const rt_listener_index *li, const char *key, size_t len,
                                 uint64_t h)
{
    for (size_t i = (size_t)h & li->hmask;; i = (i + 1) & li->hmask) {
        const rt_hslot *s = &li->hslots[i];
        if (s->bucket == NULL)
            return NULL;
        if (s->hash != h || s->key_len != len)
            continue;
        const char *k = len <= sizeof(s->key) ? s->key : s->key_ptr;
        if (memcmp(k, key, len) == 0)
            return s;
    }
}

/* Hashes the path once: the FNV state at each '/' cut is the hash of that prefix. */
static void ctx_hash_path(rt_ctx *c)
{
    uint64_t h = 1469598103934665603ULL;
    size_t slashes = 0;
    c->n_cuts = 0;
    c->cuts_overflow = false;
    for (size_t i = 0; i <= c->path_len; i++) {
        if (i == 0 || i == c->path_len || c->path[i] == '/') {
            if (c->n_cuts == GS_ARRAY_LEN(c->cuts))
                c->cuts_overflow = true;
            else if (c->n_cuts == 0 || c->cuts[c->n_cuts - 1].len != i)
                c->cuts[c->n_cuts++] = (rt_cut){i, h, rt_depth_bit(slashes)};
        }
        if (i < c->path_len) {
            slashes += c->path[i] == '/';
            h ^= (unsigned char)c->path[i];
            h *= 1099511628211ULL;
        }
    }
    c->path_hash = h;
    c->path_depth_bit = rt_depth_bit(slashes);
}

/* ---- lookup -------------------------------------------------------------------------------- */

static int lookup_fail(gs_rt_result *out, gs_rt_outcome o)
{
    out->outcome = o;
    out->http_status = o == GS_RT_MISDIRECTED ? 421 : 404;
    return 0;
}

int gs_route_table_lookup(const gs_route_table *t, const gs_rt_port *port, const gs_rt_request *req,
                          gs_rt_result *out)
{
    if (out == NULL)
        return GS_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    if (t == NULL || port == NULL || req == NULL || !t->compiled) {
        lookup_fail(out, GS_RT_NO_LISTENER);
        return GS_ERR_INVALID;
    }
    char host[RT_HOST_MAX + 2];
    int hl = host_normalize(req->host, req->host_len, host);
    if (hl < 0)
        return lookup_fail(out, GS_RT_NO_LISTENER);
    const gs_rt_listener *l = port_select(port, host, (size_t)hl);
    if (l == NULL)
        return lookup_fail(out, GS_RT_NO_LISTENER);
    out->listener = l;
    if (req->sni && port->protocol == GS_RT_PROTO_HTTPS &&
        gs_rt_port_select_listener(port, req->sni, 0) != l)
        return lookup_fail(out, GS_RT_MISDIRECTED);

    rt_ctx c; /* not zero-initialised: cuts[] is large and filled by ctx_hash_path */
    c.req = req;
    c.md = NULL;
    c.query = NULL;
    c.query_len = 0;
    c.path = req->path ? req->path : "/";
    size_t plen = req->path && req->path_len ? req->path_len : strlen(c.path);
    const char *q = memchr(c.path, '?', plen);
    c.path_len = q ? (size_t)(q - c.path) : plen;
    if (q) {
        c.query = q + 1;
        c.query_len = plen - c.path_len - 1;
    }
    c.method = req->method ? req->method : "GET";
    c.method_len = req->method && req->method_len ? req->method_len : strlen(c.method);

    /* Start fetching the host's slot, then hash the path while it arrives. */
    const rt_listener_index *li = t->lindex[l->index];
    uint64_t host_hash = gs_strmap_hash(host, (size_t)hl);
    if (li->hslots)
        __builtin_prefetch(&li->hslots[host_hash & li->hmask]);
    ctx_hash_path(&c);

    rt_hit hit = {0};
    bool found = false;
    const rt_hslot *b = NULL;
    bool consulted = false;
    /* Buckets from most to least specific: exact host, wildcards by suffix length, none. */
    if (li->hslots && hl > 0) {
        b = hslot_get(li, host, (size_t)hl, host_hash);
        if (b) {
            found = bucket_match(&c, b, &hit);
            consulted = true;
        }
        char key[RT_HOST_MAX + 3];
        /* Wildcards cover only non-empty labels (gs_hostname.h): none for ".a.com", and the
         * walk stops at the first empty label. */
        for (size_t i = 1; i < (size_t)hl && !found && host[0] != '.'; i++) {
            if (host[i] != '.' || (consulted && t->opt.no_hostname_fallthrough))
                continue;
            if (host[i - 1] == '.')
                break;
            key[0] = '*';
            memcpy(key + 1, host + i, (size_t)hl - i);
            size_t kl = (size_t)hl - i + 1;
            const rt_hslot *wb = hslot_get(li, key, kl, gs_strmap_hash(key, kl));
            if (wb) {
                b = wb;
                found = bucket_match(&c, b, &hit);
                consulted = true;
            }
        }
    }
    if (!found && li->himplicit.bucket && !(consulted && t->opt.no_hostname_fallthrough)) {
        b = &li->himplicit;
        found = bucket_match(&c, b, &hit);
    }
    if (c.md)
        pcre2_match_data_free(c.md);
    if (!found)
        return lookup_fail(out, GS_RT_NO_ROUTE);
    out->outcome = GS_RT_MATCHED;
    out->route = hit.route;
    out->rule = hit.rule;
    out->match_index = hit.match_index;
    out->hostname = b->key_ptr;
    out->matched_prefix = hit.prefix;
    return 0;
}

/* ---- data-plane helpers -------------------------------------------------------------------- */

/* ---- layer-4 lookup ------------------------------------------------------------------------ */

static bool l4_hostname_takes(const char *pattern, const char *sni, size_t len)
{
    if (pattern == NULL)
        return true;
    return len > 0 && gs_hostname_matches(pattern, sni, len);
}

int gs_route_table_lookup_l4(const gs_route_table *t, const gs_rt_port *port, const char *sni,
                             gs_rt_result *out)
{
    if (out == NULL)
        return GS_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    if (t == NULL || port == NULL || !t->compiled) {
        lookup_fail(out, GS_RT_NO_LISTENER);
        return GS_ERR_INVALID;
    }
    char host[RT_HOST_MAX + 2];
    int hl = sni ? host_normalize(sni, strlen(sni), host) : 0;
    if (hl < 0)
        return lookup_fail(out, GS_RT_NO_LISTENER);
    /* TCP and UDP listeners have no hostname to select by: the port's one listener. */
    const gs_rt_listener *l = port->protocol == GS_RT_PROTO_TLS
                                  ? port_select(port, host, (size_t)hl)
                                  : (port->n_listeners ? port->listeners[0] : NULL);
    if (l == NULL)
        return lookup_fail(out, GS_RT_NO_LISTENER);
    out->listener = l;
    const rt_listener_index *li = t->lindex[l->index];
    for (size_t i = 0; i < li->n_l4; i++) {
        const rt_l4_entry *e = &li->l4[i];
        if (port->protocol == GS_RT_PROTO_TLS && !l4_hostname_takes(e->hostname, host, (size_t)hl))
            continue;
        out->outcome = GS_RT_MATCHED;
        out->route = e->route;
        out->rule = &e->route->rules[0];
        out->hostname = e->hostname;
        return 0;
    }
    return lookup_fail(out, GS_RT_NO_ROUTE);
}

int gs_rt_rule_pick_backend(const gs_rt_rule *rule, uint32_t r)
{
    if (rule == NULL || rule->total_weight == 0)
        return -1;
    uint64_t x = ((uint64_t)r * rule->total_weight) >> 32;
    for (size_t i = 0; i < rule->n_backends; i++) {
        if (x < rule->backends[i].weight)
            return (int)i;
        x -= rule->backends[i].weight;
    }
    return -1;
}

uint16_t gs_rt_redirect_port(const gs_rt_redirect *r, const char *scheme, uint16_t listener_port)
{
    uint16_t port = listener_port;
    if (r->port)
        port = r->port;
    else if (r->scheme)
        port = strcasecmp(r->scheme, "https") == 0 ? 443 : 80;
    if ((strcasecmp(scheme, "http") == 0 && port == 80) ||
        (strcasecmp(scheme, "https") == 0 && port == 443))
        return 0;
    return port;
}

const char *gs_rt_backend_state_reason(gs_rt_backend_state s)
{
    switch (s) {
    case GS_RT_BACKEND_OK:
        return "ResolvedRefs";
    case GS_RT_BACKEND_NOT_FOUND:
        return "BackendNotFound";
    case GS_RT_BACKEND_REF_NOT_PERMITTED:
        return "RefNotPermitted";
    case GS_RT_BACKEND_INVALID_KIND:
        return "InvalidKind";
    case GS_RT_BACKEND_UNSUPPORTED_PROTOCOL:
        return "UnsupportedProtocol";
    }
    return "Unknown";
}

const char *gs_rt_filter_type_name(gs_rt_filter_type t)
{
    static const char *const names[] = {
        "RequestHeaderModifier", "ResponseHeaderModifier",
        "RequestRedirect",       "URLRewrite",
        "RequestMirror",         "CORS",
        "ExtensionRef",
    };
    return (size_t)t < GS_ARRAY_LEN(names) ? names[t] : "Unknown";
}

const char *gs_rt_protocol_name(gs_rt_protocol p)
{
    static const char *const names[] = {"HTTP", "HTTPS", "TLS", "TCP", "UDP"};
    return (size_t)p < GS_ARRAY_LEN(names) ? names[p] : "Unknown";
}
