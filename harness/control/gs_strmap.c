/* SPDX-License-Identifier: MIT */
/* Open-addressing string map with linear probing, grown at 50% load so probes stay short. */
#include "gs_strmap.h"

#include "gs_alloc.h"

#include <stdlib.h>
#include <string.h>

uint64_t gs_strmap_hash(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void gs_strmap_free(gs_strmap *m)
{
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

static gs_strmap_slot *strmap_find(const gs_strmap *m, const char *key, size_t len, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        gs_strmap_slot *s = &m->slots[i];
        if (s->key == NULL)
            return s;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
            return s;
    }
}

void *gs_strmap_get(const gs_strmap *m, const char *key, size_t len)
{
    if (m->count == 0)
        return NULL;
    gs_strmap_slot *s = strmap_find(m, key, len, gs_strmap_hash(key, len));
    return s->key ? s->value : NULL;
}

static void strmap_grow(gs_strmap *m)
{
    gs_strmap old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->slots = gs_xcalloc(m->cap, sizeof(*m->slots));
    for (size_t i = 0; i < old.cap; i++) {
        if (old.slots[i].key)
            *strmap_find(m, old.slots[i].key, old.slots[i].len, old.slots[i].hash) = old.slots[i];
    }
    free(old.slots);
}

void **gs_strmap_slot_for(gs_strmap *m, const char *key, size_t len)
{
    if ((m->count + 1) * 2 > m->cap)
        strmap_grow(m);
    uint64_t h = gs_strmap_hash(key, len);
    gs_strmap_slot *s = strmap_find(m, key, len, h);
    if (s->key == NULL) {
        /* An empty key still needs a non-NULL pointer to mark the slot used. */
        s->key = key ? key : "";
        s->len = len;
        s->hash = h;
        s->value = NULL;
        m->count++;
    }
    return &s->value;
}
