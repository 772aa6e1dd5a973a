/* SPDX-License-Identifier: MIT */
/* Benchmark profiles, the deployment they run against, the interleaved rounds and the result
 * document. */
#include "gs_bench_priv.h"

#include "gs_alloc.h"
#include "gs_json.h"
#include "gs_json_parse.h"
#include "gs_proc.h"
#include "gs_target.h"
#include "gs_time.h"
#include "gs_workdir.h"

#include <event2/event.h>
#include <math.h>
#include <nghttp2/nghttp2.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* ---- profiles ----------------------------------------------------------------------------- */

static void bench_add(gs_bench_profile *p, gs_traffic_protocol proto, unsigned c, unsigned m,
                      double rate, int64_t duration_ns)
{
    if (p->n_cases == GS_BENCH_MAX_CASES)
        return;
    gs_bench_case *k = &p->cases[p->n_cases++];
    k->protocol = proto;
    k->connections = c;
    k->streams = m;
    k->rate = rate;
    k->duration_ns = duration_ns;
    int n = snprintf(k->name, sizeof(k->name), "%s-c%u", gs_traffic_protocol_name(proto), c);
    if (m > 1)
        n += snprintf(k->name + n, sizeof(k->name) - (size_t)n, "-m%u", m);
    if (rate > 0)
        snprintf(k->name + n, sizeof(k->name) - (size_t)n, "-r%.0f", rate);
}

/* Throughput after gateway-api-bench and Envoy Gateway's suite: closed loop at 1, 16, 64 and
 * 512 connections for each protocol. */
static void bench_throughput(gs_bench_profile *p, int64_t d)
{
    static const gs_traffic_protocol protos[] = {GS_TRAFFIC_HTTP1, GS_TRAFFIC_H2C,
                                                 GS_TRAFFIC_GRPC};
    static const unsigned conns[] = {1, 16, 64, 512};
    for (size_t i = 0; i < 3; i++)
        for (size_t c = 0; c < 4; c++)
            bench_add(p, protos[i], conns[c], 1, 0, d);
}

/* Latency at fixed rates, open loop (corrected for coordinated omission). */
static void bench_latency(gs_bench_profile *p, int64_t d)
{
    static const double rates[] = {500, 2000, 10000};
    for (size_t i = 0; i < 3; i++)
        bench_add(p, GS_TRAFFIC_HTTP1, 64, 1, rates[i], d);
    bench_add(p, GS_TRAFFIC_H2C, 16, 16, 2000, d);
}

/* A route case (gs_bench_case.routes): HTTP/1.1 at 16 connections, closed loop or at |rate|. */
static void bench_add_routes(gs_bench_profile *p, unsigned routes, double rate, int64_t churn_ns,
                             int64_t d)
{
    if (p->n_cases == GS_BENCH_MAX_CASES)
        return;
    bench_add(p, GS_TRAFFIC_HTTP1, 16, 1, rate, d);
    gs_bench_case *k = &p->cases[p->n_cases - 1];
    k->routes = routes;
    k->probes = churn_ns > 0 ? 0 : 5;
    k->churn_interval_ns = churn_ns;
    int n = snprintf(k->name, sizeof(k->name), "%s-%u", churn_ns > 0 ? "churn" : "routes", routes);
    if (rate > 0)
        snprintf(k->name + n, sizeof(k->name) - (size_t)n, "-r%.0f", rate);
}

