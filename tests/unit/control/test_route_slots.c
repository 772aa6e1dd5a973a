/* SPDX-License-Identifier: MIT */
/* The compiled path slots of the route table (several candidates under one key, the best one
 * inlined, values and header/query matches too long to inline, probe chains in crowded
 * buckets), and a differential check: random tables and requests, every lookup compared with a
 * brute-force scan that applies the precedence of docs/semantics.md to all candidates. */
#include "gs_alloc.h"
#include "gs_route_table.h"
#include "gs_test.h"
#include "route_fixture.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static gs_rt_backend backend = {.namespace = "default", .name = "svc", .port = 80, .weight = 1};

/* One rule with one match. */
static void add_match_route(const char *name, int64_t created, const gs_rt_match *m)
{
    gs_rt_rule rule = {.matches = m, .n_matches = 1, .backends = &backend, .n_backends = 1};
    add_route("default", name, created, NULL, &rule, 1);
}

static const char *winner(gs_rt_result r)
{
    static char buf[256];
    if (r.outcome != GS_RT_MATCHED) {
        snprintf(buf, sizeof(buf), "%d", r.http_status);
        return buf;
    }
    snprintf(buf, sizeof(buf), "%s#%zu.%zu", r.route->name, r.rule->index, r.match_index);
    return buf;
}

/* ---- fixed cases --------------------------------------------------------------------------- */

START_TEST(slot_candidates_after_the_first)
{
    /* "/x/" and "/x" share the key "/x"; "/x/" ranks first (longer value) but needs a header,
     * then a method; the plain "/x" is the fallback. All three live in one slot. */
    gs_rt_kv_match hv = {.name = "x-v", .value = "1"};
    gs_rt_match a = {
        .path = {.type = GS_RT_MATCH_PREFIX, .value = "/x/"}, .headers = &hv, .n_headers = 1};
    gs_rt_match b = {.path = {.type = GS_RT_MATCH_PREFIX, .value = "/x/"}, .method = "POST"};
    gs_rt_match c = {.path = {.type = GS_RT_MATCH_PREFIX, .value = "/x"}};
    add_match_route("c", 1, &c);
    add_match_route("b", 2, &b);
    add_match_route("a", 3, &a);
    ck_assert_int_eq(gs_route_table_compile(table, NULL), 0);

    gs_rt_header h = {.name = "X-V", .value = "1"};
    gs_rt_result r = lookup_req("h", "GET", "/x/y", &h, 1);
    ck_assert_str_eq(winner(r), "a#0.0");
    ck_assert_str_eq(r.matched_prefix, "/x/");
    r = lookup_req("h", "POST", "/x", NULL, 0);
    ck_assert_str_eq(winner(r), "b#0.0");
    ck_assert_str_eq(r.matched_prefix, "/x/");
    r = lookup_req("h", "GET", "/x?q", NULL, 0);
    ck_assert_str_eq(winner(r), "c#0.0");
    ck_assert_str_eq(r.matched_prefix, "/x");
    ck_assert_str_eq(winner(lookup_req("h", "GET", "/xy", NULL, 0)), "404");
}
END_TEST

