/* SPDX-License-Identifier: MIT */
#include "gs_test.h"
#include "gs_time.h"

#include <string.h>

START_TEST(duration_parses_units_and_compounds)
{
    int64_t ns;
    gs_error err;
    ck_assert_int_eq(gs_duration_parse("5ms", &ns, &err), 0);
    ck_assert_int_eq(ns, 5 * GS_NS_PER_MS);
    ck_assert_int_eq(gs_duration_parse("1.5s", &ns, &err), 0);
    ck_assert_int_eq(ns, 1500 * GS_NS_PER_MS);
    ck_assert_int_eq(gs_duration_parse("1m30s", &ns, &err), 0);
    ck_assert_int_eq(ns, 90 * GS_NS_PER_S);
    ck_assert_int_eq(gs_duration_parse("2h", &ns, &err), 0);
    ck_assert_int_eq(ns, 7200 * GS_NS_PER_S);
    ck_assert_int_eq(gs_duration_parse("250us", &ns, &err), 0);
    ck_assert_int_eq(ns, 250 * GS_NS_PER_US);
    ck_assert_int_eq(gs_duration_parse("0", &ns, &err), 0);
    ck_assert_int_eq(ns, 0);
}
END_TEST

START_TEST(duration_rejects_garbage)
{
    int64_t ns;
    gs_error err;
    ck_assert_int_eq(gs_duration_parse("5", &ns, &err), GS_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "\"5\""));
    ck_assert_int_eq(gs_duration_parse("ms", &ns, &err), GS_ERR_INVALID);
    ck_assert_int_eq(gs_duration_parse("5 ms", &ns, &err), GS_ERR_INVALID);
    ck_assert_int_eq(gs_duration_parse("-1s", &ns, &err), GS_ERR_INVALID);
    ck_assert_int_eq(gs_duration_parse("", &ns, &err), GS_ERR_INVALID);
    ck_assert_int_eq(gs_duration_parse("5parsecs", &ns, &err), GS_ERR_INVALID);
}
END_TEST

START_TEST(duration_formats)
{
    char out[32];
    ck_assert_str_eq(gs_duration_format(1500 * GS_NS_PER_MS, out), "1.5s");
    ck_assert_str_eq(gs_duration_format(250 * GS_NS_PER_MS, out), "250ms");
    ck_assert_str_eq(gs_duration_format(80 * GS_NS_PER_US, out), "80us");
}
END_TEST

START_TEST(rfc3339_utc)
{
    char out[32];
    gs_time_rfc3339(INT64_C(1795921981123000000), out);
    ck_assert_str_eq(out, "2026-11-29T03:13:01.123Z");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base/time");
    TCase *tc = tcase_create("time");
    tcase_add_test(tc, duration_parses_units_and_compounds);
    tcase_add_test(tc, duration_rejects_garbage);
    tcase_add_test(tc, duration_formats);
    tcase_add_test(tc, rfc3339_utc);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
