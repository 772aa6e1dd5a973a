/* SPDX-License-Identifier: MIT */
#include "gs_http_status.h"
#include "gs_test.h"

START_TEST(reason_phrases)
{
    ck_assert_str_eq(gs_http_reason(200), "OK");
    ck_assert_str_eq(gs_http_reason(404), "Not Found");
    ck_assert_str_eq(gs_http_reason(421), "Misdirected Request");
    ck_assert_str_eq(gs_http_reason(431), "Request Header Fields Too Large");
    ck_assert_str_eq(gs_http_reason(504), "Gateway Timeout");
    ck_assert_str_eq(gs_http_reason(599), "Unknown");
    ck_assert_str_eq(gs_http_reason(0), "Unknown");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base/http_status");
    TCase *tc = tcase_create("http_status");
    tcase_add_test(tc, reason_phrases);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
