/* SPDX-License-Identifier: MIT */
/* RequestHeaderModifier / ResponseHeaderModifier (HTTPHeaderFilter): set, add and remove on a
 * header list, names compared case-insensitively. Pure: no I/O, no route lookup. */
#ifndef GS_GW_HEADER_MOD_H
#define GS_GW_HEADER_MOD_H

#include "gs_gw_headers.h"
#include "gs_route_table.h"

typedef struct gs_gw_kv {
    const char *name;
    const char *value;
} gs_gw_kv;

/* One HTTPHeaderFilter. Every pointer is borrowed from the route table. */
typedef struct gs_gw_header_mod {
    const gs_gw_kv *set;
    size_t n_set;
    const gs_gw_kv *add;
    size_t n_add;
    const char *const *remove;
    size_t n_remove;
} gs_gw_header_mod;

/* Applies |mod| to |h|: first remove (every field of each name), then set (replace all values by
 * one), then add (append a field; the upstream or client sees it as "existing,new").
 * The spec makes the three lists disjoint, so the order only matters for invalid input. */
void gs_gw_header_mod_apply(const gs_gw_header_mod *mod, gs_gw_headers *h);

/* The same, for a filter as the compiled route table holds it. */
void gs_gw_header_mod_apply_rt(const gs_rt_header_mod *mod, gs_gw_headers *h);

#endif
