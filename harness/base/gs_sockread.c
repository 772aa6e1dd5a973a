/* SPDX-License-Identifier: MIT */
/* Direct socket reads into a bufferevent's input buffer (see the header for why). */
#include "gs_sockread.h"

#include <event2/buffer.h>
#include <event2/event.h>

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

/* One read takes at most this much (bufferevent's default single-read limit); a level-triggered
 * event comes back for the rest. */
#define SOCKREAD_CHUNK 16384

/* Adds or removes the event as the state asks. */
static void sockread_update(gs_sockread *r)
{
    bool want = r->enabled && !r->suspended && !r->done;
    if (want && !r->pending)
        event_add(r->ev, r->has_timeout ? &r->timeout : NULL);
    else if (!want && r->pending)
        event_del(r->ev);
    r->pending = want;
}

/* Watches the input while reading is suspended at the high watermark. */
static void on_input_changed(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
    (void)info;
    gs_sockread *r = arg;
    if (!r->suspended || (r->high && evbuffer_get_length(in) >= r->high))
        return;
    r->suspended = false;
    evbuffer_remove_cb_entry(in, r->watch);
    r->watch = NULL;
    sockread_update(r);
}

static void sockread_suspend(gs_sockread *r, struct evbuffer *in)
{
    r->suspended = true;
    if (r->watch == NULL)
        r->watch = evbuffer_add_cb(in, on_input_changed, r);
    sockread_update(r);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    gs_sockread *r = arg;
    struct bufferevent *bev = r->bev;
    if (what & EV_TIMEOUT) {
        r->enabled = false; /* as a bufferevent does: reading stops on a read timeout */
        sockread_update(r);
        r->on_event(bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT, r->arg);
        return;
    }
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t room = SOCKREAD_CHUNK;
    if (r->high) {
        size_t len = evbuffer_get_length(in);
        if (len >= r->high) {
            sockread_suspend(r, in);
            return;
        }
        if (r->high - len < room)
            room = r->high - len;
    }
    /* Into the stack, then into the buffer: a chain sized to what came (most reads are one
     * request or response of a few hundred bytes), not a fresh 16 KiB chain per read. */
    char buf[SOCKREAD_CHUNK];
    ssize_t n;
    do
        n = recv(fd, buf, room, 0);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        evbuffer_add(in, buf, (size_t)n);
        if (r->high && evbuffer_get_length(in) >= r->high)
            sockread_suspend(r, in);
        r->on_read(bev, r->arg); /* may free |r|: last */
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    r->done = true;
    sockread_update(r);
    r->on_event(bev, BEV_EVENT_READING | (n == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR), r->arg);
}

void gs_sockread_attach(gs_sockread *r, struct bufferevent *bev)
{
    bufferevent_disable(bev, EV_READ);
    *r = (gs_sockread){.bev = bev};
    r->ev = event_new(bufferevent_get_base(bev), bufferevent_getfd(bev), EV_READ | EV_PERSIST,
                      on_readable, r);
    if (r->ev == NULL)
        abort(); /* out of memory, as gs_xmalloc */
    /* A socket bufferevent freezes the end of its input (only its own reader adds); here the
     * reader is ours. gs_sockread_detach freezes it again. */
    evbuffer_unfreeze(bufferevent_get_input(bev), 0);
}

void gs_sockread_setcb(gs_sockread *r, bufferevent_data_cb on_read, bufferevent_event_cb on_event,
                       void *arg)
{
    r->on_read = on_read;
    r->on_event = on_event;
    r->arg = arg;
}

void gs_sockread_enable(gs_sockread *r, bool on)
{
    r->enabled = on;
    sockread_update(r);
}

void gs_sockread_set_high(gs_sockread *r, size_t high)
{
    r->high = high;
    struct evbuffer *in = bufferevent_get_input(r->bev);
    if (high && evbuffer_get_length(in) >= high) {
        sockread_suspend(r, in);
    } else if (r->suspended) {
        r->suspended = false;
        evbuffer_remove_cb_entry(in, r->watch);
        r->watch = NULL;
        sockread_update(r);
    }
}

void gs_sockread_set_timeout(gs_sockread *r, const struct timeval *tv)
{
    r->has_timeout = tv != NULL;
    if (tv)
        r->timeout = *tv;
    if (!r->pending)
        return;
    if (tv) /* re-arm with the new timeout, as bufferevent_set_timeouts does */
        event_add(r->ev, &r->timeout);
    else
        event_remove_timer(r->ev); /* event_add(NULL) would keep the old one */
}

void gs_sockread_detach(gs_sockread *r)
{
    if (r->bev == NULL)
        return;
    struct evbuffer *in = bufferevent_get_input(r->bev);
    if (r->watch)
        evbuffer_remove_cb_entry(in, r->watch);
    evbuffer_freeze(in, 0);
    event_free(r->ev);
    *r = (gs_sockread){0};
}
