/* SPDX-License-Identifier: MIT */
/* gs_suggest: the one "did you mean" rule of commands, flags, enum values and references. */
#include "gs_suggest.h"

#include <check.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

START_TEST(suggest_distance)
{
    ck_assert_uint_eq(gs_suggest_distance("spec", "spec"), 0);
    ck_assert_uint_eq(gs_suggest_distance("sepc", "spec"), 1); /* transposition */
    ck_assert_uint_eq(gs_suggest_distance("Matches", "matches"), 0);
    ck_assert_uint_eq(gs_suggest_distance("runn", "run"), 1);
    ck_assert_uint_eq(gs_suggest_distance("", "abc"), 3);
    char long_word[80];
    memset(long_word, 'a', sizeof(long_word) - 1);
    long_word[sizeof(long_word) - 1] = '\0';
    ck_assert_uint_eq(gs_suggest_distance(long_word, "a"), 255);
}
END_TEST

START_TEST(suggest_commands_flags_values)
{
    const char *const commands[] = {"validate", "explain", "load", "gateway", "run", NULL};
    ck_assert_str_eq(gs_suggest("runn", commands), "run");
    ck_assert_str_eq(gs_suggest("valdiate", commands), "validate");
    ck_assert_ptr_null(gs_suggest("deploy", commands));
    const char *const flags[] = {"seed", "select", "strict", "target", "connections", NULL};
    ck_assert_str_eq(gs_suggest("sed", flags), "seed");
    ck_assert_str_eq(gs_suggest("conections", flags), "connections");
    const char *const sections[] = {"http", "https", NULL};
    ck_assert_str_eq(gs_suggest("htps", sections), "https");
    ck_assert_str_eq(gs_suggest("HTTPS", sections), "https");
}
END_TEST

START_TEST(suggest_protocol_spellings)
{
    /* "http2c" is one edit from "http2" but means h2c: the long spelling of a short name. */
    const char *const protocols[] = {"http1", "h2c", "http2", "grpc", NULL};
    ck_assert_str_eq(gs_suggest("http2c", protocols), "h2c");
    ck_assert_str_eq(gs_suggest("htp2", protocols), "http2");
    ck_assert_str_eq(gs_suggest("h1", protocols), "http1");
    ck_assert_str_eq(gs_suggest("grcp", protocols), "grpc");
}
END_TEST

START_TEST(suggest_counted_skips_null)
{
    const char *const names[] = {NULL, "default/coffee-v2", NULL, "default/tea"};
    ck_assert_str_eq(gs_suggest_n("default/cofee-v2", names, 4), "default/coffee-v2");
    ck_assert_ptr_null(gs_suggest_n("x", names, 0));
    ck_assert_ptr_null(gs_suggest("anything", NULL));
}
END_TEST

START_TEST(suggest_options)
{
    static const struct option longopts[] = {
        {"seed", required_argument, NULL, 'S'},
        {"select", required_argument, NULL, 'l'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    char msg[256];
    gs_suggest_option_error(msg, sizeof(msg), "--sed", 0, longopts, "l:q");
    ck_assert_str_eq(msg, "unknown option \"--sed\"; did you mean \"--seed\"?");
    gs_suggest_option_error(msg, sizeof(msg), "--sed=5", 0, longopts, "l:q");
    ck_assert_str_eq(msg, "unknown option \"--sed\"; did you mean \"--seed\"?");
    gs_suggest_option_error(msg, sizeof(msg), "--seed", 'S', longopts, "l:q");
    ck_assert_str_eq(msg, "option \"--seed\" needs a value");
    gs_suggest_option_error(msg, sizeof(msg), "--zzzzzz", 0, longopts, "l:q");
    ck_assert_str_eq(msg, "unknown option \"--zzzzzz\"");
    gs_suggest_option_error(msg, sizeof(msg), "-l", 'l', longopts, "l:q");
    ck_assert_str_eq(msg, "option \"-l\" needs a value");
    gs_suggest_option_error(msg, sizeof(msg), "-Z", 'Z', longopts, "l:q");
    ck_assert_str_eq(msg, "unknown option \"-Z\"");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("suggest");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, suggest_distance);
    tcase_add_test(tc, suggest_commands_flags_values);
    tcase_add_test(tc, suggest_protocol_spellings);
    tcase_add_test(tc, suggest_counted_skips_null);
    tcase_add_test(tc, suggest_options);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
