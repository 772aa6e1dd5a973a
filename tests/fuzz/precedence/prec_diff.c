/* SPDX-License-Identifier: MIT */
/* The generator, the oracle and the manifest writer of the precedence differential test. The
 * oracle is written from the HTTPRoute API text (quoted where it decides) and the documented
 * gatesim decisions where the text leaves a choice (docs/control.md, "Precedence"); it must not
 * call harness/control, so a bug there cannot hide in both. */
#include "prec_diff.h"

#include "gs_buf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- random numbers (xorshift64*, reproducible on every platform) ---- */

void prec_rng_seed(prec_rng *r, uint64_t seed)
{
    /* splitmix64 of the seed: nearby seeds give unrelated streams, and 0 is a valid seed. */
    uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    r->s = (z ^ (z >> 31)) | 1;
}

static uint64_t rng_next(prec_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1dULL;
}

uint32_t prec_rng_below(prec_rng *r, uint32_t n)
{
    return n ? (uint32_t)((rng_next(r) >> 32) % n) : 0;
}

#define PICK(r, arr) ((arr)[prec_rng_below((r), (uint32_t)(sizeof(arr) / sizeof((arr)[0])))])

/* ---- generator ---- */

/* Small pools so that random sets collide: the same paths with and without a trailing '/',
 * names and namespaces whose "{namespace}/{name}" order differs from field order (default-1
 * vs default), timestamps equal to the second, hostnames that intersect each other. */
static const char *const gen_namespaces[] = {"default", "default-1", "team"};
static const char *const gen_names[] = {"a-b", "r2", "b", "r10", "a"};
static const char *const gen_created[] = {NULL, "2024-01-01T00:01:00Z", "2024-01-01T00:01:00Z",
                                          "2023-06-01T00:00:00Z"};
static const char *const gen_listener_hosts[] = {NULL, "example.com", "*.example.com",
                                                 "a.example.com", "*.com"};
static const char *const gen_route_hosts[] = {"example.com", "a.example.com", "*.example.com",
                                              "*.com",       "b.example.com", "*.a.example.com",
                                              "example.org"};
static const char *const gen_paths[] = {"/", "/a", "/a/", "/ab", "/a/b", "/abc", "/abcx", "/a/b/c"};
static const char *const gen_methods[] = {NULL, NULL, NULL, "GET", "POST"};
static const prec_kv gen_headers[] = {{"x", "1"}, {"x", "2"}, {"y", "1"}, {"y", "2"}};
static const prec_kv gen_query[] = {{"q", "1"}, {"q", "2"}, {"r", "1"}};

static bool kv_has_name(const prec_kv *kv, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(kv[i].name, name) == 0)
            return true;
    }
    return false;
}

/* Adds up to |max| entries with distinct names (the spec makes names unique within a match). */
static size_t gen_kvs(prec_rng *r, const prec_kv *pool, size_t pool_n, prec_kv *out, size_t max)
{
    size_t want = prec_rng_below(r, (uint32_t)max + 1), n = 0;
    for (size_t tries = 0; n < want && tries < 8; tries++) {
        prec_kv kv = pool[prec_rng_below(r, (uint32_t)pool_n)];
        if (!kv_has_name(out, n, kv.name))
            out[n++] = kv;
    }
    return n;
}

static void gen_match(prec_rng *r, prec_match *m)
{
    memset(m, 0, sizeof(*m));
    if (prec_rng_below(r, 8) != 0) {
        m->path = PICK(r, gen_paths);
        m->path_type = prec_rng_below(r, 3) == 0 ? PREC_PATH_EXACT : PREC_PATH_PREFIX;
    }
    m->method = PICK(r, gen_methods);
    m->n_headers = gen_kvs(r, gen_headers, 4, m->headers, PREC_MAX_KV);
    if (prec_rng_below(r, 2) == 0)
        m->n_query = gen_kvs(r, gen_query, 3, m->query, 1);
}

