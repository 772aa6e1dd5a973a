/* SPDX-License-Identifier: MIT */
/* Direct socket reads into a bufferevent's input buffer (see the header for why). */
#include "gs_gw_sockread.h"

#include <event2/buffer.h>
#include <event2/event.h>

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

/* One read takes at most this much (bufferevent's default single-read limit); a level-triggered
 * event comes back for the rest. */
#define SOCKREAD_CHUNK 16384

static void sockread_update(gs_gw_sockread *r)
{
    bool want = r->enabled && !r->suspended;
    if (want == (event_pending(r->ev, EV_READ, NULL) != 0))
        return;
    if (want)
        event_add(r->ev, NULL);
    else
        event_del(r->ev);
}

/* Watches the input while reading is suspended at the high watermark. */
static void on_input_changed(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
    (void)info;
    gs_gw_sockread *r = arg;
    if (!r->suspended || evbuffer_get_length(in) >= r->high)
        return;
    r->suspended = false;
    evbuffer_remove_cb(in, on_input_changed, r);
    sockread_update(r);
}

static void sockread_suspend(gs_gw_sockread *r, struct evbuffer *in)
{
    r->suspended = true;
    evbuffer_add_cb(in, on_input_changed, r);
    sockread_update(r);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    gs_gw_sockread *r = arg;
    struct evbuffer *in = bufferevent_get_input(r->bev);
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
     * request or response of a few hundred bytes), not a fresh 4 KiB chain per read. */
    char buf[SOCKREAD_CHUNK];
    ssize_t n;
    do
        n = recv(fd, buf, room, 0);
    while (n < 0 && errno == EINTR);
    int err = errno;
    if (n > 0) {
        evbuffer_unfreeze(in, 0); /* bufferevent_socket keeps the input's end frozen */
        evbuffer_add(in, buf, (size_t)n);
        evbuffer_freeze(in, 0);
    }
    struct bufferevent *bev = r->bev;
    if (n > 0) {
        if (r->high && evbuffer_get_length(in) >= r->high)
            sockread_suspend(r, in);
        r->on_read(bev, r->arg);
        return;
    }
    if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK))
        return;
    r->enabled = false;
    sockread_update(r);
    r->on_event(bev, BEV_EVENT_READING | (n == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR), r->arg);
}

void gs_gw_sockread_attach(gs_gw_sockread *r, struct bufferevent *bev, size_t high,
                           bufferevent_data_cb on_read, bufferevent_event_cb on_event, void *arg)
{
    bufferevent_disable(bev, EV_READ);
    r->bev = bev;
    r->ev = event_new(bufferevent_get_base(bev), bufferevent_getfd(bev), EV_READ | EV_PERSIST,
                      on_readable, r);
    if (r->ev == NULL)
        abort(); /* out of memory, as gs_xmalloc */
    r->on_read = on_read;
    r->on_event = on_event;
    r->arg = arg;
    r->high = high;
    r->enabled = false;
    r->suspended = false;
}

void gs_gw_sockread_enable(gs_gw_sockread *r, bool on)
{
    r->enabled = on;
    sockread_update(r);
}

void gs_gw_sockread_detach(gs_gw_sockread *r)
{
    if (r->bev == NULL)
        return;
    if (r->suspended)
        evbuffer_remove_cb(bufferevent_get_input(r->bev), on_input_changed, r);
    event_free(r->ev);
    r->bev = NULL;
    r->ev = NULL;
    r->enabled = false;
    r->suspended = false;
}
