/* SPDX-License-Identifier: MIT */
/* `gatesim bench`: named load profiles (or a JSON profile file) run against a target the
 * harness deploys (a Gateway and an HTTPRoute to one gatesim-echo) or against a URL, in
 * interleaved rounds (every case once per round, so slow drift of a shared machine spreads over
 * all cases), with the environment recorded. The result is the document `gatesim compare`
 * reads (docs/ci.md). */
#ifndef GS_BENCH_H
#define GS_BENCH_H

#include "gs_buf.h"
#include "gs_error.h"
#include "gs_traffic.h"

#include <signal.h>
#include <stdbool.h>

#define GS_BENCH_MAX_CASES 64

typedef struct gs_bench_case {
    char name[64]; /* "http1-c64", unique in a profile; what compare matches on */
    gs_traffic_protocol protocol;
    unsigned connections, streams;
    double rate; /* open loop at this rate; 0 = closed loop */
    int64_t duration_ns;
    /* Route cases (target deployments only): |routes| HTTPRoutes attached (PathPrefix /r<i>/),
     * the traffic on the last one, then |probes| route propagation measurements (apply -> the
     * new route answers). With |churn_interval_ns|, instead: the traffic on route r0 while
     * every interval r0 is reweighted, a route added and one removed. */
    unsigned routes, probes;
    int64_t churn_interval_ns;
} gs_bench_case;

typedef struct gs_bench_profile {
    char name[64];
    unsigned rounds;
    int64_t warmup_ns; /* before each case's measurement */
    gs_bench_case cases[GS_BENCH_MAX_CASES];
    size_t n_cases;
} gs_bench_profile;

/* The built-in profile |name| ("quick", "throughput", "latency", "nightly", "route-scale",
 * "churn"). Returns 0 or GS_ERR_NOT_FOUND. */
int gs_bench_profile_named(const char *name, gs_bench_profile *out);
/* "quick, throughput, latency, nightly, route-scale, churn", for messages. */
const char *gs_bench_profile_names(void);
/* A profile file: {"name", "rounds", "warmup": "1s", "cases": [{"name", "protocol",
 * "connections", "streams", "rate", "duration": "2s", "routes", "probes", "churn": "200ms"}]}.
 * Errors name |file| and the field. */
int gs_bench_profile_parse(const char *text, size_t n, const char *file, gs_bench_profile *out,
                           gs_error *err);

/* The first route case of |p| (routes > 0), or NULL: such cases need a deployed target. */
const gs_bench_case *gs_bench_profile_route_case(const gs_bench_profile *p);

typedef struct gs_bench_config {
    const gs_bench_profile *profile;
    const char *url;    /* bench this running endpoint; NULL: deploy on |target| */
    const char *target; /* target spec (builtin, nginx, exec:CMD) */
    const char *gatesim_path, *echo_path;
    const char *version;
    bool progress;                  /* one line per case on stderr */
    volatile sig_atomic_t *cancel; /* stop early (the document says "interrupted") */
} gs_bench_config;

/* Runs the profile and writes the result document into |out|. Returns 0, or a negative
 * GS_ERR_* with a message (the target or its backend did not come up, bad URL). */
int gs_bench_run(const gs_bench_config *cfg, gs_buf *out, gs_error *err);

/* Writes a Kubernetes Indexed Job running |shards| pods of `gatesim load --shard I/N` (args
 * |load_args|, the URL last) and a ConfigMap-free collection: each pod prints its JSON result
 * to its log; docs/ci.md shows how the results are gathered and merged. YAML into |out|. */
void gs_bench_render_kubernetes(gs_buf *out, const char *name, const char *image, unsigned shards,
                                const char *const *load_args, size_t n_args);

#endif
