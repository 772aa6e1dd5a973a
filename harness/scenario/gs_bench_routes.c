/* SPDX-License-Identifier: MIT */
/* Route cases of `gatesim bench` (after gateway-api-bench): the data plane's cost with N
 * HTTPRoutes attached, how long a route change takes to be served, and traffic while routes
 * change. Everything goes through the target interface (gs_target_apply, gs_target_status), so
 * the builtin gateway, nginx and exec: targets are measured alike. */
#include "gs_bench_priv.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_time.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the objects of a route case ------------------------------------------------------------ */

/* Owned YAML documents: the base objects, a second Service for reweighting, then routes. */
typedef struct route_set {
    char **docs;
    size_t len, cap;
} route_set;

static void set_push(route_set *s, char *doc)
{
    if (s->len == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->docs = gs_xrealloc(s->docs, s->cap * sizeof(*s->docs));
    }
    s->docs[s->len++] = doc;
}

static void set_clear(route_set *s)
{
    for (size_t k = 0; k < s->len; k++)
        free(s->docs[k]);
    free(s->docs);
    memset(s, 0, sizeof(*s));
}

/* A route |name| sending PathPrefix |prefix| to echo (weight |w|) and echo-b (100 - w). */
static char *route_doc(const char *name, const char *prefix, unsigned w)
{
    return gs_xasprintf(
        "{apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: %s, "
        "namespace: bench}, spec: {parentRefs: [{name: bench}], rules: [{matches: [{path: "
        "{type: PathPrefix, value: \"%s\"}}], backendRefs: [{name: echo, port: 8080, weight: "
        "%u}, {name: echo-b, port: 8080, weight: %u}]}]}}",
        name, prefix, w, 100 - w);
}

/* The base objects and the second Service, echo-b, for reweighting. */
static void set_base(route_set *s)
{
    for (size_t k = 0; k < GS_BENCH_BASE_DOCUMENTS; k++)
        set_push(s, gs_xstrdup(gs_bench_documents[k]));
    set_push(s, gs_xstrdup("{apiVersion: v1, kind: Service, metadata: {name: echo-b, namespace: "
                           "bench}, spec: {ports: [{name: http, port: 8080, protocol: TCP}]}}"));
}

/* Routes r<from> .. r<n-1> (PathPrefix /r<i>/, all to echo). */
static void set_add_routes(route_set *s, unsigned from, unsigned n)
{
    char name[32], prefix[32];
    for (unsigned i = from; i < n; i++) {
        snprintf(name, sizeof(name), "r%u", i);
        snprintf(prefix, sizeof(prefix), "/r%u/", i);
        set_push(s, route_doc(name, prefix, 100));
    }
}

/* The base objects and routes r0 .. r{n-1}. */
static void set_routes(route_set *s, unsigned n)
{
    set_base(s);
    set_add_routes(s, 0, n);
}

static int set_apply(bench_deploy *d, const route_set *s, gs_error *err)
{
    gs_target_endpoint eps[2];
    gs_bench_endpoints(d, eps);
    gs_target_objects objs = {.documents = (const char *const *)s->docs,
                              .n_documents = s->len,
                              .endpoints = eps,
                              .n_endpoints = 2};
    return gs_bench_deploy_apply(d, &objs, err);
}

/* ---- attached routes ------------------------------------------------------------------------- */

/* Whether |route|'s status has a parent with condition Accepted=True. */
static bool route_accepted(const gs_json_value *route)
{
    const gs_json_value *parents = gs_json_get(gs_json_get(route, "status"), "parents");
    for (size_t i = 0; parents != NULL && parents->type == GS_JSON_ARRAY && i < parents->len; i++) {
        const gs_json_value *conds = gs_json_get(parents->items[i], "conditions");
        for (size_t c = 0; conds != NULL && conds->type == GS_JSON_ARRAY && c < conds->len; c++) {
            if (strcmp(gs_json_get_string(conds->items[c], "type", ""), "Accepted") == 0 &&
                strcmp(gs_json_get_string(conds->items[c], "status", ""), "True") == 0)
                return true;
        }
    }
    return false;
}