int gs_bench_profile_named(const char *name, gs_bench_profile *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%s", name);
    out->rounds = 5;
    out->warmup_ns = GS_NS_PER_S / 2;
    int64_t d = 5 * GS_NS_PER_S;
    if (strcmp(name, "quick") == 0) {
        /* under 2 minutes with the deployment: 5 cases x 3 rounds x 2.3 s */
        out->rounds = 3;
        out->warmup_ns = 300 * GS_NS_PER_MS;
        d = 2 * GS_NS_PER_S;
        bench_add(out, GS_TRAFFIC_HTTP1, 1, 1, 0, d);
        bench_add(out, GS_TRAFFIC_HTTP1, 64, 1, 0, d);
        bench_add(out, GS_TRAFFIC_H2C, 16, 16, 0, d);
        bench_add(out, GS_TRAFFIC_GRPC, 4, 16, 0, d);
        bench_add(out, GS_TRAFFIC_HTTP1, 16, 1, 1000, d);
    } else if (strcmp(name, "throughput") == 0) {
        bench_throughput(out, d);
    } else if (strcmp(name, "latency") == 0) {
        bench_latency(out, d);
    } else if (strcmp(name, "nightly") == 0) {
        bench_throughput(out, d);
        bench_latency(out, d);
    } else if (strcmp(name, "route-scale") == 0) {
        /* gateway-api-bench: the data plane's cost and the propagation time by route count */
        static const unsigned counts[] = {10, 100, 1000, 10000};
        out->rounds = 3;
        out->warmup_ns = 300 * GS_NS_PER_MS;
        for (size_t i = 0; i < GS_ARRAY_LEN(counts); i++)
            bench_add_routes(out, counts[i], 0, 0, 2 * GS_NS_PER_S);
    } else if (strcmp(name, "churn") == 0) {
        /* 100 routes, one reweighted, one added and one removed every 200 ms under load */
        out->rounds = 3;
        out->warmup_ns = 300 * GS_NS_PER_MS;
        bench_add_routes(out, 100, 0, 200 * GS_NS_PER_MS, d);
        bench_add_routes(out, 100, 1000, 200 * GS_NS_PER_MS, d);
    } else {
        return GS_ERR_NOT_FOUND;
    }
    return 0;
}

const gs_bench_case *gs_bench_profile_route_case(const gs_bench_profile *p)
{
    for (size_t c = 0; c < p->n_cases; c++) {
        if (p->cases[c].routes > 0)
            return &p->cases[c];
    }
    return NULL;
}

const char *gs_bench_profile_names(void)
{
    return "quick, throughput, latency, nightly, route-scale, churn";
}

static int bench_duration(const gs_json_value *o, const char *key, int64_t *out, const char *file,
                          const char *path, gs_error *err)
{
    const gs_json_value *v = gs_json_get(o, key);
    if (v == NULL)
        return 0;
    gs_error sub;
    if (v->type != GS_JSON_STRING || gs_duration_parse(v->str, out, &sub) != 0 || *out < 0)
        return gs_error_set(err, GS_ERR_INVALID, "%s: %s is not a duration like \"2s\"", file,
                            path);
    return 0;
}

static int bench_uint(const gs_json_value *o, const char *key, unsigned lo, unsigned hi,
                      unsigned *out, const char *file, const char *path, gs_error *err)
{
    const gs_json_value *v = gs_json_get(o, key);
    if (v == NULL)
        return 0;
    if (v->type != GS_JSON_NUMBER || v->number != floor(v->number) || v->number < lo ||
        v->number > hi)
        return gs_error_set(err, GS_ERR_INVALID, "%s: %s must be a whole number in %u..%u", file,
                            path, lo, hi);
    *out = (unsigned)v->number;
    return 0;
}

