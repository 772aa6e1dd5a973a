/* SPDX-License-Identifier: MIT */
/* The Markdown summary: verdict, scenario table, failures with escaped evidence. */
#include "gs_report.h"
#include "gs_test.h"

#include "sample_results.h"

#include <string.h>

START_TEST(md_summary_lists_failures_first_class)
{
    gs_results *r = sample_results();
    gs_buf b = {0};
    gs_report_markdown(r, &b);
    const char *md = b.data;
    ck_assert_ptr_nonnull(strstr(md, "## gatesim: ❌ checks failed"));
    ck_assert_ptr_nonnull(strstr(md, "4 scenarios: **1 passed**, **1 failed**, 1 error,"));
    ck_assert_ptr_nonnull(strstr(md, "| canary-95-5 | ✅ passed | 1/1 |"));
    ck_assert_ptr_nonnull(strstr(md, "| wrong-split &lt;75/25&gt; | ❌ failed | 0/1 |"));
    ck_assert_ptr_nonnull(strstr(md, "| not-yet | ⏳ not run | 0/0 |"));
    ck_assert_ptr_nonnull(strstr(md, "### Failures"));
    ck_assert_ptr_nonnull(strstr(md, "| default/a | 70.0% | 3004 (75.1%) | 73.7% – 76.4% |"));
    ck_assert_ptr_nonnull(
        strstr(md, "- target counters in this step: mirrorsSent 3988, mirrorsDropped 12\n"));
    /* The hostile message is escaped in prose, and verbatim only inside a code fence. */
    ck_assert_ptr_nonnull(
        strstr(md, "&lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; 'q' \\| \\`tick\\`"));
    ck_assert_ptr_nonnull(strstr(md, "```text\nHTTP/1.1 200 OK"));
    ck_assert_ptr_nonnull(strstr(md, "⚠️ gateway exited with status 134"));
    /* The passing scenario's checks are not listed as failures. */
    ck_assert_ptr_null(strstr(md, "every response had status 200"));
    gs_buf_clear(&b);
    gs_results_free(r);
}
END_TEST

START_TEST(md_all_passed)
{
    gs_results *r;
    gs_results_new(&r, "builtin", 0, 1);
    gs_results_add_scenario(r, "ok", "ok.yaml")->result = GS_RESULT_PASSED;
    r->state = GS_RUN_COMPLETE;
    gs_buf b = {0};
    gs_report_markdown(r, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "✅ all checks passed"));
    ck_assert_ptr_null(strstr(b.data, "Failures"));
    gs_buf_clear(&b);
    gs_results_free(r);
}
END_TEST

START_TEST(md_caps_evidence_and_failures)
{
    gs_results *r;
    gs_results_new(&r, "builtin", 0, 1);
    gs_results_scenario *s = gs_results_add_scenario(r, "many", "m.yaml");
    s->result = GS_RESULT_FAILED;
    gs_results_step *st = gs_results_add_step(s, "send");
    st->result = GS_RESULT_FAILED;
    for (int i = 0; i < 60; i++) {
        gs_results_check *c = gs_results_add_check(st, "response");
        c->result = GS_RESULT_FAILED;
        gs_results_set(&c->message, "failure %d", i);
        if (i == 0) {
            /* 10 KB of body with a control byte and a lone continuation byte near the start. */
            gs_buf big = {0};
            gs_buf_puts(&big, "HTTP/1.1 200 OK\r\n\r\nA\x01"
                              "B\x80"
                              "C");
            for (int k = 0; k < 1000; k++)
                gs_buf_puts(&big, "0123456789");
            c->evidence_response = gs_buf_take(&big);
        }
    }
    gs_buf b = {0};
    gs_report_markdown(r, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "failure 49"));
    ck_assert_ptr_null(strstr(b.data, "failure 50"));
    ck_assert_ptr_nonnull(strstr(b.data, "…and 10 more failed checks: see report.html."));
    ck_assert_ptr_nonnull(strstr(b.data, "HTTP/1.1 200 OK\n\nA\xEF\xBF\xBD"
                                         "B\xEF\xBF\xBD"
                                         "C0123"));
    ck_assert_ptr_nonnull(strstr(b.data, "[... cut: the whole text is in report.html"));
    size_t digits = 0;
    for (const char *q = strstr(b.data, "0123456789"); q != NULL; q = strstr(q + 10, "0123456789"))
        digits++;
    ck_assert_msg(digits > 300 && digits < 410, "%zu copies of the body kept", digits);
    gs_buf_clear(&b);
    gs_results_free(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reports/md");
    TCase *tc = tcase_create("md");
    tcase_add_test(tc, md_summary_lists_failures_first_class);
    tcase_add_test(tc, md_all_passed);
    tcase_add_test(tc, md_caps_evidence_and_failures);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
