/* SPDX-License-Identifier: MIT */
/* A per-client-address event budget (for streams reset by the client: rapid reset,
 * CVE-2023-44487). Each address may spend |budget| events per |window|; the event over it bans
 * the address for |ban| (its new connections are refused). A per-connection limit alone is
 * dodged by reconnecting; this one follows the address across connections, as the major proxies
 * did after the CVE. Memory is fixed: a table of |slots| addresses (open addressing, 8 probes);
 * when the probed slots are full the least recently seen unbanned address is forgotten. Pure:
 * the caller gives the time. Single-threaded. */
#ifndef GS_GW_ADDRLIM_H
#define GS_GW_ADDRLIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gs_gw_addrlim_slot {
    char addr[64]; /* "" = free */
    uint32_t count;
    int64_t window_start;
    int64_t banned_until; /* 0 = not banned */
    int64_t last_seen;
} gs_gw_addrlim_slot;

typedef struct gs_gw_addrlim {
    gs_gw_addrlim_slot *slots;
    size_t n_slots; /* a power of two */
    uint32_t budget;
    int64_t window_ns;
    int64_t ban_ns;
    uint64_t bans; /* times an address went over its budget */
} gs_gw_addrlim;

/* |n_slots| is rounded up to a power of two (at least 8). */
void gs_gw_addrlim_init(gs_gw_addrlim *l, size_t n_slots, uint32_t budget, int64_t window_ns,
                        int64_t ban_ns);
void gs_gw_addrlim_free(gs_gw_addrlim *l);

/* Counts |n| events of |addr| at time |now| (ns). Returns true when the address is over its
 * budget: this charge spent it (the ban starts now) or a ban is running. */
bool gs_gw_addrlim_charge(gs_gw_addrlim *l, const char *addr, int64_t now, uint32_t n);

/* True while |addr| is banned at |now|. */
bool gs_gw_addrlim_banned(const gs_gw_addrlim *l, const char *addr, int64_t now);

#endif