START_TEST(long_values_methods_and_matches_out_of_line)
{
    /* A path value, a method and header/query matches too long for the slot's inline bytes. */
    char longpath[200];
    memset(longpath, 'p', sizeof(longpath));
    longpath[0] = '/';
    longpath[120] = '\0';
    char longval[100];
    memset(longval, 'v', sizeof(longval));
    longval[99] = '\0';
    gs_rt_kv_match hv[] = {{.name = "x-a-rather-long-header-name", .value = longval},
                           {.type = GS_RT_MATCH_REGEX, .name = "x-n", .value = "[0-9]+"}};
    gs_rt_kv_match qv[] = {{.name = "q", .value = "1"}};
    gs_rt_match m = {.path = {.type = GS_RT_MATCH_EXACT, .value = longpath},
                     .method = "PROPFINDALL",
                     .headers = hv,
                     .n_headers = 2,
                     .query = qv,
                     .n_query = 1};
    gs_rt_match fallback = {.path = {.type = GS_RT_MATCH_PREFIX, .value = longpath}};
    add_match_route("long", 1, &m);
    add_match_route("fallback", 2, &fallback);
    ck_assert_int_eq(gs_route_table_compile(table, NULL), 0);

    char path[300];
    snprintf(path, sizeof(path), "%s?q=1", longpath);
    gs_rt_header h[] = {{.name = "x-a-rather-long-header-name", .value = longval},
                        {.name = "x-n", .value = "42"}};
    gs_rt_result r = lookup_req("h", "PROPFINDALL", path, h, 2);
    ck_assert_str_eq(winner(r), "long#0.0");
    ck_assert_ptr_null(r.matched_prefix);
    /* Each condition failing in turn falls back to the prefix rule. */
    ck_assert_str_eq(winner(lookup_req("h", "PROPFINDALX", path, h, 2)), "fallback#0.0");
    ck_assert_str_eq(winner(lookup_req("h", "PROPFINDALL", longpath, h, 2)), "fallback#0.0");
    h[1].value = "4x";
    ck_assert_str_eq(winner(lookup_req("h", "PROPFINDALL", path, h, 2)), "fallback#0.0");
    h[1].value = "42";
    h[0].value = "v";
    r = lookup_req("h", "PROPFINDALL", path, h, 2);
    ck_assert_str_eq(winner(r), "fallback#0.0");
    ck_assert_str_eq(r.matched_prefix, longpath);
}
END_TEST

START_TEST(crowded_bucket_probe_chains)
{
    /* 600 Exact and 600 PathPrefix keys in one bucket: every key is found through its probe
     * chain, keys that are not there are not. */
    enum { N = 600 };
    static char paths[N][24];
    for (int i = 0; i < N; i++) {
        snprintf(paths[i], sizeof(paths[i]), "/k%d", i);
        char name[16];
        snprintf(name, sizeof(name), "r%d", i);
        gs_rt_match m[] = {{.path = {.type = GS_RT_MATCH_EXACT, .value = paths[i]}},
                           {.path = {.type = GS_RT_MATCH_PREFIX, .value = paths[i]}}};
        gs_rt_rule rule = {.matches = m, .n_matches = 2, .backends = &backend, .n_backends = 1};
        add_route("default", name, i, "h.test", &rule, 1);
    }
    ck_assert_int_eq(gs_route_table_compile(table, NULL), 0);
    for (int i = 0; i < N; i++) {
        char want[32], path[64];
        snprintf(want, sizeof(want), "r%d#0.0", i);
        ck_assert_str_eq(winner(lookup_req("h.test", "GET", paths[i], NULL, 0)), want);
        snprintf(want, sizeof(want), "r%d#0.1", i);
        snprintf(path, sizeof(path), "%.24s/more", paths[i]);
        ck_assert_str_eq(winner(lookup_req("h.test", "GET", path, NULL, 0)), want);
        snprintf(path, sizeof(path), "/k%dx", i + N);
        ck_assert_str_eq(winner(lookup_req("h.test", "GET", path, NULL, 0)), "404");
    }
}
END_TEST

