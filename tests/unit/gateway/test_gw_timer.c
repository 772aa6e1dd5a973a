/* SPDX-License-Identifier: MIT */
/* The lazy timer: fires once its deadline passes and never before it, follows a deadline moved
 * later (without firing at the old one) or earlier, and stays silent once stopped. The bounds
 * only say "not before": a loaded machine may fire late, never early. */
#include "gs_gw_timer.h"
#include "gs_test.h"
#include "gs_time.h"

typedef struct timer_case {
    struct event_base *base;
    gs_gw_timer t;
    int fired;
    int64_t fired_at;
    int64_t later_ms; /* for the "move" event: the new timeout */
} timer_case;

static void on_fire(void *arg)
{
    timer_case *c = arg;
    c->fired++;
    c->fired_at = gs_now_ns();
    event_base_loopbreak(c->base);
}

static void on_move(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    timer_case *c = arg;
    if (c->later_ms < 0)
        gs_gw_timer_stop(&c->t);
    else
        gs_gw_timer_set(&c->t, c->later_ms);
}

static void on_give_up(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopbreak(arg);
}

/* Sets |first_ms|, at |move_at_ms| sets |later_ms| (or stops when < 0), runs until the timer
 * fires or |give_up_ms| pass. Returns the start time. */
static int64_t timer_run(timer_case *c, int64_t first_ms, int move_at_ms, int64_t later_ms,
                         int give_up_ms)
{
    c->base = event_base_new();
    gs_gw_timer_init(&c->t, c->base, on_fire, c);
    c->later_ms = later_ms;
    int64_t t0 = gs_now_ns();
    gs_gw_timer_set(&c->t, first_ms);
    ck_assert(gs_gw_timer_active(&c->t));
    struct event *move = evtimer_new(c->base, on_move, c);
    struct event *give_up = evtimer_new(c->base, on_give_up, c->base);
    struct timeval mv = {0, move_at_ms * 1000}, gu = {give_up_ms / 1000, give_up_ms % 1000 * 1000};
    if (move_at_ms >= 0)
        evtimer_add(move, &mv);
    evtimer_add(give_up, &gu);
    event_base_dispatch(c->base);
    event_free(move);
    event_free(give_up);
    gs_gw_timer_deinit(&c->t);
    event_base_free(c->base);
    return t0;
}

START_TEST(timer_fires_after_deadline)
{
    timer_case c = {0};
    int64_t t0 = timer_run(&c, 30, -1, 0, 5000);
    ck_assert_int_eq(c.fired, 1);
    ck_assert_int_ge(c.fired_at - t0, 30 * GS_NS_PER_MS);
}
END_TEST

START_TEST(timer_moved_later_waits_for_new_deadline)
{
    timer_case c = {0};
    /* 40 ms, moved at 20 ms to 100 ms from then: due at 120 ms, not at 40 ms */
    int64_t t0 = timer_run(&c, 40, 20, 100, 5000);
    ck_assert_int_eq(c.fired, 1);
    ck_assert_int_ge(c.fired_at - t0, 120 * GS_NS_PER_MS);
}
END_TEST

START_TEST(timer_moved_earlier_fires_early)
{
    timer_case c = {0};
    /* 10 s, moved at 10 ms to 20 ms: fires long before the 5 s give-up */
    int64_t t0 = timer_run(&c, 10000, 10, 20, 5000);
    ck_assert_int_eq(c.fired, 1);
    ck_assert_int_ge(c.fired_at - t0, 30 * GS_NS_PER_MS);
    ck_assert_int_lt(c.fired_at - t0, 5000 * GS_NS_PER_MS);
}
END_TEST

START_TEST(timer_stopped_stays_silent)
{
    timer_case c = {0};
    timer_run(&c, 30, 10, -1, 200);
    ck_assert_int_eq(c.fired, 0);
    ck_assert(!gs_gw_timer_active(&c.t));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_timer");
    TCase *tc = tcase_create("timer");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, timer_fires_after_deadline);
    tcase_add_test(tc, timer_moved_later_waits_for_new_deadline);
    tcase_add_test(tc, timer_moved_earlier_fires_early);
    tcase_add_test(tc, timer_stopped_stays_silent);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
