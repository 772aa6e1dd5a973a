/* SPDX-License-Identifier: MIT */
/* Configuration snapshots: reference counting and installation. */
#include "gs_gw_runtime.h"

#include "gs_alloc.h"

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
