/* SPDX-License-Identifier: MIT */
/* Configuration snapshots: reference counting and installation; the stats line's JSON and the
 * exit line's sentence. */
#include "gs_gw_runtime.h"

#include "gs_alloc.h"
#include "gs_json.h"

#include <stdlib.h>

gs_gw_snapshot *gs_gw_snapshot_new(gs_route_table *table, uint64_t generation)
{
    gs_gw_snapshot *s = gs_xcalloc(1, sizeof(*s));
    s->refs = 1;
    s->table = table;
    gs_gw_tls_store_new(&s->tls, table, NULL);
    s->generation = generation;
    return s;
}

gs_gw_snapshot *gs_gw_snapshot_ref(gs_gw_snapshot *s)
{
    s->refs++;
    return s;
}

void gs_gw_snapshot_unref(gs_gw_snapshot *s)
{
    if (s == NULL || --s->refs > 0)
        return;
    gs_gw_tls_store_free(s->tls);
    gs_route_table_free(s->table);
    free(s);
}

void gs_gw_runtime_install(gs_gw_runtime *rt, gs_gw_snapshot *s)
{
    gs_gw_snapshot *old = rt->current;
    rt->current = s;
    gs_gw_snapshot_unref(old);
}

static void runtime_field(gs_json *j, const char *key, uint64_t v)
{
    gs_json_key(j, key);
    gs_json_uint(j, v);
}

void gs_gw_runtime_stats_json(const gs_gw_runtime *rt, size_t connections, gs_buf *out)
{
    const gs_gw_counters *c = &rt->counters;
    gs_json j;
    gs_json_init(&j, out, false);
    gs_json_object_begin(&j);
    gs_json_key(&j, "stats");
    gs_json_object_begin(&j);
    runtime_field(&j, "requests", c->requests);
    static const char *const classes[6] = {NULL,           "responses1xx", "responses2xx",
                                           "responses3xx", "responses4xx", "responses5xx"};
    for (int i = 1; i <= 5; i++)
        runtime_field(&j, classes[i], c->responses_by_class[i]);
    runtime_field(&j, "upstreamErrors", c->upstream_errors);
    runtime_field(&j, "timeouts", c->timeouts);
    runtime_field(&j, "retries", c->retries);
    runtime_field(&j, "mirrorsSent", c->mirrors_sent);
    runtime_field(&j, "mirrorsDropped", c->mirrors_dropped);
    runtime_field(&j, "mirrorsNoEndpoint", c->mirrors_no_endpoint);
    runtime_field(&j, "mirrorsFailed", c->mirrors_failed);
    runtime_field(&j, "mirrorsTimedOut", c->mirrors_timed_out);
    runtime_field(&j, "mirrorsInFlight", rt->mirrors_in_flight);
    runtime_field(&j, "maxMirrorsInFlight", rt->limits.max_mirrors_in_flight);
    runtime_field(&j, "exchangesInFlight", rt->exchanges_in_flight);
    runtime_field(&j, "connections", connections);
    runtime_field(&j, "connectionsRefused", c->connections_refused);
    runtime_field(&j, "h2ResetsRefused", c->h2_resets_refused);
    runtime_field(&j, "bodyBudgetRefused", c->body_budget_refused);
    runtime_field(&j, "heldBudgetReset", c->held_budget_reset);
    runtime_field(&j, "stalledClosed", c->stalled_closed);
    runtime_field(&j, "addrResetsRefused", c->addr_resets_refused);
    runtime_field(&j, "connectionsBanned", c->connections_banned);
    runtime_field(&j, "cancelledBeforeSend", c->cancelled_before_send);
    runtime_field(&j, "acceptErrors", c->accept_errors);
    runtime_field(&j, "deadlineClosed", c->deadline_closed);
    runtime_field(&j, "headerAbuseClosed", c->header_abuse_closed);
    runtime_field(&j, "tunnelIdleClosed", c->tunnel_idle_closed);
    runtime_field(&j, "l4Connections", c->l4_connections);
    runtime_field(&j, "l4Refused", c->l4_refused);
    runtime_field(&j, "l4UpstreamErrors", c->l4_upstream_errors);
    runtime_field(&j, "l4BackendTlsFailures", c->l4_backend_tls_failures);
    runtime_field(&j, "tlsHelloInvalid", c->tls_hello_invalid);
    runtime_field(&j, "tlsHelloOversized", c->tls_hello_oversized);
    runtime_field(&j, "tlsHelloTimedOut", c->tls_hello_timed_out);
    runtime_field(&j, "udpSessions", c->udp_sessions);
    runtime_field(&j, "udpSessionsOpen", rt->udp_sessions_open);
    runtime_field(&j, "udpSessionsEvicted", c->udp_sessions_evicted);
    runtime_field(&j, "udpSessionsExpired", c->udp_sessions_expired);
    runtime_field(&j, "udpDropped", c->udp_dropped);
    runtime_field(&j, "reloads", c->reloads);
    runtime_field(&j, "requestsDuringReload", c->requests_during_reload);
    runtime_field(&j, "requestBodyBytesHeld", rt->guards.request_bodies.used);
    runtime_field(&j, "requestBodyBytesPeak", rt->guards.request_bodies.peak);
    runtime_field(&j, "responseBytesHeld", rt->guards.held_responses.used);
    runtime_field(&j, "responseBytesPeak", rt->guards.held_responses.peak);
    runtime_field(&j, "buffersReleasedInSlices", rt->guards.release.queued);
    runtime_field(&j, "releasePendingBytes", rt->guards.release.pending);
    if (rt->upstream) {
        const gs_gw_upstream_stats *us = gs_gw_upstream_get_stats(rt->upstream);
        runtime_field(&j, "upstreamConnects", us->connects);
        runtime_field(&j, "upstreamReuses", us->reuses);
        runtime_field(&j, "upstreamDrained", us->drained);
    }
    runtime_field(&j, "generation", rt->current ? rt->current->generation : 0);
    gs_json_object_end(&j);
    gs_json_object_end(&j);
}

