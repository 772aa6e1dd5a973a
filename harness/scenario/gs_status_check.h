/* SPDX-License-Identifier: MIT */
/* `expectStatus` checks: one scenario status expectation compared with the status a target
 * reports, in the `gatesim explain --output json` shape
 *   {"objects":[{"kind","namespace","name","status":{"conditions":[...],
 *     "listeners":[{"name","attachedRoutes","conditions"}],
 *     "parents":[{"parentRef":{"name","namespace","sectionName"},"conditions":[...]}]}}]}
 * Pure: JSON in, a gs_results check out. */
#ifndef GS_STATUS_CHECK_H
#define GS_STATUS_CHECK_H

#include "gs_json_parse.h"
#include "gs_results.h"
#include "gs_scenario.h"

/* Adds one "expectStatus" check for |x| to |step|; returns true when it passed. */
bool gs_status_check(const gs_scenario_status_expect *x, const gs_json_value *status,
                     gs_results_step *step);

#endif
