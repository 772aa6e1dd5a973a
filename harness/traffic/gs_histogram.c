/* SPDX-License-Identifier: MIT */
/* Log-linear histogram. Index layout: [0, 2048) holds values 0..2047 exactly; above that each
 * power of two [2^k, 2^(k+1)) (k >= 11) is split into 1024 equal buckets. Only counts, the exact
 * sum, min and max are kept, so memory never grows with the number of samples. */
#include "gs_histogram.h"

#include "gs_alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HIST_SUB_BITS 10
#define HIST_SUB (1u << HIST_SUB_BITS) /* buckets per power of two */
#define HIST_LINEAR (2u * HIST_SUB)    /* values counted exactly */
#define HIST_TOP_BIT 44
#define HIST_COUNTS (HIST_LINEAR + (HIST_TOP_BIT - HIST_SUB_BITS - 1) * HIST_SUB)

struct gs_histogram {
    uint64_t total;
    uint64_t min, max;
    long double sum; /* exact enough: 2^64 samples of 2^44 ns still fit the mantissa's range */
    uint64_t counts[HIST_COUNTS];
};

static unsigned hist_index(uint64_t v)
{
    if (v < HIST_LINEAR)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v); /* >= 11 */
    unsigned shift = msb - HIST_SUB_BITS;              /* >= 1 */
    unsigned sub = (unsigned)(v >> shift) - HIST_SUB;  /* 0..1023 */
    return HIST_LINEAR + (shift - 1) * HIST_SUB + sub;
}

/* The largest value that lands in bucket |i|. */
static uint64_t hist_highest(unsigned i)
{
    if (i < HIST_LINEAR)
        return i;
    unsigned shift = (i - HIST_LINEAR) / HIST_SUB + 1;
    uint64_t sub = (i - HIST_LINEAR) % HIST_SUB + HIST_SUB;
    return ((sub + 1) << shift) - 1;
}

int gs_histogram_new(gs_histogram **out)
{
    gs_histogram *h = gs_xmalloc(sizeof(*h));
    gs_histogram_reset(h);
    *out = h;
    return 0;
}

void gs_histogram_free(gs_histogram *h)
{
    free(h);
}

void gs_histogram_reset(gs_histogram *h)
{
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

void gs_histogram_record_n(gs_histogram *h, int64_t value, uint64_t n)
{
    if (n == 0)
        return;
    uint64_t v = value < 0 ? 0 : (uint64_t)value;
    if (v > GS_HISTOGRAM_MAX_VALUE)
        v = GS_HISTOGRAM_MAX_VALUE;
    h->counts[hist_index(v)] += n;
    h->total += n;
    h->sum += (long double)v * (long double)n;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

void gs_histogram_record(gs_histogram *h, int64_t value)
{
    gs_histogram_record_n(h, value, 1);
}

void gs_histogram_merge(gs_histogram *dst, const gs_histogram *src)
{
    if (src->total == 0)
        return;
    for (unsigned i = 0; i < HIST_COUNTS; i++)
        dst->counts[i] += src->counts[i];
    dst->total += src->total;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

uint64_t gs_histogram_count(const gs_histogram *h)
{
    return h->total;
}

int64_t gs_histogram_min(const gs_histogram *h)
{
    return h->total ? (int64_t)h->min : 0;
}

int64_t gs_histogram_max(const gs_histogram *h)
{
    return (int64_t)h->max;
}

double gs_histogram_mean(const gs_histogram *h)
{
    return h->total ? (double)(h->sum / (long double)h->total) : 0.0;
}

int64_t gs_histogram_percentile(const gs_histogram *h, double p)
{
    if (h->total == 0)
        return 0;
    if (p < 0)
        p = 0;
    if (p > 100)
        p = 100;
    /* the rank of the sample at percentile p, 1-based, at least 1 */
    uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->total);
    if (rank < 1)
        rank = 1;
    if (rank > h->total)
        rank = h->total;
    uint64_t seen = 0;
    unsigned top = hist_index(h->max);
    for (unsigned i = hist_index(h->min); i <= top; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t v = hist_highest(i);
            if (v > h->max)
                v = h->max;
            if (v < h->min)
                v = h->min;
            return (int64_t)v;
        }
    }
    return (int64_t)h->max;
}

/* ---- buckets --------------------------------------------------------------------------- */

size_t gs_histogram_bucket_total(void)
{
    return HIST_COUNTS;
}

size_t gs_histogram_bucket_of(int64_t value)
{
    uint64_t v = value < 0 ? 0 : (uint64_t)value;
    return hist_index(v > GS_HISTOGRAM_MAX_VALUE ? GS_HISTOGRAM_MAX_VALUE : v);
}

uint64_t gs_histogram_bucket_lowest(size_t i)
{
    return i == 0 ? 0 : hist_highest((unsigned)i - 1) + 1;
}

uint64_t gs_histogram_bucket_highest(size_t i)
{
    return hist_highest((unsigned)i);
}

uint64_t gs_histogram_bucket_count(const gs_histogram *h, size_t i)
{
    return i < HIST_COUNTS ? h->counts[i] : 0;
}

double gs_histogram_sum(const gs_histogram *h)
{
    return (double)h->sum;
}

void gs_histogram_add_bucket(gs_histogram *h, size_t i, uint64_t n)
{
    if (i >= HIST_COUNTS || n == 0)
        return;
    h->counts[i] += n;
    h->total += n;
}

void gs_histogram_add_stats(gs_histogram *h, int64_t min, int64_t max, double sum)
{
    if (h->total == 0)
        return;
    uint64_t lo = min < 0 ? 0 : (uint64_t)min, hi = max < 0 ? 0 : (uint64_t)max;
    if (lo < h->min)
        h->min = lo;
    if (hi > h->max)
        h->max = hi;
    h->sum += (long double)sum;
}