static bool route_taken(const prec_set *s, const char *ns, const char *name)
{
    for (size_t i = 0; i < s->n_routes; i++) {
        if (strcmp(s->routes[i].ns, ns) == 0 && strcmp(s->routes[i].name, name) == 0)
            return true;
    }
    return false;
}

static bool str_in(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if ((v[i] == NULL && s == NULL) || (v[i] && s && strcmp(v[i], s) == 0))
            return true;
    }
    return false;
}

static void gen_route(prec_rng *r, prec_route *rt)
{
    memset(rt, 0, sizeof(*rt));
    rt->created = PICK(r, gen_created);
    size_t nh = prec_rng_below(r, 5) < 2 ? 0 : 1 + prec_rng_below(r, PREC_MAX_HOSTNAMES);
    for (size_t tries = 0; rt->n_hostnames < nh && tries < 8; tries++) {
        const char *h = PICK(r, gen_route_hosts);
        if (!str_in(rt->hostnames, rt->n_hostnames, h))
            rt->hostnames[rt->n_hostnames++] = h;
    }
    rt->n_rules = 1 + prec_rng_below(r, 3);
    for (size_t i = 0; i < rt->n_rules; i++) {
        prec_rule *rule = &rt->rules[i];
        rule->n_matches = prec_rng_below(r, 7) == 0 ? 0 : 1 + prec_rng_below(r, PREC_MAX_MATCHES);
        for (size_t k = 0; k < rule->n_matches; k++)
            gen_match(r, &rule->matches[k]);
    }
}

void prec_gen_set(prec_rng *r, prec_set *s)
{
    memset(s, 0, sizeof(*s));
    size_t nl = 1 + prec_rng_below(r, PREC_MAX_LISTENERS);
    for (size_t tries = 0; s->n_listeners < nl && tries < 12; tries++) {
        const char *h = PICK(r, gen_listener_hosts);
        if (!str_in(s->listeners, s->n_listeners, h))
            s->listeners[s->n_listeners++] = h;
    }
    size_t nr = 1 + prec_rng_below(r, PREC_MAX_ROUTES);
    for (size_t tries = 0; s->n_routes < nr && tries < 32; tries++) {
        const char *ns = PICK(r, gen_namespaces), *name = PICK(r, gen_names);
        if (route_taken(s, ns, name))
            continue;
        prec_route *rt = &s->routes[s->n_routes++];
        gen_route(r, rt);
        rt->ns = ns;
        rt->name = name;
    }
    s->no_fallthrough = prec_rng_below(r, 4) == 0;
}

/* A host the pattern matches ("*.x" → "w.x" or "v.w.x"), for requests. */
static void gen_host_for(prec_rng *r, const char *pattern, char *out, size_t n)
{
    if (pattern == NULL)
        snprintf(out, n, "other.net");
    else if (pattern[0] == '*')
        snprintf(out, n, "%s%s", prec_rng_below(r, 2) ? "w" : "v.w", pattern + 1);
    else
        snprintf(out, n, "%s", pattern);
}

static const char *gen_any_path(prec_rng *r, const prec_set *s)
{
    const char *v[PREC_MAX_ROUTES * PREC_MAX_RULES * PREC_MAX_MATCHES + 1];
    size_t n = 0;
    v[n++] = "/";
    for (size_t i = 0; i < s->n_routes; i++)
        for (size_t k = 0; k < s->routes[i].n_rules; k++)
            for (size_t m = 0; m < s->routes[i].rules[k].n_matches; m++)
                if (s->routes[i].rules[k].matches[m].path)
                    v[n++] = s->routes[i].rules[k].matches[m].path;
    return v[prec_rng_below(r, (uint32_t)n)];
}

