/* SPDX-License-Identifier: MIT */
/* The run as a timeline (gs_traffic_config.on_interval). Each worker records its responses
 * into histograms of the current interval too; when its clock passes the interval's end (on a
 * response or on its tick) it merges them into the run's slot for that index under a lock and
 * starts afresh. The calling thread reports an interval once every worker is past it, so
 * memory holds only the few intervals in flight, however long the run. */
#include "traffic_worker.h"

#include "gs_alloc.h"

#include <math.h>
#include <stdlib.h>

struct traffic_ivl_slot {
    uint64_t index;
    gs_histogram *latency, *service;
};

void gs_traffic_interval_run_init(traffic_run *run)
{
    pthread_mutex_init(&run->ivl_lock, NULL);
}

void gs_traffic_interval_run_free(traffic_run *run)
{
    for (size_t k = 0; k < run->ivl_len; k++) {
        gs_histogram_free(run->ivl_slots[k].latency);
        gs_histogram_free(run->ivl_slots[k].service);
    }
    free(run->ivl_slots);
    pthread_mutex_destroy(&run->ivl_lock);
}

void gs_traffic_interval_worker_init(traffic_worker *w)
{
    if (w->run->cfg.on_interval == NULL)
        return;
    gs_histogram_new(&w->ivl_latency);
    gs_histogram_new(&w->ivl_service);
}

void gs_traffic_interval_worker_free(traffic_worker *w)
{
    gs_histogram_free(w->ivl_latency);
    gs_histogram_free(w->ivl_service);
}

/* The run's slot for |index|, created empty when missing. Called with ivl_lock held. */
static struct traffic_ivl_slot *interval_slot(traffic_run *run, uint64_t index)
{
    for (size_t k = 0; k < run->ivl_len; k++) {
        if (run->ivl_slots[k].index == index)
            return &run->ivl_slots[k];
    }
    if (run->ivl_len == run->ivl_cap) {
        run->ivl_cap = run->ivl_cap ? run->ivl_cap * 2 : 8;
        run->ivl_slots = gs_xrealloc(run->ivl_slots, run->ivl_cap * sizeof(*run->ivl_slots));
    }
    struct traffic_ivl_slot *s = &run->ivl_slots[run->ivl_len++];
    s->index = index;
    gs_histogram_new(&s->latency);
    gs_histogram_new(&s->service);
    return s;
}

/* Hands the worker's current interval to the run and moves it on to |next|. */
static void interval_hand_over(traffic_worker *w, uint64_t next)
{
    traffic_run *run = w->run;
    if (w->ivl_dirty) {
        pthread_mutex_lock(&run->ivl_lock);
        struct traffic_ivl_slot *s = interval_slot(run, w->ivl_index);
        gs_histogram_merge(s->latency, w->ivl_latency);
        gs_histogram_merge(s->service, w->ivl_service);
        pthread_mutex_unlock(&run->ivl_lock);
        gs_histogram_reset(w->ivl_latency);
        gs_histogram_reset(w->ivl_service);
        w->ivl_dirty = false;
    }
    w->ivl_index = next;
    atomic_store_explicit(&w->ivl_passed, next, memory_order_release);
}

/* The interval |now| falls in (0 before measurement starts). */
static uint64_t interval_of(const traffic_run *run, int64_t now)
{
    int64_t since = now - run->measure_start_ns;
    return since > 0 ? (uint64_t)(since / run->cfg.interval_ns) : 0;
}

void gs_traffic_interval_tick(traffic_worker *w, int64_t now)
{
    if (w->ivl_latency == NULL)
        return;
    uint64_t k = interval_of(w->run, now);
    if (k > w->ivl_index)
        interval_hand_over(w, k);
}

void gs_traffic_interval_record(traffic_worker *w, int64_t now, int64_t latency_ns,
                                int64_t service_ns)
{
    gs_traffic_interval_tick(w, now);
    gs_histogram_record(w->ivl_latency, latency_ns);
    gs_histogram_record(w->ivl_service, service_ns);
    w->ivl_dirty = true;
}

void gs_traffic_interval_worker_end(traffic_worker *w)
{
    if (w->ivl_latency != NULL)
        interval_hand_over(w, UINT64_MAX);
}

/* Reports interval run->ivl_next (empty when no worker had a response in it), ending no
 * later than |end_s|, and drops its slot. */
static void interval_report_next(traffic_run *run, double end_s)
{
    struct traffic_ivl_slot taken = {.index = run->ivl_next};
    pthread_mutex_lock(&run->ivl_lock);
    for (size_t k = 0; k < run->ivl_len; k++) {
        if (run->ivl_slots[k].index == run->ivl_next) {
            taken = run->ivl_slots[k];
            run->ivl_slots[k] = run->ivl_slots[--run->ivl_len];
            break;
        }
    }
    pthread_mutex_unlock(&run->ivl_lock);
    gs_histogram *empty = NULL;
    if (taken.latency == NULL) {
        gs_histogram_new(&empty);
        taken.latency = taken.service = empty;
    }
    double len_s = (double)run->cfg.interval_ns / 1e9;
    gs_traffic_interval iv = {
        .index = run->ivl_next,
        .start_s = (double)run->ivl_next * len_s,
        .length_s = len_s,
        .base_unix_s = run->start_unix_s,
        .latency = taken.latency,
        .service = taken.service,
    };
    if (iv.start_s + iv.length_s > end_s && end_s > iv.start_s)
        iv.length_s = end_s - iv.start_s;
    run->cfg.on_interval(&iv, run->cfg.user);
    if (empty != NULL) {
        gs_histogram_free(empty);
    } else {
        gs_histogram_free(taken.latency);
        gs_histogram_free(taken.service);
    }
    run->ivl_next++;
}

void gs_traffic_interval_report_passed(traffic_run *run, traffic_worker *ws, unsigned n)
{
    if (run->cfg.on_interval == NULL)
        return;
    uint64_t passed = UINT64_MAX;
    for (unsigned i = 0; i < n; i++) {
        uint64_t p = atomic_load_explicit(&ws[i].ivl_passed, memory_order_acquire);
        if (p < passed)
            passed = p;
    }
    if (passed == UINT64_MAX)
        return; /* every worker is done: gs_traffic_interval_report_rest reports the tail */
    while (run->ivl_next < passed)
        interval_report_next(run, INFINITY);
}

void gs_traffic_interval_report_rest(traffic_run *run, double window_s)
{
    if (run->cfg.on_interval == NULL)
        return;
    uint64_t last = run->ivl_next;
    bool any = false;
    for (size_t k = 0; k < run->ivl_len; k++) {
        if (!any || run->ivl_slots[k].index > last)
            last = run->ivl_slots[k].index;
        any = true;
    }
    while (any && run->ivl_next <= last)
        interval_report_next(run, window_s);
}
