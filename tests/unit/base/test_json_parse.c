/* SPDX-License-Identifier: MIT */
/* The JSON parser: values, escapes, the strict number grammar, errors with offsets, limits. */
#include "gs_json_parse.h"
#include "gs_test.h"

#include <string.h>

static gs_json_value *parse_ok(const char *s)
{
    gs_json_value *v = NULL;
    gs_error err = {0};
    int rc = gs_json_parse(s, strlen(s), NULL, &v, &err);
    ck_assert_msg(rc == 0, "parse %s: %s", s, err.msg);
    return v;
}

static int parse_err(const char *s, const gs_json_limits *lim, gs_error *err)
{
    gs_json_value *v = (gs_json_value *)1;
    int rc = gs_json_parse(s, strlen(s), lim, &v, err);
    ck_assert_ptr_null(v);
    return rc;
}

START_TEST(json_parse_ready_line)
{
    gs_json_value *v =
        parse_ok(" {\"ready\":true,\"listeners\":[{\"gateway\":\"infra/gw\","
                 "\"listener\":\"http\",\"port\":80,\"address\":\"127.0.0.1:1234\"}]}\n");
    ck_assert_int_eq(v->type, GS_JSON_OBJECT);
    ck_assert(gs_json_get_bool(v, "ready", false));
    const gs_json_value *ls = gs_json_get(v, "listeners");
    ck_assert_int_eq(ls->type, GS_JSON_ARRAY);
    ck_assert_uint_eq(ls->len, 1);
    const gs_json_value *l = gs_json_at(ls, 0);
    ck_assert_str_eq(gs_json_get_string(l, "address", ""), "127.0.0.1:1234");
    ck_assert_double_eq(gs_json_get_number(l, "port", 0), 80);
    ck_assert_ptr_null(gs_json_at(ls, 1));
    ck_assert_ptr_null(gs_json_get(l, "missing"));
    ck_assert_str_eq(gs_json_get_string(l, "port", "fb"), "fb"); /* wrong type: fallback */
    gs_json_value_free(v);
}
END_TEST

START_TEST(json_parse_scalars_and_numbers)
{
    const char *in[] = {"0", "-0", "12", "-3.25", "1e3", "2.5E-2", "true", "false", "null"};
    double want[] = {0, 0, 12, -3.25, 1000, 0.025};
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        gs_json_value *v = parse_ok(in[i]);
        if (i < 6) {
            ck_assert_int_eq(v->type, GS_JSON_NUMBER);
            ck_assert_double_eq_tol(v->number, want[i], 1e-12);
        } else if (i < 8) {
            ck_assert_int_eq(v->type, GS_JSON_BOOL);
            ck_assert(v->boolean == (i == 6));
        } else {
            ck_assert_int_eq(v->type, GS_JSON_NULL);
        }
        gs_json_value_free(v);
    }
}
END_TEST

START_TEST(json_parse_string_escapes)
{
    gs_json_value *v = parse_ok("\"a\\\"b\\\\c\\/\\n\\t\\u00e9\\ud83d\\ude00\\u0000z\"");
    ck_assert_int_eq(v->type, GS_JSON_STRING);
    const char want[] = "a\"b\\c/\n\t\xc3\xa9\xf0\x9f\x98\x80\0z";
    ck_assert_uint_eq(v->len, sizeof(want) - 1);
    ck_assert(memcmp(v->str, want, v->len) == 0);
    gs_json_value_free(v);
    /* A lone surrogate becomes U+FFFD rather than invalid UTF-8. */
    v = parse_ok("\"\\udc00x\"");
    ck_assert_str_eq(v->str, "\xef\xbf\xbdx");
    gs_json_value_free(v);
}
END_TEST

START_TEST(json_parse_duplicate_keys_last_wins)
{
    gs_json_value *v = parse_ok("{\"a\":1,\"a\":2}");
    ck_assert_uint_eq(v->len, 2);
    ck_assert_double_eq(gs_json_get_number(v, "a", 0), 2);
    gs_json_value_free(v);
}
END_TEST

START_TEST(json_parse_errors_with_offsets)
{
    struct {
        const char *in;
        const char *msg;
    } cases[] = {
        {"", "unexpected end of input at byte 0"},
        {"{\"a\" 1}", "expected ':' at byte 5"},
        {"[1,2", "unterminated array at byte 4"},
        {"[1 2]", "expected ',' or ']' at byte 3"},
        {"01", "trailing data after the value at byte 1"},
        {"1.", "invalid number at byte 2"},
        {"-", "invalid number at byte 1"},
        {"\"ab", "unterminated string at byte 3"},
        {"\"a\x01\"", "control character in string at byte 2"},
        {"\"\\x\"", "invalid escape at byte 2"},
        {"\"\\u12g4\"", "invalid \\u escape at byte 3"},
        {"tru", "invalid literal at byte 0"},
        {"{1:2}", "expected a member name at byte 1"},
        {"[1,]", "unexpected character at byte 3"},
        {"{}x", "trailing data after the value at byte 2"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gs_error err = {0};
        int rc = parse_err(cases[i].in, NULL, &err);
        ck_assert_int_eq(rc, GS_ERR_PARSE);
        ck_assert_msg(strstr(err.msg, cases[i].msg) != NULL, "%s: got \"%s\", want \"%s\"",
                      cases[i].in, err.msg, cases[i].msg);
    }
}
END_TEST

START_TEST(json_parse_limits)
{
    gs_error err = {0};
    gs_json_limits depth = {.max_depth = 3};
    ck_assert_int_eq(parse_err("[[[[1]]]]", &depth, &err), GS_ERR_RANGE);
    ck_assert(strstr(err.msg, "deeper than 3") != NULL);
    gs_json_value *v = NULL;
    ck_assert_int_eq(gs_json_parse("[[1]]", 5, &depth, &v, NULL), 0);
    gs_json_value_free(v);

    gs_json_limits values = {.max_values = 3};
    ck_assert_int_eq(parse_err("[1,2,3]", &values, &err), GS_ERR_RANGE);
    gs_json_limits bytes = {.max_bytes = 4};
    ck_assert_int_eq(parse_err("[1,2]", &bytes, &err), GS_ERR_RANGE);

    /* Default depth bound holds against deep nesting without recursion overflow. */
    char deep[20001];
    memset(deep, '[', 20000);
    deep[20000] = '\0';
    ck_assert_int_eq(parse_err(deep, NULL, &err), GS_ERR_RANGE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json_parse");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, json_parse_ready_line);
    tcase_add_test(tc, json_parse_scalars_and_numbers);
    tcase_add_test(tc, json_parse_string_escapes);
    tcase_add_test(tc, json_parse_duplicate_keys_last_wins);
    tcase_add_test(tc, json_parse_errors_with_offsets);
    tcase_add_test(tc, json_parse_limits);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
