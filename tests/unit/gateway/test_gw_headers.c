/* SPDX-License-Identifier: MIT */
/* Header list: case-insensitive lookup, set/remove keeping order, joins and tokens. */
#include "gs_gw_headers.h"
#include "gs_test.h"

#include <stdio.h>

#include <stdlib.h>

START_TEST(headers_case_insensitive_get_and_count)
{
    gs_gw_headers h = {0};
    gs_gw_headers_add(&h, "X-Foo", "a");
    gs_gw_headers_add(&h, "x-foo", "b");
    gs_gw_headers_add(&h, "Host", "example.com");
    ck_assert_str_eq(gs_gw_headers_get(&h, "X-FOO"), "a");
    ck_assert_uint_eq(gs_gw_headers_count(&h, "x-Foo"), 2);
    ck_assert_ptr_null(gs_gw_headers_get(&h, "x-bar"));
    char *j = gs_gw_headers_join(&h, "X-foo");
    ck_assert_str_eq(j, "a,b");
    free(j);
    ck_assert_ptr_null(gs_gw_headers_join(&h, "nope"));
    ck_assert_uint_eq(h.bytes, 5 + 1 + 5 + 1 + 4 + 11);
    gs_gw_headers_clear(&h);
}
END_TEST

START_TEST(headers_set_replaces_all_in_place)
{
    gs_gw_headers h = {0};
    gs_gw_headers_add(&h, "a", "1");
    gs_gw_headers_add(&h, "X-Set", "old1");
    gs_gw_headers_add(&h, "b", "2");
    gs_gw_headers_add(&h, "x-set", "old2");
    gs_gw_headers_set(&h, "x-SET", "new");
    ck_assert_uint_eq(h.len, 3);
    ck_assert_str_eq(h.items[1].name, "X-Set");
    ck_assert_str_eq(h.items[1].value, "new");
    ck_assert_str_eq(h.items[2].name, "b");
    gs_gw_headers_set(&h, "fresh", "v");
    ck_assert_uint_eq(h.len, 4);
    ck_assert_str_eq(h.items[3].value, "v");
    ck_assert_uint_eq(gs_gw_headers_remove(&h, "A"), 1);
    ck_assert_uint_eq(gs_gw_headers_remove(&h, "A"), 0);
    ck_assert_uint_eq(h.len, 3);
    gs_gw_headers_clear(&h);
}
END_TEST

START_TEST(headers_tokens)
{
    gs_gw_headers h = {0};
    gs_gw_headers_add(&h, "Connection", "keep-alive, Upgrade");
    gs_gw_headers_add(&h, "connection", " close ");
    ck_assert(gs_gw_headers_has_token(&h, "connection", "upgrade"));
    ck_assert(gs_gw_headers_has_token(&h, "connection", "CLOSE"));
    ck_assert(!gs_gw_headers_has_token(&h, "connection", "keep"));
    gs_gw_headers copy = {0};
    gs_gw_headers_copy(&copy, &h);
    gs_gw_headers_clear(&h);
    ck_assert_uint_eq(copy.len, 2);
    ck_assert_str_eq(copy.items[1].value, " close ");
    gs_gw_headers_clear(&copy);
}
END_TEST

START_TEST(headers_arena_growth_keeps_every_field)
{
    /* Values copied from the same list while the arena grows (and moves) must come out whole:
     * add and set take a value that points into the list itself. */
    gs_gw_headers h = {0};
    gs_gw_headers_add(&h, "seed", "0123456789");
    char name[32];
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "x-copy-%d", i);
        gs_gw_headers_add(&h, name, h.items[h.len - 1].value); /* points into the arena */
    }
    ck_assert_uint_eq(h.len, 201);
    for (size_t i = 0; i < h.len; i++) {
        ck_assert_str_eq(h.items[i].value, "0123456789");
        ck_assert_uint_eq(h.items[i].value_len, 10);
        ck_assert_ptr_eq(h.items[i].value, h.items[i].name + h.items[i].name_len + 1);
    }
    gs_gw_headers_set(&h, "seed", gs_gw_headers_get(&h, "x-copy-199"));
    ck_assert_str_eq(gs_gw_headers_get(&h, "seed"), "0123456789");
    ck_assert_uint_eq(gs_gw_headers_remove(&h, "x-copy-5"), 1);
    gs_gw_headers_set(&h, "x-copy-7", "replaced");
    ck_assert_str_eq(gs_gw_headers_get(&h, "x-copy-7"), "replaced");
    ck_assert_str_eq(h.items[0].name, "seed"); /* order kept, case kept */
    ck_assert_uint_eq(h.len, 200);
    size_t bytes = 0;
    for (size_t i = 0; i < h.len; i++)
        bytes += h.items[i].name_len + h.items[i].value_len;
    ck_assert_uint_eq(h.bytes, bytes);
    gs_gw_headers_reset(&h);
    ck_assert_uint_eq(h.len, 0);
    ck_assert_uint_eq(h.bytes, 0);
    gs_gw_headers_add(&h, "after", "clear");
    ck_assert_str_eq(gs_gw_headers_get(&h, "AFTER"), "clear");
    gs_gw_headers_clear(&h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_headers");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, headers_case_insensitive_get_and_count);
    tcase_add_test(tc, headers_set_replaces_all_in_place);
    tcase_add_test(tc, headers_tokens);
    tcase_add_test(tc, headers_arena_growth_keeps_every_field);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
