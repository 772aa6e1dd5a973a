/* SPDX-License-Identifier: MIT */
/* Two-level byte budgets (connection and process). */
#include "gs_gw_budget.h"

#include <assert.h>

static bool budget_fits(const gs_gw_budget *b, size_t n)
{
    return n <= b->limit && b->used <= b->limit - n;
}

static void budget_add(gs_gw_budget *b, size_t n)
{
    b->used += n;
    if (b->used > b->peak)
        b->peak = b->used;
}

/* Within its fair share of the process limit once it holds |n| more bytes. */
static bool budget_fair(const gs_gw_budget *conn, const gs_gw_budget *proc, size_t n)
{
    size_t holders = proc->holders + (conn->used == 0 ? 1 : 0);
    size_t share = proc->limit / (holders ? holders : 1);
    return n <= share && conn->used <= share - n;
}

bool gs_gw_budget_take(gs_gw_budget *conn, gs_gw_budget *proc, size_t n)
{
    if (!budget_fits(conn, n) || (!budget_fits(proc, n) && !budget_fair(conn, proc, n)))
        return false;
    if (conn->used == 0 && n > 0)
        proc->holders++;
    budget_add(conn, n);
    budget_add(proc, n);
    return true;
}

void gs_gw_budget_give(gs_gw_budget *conn, gs_gw_budget *proc, size_t n)
{
    assert(conn->used >= n && proc->used >= n);
    conn->used -= n;
    proc->used -= n;
    if (conn->used == 0 && n > 0)
        proc->holders--;
}
