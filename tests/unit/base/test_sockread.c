/* SPDX-License-Identifier: MIT */
/* The direct socket reader: bytes land in the bufferevent's input, the high watermark holds the
 * input at exactly its size until the owner drains it (then reading resumes by itself), disabling
 * stops reading, the peer's close comes once as READING|EOF, and a read timeout as
 * READING|TIMEOUT, after which reading is off until enabled again. */
#include "gs_sockread.h"
#include "gs_test.h"

#include <event2/buffer.h>
#include <event2/event.h>

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct sr_case {
    struct event_base *base;
    struct bufferevent *bev;
    gs_sockread rd;
    int reads;
    short events;
    size_t drain_at; /* on_read drains the input once it holds this much (0: never) */
    size_t drained;
} sr_case;

static void on_read(struct bufferevent *bev, void *arg)
{
    sr_case *c = arg;
    c->reads++;
    struct evbuffer *in = bufferevent_get_input(bev);
    if (c->drain_at && evbuffer_get_length(in) >= c->drain_at) {
        c->drained += evbuffer_get_length(in);
        evbuffer_drain(in, evbuffer_get_length(in));
    }
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    sr_case *c = arg;
    c->events = what;
    event_base_loopbreak(c->base);
}

/* Runs the loop until nothing is left to do for a moment (or an event breaks it). */
static void sr_settle(sr_case *c)
{
    struct timeval tv = {0, 100000};
    event_base_loopexit(c->base, &tv);
    event_base_dispatch(c->base);
}

static int sr_open(sr_case *c, size_t high)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    evutil_make_socket_nonblocking(sv[0]);
    c->base = event_base_new();
    c->bev = bufferevent_socket_new(c->base, sv[0], BEV_OPT_CLOSE_ON_FREE);
    gs_sockread_attach(&c->rd, c->bev);
    gs_sockread_setcb(&c->rd, on_read, on_event, c);
    gs_sockread_set_high(&c->rd, high);
    gs_sockread_enable(&c->rd, true);
    return sv[1];
}

static void sr_close(sr_case *c)
{
    gs_sockread_detach(&c->rd);
    bufferevent_free(c->bev);
    event_base_free(c->base);
}

START_TEST(sockread_watermark_holds_then_resumes)
{
    sr_case c = {0};
    int peer = sr_open(&c, 100);
    char data[300];
    memset(data, 'x', sizeof data);
    ck_assert_int_eq((int)write(peer, data, sizeof data), 300);
    sr_settle(&c);
    struct evbuffer *in = bufferevent_get_input(c.bev);
    ck_assert_uint_eq(evbuffer_get_length(in), 100); /* held at the watermark, not past it */
    evbuffer_drain(in, 100);                          /* the owner consumes: reading resumes */
    sr_settle(&c);
    ck_assert_uint_eq(evbuffer_get_length(in), 100);
    c.drain_at = 1; /* from now on every read is drained */
    evbuffer_drain(in, 100);
    sr_settle(&c);
    ck_assert_uint_eq(c.drained, 100); /* the last 100 of the 300 */
    close(peer);
    event_base_dispatch(c.base);
    ck_assert_int_eq(c.events, BEV_EVENT_READING | BEV_EVENT_EOF);
    sr_close(&c);
}
END_TEST

START_TEST(sockread_disabled_reads_nothing)
{
    sr_case c = {0};
    int peer = sr_open(&c, 0);
    gs_sockread_enable(&c.rd, false);
    ck_assert_int_eq((int)write(peer, "hello", 5), 5);
    sr_settle(&c);
    ck_assert_int_eq(c.reads, 0);
    ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_input(c.bev)), 0);
    gs_sockread_enable(&c.rd, true);
    sr_settle(&c);
    ck_assert_int_eq(c.reads, 1);
    ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_input(c.bev)), 5);
    close(peer);
    sr_close(&c);
}
END_TEST

START_TEST(sockread_timeout_then_resume)
{
    sr_case c = {0};
    int peer = sr_open(&c, 0);
    struct timeval tv = {0, 50000};
    gs_sockread_set_timeout(&c.rd, &tv);
    event_base_dispatch(c.base); /* on_event breaks the loop */
    ck_assert_int_eq(c.events, BEV_EVENT_READING | BEV_EVENT_TIMEOUT);
    ck_assert_int_eq((int)write(peer, "late", 4), 4);
    sr_settle(&c);
    ck_assert_int_eq(c.reads, 0); /* reading stopped at the timeout */
    gs_sockread_set_timeout(&c.rd, NULL);
    gs_sockread_enable(&c.rd, true);
    sr_settle(&c);
    ck_assert_int_eq(c.reads, 1);
    ck_assert_uint_eq(evbuffer_get_length(bufferevent_get_input(c.bev)), 4);
    close(peer);
    sr_close(&c);
}
END_TEST

START_TEST(sockread_eof_is_final)
{
    sr_case c = {0};
    int peer = sr_open(&c, 0);
    close(peer);
    event_base_dispatch(c.base);
    ck_assert_int_eq(c.events, BEV_EVENT_READING | BEV_EVENT_EOF);
    c.events = 0;
    gs_sockread_enable(&c.rd, true); /* an owner that asks again gets no second EOF */
    sr_settle(&c);
    ck_assert_int_eq(c.events, 0);
    sr_close(&c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sockread");
    TCase *tc = tcase_create("sockread");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, sockread_watermark_holds_then_resumes);
    tcase_add_test(tc, sockread_disabled_reads_nothing);
    tcase_add_test(tc, sockread_timeout_then_resume);
    tcase_add_test(tc, sockread_eof_is_final);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
