/* SPDX-License-Identifier: MIT */
/* Path prefix matching and ReplacePrefixMatch: the table of docs/semantics.md, exactly. */
#include "gs_gw_path.h"
#include "gs_test.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *path, *prefix, *repl, *want;
} replace_table[] = {
    {"/foo/bar", "/foo", "/xyz", "/xyz/bar"},
    {"/foo/bar", "/foo", "/xyz/", "/xyz/bar"},
    {"/foo/bar", "/foo/", "/xyz", "/xyz/bar"},
    {"/foo", "/foo", "/xyz", "/xyz"},
    {"/foo/", "/foo", "/xyz", "/xyz/"},
    {"/foo/bar", "/foo", "", "/bar"},
    {"/foo/", "/foo", "", "/"},
    {"/foo", "/foo", "", "/"},
    {"/foo/", "/foo", "/", "/"},
    {"/foo", "/foo", "/", "/"},
    /* conformance httproute-rewrite-path */
    {"/prefix/one/two", "/prefix/one", "/one", "/one/two"},
    {"/strip-prefix/three", "/strip-prefix", "/", "/three"},
    {"/strip-prefix", "/strip-prefix", "/", "/"},
    {"/anything", "/", "/api", "/api/anything"},
};

START_TEST(path_replace_prefix_table)
{
    for (size_t i = 0; i < sizeof(replace_table) / sizeof(replace_table[0]); i++) {
        char *got = gs_gw_path_replace_prefix(replace_table[i].path, strlen(replace_table[i].path),
                                              replace_table[i].prefix, replace_table[i].repl);
        ck_assert_msg(strcmp(got, replace_table[i].want) == 0, "%s %s %s: got %s want %s",
                      replace_table[i].path, replace_table[i].prefix, replace_table[i].repl, got,
                      replace_table[i].want);
        free(got);
    }
}
END_TEST

START_TEST(path_apply_full_and_none)
{
    gs_gw_path_mod full = {GS_GW_PATH_MOD_FULL, "/one"};
    char *s = gs_gw_path_apply(&full, "/full/one/two", 13, "/full");
    ck_assert_str_eq(s, "/one");
    free(s);
    gs_gw_path_mod none = {GS_GW_PATH_MOD_NONE, NULL};
    s = gs_gw_path_apply(&none, "/a/b?x", 4, NULL);
    ck_assert_str_eq(s, "/a/b");
    free(s);
}
END_TEST

START_TEST(path_split_and_host)
{
    const char *q;
    ck_assert_uint_eq(gs_gw_path_split("/a/b?x=1&y", &q), 4);
    ck_assert_str_eq(q, "x=1&y");
    ck_assert_uint_eq(gs_gw_path_split("/a", &q), 2);
    ck_assert_ptr_null(q);
    ck_assert_uint_eq(gs_gw_host_len("example.com:8080"), 11);
    ck_assert_uint_eq(gs_gw_host_len("example.com"), 11);
    ck_assert_uint_eq(gs_gw_host_len("[::1]:80"), 5);
    ck_assert_uint_eq(gs_gw_host_len("[::1]"), 5);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_path");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, path_replace_prefix_table);
    tcase_add_test(tc, path_apply_full_and_none);
    tcase_add_test(tc, path_split_and_host);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
