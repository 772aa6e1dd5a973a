/* SPDX-License-Identifier: MIT */
/* JUnit XML: suites per scenario, testcases per step, failures with messages, escaping. The
 * integration test (tests/integration/reports) parses the same output with xml.etree. */
#include "gs_report.h"
#include "gs_test.h"

#include "sample_results.h"

#include <string.h>

START_TEST(junit_structure_and_escaping)
{
    gs_results *r = sample_results();
    gs_buf b = {0};
    gs_report_junit(r, &b);
    const char *x = b.data;
    ck_assert_ptr_nonnull(strstr(x, "<testsuites name=\"gatesim\" tests=\"4\" failures=\"1\" "
                                    "errors=\"1\" skipped=\"1\""));
    ck_assert_ptr_nonnull(strstr(x, "<testsuite name=\"wrong-split &lt;75/25&gt;\" tests=\"1\" "
                                    "failures=\"1\""));
    ck_assert_ptr_nonnull(strstr(x,
                                 "<testcase classname=\"canary-95-5\" name=\"split holds at 95/5\" "
                                 "time=\"1.400\""));
    ck_assert_ptr_nonnull(strstr(x, "<failure message=\"backend shares differ from the weights "
                                    "(p = 3.2e-12 &lt; alpha 0.001) (and 1 more failed checks)\" "
                                    "type=\"split\">"));
    ck_assert_ptr_nonnull(strstr(x, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;"));
    ck_assert_ptr_null(strstr(x, "<script>"));
    ck_assert_ptr_nonnull(strstr(x, "<error message=\"gateway exited with status 134\""));
    ck_assert_ptr_nonnull(strstr(x, "<skipped message=\"not run\"/>"));
    ck_assert_ptr_nonnull(strstr(x, "<property name=\"seed\" value=\"42\"/>"));
    /* Evidence goes into the failure body. */
    ck_assert_ptr_nonnull(strstr(x, "GET /checkout?a=1&amp;b=&lt;2&gt; HTTP/1.1&#13;&#10;"));
    gs_buf_clear(&b);
    gs_results_free(r);
}
END_TEST

/* A rollout step: one testcase per stage, the failed stage failing with its check, and the
 * step's own testcase for the checks no stage holds (the outcome). */
START_TEST(junit_rollout_stages)
{
    gs_results *r;
    gs_results_new(&r, "builtin", 0, 1);
    sample_rollout(r);
    gs_buf b = {0};
    gs_report_junit(r, &b);
    const char *x = b.data;
    ck_assert_ptr_nonnull(strstr(x, "<testsuite name=\"rollout\" tests=\"6\" failures=\"2\""));
    ck_assert_ptr_nonnull(strstr(
        x, "<testcase classname=\"rollout\" name=\"progressive delivery › 2. setWeight 20\" "
           "time=\"0.700\""));
    ck_assert_ptr_nonnull(strstr(x, "name=\"progressive delivery › 4. analysis\""));
    const char *back = strstr(x, "name=\"progressive delivery › 5. rollback (stable 100, canary "
                                 "0)\"");
    ck_assert_ptr_nonnull(back);
    const char *end = strstr(back, "</testcase>");
    const char *f = strstr(back, "<failure message=\"rollback (stable 100, canary 0): halted\" "
                                 "type=\"rollout.split\">");
    ck_assert_ptr_nonnull(f);
    ck_assert(f < end);
    /* The step's testcase fails with the outcome alone. */
    const char *step = strstr(x, "name=\"progressive delivery\"");
    ck_assert_ptr_nonnull(step);
    ck_assert_ptr_nonnull(strstr(step, "<failure message=\"the rollout ended otherwise\" "
                                       "type=\"rollout.outcome\">"));
    /* A passed stage has no failure. */
    const char *w = strstr(x, "› 2. setWeight 20");
    ck_assert(strstr(w, "<failure") > strstr(w, "</testcase>"));
    gs_buf_clear(&b);
    gs_results_free(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reports/junit");
    TCase *tc = tcase_create("junit");
    tcase_add_test(tc, junit_structure_and_escaping);
    tcase_add_test(tc, junit_rollout_stages);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
