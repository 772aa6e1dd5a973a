/* SPDX-License-Identifier: MIT */
/* Shared internals of the rollout run (gs_rollout_run.c, gs_rollout_route.c,
 * gs_rollout_probe.c, gs_rollout_mirror.c only): the run's state, the live traffic's counts,
 * the route writes, and what the probe and mirror verifications borrow from the controller
 * (records, the timeline, the split check). */
#ifndef GS_ROLLOUT_PRIV_H
#define GS_ROLLOUT_PRIV_H

#include "gs_histogram.h"
#include "gs_rollout.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* A Set-Cookie value the run compares: name=value (under 96), Max-Age, and the attributes
 * (Domain and Path at most 200 characters each). */
#define GS_ROLLOUT_SET_COOKIE_MAX 640

/* What the traffic thread's callback feeds: the current stage's counts (lock first). */
typedef enum rollout_mode {
    ROLLOUT_IDLE = 0, /* only the run's totals */
    ROLLOUT_CONVERGE, /* feed the SPRT until it accepts the new weight */
    ROLLOUT_COLLECT,  /* count a window */
} rollout_mode;

typedef struct rollout_window {
    int64_t since_ns; /* responses to requests sent before are not this window's */
    int64_t started_ns;
    int64_t ended_ns;               /* when the controller closed it (0 while open) */
    uint64_t stable, canary, other; /* answered, by Service */
    uint64_t canary_ok;             /* canary responses below 500 */
    uint64_t failed;                /* no response, or answered by no backend */
    /* Session affinity: answers setting the run's cookie (Set-Cookie naming it), by Service,
     * the canary's setting exactly the value the route writes; the first value seen. */
    uint64_t canary_cookie, canary_cookie_exact, stable_cookie;
    char seen_cookie[GS_ROLLOUT_SET_COOKIE_MAX];
    /* The same of the primary's cookie (primaryCookieName), the primary's exact. */
    uint64_t stable_primary_cookie, stable_primary_cookie_exact, canary_primary_cookie;
    char seen_primary_cookie[GS_ROLLOUT_SET_COOKIE_MAX];
    gs_histogram *canary_latency;
} rollout_window;

typedef struct rollout_live {
    pthread_mutex_t mu;
    const char *stable, *canary;                /* "ns/name" */
    const char *cookie_name;                    /* session affinity, or NULL */
    char set_cookie[GS_ROLLOUT_SET_COOKIE_MAX]; /* the Set-Cookie the canary's answers carry now (""
                                                   none) */
    const char *primary_cookie_name;            /* primaryCookieName, or NULL */
    char primary_set_cookie[GS_ROLLOUT_SET_COOKIE_MAX]; /* the Set-Cookie the primary's answers
                                                           carry now */
    rollout_mode mode;
    rollout_window win;
    gs_rollout_sprt sprt;
    bool converged;
    int64_t converged_ns;
    uint64_t seen_canary, seen; /* since the route was applied (evidence when it is not followed) */
    uint64_t failed_stage;      /* since the stage started */
    uint64_t failed_total, total;
    char first_failure[160];
} rollout_live;

typedef struct rollout_run {
    const gs_rollout_env *env;
    const gs_scenario_rollout *ro;
    const gs_rollout_plan *plan;
    gs_results_step *rst;
    rollout_live live;
    gs_traffic_config tc;
    pthread_t thread;
    bool started;
    volatile sig_atomic_t cancel;
    gs_traffic_result *res;
    int traffic_rc;
    gs_error traffic_err;
    gs_rollout_state st;
    unsigned failed;           /* failed checks of the step */
    unsigned generation;       /* route writes so far */
    char *address, *authority; /* the traffic's own copies: route writes reload the target,
                                  which may free the listener strings the runner lent */
    uint64_t need_answered;    /* what the window being collected waits for */
    int64_t need_ns;
    /* The header routes in force (setHeaderRoute with matches), upserted by name; every route
     * write appends their managed rules. */
    const gs_rollout_action **headers;
    size_t n_headers;
    /* The mirror routes in force (inline setMirrorRoute with a match), upserted by name. */
    const gs_rollout_action **mirrors;
    size_t n_mirrors;
    /* The mirror steps the tool performed as no-ops (Argo source), upserted by name: later
     * weights check that they still mirror nothing. */
    const gs_rollout_action **noops;
    size_t n_noops;
    unsigned mirror_probes; /* probe runs so far: each gets its own request id prefix */
    /* Session affinity: the cookie of the current canary run ("name=value", "" at weight 0)
     * and the one before it, as Flagger keeps them in the Canary's status. */
    char cookie[96], previous_cookie[96];
    /* The primary's cookie (primaryCookieName; "name=value", "" before the first canary
     * weight), kept from then on as Flagger keeps it in the status. */
    char primary_cookie[96];
    int64_t t_start;        /* the timeline's origin: before the traffic started */
    gs_results_rollout *tl; /* the step's timeline */
} rollout_run;

#define ROLLOUT_PROBE_SUFFIX "-gatesim" /* after a prefix match's prefix */
#define ROLLOUT_PROBE_BATCH 20          /* probe requests between convergence checks */
#define ROLLOUT_PROBE_CONNECTIONS 2

