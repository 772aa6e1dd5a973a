/* SPDX-License-Identifier: MIT */
/* nghttp2's memory on a worker: a free list per size class instead of malloc and free. A
 * client session allocates and frees about eleven small blocks per request (stream, header
 * buffers, frames); with glibc's malloc those calls were 14% of the instructions of an h2c
 * run. A worker is one thread, so the lists need no lock. Blocks larger than the biggest
 * class go to malloc. The lists keep at most H2MEM_KEEP blocks a class (a busy run's working
 * set); the rest is freed, and gs_traffic_h2mem_clear frees everything at the end. */
#include "traffic_internal.h"

#include "gs_alloc.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define H2MEM_MIN 32u /* class k holds blocks of H2MEM_MIN << k bytes */
#define H2MEM_KEEP 8192u
#define H2MEM_LARGE 0xffu

/* In front of every block: its class (or H2MEM_LARGE), padded so the block stays aligned for
 * any type, as malloc's are. */
typedef union h2mem_head {
    unsigned char cls;
    max_align_t align;
} h2mem_head;

/* A cached block's first bytes link it into its class's list. */
typedef struct h2mem_free {
    struct h2mem_free *next;
} h2mem_free;

static unsigned h2mem_class(size_t size)
{
    unsigned k = 0;
    while (k < GS_TRAFFIC_H2MEM_CLASSES && ((size_t)H2MEM_MIN << k) < size)
        k++;
    return k < GS_TRAFFIC_H2MEM_CLASSES ? k : H2MEM_LARGE;
}

static void *h2mem_malloc(size_t size, void *user)
{
    gs_traffic_h2mem *m = user;
    unsigned k = h2mem_class(size);
    h2mem_head *h;
    if (k != H2MEM_LARGE && m->lists[k] != NULL) {
        h2mem_free *f = m->lists[k];
        m->lists[k] = f->next;
        m->kept[k]--;
        h = (h2mem_head *)f - 1;
    } else {
        size_t body = k == H2MEM_LARGE ? size : (size_t)H2MEM_MIN << k;
        h = malloc(sizeof(*h) + body);
        if (h == NULL)
            return NULL; /* nghttp2 reports NGHTTP2_ERR_NOMEM */
        h->cls = (unsigned char)k;
    }
    return h + 1;
}

static void h2mem_free_block(void *ptr, void *user)
{
    if (ptr == NULL)
        return;
    gs_traffic_h2mem *m = user;
    h2mem_head *h = (h2mem_head *)ptr - 1;
    unsigned k = h->cls;
    if (k == H2MEM_LARGE || m->kept[k] >= H2MEM_KEEP) {
        free(h);
        return;
    }
    h2mem_free *f = ptr;
    f->next = m->lists[k];
    m->lists[k] = f;
    m->kept[k]++;
}

static void *h2mem_calloc(size_t n, size_t size, void *user)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    void *p = h2mem_malloc(n * size, user);
    if (p != NULL)
        memset(p, 0, n * size);
    return p;
}

static void *h2mem_realloc(void *ptr, size_t size, void *user)
{
    if (ptr == NULL)
        return h2mem_malloc(size, user);
    if (size == 0) {
        h2mem_free_block(ptr, user);
        return NULL;
    }
    h2mem_head *h = (h2mem_head *)ptr - 1;
    if (h->cls == H2MEM_LARGE) {
        if (h2mem_class(size) == H2MEM_LARGE) {
            h2mem_head *grown = realloc(h, sizeof(*h) + size);
            return grown ? grown + 1 : NULL;
        }
    } else if (size <= (size_t)H2MEM_MIN << h->cls) {
        return ptr; /* still fits its block */
    }
    void *p = h2mem_malloc(size, user);
    if (p == NULL)
        return NULL;
    /* a large block is only ever shrunk into a class here; a class block grows */
    size_t old = h->cls == H2MEM_LARGE ? size : (size_t)H2MEM_MIN << h->cls;
    memcpy(p, ptr, old < size ? old : size);
    h2mem_free_block(ptr, user);
    return p;
}

void gs_traffic_h2mem_init(gs_traffic_h2mem *m)
{
    memset(m, 0, sizeof(*m));
    m->mem.mem_user_data = m;
    m->mem.malloc = h2mem_malloc;
    m->mem.free = h2mem_free_block;
    m->mem.calloc = h2mem_calloc;
    m->mem.realloc = h2mem_realloc;
}

void gs_traffic_h2mem_clear(gs_traffic_h2mem *m)
{
    for (unsigned k = 0; k < GS_TRAFFIC_H2MEM_CLASSES; k++) {
        while (m->lists[k] != NULL) {
            h2mem_free *f = m->lists[k];
            m->lists[k] = f->next;
            free((h2mem_head *)f - 1);
        }
        m->kept[k] = 0;
    }
}