static int bench_parse_case(const gs_json_value *c, size_t i, const char *file, gs_bench_case *k,
                            gs_error *err)
{
    char path[64];
    memset(k, 0, sizeof(*k));
    k->connections = k->streams = 1;
    k->duration_ns = 5 * GS_NS_PER_S;
    const char *name = gs_json_get_string(c, "name", NULL);
    if (name == NULL || *name == '\0' || strlen(name) >= sizeof(k->name))
        return gs_error_set(err, GS_ERR_INVALID, "%s: cases[%zu].name is missing or too long",
                            file, i);
    snprintf(k->name, sizeof(k->name), "%s", name);
    const char *proto = gs_json_get_string(c, "protocol", "http1");
    if (gs_traffic_protocol_parse(proto, &k->protocol) != 0 || k->protocol == GS_TRAFFIC_HTTP2 ||
        gs_traffic_protocol_is_l4(k->protocol))
        return gs_error_set(err, GS_ERR_INVALID,
                            "%s: cases[%zu].protocol \"%s\": want http1, h2c or grpc", file, i,
                            proto);
    int rc;
    snprintf(path, sizeof(path), "cases[%zu].connections", i);
    if ((rc = bench_uint(c, "connections", 1, 100000, &k->connections, file, path, err)) != 0)
        return rc;
    snprintf(path, sizeof(path), "cases[%zu].streams", i);
    if ((rc = bench_uint(c, "streams", 1, 1000, &k->streams, file, path, err)) != 0)
        return rc;
    snprintf(path, sizeof(path), "cases[%zu].duration", i);
    if ((rc = bench_duration(c, "duration", &k->duration_ns, file, path, err)) != 0)
        return rc;
    if (k->duration_ns <= 0)
        return gs_error_set(err, GS_ERR_INVALID, "%s: %s must be positive", file, path);
    const gs_json_value *rate = gs_json_get(c, "rate");
    if (rate != NULL && (rate->type != GS_JSON_NUMBER || !(rate->number > 0) || rate->number > 1e8))
        return gs_error_set(err, GS_ERR_INVALID, "%s: cases[%zu].rate must be a number > 0", file,
                            i);
    k->rate = rate ? rate->number : 0;
    snprintf(path, sizeof(path), "cases[%zu].routes", i);
    if ((rc = bench_uint(c, "routes", 1, 100000, &k->routes, file, path, err)) != 0)
        return rc;
    k->probes = k->routes > 0 ? 5 : 0;
    snprintf(path, sizeof(path), "cases[%zu].probes", i);
    if ((rc = bench_uint(c, "probes", 0, 64, &k->probes, file, path, err)) != 0)
        return rc;
    snprintf(path, sizeof(path), "cases[%zu].churn", i);
    if ((rc = bench_duration(c, "churn", &k->churn_interval_ns, file, path, err)) != 0)
        return rc;
    if ((k->probes > 0 || k->churn_interval_ns > 0) && k->routes == 0)
        return gs_error_set(err, GS_ERR_INVALID, "%s: cases[%zu]: probes and churn need routes",
                            file, i);
    return 0;
}

int gs_bench_profile_parse(const char *text, size_t n, const char *file, gs_bench_profile *out,
                           gs_error *err)
{
    memset(out, 0, sizeof(*out));
    gs_json_value *doc = NULL;
    gs_error sub;
    if (gs_json_parse(text, n, NULL, &doc, &sub) != 0)
        return gs_error_set(err, GS_ERR_PARSE, "%s: %s", file, sub.msg);
    int rc = 0;
    snprintf(out->name, sizeof(out->name), "%s", gs_json_get_string(doc, "name", file));
    out->rounds = 5;
    out->warmup_ns = GS_NS_PER_S / 2;
    const gs_json_value *cases = gs_json_get(doc, "cases");
    if (cases == NULL || cases->type != GS_JSON_ARRAY || cases->len == 0 ||
        cases->len > GS_BENCH_MAX_CASES)
        rc = gs_error_set(err, GS_ERR_INVALID, "%s: cases must be an array of 1..%d cases", file,
                          GS_BENCH_MAX_CASES);
    if (rc == 0)
        rc = bench_uint(doc, "rounds", 1, 1000, &out->rounds, file, "rounds", err);
    if (rc == 0)
        rc = bench_duration(doc, "warmup", &out->warmup_ns, file, "warmup", err);
    for (size_t i = 0; rc == 0 && i < cases->len; i++) {
        rc = bench_parse_case(cases->items[i], i, file, &out->cases[i], err);
        for (size_t j = 0; rc == 0 && j < i; j++) {
            if (strcmp(out->cases[j].name, out->cases[i].name) == 0)
                rc = gs_error_set(err, GS_ERR_INVALID, "%s: cases[%zu].name \"%s\" is repeated",
                                  file, i, out->cases[i].name);
        }
        out->n_cases = i + 1;
    }
    gs_json_value_free(doc);
    return rc;
}

/* ---- the deployment ----------------------------------------------------------------------- */

/* The objects every target gets: a Gateway with one HTTP listener and a route sending
 * everything to one gatesim-echo Service (HTTP/1.1, h2c and gRPC alike). */
