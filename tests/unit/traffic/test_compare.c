/* SPDX-License-Identifier: MIT */
/* gs_compare: verdicts on rounds built by hand (a 20% throughput loss and a 1 ms latency
 * increase are regressions; the same distribution is no change; a small significant loss
 * within the limit is not a regression; improvements are better), limits parsing, and whole
 * documents compared into Markdown and JSON with the regression count. */
#include "gs_alloc.h"
#include "gs_compare.h"
#include "gs_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static gs_compare_stat cmp(const double *b, size_t nb, const double *n, size_t nn, bool higher,
                           double limit)
{
    gs_compare_stat st;
    gs_compare_samples(b, nb, n, nn, higher, limit, &st);
    return st;
}

START_TEST(verdicts)
{
    const double base_rps[] = {10000, 10150, 9900, 10050, 9950};
    const double lost_rps[] = {8000, 8120, 7920, 8040, 7960}; /* -20% */
    gs_compare_stat st = cmp(base_rps, 5, lost_rps, 5, true, 0.05);
    ck_assert_int_eq(st.verdict, GS_COMPARE_WORSE);
    ck_assert(st.regression);
    ck_assert(fabs(st.change + 0.2) < 0.01);
    ck_assert(st.lo <= st.change && st.change <= st.hi && st.hi < 0);

    const double base_p99[] = {2.0, 2.1, 1.9, 2.05, 1.95};
    const double slow_p99[] = {3.0, 3.1, 2.9, 3.05, 2.95}; /* +1 ms */
    st = cmp(base_p99, 5, slow_p99, 5, false, 0.10);
    ck_assert(st.regression);
    ck_assert(st.lo > 0);

    /* the same numbers in another order: no change */
    const double shuffled[] = {9950, 10050, 10000, 9900, 10150};
    st = cmp(base_rps, 5, shuffled, 5, true, 0.05);
    ck_assert_int_eq(st.verdict, GS_COMPARE_SAME);
    ck_assert(!st.regression);
    ck_assert(st.change == 0);
    ck_assert(st.lo <= 0 && st.hi >= 0);

    /* overlapping noisy rounds: no significant change */
    const double noisy_a[] = {100, 140, 90, 120, 105}, noisy_b[] = {95, 130, 110, 85, 125};
    st = cmp(noisy_a, 5, noisy_b, 5, true, 0.05);
    ck_assert_int_eq(st.verdict, GS_COMPARE_SAME);

    /* 3% slower but every round: worse, within a 5% limit */
    const double little_less[] = {9700, 9845, 9603, 9748, 9651};
    st = cmp(base_rps, 5, little_less, 5, true, 0.05);
    ck_assert_int_eq(st.verdict, GS_COMPARE_WORSE);
    ck_assert(!st.regression);

    /* faster: better, never a regression */
    st = cmp(lost_rps, 5, base_rps, 5, true, 0.05);
    ck_assert_int_eq(st.verdict, GS_COMPARE_BETTER);
    ck_assert(!st.regression);
    st = cmp(slow_p99, 5, base_p99, 5, false, 0.10);
    ck_assert_int_eq(st.verdict, GS_COMPARE_BETTER);

    /* one round: a change but no interval, no verdict */
    st = cmp(base_rps, 1, lost_rps, 1, true, 0.05);
    ck_assert_int_eq(st.verdict, GS_COMPARE_SAME);
    ck_assert(isnan(st.lo) && isnan(st.hi));
    ck_assert(fabs(st.change + 0.2) < 1e-9);

    /* errors appear where there were none: the limit applies to the share itself */
    const double none[] = {0, 0, 0}, some[] = {0.02, 0.01, 0.03}, trace[] = {0, 0.0001, 0};
    st = cmp(none, 3, some, 3, false, 0.001);
    ck_assert(st.regression);
    ck_assert(isnan(st.change));
    st = cmp(none, 3, trace, 3, false, 0.001);
    ck_assert(!st.regression);
}
END_TEST

START_TEST(limits)
{
    double l[8];
    for (size_t m = 0; m < gs_compare_metric_count; m++)
        l[m] = gs_compare_metrics[m].default_limit;
    gs_error err = {0};
    ck_assert_int_eq(gs_compare_parse_limits("p99=20%,rps=2.5%", l, &err), 0);
    ck_assert_str_eq(gs_compare_metrics[0].name, "rps");
    ck_assert(fabs(l[0] - 0.025) < 1e-12);
    ck_assert(fabs(l[2] - 0.20) < 1e-12);
    ck_assert(fabs(l[1] - 0.10) < 1e-12); /* p50 kept its default */
    ck_assert_int_eq(gs_compare_parse_limits("p98=10%", l, &err), GS_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "p98=10%"));
    ck_assert_int_eq(gs_compare_parse_limits("p99=10", l, &err), GS_ERR_INVALID);
    ck_assert_int_eq(gs_compare_parse_limits("p99", l, &err), GS_ERR_INVALID);
    ck_assert_int_eq(gs_compare_parse_limits("p99=-1%", l, &err), GS_ERR_INVALID);
}
END_TEST

