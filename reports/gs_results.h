/* SPDX-License-Identifier: MIT */
/* The results model of one `gatesim run`: the runner fills it, the report writers (gs_report.h)
 * read it. It holds data only: no pass/fail logic beyond summing scenario results. Every string
 * is owned by the struct that holds it (copied on the way in); every child is owned by its
 * parent and freed with the run. Pointers returned by the add functions stay valid until
 * gs_results_free (children live in arrays of pointers, never moved). */
#ifndef GS_RESULTS_H
#define GS_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A scenario, step or check outcome. Spelled in reports as "passed", "failed", "error",
 * "skipped". PENDING means "not run (yet)" in a partially written report: results.json keeps to
 * the contract's values (docs/cli.md) and writes it as "result": "skipped" with the extra field
 * "pending": true.
 */
typedef enum gs_result {
    GS_RESULT_PENDING = 0,
    GS_RESULT_PASSED,
    GS_RESULT_FAILED,
    GS_RESULT_ERROR,
    GS_RESULT_SKIPPED,
} gs_result;

/* The lifecycle of the whole run, written as "running", "complete", "interrupted". */
typedef enum gs_run_state {
    GS_RUN_RUNNING = 0,
    GS_RUN_COMPLETE,
    GS_RUN_INTERRUPTED,
} gs_run_state;

/* One named count ("200" -> 950, "default/app-stable" -> 700, "connect" -> 3). */
typedef struct gs_results_count {
    char *name;
    uint64_t count;
} gs_results_count;

/* An ordered list of named counts; order of first insertion is kept in reports. */
typedef struct gs_results_counts {
    gs_results_count *items;
    size_t len;
    size_t cap;
} gs_results_counts;

/* Latency percentiles in milliseconds. */
typedef struct gs_results_latency {
    double p50, p90, p99, p999, max;
} gs_results_latency;

/* What the traffic generator measured in one step; the same fields as `gatesim load --output
 * json` (docs/cli.md). Written only when |present| is true. */
typedef struct gs_results_traffic {
    bool present;
    uint64_t requests;
    double duration_seconds;
    double rps;
    gs_results_latency latency_ms;
    gs_results_counts statuses; /* "200" -> n */
    gs_results_counts backends; /* "ns/name" -> n */
    gs_results_counts errors;   /* "connect", "tls", "timeout", "protocol", ... -> n */
} gs_results_traffic;

/* One backend row of a split (or mirror) check. Shares are fractions in [0,1]. A value that was
 * not computed is NAN (written as null). */
typedef struct gs_results_share {
    char *backend;          /* "ns/name" */
    double expected_weight; /* as configured (70, 30, ...) */
    double expected_share;  /* weight / sum of weights */
    uint64_t observed_count;
    double observed_share;
    double ci_low, ci_high; /* simultaneous interval: the shares the backend's exact test accepts
                               at the check's interval_level */
    double band_low, band_high; /* the shares within tolerance of the expected one (the null) */
    double detectable;      /* smallest absolute share deviation this sample detects (power) */
    double p_value;         /* this backend's own p-value, before the multiple-test correction */
    double p_adjusted;      /* Holm-adjusted: what the decision compared with alpha */
} gs_results_share;

/* One expectation checked in a step. |expected| and |observed| are one-line human text
 * ("200", "503 on 12 of 1000 responses"). Evidence is the first offending exchange as text
 * (request line + headers; status line + headers + body), NULL when none. */
typedef struct gs_results_check {
    char *kind; /* "status", "grpcStatus", "backend", "split", "request", "response", "redirect",
                   "mirror", "latency", "expectStatus", ... */
    gs_result result;
    char *message;
    char *expected;
    char *observed;
    double p_value; /* NAN when the check is not statistical (then not written) */
    char *evidence_request;
    char *evidence_response;
    /* Statistical checks (split, mirror): */
    char *method;      /* "exact-binomial", "exact-binomial-holm", ... or NULL */
    double alpha;      /* NAN when not statistical */
    double family_alpha;   /* the run's (or scenario's) family-wise rate alpha is a share of, or
                              NAN when this check stands alone */
    double tolerance;      /* share deviations the null allows, or NAN */
    double interval_level; /* each share interval is at confidence 1 - interval_level */
    double power;      /* the planning power the detectable deviations refer to, or NAN */
    uint64_t samples;  /* n the test used */
    double detectable; /* smallest detectable absolute deviation (worst backend), or NAN */
    gs_results_share **shares;
    size_t shares_len, shares_cap;
} gs_results_check;

/* How a step sent its requests, as the scenario asked: shown beside the step in every report, so
 * a reader knows what the numbers were measured over. |protocol| is NULL when the step sent
 * nothing. */
typedef struct gs_results_send {
    char *protocol;       /* "http1", "h2c", "http2", "grpc" */
    unsigned connections; /* concurrent connections */
    unsigned streams;     /* concurrent HTTP/2 streams per connection (1 for HTTP/1.1) */
    bool new_connection_per_request;
} gs_results_send;

/* One stage of a rollout step on its timeline (docs/rollout.md): the window of live traffic
 * that judged it, or a moment for a stage that only changed something (a backend's faults, a
 * mirror step the tool does not perform). Times are seconds since the rollout's traffic began;
 * a value that was not measured is NAN (left out of results.json). */
