/* SPDX-License-Identifier: MIT */
/* Per-client-address event budget with bans, in a fixed-size table. */
#include "gs_gw_addrlim.h"

#include "gs_alloc.h"

#include <stdlib.h>
#include <string.h>

#define ADDRLIM_PROBES 8

void gs_gw_addrlim_init(gs_gw_addrlim *l, size_t n_slots, uint32_t budget, int64_t window_ns,
                        int64_t ban_ns)
{
    size_t n = ADDRLIM_PROBES;
    while (n < n_slots)
        n *= 2;
    memset(l, 0, sizeof(*l));
    l->slots = gs_xcalloc(n, sizeof(*l->slots));
    l->n_slots = n;
    l->budget = budget;
    l->window_ns = window_ns;
    l->ban_ns = ban_ns;
}

void gs_gw_addrlim_free(gs_gw_addrlim *l)
{
    free(l->slots);
    memset(l, 0, sizeof(*l));
}

/* FNV-1a of the address text. */
static size_t addrlim_hash(const char *addr)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return (size_t)h;
}

static gs_gw_addrlim_slot *addrlim_find(const gs_gw_addrlim *l, const char *addr)
{
    size_t h = addrlim_hash(addr);
    for (size_t i = 0; i < ADDRLIM_PROBES; i++) {
        gs_gw_addrlim_slot *s = &l->slots[(h + i) & (l->n_slots - 1)];
        if (strcmp(s->addr, addr) == 0)
            return s;
    }
    return NULL;
}

/* A slot for a new address: a free one, else the least recently seen one whose ban is over,
 * else (all banned) the one whose ban ends first. */
static gs_gw_addrlim_slot *addrlim_claim(gs_gw_addrlim *l, const char *addr, int64_t now)
{
    size_t h = addrlim_hash(addr);
    gs_gw_addrlim_slot *best = NULL;
    for (size_t i = 0; i < ADDRLIM_PROBES; i++) {
        gs_gw_addrlim_slot *s = &l->slots[(h + i) & (l->n_slots - 1)];
        if (s->addr[0] == '\0') {
            best = s;
            break;
        }
        bool s_banned = s->banned_until > now;
        bool b_banned = best && best->banned_until > now;
        if (best == NULL || (b_banned && !s_banned) ||
            (b_banned && s_banned && s->banned_until < best->banned_until) ||
            (!b_banned && !s_banned && s->last_seen < best->last_seen))
            best = s;
    }
    memset(best, 0, sizeof(*best));
    size_t len = strlen(addr);
    if (len >= sizeof(best->addr))
        len = sizeof(best->addr) - 1;
    memcpy(best->addr, addr, len);
    best->window_start = now;
    return best;
}

bool gs_gw_addrlim_charge(gs_gw_addrlim *l, const char *addr, int64_t now, uint32_t n)
{
    gs_gw_addrlim_slot *s = addrlim_find(l, addr);
    if (s == NULL)
        s = addrlim_claim(l, addr, now);
    s->last_seen = now;
    if (s->banned_until > now)
        return true;
    if (s->banned_until != 0 || now - s->window_start >= l->window_ns) {
        s->banned_until = 0; /* a ban that ended, or a window that did: a fresh start */
        s->window_start = now;
        s->count = 0;
    }
    s->count = n > UINT32_MAX - s->count ? UINT32_MAX : s->count + n;
    if (s->count <= l->budget)
        return false;
    s->banned_until = now + l->ban_ns;
    l->bans++;
    return true;
}

bool gs_gw_addrlim_banned(const gs_gw_addrlim *l, const char *addr, int64_t now)
{
    const gs_gw_addrlim_slot *s = addrlim_find(l, addr);
    return s != NULL && s->banned_until > now;
}
