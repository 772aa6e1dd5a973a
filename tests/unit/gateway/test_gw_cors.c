/* SPDX-License-Identifier: MIT */
/* CORS filter: origin matching and the conformance test's preflight / actual cases. */
#include "gs_gw_cors.h"
#include "gs_test.h"

START_TEST(cors_origin_matching)
{
    ck_assert(gs_gw_cors_origin_match("https://www.foo.com", "https://www.foo.com"));
    ck_assert(gs_gw_cors_origin_match("https://www.foo.com", "HTTPS://WWW.FOO.COM"));
    ck_assert(gs_gw_cors_origin_match("https://www.foo.com", "https://www.foo.com:443"));
    ck_assert(!gs_gw_cors_origin_match("https://www.foo.com", "https://www.foo.com:8443"));
    ck_assert(!gs_gw_cors_origin_match("https://www.foo.com", "http://www.foo.com"));
    ck_assert(gs_gw_cors_origin_match("https://*.bar.com", "https://www.bar.com"));
    ck_assert(gs_gw_cors_origin_match("https://*.bar.com", "https://xpto.www.bar.com"));
    ck_assert(!gs_gw_cors_origin_match("https://*.bar.com", "https://bar.com"));
    ck_assert(!gs_gw_cors_origin_match("https://*.bar.com", "https://foobar.com"));
    ck_assert(gs_gw_cors_origin_match("*", "https://foobar.com:12345"));
    ck_assert(gs_gw_cors_origin_match("http://a.com:8080", "http://a.com:8080"));
    ck_assert(!gs_gw_cors_origin_match("http://a.com", "garbage"));
}
END_TEST

static const char *const c1_origins[] = {"https://www.foo.com", "https://*.bar.com"};
static const char *const c1_methods[] = {"GET", "OPTIONS"};
static const char *const c1_headers[] = {"x-header-1", "x-header-2"};
static const char *const c1_expose[] = {"x-header-3", "x-header-4"};
static const gs_gw_cors cors1 = {c1_origins, 2,         c1_methods, 2,    c1_headers,
                                 2,          c1_expose, 2,          true, 3600};

START_TEST(cors_preflight_allowed)
{
    gs_gw_headers req = {0}, out = {0};
    gs_gw_headers_add(&req, "Origin", "https://xpto.www.bar.com");
    gs_gw_headers_add(&req, "access-control-request-method", "GET");
    gs_gw_headers_add(&req, "access-control-request-headers", "x-header-1, x-header-2");
    ck_assert_int_eq(gs_gw_cors_eval(&cors1, "OPTIONS", &req, &out), GS_GW_CORS_PREFLIGHT);
    ck_assert_str_eq(gs_gw_headers_get(&out, "access-control-allow-origin"),
                     "https://xpto.www.bar.com");
    ck_assert_str_eq(gs_gw_headers_get(&out, "access-control-allow-methods"), "GET, OPTIONS");
    ck_assert_str_eq(gs_gw_headers_get(&out, "access-control-allow-headers"),
                     "x-header-1, x-header-2");
    ck_assert_str_eq(gs_gw_headers_get(&out, "access-control-expose-headers"),
                     "x-header-3, x-header-4");
    ck_assert_str_eq(gs_gw_headers_get(&out, "access-control-max-age"), "3600");
    ck_assert_str_eq(gs_gw_headers_get(&out, "access-control-allow-credentials"), "true");
    gs_gw_headers_clear(&req);
    gs_gw_headers_clear(&out);
}
END_TEST

START_TEST(cors_preflight_denied_and_actual)
{
    gs_gw_headers req = {0}, out = {0};
    gs_gw_headers_add(&req, "Origin", "https://foobar.com");
    gs_gw_headers_add(&req, "access-control-request-method", "GET");
    ck_assert_int_eq(gs_gw_cors_eval(&cors1, "OPTIONS", &req, &out), GS_GW_CORS_PREFLIGHT_DENY);
    ck_assert_uint_eq(out.len, 0);
    ck_assert_int_eq(gs_gw_cors_eval(&cors1, "GET", &req, &out), GS_GW_CORS_PASS);
    ck_assert_uint_eq(out.len, 0);
    gs_gw_headers_set(&req, "Origin", "https://www.foo.com");
    ck_assert_int_eq(gs_gw_cors_eval(&cors1, "GET", &req, &out), GS_GW_CORS_ACTUAL);
    ck_assert_str_eq(gs_gw_headers_get(&out, "access-control-allow-origin"), "https://www.foo.com");
    ck_assert_ptr_null(gs_gw_headers_get(&out, "access-control-allow-methods"));
    gs_gw_headers_clear(&out);
    gs_gw_headers_remove(&req, "origin");
    ck_assert_int_eq(gs_gw_cors_eval(&cors1, "OPTIONS", &req, &out), GS_GW_CORS_PASS);
    gs_gw_headers_clear(&req);
    gs_gw_headers_clear(&out);
}
END_TEST

START_TEST(cors_wildcards_echo_request)
{
    static const char *const star[] = {"*"};
    gs_gw_cors c = {star, 1, star, 1, star, 1, NULL, 0, false, 0};
    gs_gw_headers req = {0}, out = {0};
    gs_gw_headers_add(&req, "Origin", "https://foobar.com:12345");
    gs_gw_headers_add(&req, "Access-Control-Request-Method", "PUT");
    gs_gw_headers_add(&req, "Access-Control-Request-Headers", "x-a");
    ck_assert_int_eq(gs_gw_cors_eval(&c, "OPTIONS", &req, &out), GS_GW_CORS_PREFLIGHT);
    ck_assert_str_eq(gs_gw_headers_get(&out, "access-control-allow-origin"),
                     "https://foobar.com:12345");
    ck_assert_str_eq(gs_gw_headers_get(&out, "access-control-allow-methods"), "PUT");
    ck_assert_str_eq(gs_gw_headers_get(&out, "access-control-allow-headers"), "x-a");
    ck_assert_str_eq(gs_gw_headers_get(&out, "access-control-max-age"), "5");
    ck_assert_ptr_null(gs_gw_headers_get(&out, "access-control-allow-credentials"));
    gs_gw_headers_clear(&req);
    gs_gw_headers_clear(&out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_cors");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, cors_origin_matching);
    tcase_add_test(tc, cors_preflight_allowed);
    tcase_add_test(tc, cors_preflight_denied_and_actual);
    tcase_add_test(tc, cors_wildcards_echo_request);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
