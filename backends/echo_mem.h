/* SPDX-License-Identifier: MIT */
/* A small-block allocator for one HTTP/2 connection's nghttp2 session: freed blocks of a few size
 * classes are kept on free lists and handed out again, so the allocations nghttp2 makes for every
 * stream (stream state, queued frames, header buffers) skip malloc/free in the steady state.
 * Single-threaded (one per connection, used only on its event loop). No I/O. */
#ifndef ECHO_MEM_H
#define ECHO_MEM_H

#include <stddef.h>

#define GS_ECHO_MEM_CLASSES 6 /* 64, 128, 256, 512, 1024, 2048 bytes */
#define GS_ECHO_MEM_KEEP 64   /* free blocks kept per class; the rest go back to free() */

typedef struct gs_echo_mem {
    void *free_list[GS_ECHO_MEM_CLASSES];
    unsigned n_free[GS_ECHO_MEM_CLASSES];
    size_t live; /* blocks handed out and not freed, for tests and leak checks */
} gs_echo_mem;

/* A zeroed gs_echo_mem is ready to use. */
void *gs_echo_mem_malloc(gs_echo_mem *m, size_t size);
void *gs_echo_mem_calloc(gs_echo_mem *m, size_t nmemb, size_t size);
void *gs_echo_mem_realloc(gs_echo_mem *m, void *ptr, size_t size);
void gs_echo_mem_free(gs_echo_mem *m, void *ptr);

/* Returns every kept block to free(); blocks still handed out stay valid and may be freed with
 * gs_echo_mem_free later. */
void gs_echo_mem_release(gs_echo_mem *m);

/* How many bytes the block at |ptr| can hold (its size class, or the requested size for large
 * blocks). */
size_t gs_echo_mem_usable(const void *ptr);

#endif