START_TEST(grpc_header_matches_are_packed_too)
{
    /* gRPC candidates keep their header matches in the same packed form: exact and regex values,
     * a repeated name counted once, on each of the three gRPC indexes. */
    gs_rt_kv_match h2[] = {{.name = "x-tier", .value = "gold"},
                           {.type = GS_RT_MATCH_REGEX, .name = "x-id", .value = "[0-9]{3}"},
                           {.name = "X-Tier", .value = "silver"}};
    gs_rt_kv_match h1[] = {{.type = GS_RT_MATCH_REGEX, .name = "x-id", .value = "[0-9]+"}};
    gs_rt_grpc_match ms[] = {
        {.service = "svc.A", .method = "Get", .headers = h2, .n_headers = 3},
        {.service = "svc.A", .headers = h1, .n_headers = 1},
        {.method = "Get", .headers = h1, .n_headers = 1},
        {.service = "svc.A", .method = "Get"},
    };
    gs_rt_rule rules[4];
    for (int i = 0; i < 4; i++)
        rules[i] = (gs_rt_rule){.grpc_matches = &ms[i], .n_grpc_matches = 1};
    gs_rt_route r = {
        .kind = GS_RT_ROUTE_GRPC, .namespace = "ns", .name = "g", .rules = rules, .n_rules = 4};
    gs_error err = {0};
    ck_assert_int_eq(gs_route_table_add_route(table, &r, &l_http, 1, &err), 0);
    ck_assert_int_eq(gs_route_table_compile(table, NULL), 0);

    gs_rt_header gold[] = {{.name = "X-Tier", .value = "gold"}, {.name = "x-id", .value = "123"}};
    ck_assert_str_eq(winner(lookup_req("h", "POST", "/svc.A/Get", gold, 2)), "g#0.0");
    gs_rt_header silver[] = {{.name = "x-tier", .value = "silver"},
                             {.name = "x-id", .value = "123"}};
    ck_assert_str_eq(winner(lookup_req("h", "POST", "/svc.A/Get", silver, 2)), "g#3.0");
    gs_rt_header id4[] = {{.name = "x-id", .value = "1234"}};
    ck_assert_str_eq(winner(lookup_req("h", "POST", "/svc.A/Put", id4, 1)), "g#1.0");
    ck_assert_str_eq(winner(lookup_req("h", "POST", "/svc.B/Get", id4, 1)), "g#2.0");
    ck_assert_str_eq(winner(lookup_req("h", "POST", "/svc.B/Get", NULL, 0)), "404");
    gs_rt_header bad[] = {{.name = "x-id", .value = "12a"}};
    ck_assert_str_eq(winner(lookup_req("h", "POST", "/svc.A/Put", bad, 1)), "404");
}
END_TEST

/* ---- differential check against a brute-force scan ------------------------------------------ */

enum { MAX_ROUTES = 40, MAX_RULES = 3, MAX_MATCHES = 2 };

typedef struct spec_route {
    char name[16];
    const char *ns;
    const char *host; /* "h.test", "*.test" or NULL */
    int64_t created;
    size_t n_rules;
    gs_rt_rule rules[MAX_RULES];
    gs_rt_match matches[MAX_RULES][MAX_MATCHES];
} spec_route;

static spec_route spec[MAX_ROUTES];
static size_t n_spec;
static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)((rng >> 20) % n);
}

#define LONGP "/long/abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
static const char *const cfg_paths[] = {"/",   "/a",  "/a/", "/a/b", "/a/b/", "/ab",    "/a/b/c",
                                        "/k1", "/k2", "/k3", "/k4",  LONGP,   LONGP "/"};
static const char *const cfg_methods[] = {NULL, NULL, "GET", "POST", "PROPFINDX"};
static const gs_rt_kv_match cfg_headers[] = {
    {.name = "x-a", .value = "1"},
    {.name = "X-A", .value = "2"}, /* a repeat of x-a when both are present: ignored */
    {.name = "x-b", .value = "2"},
    {.type = GS_RT_MATCH_REGEX, .name = "x-n", .value = "[0-9]+"},
    {.name = "x-long-header-name-that-does-not-fit", .value = "and-a-long-value-too-0123456789"},
};
static const gs_rt_kv_match cfg_query[] = {
    {.name = "q", .value = "1"},
    {.name = "r", .value = "2"},
    {.name = "q", .value = "2"},
    {.type = GS_RT_MATCH_REGEX, .name = "s", .value = "[0-9]+"},
};
static gs_rt_kv_match pool_h[MAX_ROUTES][MAX_RULES][MAX_MATCHES][3];
static gs_rt_kv_match pool_q[MAX_ROUTES][MAX_RULES][MAX_MATCHES][2];

