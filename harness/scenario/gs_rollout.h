/* SPDX-License-Identifier: MIT */
/* Canary rollout rehearsal (docs/rollout.md): a scenario step that plays a rollout controller
 * against the target while live traffic runs. The plan is a list of actions in gatesim's own
 * words (setWeight, pause, analysis) on one HTTPRoute's stable and canary backendRefs; at each
 * weight gatesim writes the route, applies it, waits until the data plane follows (a
 * sequential test on the live traffic), verifies the split with the run's alpha and power, and
 * judges the canary's own traffic against the analysis thresholds, deciding continue, promote
 * or roll back as the tools do (a failed check counts against `threshold`, cumulatively).
 *
 * This header holds the step's decoded form, the pure decision logic (unit-tested without
 * processes) and the entry point the runner calls. */
#ifndef GS_ROLLOUT_H
#define GS_ROLLOUT_H

#include "gs_buf.h"
#include "gs_error.h"
#include "gs_results.h"
#include "gs_scenario.h"
#include "gs_traffic.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum gs_rollout_action_kind {
    GS_ROLLOUT_SET_WEIGHT = 0,   /* route the canary |weight| percent, verified */
    GS_ROLLOUT_PAUSE,            /* keep the traffic at the current weight for |duration_ns| */
    GS_ROLLOUT_ANALYSIS,         /* judge the canary's traffic every interval until one passes */
    GS_ROLLOUT_SET_HEADER_ROUTE, /* upsert a managed rule sending matching requests to the
                                    canary; without matches, remove it */
    GS_ROLLOUT_SET_MIRROR_ROUTE, /* mirror requests to the canary (a no-op where |noop|) */
    GS_ROLLOUT_SET_BEHAVIOUR,    /* change a backend's faults for the rest of the run */
} gs_rollout_action_kind;

typedef enum gs_rollout_match_type {
    GS_ROLLOUT_MATCH_EXACT = 0,
    GS_ROLLOUT_MATCH_PREFIX, /* written as RegularExpression "<value>.*", as the plugin does */
    GS_ROLLOUT_MATCH_REGEX,
} gs_rollout_match_type;

/* One `match` entry of setHeaderRoute: {headerName, headerValue: {exact|prefix|regex}}. */
typedef struct gs_rollout_header_match {
    const char *name;
    gs_rollout_match_type type;
    const char *value;
} gs_rollout_header_match;

/* One `match` entry of an inline setMirrorRoute, as Argo Rollouts writes them: {method: {exact},
 * path: {exact|prefix|regex}, headers: {name: {exact|prefix|regex}}}; absent parts match all. */
typedef struct gs_rollout_mirror_match {
    const char *method; /* or NULL */
    gs_rollout_match_type path_type;
    const char *path; /* or NULL */
    gs_rollout_header_match *headers;
    size_t n_headers;
} gs_rollout_mirror_match;

typedef struct gs_rollout_action {
    gs_rollout_action_kind kind;
    unsigned weight;     /* SET_WEIGHT: 0-100; SET_MIRROR_ROUTE: the percentage */
    int64_t duration_ns; /* PAUSE: 0 = one interval */
    const char *route;   /* SET_HEADER_ROUTE, SET_MIRROR_ROUTE: the managed route's name */
    gs_rollout_header_match *matches; /* SET_HEADER_ROUTE; none: remove the managed route */
    size_t n_matches;
    /* SET_MIRROR_ROUTE: the tool acknowledges the step and changes nothing (the Argo Rollouts
     * Gateway API plugin's SetMirrorRoute); the rehearsal says so instead of mirroring. */
    bool noop;
    /* SET_MIRROR_ROUTE (inline plans): what is mirrored; none: remove the mirror route. */
    gs_rollout_mirror_match *mirror;
    size_t n_mirror;
    const char *backend;             /* SET_BEHAVIOUR: "ns/name", a declared backend */
    gs_scenario_behaviour behaviour; /* SET_BEHAVIOUR: its faults from now on */
    gs_pos pos;
} gs_rollout_action;

