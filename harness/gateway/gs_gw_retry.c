/* SPDX-License-Identifier: MIT */
/* Retry decisions of the builtin gateway (gs_gw_retry.h; docs/gateway.md, "Retries"). */
#include "gs_gw_retry.h"

bool gs_gw_retry_again(const gs_rt_retry *r, unsigned tries, bool failed, int status)
{
    if (r == NULL || !r->set || tries == 0)
        return false;
    uint32_t budget = r->attempts < GS_GW_RETRY_MAX_ATTEMPTS ? r->attempts : GS_GW_RETRY_MAX_ATTEMPTS;
    if (tries > budget) /* tries - 1 retries made so far */
        return false;
    return failed || gs_rt_retry_has_code(r, status);
}

void gs_gw_retry_deadlines(const gs_rt_rule *rule, int64_t default_ms, int64_t *total_ms,
                           int64_t *try_ms)
{
    int64_t t = rule->request_timeout_ms, b = rule->backend_request_timeout_ms;
    *total_ms = t == GS_RT_TIMEOUT_UNSET ? default_ms : t;
    *try_ms = b == GS_RT_TIMEOUT_UNSET ? 0 : b;
}
