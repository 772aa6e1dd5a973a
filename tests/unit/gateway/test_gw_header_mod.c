/* SPDX-License-Identifier: MIT */
/* HTTPHeaderFilter: the conformance examples of RequestHeaderModifier / ResponseHeaderModifier,
 * on the filter as the compiled route table holds it (what the exchange applies). */
#include "gs_gw_header_mod.h"
#include "gs_test.h"

#include <stdlib.h>

START_TEST(header_mod_conformance_example)
{
    /* Conformance "httproute-request-header-modifier": lower-case request headers against
     * mixed-case configuration. */
    gs_gw_headers h = {0};
    gs_gw_headers_add(&h, "x-header-set", "some-other-value");
    gs_gw_headers_add(&h, "x-header-add", "header-val-1");
    gs_gw_headers_add(&h, "x-header-remove", "bye");
    gs_gw_headers_add(&h, "X-Header-Remove", "bye2");
    gs_gw_headers_add(&h, "keep", "k");
    static const gs_rt_header_value set[] = {{"X-Header-Set", "set-overwrites-values"}};
    static const gs_rt_header_value add[] = {{"X-Header-Add", "add-appends-values"},
                                             {"X-Header-Add-New", "new"}};
    static const char *const rm[] = {"X-Header-Remove"};
    gs_rt_header_mod mod = {set, 1, add, 2, rm, 1};
    gs_gw_header_mod_apply_rt(&mod, &h);

    ck_assert_str_eq(gs_gw_headers_get(&h, "x-header-set"), "set-overwrites-values");
    ck_assert_uint_eq(gs_gw_headers_count(&h, "x-header-set"), 1);
    char *j = gs_gw_headers_join(&h, "x-header-add");
    ck_assert_str_eq(j, "header-val-1,add-appends-values");
    free(j);
    ck_assert_str_eq(gs_gw_headers_get(&h, "x-header-add-new"), "new");
    ck_assert_uint_eq(gs_gw_headers_count(&h, "x-header-remove"), 0);
    ck_assert_str_eq(gs_gw_headers_get(&h, "keep"), "k");
    gs_gw_headers_clear(&h);
}
END_TEST

START_TEST(header_mod_set_creates_absent)
{
    gs_gw_headers h = {0};
    static const gs_rt_header_value set[] = {{"X-New", "v"}};
    gs_rt_header_mod mod = {set, 1, NULL, 0, NULL, 0};
    gs_gw_header_mod_apply_rt(&mod, &h);
    ck_assert_uint_eq(h.len, 1);
    ck_assert_str_eq(gs_gw_headers_get(&h, "x-new"), "v");
    gs_gw_headers_clear(&h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_header_mod");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, header_mod_conformance_example);
    tcase_add_test(tc, header_mod_set_creates_absent);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
