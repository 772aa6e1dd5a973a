/* SPDX-License-Identifier: MIT */
/* gs_histogram: exact small values, percentiles of known distributions within the promised
 * 0.1%, merge equals the histogram of the union, fixed memory for huge counts. */
#include "gs_histogram.h"
#include "gs_test.h"

#include <math.h>
#include <stdlib.h>

/* |got| is within |rel| of |want| */
static void assert_near(int64_t got, double want, double rel)
{
    ck_assert_msg(fabs((double)got - want) <= want * rel + 1, "got %lld, want %.1f (+-%.3f%%)",
                  (long long)got, want, rel * 100);
}

START_TEST(small_values_are_exact)
{
    gs_histogram *h;
    gs_histogram_new(&h);
    for (int v = 1; v <= 100; v++)
        gs_histogram_record(h, v);
    ck_assert_uint_eq(gs_histogram_count(h), 100);
    ck_assert_int_eq(gs_histogram_percentile(h, 50), 50);
    ck_assert_int_eq(gs_histogram_percentile(h, 90), 90);
    ck_assert_int_eq(gs_histogram_percentile(h, 99), 99);
    ck_assert_int_eq(gs_histogram_percentile(h, 100), 100);
    ck_assert_int_eq(gs_histogram_percentile(h, 0), 1);
    ck_assert_int_eq(gs_histogram_min(h), 1);
    ck_assert_int_eq(gs_histogram_max(h), 100);
    ck_assert(fabs(gs_histogram_mean(h) - 50.5) < 1e-9);
    gs_histogram_free(h);
}
END_TEST

START_TEST(uniform_percentiles)
{
    /* 1 us .. 1 s in 1 us steps: percentile p is p% of 1 s */
    gs_histogram *h;
    gs_histogram_new(&h);
    for (int64_t us = 1; us <= 1000000; us++)
        gs_histogram_record(h, us * 1000);
    const double ps[] = {50, 90, 99, 99.9, 99.99};
    for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++)
        assert_near(gs_histogram_percentile(h, ps[k]), ps[k] / 100 * 1e9, 0.001);
    ck_assert_int_eq(gs_histogram_max(h), 1000000000);
    assert_near((int64_t)gs_histogram_mean(h), 500000.5 * 1000, 1e-9);
    gs_histogram_free(h);
}
END_TEST

START_TEST(exponential_percentiles)
{
    /* deterministic exponential sample with mean 2 ms: quantile q is -ln(1-q) * mean */
    gs_histogram *h;
    gs_histogram_new(&h);
    const int n = 200000;
    const double mean = 2e6;
    for (int i = 0; i < n; i++) {
        double u = (i + 0.5) / n;
        gs_histogram_record(h, (int64_t)llround(-log(1 - u) * mean));
    }
    const double ps[] = {50, 90, 99, 99.9};
    for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++)
        assert_near(gs_histogram_percentile(h, ps[k]), -log(1 - ps[k] / 100) * mean, 0.0015);
    gs_histogram_free(h);
}
END_TEST

START_TEST(merge_is_union)
{
    gs_histogram *a, *b, *all;
    gs_histogram_new(&a);
    gs_histogram_new(&b);
    gs_histogram_new(&all);
    srand(7);
    for (int i = 0; i < 50000; i++) {
        int64_t v = (int64_t)rand() % 50000000 + 1;
        gs_histogram_record(i % 3 ? a : b, v);
        gs_histogram_record(all, v);
    }
    gs_histogram_record(b, 999999999); /* the max lives in b only */
    gs_histogram_record(all, 999999999);
    gs_histogram_merge(a, b);
    ck_assert_uint_eq(gs_histogram_count(a), gs_histogram_count(all));
    for (double p = 0; p <= 100; p += 0.5)
        ck_assert_int_eq(gs_histogram_percentile(a, p), gs_histogram_percentile(all, p));
    ck_assert_int_eq(gs_histogram_percentile(a, 99.99), gs_histogram_percentile(all, 99.99));
    ck_assert_int_eq(gs_histogram_max(a), 999999999);
    ck_assert_int_eq(gs_histogram_min(a), gs_histogram_min(all));
    ck_assert(fabs(gs_histogram_mean(a) - gs_histogram_mean(all)) < 1e-3);
    /* merging an empty histogram changes nothing */
    gs_histogram_reset(b);
    gs_histogram_merge(a, b);
    ck_assert_uint_eq(gs_histogram_count(a), gs_histogram_count(all));
    gs_histogram_free(a);
    gs_histogram_free(b);
    gs_histogram_free(all);
}
END_TEST

