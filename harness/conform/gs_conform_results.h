/* SPDX-License-Identifier: MIT */
/* One test's results.json into `gatesim conform`'s aggregate results (gs_conform_results.c). */
#ifndef GS_CONFORM_RESULTS_H
#define GS_CONFORM_RESULTS_H

#include "gs_json_parse.h"
#include "gs_results.h"

/* Fills |into| (result, duration, error, steps and their checks with evidence) from the first
 * scenario of a parsed results.json; a document without one makes |into| an ERROR. */
void gs_conform_results_read(gs_results_scenario *into, const gs_json_value *results);

/* One line saying why a test failed: its first failed check, else its first failed step's
 * message, else the scenario's error. The caller frees it. */
char *gs_conform_results_why(const gs_results_scenario *s);

#endif
