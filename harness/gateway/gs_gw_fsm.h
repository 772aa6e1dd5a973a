/* SPDX-License-Identifier: MIT */
/* The check behind the gateway's explicit state machines (the exchange, the HTTP/2 stream):
 * each keeps a state enum, a table of the states each state may be entered from, and one setter
 * that calls gs_gw_fsm_check before it assigns. */
#ifndef GS_GW_FSM_H
#define GS_GW_FSM_H

/* Bit |state| of a legal-from mask. */
#define GS_GW_FSM_FROM(state) (1u << (state))

/* Checks the transition |from| -> |to| of machine |machine| (for the log) against
 * |legal_from[to]| (a GS_GW_FSM_FROM mask). An illegal one is a bug: it asserts in debug builds
 * and is logged, with the states' |names|, in release builds (which then take it). */
void gs_gw_fsm_check(const char *machine, const char *const *names, const unsigned *legal_from,
                     unsigned from, unsigned to);

#endif