/* HTTPRoutes the target reports Accepted. Targets that publish status after their data plane
 * converged are polled (every 250 ms, up to 30 s) until |want| are. */
static int routes_attached(gs_target *t, unsigned want, unsigned *out, gs_error *err)
{
    bool poll = !gs_target_has(t, GS_TARGET_CAP_STATUS_ONCE);
    int64_t deadline = gs_now_ns() + 30 * GS_NS_PER_S;
    for (;;) {
        gs_json_value *st = NULL;
        int rc = gs_target_status(t, &st, err);
        if (rc < 0)
            return rc;
        const gs_json_value *objs = gs_json_get(st, "objects");
        *out = 0;
        for (size_t k = 0; objs != NULL && objs->type == GS_JSON_ARRAY && k < objs->len; k++) {
            const gs_json_value *o = objs->items[k];
            if (strcmp(gs_json_get_string(o, "kind", ""), "HTTPRoute") == 0 && route_accepted(o))
                (*out)++;
        }
        gs_json_value_free(st);
        if (!poll || *out >= want || gs_now_ns() >= deadline || gs_proc_interrupted())
            return 0;
        usleep(250 * 1000);
    }
}

/* ---- traffic --------------------------------------------------------------------------------- */

/* The HTTP status of one GET |path| on a new connection, 0 when none came. */
static int probe_status(const gs_traffic_url *url, const char *path)
{
    gs_traffic_config cfg;
    gs_traffic_config_init(&cfg);
    cfg.address = url->address;
    cfg.authority = url->authority;
    cfg.path = path;
    cfg.requests = 1;
    cfg.connect_timeout_ns = GS_NS_PER_S;
    cfg.request_timeout_ns = 2 * GS_NS_PER_S;
    gs_traffic_result *r = NULL;
    gs_error err;
    if (gs_traffic_run(&cfg, &r, &err) != 0)
        return 0;
    int status = r->statuses.len == 1 ? atoi(r->statuses.items[0].name) : 0;
    gs_traffic_result_free(r);
    return status;
}

static int compare_ms(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double gs_bench_median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof(v[0]), compare_ms);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Route propagation, |k->probes| times: the case's routes plus one new route (a path nothing
 * else matches, so it answers 404 until the new configuration serves it), from the start of
 * the apply to the first 200 on the new path, probed back to back. */
static int measure_propagation(bench_deploy *d, const gs_traffic_url *url, const gs_bench_case *k,
                               unsigned round, bench_round *out, gs_error *err)
{
    double ms[64];
    unsigned n = k->probes < 64 ? k->probes : 64;
    int rc = 0;
    for (unsigned j = 0; rc == 0 && j < n; j++) {
        route_set s = {0};
        set_routes(&s, k->routes);
        char name[48], prefix[48], path[64];
        snprintf(name, sizeof(name), "probe-%u-%u", round, j);
        snprintf(prefix, sizeof(prefix), "/probe-%u-%u/", round, j);
        snprintf(path, sizeof(path), "%sx", prefix);
        set_push(&s, route_doc(name, prefix, 100));
        int64_t t0 = gs_now_ns(), deadline = t0 + 30 * GS_NS_PER_S;
        rc = set_apply(d, &s, err);
        set_clear(&s);
        while (rc == 0 && probe_status(url, path) != 200) {
            if (gs_now_ns() >= deadline || gs_proc_interrupted())
                rc = gs_error_set(err, GS_ERR_TIMEOUT, "route %s was not served within 30 s",
                                  name);
        }
        ms[j] = (double)(gs_now_ns() - t0) / 1e6;
    }
    if (rc != 0 || n == 0)
        return rc;
    out->propagation_ms = gs_bench_median(ms, n); /* sorts |ms| */
    out->propagation_max_ms = ms[n - 1];
    return 0;
}

