/* SPDX-License-Identifier: MIT */
/* Size-class free lists for gatesim-echo's nghttp2 sessions (see echo_mem.h). Every block starts
 * with a 16-byte header holding its class (or "large") and its capacity, so free and realloc
 * need no lookup and the payload keeps malloc's 16-byte alignment. */
#include "echo_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MEM_LARGE 0xffu
#define MEM_MIN_SHIFT 6 /* class 0 holds 64 bytes */

typedef struct mem_header {
    uint32_t cls; /* size class, or MEM_LARGE */
    uint32_t pad;
    size_t cap; /* payload bytes */
} mem_header;

_Static_assert(sizeof(mem_header) == 16, "the header keeps 16-byte alignment");

static mem_header *mem_head(const void *ptr)
{
    return (mem_header *)((char *)(uintptr_t)ptr - sizeof(mem_header));
}

static unsigned mem_class(size_t size)
{
    unsigned cls = 0;
    size_t cap = (size_t)1 << MEM_MIN_SHIFT;
    while (cap < size && cls < GS_ECHO_MEM_CLASSES) {
        cap <<= 1;
        cls++;
    }
    return cls < GS_ECHO_MEM_CLASSES ? cls : MEM_LARGE;
}

void *gs_echo_mem_malloc(gs_echo_mem *m, size_t size)
{
    unsigned cls = mem_class(size);
    mem_header *h;
    if (cls != MEM_LARGE && m->free_list[cls] != NULL) {
        h = m->free_list[cls];
        m->free_list[cls] = *(void **)(h + 1);
        m->n_free[cls]--;
    } else {
        size_t cap = cls != MEM_LARGE ? (size_t)1 << (MEM_MIN_SHIFT + cls) : size;
        if (cap > SIZE_MAX - sizeof(*h))
            return NULL;
        h = malloc(sizeof(*h) + cap);
        if (h == NULL)
            return NULL;
        h->cls = cls;
        h->pad = 0;
        h->cap = cap;
    }
    m->live++;
    return h + 1;
}

void *gs_echo_mem_calloc(gs_echo_mem *m, size_t nmemb, size_t size)
{
    if (size != 0 && nmemb > SIZE_MAX / size)
        return NULL;
    void *p = gs_echo_mem_malloc(m, nmemb * size);
    if (p != NULL)
        memset(p, 0, nmemb * size);
    return p;
}

void gs_echo_mem_free(gs_echo_mem *m, void *ptr)
{
    if (ptr == NULL)
        return;
    mem_header *h = mem_head(ptr);
    m->live--;
    if (h->cls == MEM_LARGE || m->n_free[h->cls] >= GS_ECHO_MEM_KEEP) {
        free(h);
        return;
    }
    *(void **)ptr = m->free_list[h->cls];
    m->free_list[h->cls] = h;
    m->n_free[h->cls]++;
}

void *gs_echo_mem_realloc(gs_echo_mem *m, void *ptr, size_t size)
{
    if (ptr == NULL)
        return gs_echo_mem_malloc(m, size);
    if (size == 0) {
        gs_echo_mem_free(m, ptr);
        return NULL;
    }
    mem_header *h = mem_head(ptr);
    if (size <= h->cap)
        return ptr;
    void *p = gs_echo_mem_malloc(m, size);
    if (p == NULL)
        return NULL; /* like realloc: the old block stays valid */
    memcpy(p, ptr, h->cap);
    gs_echo_mem_free(m, ptr);
    return p;
}

void gs_echo_mem_release(gs_echo_mem *m)
{
    for (unsigned c = 0; c < GS_ECHO_MEM_CLASSES; c++) {
        while (m->free_list[c] != NULL) {
            mem_header *h = m->free_list[c];
            m->free_list[c] = *(void **)(h + 1);
            free(h);
        }
        m->n_free[c] = 0;
    }
}

size_t gs_echo_mem_usable(const void *ptr)
{
    return mem_head(ptr)->cap;
}
