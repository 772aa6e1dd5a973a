/* SPDX-License-Identifier: MIT */
/* gs_cliopt: deprecated spellings rewritten before getopt_long, option values and "--" left
 * alone, --output values, and the shared entries' letters. */
#include "gs_cliopt.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T_FORMAT = GS_CLIOPT_OWN, T_NOARG };

static const struct option test_longopts[] = {
    GS_CLIOPT_TARGET,
    GS_CLIOPT_SELECTOR,
    GS_CLIOPT_REPORT_DIR,
    {"format", required_argument, NULL, T_FORMAT},
    {"keep", no_argument, NULL, T_NOARG},
    GS_CLIOPT_QUIET,
    GS_CLIOPT_END,
};

static const gs_cliopt_alias test_aliases[] = {
    {"-o", "--report-dir", "-o is the output format elsewhere"},
    {"-f", "--format", NULL},
    {"--select", "--selector", NULL},
};

/* Rewrites |in| (argv without the command name), checks it became |want|, and returns what
 * was printed on stderr (static). */
static const char *expect_rewrite(const char *const *in, const char *const *want)
{
    static char printed[1024];
    char cmd[] = "run";
    char *argv[16] = {cmd};
    int argc = 1;
    for (; in[argc - 1]; argc++)
        argv[argc] = (char *)(uintptr_t)in[argc - 1];
    gs_cliopt_args a;
    memset(printed, 0, sizeof(printed));
    FILE *saved = stderr;
    stderr = fmemopen(printed, sizeof(printed) - 1, "w");
    gs_cliopt_args_new(&a, "run", argc, argv, test_aliases, 3, test_longopts, "t:l:q");
    fclose(stderr);
    stderr = saved;
    ck_assert_int_eq(a.argc, argc);
    ck_assert_str_eq(a.argv[0], "run");
    for (int i = 1; i < argc; i++)
        ck_assert_str_eq(a.argv[i], want[i - 1]);
    ck_assert_ptr_null(a.argv[argc]);
    gs_cliopt_args_free(&a);
    return printed;
}

START_TEST(cliopt_rewrites_old_spellings)
{
    const char *warned =
        expect_rewrite((const char *const[]){"-o", "out", "-fjson", "s.yaml", "-o", "x", NULL},
                       (const char *const[]){"--report-dir", "out", "--format=json", "s.yaml",
                                             "--report-dir", "x"});
    /* one line per old spelling, however often it is used */
    ck_assert_str_eq(warned, "gatesim run: warning: -o is deprecated; use --report-dir (-o is the "
                             "output format elsewhere)\n"
                             "gatesim run: warning: -f is deprecated; use --format\n");
    expect_rewrite((const char *const[]){"--select", "a=b", "--select=c=d", NULL},
                   (const char *const[]){"--selector", "a=b", "--selector=c=d"});
    expect_rewrite((const char *const[]){"-oout", NULL}, (const char *const[]){"--report-dir=out"});
}
END_TEST

START_TEST(cliopt_leaves_values_and_operands)
{
    /* the value of an option is not an option, even when it looks like one */
    expect_rewrite((const char *const[]){"--selector", "-o", "-t", "-f", NULL},
                   (const char *const[]){"--selector", "-o", "-t", "-f"});
    expect_rewrite((const char *const[]){"--report-dir=x", "-o", "y", NULL},
                   (const char *const[]){"--report-dir=x", "--report-dir", "y"});
    /* a cluster ending in a letter that takes a value eats the next word */
    expect_rewrite((const char *const[]){"-qt", "-o", NULL}, (const char *const[]){"-qt", "-o"});
    /* getopt's abbreviation of a long option that takes a value */
    expect_rewrite((const char *const[]){"--rep", "-f", NULL},
                   (const char *const[]){"--rep", "-f"});
    /* a no-argument option does not eat the next word */
    expect_rewrite((const char *const[]){"--keep", "-f", "md", NULL},
                   (const char *const[]){"--keep", "--format", "md"});
    /* "--selectors" is not "--select"; after "--" nothing is an option */
    const char *warned =
        expect_rewrite((const char *const[]){"--selectors", "--", "-o", "--select", NULL},
                       (const char *const[]){"--selectors", "--", "-o", "--select"});
    ck_assert_str_eq(warned, "");
}
END_TEST

START_TEST(cliopt_output_values)
{
    unsigned all = GS_CLIOPT_FMT_BIT(GS_CLIOPT_FORMAT_TEXT) |
                   GS_CLIOPT_FMT_BIT(GS_CLIOPT_FORMAT_JSON) |
                   GS_CLIOPT_FMT_BIT(GS_CLIOPT_FORMAT_YAML);
    unsigned no_yaml = all & ~GS_CLIOPT_FMT_BIT(GS_CLIOPT_FORMAT_YAML);
    gs_cliopt_format f = GS_CLIOPT_FORMAT_TEXT;
    ck_assert_int_eq(gs_cliopt_output_parse("t", "json", all, &f), 0);
    ck_assert_int_eq(f, GS_CLIOPT_FORMAT_JSON);
    ck_assert_int_eq(gs_cliopt_output_parse("t", "=yaml", all, &f), 0); /* -o=yaml */
    ck_assert_int_eq(f, GS_CLIOPT_FORMAT_YAML);
    ck_assert_int_eq(gs_cliopt_output_parse("t", "text", no_yaml, &f), 0);
    ck_assert_int_eq(f, GS_CLIOPT_FORMAT_TEXT);
    FILE *saved = stderr;
    char buf[256] = "";
    stderr = fmemopen(buf, sizeof(buf) - 1, "w");
    ck_assert_int_eq(gs_cliopt_output_parse("load", "yaml", no_yaml, &f), -1);
    ck_assert_int_eq(gs_cliopt_output_parse("validate", "jsn", all, &f), -1);
    fclose(stderr);
    stderr = saved;
    ck_assert_str_eq(buf, "gatesim load: --output takes text or json, got \"yaml\"\n"
                          "gatesim validate: --output takes text, json or yaml, got \"jsn\"; "
                          "did you mean \"json\"?\n");
    ck_assert_int_eq(f, GS_CLIOPT_FORMAT_TEXT); /* unchanged by a refused value */
}
END_TEST

START_TEST(cliopt_shared_letters)
{
    /* The letters of the vocabulary table in docs/cli.md. */
    const struct option o[] = {GS_CLIOPT_OUTPUT, GS_CLIOPT_FILENAME, GS_CLIOPT_QUIET,
                               GS_CLIOPT_HELP,   GS_CLIOPT_TARGET,   GS_CLIOPT_SELECTOR,
                               GS_CLIOPT_HEADER, GS_CLIOPT_PROTOCOL, GS_CLIOPT_BACKEND};
    const char *names[] = {"output",   "filename", "quiet",    "help",   "target",
                           "selector", "header",   "protocol", "backend"};
    const char letters[] = "ofqhtlHpb";
    for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++) {
        ck_assert_str_eq(o[i].name, names[i]);
        ck_assert_int_eq(o[i].val, letters[i]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cliopt");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, cliopt_rewrites_old_spellings);
    tcase_add_test(tc, cliopt_leaves_values_and_operands);
    tcase_add_test(tc, cliopt_output_values);
    tcase_add_test(tc, cliopt_shared_letters);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
