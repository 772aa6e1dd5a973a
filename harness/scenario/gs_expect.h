/* SPDX-License-Identifier: MIT */
/* Expectations: a step's `expect` block checked against what its traffic produced. Responses
 * are observed one by one (from the traffic callback) into bounded counters plus the first
 * offending exchange of each check; when the traffic is over, gs_expect_finish turns them and
 * the merged traffic result into gs_results checks (status, grpcStatus, backend, split, request,
 * response, redirect, mirror, latency). Statistics come from harness/stats; no I/O here. */
#ifndef GS_EXPECT_H
#define GS_EXPECT_H

#include "gs_scenario.h"

#include "gs_results.h"
#include "gs_traffic.h"

/* One check's running state: how many responses offended, and the first one as evidence. */
typedef struct gs_expect_tally {
    uint64_t bad;
    char *first_message;  /* why the first offender offended */
    char *first_request;  /* its request, as text */
    char *first_response; /* its response, as text */
} gs_expect_tally;

/* What the target said about mirror copies during a step (its counters after the step's
 * traffic and mirror collection minus before), to explain a failed mirror check. The runner
 * fills it after gs_expect_obs_init; left zeroed, messages say nothing about the target. */
typedef struct gs_expect_target_mirrors {
    bool asked;        /* the runner tried to read the target's counters */
    bool known;        /* and got them: the counts below hold */
    char unknown[200]; /* why not, when asked and not known */
    uint64_t sent;     /* copies the gateway sent during the step */
    uint64_t dropped;  /* not sent: |cap| copies were already in flight */
    uint64_t no_endpoint, failed, timed_out;
    uint64_t in_flight; /* still in flight after the step */
    uint64_t cap;       /* max mirrors in flight; 0 when not reported */
} gs_expect_target_mirrors;

/* The target's error counters during a step (after minus before), to explain failed status
 * checks: a 502 the gateway counted as an upstream failure, a 504 as a deadline. */
typedef struct gs_expect_target_errors {
    bool known;
    uint64_t upstream_errors; /* upstream failed: 502, or a streamed body cut short */
    uint64_t timeouts;        /* past the deadline: 504, or cut */
} gs_expect_target_errors;

/* One connection's answered requests, for a split: which expected backend answered its first
 * one (its index in the split, or -1 for any other), how many, and whether another backend
 * answered a later one. */
typedef struct gs_expect_conn {
    int first; /* -2: nothing answered yet */
    bool mixed;
    uint32_t answered;
} gs_expect_conn;

/* Connections tracked per step (by id; ids are dense from 0): beyond it, not tracked. */
#define GS_EXPECT_MAX_CONNS 4096

typedef struct gs_expect_obs {
    const gs_scenario_send *send;  /* borrowed */
    const gs_scenario_expect *ex;  /* borrowed */
    const char *authority;         /* the Host the requests carried */
    const char *request_id_prefix; /* as given to gs_traffic, or NULL */
    uint64_t observed;             /* measured requests seen */
    gs_expect_tally status, grpc_status, backend, request, response, redirect, certificate,
        handshake;
    /* `certificate` expectations: the backend ("ns/name") whose TLS echo has the certificate of
     * SHA-256 |sha256| (lower-case hex), or NULL when none has (the gateway's own, say). Set by
     * the runner from the echo fleet; NULL: no certificate belongs to any backend. */
    const char *(*cert_owner)(const char *sha256, void *user);
    void *cert_owner_user;
    /* The Secrets generated for the scenario's `tls:` entries (borrowed; set by the runner):
     * what `request.clientCertificate` compares the backend's client certificate with. */
    const struct gs_objset_secret *secrets;
    size_t n_secrets;
    /* With mirror expectations only: request ids (by index) that got a response, and per mirror
     * expectation the ids that reached the mirror backend. Bit sets of |id_bits| bits. */
    uint8_t *answered;
    uint8_t **mirrored;
    uint64_t id_bits;
    gs_expect_conn *conns; /* with a split: GS_EXPECT_MAX_CONNS of them, else NULL */
    gs_expect_target_mirrors target;
    gs_expect_target_errors target_errors;
} gs_expect_obs;