void prec_gen_request(prec_rng *r, const prec_set *s, prec_request *q)
{
    memset(q, 0, sizeof(*q));
    /* Host: a listener's or a route's hostname (or none of them), sometimes in capitals or with
     * the port, which matching must ignore. */
    const char *pat = NULL;
    uint32_t pick = prec_rng_below(r, 8);
    if (pick < 3 && s->n_listeners)
        pat = s->listeners[prec_rng_below(r, (uint32_t)s->n_listeners)];
    else if (pick < 7 && s->n_routes) {
        const prec_route *rt = &s->routes[prec_rng_below(r, (uint32_t)s->n_routes)];
        pat = rt->n_hostnames ? rt->hostnames[prec_rng_below(r, (uint32_t)rt->n_hostnames)] : NULL;
    }
    gen_host_for(r, pat, q->host, sizeof(q->host));
    if (prec_rng_below(r, 8) == 0) {
        for (char *p = q->host; *p; p++)
            *p = (char)toupper((unsigned char)*p);
    }
    if (prec_rng_below(r, 8) == 0)
        strncat(q->host, ":80", sizeof(q->host) - strlen(q->host) - 1);
    /* Path: at a boundary of a configured value. */
    const char *v = gen_any_path(r, s);
    size_t len = strlen(v);
    switch (prec_rng_below(r, 6)) {
    case 0:
        snprintf(q->path, sizeof(q->path), "%s", v);
        break;
    case 1:
        snprintf(q->path, sizeof(q->path), "%s%s", v, v[len - 1] == '/' ? "" : "/");
        break;
    case 2:
        snprintf(q->path, sizeof(q->path), "%sx", v);
        break;
    case 3:
        snprintf(q->path, sizeof(q->path), "%s%sz", v, v[len - 1] == '/' ? "" : "/");
        break;
    case 4:
        snprintf(q->path, sizeof(q->path), "%.*s", (int)(len > 1 ? len - 1 : len), v);
        break;
    default:
        snprintf(q->path, sizeof(q->path), "/");
        break;
    }
    static const char *const methods[] = {"GET", "GET", "GET", "POST", "PUT"};
    q->method = PICK(r, methods);
    /* Headers: repeated names and other capitalisations happen. */
    static const prec_kv req_headers[] = {
        {"x", "1"}, {"X", "2"}, {"y", "1"}, {"Y", "2"}, {"z", "1"}};
    q->n_headers = prec_rng_below(r, PREC_MAX_REQ_HEADERS + 1);
    for (size_t i = 0; i < q->n_headers; i++)
        q->headers[i] = PICK(r, req_headers);
    static const char *const queries[] = {"", "", "q=1", "q=2", "r=1", "q=1&q=2", "q=2&r=1", "Q=1"};
    snprintf(q->query, sizeof(q->query), "%s", PICK(r, queries));
}

/* ---- oracle ---- */

/* Host as matched: "Implementations MUST ignore any port value specified in the HTTP Host
 * header while performing a match"; DNS names compare case-insensitively. */
static void oracle_host(const char *in, char *out, size_t n)
{
    size_t k = 0;
    for (; in[k] && in[k] != ':' && k + 1 < n; k++)
        out[k] = (char)tolower((unsigned char)in[k]);
    out[k] = '\0';
}

/* "Hostnames that are prefixed with a wildcard label (`*.`) are interpreted as a suffix match.
 * That means that a match for `*.example.com` would match both `test.example.com`, and
 * `foo.test.example.com`, but not `example.com`." */
static bool oracle_host_matches(const char *pattern, const char *host)
{
    if (pattern[0] != '*')
        return strcmp(pattern, host) == 0;
    size_t ls = strlen(pattern + 1), lh = strlen(host);
    return lh > ls && strcmp(host + lh - ls, pattern + 1) == 0;
}

/* The effective hostname of route hostname |r| on listener hostname |l| (either may be NULL:
 * none), or false when they do not intersect. A route hostname that does not match the
 * listener's "MUST be ignored"; what is left is the more specific of the two. */
static bool oracle_intersect(const char *l, const char *r, const char **out)
{
    if (l == NULL || r == NULL) {
        *out = l ? l : r;
        return true;
    }
    if (strcmp(l, r) == 0 || (l[0] == '*' && oracle_host_matches(l, r))) {
        *out = r;
        return true;
    }
    if (r[0] == '*' && oracle_host_matches(r, l)) {
        *out = l;
        return true;
    }
    if (l[0] == '*' && r[0] == '*') {
        /* Both wildcards: one suffix contains the other. */
        size_t a = strlen(l), b = strlen(r);
        const char *longer = a > b ? l : r, *shorter = a > b ? r : l;
        size_t ll = strlen(longer), ls = strlen(shorter);
        if (strcmp(longer + ll - (ls - 1), shorter + 1) == 0) {
            *out = longer;
            return true;
        }
    }
    return false;
}

