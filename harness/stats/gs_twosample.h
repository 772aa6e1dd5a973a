/* SPDX-License-Identifier: MIT */
/* Two samples of categorical outcomes (which backend answered, with what) compared at a stated
 * false-failure rate: do both come from the same distribution? Used by `gatesim diff` for probes
 * whose answer is a split (a weighted canary, weighted backendRefs): N requests to each side,
 * the counts per outcome compared here. Exact tests only, as gs_gof.h:
 *
 *   each outcome c seen on either side is tested on its own 2x2 table (c or not, side A or B)
 *   with Fisher's exact test, two-sided (gs_twosample_fisher), conditional on the margins, so
 *   its false-failure rate is at most its level whatever the common share is;
 *   m <= 1 outcomes    nothing can differ: p-value 1;
 *   m == 2             the two tables are the same table: one test, no correction;
 *   m >= 3             Holm's step-down correction over the m tests.
 * The samples differ iff the smallest adjusted p-value is <= alpha (docs/stats.md). */
#ifndef GS_TWOSAMPLE_H
#define GS_TWOSAMPLE_H

#include "gs_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fisher's exact test, two-sided, of the table [[a, b], [c, d]] (rows: the samples; columns:
 * the outcome and the rest): the probability, under the hypergeometric law of the margins, of
 * every table no more likely than the one seen (relative tolerance 1e-7, scipy.stats.fisher_exact's
 * definition). In [0, 1]; 1 when a margin is empty. */
double gs_twosample_fisher(uint64_t a, uint64_t b, uint64_t c, uint64_t d);

/* One outcome: the caller fills the counts; gs_twosample_compare the rest. */
typedef struct gs_twosample_cat {
    uint64_t count_a, count_b;
    double share_a, share_b; /* of each sample; NAN when that sample is empty */
    double p_value;          /* Fisher's test of this outcome alone (1 when m < 2) */
    double p_adjusted;       /* Holm-adjusted: what the decision compares with alpha */
    bool differs;            /* p_adjusted <= alpha */
} gs_twosample_cat;

typedef struct gs_twosample_result {
    bool differs;
    uint64_t n_a, n_b;
    unsigned active; /* outcomes seen on either side (m) */
    double p_value;  /* the smallest adjusted p-value: differs iff p_value <= alpha */
} gs_twosample_result;

/* Compares the samples whose counts per outcome are |cats|. Fails (GS_ERR_INVALID) when |alpha|
 * is outside (0, 1) or a sample is empty. */
int gs_twosample_compare(gs_twosample_cat *cats, size_t n, double alpha, gs_twosample_result *res,
                         gs_error *err);

#endif
