/* SPDX-License-Identifier: MIT */
/* Internals shared by the route table's build (gs_route_table.c) and lookup (gs_route_lookup.c)
 * halves: the arena that owns every copied object, and the hostname/path indexes. Not a public
 * header: only files of this folder include it. */
#ifndef GS_ROUTE_TABLE_PRIV_H
#define GS_ROUTE_TABLE_PRIV_H

#include "gs_route_table.h"
#include "gs_strmap.h"

/* Bump allocator: every copied string and struct lives here until the table is freed. */
typedef struct rt_arena_block {
    struct rt_arena_block *next;
    size_t used, cap;
    max_align_t data[]; /* cap bytes */
} rt_arena_block;

typedef struct rt_arena {
    rt_arena_block *head;
} rt_arena;

/* One (route, rule, match) candidate in one hostname bucket of one listener, with its
 * precedence key after hostname specificity. Lists of entries are sorted best first. */
typedef struct rt_entry {
    const gs_rt_route *route;
    const gs_rt_rule *rule;
    const gs_rt_match *match;           /* HTTPRoute */
    const gs_rt_grpc_match *grpc_match; /* GRPCRoute */
    uint32_t match_index;
    uint8_t path_rank;  /* HTTP: 0 Exact, 1 RegularExpression, 2 PathPrefix; gRPC: 0 */
    uint32_t path_len;  /* HTTP: configured path length; gRPC: service characters */
    uint32_t method;    /* HTTP: 1 with a method; gRPC: method characters */
    uint32_t n_headers; /* distinct header names */
    uint32_t n_query;
} rt_entry;

typedef struct rt_list {
    rt_entry **items;
    size_t n, cap;
} rt_list;

/* The rules reachable through one effective hostname (or, for |hostname| NULL, through routes
 * without hostnames) on one listener. */
typedef struct rt_bucket {
    const char *hostname;
    gs_strmap exact;        /* path -> rt_list* (Exact) */
    gs_strmap prefix;       /* path without trailing '/' -> rt_list* (PathPrefix) */
    rt_list regex;          /* RegularExpression paths */
    gs_strmap grpc_exact;   /* "/service/method" -> rt_list* (Exact, both set) */
    gs_strmap grpc_service; /* "service" -> rt_list* (Exact, service only) */
    rt_list grpc_other;     /* method only, regex, match-all */
} rt_bucket;

typedef struct rt_listener_index {
    gs_strmap hosts;     /* effective hostname ("a.b", "*.b") -> rt_bucket* */
    rt_bucket *implicit; /* routes without hostnames; NULL if none */
} rt_listener_index;

typedef struct rt_port_index {
    gs_strmap exact; /* listener hostname -> gs_rt_listener* */
    gs_strmap wild;  /* "*.x" -> gs_rt_listener* */
    const gs_rt_listener *catch_all;
    const gs_rt_listener **listeners; /* backing array of gs_rt_port.listeners */
    size_t cap;
} rt_port_index;

struct gs_route_table {
    gs_rt_options opt;
    bool compiled;
    rt_arena arena;
    gs_rt_listener **listeners;
    rt_listener_index **lindex; /* parallel to listeners */
    size_t n_listeners, cap_listeners;
    gs_rt_port **ports;
    rt_port_index **pindex; /* parallel to ports (ports[i]->priv, writable) */
    size_t n_ports, cap_ports;
    size_t n_routes;
    /* Everything with heap memory of its own, released by gs_route_table_free. */
    rt_list **lists;
    size_t n_lists, cap_lists;
    rt_bucket **buckets;
    size_t n_buckets, cap_buckets;
    void **regexes; /* pcre2_code* */
    size_t n_regexes, cap_regexes;
};

/* Compares two entries by precedence after hostname: < 0 when |a| wins. */
int rt_entry_compare(const rt_entry *a, const rt_entry *b);

#endif