/* Listener selection and isolation: the exact hostname, else the longest matching wildcard,
 * else the listener without hostname. Returns the index or -1. */
static int oracle_listener(const prec_set *s, const char *host)
{
    int best = -1;
    size_t best_len = 0;
    bool best_exact = false;
    for (size_t i = 0; i < s->n_listeners; i++) {
        const char *l = s->listeners[i];
        if (l == NULL) {
            if (best < 0)
                best = (int)i;
            continue;
        }
        if (!oracle_host_matches(l, host))
            continue;
        bool exact = l[0] != '*';
        size_t len = strlen(l);
        if (best < 0 || s->listeners[best] == NULL || (exact && !best_exact) ||
            (exact == best_exact && len > best_len)) {
            best = (int)i;
            best_len = len;
            best_exact = exact;
        }
    }
    return best;
}

/* A route is Accepted when some listener admits it; it attaches to every listener whose
 * hostname intersects (no sectionName: "all listeners"). */
static bool oracle_route_attaches(const prec_route *rt, const char *l)
{
    if (rt->n_hostnames == 0)
        return true;
    for (size_t i = 0; i < rt->n_hostnames; i++) {
        const char *e;
        if (oracle_intersect(l, rt->hostnames[i], &e))
            return true;
    }
    return false;
}

/* One candidate: a (effective hostname, route, rule, match) and the keys the spec orders by. */
typedef struct oracle_cand {
    const char *eff; /* NULL: no hostname on either side */
    const prec_route *route;
    size_t rule, match;
    const prec_match *m; /* NULL: a rule without matches */
} oracle_cand;

/* "precedence must be given to rules from the HTTPRoute with the largest number of:
 * Characters in a matching non-wildcard hostname. Characters in a matching hostname." */
static int oracle_cmp_host(const char *a, const char *b)
{
    size_t na = a && a[0] != '*' ? strlen(a) : 0, nb = b && b[0] != '*' ? strlen(b) : 0;
    if (na != nb)
        return na > nb ? -1 : 1;
    size_t ca = a ? strlen(a) : 0, cb = b ? strlen(b) : 0;
    if (ca != cb)
        return ca > cb ? -1 : 1;
    return 0;
}

/* Creation time as written; the generator writes one format, so the strings order as times.
 * A route without one is newer than every route with one. */
static int oracle_cmp_age(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b ? 0 : (a == NULL ? 1 : -1);
    return strcmp(a, b);
}

/* The HTTPRoute rules[].matches text: "precedence MUST be given to the rule with the largest
 * number of: Characters in a matching hostname ... If ties still exist across multiple Routes
 * ... The oldest Route based on creation timestamp. The Route appearing first in alphabetical
 * order by '{namespace}/{name}'. If ties still exist within an HTTPRoute, matching precedence
 * MUST be granted to the FIRST matching rule (in list order)". Path, method, header and query
 * keys come from the same list: Exact path before PathPrefix, characters in the path (a
 * trailing '/' counts, docs/control.md), a method match, the most header matches, the most
 * query param matches. */
