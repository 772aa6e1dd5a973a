/* SPDX-License-Identifier: MIT */
/* What every connection and exchange of one gateway process shares: the event loop, the upstream
 * clients, the random generator, limits, counters, and the current configuration snapshot.
 * A snapshot (route table + TLS contexts) is reference-counted: a SIGHUP reload installs a new
 * one while requests in flight keep the one they started with. Single-threaded. */
#ifndef GS_GW_RUNTIME_H
#define GS_GW_RUNTIME_H

#include "gs_gw_addrlim.h"
#include "gs_gw_budget.h"
#include "gs_gw_endpoints.h"
#include "gs_gw_msg.h"
#include "gs_gw_release.h"
#include "gs_gw_rng.h"
#include "gs_gw_tls.h"
#include "gs_gw_upstream.h"
#include "gs_route_table.h"

#include <event2/event.h>
#include <openssl/ssl.h>

typedef struct gs_gw_snapshot {
    int refs;
    gs_route_table *table; /* owned */
    gs_gw_tls_store *tls;  /* owned: contexts of the HTTPS listeners */
    uint64_t generation;   /* 1 for the first load, +1 per reload */
} gs_gw_snapshot;

/* Counters (monotonic), logged on exit, printed as a stats line on SIGUSR1
 * (gs_gw_runtime_stats_json) and read by tests. */
typedef struct gs_gw_counters {
    uint64_t requests;
    uint64_t responses_by_class[6]; /* index status/100 (0 unused) */
    uint64_t mirrors_sent;          /* copies handed to an upstream */
    uint64_t mirrors_dropped;       /* not sent: max_mirrors_in_flight copies were in flight */
    uint64_t mirrors_no_endpoint;   /* not sent: the mirror Service port has no endpoint */
    uint64_t mirrors_failed;        /* sent, ended with an upstream error (connect, broken) */
    uint64_t mirrors_timed_out;     /* sent, abandoned after the default timeout */
    uint64_t upstream_errors;
    uint64_t timeouts;
    uint64_t retries;             /* tries made again under rules[].retry (gs_gw_retry.h) */
    uint64_t h2_resets_refused;   /* connections closed for rapid reset / stream floods */
    uint64_t connections_refused; /* over max_connections: closed at accept */
    /* Hostile clients (docs/gateway.md, "Limits under hostile clients"). */
    uint64_t body_budget_refused;   /* HTTP/2 streams refused: request-body budget spent */
    uint64_t held_budget_reset;     /* HTTP/2 streams reset: held-response budget spent */
    uint64_t stalled_closed;        /* connections closed holding data, no progress */
    uint64_t addr_resets_refused;   /* connections closed: their address reset too many streams */
    uint64_t connections_banned;    /* closed at accept: the address is banned for resets */
    uint64_t cancelled_before_send; /* HTTP/2 requests reset before any upstream work */
    uint64_t accept_errors;         /* accept() failures (EMFILE...): accepting paused */
    uint64_t deadline_closed;       /* TLS handshake or request head over its total time */
    uint64_t header_abuse_closed;   /* HTTP/2 connections closed for oversized header lists */
    uint64_t tunnel_idle_closed;    /* upgrade / extended CONNECT tunnels idle both ways */
    /* Layer 4 (docs/l4.md). */
    uint64_t l4_connections;       /* TCP/TLS connections sent to a backend endpoint */
    uint64_t l4_refused;           /* reset: no route, no usable backendRef or no endpoint */
    uint64_t l4_upstream_errors;   /* the upstream connection failed or broke */
    uint64_t l4_backend_tls_failures; /* reset: TLS to the backend (BackendTLSPolicy) failed */
    uint64_t tls_hello_invalid;    /* TLS ports: not a ClientHello, or closed before one */
    uint64_t tls_hello_oversized;  /* larger than 16 KiB or spread over too many records */
    uint64_t tls_hello_timed_out;  /* not complete within the header timeout */
    uint64_t udp_sessions;         /* UDP sessions opened */
    uint64_t udp_sessions_evicted; /* closed for a new one: the session table was full */
    uint64_t udp_sessions_expired; /* closed after the idle timeout */
    uint64_t udp_dropped;          /* datagrams with no route, usable backend or endpoint */
    /* Reloads (gs_gw_main.c). */
    uint64_t reloads;                /* SIGHUP loads finished, failed ones included */
    uint64_t requests_during_reload; /* requests started while a reload was loading */
} gs_gw_counters;

/* State shared by connections to hold hostile clients to their limits (set up by the server). */
typedef struct gs_gw_guards {
    gs_gw_budget request_bodies; /* process total of HTTP/2 request bodies held */
    gs_gw_budget held_responses; /* process total of HTTP/2 response data waiting for clients */
    gs_gw_addrlim resets;        /* client resets per address */
    gs_gw_release release;       /* large buffers given back a slice per loop turn */
} gs_gw_guards;

typedef struct gs_gw_runtime {
    struct event_base *base;    /* borrowed */
    gs_gw_upstream *upstream;   /* owned */
    gs_gw_endpoints *endpoints; /* borrowed */
    gs_gw_rng rng;
    gs_gw_limits limits;
    gs_gw_counters counters;
    gs_gw_guards guards;
    gs_gw_snapshot *current; /* a reference held by the runtime */
    size_t mirrors_in_flight;
    size_t exchanges_in_flight;
    size_t udp_sessions_open;
} gs_gw_runtime;

/* Takes ownership of |table|. The snapshot starts with one reference. */
gs_gw_snapshot *gs_gw_snapshot_new(gs_route_table *table, uint64_t generation);
gs_gw_snapshot *gs_gw_snapshot_ref(gs_gw_snapshot *s);
void gs_gw_snapshot_unref(gs_gw_snapshot *s);

/* Appends the stats line's JSON object (no newline) to |out|:
 * {"stats":{"requests":N,"responses2xx":N,...,"mirrorsSent":N,"mirrorsDropped":N,...}}: every
 * counter, the gauges (mirrors and exchanges in flight, |connections| open downstream), the
 * mirror cap and the configuration generation. Flat: every value is a non-negative integer. */
void gs_gw_runtime_stats_json(const gs_gw_runtime *rt, size_t connections, gs_buf *out);

/* Appends the exit line's sentence (no newline) to |out|: what the counters say as a person
 * would put it, zero counts left out ("stopped after 3 requests: 2 answered 2xx, 1 answered
 * 5xx; 1 upstream error; mirror copies: 3 sent, 1 dropped (1024 already in flight)"). The
 * stats line keeps every counter for programs. */
void gs_gw_runtime_summary(const gs_gw_runtime *rt, gs_buf *out);

/* Replaces the runtime's current snapshot by |s| (takes the caller's reference). */
void gs_gw_runtime_install(gs_gw_runtime *rt, gs_gw_snapshot *s);

#endif
