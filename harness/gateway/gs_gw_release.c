/* SPDX-License-Identifier: MIT */
/* Large buffers given back a slice per loop turn (see the header for why). */
#include "gs_gw_release.h"

#include "gs_alloc.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct gs_gw_release_item {
    gs_gw_release_item *next;
    char *data;   /* the buffer, freed when |pos| reaches |end| */
    uintptr_t pos; /* the next page to give back */
    uintptr_t end; /* the end of the last whole page inside the buffer */
};

static size_t release_page(void)
{
    static size_t page;
    if (page == 0) {
        long p = sysconf(_SC_PAGESIZE);
        page = p > 0 ? (size_t)p : 4096;
    }
    return page;
}

static void on_release_turn(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gs_gw_release *r = arg;
    if (gs_gw_release_step(r) > 0 || r->head) {
        static const struct timeval now = {0, 0}; /* after the I/O that is ready */
        evtimer_add(r->ev, &now);
    }
}

void gs_gw_release_init(gs_gw_release *r, struct event_base *base)
{
    *r = (gs_gw_release){0};
    r->ev = evtimer_new(base, on_release_turn, r);
    if (r->ev == NULL)
        abort(); /* out of memory, as gs_xmalloc */
}

void gs_gw_release_buf(gs_gw_release *r, gs_buf *b)
{
    char *data = b->data;
    size_t cap = b->cap;
    *b = (gs_buf){0};
    if (data == NULL)
        return;
    size_t page = release_page();
    uintptr_t start = ((uintptr_t)data + page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t end = ((uintptr_t)data + cap) & ~(uintptr_t)(page - 1);
    if (r == NULL || r->ev == NULL || cap < GS_GW_RELEASE_MIN || end <= start) {
        free(data);
        return;
    }
    gs_gw_release_item *it = gs_xmalloc(sizeof(*it));
    *it = (gs_gw_release_item){.data = data, .pos = start, .end = end};
    if (r->tail)
        r->tail->next = it;
    else
        r->head = it;
    r->tail = it;
    r->pending += end - start;
    r->queued++;
    if (!evtimer_pending(r->ev, NULL)) {
        static const struct timeval now = {0, 0};
        evtimer_add(r->ev, &now);
    }
}

size_t gs_gw_release_step(gs_gw_release *r)
{
    size_t budget = GS_GW_RELEASE_SLICE;
    while (r->head && budget > 0) {
        gs_gw_release_item *it = r->head;
        size_t n = it->end - it->pos;
        if (n > budget)
            n = budget;
        if (n) {
            /* Private anonymous pages: afterwards they read as zeros, and the buffer (ours
             * until the free below) holds no memory there. A failure only leaves the pages to
             * the free. */
            (void)madvise((void *)it->pos, n, MADV_DONTNEED);
            it->pos += n;
            r->pending -= n;
            budget -= n;
        }
        if (it->pos < it->end)
            break;
        r->head = it->next;
        if (r->head == NULL)
            r->tail = NULL;
        free(it->data);
        free(it);
    }
    return r->pending;
}

void gs_gw_release_clear(gs_gw_release *r)
{
    while (r->head) {
        gs_gw_release_item *it = r->head;
        r->head = it->next;
        free(it->data);
        free(it);
    }
    if (r->ev)
        event_free(r->ev);
    *r = (gs_gw_release){0};
}
