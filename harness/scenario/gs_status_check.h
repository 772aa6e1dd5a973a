/* SPDX-License-Identifier: MIT */
/* `expectStatus` checks: one scenario status expectation compared with the status a target
 * reports, in the `gatesim explain --output json` shape
 *   {"objects":[{"kind","namespace","name","status":{"conditions":[...],
 *     "listeners":[{"name","attachedRoutes","conditions"}],
 *     "parents":[{"parentRef":{"name","namespace","sectionName"},"conditions":[...]}]}}]}
 * `status: none` passes when the object is not reported or reports no conditions and no
 * listeners; for a route, when no parents[] entry is for `parent` (without it: none at all).
 * Pure: JSON in, a gs_results check out. */
#ifndef GS_STATUS_CHECK_H
#define GS_STATUS_CHECK_H

#include "gs_buf.h"
#include "gs_json_parse.h"
#include "gs_results.h"
#include "gs_scenario.h"

/* What the caller knows beyond the status document. */
typedef struct gs_status_check_opts {
    /* The controllers under test (a scenario's controllerNames). A route's parents[] entry whose
     * controllerName is set and not among them was written by another controller (a real
     * cluster shares route status): it is neither matched nor counted against `status: none`.
     * NULL / 0: every entry counts. */
    const char *const *controller_names;
    size_t n_controller_names;
    /* `status: none` also holds for an object nobody declared, so a misspelt name would pass:
     * when set, called for such expectations; returns false with the reason in |why| when |x|
     * names no object among those applied (or, with `parent`, a route without a parentRef to
     * that Gateway), which fails the check. */
    bool (*declared)(void *ctx, const gs_scenario_status_expect *x, gs_buf *why);
    void *ctx;
} gs_status_check_opts;

/* Adds one "expectStatus" check for |x| to |step|; returns true when it passed. */
bool gs_status_check(const gs_scenario_status_expect *x, const gs_json_value *status,
                     gs_results_step *step);
/* The same with |opts| (NULL: none). */
bool gs_status_check_ex(const gs_scenario_status_expect *x, const gs_json_value *status,
                        const gs_status_check_opts *opts, gs_results_step *step);

#endif
