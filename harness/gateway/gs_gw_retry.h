/* SPDX-License-Identifier: MIT */
/* rules[].retry (HTTPRoute) in the builtin gateway: when a try is tried again, and the deadlines
 * of a request that may take several tries. The exchange (gs_gw_exchange.c) carries the tries
 * out; the decisions are here so they read in one place and are unit-tested alone. */
#ifndef GS_GW_RETRY_H
#define GS_GW_RETRY_H

#include "gs_route_table.h"

#include <stdbool.h>
#include <stdint.h>

/* At most this many retries per request, whatever `attempts` says: each try is bounded by the
 * timeouts, but a refused connection fails at once, and a huge `attempts` with no backoff would
 * spin the loop against a dead backend. */
#define GS_GW_RETRY_MAX_ATTEMPTS 100

/* Whether a request is tried again after its |tries|-th try (1 for the first) ended with a
 * connection error or a backendRequest timeout (|failed|), or with a response of |status|:
 * failures are always retried, responses only when |status| is one of the rule's codes; never
 * more than `attempts` retries. */
bool gs_gw_retry_again(const gs_rt_retry *r, unsigned tries, bool failed, int status);

/* The deadlines of a request under a rule with retry: |total_ms| bounds every try and backoff
 * together (timeouts.request; without it the gateway's default timeout), |try_ms| each try
 * (timeouts.backendRequest). 0 disables either. */
void gs_gw_retry_deadlines(const gs_rt_rule *rule, int64_t default_ms, int64_t *total_ms,
                           int64_t *try_ms);

#endif
