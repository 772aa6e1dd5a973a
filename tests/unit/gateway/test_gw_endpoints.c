/* SPDX-License-Identifier: MIT */
/* --backend specs: parsing, several endpoints per Service port in round-robin, IPv6 literals,
 * and the usage errors. */
#include "gs_gw_endpoints.h"
#include "gs_test.h"

#include <string.h>

START_TEST(endpoints_round_robin)
{
    gs_gw_endpoints e = {0};
    ck_assert_int_eq(gs_gw_endpoints_add_spec(&e, "default/app:80=127.0.0.1:9001", NULL), 0);
    ck_assert_int_eq(gs_gw_endpoints_add_spec(&e, "default/app:80=127.0.0.1:9002", NULL), 0);
    ck_assert_int_eq(gs_gw_endpoints_add_spec(&e, "default/app:8080=127.0.0.1:9003", NULL), 0);
    ck_assert_int_eq(gs_gw_endpoints_add_spec(&e, "team-a/app:80=[::1]:9004", NULL), 0);
    ck_assert_uint_eq(e.n_services, 3);
    gs_gw_service *s = gs_gw_endpoints_find(&e, "default", "app", 80);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(s->n_endpoints, 2);
    ck_assert_str_eq(gs_gw_service_next(s)->address, "127.0.0.1:9001");
    ck_assert_str_eq(gs_gw_service_next(s)->address, "127.0.0.1:9002");
    ck_assert_str_eq(gs_gw_service_next(s)->address, "127.0.0.1:9001");
    ck_assert_ptr_null(gs_gw_endpoints_find(&e, "default", "app", 81));
    ck_assert_ptr_null(gs_gw_endpoints_find(&e, "other", "app", 80));
    gs_gw_service *v6 = gs_gw_endpoints_find(&e, "team-a", "app", 80);
    ck_assert_ptr_nonnull(v6);
    ck_assert_int_eq(v6->endpoints[0].addr.ss_family, AF_INET6);
    ck_assert_ptr_null(gs_gw_service_next(NULL));
    gs_gw_endpoints_clear(&e);
}
END_TEST

START_TEST(endpoints_usage_errors)
{
    static const char *const bad[] = {
        "app:80=127.0.0.1:1",        /* no namespace */
        "default/app=127.0.0.1:1",   /* no Service port */
        "default/app:0=127.0.0.1:1", /* port out of range */
        "default/app:80",            /* no endpoint */
        "default/app:80=127.0.0.1",  /* endpoint without port */
        "default/app:8x=127.0.0.1:1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        gs_gw_endpoints e = {0};
        gs_error err = {0};
        ck_assert_msg(gs_gw_endpoints_add_spec(&e, bad[i], &err) == GS_ERR_USAGE, "%s", bad[i]);
        ck_assert_msg(err.msg[0] != '\0', "%s: no message", bad[i]);
        ck_assert_uint_eq(e.n_services, 0);
        gs_gw_endpoints_clear(&e);
    }
    /* Endpoint addresses go through gs_addr_parse_hostport: the message names the problem. */
    static const char *const endpoint[][2] = {
        {"default/app:80=127.0.0.1", "endpoint \"127.0.0.1\": missing \":port\""},
        {"default/app:80=127.0.0.1:0",
         "endpoint \"127.0.0.1:0\": port 0 is out of range (1-65535)"},
        {"default/app:80=:8080", "endpoint \":8080\": empty host"},
        {"default/app:80=[::1]8080", "endpoint \"[::1]8080\": expected \":port\" after \"]\""},
    };
    for (size_t i = 0; i < sizeof(endpoint) / sizeof(endpoint[0]); i++) {
        gs_gw_endpoints e = {0};
        gs_error err = {0};
        ck_assert_int_eq(gs_gw_endpoints_add_spec(&e, endpoint[i][0], &err), GS_ERR_USAGE);
        ck_assert_str_eq(err.msg, endpoint[i][1]);
        gs_gw_endpoints_clear(&e);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_endpoints");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, endpoints_round_robin);
    tcase_add_test(tc, endpoints_usage_errors);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
