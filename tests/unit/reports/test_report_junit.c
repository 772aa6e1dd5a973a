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

int main(void)
{
    Suite *s = suite_create("reports/junit");
    TCase *tc = tcase_create("junit");
    tcase_add_test(tc, junit_structure_and_escaping);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