static int oracle_cmp(const oracle_cand *a, const oracle_cand *b)
{
    int c = oracle_cmp_host(a->eff, b->eff);
    if (c)
        return c;
    prec_path_type ta = a->m && a->m->path ? a->m->path_type : PREC_PATH_PREFIX;
    prec_path_type tb = b->m && b->m->path ? b->m->path_type : PREC_PATH_PREFIX;
    if (ta != tb)
        return ta == PREC_PATH_EXACT ? -1 : 1;
    size_t pa = a->m && a->m->path ? strlen(a->m->path) : 1;
    size_t pb = b->m && b->m->path ? strlen(b->m->path) : 1;
    if (pa != pb)
        return pa > pb ? -1 : 1;
    bool ma = a->m && a->m->method, mb = b->m && b->m->method;
    if (ma != mb)
        return ma ? -1 : 1;
    size_t ha = a->m ? a->m->n_headers : 0, hb = b->m ? b->m->n_headers : 0;
    if (ha != hb)
        return ha > hb ? -1 : 1;
    size_t qa = a->m ? a->m->n_query : 0, qb = b->m ? b->m->n_query : 0;
    if (qa != qb)
        return qa > qb ? -1 : 1;
    if (a->route != b->route) {
        c = oracle_cmp_age(a->route->created, b->route->created);
        if (c)
            return c;
        char ka[160], kb[160];
        snprintf(ka, sizeof(ka), "%s/%s", a->route->ns, a->route->name);
        snprintf(kb, sizeof(kb), "%s/%s", b->route->ns, b->route->name);
        c = strcmp(ka, kb);
        if (c)
            return c;
    }
    if (a->rule != b->rule)
        return a->rule < b->rule ? -1 : 1;
    return a->match < b->match ? -1 : (a->match > b->match);
}

/* PathPrefix: "Matches based on a URL path prefix split by `/`. Matching is done on a path
 * element by element basis." Trailing slashes of the value do not change what it matches. */
static bool oracle_path(const prec_match *m, const char *path)
{
    if (m->path == NULL)
        return true;
    if (m->path_type == PREC_PATH_EXACT)
        return strcmp(m->path, path) == 0;
    size_t n = strlen(m->path);
    while (n > 0 && m->path[n - 1] == '/')
        n--;
    return n == 0 || (strncmp(path, m->path, n) == 0 && (path[n] == '\0' || path[n] == '/'));
}

/* Header names compare case-insensitively, values exactly; with repeated request headers any
 * field line may match (docs/control.md). */
static bool oracle_header(const prec_request *q, const prec_kv *kv)
{
    for (size_t i = 0; i < q->n_headers; i++) {
        if (strcasecmp(q->headers[i].name, kv->name) == 0 &&
            strcmp(q->headers[i].value, kv->value) == 0)
            return true;
    }
    return false;
}

/* Query parameter names compare exactly; only the first occurrence of a name counts. */
static bool oracle_query(const prec_request *q, const prec_kv *kv)
{
    const char *p = q->query;
    size_t nl = strlen(kv->name);
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nl && p[nl] == '=' && strncmp(p, kv->name, nl) == 0)
            return len - nl - 1 == strlen(kv->value) &&
                   strncmp(p + nl + 1, kv->value, len - nl - 1) == 0;
        if (len == nl && strncmp(p, kv->name, nl) == 0)
            return kv->value[0] == '\0';
        p += len + (end != NULL);
    }
    return false;
}

static bool oracle_holds(const prec_match *m, const prec_request *q)
{
    if (m == NULL)
        return true;
    if (!oracle_path(m, q->path))
        return false;
    if (m->method && strcmp(m->method, q->method) != 0)
        return false;
    for (size_t i = 0; i < m->n_headers; i++) {
        if (!oracle_header(q, &m->headers[i]))
            return false;
    }
    for (size_t i = 0; i < m->n_query; i++) {
        if (!oracle_query(q, &m->query[i]))
            return false;
    }
    return true;
}

/* Every candidate of |rt| on listener |l| for |host|: one per distinct effective hostname that
 * matches the host, rule and match. Returns the new count. */
