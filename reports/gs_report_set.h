/* SPDX-License-Identifier: MIT */
/* A run's report folder, replaced as a whole. Every publish writes a complete set (the report
 * files and the saved logs) into a fresh sibling folder, <dir>.tmp-XXXXXX, and swaps it into
 * place with one rename, so a reader (a CI job collecting artifacts, a person reloading
 * report.html) never sees files of two runs mixed or a half-written set, and a run that
 * publishes nothing leaves the previous set untouched. Only a folder that holds nothing but
 * report files is ever replaced: pointing --report-dir at a folder of other files is an error,
 * never a deletion. */
#ifndef GS_REPORT_SET_H
#define GS_REPORT_SET_H

#include "gs_error.h"
#include "gs_results.h"

/* Checks before a run that |dir| can take a report set: missing (its parent must exist), or a
 * folder holding only report files. Returns 0 or GS_ERR_USAGE / GS_ERR_IO with a message. */
int gs_report_set_check(const char *dir, gs_error *err);

/* Writes the formats in |formats| (GS_REPORT_* bits) and a copy of the folder |logs| (NULL or
 * missing: none) as <dir>/logs into a new set and makes it <dir>, removing the previous set.
 * Returns 0 or a negative GS_ERR_* with a message; on error <dir> is unchanged. */
int gs_report_set_publish(const char *dir, const gs_results *r, unsigned formats,
                          const char *logs, gs_error *err);

#endif
