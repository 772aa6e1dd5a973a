/* SPDX-License-Identifier: MIT */
/* The example strings gatesim diff derives from a regular expression: literal parts, one
 * character per class, minimum repetitions, the first branch; a miss that keeps the literal
 * start; and a reason, never a wrong example, for what the generator cannot handle. */
#include "gs_regex_example.h"
#include "gs_test.h"

#include <stdint.h>
#include <string.h>

static void expect_example(const char *re, const char *match, size_t literal, const char *miss)
{
    gs_regex_example ex;
    char why[160] = "";
    ck_assert_msg(gs_regex_example_make(re, NULL, &ex, why, sizeof why) == 0, "%s: %s", re, why);
    ck_assert_msg(strcmp(ex.match, match) == 0, "%s: match \"%s\", want \"%s\"", re, ex.match,
                  match);
    ck_assert_msg(ex.literal == literal, "%s: literal %zu, want %zu", re, ex.literal, literal);
    ck_assert_msg(strcmp(ex.miss, miss) == 0, "%s: miss \"%s\", want \"%s\"", re, ex.miss, miss);
}

START_TEST(regex_example_classes_and_repetitions)
{
    expect_example("/api/v[0-9]+", "/api/v0", 6, "/api/vx");
    expect_example("/api/v[0-9]+/users", "/api/v0/users", 6, "/api/vx/users");
    expect_example("^/users/\\d{3}$", "/users/000", 7, "/users/x00");
    expect_example("/files/.*", "/files/", 7, "");
    expect_example("/a(b|c)d", "/abd", 2, "/axd");
    expect_example("/(?:x|yz)+/end", "/x/end", 1, "/0/end");
    expect_example("/v[^/]+/w\\w?", "/va/w", 2, "/vaxw");
    expect_example("/ab?c", "/ac", 2, "/ax");
    expect_example("/x{2,4}-\\.", "/xx-.", 1, "/0x-.");
    expect_example("/(?<ver>v[12])/", "/v1/", 1, "/x1/");
}
END_TEST

START_TEST(regex_example_flags_and_branches)
{
    gs_regex_example ex;
    char why[160];
    ck_assert_int_eq(gs_regex_example_make("(?i)/cart.*", NULL, &ex, why, sizeof why), 0);
    ck_assert_str_eq(ex.match, "/cart");
    ck_assert(ex.caseless);
    ck_assert_uint_eq(ex.literal, 5);
    /* a top-level alternation: no literal start is shared by every branch */
    ck_assert_int_eq(gs_regex_example_make("/one|/two", NULL, &ex, why, sizeof why), 0);
    ck_assert_str_eq(ex.match, "/one");
    ck_assert_uint_eq(ex.literal, 0);
    ck_assert(!ex.caseless);
    /* gRPC names: only their own characters */
    ck_assert_int_eq(gs_regex_example_make("foo\\.v[0-9]\\.[A-Z]\\w*", "abcdefghijklmnopqrstuvwxyz"
                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._",
                                           &ex, why, sizeof why),
                     0);
    ck_assert_str_eq(ex.match, "foo.v0.A");
    ck_assert_str_eq(ex.miss, "foo.vx.A");
}
END_TEST

static void expect_refused(const char *re, const char *reason)
{
    gs_regex_example ex;
    char why[160] = "";
    ck_assert_msg(gs_regex_example_make(re, NULL, &ex, why, sizeof why) == -1, "%s accepted", re);
    ck_assert_msg(strstr(why, reason) != NULL, "%s: \"%s\" lacks \"%s\"", re, why, reason);
}

START_TEST(regex_example_refusals)
{
    expect_refused("/a(?=b)", "lookaround");
    expect_refused("/(a)\\1", "escape \\1");
    expect_refused("/a\\b", "escape \\b");
    expect_refused("/[[:alpha:]]", "POSIX");
    expect_refused("/a b", "' '");
    expect_refused("/a{b", "'{'");
    expect_refused("/\\s", "\\s");
    expect_refused("/[z-a]", "backwards");
    expect_refused("/[ab", "not closed");
    expect_refused("/(ab", "not closed");
    expect_refused("/ab)", "closes no group");
    expect_refused("*a", "follows nothing");
    expect_example("/*a", "a", 0, "x");
    expect_refused("/a{300}", "longer than");
    expect_refused("/(((((((((((((((((((((((((((((((((x)))))))))))))))))))))))))))))))))", "deeper");
    /* generated but not matched: the check with PCRE2 refuses it */
    expect_refused("/a$b", "does not match");
}
END_TEST

START_TEST(regex_example_is_pattern)
{
    ck_assert(gs_regex_is_pattern("/api/v[0-9]+"));
    ck_assert(gs_regex_is_pattern("/index.html"));
    ck_assert(!gs_regex_is_pattern("/api/v1"));
    /* anchored at both ends, as the builtin gateway matches paths */
    ck_assert(gs_regex_full_match("/api/v[0-9]+", "/api/v12"));
    ck_assert(!gs_regex_full_match("/api/v[0-9]+", "/api/v1/x"));
    ck_assert(!gs_regex_full_match("/api/v[0-9]+", "/x/api/v1"));
    ck_assert(!gs_regex_full_match("/api/(", "/api/("));
}
END_TEST

/* Strings of regex syntax picked at random (a fixed seed): whatever the generator returns
 * holds (the example matches in full, the miss does not, both are URL characters), and it never
 * crashes or reads out of bounds (the ASan build runs this too). */
START_TEST(regex_example_random_syntax)
{
    static const char *const atoms[] = {"a", "/", "[0-9]", "[^/]", "\\d", "\\w", ".", "(", ")",
                                        "|", "*", "+", "?", "{2}", "{1,3}", "(?:", "(?i)", "^",
                                        "$", "[", "]", "-", "\\", "{", "x", "\\.", "(?<n>"};
    uint32_t seed = 12345;
    size_t made = 0;
    for (int round = 0; round < 20000; round++) {
        char re[128] = "";
        size_t n = 0;
        seed = seed * 1103515245u + 12345u;
        int len = 1 + (int)((seed >> 16) % 12);
        for (int k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *a = atoms[(seed >> 16) % (sizeof atoms / sizeof atoms[0])];
            size_t al = strlen(a);
            if (n + al + 1 >= sizeof re)
                break;
            memcpy(re + n, a, al + 1);
            n += al;
        }
        gs_regex_example ex;
        char why[160];
        if (gs_regex_example_make(re, NULL, &ex, why, sizeof why) != 0)
            continue;
        made++;
        ck_assert_msg(gs_regex_full_match(re, ex.match), "%s: \"%s\"", re, ex.match);
        ck_assert_msg(ex.miss[0] == '\0' || !gs_regex_full_match(re, ex.miss), "%s: miss \"%s\"",
                      re, ex.miss);
        ck_assert_msg(ex.literal <= strlen(ex.match), "%s", re);
        ck_assert_msg(strspn(ex.match, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789-._~!$&'()*+,;=:@/") == strlen(ex.match),
                      "%s: \"%s\"", re, ex.match);
    }
    ck_assert_uint_gt(made, 1000); /* most random strings are not expressions; many are */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scenario/regex_example");
    TCase *tc = tcase_create("regex_example");
    tcase_add_test(tc, regex_example_classes_and_repetitions);
    tcase_add_test(tc, regex_example_flags_and_branches);
    tcase_add_test(tc, regex_example_refusals);
    tcase_add_test(tc, regex_example_is_pattern);
    tcase_add_test(tc, regex_example_random_syntax);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