/* Appends "N NOUN" or "N NOUNs" to a list of counts, ", " between items; zero adds nothing.
 * Returns whether it wrote. */
static bool runtime_count(gs_buf *out, bool *first, uint64_t n, const char *noun,
                          const char *plural_or_null)
{
    if (n == 0)
        return false;
    gs_buf_printf(out, "%s%llu %s", *first ? "" : ", ", (unsigned long long)n,
                  n == 1 || plural_or_null == NULL ? noun : plural_or_null);
    *first = false;
    return true;
}

void gs_gw_runtime_summary(const gs_gw_runtime *rt, gs_buf *out)
{
    const gs_gw_counters *c = &rt->counters;
    gs_buf_printf(out, "stopped after %llu request%s", (unsigned long long)c->requests,
                  c->requests == 1 ? "" : "s");
    bool first = true;
    static const char *const answered[6] = {NULL,           "answered 1xx", "answered 2xx",
                                            "answered 3xx", "answered 4xx", "answered 5xx"};
    for (int i = 1; i <= 5; i++) {
        if (first && c->responses_by_class[i] > 0)
            gs_buf_puts(out, ": ");
        runtime_count(out, &first, c->responses_by_class[i], answered[i], NULL);
    }
    /* Trouble on the way to the backends, then the mirror copies: each a clause of its own. */
    first = true;
    gs_buf trouble = {0};
    runtime_count(&trouble, &first, c->upstream_errors, "upstream error", "upstream errors");
    runtime_count(&trouble, &first, c->timeouts, "timeout", "timeouts");
    runtime_count(&trouble, &first, c->retries, "retry", "retries");
    if (trouble.len > 0)
        gs_buf_printf(out, "; %s", trouble.data);
    gs_buf_clear(&trouble);
    first = true;
    gs_buf mirrors = {0};
    runtime_count(&mirrors, &first, c->mirrors_sent, "sent", NULL);
    if (runtime_count(&mirrors, &first, c->mirrors_dropped, "dropped", NULL))
        gs_buf_printf(&mirrors, " (%zu already in flight)", rt->limits.max_mirrors_in_flight);
    runtime_count(&mirrors, &first, c->mirrors_no_endpoint, "without an endpoint", NULL);
    runtime_count(&mirrors, &first, c->mirrors_failed, "failed", NULL);
    runtime_count(&mirrors, &first, c->mirrors_timed_out, "timed out", NULL);
    if (mirrors.len > 0)
        gs_buf_printf(out, "; mirror copies: %s", mirrors.data);
    gs_buf_clear(&mirrors);
}
