/* SPDX-License-Identifier: MIT */
/* A string-keyed hash map (open addressing, FNV-1a) for the route table's indexes. Keys are
 * byte ranges, compared exactly; the map borrows key bytes, which must outlive it. No I/O. */
#ifndef GS_STRMAP_H
#define GS_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct gs_strmap_slot {
    const char *key; /* NULL: empty slot */
    size_t len;
    uint64_t hash;
    void *value;
} gs_strmap_slot;

typedef struct gs_strmap {
    gs_strmap_slot *slots;
    size_t cap; /* 0 or a power of two */
    size_t count;
} gs_strmap;

/* A zeroed gs_strmap is empty. */
void gs_strmap_free(gs_strmap *m);
/* Returns the value stored for the key, or NULL. */
void *gs_strmap_get(const gs_strmap *m, const char *key, size_t len);
/* Returns the address of the value slot for the key, inserting NULL first if it is new. The
 * address is valid until the next insertion. */
void **gs_strmap_slot_for(gs_strmap *m, const char *key, size_t len);
/* FNV-1a over the key bytes. */
uint64_t gs_strmap_hash(const char *key, size_t len);

#endif
