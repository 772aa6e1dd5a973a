/* SPDX-License-Identifier: MIT */
/* RequestHeaderModifier / ResponseHeaderModifier (HTTPHeaderFilter): set, add and remove on a
 * header list, names compared case-insensitively. Pure: no I/O, no route lookup. */
#ifndef GS_GW_HEADER_MOD_H
#define GS_GW_HEADER_MOD_H

#include "gs_gw_headers.h"
#include "gs_route_table.h"

/* Applies |mod| (one HTTPHeaderFilter as the compiled route table holds it) to |h|: first remove
 * (every field of each name), then set (replace all values by one), then add (append a field;
 * the upstream or client sees it as "existing,new"). The spec makes the three lists disjoint,
 * so the order only matters for invalid input. */
void gs_gw_header_mod_apply_rt(const gs_rt_header_mod *mod, gs_gw_headers *h);

#endif