static void spec_build(void)
{
    static const char *const hosts[] = {"h.test", "*.test", NULL};
    n_spec = 1 + rnd(MAX_ROUTES);
    for (size_t i = 0; i < n_spec; i++) {
        spec_route *r = &spec[i];
        snprintf(r->name, sizeof(r->name), "r%u", (unsigned)i);
        r->ns = rnd(2) ? "a" : "b";
        r->host = hosts[rnd(3)];
        r->created = rnd(4);
        r->n_rules = 1 + rnd(MAX_RULES);
        for (size_t k = 0; k < r->n_rules; k++) {
            size_t nm = rnd(MAX_MATCHES + 1); /* 0: the default match */
            for (size_t j = 0; j < nm; j++) {
                gs_rt_match *m = &r->matches[k][j];
                *m = (gs_rt_match){0};
                m->path.type = rnd(2) ? GS_RT_MATCH_PREFIX : GS_RT_MATCH_EXACT;
                m->path.value = cfg_paths[rnd(GS_ARRAY_LEN(cfg_paths))];
                m->method = cfg_methods[rnd(GS_ARRAY_LEN(cfg_methods))];
                m->n_headers = rnd(4);
                for (size_t h = 0; h < m->n_headers; h++)
                    pool_h[i][k][j][h] = cfg_headers[rnd(GS_ARRAY_LEN(cfg_headers))];
                m->headers = pool_h[i][k][j];
                m->n_query = rnd(3);
                for (size_t q = 0; q < m->n_query; q++)
                    pool_q[i][k][j][q] = cfg_query[rnd(GS_ARRAY_LEN(cfg_query))];
                m->query = pool_q[i][k][j];
            }
            r->rules[k] = (gs_rt_rule){
                .matches = r->matches[k], .n_matches = nm, .backends = &backend, .n_backends = 1};
        }
        add_route(r->ns, r->name, r->created, r->host, r->rules, r->n_rules);
    }
}

/* The request the oracle sees. */
typedef struct oreq {
    const char *host, *method, *path;
    const gs_rt_header *h;
    size_t n_h;
} oreq;

static bool o_value(const gs_rt_kv_match *m, const char *v, size_t len)
{
    if (m->type == GS_RT_MATCH_REGEX) { /* the only patterns used: [0-9]+ */
        for (size_t i = 0; i < len; i++)
            if (!isdigit((unsigned char)v[i]))
                return false;
        return len > 0;
    }
    return strlen(m->value) == len && memcmp(m->value, v, len) == 0;
}

/* Distinct names only (the first of a repeated name counts); returns how many. */
static size_t o_distinct(const gs_rt_kv_match *m, size_t n, bool ci, const gs_rt_kv_match **out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = ci ? strcasecmp(out[j]->name, m[i].name) == 0
                     : strcmp(out[j]->name, m[i].name) == 0;
        if (!dup)
            out[k++] = &m[i];
    }
    return k;
}