/* The plan: which route, which backends, the actions and the analysis thresholds. */
typedef struct gs_rollout_plan {
    const char *route_ns, *route_name; /* the HTTPRoute whose weights the rollout writes */
    bool has_rule;
    unsigned rule; /* only this rule; else every rule holding both refs */
    const char *stable_ns, *stable_name;
    const char *canary_ns, *canary_name;
    const char *stable, *canary; /* "ns/name" (declared backends) */
    unsigned threshold;          /* failed analysis checks before rolling back; default 1 */
    double min_success_rate;     /* percent of non-5xx canary responses; NAN: not checked */
    int64_t max_p99_ns;          /* 99th percentile of the canary's latency; 0: not checked */
    gs_rollout_action *actions;
    size_t n_actions;
    /* A/B testing (a Flagger Canary's analysis.match): the request headers and query
     * parameters its matches test. Requests without them go to the stable Service alone, which
     * every A/B weight verifies with a stream that leaves them out. */
    const char **ab_headers;
    size_t n_ab_headers;
    const char **ab_query;
    size_t n_ab_query;
    /* Session affinity (a Flagger Canary's analysis.sessionAffinity): the cookie the canary's
     * responses set at a non-zero weight (NULL: none) and its Max-Age in seconds. */
    const char *cookie_name;
    int64_t cookie_max_age;
    /* sessionAffinity.primaryCookieName: the cookie the primary's responses set at a non-zero
     * weight (NULL: none) and its Max-Age (analysis.interval in whole seconds). */
    const char *primary_cookie_name;
    int64_t primary_cookie_max_age;
    /* The attributes both cookies' Set-Cookie carry after Max-Age ("; Domain=...; HttpOnly;
     * Partitioned; Path=...; SameSite=...; Secure", each when set; "" or NULL: none). */
    const char *cookie_attrs;
} gs_rollout_plan;

typedef enum gs_rollout_outcome {
    GS_ROLLOUT_RUNNING = 0,
    GS_ROLLOUT_PROMOTED,
    GS_ROLLOUT_ROLLED_BACK,
    GS_ROLLOUT_HALTED, /* the data plane did not follow the route, or split differently */
} gs_rollout_outcome;

/* "running", "promoted", "rolledBack", "halted". */
const char *gs_rollout_outcome_name(gs_rollout_outcome o);

/* The step's `rollout:` block and its `expect`. */
typedef struct gs_scenario_rollout {
    gs_rollout_plan plan;
    /* `source:` a rollout tool's own object, translated to |plan| when the scenario loads. */
    const char *source_path; /* or NULL for an inline `plan` */
    const char *source_kind; /* "Canary" (Flagger), "Rollout" (Argo Rollouts) */
    const char *source_tool; /* "Flagger", "Argo Rollouts" */
    /* The HTTPRoute the tool writes whole (YAML), applied before the first step in place of the
     * user's route of that name; NULL when the tool patches the user's route. */
    const char *route_yaml;
    int64_t interval_ns;         /* analysis window; default 1 s */
    bool has_interval;           /* given in the step (else the source's) */
    int64_t converge_timeout_ns; /* how long the data plane may take to follow; 0: the run's
                                    start timeout */
    gs_scenario_send traffic;    /* open-loop traffic for the whole rollout (requests unused) */
    bool has_outcome;
    gs_rollout_outcome outcome; /* PROMOTED or ROLLED_BACK */
    bool has_max_weight;
    unsigned max_weight;
    bool has_failed_requests;
    uint64_t failed_requests;
    gs_pos pos, expect_pos;
} gs_scenario_rollout;

/* ---- the decision logic (pure) ---- */

/* What the controller knows between actions. */
typedef struct gs_rollout_state {
    size_t next;            /* the next action */
    unsigned weight;        /* the canary weight written last */
    unsigned max_weight;    /* the highest written */
    unsigned failed_checks; /* cumulative over the run, as Flagger counts them */
    gs_rollout_outcome outcome;
} gs_rollout_state;

/* The canary's traffic over one analysis window. */
typedef struct gs_rollout_metrics {
    uint64_t responses; /* answered by the canary */
    uint64_t ok;        /* of those, status below 500 */
    int64_t p99_ns;     /* of their latency; meaningful when responses > 0 */
} gs_rollout_metrics;

/* Judges |m| against the plan's thresholds: true when every threshold holds. A window without
 * canary responses fails (the tools find "no values" and count a failed check). |why| gets one
 * line either way ("success rate 90.2% < 99%", "success rate 100% >= 99%, p99 4.1 ms <= 500
 * ms"). */
bool gs_rollout_analyse(const gs_rollout_plan *p, const gs_rollout_metrics *m, char *why,
                        size_t why_len);

/* Records an analysis verdict: a pass moves to the next action; a failure adds a failed check
 * and, at the threshold, ends the rollout rolled back (the action is retried otherwise). */
void gs_rollout_judged(gs_rollout_state *s, const gs_rollout_plan *p, bool passed);

/* Moves past a non-analysis action; SET_WEIGHT records the weight. After the last action the
 * outcome becomes PROMOTED. */
void gs_rollout_advance(gs_rollout_state *s, const gs_rollout_plan *p);