static size_t oracle_route_cands(const prec_route *rt, const char *l, const char *host,
                                 oracle_cand *out, size_t n)
{
    const char *effs[PREC_MAX_HOSTNAMES + 1];
    size_t ne = 0;
    size_t nh = rt->n_hostnames ? rt->n_hostnames : 1;
    for (size_t i = 0; i < nh; i++) {
        const char *e;
        if (!oracle_intersect(l, rt->n_hostnames ? rt->hostnames[i] : NULL, &e))
            continue;
        if (e && !oracle_host_matches(e, host))
            continue;
        bool dup = false;
        for (size_t k = 0; k < ne; k++)
            dup |= (effs[k] == NULL && e == NULL) || (effs[k] && e && strcmp(effs[k], e) == 0);
        if (!dup)
            effs[ne++] = e;
    }
    for (size_t i = 0; i < ne; i++) {
        for (size_t k = 0; k < rt->n_rules; k++) {
            const prec_rule *rule = &rt->rules[k];
            size_t nm = rule->n_matches ? rule->n_matches : 1;
            for (size_t m = 0; m < nm; m++)
                out[n++] = (oracle_cand){.eff = effs[i],
                                         .route = rt,
                                         .rule = k,
                                         .match = m,
                                         .m = rule->n_matches ? &rule->matches[m] : NULL};
        }
    }
    return n;
}

void prec_oracle(const prec_set *s, const prec_request *q, prec_answer *out)
{
    memset(out, 0, sizeof(*out));
    char host[sizeof(q->host)];
    oracle_host(q->host, host, sizeof(host));
    int li = oracle_listener(s, host);
    if (li < 0) {
        out->outcome = PREC_NO_LISTENER;
        return;
    }
    const char *l = s->listeners[li];
    oracle_cand
        cands[PREC_MAX_ROUTES * (PREC_MAX_HOSTNAMES + 1) * PREC_MAX_RULES * PREC_MAX_MATCHES];
    size_t n = 0;
    for (size_t i = 0; i < s->n_routes; i++) {
        if (oracle_route_attaches(&s->routes[i], l))
            n = oracle_route_cands(&s->routes[i], l, host, cands, n);
    }
    /* Without fall-through only the most specific hostname present on the listener for this
     * host is consulted, whether or not its rules match (a virtual host per hostname). */
    const char *top = NULL;
    bool have_top = false;
    for (size_t i = 0; i < n; i++) {
        if (!have_top || oracle_cmp_host(cands[i].eff, top) < 0) {
            top = cands[i].eff;
            have_top = true;
        }
    }
    const oracle_cand *best = NULL;
    for (size_t i = 0; i < n; i++) {
        if (s->no_fallthrough && oracle_cmp_host(cands[i].eff, top) != 0)
            continue;
        if (!oracle_holds(cands[i].m, q))
            continue;
        if (best == NULL || oracle_cmp(&cands[i], best) < 0)
            best = &cands[i];
    }
    if (best == NULL) {
        out->outcome = PREC_NO_ROUTE;
        return;
    }
    out->outcome = PREC_MATCHED;
    snprintf(out->route, sizeof(out->route), "%s/%s", best->route->ns, best->route->name);
    out->rule = best->rule;
}

/* ---- manifests ---- */

/* The indentation of the next key of a match: the first one opens the list item. */
static const char *yaml_key_prefix(bool *first)
{
    const char *p = *first ? "    - " : "      ";
    *first = false;
    return p;
}

static void yaml_kvs(gs_buf *b, bool *first, const char *key, const prec_kv *kv, size_t n)
{
    if (n == 0)
        return;
    gs_buf_printf(b, "%s%s: [", yaml_key_prefix(first), key);
    for (size_t i = 0; i < n; i++)
        gs_buf_printf(b, "%s{name: \"%s\", value: \"%s\"}", i ? ", " : "", kv[i].name, kv[i].value);
    gs_buf_puts(b, "]\n");
}

static void yaml_match(gs_buf *b, const prec_match *m)
{
    bool first = true;
    if (m->path)
        gs_buf_printf(b, "%spath: {type: %s, value: \"%s\"}\n", yaml_key_prefix(&first),
                      m->path_type == PREC_PATH_EXACT ? "Exact" : "PathPrefix", m->path);
    if (m->method)
        gs_buf_printf(b, "%smethod: %s\n", yaml_key_prefix(&first), m->method);
    yaml_kvs(b, &first, "headers", m->headers, m->n_headers);
    yaml_kvs(b, &first, "queryParams", m->query, m->n_query);
    if (first)
        gs_buf_puts(b, "    - {}\n");
}

