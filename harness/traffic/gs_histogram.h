/* SPDX-License-Identifier: MIT */
/* A log-linear histogram of non-negative integer values (latencies in nanoseconds), in the
 * spirit of HdrHistogram: values below 2^11 are counted exactly, larger ones in buckets whose
 * width is 1/1024 of their magnitude, so any percentile is within 0.1% of a recorded value.
 * Fixed memory (~290 KiB) whatever the number of samples; two histograms merge into the
 * histogram of the union of their samples. Not thread-safe: one per worker, merged at the end. */
#ifndef GS_HISTOGRAM_H
#define GS_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

/* Values above this (about 4.9 hours in ns) are counted as this. */
#define GS_HISTOGRAM_MAX_VALUE ((UINT64_C(1) << 44) - 1)

typedef struct gs_histogram gs_histogram;

/* Creates an empty histogram. Returns 0 (allocation failure aborts). */
int gs_histogram_new(gs_histogram **out);
void gs_histogram_free(gs_histogram *h);
void gs_histogram_reset(gs_histogram *h);

/* Counts |value| once (or |n| times). Negative values count as 0. */
void gs_histogram_record(gs_histogram *h, int64_t value);
void gs_histogram_record_n(gs_histogram *h, int64_t value, uint64_t n);

/* Adds every count of |src| to |dst|. */
void gs_histogram_merge(gs_histogram *dst, const gs_histogram *src);

uint64_t gs_histogram_count(const gs_histogram *h);
/* Exact smallest and largest recorded values; 0 when empty. */
int64_t gs_histogram_min(const gs_histogram *h);
int64_t gs_histogram_max(const gs_histogram *h);
/* Mean of the recorded values (exact sum / count); 0 when empty. */
double gs_histogram_mean(const gs_histogram *h);

/* The value at percentile |p| (0..100): the smallest bucket bound below which at least p% of
 * the samples lie, reported as the highest value equivalent to that bucket and clamped to the
 * exact min and max. 0 when empty. */
int64_t gs_histogram_percentile(const gs_histogram *h, double p);

/* ---- the buckets, for export and exact merging across processes ----
 * The layout is HdrHistogram's for a lowest discernible value of 1, highest trackable value
 * GS_HISTOGRAM_MAX_VALUE and 3 significant digits: bucket i here is index i of that
 * HdrHistogram's counts array, so the counts can be written in its formats unchanged. */
#define GS_HISTOGRAM_SIGNIFICANT_DIGITS 3

/* Number of buckets (the length of the counts array). */
size_t gs_histogram_bucket_total(void);
/* The bucket |value| falls in, and the lowest and highest values bucket |i| holds. */
size_t gs_histogram_bucket_of(int64_t value);
uint64_t gs_histogram_bucket_lowest(size_t i);
uint64_t gs_histogram_bucket_highest(size_t i);
/* The count of bucket |i|. */
uint64_t gs_histogram_bucket_count(const gs_histogram *h, size_t i);
/* Exact sum of the recorded values. */
double gs_histogram_sum(const gs_histogram *h);

/* Rebuilding a histogram written out elsewhere: adds |n| to bucket |i| (i below
 * gs_histogram_bucket_total()), then gs_histogram_add_stats folds in that histogram's exact
 * min, max and sum (min/max kept as the extremes, sums added). Together they are
 * gs_histogram_merge of the original. */
void gs_histogram_add_bucket(gs_histogram *h, size_t i, uint64_t n);
void gs_histogram_add_stats(gs_histogram *h, int64_t min, int64_t max, double sum);

#endif