/* Whether the |n| values received under a header name (in order; none when absent) satisfy
 * |e| (docs/scenario.md, "Header values"). */
bool gs_expect_header_matches(const gs_scenario_header_expect *e, const char *const *got,
                              size_t n);

/* The same for the response of one request, answered by the backend |answered_by| (its
 * x-gatesim-backend "ns/name/replica", NULL when no backend answered): an `answeredBy` value
 * is the answering Service's name (or ns/name), compared as `exactly` that one value. */
bool gs_expect_header_matches_answer(const gs_scenario_header_expect *e,
                                     const char *const *got, size_t n, const char *answered_by);

/* Whether a redirect's Location |got| is the expected |want|: equal strings, or absolute URLs
 * with the same scheme and host (any case), the same port where an absent port is the scheme's
 * default (`http://a/` = `http://a:80/`, `https://a:443/` = `https://a/`), and the same path,
 * query and fragment. Relative references compare exactly. */
bool gs_expect_location_equal(const char *want, const char *got);

/* Prepares |o| for a step sending up to |requests| requests (bit sets are sized from it). All
 * pointers are borrowed until gs_expect_obs_clear. */
void gs_expect_obs_init(gs_expect_obs *o, const gs_scenario_send *send,
                        const gs_scenario_expect *ex, const char *authority,
                        const char *request_id_prefix, uint64_t requests);
void gs_expect_obs_clear(gs_expect_obs *o);

/* Observes one finished request (call from the traffic callback; serialize the calls). */
void gs_expect_observe(gs_expect_obs *o, const gs_traffic_response *r);

/* Records that request id |id| reached the backend of mirror expectation |mirror|. Ids with
 * another prefix or out of range are ignored. */
void gs_expect_mirror_seen(gs_expect_obs *o, size_t mirror, const char *id);

/* How many answered requests reached mirror expectation |mirror|, and how many were answered. */
void gs_expect_mirror_counts(const gs_expect_obs *o, size_t mirror, uint64_t *hits,
                             uint64_t *answered);

/* Adds one check per expectation of |o->ex| to |step| and returns the number that failed.
 * A failed mirror check says why when |o->target| knows (copies dropped over the cap, failed,
 * timed out, never sent) and names the first few request ids that went astray.
 * |res| is the merged traffic result; |stats| the scenario's statistics settings. */
unsigned gs_expect_finish(gs_expect_obs *o, const gs_traffic_result *res,
                          const gs_scenario_statistics *stats, gs_results_step *step);

/* The request count `requests: auto` stands for: the smallest n for which the step's split
 * (and fractional mirror) checks detect a deviation of stats->min_effect with stats->power.
 * Returns 0 or GS_ERR_RANGE / GS_ERR_INVALID with a message. */
int gs_expect_plan_requests(const gs_scenario_expect *ex, const gs_scenario_statistics *stats,
                            uint64_t *out, gs_error *err);

/* The random (statistical) checks of |ex|: a split with two or more positive weights, and each
 * mirror with a fraction strictly between 0 and 1. A family-wise alpha is divided across them. */
unsigned gs_expect_random_checks(const gs_scenario_expect *ex);

/* The smallest deviation the step's random checks detect with stats->power at |n| requests (the
 * minEffect n allows), or NAN when n is too small for any. */
double gs_expect_plan_min_effect(const gs_scenario_expect *ex, const gs_scenario_statistics *stats,
                                 uint64_t n);

/* Adds the split decision's numbers for one backend row (weights summing to |total_w|) to the
 * statistical check |c|. */
struct gs_gof_backend;
void gs_expect_add_share(gs_results_check *c, const char *name, const struct gs_gof_backend *row,
                         double total_w);

/* Copies a split decision's numbers (p-value, alpha, tolerance, interval level, power, samples,
 * detectable effect, method) and the statistics settings into the check |c|. */
struct gs_gof_result;
void gs_expect_set_gof(gs_results_check *c, const gs_scenario_statistics *stats,
                       const struct gs_gof_result *gr);

/* Fills the results' traffic section from a traffic result. */
void gs_expect_fill_traffic(gs_results_traffic *t, const gs_traffic_result *res);

#endif
