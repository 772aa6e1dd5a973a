/* SPDX-License-Identifier: MIT */
/* Request-path normalisation: the escape attempts of hostile traffic (dot-segments, escaped
 * dots, merged slashes), the refused forms, and the fixed-point property. Inputs are copied into
 * exactly-sized heap blocks so a read past the end shows up under ASan. */
#include "gs_path_norm.h"
#include "gs_test.h"

#include <stdlib.h>
#include <string.h>

/* Normalises |in| (as a target when |target|) from an exact-size copy; returns the result
 * (malloc'd) or NULL and sets |*err|. */
static char *norm(const char *in, bool target, gs_path_norm_error *err)
{
    size_t n = strlen(in);
    char *exact = malloc(n ? n : 1);
    memcpy(exact, in, n);
    gs_buf b = {0};
    *err = target ? gs_path_norm_target(exact, n, &b) : gs_path_norm_path(exact, n, &b);
    free(exact);
    if (*err != GS_PATH_NORM_OK) {
        gs_buf_clear(&b);
        return NULL;
    }
    return gs_buf_take(&b);
}

static const struct {
    const char *in, *want;
} norm_table[] = {
    {"/", "/"},
    {"/a/b", "/a/b"},
    {"/a/b/", "/a/b/"},
    {"/public/../internal/secret", "/internal/secret"},
    {"/public/%2e%2e/internal/secret", "/internal/secret"},
    {"/public/.%2e/internal/secret", "/internal/secret"},
    {"/public/%2E./internal", "/internal"},
    {"/public//../internal/secret", "/internal/secret"},
    {"/a//b///c", "/a/b/c"},
    {"//a", "/a"},
    {"/a/./b/.", "/a/b/"},
    {"/a/b/..", "/a/"},
    {"/a/b/../", "/a/"},
    {"/..", "/"},
    {"/../../a", "/a"},
    {"/a/..", "/"},
    {"/.../a", "/.../a"},
    {"/a..b/..c/", "/a..b/..c/"},
    {"/%7Euser/%41%62%2D%5f", "/~user/Ab-_"},
    {"/%3f%3A%25", "/%3F%3A%25"},
    {"/%252e%252e/x", "/%252e%252e/x"}, /* one decoding only: %25 stays an escape */
    {"/caf\xc3\xa9", "/caf\xc3\xa9"},
    {"/a;b=c/d@e:f", "/a;b=c/d@e:f"},
};

START_TEST(path_norm_table)
{
    for (size_t i = 0; i < sizeof(norm_table) / sizeof(norm_table[0]); i++) {
        gs_path_norm_error e;
        char *got = norm(norm_table[i].in, false, &e);
        ck_assert_msg(got != NULL, "%s: %s", norm_table[i].in, gs_path_norm_error_str(e));
        ck_assert_msg(strcmp(got, norm_table[i].want) == 0, "%s: got %s want %s", norm_table[i].in,
                      got, norm_table[i].want);
        /* A fixed point: what the backend gets normalises to itself. */
        char *again = norm(got, false, &e);
        ck_assert_str_eq(again, got);
        free(again);
        free(got);
    }
}
END_TEST

static const struct {
    const char *in;
    gs_path_norm_error want;
} refuse_table[] = {
    {"", GS_PATH_NORM_NOT_ABSOLUTE},
    {"a/b", GS_PATH_NORM_NOT_ABSOLUTE},
    {"*", GS_PATH_NORM_NOT_ABSOLUTE},
    {"/public/..%2finternal", GS_PATH_NORM_ENCODED_SLASH},
    {"/public/%2F../internal", GS_PATH_NORM_ENCODED_SLASH},
    {"/public/..%5cinternal", GS_PATH_NORM_ENCODED_SLASH},
    {"/public/..\\internal", GS_PATH_NORM_BACKSLASH},
    {"/public/#/../internal", GS_PATH_NORM_FRAGMENT},
    {"/a%", GS_PATH_NORM_BAD_ESCAPE},
    {"/a%4", GS_PATH_NORM_BAD_ESCAPE},
    {"/a%zz", GS_PATH_NORM_BAD_ESCAPE},
    {"/a%00b", GS_PATH_NORM_BAD_ESCAPE},
    {"/a b", GS_PATH_NORM_BAD_CHAR},
    {"/a\x7f", GS_PATH_NORM_BAD_CHAR},
    {"/a\tb", GS_PATH_NORM_BAD_CHAR},
};