const char *const gs_bench_documents[] = {
    "{apiVersion: v1, kind: Namespace, metadata: {name: bench}}",
    "{apiVersion: v1, kind: Service, metadata: {name: echo, namespace: bench}, spec: {ports: "
    "[{name: http, port: 8080, protocol: TCP}]}}",
    "{apiVersion: gateway.networking.k8s.io/v1, kind: GatewayClass, metadata: {name: gatesim}, "
    "spec: {controllerName: gatesim.dev/builtin-controller}}",
    "{apiVersion: gateway.networking.k8s.io/v1, kind: Gateway, metadata: {name: bench, "
    "namespace: bench}, spec: {gatewayClassName: gatesim, listeners: [{name: http, protocol: "
    "HTTP, port: 80, allowedRoutes: {namespaces: {from: Same}}}]}}",
    "{apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: echo, "
    "namespace: bench}, spec: {parentRefs: [{name: bench}], rules: [{backendRefs: [{name: echo, "
    "port: 8080}]}]}}",
};

const size_t gs_bench_n_documents = GS_ARRAY_LEN(gs_bench_documents);

static int bench_start_echo(bench_deploy *d, const char *echo_path, gs_error *err)
{
    if (echo_path == NULL)
        return gs_error_set(err, GS_ERR_NOT_FOUND,
                            "gatesim-echo not found (set GATESIM_ECHO or put it on PATH)");
    char *log = gs_xasprintf("%s/echo.log", d->workdir);
    const char *argv[] = {echo_path, "--service", "bench/echo", "--replica", "echo-0",
                          "--listen", "127.0.0.1:0", NULL};
    gs_proc_opts opts = {.capture_stdout = true, .stderr_path = log};
    int rc = gs_proc_spawn(&d->echo, argv, &opts, err);
    free(log);
    int64_t deadline = gs_now_ns() + 20 * GS_NS_PER_S;
    while (rc == 0 && d->echo_address == NULL) {
        gs_json_value *v = NULL;
        rc = gs_proc_wait_ready(d->echo, deadline, &v, err);
        if (rc != 0)
            return gs_error_set(err, rc, "gatesim-echo did not come up (%s)", err->msg);
        const char *a = gs_json_get_string(v, "address", gs_json_get_string(v, "listen", NULL));
        if (a != NULL)
            d->echo_address = gs_xstrdup(a);
        gs_json_value_free(v);
    }
    return rc;
}

int gs_bench_deploy_apply(bench_deploy *d, const gs_target_objects *objs, gs_error *err)
{
    d->base_applied = false;
    int rc = gs_target_apply(d->target, objs, err);
    if (rc != 0)
        return rc;
    /* a listener's address holds until the next apply only */
    const gs_target_listener *l = gs_target_find_listener(d->target, "bench/bench", "http");
    if (l == NULL)
        return gs_error_set(err, GS_ERR_NOT_FOUND, "the %s target opened no listener for "
                                                   "bench/bench http",
                            d->target->kind->name);
    char url[sizeof(d->url)];
    snprintf(url, sizeof(url), "http://%s/", l->address);
    if (d->listener.address != NULL && strcmp(url, d->url) == 0)
        return 0; /* reloaded in place: d->listener stays valid for those using it */
    snprintf(d->url, sizeof(d->url), "%s", url);
    gs_traffic_url_clear(&d->listener);
    return gs_traffic_url_parse(d->url, &d->listener, err);
}

void gs_bench_endpoints(const bench_deploy *d, gs_target_endpoint eps[2])
{
    eps[0] = (gs_target_endpoint){
        .ns = "bench", .name = "echo", .port = 8080, .address = d->echo_address};
    eps[1] = (gs_target_endpoint){
        .ns = "bench", .name = "echo-b", .port = 8080, .address = d->echo_address};
}

/* Applies the load cases' objects (the route cases apply their own). */
static int bench_apply_base(bench_deploy *d, gs_error *err)
{
    gs_target_endpoint eps[2];
    gs_bench_endpoints(d, eps);
    gs_target_objects objs = {.documents = gs_bench_documents,
                              .n_documents = gs_bench_n_documents,
                              .endpoints = eps,
                              .n_endpoints = 2};
    int rc = gs_bench_deploy_apply(d, &objs, err);
    d->base_applied = rc == 0;
    return rc;
}