static bool o_match(const gs_rt_match *m, const oreq *q)
{
    const char *qs = strchr(q->path, '?');
    size_t pl = qs ? (size_t)(qs - q->path) : strlen(q->path);
    const char *v = m->path.value;
    size_t vl = strlen(v);
    if (m->path.type == GS_RT_MATCH_EXACT) {
        if (vl != pl || memcmp(v, q->path, pl) != 0)
            return false;
    } else {
        while (vl > 0 && v[vl - 1] == '/')
            vl--;
        if (vl > pl || memcmp(v, q->path, vl) != 0 || (vl < pl && vl > 0 && q->path[vl] != '/'))
            return false;
    }
    if (m->method && strcmp(m->method, q->method) != 0)
        return false;
    const gs_rt_kv_match *d[4];
    size_t nd = o_distinct(m->headers, m->n_headers, true, d);
    for (size_t i = 0; i < nd; i++) {
        bool ok = false;
        for (size_t j = 0; j < q->n_h && !ok; j++)
            ok = strcasecmp(q->h[j].name, d[i]->name) == 0 &&
                 o_value(d[i], q->h[j].value, strlen(q->h[j].value));
        if (!ok)
            return false;
    }
    nd = o_distinct(m->query, m->n_query, false, d);
    for (size_t i = 0; i < nd; i++) {
        bool ok = false, found = false;
        for (const char *p = qs ? qs + 1 : NULL; p && !found;) {
            const char *amp = strchr(p, '&');
            size_t len = amp ? (size_t)(amp - p) : strlen(p);
            const char *eq = memchr(p, '=', len);
            size_t nl = eq ? (size_t)(eq - p) : len;
            if (nl == strlen(d[i]->name) && memcmp(p, d[i]->name, nl) == 0) {
                found = true;
                ok = eq ? o_value(d[i], eq + 1, len - nl - 1) : o_value(d[i], "", 0);
            }
            p = amp ? amp + 1 : NULL;
        }
        if (!ok)
            return false;
    }
    return true;
}

/* A candidate's sort key, in precedence order (smaller wins). */
typedef struct okey {
    long k[10];
} okey;

static const gs_rt_match o_default = {.path = {.type = GS_RT_MATCH_PREFIX, .value = "/"}};

static okey o_key(const spec_route *r, size_t ri, size_t rank, const gs_rt_match *m, size_t mi)
{
    const gs_rt_kv_match *d[4];
    okey k = {{(long)rank, m->path.type == GS_RT_MATCH_EXACT ? 0 : 1, -(long)strlen(m->path.value),
               m->method ? 0 : 1, -(long)o_distinct(m->headers, m->n_headers, true, d),
               -(long)o_distinct(m->query, m->n_query, false, d), (long)r->created, 0, (long)ri,
               (long)mi}};
    return k;
}

static int o_cmp(const okey *a, const spec_route *ra, const okey *b, const spec_route *rb)
{
    for (int i = 0; i < 10; i++) {
        if (i == 7 && ra != rb) {
            int c = strcmp(ra->ns, rb->ns);
            if (c == 0)
                c = strcmp(ra->name, rb->name);
            if (c)
                return c;
        }
        if (a->k[i] != b->k[i])
            return a->k[i] < b->k[i] ? -1 : 1;
    }
    return 0;
}

/* Hostname bucket rank of |host| for request host |h|, or -1 when it does not apply. */
static int o_host_rank(const char *host, const char *h)
{
    if (host == NULL)
        return 2;
    if (strcmp(host, h) == 0)
        return 0;
    const char *dot = strchr(h, '.');
    return host[0] == '*' && dot && strcmp(host + 1, dot) == 0 ? 1 : -1;
}

static void o_expect(const oreq *q, char *buf, size_t cap, const char **prefix, const char **host)
{
    const spec_route *best_r = NULL;
    okey best = {{0}};
    const gs_rt_match *best_m = NULL;
    for (size_t i = 0; i < n_spec; i++) {
        const spec_route *r = &spec[i];
        int rank = o_host_rank(r->host, q->host);
        if (rank < 0)
            continue;
        for (size_t k = 0; k < r->n_rules; k++) {
            size_t nm = r->rules[k].n_matches ? r->rules[k].n_matches : 1;
            for (size_t j = 0; j < nm; j++) {
                const gs_rt_match *m = r->rules[k].n_matches ? &r->matches[k][j] : &o_default;
                if (!o_match(m, q))
                    continue;
                okey key = o_key(r, k, (size_t)rank, m, j);
                if (best_r == NULL || o_cmp(&key, r, &best, best_r) < 0) {
                    best = key;
                    best_r = r;
                    best_m = m;
                }
            }
        }
    }
    if (best_r == NULL) {
        snprintf(buf, cap, "404");
        *prefix = *host = NULL;
        return;
    }
    snprintf(buf, cap, "%s#%ld.%ld", best_r->name, best.k[8], best.k[9]);
    *prefix = best_m->path.type == GS_RT_MATCH_PREFIX ? best_m->path.value : NULL;
    *host = best_r->host;
}