/* Sequential probability ratio test (Wald) that the data plane follows a new weight: H0 the
 * canary share is still |p0| (the weight before), H1 it is |p1| (the weight written). Each
 * answered request adds its log-likelihood ratio; crossing log((1-beta)/alpha) accepts H1
 * (converged), crossing log(beta/(1-alpha)) accepts H0, after which the test starts again (the
 * data plane may still be changing). Shares are clamped to [1e-4, 1-1e-4] so a weight of 0 or
 * 100 makes one contrary request strong, not infinite, evidence. */
typedef struct gs_rollout_sprt {
    double step_canary, step_other; /* log-likelihood ratio of one observation */
    double upper, lower;
    double llr;
    uint64_t n;        /* observations since the last restart */
    uint64_t restarts; /* times H0 was accepted */
} gs_rollout_sprt;

typedef enum gs_rollout_sprt_verdict {
    GS_ROLLOUT_SPRT_MORE = 0, /* keep observing */
    GS_ROLLOUT_SPRT_NEW,      /* H1: the data plane follows the new weight */
    GS_ROLLOUT_SPRT_OLD,      /* H0: still the old weight (the test restarted) */
} gs_rollout_sprt_verdict;

/* |p0| == |p1| needs no test: gs_rollout_sprt_add answers NEW at once. */
void gs_rollout_sprt_init(gs_rollout_sprt *s, double p0, double p1, double alpha, double beta);
gs_rollout_sprt_verdict gs_rollout_sprt_add(gs_rollout_sprt *s, bool canary);

/* Appends |v| as a double-quoted YAML scalar ('"' and '\\' escaped). */
void gs_rollout_emit_quoted(gs_buf *b, const char *v);

/* Flagger's session-affinity rules (analysis.sessionAffinity; getSessionAffinityRouteRules in
 * its Gateway API router) around |weighted|, the weighted rule with its weights written, as a
 * YAML flow sequence appended to |out|: at a non-zero |canary_weight| a rule sending requests
 * whose Cookie header matches the RegularExpression ".*<name>.*<value>.*" of |cookie|
 * ("name=value") to the canary (primary 0, canary 100); with a |primary| cookie
 * (primaryCookieName), a rule sending its holders to the primary alone (primary 100, canary
 * 0); then the weighted rule whose canary backendRef adds "Set-Cookie: <cookie>;
 * Max-Age=<p->cookie_max_age><p->cookie_attrs>" to its responses and, with |primary|, whose
 * primary backendRef adds "Set-Cookie: <primary>; Max-Age=<p->primary_cookie_max_age><p->
 * cookie_attrs>". At weight 0 with a
 * |previous| cookie, a rule sending its holders to the weighted rule's backends with
 * "Set-Cookie: <previous>; Max-Age=-1", then the weighted rule (no primary cookie at weight
 * 0); else the weighted rule alone. |weighted| is borrowed; nothing is kept. */
void gs_rollout_sticky_rules(gs_buf *out, const gs_rollout_plan *p, const gs_yaml_node *weighted,
                             unsigned canary_weight, const char *cookie, const char *primary,
                             const char *previous);

/* ---- running it ---- */

/* What the runner lends the rollout: the object set and how to apply it, the traffic's
 * destination, the statistics, liveness. */
typedef struct gs_rollout_env {
    struct gs_objset *set;
    const gs_scenario *sc;
    const gs_scenario_statistics *stats;
    const gs_traffic_config *traffic; /* destination and protocol; the rollout adds the rest */
    int64_t timeout_ns;               /* bound on convergence and on every window */
    /* Applies the set to the target (converge_ms: how long the target took). */
    int (*apply)(void *ctx, double *converge_ms, gs_error *err);
    /* GS_ERR_CLOSED when a backend or the target died. */
    int (*alive)(void *ctx, gs_error *err);
    /* Changes a backend's fault behaviour for the rest of the run (NULL: unsupported). */
    int (*set_behaviour)(void *ctx, const char *backend, const gs_scenario_behaviour *b,
                         gs_error *err);
    /* Reads the request ids backend "ns/name" served since the last call, |on_id| for each
     * (NULL: unsupported; mirror routes cannot be verified then). */
    int (*request_ids)(void *ctx, const char *backend, void (*on_id)(const char *id, void *user),
                       void *user, gs_error *err);
    void (*progress)(void *ctx, const char *what);
    /* Says |msg| to the person running the scenario now (NULL: only recorded). */
    void (*warn)(void *ctx, const char *msg);
    void *ctx;
} gs_rollout_env;

/* Runs the rollout of |ro| with live traffic and records every stage as a check of |rst|
 * (kind "rollout.*"; split verifications as statistical checks). Returns the number of failed
 * expectations (>= 0), or a negative GS_ERR_* when the machinery failed (|err| says why). */
int gs_rollout_run(const gs_rollout_env *env, const gs_scenario_rollout *ro, gs_results_step *rst,
                   gs_error *err);

#endif
