/* SPDX-License-Identifier: MIT */
/* Internals shared by the route table's build (gs_route_table.c) and lookup (gs_route_lookup.c)
 * halves: the arena that owns every copied object, and the hostname/path indexes. Not a public
 * header: only files of this folder include it. */
#ifndef GS_ROUTE_TABLE_PRIV_H
#define GS_ROUTE_TABLE_PRIV_H

#include "gs_route_table.h"
#include "gs_strmap.h"

#include <string.h>

/* Bump allocator: every copied string and struct lives here until the table is freed. */
typedef struct rt_arena_block {
    struct rt_arena_block *next;
    size_t used, cap;
    max_align_t data[]; /* cap bytes */
} rt_arena_block;

typedef struct rt_arena {
    rt_arena_block *head;
    size_t total; /* bytes in all blocks */
} rt_arena;

/* One (route, rule, match) candidate in one hostname bucket of one listener, with its
 * precedence key after hostname specificity. Lists of entries are sorted best first. 64 bytes:
 * a compiled candidate is one cache line. */
typedef struct rt_entry {
    const gs_rt_route *route;
    const gs_rt_rule *rule;
    union {
        const gs_rt_match *match;           /* HTTPRoute (is_grpc 0) */
        const gs_rt_grpc_match *grpc_match; /* GRPCRoute (is_grpc 1) */
    };
    /* Frozen entries: the header matches then (HTTP) the query matches as packed rt_fkv
     * records inside the bucket block; NULL before compile and when there are none. */
    const uint8_t *kv;
    const char *path_value; /* HTTP: match->path.value, so results need not read the match */
    uint32_t path_len;      /* HTTP: configured path length; gRPC: service characters */
    uint16_t match_index;
    uint16_t method;   /* HTTP: 1 with a method; gRPC: method characters */
    uint8_t path_rank; /* HTTP: 0 Exact, 1 RegularExpression, 2 PathPrefix; gRPC: 0 */
    uint8_t n_headers; /* distinct header names */
    uint8_t n_query;
    uint8_t is_grpc;
    /* HTTP: the method inline so that most lookups never read the route's own memory;
     * method_len 0 = any method, 0xff = longer than 7 bytes (compare match->method). */
    uint8_t method_len;
    char method_inline[7];
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

/* A frozen header or query match: one record of a packed sequence (each record 8-aligned, |size|
 * bytes to the next). A RegularExpression record carries the compiled pattern (pcre2_code *)
 * right after the head; then the name, NUL, the value, NUL. Lengths make comparisons exact
 * without strlen, and a candidate's matches sit next to each other (usually in its path slot). */
typedef struct rt_fkv {
    uint32_t size;
    uint32_t name_len;
    uint32_t value_len;
    uint32_t type; /* gs_rt_match_type: EXACT or REGEX */
} rt_fkv;

static inline const rt_fkv *rt_fkv_next(const rt_fkv *k)
{
    return (const rt_fkv *)(const void *)((const uint8_t *)k + k->size);
}

static inline const void *rt_fkv_regex(const rt_fkv *k)
{
    const void *re;
    memcpy(&re, k + 1, sizeof(re));
    return re;
}

static inline const char *rt_fkv_name(const rt_fkv *k)
{
    return (const char *)(k + 1) + (k->type == GS_RT_MATCH_REGEX ? sizeof(void *) : 0);
}

static inline const char *rt_fkv_value(const rt_fkv *k)
{
    return rt_fkv_name(k) + k->name_len + 1;
}

/* ---- frozen (compiled) form, read by lookup ----
 * gs_route_table_compile copies each bucket into ONE contiguous block (header, hash slots,
 * nodes with their entries inline, keys) so that a lookup touches few cache lines however many
 * routes the table holds. Hashes are FNV-1a 64 (gs_strmap_hash). */

/* Common head of everything a frozen slot points to: the key it was stored under. */
typedef struct rt_fkey {
    const char *key;
    uint32_t key_len;
} rt_fkey;

typedef struct rt_fslot {
    uint64_t hash;
    const rt_fkey *node; /* NULL: empty */
} rt_fslot;

typedef struct rt_fmap {
    const rt_fslot *slots; /* NULL when empty */
    size_t mask;
} rt_fmap;

/* The candidates stored under one key, best first. Nodes are 64-byte aligned: the head and a
 * short key share the first cache line, each entry takes one more. */
#define RT_FNODE_KEY 44
typedef struct rt_fnode {
    rt_fkey head; /* head.key points into inline_key when the key fits */
    uint32_t n;
    char inline_key[RT_FNODE_KEY];
    rt_entry entries[];
} rt_fnode;

/* A compiled HTTP path key (Exact path, or PathPrefix value without its trailing '/') with its
 * candidates. The slot itself carries the best candidate's hot data — its path value (the key is
 * the first |key_len| bytes of it), its method, its header/query matches (rt_fkv) when they fit,
 * and what the result needs — so a lookup whose first candidate matches reads this slot's two
 * cache lines (fetched together) and nothing else. |entries| holds every candidate in full, best
 * first (entries[0] is the one inlined), for the others and for explain. */
#define RT_PSLOT_INLINE 56
typedef struct rt_pslot {
    /* line 0 */
    uint64_t hash;
    const rt_entry *entries; /* NULL: empty slot */
    const char *value;       /* entries[0]'s path value (inline when short) */
    const uint8_t *kv;       /* entries[0]'s rt_fkv records (inline when they fit) */
    const gs_rt_route *route;
    const gs_rt_rule *rule;
    uint32_t n;
    uint32_t key_len;
    uint16_t match_index;
    uint8_t path_rank;
    uint8_t n_headers;
    uint8_t n_query;
    uint8_t method_len; /* as rt_entry.method_len */
    uint8_t pad_[2];
    /* line 1 */
    char method_inline[8];
    _Alignas(8) char inline_data[RT_PSLOT_INLINE]; /* the value, NUL, then the kv records */
} rt_pslot;

/* Open addressing over 128-byte-aligned rt_pslot, linear probing; load factor <= 2/3. */
typedef struct rt_pmap {
    const rt_pslot *slots; /* NULL when empty */
    size_t mask;
} rt_pmap;

typedef struct rt_fbucket {
    rt_fkey head;           /* the effective hostname; key NULL for the no-hostname bucket */
    rt_pmap exact;          /* path -> candidates */
    rt_pmap prefix;         /* path without trailing '/' -> candidates */
    uint64_t exact_depths;  /* bit d: some Exact key has d '/' (d >= 63 folded into bit 63) */
    uint64_t prefix_depths; /* the same for PathPrefix keys: skips probes that cannot hit */
    rt_fmap grpc_exact;     /* "/service/method" -> rt_fnode */
    rt_fmap grpc_service;   /* "service" -> rt_fnode */
    const rt_entry *regex;  /* sorted */
    size_t n_regex;
    const rt_entry *grpc_other; /* sorted */
    size_t n_grpc_other;
    bool has_grpc;
} rt_fbucket;

/* A compiled hostname: one 128-byte slot (two cache lines, fetched together) holding what a
 * lookup needs before it reaches the bucket's path slots — the key, the path maps, the depth
 * masks — so that the bucket header is read only for regex and gRPC candidates. */
#define RT_HSLOT_KEY 54 /* inline key bytes + the key pointer */
typedef struct rt_hslot {
    uint64_t hash;
    const rt_fbucket *bucket; /* NULL: empty slot */
    rt_pmap exact;            /* copies of the bucket's maps */
    rt_pmap prefix;
    uint64_t exact_depths;
    uint64_t prefix_depths;
    uint32_t key_len;
    uint8_t has_regex;
    uint8_t has_grpc;
    char key[RT_HSLOT_KEY - 8]; /* the hostname when it fits */
    const char *key_ptr;        /* the bucket's hostname (NULL for routes without hostnames) */
} rt_hslot;

/* A layer-4 candidate: a TLSRoute, TCPRoute or UDPRoute on one listener under one effective
 * hostname (NULL: any server name, and connections without one). Sorted best first at compile:
 * hostname specificity, then age, then {namespace}/{name}. */
typedef struct rt_l4_entry {
    const gs_rt_route *route;
    const char *hostname;
} rt_l4_entry;

typedef struct rt_listener_index {
    rt_l4_entry *l4; /* heap array, freed with the table */
    size_t n_l4, cap_l4;
    gs_strmap hosts;        /* build: effective hostname ("a.b", "*.b") -> rt_bucket* */
    rt_bucket *implicit;    /* build: routes without hostnames; NULL if none */
    const rt_hslot *hslots; /* compiled: hostname slots (128-byte aligned), NULL if none */
    size_t hmask;
    rt_hslot himplicit; /* compiled: routes without hostnames (bucket NULL if none) */
} rt_listener_index;

/* Bit for a key with |slashes| '/' characters in a depth mask. */
static inline uint64_t rt_depth_bit(size_t slashes)
{
    return 1ULL << (slashes < 63 ? slashes : 63);
}

/* Finds |key| (hash |h|) in a frozen map of nodes; NULL if absent. On a hash hit the node's
 * first entry (its second cache line) is fetched while the key is compared. */
static inline const rt_fkey *rt_fmap_get(const rt_fmap *m, const char *key, size_t len, uint64_t h)
{
    if (m->slots == NULL)
        return NULL;
    for (size_t i = (size_t)h & m->mask;; i = (i + 1) & m->mask) {
        const rt_fslot *s = &m->slots[i];
        if (s->node == NULL)
            return NULL;
        if (s->hash != h)
            continue;
        __builtin_prefetch((const char *)s->node + 64);
        if (s->node->key_len == len && memcmp(s->node->key, key, len) == 0)
            return s->node;
    }
}

/* Finds |key| (hash |h|) in a frozen path map; NULL if absent. */
static inline const rt_pslot *rt_pmap_get(const rt_pmap *m, const char *key, size_t len, uint64_t h)
{
    if (m->slots == NULL)
        return NULL;
    for (size_t i = (size_t)h & m->mask;; i = (i + 1) & m->mask) {
        const rt_pslot *s = &m->slots[i];
        if (s->entries == NULL)
            return NULL;
        if (s->hash == h && s->key_len == len && memcmp(s->value, key, len) == 0)
            return s;
    }
}

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
int gs_rt_entry_compare(const rt_entry *a, const rt_entry *b);
/* The same, and which key decided into |key| (GS_RT_RANK_FIRST when equal). */
int gs_rt_entry_rank(const rt_entry *a, const rt_entry *b, gs_rt_rank_key *key);

#endif
