/* SPDX-License-Identifier: MIT */
/* The transition check of the gateway's state machines (gs_gw_fsm.h). */
#include "gs_gw_fsm.h"

#include "gs_log.h"

#include <assert.h>

void gs_gw_fsm_check(const char *machine, const char *const *names, const unsigned *legal_from,
                     unsigned from, unsigned to)
{
    if (legal_from[to] & GS_GW_FSM_FROM(from))
        return;
    gs_log_error("%s: no transition from %s to %s", machine, names[from], names[to]);
    assert(!"illegal state transition");
}