static int bench_deploy_up(bench_deploy *d, const gs_bench_config *cfg, gs_error *err)
{
    int rc = gs_workdir_create(NULL, &d->workdir, err);
    if (rc == 0)
        rc = bench_start_echo(d, cfg->echo_path, err);
    if (rc != 0)
        return rc;
    gs_target_config tc = {.workdir = d->workdir,
                           .gatesim_path = cfg->gatesim_path,
                           .start_timeout_ns = 30 * GS_NS_PER_S};
    if ((rc = gs_target_new(&d->target, cfg->target, &tc, err)) != 0)
        return rc;
    return bench_apply_base(d, err);
}

static void bench_deploy_down(bench_deploy *d)
{
    if (d->target != NULL)
        gs_target_free(d->target);
    if (d->echo != NULL) {
        gs_proc_stop(d->echo, GS_NS_PER_S, NULL);
        gs_proc_free(d->echo);
    }
    if (d->workdir != NULL)
        gs_workdir_remove(d->workdir);
    free(d->workdir);
    free(d->echo_address);
    gs_traffic_url_clear(&d->listener);
}

/* ---- environment -------------------------------------------------------------------------- */

/* The first line of |cmd|'s output, or "" (trailing newline dropped). */
static void bench_first_line(const char *cmd, char *out, size_t n)
{
    out[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return;
    if (fgets(out, (int)n, p) == NULL)
        out[0] = '\0';
    out[strcspn(out, "\n")] = '\0';
    pclose(p);
}

static void bench_cpu_model(char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "model name", 10) == 0 && strchr(line, ':') != NULL) {
            const char *v = strchr(line, ':') + 1;
            while (*v == ' ')
                v++;
            snprintf(out, n, "%.*s", (int)strcspn(v, "\n"), v);
            break;
        }
    }
    if (f != NULL)
        fclose(f);
}

static void bench_write_environment(gs_json *j, const gs_bench_config *cfg)
{
    char buf[512];
    gs_json_key(j, "environment");
    gs_json_object_begin(j);
    bench_cpu_model(buf, sizeof(buf));
    gs_json_key(j, "cpuModel");
    gs_json_string(j, buf);
    gs_json_key(j, "cores");
    gs_json_int(j, sysconf(_SC_NPROCESSORS_ONLN));
    struct utsname u;
    if (uname(&u) == 0) {
        gs_json_key(j, "kernel");
        snprintf(buf, sizeof(buf), "%s %s %s", u.sysname, u.release, u.machine);
        gs_json_string(j, buf);
        gs_json_key(j, "hostname");
        gs_json_string(j, u.nodename);
    }
    FILE *f = fopen("/proc/loadavg", "r");
    if (f != NULL && fgets(buf, sizeof(buf), f) != NULL) {
        gs_json_key(j, "loadAverage");
        gs_json_string_n(j, buf, strcspn(buf, "\n"));
    }
    if (f != NULL)
        fclose(f);
    gs_json_key(j, "gatesim");
    gs_json_string(j, cfg->version ? cfg->version : "dev");
    /* the revision: CI's variable, else the checkout we run in */
    const char *sha = getenv("GITHUB_SHA");
    if (sha != NULL && *sha)
        snprintf(buf, sizeof(buf), "%s", sha);
    else
        bench_first_line("git rev-parse HEAD 2>/dev/null", buf, sizeof(buf));
    gs_json_key(j, "gitRevision");
    if (buf[0])
        gs_json_string(j, buf);
    else
        gs_json_null(j);
    /* the libraries as loaded at run time, not the headers of the build */
    gs_json_key(j, "libevent");
    gs_json_string(j, event_get_version());
    gs_json_key(j, "openssl");
    gs_json_string(j, OpenSSL_version(OPENSSL_VERSION));
    gs_json_key(j, "nghttp2");
    gs_json_string(j, nghttp2_version(0)->version_str);
    gs_json_object_end(j);
}

/* ---- rounds ------------------------------------------------------------------------------- */

static uint64_t bench_non2xx(const gs_traffic_result *r)
{
    uint64_t ok = 0;
    for (size_t k = 0; k < r->statuses.len; k++)
        if (r->statuses.items[k].name[0] == '2')
            ok += r->statuses.items[k].count;
    return r->responses - ok;
}