/* A bench document with one case "h1" whose rounds have rps |r0|..|r0+4*step| and p99 |p|. */
static char *doc(double r0, double step, double p, const char *extra_case)
{
    gs_buf b = {0};
    gs_buf_printf(&b, "{\"kind\":\"gatesim-bench\",\"cases\":[{\"name\":\"h1\",\"rounds\":[");
    for (int k = 0; k < 5; k++)
        gs_buf_printf(&b, "%s{\"rps\":%g,\"p50\":%g,\"p99\":%g,\"errors\":0}", k ? "," : "",
                      r0 + step * k, p / 2 + 0.01 * k, p + 0.01 * k);
    gs_buf_printf(&b, "]}%s]}", extra_case ? extra_case : "");
    return gs_buf_take(&b);
}

START_TEST(documents)
{
    double l[8];
    for (size_t m = 0; m < gs_compare_metric_count; m++)
        l[m] = gs_compare_metrics[m].default_limit;
    char *base = doc(1000, 10, 2.0, NULL);
    char *same = doc(1000, 10, 2.0, ",{\"name\":\"extra\",\"rounds\":[]}");
    char *worse = doc(800, 8, 3.0, NULL);
    gs_buf out = {0};
    gs_error err = {0};
    ck_assert_int_eq(gs_compare_documents(base, strlen(base), "base.json", same, strlen(same),
                                          "new.json", l, false, &out, &err),
                     0);
    ck_assert_ptr_nonnull(strstr(out.data, "pass: 0 regressions"));
    ck_assert_ptr_nonnull(strstr(out.data, "| h1 | rps | 1020 | 1020 | +0.0% |"));
    ck_assert_ptr_nonnull(strstr(out.data, "case `extra` is only in new.json"));
    gs_buf_reset(&out);
    /* rps -20% and p50/p99 up by a third or a half: three regressions */
    ck_assert_int_eq(gs_compare_documents(base, strlen(base), "base.json", worse, strlen(worse),
                                          "new.json", l, false, &out, &err),
                     3);
    ck_assert_ptr_nonnull(strstr(out.data, "**FAIL**: 3 regressions"));
    ck_assert_ptr_nonnull(strstr(out.data, "| h1 | rps | 1020 | 816 | -20.0% |"));
    gs_buf_reset(&out);
    ck_assert_int_eq(gs_compare_documents(base, strlen(base), "base.json", worse, strlen(worse),
                                          "new.json", l, true, &out, &err),
                     3);
    ck_assert_ptr_nonnull(strstr(out.data, "\"metric\":\"rps\""));
    ck_assert_ptr_nonnull(strstr(out.data, "\"regressions\":3"));
    /* a looser limit lets the latency pass */
    ck_assert_int_eq(gs_compare_parse_limits("p99=60%,p50=60%", l, &err), 0);
    gs_buf_reset(&out);
    ck_assert_int_eq(gs_compare_documents(base, strlen(base), "base.json", worse, strlen(worse),
                                          "new.json", l, false, &out, &err),
                     1);
    /* bad documents name the file and the field */
    const char *notbench = "{\"requests\":1}";
    ck_assert_int_eq(gs_compare_documents(base, strlen(base), "base.json", notbench,
                                          strlen(notbench), "load.json", l, false, &out, &err),
                     GS_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "load.json: kind"));
    const char *badround = "{\"kind\":\"gatesim-bench\",\"cases\":[{\"name\":\"h1\",\"rounds\":"
                           "[{\"rps\":\"fast\"}]}]}";
    ck_assert_int_eq(gs_compare_documents(base, strlen(base), "base.json", badround,
                                          strlen(badround), "new.json", l, false, &out, &err),
                     GS_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "new.json: case h1: rounds[0].rps is not a number"));
    ck_assert_int_eq(gs_compare_documents("{", 1, "cut.json", base, strlen(base), "new.json", l,
                                          false, &out, &err),
                     GS_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(err.msg, "cut.json"));
    gs_buf_clear(&out);
    free(base);
    free(same);
    free(worse);
}
END_TEST

/* A bench document with a route case "routes-100" whose rounds have propagationMs |p|, |p|+1,
 * ... (none with |p| < 0) and a traffic-only case "h1". */
