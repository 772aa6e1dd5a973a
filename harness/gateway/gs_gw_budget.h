/* SPDX-License-Identifier: MIT */
/* Memory budgets against hostile clients: a count of bytes the gateway holds for one purpose
 * (request bodies waiting to go upstream, response data waiting for a slow reader) with a cap.
 * A charge goes against two budgets at once, the connection's and the process's, and is all or
 * nothing, so no client can take more than its connection's share and all clients together no
 * more than the process's. Pure bookkeeping; single-threaded. */
#ifndef GS_GW_BUDGET_H
#define GS_GW_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct gs_gw_budget {
    size_t used;
    size_t limit;
    size_t peak;    /* highest |used| seen (for the stats line) */
    size_t holders; /* process budget: connection budgets with |used| > 0 */
} gs_gw_budget;

/* Charges |n| bytes to |conn| and |proc| and returns true when |conn| stays within its limit and
 * either |proc| stays within its limit or |conn| stays within its fair share of it (the process
 * limit divided by the connections holding bytes, this one included); else charges nothing and
 * returns false. The share rule keeps a few greedy connections from starving the others once
 * the process total is spent: they are refused, a connection holding little is not. It bounds
 * the process total at twice its limit (the bytes charged over the limit all fit in shares,
 * which add up to the limit). */
bool gs_gw_budget_take(gs_gw_budget *conn, gs_gw_budget *proc, size_t n);
/* Gives back |n| bytes taken by gs_gw_budget_take (never more than was taken). */
void gs_gw_budget_give(gs_gw_budget *conn, gs_gw_budget *proc, size_t n);

#endif