void gs_bench_traffic_config(gs_traffic_config *cfg, const gs_bench_case *k,
                             const gs_bench_profile *p, const gs_traffic_url *url,
                             volatile sig_atomic_t *cancel)
{
    gs_traffic_config_init(cfg);
    cfg->address = url->address;
    cfg->authority = url->authority;
    cfg->path = k->protocol == GS_TRAFFIC_GRPC ? "/gatesim.bench.Echo/Call" : url->path;
    cfg->protocol = k->protocol;
    cfg->connections = k->connections;
    cfg->streams = k->streams;
    cfg->rate = k->rate;
    cfg->count_missed = true;
    cfg->duration_ns = k->duration_ns;
    cfg->warmup_ns = p->warmup_ns;
    cfg->cancel = cancel;
}

void gs_bench_round_from_result(bench_round *out, const gs_traffic_result *r)
{
    out->requests = r->requests;
    out->rps = r->rps;
    out->p50 = (double)gs_histogram_percentile(r->latency, 50) / 1e6;
    out->p99 = (double)gs_histogram_percentile(r->latency, 99) / 1e6;
    out->errors = r->requests ? (double)(r->requests - r->responses) / (double)r->requests : 0;
    out->non2xx = r->requests ? (double)bench_non2xx(r) / (double)r->requests : 0;
    out->cpu = r->cpu_user_s + r->cpu_system_s;
}

bool gs_bench_target_usage(const bench_deploy *d, gs_proc_usage *u)
{
    gs_error ignored;
    return d->target != NULL && gs_target_usage(d->target, u, &ignored) == 0;
}

void gs_bench_target_after(const bench_deploy *d, const gs_proc_usage *before, bench_round *out)
{
    gs_proc_usage now;
    if (!gs_bench_target_usage(d, &now))
        return;
    out->target_measured = true;
    /* a restart in between (new processes, their CPU from 0) gives no figure for the traffic */
    out->target_cpu = now.cpu_seconds >= before->cpu_seconds ? now.cpu_seconds - before->cpu_seconds
                                                             : -1;
    out->target_rss_mb = (double)now.rss_bytes / (1024.0 * 1024.0);
}

/* One run of load case |k| against |url|, measuring the target |d| deployed (if any). */
static int bench_run_case(const bench_deploy *d, const gs_bench_case *k,
                          const gs_bench_profile *p, const gs_traffic_url *url,
                          volatile sig_atomic_t *cancel, bench_round *out, gs_error *err)
{
    gs_traffic_config cfg;
    gs_bench_traffic_config(&cfg, k, p, url, cancel);
    gs_traffic_result *r = NULL;
    gs_proc_usage before;
    bool measured = gs_bench_target_usage(d, &before);
    int rc = gs_traffic_run(&cfg, &r, err);
    if (rc != 0)
        return rc;
    if (measured)
        gs_bench_target_after(d, &before, out);
    gs_bench_round_from_result(out, r);
    /* Not one answer: nothing to measure, the endpoint is down (the "could not run" exit). */
    if (r->requests > 0 && r->responses == 0 && !(cancel != NULL && *cancel))
        rc = gs_error_set(err, GS_ERR_IO,
                          "case %s: none of %llu requests to %s%s got a response: is it up?",
                          k->name, (unsigned long long)r->requests, url->address, url->path);
    gs_traffic_result_free(r);
    return rc;
}

/* Round |r| of case |k|: a load case on the load objects (applied again after a route case),
 * or a route case. */
static int bench_run_round(bench_deploy *d, const gs_bench_config *cfg, const gs_bench_case *k,
                           const gs_traffic_url *url, unsigned r, bench_round *out, gs_error *err)
{
    if (k->routes > 0)
        return gs_bench_routes_run_case(d, url, k, cfg->profile, r, cfg->cancel, out, err);
    int rc = cfg->url == NULL && !d->base_applied ? bench_apply_base(d, err) : 0;
    return rc != 0 ? rc : bench_run_case(d, k, cfg->profile, url, cfg->cancel, out, err);
}