static char *route_doc(double p)
{
    gs_buf b = {0};
    gs_buf_printf(&b, "{\"kind\":\"gatesim-bench\",\"cases\":[");
    const char *names[] = {"routes-100", "h1"};
    for (int c = 0; c < 2; c++) {
        gs_buf_printf(&b, "%s{\"name\":\"%s\",\"rounds\":[", c ? "," : "", names[c]);
        for (int k = 0; k < 5; k++) {
            gs_buf_printf(&b, "%s{\"rps\":%d,\"p50\":1,\"p99\":2,\"errors\":0", k ? "," : "",
                          1000 + k);
            if (c == 0 && p >= 0)
                gs_buf_printf(&b, ",\"propagationMs\":%g,\"propagationMaxMs\":%g", p + k,
                              2 * (p + k));
            gs_buf_puts(&b, "}");
        }
        gs_buf_puts(&b, "]}");
    }
    gs_buf_puts(&b, "]}");
    return gs_buf_take(&b);
}

START_TEST(propagation)
{
    double l[8];
    for (size_t m = 0; m < gs_compare_metric_count; m++)
        l[m] = gs_compare_metrics[m].default_limit;
    char *base = route_doc(40), *same = route_doc(41), *slow = route_doc(60), *fast = route_doc(20);
    char *none = route_doc(-1);
    gs_buf out = {0};
    gs_error err = {0};
    /* judged in the route case only, with the verdict rules of the other metrics */
    ck_assert_int_eq(gs_compare_documents(base, strlen(base), "base.json", same, strlen(same),
                                          "new.json", l, false, &out, &err),
                     0);
    ck_assert_ptr_nonnull(strstr(out.data, "| routes-100 | propagationMs | 42 | 43 |"));
    ck_assert_ptr_null(strstr(out.data, "| h1 | propagationMs"));
    gs_buf_reset(&out);
    /* half as slow again: beyond the default 25% */
    ck_assert_int_eq(gs_compare_documents(base, strlen(base), "base.json", slow, strlen(slow),
                                          "new.json", l, false, &out, &err),
                     1);
    ck_assert_ptr_nonnull(strstr(out.data, "| routes-100 | propagationMs | 42 | 62 | +47.6% |"));
    ck_assert_ptr_nonnull(strstr(out.data, "**REGRESSION**"));
    gs_buf_reset(&out);
    ck_assert_int_eq(gs_compare_documents(base, strlen(base), "base.json", fast, strlen(fast),
                                          "new.json", l, true, &out, &err),
                     0);
    ck_assert_ptr_nonnull(strstr(out.data, "\"metric\":\"propagationMs\""));
    ck_assert_ptr_nonnull(strstr(out.data, "\"verdict\":\"better\""));
    /* a looser limit lets it pass; the limit has a name */
    ck_assert_int_eq(gs_compare_parse_limits("propagationMs=60%", l, &err), 0);
    gs_buf_reset(&out);
    ck_assert_int_eq(gs_compare_documents(base, strlen(base), "base.json", slow, strlen(slow),
                                          "new.json", l, false, &out, &err),
                     0);
    ck_assert_ptr_nonnull(strstr(out.data, "worse, within the limit"));
    /* measured on one side only: listed, not compared */
    gs_buf_reset(&out);
    ck_assert_int_eq(gs_compare_documents(base, strlen(base), "base.json", none, strlen(none),
                                          "new.json", l, false, &out, &err),
                     0);
    ck_assert_ptr_nonnull(
        strstr(out.data, "`propagationMs` of case `routes-100` is only in base.json"));
    /* a round without it where the first has it names the field */
    char *cut = gs_xstrdup(base);
    char *last = strstr(cut, "\"propagationMs\":44");
    ck_assert_ptr_nonnull(last);
    memcpy(last, "\"propagationXs", 14);
    ck_assert_int_eq(gs_compare_documents(base, strlen(base), "base.json", cut, strlen(cut),
                                          "new.json", l, false, &out, &err),
                     GS_ERR_INVALID);
    ck_assert_ptr_nonnull(
        strstr(err.msg, "case routes-100: rounds[4].propagationMs is not a number"));
    gs_buf_clear(&out);
    free(base);
    free(same);
    free(slow);
    free(fast);
    free(none);
    free(cut);
}
END_TEST

static Suite *compare_suite(void)
{
    Suite *s = suite_create("compare");
    TCase *tc = tcase_create("compare");
    tcase_add_test(tc, verdicts);
    tcase_add_test(tc, limits);
    tcase_add_test(tc, documents);
    tcase_add_test(tc, propagation);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(compare_suite());
}
