/* SPDX-License-Identifier: MIT */
/* Private to `gatesim bench`: the deployment a profile runs against and one round's figures,
 * shared by the load cases (gs_bench.c) and the route cases (gs_bench_routes.c). */
#ifndef GS_BENCH_PRIV_H
#define GS_BENCH_PRIV_H

#include "gs_bench.h"
#include "gs_proc.h"
#include "gs_target.h"

#include <stdint.h>

/* What gs_bench_run deployed: one gatesim-echo and the target in front of it. */
typedef struct bench_deploy {
    char *workdir;
    gs_proc *echo;
    char *echo_address;
    gs_target *target;
    char url[320];          /* the listener's URL as of the last apply */
    gs_traffic_url listener; /* the same, parsed */
    bool base_applied; /* the target holds the load cases' objects (not a route case's) */
} bench_deploy;

/* One round of one case. The route fields are for route cases only. */
typedef struct bench_round {
    double rps, p50, p99, errors, non2xx, cpu;
    uint64_t requests;
    /* the deployed target's processes (gs_target_usage): CPU during the traffic, RSS after it */
    bool target_measured;
    double target_cpu, target_rss_mb;
    /* route cases */
    unsigned attached;               /* HTTPRoutes the target reports Accepted */
    double apply_ms;                 /* applying the case's routes */
    double propagation_ms;           /* median over the probes: apply -> new route answers */
    double propagation_max_ms;       /* the slowest probe */
    uint64_t updates, update_errors; /* churn: route updates applied while traffic ran */
} bench_round;

/* The objects of the load cases: the first GS_BENCH_BASE_DOCUMENTS are the Namespace, the
 * Service, the GatewayClass and the Gateway (what route cases build on), the last the route. */
#define GS_BENCH_BASE_DOCUMENTS 4
extern const char *const gs_bench_documents[];
extern const size_t gs_bench_n_documents;

/* Applies |objs| on d->target (the whole set, replacing the last) and finds the listener
 * again: d->url and d->listener follow it. Returns 0 or a negative GS_ERR_*. */
int gs_bench_deploy_apply(bench_deploy *d, const gs_target_objects *objs, gs_error *err);

/* The endpoints every apply passes: Services bench/echo and bench/echo-b (route cases weigh
 * between them), both the one gatesim-echo. The same in every apply, so a target that fixes
 * its endpoints at start (builtin, exec:) reloads instead of restarting. */
void gs_bench_endpoints(const bench_deploy *d, gs_target_endpoint eps[2]);

/* The traffic of case |k| against |url| (the caller may change the path). */
void gs_bench_traffic_config(gs_traffic_config *cfg, const gs_bench_case *k,
                             const gs_bench_profile *p, const gs_traffic_url *url,
                             volatile sig_atomic_t *cancel);
/* The deployed target's usage now, into |*u|; false when it cannot be measured (a URL, or a
 * target that cannot say which processes are its own). */
bool gs_bench_target_usage(const bench_deploy *d, gs_proc_usage *u);
/* The target figures of |out| from its usage |before| the traffic and now. */
void gs_bench_target_after(const bench_deploy *d, const gs_proc_usage *before, bench_round *out);
/* Fills the load figures of |out| from a traffic result. */
void gs_bench_round_from_result(bench_round *out, const gs_traffic_result *r);

/* The median of |v| (sorted in place): the middle value, or the mean of the two middle ones
 * for an even |n|; 0 for none. */
double gs_bench_median(double *v, size_t n);

/* Runs route case |k| (k->routes > 0) once, round |round|, on the deployed target |d| whose
 * listener is |url|, leaving the target with the case's objects (d->base_applied false).
 * Returns 0 or a negative GS_ERR_* with a message. */
int gs_bench_routes_run_case(bench_deploy *d, const gs_traffic_url *url, const gs_bench_case *k,
                             const gs_bench_profile *p, unsigned round,
                             volatile sig_atomic_t *cancel, bench_round *out, gs_error *err);

#endif