/* The route figures of a round: routes attached, the apply, propagation or churn updates. */
static void bench_write_route_round(gs_json *j, const gs_bench_case *k, const bench_round *r)
{
    gs_json_key(j, "routesAttached");
    gs_json_uint(j, r->attached);
    gs_json_key(j, "applyMs");
    gs_json_double(j, r->apply_ms);
    if (k->churn_interval_ns > 0) {
        gs_json_key(j, "updates");
        gs_json_uint(j, r->updates);
        gs_json_key(j, "updateErrors");
        gs_json_uint(j, r->update_errors);
        return;
    }
    gs_json_key(j, "propagationMs");
    gs_json_double(j, r->propagation_ms);
    gs_json_key(j, "propagationMaxMs");
    gs_json_double(j, r->propagation_max_ms);
}

static void bench_write_case(gs_json *j, const gs_bench_case *k, const bench_round *rounds,
                             unsigned n)
{
    gs_json_object_begin(j);
    gs_json_key(j, "name");
    gs_json_string(j, k->name);
    gs_json_key(j, "protocol");
    gs_json_string(j, gs_traffic_protocol_name(k->protocol));
    gs_json_key(j, "connections");
    gs_json_uint(j, k->connections);
    gs_json_key(j, "streams");
    gs_json_uint(j, k->streams);
    gs_json_key(j, "rate");
    if (k->rate > 0)
        gs_json_double(j, k->rate);
    else
        gs_json_null(j);
    gs_json_key(j, "durationSeconds");
    gs_json_double(j, (double)k->duration_ns / 1e9);
    if (k->routes > 0) {
        gs_json_key(j, "routes");
        gs_json_uint(j, k->routes);
        gs_json_key(j, "churnIntervalSeconds");
        gs_json_double(j, (double)k->churn_interval_ns / 1e9);
    }
    gs_json_key(j, "rounds");
    gs_json_array_begin(j);
    for (unsigned r = 0; r < n; r++) {
        gs_json_object_begin(j);
        gs_json_key(j, "rps");
        gs_json_double(j, rounds[r].rps);
        gs_json_key(j, "p50");
        gs_json_double(j, rounds[r].p50);
        gs_json_key(j, "p99");
        gs_json_double(j, rounds[r].p99);
        gs_json_key(j, "errors");
        gs_json_double(j, rounds[r].errors);
        gs_json_key(j, "non2xx");
        gs_json_double(j, rounds[r].non2xx);
        gs_json_key(j, "requests");
        gs_json_uint(j, rounds[r].requests);
        gs_json_key(j, "clientCpuSeconds");
        gs_json_double(j, rounds[r].cpu);
        if (rounds[r].target_measured) {
            gs_json_key(j, "targetCpuSeconds");
            if (rounds[r].target_cpu >= 0)
                gs_json_double(j, rounds[r].target_cpu);
            else
                gs_json_null(j);
            gs_json_key(j, "targetRssMb");
            gs_json_double(j, rounds[r].target_rss_mb);
        }
        if (k->routes > 0)
            bench_write_route_round(j, k, &rounds[r]);
        gs_json_object_end(j);
    }
    gs_json_array_end(j);
    gs_json_object_end(j);
}