START_TEST(path_norm_refuses)
{
    for (size_t i = 0; i < sizeof(refuse_table) / sizeof(refuse_table[0]); i++) {
        gs_path_norm_error e;
        char *got = norm(refuse_table[i].in, false, &e);
        ck_assert_msg(got == NULL && e == refuse_table[i].want, "%s: got %s (%s)",
                      refuse_table[i].in, got ? got : "error", gs_path_norm_error_str(e));
    }
    ck_assert_str_eq(gs_path_norm_error_str(GS_PATH_NORM_ENCODED_SLASH),
                     "encoded slash (%2F or %5C) in path");
}
END_TEST

START_TEST(path_norm_target_keeps_query)
{
    gs_path_norm_error e;
    char *got = norm("/a/../b?x=/../%2e&y#", true, &e);
    ck_assert_ptr_null(got);
    ck_assert_int_eq(e, GS_PATH_NORM_FRAGMENT);
    got = norm("/a/../b/%2e?x=/../%2e&y", true, &e);
    ck_assert_str_eq(got, "/b/?x=/../%2e&y");
    free(got);
    got = norm("/?", true, &e);
    ck_assert_str_eq(got, "/?");
    free(got);
    got = norm("/a?b c", true, &e);
    ck_assert_ptr_null(got);
    ck_assert_int_eq(e, GS_PATH_NORM_BAD_CHAR);
    got = norm("/x%2f?q", true, &e);
    ck_assert_ptr_null(got);
    ck_assert_int_eq(e, GS_PATH_NORM_ENCODED_SLASH);
}
END_TEST

START_TEST(path_norm_appends)
{
    /* The result is appended: what |out| held before stays. */
    gs_buf b = {0};
    gs_buf_puts(&b, "GET ");
    ck_assert_int_eq(gs_path_norm_path("/a/b/../../..", 13, &b), GS_PATH_NORM_OK);
    ck_assert_str_eq(b.data, "GET /");
    gs_buf_clear(&b);
}
END_TEST

START_TEST(path_norm_uri_path_roots)
{
    gs_buf b = {0};
    ck_assert_int_eq(gs_path_norm_uri_path("", 0, &b), GS_PATH_NORM_OK);
    ck_assert_str_eq(b.data, "/");
    gs_buf_reset(&b);
    ck_assert_int_eq(gs_path_norm_uri_path("?a=/..", 6, &b), GS_PATH_NORM_OK);
    ck_assert_str_eq(b.data, "/?a=/..");
    gs_buf_reset(&b);
    ck_assert_int_eq(gs_path_norm_uri_path("/x/../y", 7, &b), GS_PATH_NORM_OK);
    ck_assert_str_eq(b.data, "/y");
    gs_buf_reset(&b);
    ck_assert_int_eq(gs_path_norm_uri_path("?#", 2, &b), GS_PATH_NORM_FRAGMENT);
    ck_assert_int_eq(gs_path_norm_uri_path("#x", 2, &b), GS_PATH_NORM_NOT_ABSOLUTE);
    gs_buf_clear(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("path_norm");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, path_norm_table);
    tcase_add_test(tc, path_norm_refuses);
    tcase_add_test(tc, path_norm_target_keeps_query);
    tcase_add_test(tc, path_norm_appends);
    tcase_add_test(tc, path_norm_uri_path_roots);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
