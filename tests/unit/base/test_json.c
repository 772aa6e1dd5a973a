/* SPDX-License-Identifier: MIT */
#include "gs_json.h"
#include "gs_test.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

START_TEST(json_compact_nesting_and_commas)
{
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, false);
    gs_json_object_begin(&j);
    gs_json_key(&j, "a");
    gs_json_int(&j, -3);
    gs_json_key(&j, "list");
    gs_json_array_begin(&j);
    gs_json_string(&j, "x");
    gs_json_bool(&j, true);
    gs_json_null(&j);
    gs_json_object_begin(&j);
    gs_json_object_end(&j);
    gs_json_array_end(&j);
    gs_json_key(&j, "d");
    gs_json_double(&j, 0.1);
    gs_json_key(&j, "nan");
    gs_json_double(&j, NAN);
    gs_json_object_end(&j);
    ck_assert_str_eq(b.data, "{\"a\":-3,\"list\":[\"x\",true,null,{}],\"d\":0.1,\"nan\":null}");
    gs_buf_clear(&b);
}
END_TEST

/* The integer writers format digits themselves: the ends of both ranges and zero. */
START_TEST(json_integer_limits)
{
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, false);
    gs_json_array_begin(&j);
    gs_json_int(&j, INT64_MIN);
    gs_json_int(&j, INT64_MAX);
    gs_json_int(&j, 0);
    gs_json_int(&j, -10);
    gs_json_uint(&j, UINT64_MAX);
    gs_json_uint(&j, 0);
    gs_json_uint(&j, 1000);
    gs_json_array_end(&j);
    ck_assert_str_eq(b.data, "[-9223372036854775808,9223372036854775807,0,-10,"
                             "18446744073709551615,0,1000]");
    gs_buf_clear(&b);
}
END_TEST

START_TEST(json_pretty)
{
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, true);
    gs_json_object_begin(&j);
    gs_json_key(&j, "a");
    gs_json_array_begin(&j);
    gs_json_int(&j, 1);
    gs_json_int(&j, 2);
    gs_json_array_end(&j);
    gs_json_object_end(&j);
    ck_assert_str_eq(b.data, "{\n  \"a\": [\n    1,\n    2\n  ]\n}");
    gs_buf_clear(&b);
}
END_TEST

START_TEST(json_escapes_control_quotes_and_bad_utf8)
{
    gs_buf b = {0};
    const char in[] = "q\"b\\n\n\x01\xc3\xa9\xff";
    gs_json_escape(&b, in, sizeof(in) - 1);
    ck_assert_str_eq(b.data, "\"q\\\"b\\\\n\\n\\u0001\xc3\xa9\xef\xbf\xbd\"");
    gs_buf_clear(&b);
}
END_TEST

START_TEST(json_double_shortest_roundtrip)
{
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, false);
    gs_json_array_begin(&j);
    gs_json_double(&j, 1.0 / 3.0);
    gs_json_double(&j, 12.5);
    gs_json_double(&j, 1e20);
    gs_json_array_end(&j);
    ck_assert_str_eq(b.data, "[0.3333333333333333,12.5,1e+20]");
    gs_buf_clear(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base/json");
    TCase *tc = tcase_create("json");
    tcase_add_test(tc, json_compact_nesting_and_commas);
    tcase_add_test(tc, json_pretty);
    tcase_add_test(tc, json_integer_limits);
    tcase_add_test(tc, json_escapes_control_quotes_and_bad_utf8);
    tcase_add_test(tc, json_double_shortest_roundtrip);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
