/* SPDX-License-Identifier: MIT */
/* Reads a plain TCP socket into its bufferevent's input buffer, in place of bufferevent_socket's
 * own reading: libevent asks the kernel how many bytes are readable (ioctl FIONREAD) before every
 * read, one extra system call per read, about 5% of the CPU a proxied request costs. The
 * bufferevent keeps everything else (writes, its output buffer, closing the socket); its reading
 * stays disabled while a reader is attached. The callbacks are the bufferevent-style read and event
 * callbacks of the owner (BEV_EVENT_READING | BEV_EVENT_EOF or BEV_EVENT_ERROR), and they may free
 * the reader. A high watermark pauses reading while the input holds that much, and reading resumes
 * by itself once the owner drains it below. TLS connections keep bufferevent_openssl. */
#ifndef GS_GW_SOCKREAD_H
#define GS_GW_SOCKREAD_H

#include <event2/bufferevent.h>

#include <stdbool.h>
#include <stddef.h>

typedef struct gs_gw_sockread {
    struct bufferevent *bev; /* NULL when not attached */
    struct event *ev;
    bufferevent_data_cb on_read;
    bufferevent_event_cb on_event;
    void *arg;
    size_t high;    /* 0: no limit */
    bool enabled;   /* the owner wants to read */
    bool suspended; /* the input is at the high watermark */
} gs_gw_sockread;

/* Attaches |r| to |bev| (a bufferevent_socket, connected or connecting) and disables the
 * bufferevent's own reading. Reading starts disabled. */
void gs_gw_sockread_attach(gs_gw_sockread *r, struct bufferevent *bev, size_t high,
                           bufferevent_data_cb on_read, bufferevent_event_cb on_event, void *arg);
void gs_gw_sockread_enable(gs_gw_sockread *r, bool on);
/* Detaches (before the bufferevent is freed or handed to someone reading it the usual way).
 * A zeroed or detached reader is fine. */
void gs_gw_sockread_detach(gs_gw_sockread *r);

#endif
