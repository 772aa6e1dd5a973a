/* SPDX-License-Identifier: MIT */
/* Reads a plain TCP socket into its bufferevent's input buffer, in place of bufferevent_socket's
 * own reading: libevent asks the kernel how many bytes are readable (ioctl FIONREAD) before every
 * read, one extra system call per read, a measurable share of what a request costs a proxy or a
 * server. The bufferevent keeps everything else (writes, its output buffer, closing the socket);
 * its own reading stays disabled while a reader is attached. Used by the gateway's plain
 * connections and by gatesim-echo; TLS connections keep bufferevent_openssl.
 *
 * The owner's callbacks are bufferevent-style: |on_read| after bytes were added to the input,
 * |on_event| with BEV_EVENT_READING and one of BEV_EVENT_EOF, BEV_EVENT_ERROR or BEV_EVENT_TIMEOUT.
 * After EOF or an error the reader never reads again; after a timeout reading stops until enabled
 * again (as a bufferevent does). Callbacks may free the reader. A high watermark pauses reading
 * while the input holds that much; reading resumes by itself once the owner drains it below. */
#ifndef GS_SOCKREAD_H
#define GS_SOCKREAD_H

#include <event2/bufferevent.h>

#include <stdbool.h>
#include <stddef.h>

typedef struct gs_sockread {
    struct bufferevent *bev; /* NULL when not attached */
    struct event *ev;
    bufferevent_data_cb on_read;
    bufferevent_event_cb on_event;
    void *arg;
    struct evbuffer_cb_entry *watch; /* on the input while suspended at the high watermark */
    size_t high;                     /* 0: no limit */
    struct timeval timeout;
    bool has_timeout;
    bool enabled;   /* the owner wants to read */
    bool suspended; /* the input is at the high watermark */
    bool done;      /* EOF or a read error: nothing more to read */
    bool pending;   /* |ev| is added */
} gs_sockread;

/* Attaches |r| to |bev| (a bufferevent_socket, connected or connecting) and disables the
 * bufferevent's own reading. Reading starts disabled, with no callbacks, limit or timeout. */
void gs_sockread_attach(gs_sockread *r, struct bufferevent *bev);
void gs_sockread_setcb(gs_sockread *r, bufferevent_data_cb on_read, bufferevent_event_cb on_event,
                       void *arg);
void gs_sockread_enable(gs_sockread *r, bool on);
/* Pauses reading while the input holds |high| bytes or more (0: no limit). */
void gs_sockread_set_high(gs_sockread *r, size_t high);
/* A read timeout: |tv| without a read while reading is enabled ends in BEV_EVENT_TIMEOUT (NULL:
 * none). Every read starts it again. */
void gs_sockread_set_timeout(gs_sockread *r, const struct timeval *tv);
/* Detaches (before the bufferevent is freed or handed to someone reading it the usual way).
 * A zeroed or detached reader is fine. */
void gs_sockread_detach(gs_sockread *r);

#endif
