/* SPDX-License-Identifier: MIT */
/* The scenario runner: for each scenario, start its echo backends and TLS secrets, apply its
 * objects to a target and wait for convergence, then run the steps in order (apply/delete and
 * converge again, expectStatus, send, expect), recording everything in a gs_results and writing
 * the reports after every scenario. Every child process is stopped whatever happens; an
 * interrupt (SIGINT/SIGTERM through gs_proc) ends the run with valid, complete reports. */
#ifndef GS_RUNNER_H
#define GS_RUNNER_H

#include "gs_results.h"
#include "gs_scenario.h"

#include <stdio.h>

typedef struct gs_runner_config {
    const char *target;       /* a --target spec (gs_target_kind_find); NULL: the default */
    const char *gatesim_path; /* the gatesim binary targets run */
    const char *echo_path;    /* the gatesim-echo binary */
    const char *report_dir;   /* where reports go after every scenario; NULL: none */
    unsigned formats;         /* GS_REPORT_* bits */
    bool has_seed;
    uint64_t seed;
    const char *const *select; /* "LABEL=VALUE" filters, all must match */
    /* --controller-name values (NULL-terminated, or NULL) for scenarios without their own
     * spec.controllerNames. */
    const char *const *controller_names;
    size_t n_select;
    FILE *out;                /* one line per scenario and failing check; NULL: quiet */
    bool colour;              /* colour in |out| */
    bool progress;            /* live progress line on stderr (a TTY) */
    bool keep_workdir;        /* leave each scenario's temporary folder (logs, objects) behind */
    int64_t start_timeout_ns; /* backends and target start / reload; default 20 s */
    size_t max_mirrors_in_flight; /* targets with GS_TARGET_CAP_MIRROR_CAP; 0: their default */
    double family_alpha; /* --family-alpha: divided across every random check of the run before
                            planning (overrides spec.statistics.familyAlpha); 0: none */
    uint64_t max_requests_per_step; /* a `requests: auto` plan above it is an error; 0: the
                                       default GS_RUNNER_MAX_REQUESTS */
    const char *version;
} gs_runner_config;

/* Default bound on the requests `requests: auto` may plan for one step. */
#define GS_RUNNER_MAX_REQUESTS UINT64_C(1000000)

/* Outcome of gs_runner_run (besides the results). */
enum {
    GS_RUNNER_PASSED = 0,      /* every selected scenario passed */
    GS_RUNNER_FAILED = 1,      /* some check failed or some scenario errored */
    GS_RUNNER_INTERRUPTED = 3, /* SIGINT/SIGTERM: stopped early, reports written */
    GS_RUNNER_EMPTY = 4,       /* no scenario selected: nothing ran, no report written */
};

/* Runs the scenarios of |list| (those matching cfg->select) and fills |results|. Returns one of
 * the GS_RUNNER_* values, or a negative GS_ERR_* when the run could not start (unknown target,
 * no echo binary, reports not writable) with a message in |err|. */
int gs_runner_run(const gs_runner_config *cfg, const gs_scenario_list *list, gs_results *results,
                  gs_error *err);

/* True when |sc| matches every "LABEL=VALUE" of |select|. */
bool gs_runner_selected(const gs_scenario *sc, const char *const *select, size_t n_select);

#endif
