/* SPDX-License-Identifier: MIT */
/* Escaping: markup in messages and evidence stays text, invalid UTF-8 never reaches output. */
#include "gs_report_text.h"
#include "gs_test.h"

#include <stdlib.h>

START_TEST(xml_escapes_markup_and_bad_bytes)
{
    gs_buf b = {0};
    gs_report_escape_xml(&b, "<a href=\"x\">'&'</a>", 0);
    ck_assert_str_eq(b.data, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    gs_buf_reset(&b);
    gs_report_escape_xml(&b, "ok\x01\xff\xc3\xa9\xe2\x82\xac\xed\xa0\x80|\n", 1);
    /* \x01 and \xff and the UTF-16 surrogate (3 bytes, each invalid alone) are replaced. */
    ck_assert_str_eq(b.data, "ok\xEF\xBF\xBD\xEF\xBF\xBD\xc3\xa9\xe2\x82\xac"
                             "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|&#10;");
    gs_buf_reset(&b);
    gs_report_escape_xml(&b, NULL, 0);
    ck_assert_uint_eq(b.len, 0);
    gs_buf_reset(&b);
    gs_report_escape_xml(&b, "line\nnext", 0);
    ck_assert_str_eq(b.data, "line\nnext");
    gs_buf_clear(&b);
}
END_TEST

START_TEST(md_escapes_table_breakers)
{
    gs_buf b = {0};
    gs_report_escape_md(&b, "a|b `c` <img src=x> *d*\nline");
    ck_assert_str_eq(b.data, "a\\|b \\`c\\` &lt;img src=x&gt; \\*d\\*<br>line");
    gs_buf_reset(&b);
    gs_report_percent(&b, 0.7512);
    ck_assert_str_eq(b.data, "75.1%");
    gs_buf_clear(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reports/text");
    TCase *tc = tcase_create("text");
    tcase_add_test(tc, xml_escapes_markup_and_bad_bytes);
    tcase_add_test(tc, md_escapes_table_breakers);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
