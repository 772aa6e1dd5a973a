/* SPDX-License-Identifier: MIT */
/* gs_threshold: the expressions `gatesim load --threshold` accepts, the ones it refuses with a
 * message, and the verdicts on a result built by hand (latency percentiles, rps, error and
 * non-2xx counts and shares, missed requests of an open-loop schedule). */
#include "gs_test.h"
#include "gs_threshold.h"

#include <math.h>
#include <string.h>

static gs_threshold parse_ok(const char *s)
{
    gs_threshold t;
    gs_error err = {0};
    ck_assert_msg(gs_threshold_parse(s, &t, &err) == 0, "\"%s\": %s", s, err.msg);
    ck_assert_str_eq(t.expr, s);
    return t;
}

static void parse_bad(const char *s, const char *message)
{
    gs_threshold t;
    gs_error err = {0};
    ck_assert_msg(gs_threshold_parse(s, &t, &err) == GS_ERR_INVALID, "\"%s\" accepted", s);
    ck_assert_msg(strstr(err.msg, message) != NULL, "\"%s\": %s", s, err.msg);
}

START_TEST(parses_metrics_ops_and_units)
{
    gs_threshold t = parse_ok("p99<5ms");
    ck_assert_int_eq(t.metric, GS_THRESHOLD_PERCENTILE);
    ck_assert(t.pct == 99);
    ck_assert_int_eq(t.op, GS_THRESHOLD_LT);
    ck_assert(t.limit == 5e6);
    t = parse_ok("p99.9 <= 250us");
    ck_assert(t.pct == 99.9);
    ck_assert_int_eq(t.op, GS_THRESHOLD_LE);
    ck_assert(t.limit == 250e3);
    t = parse_ok("mean<1.5ms");
    ck_assert_int_eq(t.metric, GS_THRESHOLD_MEAN);
    ck_assert(t.limit == 1.5e6);
    t = parse_ok("rps>=1000");
    ck_assert_int_eq(t.metric, GS_THRESHOLD_RPS);
    ck_assert_int_eq(t.op, GS_THRESHOLD_GE);
    ck_assert(t.limit == 1000);
    t = parse_ok("errors<0.1%");
    ck_assert_int_eq(t.metric, GS_THRESHOLD_ERRORS);
    ck_assert(t.percent);
    ck_assert(fabs(t.limit - 0.001) < 1e-15);
    t = parse_ok("errors<5");
    ck_assert(!t.percent);
    ck_assert(t.limit == 5);
    t = parse_ok("missed>0");
    ck_assert_int_eq(t.op, GS_THRESHOLD_GT);
    t = parse_ok("non2xx<1%");
    ck_assert_int_eq(t.metric, GS_THRESHOLD_NON2XX);
}
END_TEST

START_TEST(refuses_bad_expressions)
{
    parse_bad("p99=5ms", "want METRIC<VALUE");
    parse_bad("p99", "want METRIC<VALUE");
    parse_bad("latency<5ms", "unknown metric \"latency\"");
    parse_bad("p0<5ms", "unknown metric");
    parse_bad("p101<5ms", "unknown metric");
    parse_bad("p99<5", "bad value \"5\""); /* a latency needs a unit */
    parse_bad("p99<fast", "bad value");
    parse_bad("p99<", "no value");
    parse_bad("rps>10%", "bad value");
    parse_bad("errors<101%", "bad value");
    parse_bad("errors<-1", "bad value");
    parse_bad("errors<1x", "bad value");
}
END_TEST

/* 100 responses with latencies 1..100 ms, 3 connect errors, 10 of the responses 503, an open
 * loop that missed 5 of 108 scheduled requests, over 2 s. */
static gs_traffic_result *sample(void)
{
    gs_traffic_result *r = gs_traffic_result_new();
    for (int ms = 1; ms <= 100; ms++)
        gs_histogram_record(r->latency, (int64_t)ms * 1000000);
    r->responses = 100;
    r->errors[GS_TRAFFIC_ERR_CONNECT] = 3;
    r->requests = 103;
    r->duration_s = 2;
    r->rps = 51.5;
    r->scheduled = 108;
    r->missed = 5;
    gs_traffic_counts_add(&r->statuses, "200", 3, 90);
    gs_traffic_counts_add(&r->statuses, "503", 3, 10);
    return r;
}

static void expect(const gs_traffic_result *r, const char *s, bool pass, double observed)
{
    gs_threshold t = parse_ok(s);
    double got = -1;
    ck_assert_msg(gs_threshold_check(&t, r, &got) == pass, "%s: observed %g", s, got);
    ck_assert_msg(fabs(got - observed) <= fabs(observed) * 2e-3 + 1e-12, "%s: observed %g, want %g",
                  s, got, observed);
}

START_TEST(checks_a_result)
{
    gs_traffic_result *r = sample();
    expect(r, "p99<100ms", true, 99e6);
    expect(r, "p99<99ms", false, 99e6);
    expect(r, "p99<=99.1ms", true, 99e6); /* the bucket reads 99.02 ms: within 0.1% */
    expect(r, "p50>=50ms", true, 50e6);
    expect(r, "max<100ms", false, 100e6);
    expect(r, "mean<51ms", true, 50.5e6);
    expect(r, "rps>=50", true, 51.5);
    expect(r, "rps>60", false, 51.5);
    expect(r, "errors<3", false, 3);
    expect(r, "errors<=3", true, 3);
    expect(r, "errors<3%", true, 3.0 / 103);
    expect(r, "errors<2%", false, 3.0 / 103);
    expect(r, "non2xx<10", false, 10);
    expect(r, "non2xx<10%", true, 10.0 / 103);
    expect(r, "missed<5%", true, 5.0 / 108);
    expect(r, "missed<4%", false, 5.0 / 108);
    expect(r, "missed<1", false, 5);
    char buf[48];
    gs_threshold t = parse_ok("errors<0.1%");
    gs_threshold_format(&t, 0.0025, buf, sizeof(buf));
    ck_assert_str_eq(buf, "0.25%");
    t = parse_ok("p99<5ms");
    gs_threshold_format(&t, 4.21e6, buf, sizeof(buf));
    ck_assert_str_eq(buf, "4.21ms");
    gs_traffic_result_free(r);
}
END_TEST

START_TEST(shares_of_nothing_are_zero)
{
    gs_traffic_result *r = gs_traffic_result_new();
    expect(r, "errors<0.1%", true, 0);
    expect(r, "missed<1%", true, 0);
    gs_traffic_result_free(r);
}
END_TEST

static Suite *threshold_suite(void)
{
    Suite *s = suite_create("threshold");
    TCase *tc = tcase_create("threshold");
    tcase_add_test(tc, parses_metrics_ops_and_units);
    tcase_add_test(tc, refuses_bad_expressions);
    tcase_add_test(tc, checks_a_result);
    tcase_add_test(tc, shares_of_nothing_are_zero);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(threshold_suite());
}