/* Churn: the traffic runs on its own thread while this one updates the routes. */
typedef struct churn_traffic {
    gs_traffic_config cfg;
    gs_traffic_result *res;
    int rc;
    gs_error err;
    atomic_bool done;
} churn_traffic;

static void *churn_traffic_main(void *arg)
{
    churn_traffic *ct = arg;
    ct->rc = gs_traffic_run(&ct->cfg, &ct->res, &ct->err);
    atomic_store(&ct->done, true);
    return NULL;
}

/* Update |u| of a churn case: route r0 (the one under traffic) reweighted between echo and
 * echo-b, one route added and the previous update's removed, the other routes unchanged. */
static void churn_set(route_set *s, const gs_bench_case *k, uint64_t u)
{
    static const unsigned weights[] = {100, 70, 30, 0, 50};
    set_base(s);
    set_push(s, route_doc("r0", "/r0/", weights[u % 5]));
    set_add_routes(s, 1, k->routes);
    char name[48], prefix[48];
    snprintf(name, sizeof(name), "churn-%llu", (unsigned long long)u);
    snprintf(prefix, sizeof(prefix), "/churn-%llu/", (unsigned long long)u);
    set_push(s, route_doc(name, prefix, 100));
}

static int run_churn(bench_deploy *d, churn_traffic *ct, const gs_bench_case *k, bench_round *out)
{
    pthread_t th;
    if (pthread_create(&th, NULL, churn_traffic_main, ct) != 0)
        abort();
    uint64_t u = 0;
    do { /* at least one update, however the threads are scheduled */
        int64_t next = gs_now_ns() + k->churn_interval_ns;
        route_set s = {0};
        churn_set(&s, k, ++u);
        gs_error e;
        if (set_apply(d, &s, &e) == 0)
            out->updates++;
        else
            out->update_errors++;
        set_clear(&s);
        while (!atomic_load(&ct->done) && gs_now_ns() < next)
            usleep(2000);
    } while (!atomic_load(&ct->done));
    pthread_join(th, NULL);
    return ct->rc;
}

int gs_bench_routes_run_case(bench_deploy *d, const gs_traffic_url *url, const gs_bench_case *k,
                             const gs_bench_profile *p, unsigned round,
                             volatile sig_atomic_t *cancel, bench_round *out, gs_error *err)
{
    route_set s = {0};
    set_routes(&s, k->routes);
    int64_t t0 = gs_now_ns();
    int rc = set_apply(d, &s, err);
    set_clear(&s);
    out->apply_ms = (double)(gs_now_ns() - t0) / 1e6;
    if (rc == 0)
        rc = routes_attached(d->target, k->routes, &out->attached, err);
    if (rc != 0)
        return rc;
    /* the traffic goes to the last route: the worst place for a table searched in order */
    char path[48];
    snprintf(path, sizeof(path), "/r%u/bench", k->churn_interval_ns > 0 ? 0 : k->routes - 1);
    churn_traffic ct = {0};
    gs_bench_traffic_config(&ct.cfg, k, p, url, cancel);
    ct.cfg.path = path;
    /* the traffic thread's own copies: applies while it runs may replace |url| */
    char *address = gs_xstrdup(url->address), *authority = gs_xstrdup(url->authority);
    ct.cfg.address = address;
    ct.cfg.authority = authority;
    gs_proc_usage before;
    bool measured = gs_bench_target_usage(d, &before);
    if (k->churn_interval_ns > 0) {
        rc = run_churn(d, &ct, k, out);
        *err = ct.err;
    } else {
        rc = gs_traffic_run(&ct.cfg, &ct.res, err);
    }
    free(address);
    free(authority);
    if (rc == 0 && measured) /* with its N routes, before the propagation probes */
        gs_bench_target_after(d, &before, out);
    if (rc == 0) {
        gs_bench_round_from_result(out, ct.res);
        gs_traffic_result_free(ct.res);
        if (k->churn_interval_ns == 0 && !(cancel != NULL && *cancel))
            rc = measure_propagation(d, url, k, round, out, err);
    }
    return rc;
}
