/* SPDX-License-Identifier: MIT */
/* A scenario's `diff` step, run by the runner (gs_diff_step.c). */
#ifndef GS_DIFF_STEP_H
#define GS_DIFF_STEP_H

#include "gs_results.h"
#include "gs_scenario.h"

/* Runs a scenario's diff step |d|: the after side on d->after_target, else |run_target| (the run's
 * --target; builtin when it is NULL or ingress-nginx), split probes compared at |alpha|. Adds
 * its checks to |rst| and returns how many failed, or a negative GS_ERR_* with |err| when the
 * objects cannot be read or a side cannot run. */
int gs_diff_step_run(const gs_scenario_diff *d, const char *run_target, double alpha,
                     gs_results_step *rst, gs_error *err);

#endif
