/* SPDX-License-Identifier: MIT */
/* `gatesim conform`'s model (docs/conformance.md): which labelled scenarios (spec.conformance) a
 * run takes on, which it runs, which it skips and why, by upstream's rules; then the
 * ConformanceReport in upstream's format (apiVersion gateway.networking.k8s.io/v1) and the
 * README.md upstream asks for beside a submitted report. Running the tests is cmd_conform.c's
 * job; everything here is data in, text out, so the rules are unit-tested without a target. */
#ifndef GS_CONFORM_H
#define GS_CONFORM_H

#include "gs_buf.h"
#include "gs_conf_features.h"
#include "gs_error.h"
#include "gs_scenario.h"

#include <stdbool.h>
#include <stddef.h>

/* What became of one test, as upstream's suite records it. */
typedef enum gs_conform_outcome {
    GS_CONFORM_PENDING = 0,    /* to run */
    GS_CONFORM_SUCCEEDED,
    GS_CONFORM_FAILED,         /* a check failed, or the scenario errored */
    GS_CONFORM_SKIPPED,        /* --skip-tests, or --run-test named another test */
    GS_CONFORM_PROVISIONAL_SKIPPED, /* --skip-provisional-tests: not run, in no report count */
    GS_CONFORM_NOT_SUPPORTED,  /* needs a feature the target does not support: not run; last */
} gs_conform_outcome;

const char *gs_conform_outcome_name(gs_conform_outcome o);

typedef struct gs_conform_test {
    const gs_scenario *sc;     /* sc->conformance.present */
    gs_conform_outcome outcome;
    const gs_conf_feature *missing; /* NOT_SUPPORTED: the first feature not supported */
    /* SUCCEEDED without running: the run supports this feature of the label's unlessFeatures,
     * and upstream's test returns at once, passing (NULL for a test that ran) */
    const gs_conf_feature *unchecked_by;
    char *message;             /* FAILED: the first failing check or the error; owned */
    double duration_ms;
} gs_conform_test;

/* Which features a run claims, before the chosen profiles' core features are added. */
typedef struct gs_conform_options {
    unsigned profiles;          /* gs_conf_profile bits, at least one */
    bool all_features;          /* --all-features */
    const char *const *supported; /* FeatureNames from the target or --supported-features */
    size_t n_supported;
    const char *const *exempt;  /* --exempt-features */
    size_t n_exempt;
    const char *const *skip_tests; /* --skip-tests ShortNames */
    size_t n_skip_tests;
    const char *run_test;       /* --run-test, or NULL */
    bool skip_provisional;      /* --skip-provisional-tests */
} gs_conform_options;

typedef struct gs_conform_plan {
    unsigned profiles;
    bool *supported;            /* per row of gs_conf_features(): after the rules above */
    size_t n_features;
    gs_conform_test *tests;     /* the tests in scope, sorted by ShortName */
    size_t n_tests;
} gs_conform_plan;

/* Checks the feature names of |opts| (either spelling; an unknown one is GS_ERR_USAGE with a
 * "did you mean"), --run-test and --skip-tests against the ShortNames of |list| (an unknown one
 * is GS_ERR_USAGE too, as upstream fails on an unknown --run-test), and two scenarios with one
 * ShortName (GS_ERR_INVALID). Then decides, for every labelled scenario in scope (it belongs to
 * a chosen profile, or to no profile at all: upstream runs those too), its outcome as upstream
 * does: SKIPPED (run-test, skip-tests) first, then PROVISIONAL_SKIPPED (skip_provisional and a
 * provisional test), then NOT_SUPPORTED, else PENDING. Supported
 * features: all of them with all_features, else |supported|; minus |exempt|; plus the chosen
 * profiles' core features. Returns 0 or a negative GS_ERR_* with a message in |err|. */
int gs_conform_plan_build(gs_conform_plan *plan, const gs_scenario_list *list,
                          const gs_conform_options *opts, gs_error *err);
void gs_conform_plan_free(gs_conform_plan *plan);

bool gs_conform_supported(const gs_conform_plan *plan, const gs_conf_feature *f);

/* One profile's part of the report, computed with upstream's rules from the outcomes. */
typedef struct gs_conform_status {
    const char *result; /* "success" | "partial" | "failure" */
    unsigned passed, skipped, failed;
    const char **skipped_tests, **failed_tests; /* ShortNames in report order */
    size_t n_skipped_tests, n_failed_tests;
} gs_conform_status;

typedef struct gs_conform_profile_report {
    gs_conf_profile profile;
    bool present;          /* a test of the plan belongs to it */
    char summary[160];
    gs_conform_status core;
    bool has_extended;     /* an extended test succeeded, failed or was skipped */
    gs_conform_status extended;
    const char **supported_features, **unsupported_features; /* FeatureNames, sorted */
    size_t n_supported_features, n_unsupported_features;
} gs_conform_profile_report;

/* Fills |out| for |profile| from |plan| (arrays owned by |out|: gs_conform_profile_free). */
void gs_conform_profile_compute(const gs_conform_plan *plan, gs_conf_profile profile,
                                gs_conform_profile_report *out);
void gs_conform_profile_free(gs_conform_profile_report *r);

/* The implementation's identity in the report (--organization, --project, --url, --version,
 * --contact) and the run's. */
typedef struct gs_conform_meta {
    const char *organization, *project, *url, *version;
    const char *const *contact;
    size_t n_contact;
    const char *mode;            /* --mode, default "default" */
    const char *date;            /* RFC 3339 */
    const char *api_version;     /* gatewayAPIVersion */
    const char *api_channel;     /* gatewayAPIChannel */
    const char *command;         /* the command line that reproduces the run, for README.md */
} gs_conform_meta;

/* Appends the ConformanceReport as YAML (keys in the order upstream's YAML has them: sorted). */
void gs_conform_report_yaml(const gs_conform_plan *plan, const gs_conform_meta *meta,
                            gs_buf *out);
/* Appends README.md for a submission: the table of channel, version, mode and report file, and
 * a Reproduce section. |report_name| is the report's file name. */
void gs_conform_readme(const gs_conform_meta *meta, const char *report_name, gs_buf *out);

/* The library folder when none is given: ./scenarios/conformance when it exists, else the one
 * of the source tree gatesim was built from. */
const char *gs_conform_default_library(void);

/* Appends |s| as a YAML scalar: plain when that reads back as the same string, else
 * double-quoted. */
void gs_conform_yaml_scalar(gs_buf *out, const char *s);

#endif