/* gs_rollout_route.c: writing the route. */

/* Whether |rule| is one of the route's managed rules (a header or mirror route's). */
bool gs_rollout_rule_managed(const gs_rollout_plan *p, const gs_yaml_node *rule);
/* The header route in force named like |a| (its index in |*at|), or NULL (|*at| the count). */
const gs_rollout_action *gs_rollout_header_in_force(const rollout_run *r,
                                                    const gs_rollout_action *a, size_t *at);
/* Upserts header route |a| into those in force (removes it when it has no matches). */
void gs_rollout_set_header(rollout_run *r, const gs_rollout_action *a);
/* Writes the route at canary weight |canary_weight| with the managed rules in force and
 * applies it. */
int gs_rollout_write_route(rollout_run *r, unsigned canary_weight, double *apply_ms, gs_error *err);
/* Puts the route the tool writes whole (Flagger's) in place of the user's, recording what that
 * drops (rollout.warning). */
int gs_rollout_adopt_route(rollout_run *r, gs_error *err);

/* gs_rollout_run.c: the controller's pieces the others use. */

/* Whether |backend| ("ns/name/replica") is a replica of Service |svc| ("ns/name"). */
bool gs_rollout_is(const char *backend, const char *svc);
/* Adds a check of |kind| with |result| to the step (a failure counts against the step). */
gs_results_check *gs_rollout_record(rollout_run *r, const char *kind, gs_result result);
/* Seconds since the rollout began, for the timeline. */
double gs_rollout_secs(const rollout_run *r, int64_t ns);
/* Adds the timeline point of the check just recorded (gs_rollout_run.c says the fields). */
gs_results_rollout_point *gs_rollout_point(rollout_run *r, const char *stage, const char *kind,
                                           const char *decision, unsigned planned,
                                           const rollout_window *w, int64_t p99_ns,
                                           int64_t start_ns, int64_t end_ns);
/* The stage's name ("setWeight 20", ...) in |buf|. */
const char *gs_rollout_stage_name(const gs_rollout_action *a, char buf[48]);
/* The requests the split check at canary weight |w| needs for the run's alpha and power. */
uint64_t gs_rollout_planned(const rollout_run *r, unsigned w);
/* Records the split check of window |win| against canary weight |w| as a |kind| check. */
gs_results_check *gs_rollout_verify(rollout_run *r, const char *kind, const char *label, unsigned w,
                                    const rollout_window *win, double converge_ms);

/* gs_rollout_probe.c: header routes, session affinity, A/B's unmatched requests, and the
 * probe streams the mirror checks use too. */

/* Sends |n| requests of |tc| as a closed-loop probe beside the live traffic (a few
 * connections, no rate, no warmup), each answer to |on| with |user|; request ids with
 * |id_prefix| (NULL: none). */
int gs_rollout_probe_traffic(gs_traffic_config *tc, uint64_t n, gs_traffic_on_response on,
                             void *user, const char *id_prefix, gs_error *err);
/* Headers of a probe: the traffic's own and one per header match (an exact value, or the prefix
 * followed by ROLLOUT_PROBE_SUFFIX). */
typedef struct rollout_extra_headers {
    gs_traffic_header *headers;
    char **values;
    size_t n_values;
} rollout_extra_headers;
/* Points |tc|'s headers at its own and those of the |n| matches |m| (held in |x|). */
void gs_rollout_extra_headers(gs_traffic_config *tc, const gs_rollout_header_match *m, size_t n,
                              rollout_extra_headers *x);
void gs_rollout_extra_headers_free(rollout_extra_headers *x);

/* setHeaderRoute: writes the route, then verifies the header traffic follows. */
int gs_rollout_header_step(rollout_run *r, const gs_rollout_action *a, gs_error *err);
/* Re-verifies every header route in force after stage |stage|. */
int gs_rollout_probe_headers(rollout_run *r, const char *stage, gs_error *err);
/* After weight |to| was verified on window |win|: the session cookies and their holders. */
int gs_rollout_affinity_verify(rollout_run *r, const char *label, unsigned to,
                               const rollout_window *win, gs_error *err);
/* After promotion or rollback removed the first |n| header routes: their traffic is back on
 * the stable Service. */
int gs_rollout_headers_removed(rollout_run *r, const char *end, size_t n, gs_error *err);
/* After an A/B weight: the requests without the A/B match stay on the stable Service. */
int gs_rollout_unmatched(rollout_run *r, const char *stage, gs_error *err);

/* gs_rollout_mirror.c: mirror routes, verified by request ids in the canary's log. */

/* setMirrorRoute in an inline plan: writes the route, verifies the copied share. */
int gs_rollout_mirror_step(rollout_run *r, const gs_rollout_action *a, gs_error *err);
/* setMirrorRoute where the tool does nothing: recorded and warned. */
void gs_rollout_mirror_noop(rollout_run *r, const gs_rollout_action *a);
/* After a weight write: each mirror route in force (and each no-op) re-verified. */
int gs_rollout_probe_mirrors(rollout_run *r, const char *stage, gs_error *err);
/* After promotion or rollback removed the first |n| mirror routes: none copies any more. */
int gs_rollout_mirrors_removed(rollout_run *r, const char *end, size_t n, gs_error *err);

#endif
