/* SPDX-License-Identifier: MIT */
/* The engine of `gatesim diff` and of a scenario's `diff` step: the same probes sent to two
 * sides, the "before" one (Ingresses on ingress-nginx, or Gateway API objects on a target) and
 * the "after" one (their conversion, or given objects, on a target), each Service an echo
 * backend; the answers compared and the differences grouped by cause (docs/ingress.md,
 * "gatesim diff"). Reading files and options is the callers' business. */
#ifndef GS_DIFF_H
#define GS_DIFF_H

#include "gs_error.h"
#include "gs_model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Why a probe is answered differently, in the order the report lists them. */
typedef enum gs_diff_cause {
    GS_DIFF_CASE,
    GS_DIFF_CHAR_PREFIX,
    GS_DIFF_REGEX,
    GS_DIFF_CAPTURE,
    GS_DIFF_REWRITE,
    GS_DIFF_CANARY_HEADER,
    GS_DIFF_CANARY_COOKIE,
    GS_DIFF_HEADER_MATCH,
    GS_DIFF_GRPC,
    GS_DIFF_SPLIT,
    GS_DIFF_SLASH_REDIRECT,
    GS_DIFF_HTTPS_SLASH,
    GS_DIFF_VHOST,
    GS_DIFF_WILDCARD,
    GS_DIFF_TLS,
    GS_DIFF_BACKEND_TLS,
    GS_DIFF_FAKE_CERT,
    GS_DIFF_NORMALIZE,
    GS_DIFF_REDIRECT,
    GS_DIFF_RESP_HEADER,
    GS_DIFF_REQ_HEADER,
    GS_DIFF_HSTS,
    GS_DIFF_DEFAULT_BACKEND,
    GS_DIFF_OTHER,
    GS_DIFF_CAUSE_COUNT
} gs_diff_cause;

/* The stable name of cause |c| (`case-insensitive-regex`, ...), as a scenario's diff step
 * expects it; and the cause named |id|, or -1. */
const char *gs_diff_cause_id(gs_diff_cause c);
int gs_diff_cause_find(const char *id);

typedef struct gs_diff_config {
    const char *before_target; /* NULL: ingress-nginx for Ingresses, builtin otherwise */
    const char *target;        /* the after side; NULL: builtin */
    unsigned requests;         /* per side, for a probe whose answer is a split; 0: 1000 */
    double alpha;              /* of one split's comparison; 0: 0.001 */
    bool no_normalization;     /* leave out the percent-encoded and double-slash probes */
    bool strict;               /* count the known and the expected differences */
    bool quiet;                /* print only the differences and the summary */
    FILE *out;                 /* the report; borrowed */
} gs_diff_config;

typedef struct gs_diff_result {
    size_t n_probes;
    size_t n_differ; /* probes answered differently, the known differences left out */
    size_t n_known;  /* known differences of the implementations (not counted unless strict) */
    size_t n_expected; /* expected differences, not counted unless strict: HTTPS probes
                          ingress-nginx answered under its fake certificate only, and probes
                          differing in Strict-Transport-Security alone */
    size_t expected_by_cause[GS_DIFF_CAUSE_COUNT]; /* of those, per cause (fake-certificate,
                                                      hsts) */
    size_t n_causes;
    size_t by_cause[GS_DIFF_CAUSE_COUNT]; /* counted probes per cause */
} gs_diff_result;

/* Runs the probes of the Ingresses, or the HTTPRoutes and GRPCRoutes, of |m| (loaded from |before_yaml|, which holds
 * them with their Services and Secrets, and checked by the caller) on |cfg|'s before side and
 * the after side: |after_yaml|'s objects, or NULL for the conversion of the Ingresses (the same
 * objects for Gateway API input). The report goes to cfg->out, the counts to |res|. Returns 0,
 * or a negative GS_ERR_* with |err| when a side could not run or the targets do not fit the
 * input (Ingresses run on ingress-nginx only). */
int gs_diff_run(const gs_diff_config *cfg, const gs_model *m, const char *before_yaml,
                const char *after_yaml, gs_diff_result *res, gs_error *err);

#endif
