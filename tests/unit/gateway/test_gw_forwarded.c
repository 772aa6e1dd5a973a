/* SPDX-License-Identifier: MIT */
/* Hop-by-hop removal (fixed list and Connection-named) and X-Forwarded-For/-Proto. */
#include "gs_gw_forwarded.h"
#include "gs_test.h"

START_TEST(forwarded_strips_hop_by_hop)
{
    gs_gw_headers h = {0};
    gs_gw_headers_add(&h, "Connection", "keep-alive, X-Secret");
    gs_gw_headers_add(&h, "Keep-Alive", "timeout=5");
    gs_gw_headers_add(&h, "x-secret", "s");
    gs_gw_headers_add(&h, "Transfer-Encoding", "chunked");
    gs_gw_headers_add(&h, "Upgrade", "h2c");
    gs_gw_headers_add(&h, "TE", "trailers");
    gs_gw_headers_add(&h, "X-Keep", "1");
    ck_assert_uint_eq(gs_gw_forwarded_strip_hop(&h), 6);
    ck_assert_uint_eq(h.len, 1);
    ck_assert_str_eq(h.items[0].name, "X-Keep");
    ck_assert(gs_gw_forwarded_is_hop("Proxy-Connection"));
    ck_assert(!gs_gw_forwarded_is_hop("Host"));
    gs_gw_headers_clear(&h);
}
END_TEST

START_TEST(forwarded_appends_xff_sets_xfp)
{
    gs_gw_headers h = {0};
    gs_gw_forwarded_add(&h, "127.0.0.1", "http");
    ck_assert_str_eq(gs_gw_headers_get(&h, "x-forwarded-for"), "127.0.0.1");
    ck_assert_str_eq(gs_gw_headers_get(&h, "x-forwarded-proto"), "http");
    gs_gw_headers_reset(&h);
    gs_gw_headers_add(&h, "X-Forwarded-For", "10.0.0.1");
    gs_gw_headers_add(&h, "X-Forwarded-For", "10.0.0.2");
    gs_gw_headers_add(&h, "X-Forwarded-Proto", "http");
    gs_gw_forwarded_add(&h, "127.0.0.1", "https");
    ck_assert_uint_eq(gs_gw_headers_count(&h, "x-forwarded-for"), 1);
    ck_assert_str_eq(gs_gw_headers_get(&h, "x-forwarded-for"), "10.0.0.1,10.0.0.2, 127.0.0.1");
    ck_assert_str_eq(gs_gw_headers_get(&h, "x-forwarded-proto"), "https");
    gs_gw_headers_clear(&h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_forwarded");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, forwarded_strips_hop_by_hop);
    tcase_add_test(tc, forwarded_appends_xff_sets_xfp);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