START_TEST(bounded_and_clamped)
{
    gs_histogram *h;
    gs_histogram_new(&h);
    ck_assert_int_eq(gs_histogram_percentile(h, 50), 0);
    ck_assert_int_eq(gs_histogram_max(h), 0);
    gs_histogram_record_n(h, 5000, UINT64_C(10000000000)); /* 1e10 samples, no memory growth */
    gs_histogram_record(h, -5);
    gs_histogram_record(h, INT64_MAX);
    ck_assert_uint_eq(gs_histogram_count(h), UINT64_C(10000000002));
    ck_assert_int_eq(gs_histogram_min(h), 0);
    ck_assert_int_eq(gs_histogram_max(h), (int64_t)GS_HISTOGRAM_MAX_VALUE);
    /* 5000 lands in a bucket of width 4: reported as its highest equivalent value */
    int64_t p50 = gs_histogram_percentile(h, 50);
    ck_assert_int_ge(p50, 5000);
    ck_assert_int_le(p50, 5003);
    ck_assert_int_eq(gs_histogram_percentile(h, 100), (int64_t)GS_HISTOGRAM_MAX_VALUE);
    gs_histogram_free(h);
}
END_TEST

/* HdrHistogram's counts index for lowest discernible value 1 and 3 significant digits
 * (sub-bucket count 2048, half 1024), written from its published formulas, not from ours. */
static size_t hdr_index(uint64_t v)
{
    unsigned pow2ceiling = 64u - (unsigned)__builtin_clzll(v | 2047u);
    unsigned bucket = pow2ceiling - 11u;
    uint64_t sub = v >> bucket;
    return ((size_t)(bucket + 1) << 10) + (size_t)(sub - 1024);
}

START_TEST(buckets_are_hdrhistogram_layout)
{
    ck_assert_uint_eq(gs_histogram_bucket_total(), 2048 + 33 * 1024);
    uint64_t probes[] = {0,    1,     2047,        2048,        2049,          2050,
                         4095, 4096,  4097,        1000000,     123456789,     (1ull << 40) + 12345,
                         GS_HISTOGRAM_MAX_VALUE};
    for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
        size_t i = gs_histogram_bucket_of((int64_t)probes[k]);
        ck_assert_uint_eq(i, hdr_index(probes[k]));
        ck_assert_uint_le(gs_histogram_bucket_lowest(i), probes[k]);
        ck_assert_uint_ge(gs_histogram_bucket_highest(i), probes[k]);
    }
    /* buckets tile the range: each starts right after the previous one ends */
    for (size_t i = 1; i < gs_histogram_bucket_total(); i++)
        ck_assert_uint_eq(gs_histogram_bucket_lowest(i), gs_histogram_bucket_highest(i - 1) + 1);
    ck_assert_uint_eq(gs_histogram_bucket_highest(gs_histogram_bucket_total() - 1),
                      GS_HISTOGRAM_MAX_VALUE);
}
END_TEST

START_TEST(rebuilt_from_buckets_is_identical)
{
    gs_histogram *h, *copy;
    gs_histogram_new(&h);
    gs_histogram_new(&copy);
    srand(7);
    for (int k = 0; k < 100000; k++)
        gs_histogram_record(h, (int64_t)(-log((rand() + 1.0) / (RAND_MAX + 2.0)) * 2e6));
    for (size_t i = 0; i < gs_histogram_bucket_total(); i++)
        gs_histogram_add_bucket(copy, gs_histogram_bucket_of((int64_t)gs_histogram_bucket_lowest(i)),
                                gs_histogram_bucket_count(h, i));
    gs_histogram_add_stats(copy, gs_histogram_min(h), gs_histogram_max(h), gs_histogram_sum(h));
    ck_assert_uint_eq(gs_histogram_count(copy), gs_histogram_count(h));
    ck_assert_int_eq(gs_histogram_min(copy), gs_histogram_min(h));
    ck_assert_int_eq(gs_histogram_max(copy), gs_histogram_max(h));
    ck_assert(fabs(gs_histogram_mean(copy) - gs_histogram_mean(h)) < 1e-6 * gs_histogram_mean(h));
    for (double p = 0; p <= 100; p += 0.5)
        ck_assert_int_eq(gs_histogram_percentile(copy, p), gs_histogram_percentile(h, p));
    ck_assert_int_eq(gs_histogram_percentile(copy, 99.99), gs_histogram_percentile(h, 99.99));
    gs_histogram_free(h);
    gs_histogram_free(copy);
}
END_TEST

static Suite *histogram_suite(void)
{
    Suite *s = suite_create("histogram");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, small_values_are_exact);
    tcase_add_test(tc, uniform_percentiles);
    tcase_add_test(tc, exponential_percentiles);
    tcase_add_test(tc, merge_is_union);
    tcase_add_test(tc, bounded_and_clamped);
    tcase_add_test(tc, buckets_are_hdrhistogram_layout);
    tcase_add_test(tc, rebuilt_from_buckets_is_identical);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(histogram_suite());
}
