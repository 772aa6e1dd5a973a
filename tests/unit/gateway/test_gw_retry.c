/* SPDX-License-Identifier: MIT */
/* Retry decisions (gs_gw_retry.h): which tries are tried again, how many, and the deadlines of
 * a request that may take several tries. */
#include "gs_gw_retry.h"
#include "gs_test.h"

#include <string.h>

static gs_rt_retry policy(uint32_t attempts)
{
    gs_rt_retry r;
    memset(&r, 0, sizeof(r));
    r.set = true;
    r.attempts = attempts;
    return r;
}

START_TEST(retry_codes_bitmap)
{
    gs_rt_retry r = policy(1);
    gs_rt_retry_add_code(&r, 500);
    gs_rt_retry_add_code(&r, 599);
    gs_rt_retry_add_code(&r, 400);
    gs_rt_retry_add_code(&r, 600); /* out of range: ignored */
    gs_rt_retry_add_code(&r, 399);
    ck_assert(gs_rt_retry_has_code(&r, 500));
    ck_assert(gs_rt_retry_has_code(&r, 599));
    ck_assert(gs_rt_retry_has_code(&r, 400));
    ck_assert(!gs_rt_retry_has_code(&r, 501));
    ck_assert(!gs_rt_retry_has_code(&r, 503));
    ck_assert(!gs_rt_retry_has_code(&r, 600));
    ck_assert(!gs_rt_retry_has_code(&r, 399));
    ck_assert(!gs_rt_retry_has_code(&r, 200));
}
END_TEST

START_TEST(retry_again_counts_attempts_as_retries)
{
    /* attempts 3: up to 3 retries, 4 tries in all (upstream HTTPRouteRetry: succeedAfter 2 is
     * a 200, succeedAfter 4 the 500). */
    gs_rt_retry r = policy(3);
    gs_rt_retry_add_code(&r, 500);
    for (unsigned tries = 1; tries <= 3; tries++)
        ck_assert_msg(gs_gw_retry_again(&r, tries, false, 500), "try %u", tries);
    ck_assert(!gs_gw_retry_again(&r, 4, false, 500));
    /* Statuses not listed are answers, not failures. */
    ck_assert(!gs_gw_retry_again(&r, 1, false, 503));
    ck_assert(!gs_gw_retry_again(&r, 1, false, 200));
    /* Connection errors and try timeouts are retried without codes. */
    gs_rt_retry none = policy(2);
    ck_assert(gs_gw_retry_again(&none, 1, true, 0));
    ck_assert(gs_gw_retry_again(&none, 2, true, 0));
    ck_assert(!gs_gw_retry_again(&none, 3, true, 0));
    ck_assert(!gs_gw_retry_again(&none, 1, false, 500));
    /* No policy: never. */
    gs_rt_retry off;
    memset(&off, 0, sizeof(off));
    ck_assert(!gs_gw_retry_again(&off, 1, true, 0));
    ck_assert(!gs_gw_retry_again(NULL, 1, true, 0));
}
END_TEST

START_TEST(retry_again_is_capped)
{
    gs_rt_retry r = policy(1000000);
    ck_assert(gs_gw_retry_again(&r, GS_GW_RETRY_MAX_ATTEMPTS, true, 0));
    ck_assert(!gs_gw_retry_again(&r, GS_GW_RETRY_MAX_ATTEMPTS + 1, true, 0));
}
END_TEST

START_TEST(retry_deadlines)
{
    gs_rt_rule rule;
    memset(&rule, 0, sizeof(rule));
    int64_t total, try_ms;
    /* Neither timeout: the default bounds the whole request, tries are unbounded. */
    rule.request_timeout_ms = GS_RT_TIMEOUT_UNSET;
    rule.backend_request_timeout_ms = GS_RT_TIMEOUT_UNSET;
    gs_gw_retry_deadlines(&rule, 60000, &total, &try_ms);
    ck_assert_int_eq(total, 60000);
    ck_assert_int_eq(try_ms, 0);
    /* HTTPRouteRetryWithTimeouts: request 400ms over every try, backendRequest 200ms each. */
    rule.request_timeout_ms = 400;
    rule.backend_request_timeout_ms = 200;
    gs_gw_retry_deadlines(&rule, 60000, &total, &try_ms);
    ck_assert_int_eq(total, 400);
    ck_assert_int_eq(try_ms, 200);
    /* backendRequest alone: the default still bounds the total. */
    rule.request_timeout_ms = GS_RT_TIMEOUT_UNSET;
    gs_gw_retry_deadlines(&rule, 60000, &total, &try_ms);
    ck_assert_int_eq(total, 60000);
    ck_assert_int_eq(try_ms, 200);
    /* request 0s disables the total. */
    rule.request_timeout_ms = 0;
    gs_gw_retry_deadlines(&rule, 60000, &total, &try_ms);
    ck_assert_int_eq(total, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_retry");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, retry_codes_bitmap);
    tcase_add_test(tc, retry_again_counts_attempts_as_retries);
    tcase_add_test(tc, retry_again_is_capped);
    tcase_add_test(tc, retry_deadlines);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
