/* SPDX-License-Identifier: MIT */
/* Helpers shared by the Check test binaries: a runner main, paths to test data and built
 * binaries, and temporary files. */
#ifndef GS_TEST_H
#define GS_TEST_H

#include <check.h>
#include <stddef.h>

/* Runs |suite| with Check and returns the process exit status (0 when every test passed). */
int gs_test_run(Suite *suite);

/* Absolute path of |rel| under tests/data. Returns a static buffer valid until the next call. */
const char *gs_test_data(const char *rel);

/* Absolute path of a binary built by this build tree ("harness/cli/gatesim", ...). */
const char *gs_test_built(const char *rel);

/* Writes |content| to a new temporary file whose name ends in |suffix| (".yaml") and returns its
 * path (malloc'd; the caller unlinks and frees it). */
char *gs_test_write_temp(const char *suffix, const char *content);

/* A computed number against an independently computed reference value. */
typedef struct gs_test_ref {
    double got, want, rel_tol;
    const char *expr; /* the expression that produced |want| (e.g. scipy's) */
} gs_test_ref;

/* Fails the test at the first row whose |got| is off |want| by more than |rel_tol| relative
 * (absolute when |want| is 0), naming its expression. */
void gs_test_ref_check(const gs_test_ref *rows, size_t n);

#endif