typedef struct gs_results_rollout_point {
    char *stage;  /* "initial route", "setWeight 20", "analysis", "pause", "promotion", ... */
    char *kind;   /* "split", "analysis", "pause", "headerRoute", "convergence", "behaviour",
                     "mirror" */
    gs_result result;
    char *decision; /* "verified", "halted", "continue", "retry", "rollBack", "changed",
                       "mirroredNothing" */
    double written_s;      /* the route write this stage made, or NAN */
    double converged_s;    /* when the data plane was seen following it, or NAN */
    double start_s, end_s; /* the window (equal for a moment) */
    double planned_weight; /* the canary weight the route holds (percent), or NAN */
    uint64_t answered;     /* responses in the window (of the header traffic, for headerRoute) */
    uint64_t canary;       /* of those, answered by the canary */
    uint64_t failed;       /* requests that failed in the window (no response, no backend) */
    double canary_share;   /* canary / answered, or NAN */
    double ci_low, ci_high; /* its Wilson interval at the rollout's alpha, or NAN */
    double success_rate;    /* the canary's responses below 500, percent, or NAN */
    double p99_ms;          /* the canary's 99th percentile latency, or NAN */
    size_t check;           /* 1 + the index of the step's check recording it; 0 = none */
} gs_results_rollout_point;

/* A rollout step's timeline: what the HTML chart, results.json's "rollout" and the JUnit
 * testcases per stage are written from. */
typedef struct gs_results_rollout {
    char *tool;    /* "Flagger", "Argo Rollouts", or "plan" */
    char *outcome; /* "promoted", "rolledBack", "halted", or NULL when it did not end */
    double alpha;  /* the intervals' error rate */
    gs_results_rollout_point **points;
    size_t points_len, points_cap;
} gs_results_rollout;

typedef struct gs_results_step {
    char *name;
    gs_result result;
    char *message;         /* why it errored or failed (e.g. "backend default/a died"), or NULL */
    bool interrupted;      /* an ERROR because the run was interrupted (SIGINT/SIGTERM) */
    double convergence_ms; /* time waited for config to take effect; < 0 when not measured */
    double duration_ms;    /* whole step */
    gs_results_send send;
    gs_results_traffic traffic;
    /* The target's own counters over the step ("mirrorsSent", "mirrorsDropped", ... as the
     * builtin gateway's stats line names them: counters as the step's difference, gauges as
     * read after it). Empty when the target does not report counters. */
    gs_results_counts target_stats;
    gs_results_check **checks;
    size_t checks_len, checks_cap;
    gs_results_rollout *rollout; /* a rollout step's timeline, or NULL */
} gs_results_step;

typedef struct gs_results_scenario {
    char *name;
    char *file;
    char *description; /* or NULL */
    gs_result result;
    double duration_ms;
    char *error; /* the message when result is ERROR (or a FAILED summary), or NULL */
    bool interrupted; /* an ERROR because the run was interrupted during this scenario */
    gs_results_step **steps;
    size_t steps_len, steps_cap;
} gs_results_scenario;

typedef struct gs_results_summary {
    unsigned scenarios, passed, failed, errors, skipped, pending;
    unsigned interrupted; /* of |errors|: stopped by the interrupt, not by a fault */
} gs_results_summary;

typedef struct gs_results {
    char *target;        /* "builtin", ... */
    int64_t started_at;  /* wall clock, ns since the epoch (gs_wall_ns) */
    int64_t finished_at; /* 0 while running */
    uint64_t seed;
    double family_alpha;    /* --family-alpha: the whole run's false-failure budget, or NAN */
    unsigned random_checks; /* the random checks it was divided across */
    gs_run_state state;
    char *version; /* gatesim version, or NULL */
    gs_results_scenario **scenarios;
    size_t scenarios_len, scenarios_cap;
} gs_results;

/* Creates an empty run against |target| (as --target spells it; copied, never NULL). Returns 0. */
int gs_results_new(gs_results **out, const char *target, int64_t started_at, uint64_t seed);
void gs_results_free(gs_results *r);

/* Appends a scenario (result PENDING). Copies the strings; |file| may be NULL. */
gs_results_scenario *gs_results_add_scenario(gs_results *r, const char *name, const char *file);
/* Appends a step (result PENDING, convergence_ms -1). */
gs_results_step *gs_results_add_step(gs_results_scenario *s, const char *name);
/* Appends a check of |kind| (result PENDING, p_value/alpha/power/detectable NAN). */
gs_results_check *gs_results_add_check(gs_results_step *st, const char *kind);
/* The step's rollout timeline, created empty (alpha NAN) on first use. */
gs_results_rollout *gs_results_step_rollout(gs_results_step *st);
/* Appends a timeline point (result PENDING, every double NAN, counts 0). */
gs_results_rollout_point *gs_results_add_rollout_point(gs_results_rollout *ro, const char *stage,
                                                       const char *kind);
/* Appends a backend row to a split/mirror check (all doubles NAN, count 0). */
gs_results_share *gs_results_add_share(gs_results_check *c, const char *backend);

/* Adds |n| to the count called |name| (creating it at the end when new). */
void gs_results_counts_add(gs_results_counts *c, const char *name, uint64_t n);
/* The count called |name|, or 0. */
uint64_t gs_results_counts_get(const gs_results_counts *c, const char *name);

/* Replaces the string |*slot| with a printf-formatted copy (NULL |fmt| clears it). Use for
 * message, expected, observed, evidence, error, description, method. */
void gs_results_set(char **slot, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Counts scenario results. A PENDING scenario counts in |pending| and |scenarios|. */
void gs_results_summarize(const gs_results *r, gs_results_summary *out);

/* "passed", "failed", "error", "skipped", "pending". */
const char *gs_result_name(gs_result r);
/* "running", "complete", "interrupted". */
const char *gs_run_state_name(gs_run_state s);

#endif