char *prec_manifest(const prec_set *s)
{
    gs_buf b = {0};
    gs_buf_puts(&b, "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n"
                    "metadata: {name: gs}\nspec: {controllerName: gatesim.dev/gateway-controller}\n"
                    "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
                    "metadata: {name: gw, namespace: infra}\nspec:\n  gatewayClassName: gs\n"
                    "  listeners:\n");
    for (size_t i = 0; i < s->n_listeners; i++) {
        gs_buf_printf(&b, "  - {name: l%zu, protocol: HTTP, port: 80, ", i);
        if (s->listeners[i])
            gs_buf_printf(&b, "hostname: \"%s\", ", s->listeners[i]);
        gs_buf_puts(&b, "allowedRoutes: {namespaces: {from: All}}}\n");
    }
    const char *seen[PREC_MAX_ROUTES];
    size_t n_seen = 0;
    for (size_t i = 0; i < s->n_routes; i++) {
        if (str_in(seen, n_seen, s->routes[i].ns))
            continue;
        seen[n_seen++] = s->routes[i].ns;
        gs_buf_printf(&b,
                      "---\napiVersion: v1\nkind: Service\nmetadata: {name: app, namespace: %s}\n"
                      "spec: {ports: [{port: 80}]}\n",
                      s->routes[i].ns);
    }
    for (size_t i = 0; i < s->n_routes; i++) {
        const prec_route *rt = &s->routes[i];
        gs_buf_printf(&b,
                      "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                      "metadata: {name: %s, namespace: %s",
                      rt->name, rt->ns);
        if (rt->created)
            gs_buf_printf(&b, ", creationTimestamp: \"%s\"", rt->created);
        gs_buf_puts(&b, "}\nspec:\n  parentRefs: [{name: gw, namespace: infra}]\n");
        if (rt->n_hostnames) {
            gs_buf_puts(&b, "  hostnames: [");
            for (size_t k = 0; k < rt->n_hostnames; k++)
                gs_buf_printf(&b, "%s\"%s\"", k ? ", " : "", rt->hostnames[k]);
            gs_buf_puts(&b, "]\n");
        }
        gs_buf_puts(&b, "  rules:\n");
        for (size_t k = 0; k < rt->n_rules; k++) {
            const prec_rule *rule = &rt->rules[k];
            gs_buf_puts(&b, "  - backendRefs: [{name: app, port: 80}]\n");
            if (rule->n_matches)
                gs_buf_puts(&b, "    matches:\n");
            for (size_t m = 0; m < rule->n_matches; m++)
                yaml_match(&b, &rule->matches[m]);
        }
    }
    return gs_buf_take(&b);
}

bool prec_answer_equal(const prec_answer *a, const prec_answer *b)
{
    if (a->outcome != b->outcome)
        return false;
    if (a->outcome != PREC_MATCHED)
        return a->outcome != PREC_ERROR;
    return strcmp(a->route, b->route) == 0 && a->rule == b->rule;
}

void prec_answer_format(const prec_answer *a, char *out, size_t n)
{
    switch (a->outcome) {
    case PREC_MATCHED:
        snprintf(out, n, "%s rule %zu", a->route, a->rule);
        break;
    case PREC_NO_LISTENER:
        snprintf(out, n, "404 (no listener for the Host)");
        break;
    case PREC_NO_ROUTE:
        snprintf(out, n, "404 (no route matches)");
        break;
    case PREC_ERROR:
        snprintf(out, n, "error: %s", a->route);
        break;
    }
}

void prec_request_format(const prec_request *r, char *out, size_t n)
{
    int used = snprintf(out, n, "%s %s%s%s  Host: %s", r->method, r->path, r->query[0] ? "?" : "",
                        r->query, r->host);
    for (size_t i = 0; i < r->n_headers && used > 0 && (size_t)used < n; i++)
        used += snprintf(out + used, n - (size_t)used, "  %s: %s", r->headers[i].name,
                         r->headers[i].value);
}