static const char *const req_paths[] = {
    "/",        "/a",         "/a/",          "/a/b",     "/a/b/",       "/a/b/c",
    "/a/b/c/d", "/ab",        "/abc",         "/a/bc",    "/k1",         "/k2/x",
    "/k3?q=1",  "/a?q=1&r=2", "/a/b?q=2&q=1", "/a/?s=42", "/ab?r=2&s=x", "/a/b/c?q",
    LONGP,      LONGP "/",    LONGP "/x?q=1", "/zz"};
static const char *const req_methods[] = {"GET", "POST", "PROPFINDX", "PROPFIND"};
static const gs_rt_header req_headers[] = {
    {.name = "x-a", .value = "1"},
    {.name = "X-A", .value = "2"},
    {.name = "x-b", .value = "2"},
    {.name = "X-N", .value = "77"},
    {.name = "x-n", .value = "7a"},
    {.name = "x-long-header-name-that-does-not-fit", .value = "and-a-long-value-too-0123456789"},
};
static const char *const req_hosts[] = {"h.test", "x.test", "h.other"};

START_TEST(lookup_agrees_with_brute_force_precedence)
{
    size_t checked = 0, matched = 0;
    for (int trial = 0; trial < 120; trial++) {
        rt_fixture_reset(NULL, NULL);
        spec_build();
        ck_assert_int_eq(gs_route_table_compile(table, NULL), 0);
        for (int n = 0; n < 150; n++) {
            gs_rt_header h[4];
            size_t nh = rnd(5);
            for (size_t i = 0; i < nh; i++)
                h[i] = req_headers[rnd(GS_ARRAY_LEN(req_headers))];
            oreq q = {req_hosts[rnd(3)], req_methods[rnd(4)],
                      req_paths[rnd(GS_ARRAY_LEN(req_paths))], h, nh};
            char want[64];
            const char *want_prefix, *want_host;
            o_expect(&q, want, sizeof(want), &want_prefix, &want_host);
            gs_rt_result r = lookup_req(q.host, q.method, q.path, q.h, q.n_h);
            ck_assert_msg(strcmp(winner(r), want) == 0,
                          "trial %d: %s %s (host %s, %zu headers): got %s, want %s", trial,
                          q.method, q.path, q.host, nh, winner(r), want);
            if (r.outcome == GS_RT_MATCHED) {
                matched++;
                if (want_prefix)
                    ck_assert_str_eq(r.matched_prefix, want_prefix);
                else
                    ck_assert_ptr_null(r.matched_prefix);
                if (want_host)
                    ck_assert_str_eq(r.hostname, want_host);
                else
                    ck_assert_ptr_null(r.hostname);
            }
            checked++;
        }
    }
    /* The mix must exercise both outcomes substantially. */
    ck_assert_uint_gt(matched, checked / 4);
    ck_assert_uint_lt(matched, checked);
}
END_TEST

static Suite *route_slots_suite(void)
{
    Suite *s = suite_create("route_slots");
    TCase *tc = tcase_create("slots");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, slot_candidates_after_the_first);
    tcase_add_test(tc, long_values_methods_and_matches_out_of_line);
    tcase_add_test(tc, crowded_bucket_probe_chains);
    tcase_add_test(tc, grpc_header_matches_are_packed_too);
    tcase_add_test(tc, lookup_agrees_with_brute_force_precedence);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(route_slots_suite());
}
