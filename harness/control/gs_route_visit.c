/* SPDX-License-Identifier: MIT */
/* Walks a compiled listener's candidates in the order lookup considers them, for `gatesim
 * explain` and debugging: hostname buckets by specificity, candidates by precedence. Reads the
 * table only. */
#include "gs_route_table.h"
#include "route_table_priv.h"

#include "gs_alloc.h"

#include <stdlib.h>
#include <string.h>

static void visit_collect(const rt_fmap *m, const rt_entry ***v, size_t *n, size_t *cap)
{
    for (size_t i = 0; m->slots && i <= m->mask; i++) {
        const rt_fnode *node = (const rt_fnode *)m->slots[i].node;
        for (uint32_t k = 0; node && k < node->n; k++) {
            gs_xgrow((void **)v, cap, *n + 1, sizeof(**v));
            (*v)[(*n)++] = &node->entries[k];
        }
    }
}

static void visit_collect_paths(const rt_pmap *m, const rt_entry ***v, size_t *n, size_t *cap)
{
    for (size_t i = 0; m->slots && i <= m->mask; i++) {
        const rt_pslot *s = &m->slots[i];
        for (uint32_t k = 0; s->entries && k < s->n; k++) {
            gs_xgrow((void **)v, cap, *n + 1, sizeof(**v));
            (*v)[(*n)++] = &s->entries[k];
        }
    }
}

static int visit_entry_cmp(const void *pa, const void *pb)
{
    return gs_rt_entry_compare(*(const rt_entry *const *)pa, *(const rt_entry *const *)pb);
}

static size_t visit_bucket(const rt_fbucket *b, gs_rt_visit_fn fn, void *arg)
{
    const rt_entry **v = NULL;
    size_t n = 0, cap = 0;
    visit_collect_paths(&b->exact, &v, &n, &cap);
    visit_collect_paths(&b->prefix, &v, &n, &cap);
    for (size_t i = 0; i < b->n_regex; i++) {
        gs_xgrow((void **)&v, &cap, n + 1, sizeof(*v));
        v[n++] = &b->regex[i];
    }
    size_t n_http = n;
    if (n_http > 1)
        qsort(v, n_http, sizeof(*v), visit_entry_cmp);
    visit_collect(&b->grpc_exact, &v, &n, &cap);
    visit_collect(&b->grpc_service, &v, &n, &cap);
    for (size_t i = 0; i < b->n_grpc_other; i++) {
        gs_xgrow((void **)&v, &cap, n + 1, sizeof(*v));
        v[n++] = &b->grpc_other[i];
    }
    if (n - n_http > 1)
        qsort(v + n_http, n - n_http, sizeof(*v), visit_entry_cmp);
    for (size_t i = 0; i < n; i++) {
        const rt_entry *e = v[i];
        const gs_rt_grpc_match *gm = NULL;
        if (e->is_grpc && e->rule->n_grpc_matches)
            gm = e->grpc_match;
        /* HTTPRoute and GRPCRoute candidates are ordered separately (control never accepts
         * both for one hostname), so a kind change restarts the reasons. */
        gs_rt_rank_key why = GS_RT_RANK_FIRST;
        if (i > 0 && i != n_http)
            gs_rt_entry_rank(v[i - 1], e, &why);
        fn(arg, b->head.key, e->route, e->rule, !e->is_grpc && e->rule->n_matches ? e->match : NULL,
           gm, why);
    }
    free(v);
    return n;
}

/* Exact hostnames first, then wildcards; longer first; then by name. */
static int visit_bucket_cmp(const void *pa, const void *pb)
{
    const rt_fbucket *a = *(const rt_fbucket *const *)pa, *b = *(const rt_fbucket *const *)pb;
    bool wa = a->head.key[0] == '*', wb = b->head.key[0] == '*';
    if (wa != wb)
        return wa ? 1 : -1;
    if (a->head.key_len != b->head.key_len)
        return a->head.key_len > b->head.key_len ? -1 : 1;
    return strcmp(a->head.key, b->head.key);
}

static bool visit_same_host(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Layer-4 candidates are kept sorted as lookup tries them; only the first rule of each route
 * carries traffic, so that is the one visited. */
static size_t visit_l4(const rt_listener_index *li, gs_rt_visit_fn fn, void *arg)
{
    for (size_t i = 0; i < li->n_l4; i++) {
        const rt_l4_entry *e = &li->l4[i], *prev = i ? &li->l4[i - 1] : NULL;
        gs_rt_rank_key why = GS_RT_RANK_FIRST;
        if (prev && visit_same_host(prev->hostname, e->hostname))
            why = prev->route->created != e->route->created ? GS_RT_RANK_AGE : GS_RT_RANK_NAME;
        fn(arg, e->hostname, e->route, &e->route->rules[0], NULL, NULL, why);
    }
    return li->n_l4;
}

size_t gs_route_table_visit(const gs_route_table *t, size_t listener, gs_rt_visit_fn fn, void *arg)
{
    if (t == NULL || !t->compiled || listener >= t->n_listeners)
        return 0;
    const rt_listener_index *li = t->lindex[listener];
    const rt_fbucket **bs = NULL;
    size_t n = 0, cap = 0, visited = 0;
    for (size_t i = 0; li->hslots && i <= li->hmask; i++) {
        if (li->hslots[i].bucket == NULL)
            continue;
        gs_xgrow((void **)&bs, &cap, n + 1, sizeof(*bs));
        bs[n++] = li->hslots[i].bucket;
    }
    if (n > 1)
        qsort(bs, n, sizeof(*bs), visit_bucket_cmp);
    for (size_t i = 0; i < n; i++)
        visited += visit_bucket(bs[i], fn, arg);
    if (li->himplicit.bucket)
        visited += visit_bucket(li->himplicit.bucket, fn, arg);
    free(bs);
    visited += visit_l4(li, fn, arg);
    return visited;
}
