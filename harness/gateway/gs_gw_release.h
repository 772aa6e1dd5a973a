/* SPDX-License-Identifier: MIT */
/* Large buffers given back to the kernel a slice per loop turn. Freeing a buffer of several MiB
 * returns its pages at once (munmap, or a heap trim), about 0.1-0.2 ms per MiB on a virtual
 * machine, all inside the callback that freed it: a client that makes the gateway fill and then
 * drop 16 MiB of request bodies every few seconds (never-ending bodies refused by the budgets,
 * then a new connection) would stall the event loop for milliseconds each time, and every other
 * connection's requests with it. Buffers of GS_GW_RELEASE_MIN bytes or more are queued instead;
 * a zero-delay timer gives back GS_GW_RELEASE_SLICE bytes of their pages per loop turn
 * (madvise MADV_DONTNEED on whole pages inside the buffer: the contents become zeros, the
 * allocation stays the buffer's), so ready connections are served between slices, and frees a
 * buffer once all its pages went (that free has almost nothing left to unmap). Smaller buffers
 * are freed at once, and so is everything when the release is not initialised (a zeroed one).
 * Single-threaded, on the gateway's event loop. */
#ifndef GS_GW_RELEASE_H
#define GS_GW_RELEASE_H

#include "gs_buf.h"

#include <event2/event.h>

#include <stddef.h>
#include <stdint.h>

#define GS_GW_RELEASE_MIN (256u << 10)
#define GS_GW_RELEASE_SLICE (1u << 20)

typedef struct gs_gw_release_item gs_gw_release_item;

typedef struct gs_gw_release {
    struct event *ev; /* NULL: not initialised, buffers are freed at once */
    gs_gw_release_item *head, *tail;
    size_t pending;   /* bytes of queued buffers not given back yet (a gauge) */
    uint64_t queued;  /* buffers that went through the queue (a counter) */
} gs_gw_release;

/* Prepares |r| on |base| (borrowed until gs_gw_release_clear). */
void gs_gw_release_init(gs_gw_release *r, struct event_base *base);
/* Takes |b|'s storage and leaves |b| empty (ready for reuse): freed now when small, queued when
 * large. |r| may be NULL or zeroed: freed now. */
void gs_gw_release_buf(gs_gw_release *r, gs_buf *b);
/* Gives back one slice (up to GS_GW_RELEASE_SLICE bytes) and frees the buffers that are done;
 * returns the bytes still pending. The timer calls it once per loop turn; tests call it too. */
size_t gs_gw_release_step(gs_gw_release *r);
/* Frees every queued buffer now and the timer; |r| is left zeroed. */
void gs_gw_release_clear(gs_gw_release *r);

#endif
