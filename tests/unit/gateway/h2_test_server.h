/* SPDX-License-Identifier: MIT */
/* A fake h2c server for the upstream client's unit tests, on the test's own event base: it
 * listens on a free 127.0.0.1 port, accepts one connection and runs an nghttp2 server session on
 * it whose callbacks the test supplies (the session's user data is the h2ts). Included by
 * test_gw_upstream_*.c files only. */
#ifndef H2_TEST_SERVER_H
#define H2_TEST_SERVER_H

#include "gs_test.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

typedef struct h2ts h2ts;
struct h2ts {
    /* Set before h2ts_listen: */
    void (*set_callbacks)(nghttp2_session_callbacks *cbs); /* the test's; send is set here */
    bool no_auto_window_update; /* the test consumes received DATA itself */
    nghttp2_settings_entry settings[4]; /* the server's SETTINGS */
    size_t nsettings;
    /* Set by the server: */
    struct evconnlistener *lis;
    int port;
    struct bufferevent *bev;
    nghttp2_session *ng;
    bool closed; /* the connection reached EOF or an error */
};

static inline nghttp2_nv h2ts_nv(const char *name, const char *value)
{
    nghttp2_nv v = {(uint8_t *)(uintptr_t)name, (uint8_t *)(uintptr_t)value, strlen(name),
                    strlen(value), NGHTTP2_NV_FLAG_NONE};
    return v;
}

/* Sends what the session has queued (nothing before a connection came). */
static inline void h2ts_flush(h2ts *t)
{
    if (t->ng)
        nghttp2_session_send(t->ng);
}

static inline ssize_t h2ts_on_send(nghttp2_session *ng, const uint8_t *data, size_t len,
                                   int flags, void *arg)
{
    (void)ng;
    (void)flags;
    evbuffer_add(bufferevent_get_output(((h2ts *)arg)->bev), data, len);
    return (ssize_t)len;
}

static inline void h2ts_on_read(struct bufferevent *bev, void *arg)
{
    h2ts *t = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t len = evbuffer_get_length(in);
    ssize_t n = nghttp2_session_mem_recv(t->ng, evbuffer_pullup(in, -1), len);
    if (n > 0)
        evbuffer_drain(in, (size_t)n);
    h2ts_flush(t);
}

static inline void h2ts_on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        ((h2ts *)arg)->closed = true;
}

static inline void h2ts_on_accept(struct evconnlistener *l, evutil_socket_t fd,
                                  struct sockaddr *sa, int salen, void *arg)
{
    (void)sa;
    (void)salen;
    h2ts *t = arg;
    t->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(t->bev, h2ts_on_read, NULL, h2ts_on_event, t);
    bufferevent_enable(t->bev, EV_READ | EV_WRITE);
    nghttp2_session_callbacks *cbs;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_send_callback(cbs, h2ts_on_send);
    t->set_callbacks(cbs);
    nghttp2_option *opt;
    nghttp2_option_new(&opt);
    nghttp2_option_set_no_auto_window_update(opt, t->no_auto_window_update ? 1 : 0);
    nghttp2_session_server_new2(&t->ng, cbs, t, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_submit_settings(t->ng, NGHTTP2_FLAG_NONE, t->settings, t->nsettings);
    h2ts_flush(t);
}

/* Listens on a free loopback port of |base| (fails the test when it cannot); sets |port|. */
static inline void h2ts_listen(h2ts *t, struct event_base *base)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    t->lis = evconnlistener_new_bind(base, h2ts_on_accept, t,
                                     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
                                     (struct sockaddr *)&a, sizeof(a));
    ck_assert_ptr_nonnull(t->lis);
    struct sockaddr_in got;
    socklen_t gl = sizeof(got);
    getsockname(evconnlistener_get_fd(t->lis), (struct sockaddr *)&got, &gl);
    t->port = ntohs(got.sin_port);
}

/* Frees the session, the connection and the listener (each if there is one). */
static inline void h2ts_stop(h2ts *t)
{
    nghttp2_session_del(t->ng);
    t->ng = NULL;
    if (t->bev)
        bufferevent_free(t->bev);
    t->bev = NULL;
    if (t->lis)
        evconnlistener_free(t->lis);
    t->lis = NULL;
}

#endif