int gs_bench_run(const gs_bench_config *cfg, gs_buf *out, gs_error *err)
{
    const gs_bench_profile *p = cfg->profile;
    bench_deploy d = {0};
    gs_traffic_url url = {0};
    bench_round *rounds = gs_xcalloc(p->n_cases * p->rounds, sizeof(*rounds));
    unsigned done = 0; /* rounds completed by every case */
    bool interrupted = false;
    time_t started = time(NULL);
    int rc = 0;
    const gs_bench_case *routes = gs_bench_profile_route_case(p);
    if (cfg->url != NULL && routes != NULL)
        rc = gs_error_set(err, GS_ERR_INVALID,
                          "case %s changes routes: it needs a target (--target), not --url",
                          routes->name);
    if (rc == 0 && cfg->url == NULL)
        rc = bench_deploy_up(&d, cfg, err);
    if (rc == 0 && cfg->url != NULL)
        rc = gs_traffic_url_parse(cfg->url, &url, err);
    const gs_traffic_url *where = cfg->url != NULL ? &url : &d.listener; /* follows applies */
    for (unsigned r = 0; rc == 0 && r < p->rounds && !interrupted; r++) {
        for (size_t c = 0; rc == 0 && c < p->n_cases; c++) {
            bench_round *br = &rounds[c * p->rounds + r];
            rc = bench_run_round(&d, cfg, &p->cases[c], where, r, br, err);
            interrupted = cfg->cancel != NULL && *cfg->cancel;
            if (interrupted)
                break;
            if (rc == 0 && cfg->progress)
                fprintf(stderr, "gatesim bench: round %u/%u  %-22s %10.0f req/s  p99 %.3f ms\n",
                        r + 1, p->rounds, p->cases[c].name, br->rps, br->p99);
        }
        if (rc == 0 && !interrupted)
            done = r + 1;
    }
    if (rc == 0) {
        gs_json j;
        gs_json_init(&j, out, false);
        gs_json_object_begin(&j);
        gs_json_key(&j, "kind");
        gs_json_string(&j, "gatesim-bench");
        gs_json_key(&j, "version");
        gs_json_string(&j, cfg->version ? cfg->version : "dev");
        gs_json_key(&j, "profile");
        gs_json_string(&j, p->name);
        gs_json_key(&j, "target");
        gs_json_string(&j, cfg->url ? "url" : cfg->target);
        gs_json_key(&j, "url");
        gs_json_string(&j, cfg->url ? cfg->url : d.url);
        char when[32];
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&started));
        gs_json_key(&j, "startTime");
        gs_json_string(&j, when);
        gs_json_key(&j, "interrupted");
        gs_json_bool(&j, interrupted);
        bench_write_environment(&j, cfg);
        gs_json_key(&j, "rounds");
        gs_json_uint(&j, done);
        gs_json_key(&j, "cases");
        gs_json_array_begin(&j);
        for (size_t c = 0; c < p->n_cases; c++)
            bench_write_case(&j, &p->cases[c], &rounds[c * p->rounds], done);
        gs_json_array_end(&j);
        gs_json_object_end(&j);
    }
    free(rounds);
    gs_traffic_url_clear(&url);
    bench_deploy_down(&d);
    return rc;
}

/* ---- Kubernetes ----------------------------------------------------------------------------- */

/* |s| as one single-quoted sh word. */
static void bench_sh_quote(gs_buf *out, const char *s)
{
    gs_buf_puts(out, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            gs_buf_puts(out, "'\\''");
        else
            gs_buf_append(out, p, 1);
    }
    gs_buf_puts(out, "'");
}

void gs_bench_render_kubernetes(gs_buf *out, const char *name, const char *image, unsigned shards,
                                const char *const *load_args, size_t n_args)
{
    /* the pod's command: shard I of N from the completion index Kubernetes sets (0-based) */
    gs_buf cmd = {0};
    gs_buf_printf(&cmd, "exec gatesim load --shard $((JOB_COMPLETION_INDEX + 1))/%u -q -o json",
                  shards);
    for (size_t k = 0; k < n_args; k++) {
        gs_buf_puts(&cmd, " ");
        bench_sh_quote(&cmd, load_args[k]);
    }
    gs_buf_printf(out,
                  "# gatesim load in %u shards, one per pod of an Indexed Job; each pod prints its\n"
                  "# JSON result as its log. Collect and merge (docs/ci.md):\n"
                  "#   for i in $(seq 0 %u); do kubectl logs -l job-name=%s,"
                  "batch.kubernetes.io/job-completion-index=$i > shard-$i.json; done\n"
                  "#   gatesim merge shard-*.json\n",
                  shards, shards - 1, name);
    gs_buf_puts(out, "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ");
    gs_json_escape(out, name, strlen(name));
    gs_buf_puts(out, "\n  labels: {app.kubernetes.io/name: gatesim-load}\nspec:\n"
                     "  completionMode: Indexed\n");
    gs_buf_printf(out, "  completions: %u\n  parallelism: %u\n", shards, shards);
    gs_buf_puts(out, "  backoffLimit: 0\n  template:\n    metadata:\n"
                     "      labels: {app.kubernetes.io/name: gatesim-load}\n    spec:\n"
                     "      restartPolicy: Never\n      containers:\n      - name: load\n"
                     "        image: ");
    gs_json_escape(out, image, strlen(image));
    gs_buf_puts(out, "\n        command: [\"/bin/sh\", \"-c\"]\n        args:\n        - ");
    gs_json_escape(out, cmd.data, cmd.len);
    gs_buf_puts(out, "\n");
    gs_buf_clear(&cmd);
}
