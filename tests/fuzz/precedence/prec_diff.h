/* SPDX-License-Identifier: MIT */
/* Differential test of HTTPRoute precedence: random route sets (generator) × boundary requests,
 * each answer of a target compared with an executable statement of the precedence rules written
 * from the Gateway API text (oracle). The oracle shares no code with harness/control: it works on
 * its own structs and its own hostname and path matching. A target only ever sees the manifest
 * YAML and the requests, so the builtin route table (prec_builtin.c) and a real proxy can sit
 * behind the same prec_target. A disagreement is minimised and printed as a manifest that
 * `gatesim explain` / `gatesim gateway` accept. */
#ifndef PREC_DIFF_H
#define PREC_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PREC_MAX_LISTENERS 3
#define PREC_MAX_ROUTES 6
#define PREC_MAX_HOSTNAMES 2
#define PREC_MAX_RULES 4
#define PREC_MAX_MATCHES 2
#define PREC_MAX_KV 2
#define PREC_MAX_REQ_HEADERS 3

/* The Gateway is infra/gw, one HTTP port 80, routes from every namespace; every route's
 * parentRef names the Gateway without sectionName. Strings point at static storage, so a set is
 * copied with `=` (the minimiser relies on it). */
typedef struct prec_kv {
    const char *name;
    const char *value;
} prec_kv;

typedef enum prec_path_type {
    PREC_PATH_PREFIX = 0,
    PREC_PATH_EXACT,
} prec_path_type;

typedef struct prec_match {
    prec_path_type path_type;
    const char *path;   /* NULL: no path field (PathPrefix /) */
    const char *method; /* NULL: any */
    prec_kv headers[PREC_MAX_KV];
    size_t n_headers;
    prec_kv query[PREC_MAX_KV];
    size_t n_query;
} prec_match;

typedef struct prec_rule {
    prec_match matches[PREC_MAX_MATCHES];
    size_t n_matches; /* 0: the rule matches every request */
} prec_rule;

typedef struct prec_route {
    const char *ns;
    const char *name;
    const char *created; /* RFC 3339 "YYYY-MM-DDTHH:MM:SSZ", or NULL */
    const char *hostnames[PREC_MAX_HOSTNAMES];
    size_t n_hostnames;
    prec_rule rules[PREC_MAX_RULES];
    size_t n_rules;
} prec_route;

typedef struct prec_set {
    const char *listeners[PREC_MAX_LISTENERS]; /* listener hostnames; NULL: none */
    size_t n_listeners;
    prec_route routes[PREC_MAX_ROUTES];
    size_t n_routes;
    bool no_fallthrough; /* answer as with --no-hostname-fallthrough */
} prec_set;

typedef struct prec_request {
    char host[72]; /* Host header, may carry ":port" and capitals */
    const char *method;
    char path[72];  /* without query */
    char query[40]; /* without '?', "" for none */
    prec_kv headers[PREC_MAX_REQ_HEADERS];
    size_t n_headers;
} prec_request;

typedef enum prec_outcome {
    PREC_MATCHED = 0,
    PREC_NO_LISTENER, /* 404: no listener serves the Host */
    PREC_NO_ROUTE,    /* 404: listener found, no rule matches */
    PREC_ERROR,       /* the target failed (its message is in prec_answer.route) */
} prec_outcome;

typedef struct prec_answer {
    prec_outcome outcome;
    char route[160]; /* "{namespace}/{name}" when matched */
    size_t rule;     /* rule index when matched */
} prec_answer;

/* The system under test. load() gets a manifest (prec_manifest) and the fall-through mode and
 * returns 0 or -1 with a reason in |why|; answer() may be called many times after a load;
 * unload() ends it. */
typedef struct prec_target {
    const char *name;
    void *ctx;
    int (*load)(void *ctx, const char *yaml, bool no_fallthrough, char *why, size_t why_len);
    void (*answer)(void *ctx, const prec_request *req, prec_answer *out);
    void (*unload)(void *ctx);
} prec_target;

/* ---- generator ---- */

typedef struct prec_rng {
    uint64_t s;
} prec_rng;

void prec_rng_seed(prec_rng *r, uint64_t seed);
uint32_t prec_rng_below(prec_rng *r, uint32_t n); /* uniform in [0, n) */

/* A random route set built to force ties: shared path prefixes, a few names, namespaces and
 * timestamps, overlapping hostnames. */
void prec_gen_set(prec_rng *r, prec_set *out);
/* A request at a boundary of |set|: paths equal to, one character past, one segment past and
 * one character short of configured values; hosts of every listener and route hostname. */
void prec_gen_request(prec_rng *r, const prec_set *set, prec_request *out);

/* ---- oracle ---- */

/* What the spec says |req| gets on |set|. */
void prec_oracle(const prec_set *set, const prec_request *req, prec_answer *out);

/* ---- manifests and the driver ---- */

/* |set| as Kubernetes YAML (GatewayClass, Gateway, a Service per namespace, the HTTPRoutes in
 * set order). Returns a malloc'd string. */
char *prec_manifest(const prec_set *set);

bool prec_answer_equal(const prec_answer *a, const prec_answer *b);
void prec_answer_format(const prec_answer *a, char *out, size_t n);
void prec_request_format(const prec_request *r, char *out, size_t n);

typedef struct prec_diff_opts {
    uint64_t seed;
    size_t count;   /* route sets */
    size_t per_set; /* requests per route set */
    bool verbose;   /* a line per route set */
} prec_diff_opts;

typedef struct prec_diff_stats {
    size_t sets, requests, disagreements;
} prec_diff_stats;

/* Runs |o->count| route sets against |t|. On the first disagreement minimises it (fewest routes,
 * rules, matches, hostnames, listeners and request parts that still disagree) and prints to
 * |report| the minimal manifest with the request, the oracle's and the target's answers as
 * comments, then stops. Returns 0 when all agreed, 1 on a disagreement, -1 when the target
 * could not load a set. */
int prec_diff_run(const prec_diff_opts *o, const prec_target *t, FILE *report,
                  prec_diff_stats *stats);

/* Minimises a disagreement of |t| on (|set|, |req|) in place. */
void prec_minimise(const prec_target *t, prec_set *set, prec_request *req);

/* The builtin target: gs_model + gs_control + gs_route_table_lookup (prec_builtin.c). */
void prec_builtin_target(prec_target *out);

#endif
