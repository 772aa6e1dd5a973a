/* SPDX-License-Identifier: MIT */
/* Large buffers given back a slice per loop turn: small buffers (and any buffer given to a
 * zeroed release) are freed at once; a large one leaves its gs_buf empty and reusable, its pages
 * go back GS_GW_RELEASE_SLICE bytes per step, and the loop timer takes one slice per turn, with
 * ready I/O served between slices, then stops by itself; clearing frees what is still queued
 * (the sanitizer build checks nothing leaks). */
#include "gs_gw_release.h"
#include "gs_test.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A gs_buf of |n| bytes, every page written (so there are pages to give back). */
static void fill(gs_buf *b, size_t n)
{
    char *p = gs_buf_reserve(b, n);
    memset(p, 0xab, n);
    b->len = n;
    p[n] = '\0';
}

START_TEST(release_small_or_unset_frees_at_once)
{
    gs_gw_release zero = {0};
    gs_buf b = {0};
    fill(&b, 4u << 20);
    gs_gw_release_buf(&zero, &b); /* not initialised: freed now */
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(zero.pending, 0);
    ck_assert_uint_eq(zero.queued, 0);
    fill(&b, 1000);
    gs_gw_release_buf(NULL, &b);
    ck_assert_ptr_null(b.data);

    struct event_base *base = event_base_new();
    gs_gw_release r;
    gs_gw_release_init(&r, base);
    fill(&b, GS_GW_RELEASE_MIN / 4); /* capacity MIN / 2: the NUL doubles it */
    gs_gw_release_buf(&r, &b);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_uint_eq(r.queued, 0);
    ck_assert_uint_eq(r.pending, 0);
    gs_gw_release_clear(&r);
    event_base_free(base);
}
END_TEST

START_TEST(release_large_goes_back_slice_by_slice)
{
    struct event_base *base = event_base_new();
    gs_gw_release r;
    gs_gw_release_init(&r, base);
    gs_buf b = {0};
    fill(&b, 3u << 20); /* capacity 4 MiB (doubling, plus the NUL) */
    size_t cap = b.cap;
    gs_gw_release_buf(&r, &b);
    ck_assert_ptr_null(b.data);
    gs_buf_append(&b, "reused", 6); /* the gs_buf is free for new data at once */
    ck_assert_str_eq(b.data, "reused");
    gs_buf_clear(&b);
    ck_assert_uint_eq(r.queued, 1);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    ck_assert_uint_ge(r.pending, cap - page);
    ck_assert_uint_le(r.pending, cap);
    size_t steps = 0, before = r.pending;
    while (r.pending > 0 && steps < 100) {
        size_t left = gs_gw_release_step(&r);
        ck_assert_uint_eq(before - left, before < GS_GW_RELEASE_SLICE ? before : GS_GW_RELEASE_SLICE);
        before = left;
        steps++;
    }
    ck_assert_uint_eq(r.pending, 0);
    ck_assert_uint_eq(steps, (cap - page + GS_GW_RELEASE_SLICE - 1) / GS_GW_RELEASE_SLICE);
    ck_assert_ptr_null(r.head); /* freed with its last slice */
    gs_gw_release_clear(&r);
    event_base_free(base);
}
END_TEST

typedef struct io_case {
    int reads;
} io_case;

static void on_ready(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ((io_case *)arg)->reads++; /* never drained: ready on every turn */
}

START_TEST(release_loop_takes_one_slice_per_turn)
{
    struct event_base *base = event_base_new();
    gs_gw_release r;
    gs_gw_release_init(&r, base);
    gs_buf a = {0}, b = {0};
    fill(&a, 3u << 20);
    fill(&b, 2u << 20);
    gs_gw_release_buf(&r, &a);
    gs_gw_release_buf(&r, &b);
    ck_assert_uint_eq(r.queued, 2);
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ck_assert_int_eq(write(sv[1], "x", 1), 1);
    io_case io = {0};
    struct event *ev = event_new(base, sv[0], EV_READ | EV_PERSIST, on_ready, &io);
    event_add(ev, NULL);
    int turns = 0;
    while (r.pending > 0 && turns < 100) {
        size_t before = r.pending;
        event_base_loop(base, EVLOOP_ONCE);
        turns++;
        ck_assert_uint_le(before - r.pending, GS_GW_RELEASE_SLICE); /* one slice at most */
        ck_assert_int_eq(io.reads, turns); /* the ready connection was served on every turn */
    }
    ck_assert_uint_eq(r.pending, 0);
    ck_assert_int_ge(turns, 7); /* 4 MiB + 4 MiB of capacity, less a page each */
    ck_assert_ptr_null(r.head);
    event_free(ev);
    close(sv[0]);
    close(sv[1]);
    /* Nothing left: the timer is not armed again, so the loop ends with no events. */
    ck_assert_int_eq(event_base_loop(base, 0), 1);
    gs_gw_release_clear(&r);
    event_base_free(base);
}
END_TEST

START_TEST(release_clear_frees_what_is_queued)
{
    struct event_base *base = event_base_new();
    gs_gw_release r;
    gs_gw_release_init(&r, base);
    for (int i = 0; i < 3; i++) {
        gs_buf b = {0};
        fill(&b, 1u << 20);
        gs_gw_release_buf(&r, &b);
    }
    ck_assert_uint_eq(r.queued, 3);
    gs_gw_release_step(&r); /* one partly given back, two untouched */
    ck_assert_uint_gt(r.pending, 0);
    gs_gw_release_clear(&r);
    ck_assert_ptr_null(r.head);
    ck_assert_ptr_null(r.ev);
    ck_assert_uint_eq(r.pending, 0);
    event_base_free(base);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_release");
    TCase *tc = tcase_create("release");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, release_small_or_unset_frees_at_once);
    tcase_add_test(tc, release_large_goes_back_slice_by_slice);
    tcase_add_test(tc, release_loop_takes_one_slice_per_turn);
    tcase_add_test(tc, release_clear_frees_what_is_queued);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
