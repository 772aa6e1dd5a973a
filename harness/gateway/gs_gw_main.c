/* SPDX-License-Identifier: MIT */
/* The gateway's main loop and its signals: SIGHUP reloads, SIGUSR1 prints the stats line,
 * SIGTERM/SIGINT stop. */
#define _GNU_SOURCE /* pipe2 */
#include "gs_gw_main.h"

#include "gs_alloc.h"
#include "gs_gw_release.h"
#include "gs_json.h"
#include "gs_log.h"
#include "gs_time.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A reload loads the manifests on a thread of its own: the load (YAML, model, route table) takes
 * tens of ms for a hundred routes and seconds for thousands, and the loop keeps serving on the
 * current table meanwhile instead of holding every request back. The thread wakes the loop
 * through a pipe; installing the table is the loop's. One load at a time (the load's caches are
 * not shared between threads): a SIGHUP during a load queues another, one ready line each. */
typedef struct gw_reload {
    pthread_t thread;
    bool running;
    unsigned queued; /* SIGHUPs received during the running load */
    int wake[2];     /* the thread writes one byte to [1] when done */
    struct event *ev_done;
    gs_gw_load_fn load;
    void *load_arg;
    gs_route_table *table; /* the load's result, or NULL */
    int rc;
    gs_error err;
    uint64_t requests_before; /* rt.counters.requests when the load began */
} gw_reload;

typedef struct gw_main {
    const gs_gw_run_opts *opts;
    gs_gw_runtime rt;
    gs_gw_server *srv;
    struct event *ev_hup, *ev_usr1, *ev_term, *ev_int, *drain_timer;
    uint64_t generation;
    bool stopping;
    int64_t stop_deadline;
    gw_reload reload;
} gw_main;

static void main_print_ready(gw_main *m, const char *reload_error)
{
    gs_buf b = {0};
    gs_gw_server_ready_json(m->srv, &b);
    if (reload_error) {
        /* Keep the line valid JSON: splice the error in before the closing brace. */
        b.len--;
        gs_buf_puts(&b, ",\"reloadError\":");
        gs_json_escape(&b, reload_error, strlen(reload_error));
        gs_buf_putc(&b, '}');
    }
    FILE *out = m->opts->ready_out ? m->opts->ready_out : stdout;
    fprintf(out, "%s\n", b.data);
    fflush(out);
    gs_buf_clear(&b);
}

/* Fires on SIGUSR1: one stats line on the ready lines' stream. It has no "ready" member, so
 * readers waiting for a ready line skip it, and a stats reader skips ready lines. */
static void on_main_usr1(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gw_main *m = arg;
    gs_buf b = {0};
    gs_gw_runtime_stats_json(&m->rt, gs_gw_server_conn_count(m->srv), &b);
    FILE *out = m->opts->ready_out ? m->opts->ready_out : stdout;
    fprintf(out, "%s\n", b.data);
    fflush(out);
    gs_buf_clear(&b);
}

static void *main_reload_thread(void *arg)
{
    gw_reload *r = arg;
    /* signals are the loop thread's */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    r->table = NULL;
    memset(&r->err, 0, sizeof(r->err));
    r->rc = r->load(r->load_arg, &r->table, &r->err);
    char one = 1;
    while (write(r->wake[1], &one, 1) < 0 && errno == EINTR) {
    }
    return NULL;
}

static void main_reload_start(gw_main *m)
{
    gw_reload *r = &m->reload;
    r->running = true;
    r->requests_before = m->rt.counters.requests;
    if (pthread_create(&r->thread, NULL, main_reload_thread, r) != 0)
        abort(); /* out of threads: nothing sensible to serve on */
}

/* Installs the table a load produced (the loop thread, once the load thread is done). */
static void main_reload_install(gw_main *m, gs_route_table *t, int rc, gs_error *err)
{
    if (rc < 0) {
        gs_log_error("reload failed, keeping the previous configuration: %s", err->msg);
        main_print_ready(m, err->msg);
        return;
    }
    gs_gw_snapshot *old = gs_gw_snapshot_ref(m->rt.current);
    gs_gw_runtime_install(&m->rt, gs_gw_snapshot_new(t, ++m->generation));
    rc = gs_gw_server_sync(m->srv, err);
    if (rc < 0) {
        gs_log_error("reload: %s; keeping the previous configuration", err->msg);
        gs_gw_runtime_install(&m->rt, old);
        gs_error e2 = {0};
        gs_gw_server_sync(m->srv, &e2);
        main_print_ready(m, err->msg);
        return;
    }
    gs_gw_snapshot_unref(old);
    gs_log_info("reloaded configuration (generation %llu)", (unsigned long long)m->generation);
    main_print_ready(m, NULL);
}

/* Fires when the load thread is done: install its table, start the next queued load. */
static void on_main_reload_done(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    gw_main *m = arg;
    gw_reload *r = &m->reload;
    char buf[16];
    if (read(fd, buf, sizeof(buf)) <= 0 || !r->running)
        return;
    pthread_join(r->thread, NULL);
    r->running = false;
    m->rt.counters.reloads++;
    /* requests the loop served while the table was being loaded (none when loads block it) */
    m->rt.counters.requests_during_reload += m->rt.counters.requests - r->requests_before;
    if (m->stopping) {
        if (r->rc == 0)
            gs_route_table_free(r->table);
        r->table = NULL;
        return;
    }
    main_reload_install(m, r->table, r->rc, &r->err);
    r->table = NULL;
    if (r->queued > 0) {
        r->queued--;
        main_reload_start(m);
    }
}

/* Fires on SIGHUP: load again (on the load thread); on success new requests use the new table. */
static void on_main_hup(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gw_main *m = arg;
    if (m->stopping)
        return;
    if (m->reload.running)
        m->reload.queued++; /* the files may have changed after the running load read them */
    else
        main_reload_start(m);
}

static void main_check_drained(gw_main *m)
{
    if (gs_gw_server_conn_count(m->srv) == 0 && m->rt.exchanges_in_flight == 0) {
        event_base_loopexit(m->rt.base, NULL);
        return;
    }
    if (gs_now_ns() > m->stop_deadline) {
        gs_log_warn("stopping with %zu connections still open", gs_gw_server_conn_count(m->srv));
        event_base_loopexit(m->rt.base, NULL);
        return;
    }
    struct timeval tv = {0, 20000};
    evtimer_add(m->drain_timer, &tv);
}

static void on_main_drain(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    main_check_drained(arg);
}

/* Fires on SIGTERM/SIGINT: stop accepting, let in-flight requests finish (bounded). */
static void on_main_term(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gw_main *m = arg;
    if (m->stopping) {
        event_base_loopexit(m->rt.base, NULL);
        return;
    }
    m->stopping = true;
    int64_t ms = m->opts->drain_timeout_ms > 0 ? m->opts->drain_timeout_ms : 5000;
    m->stop_deadline = gs_now_ns() + ms * GS_NS_PER_MS;
    gs_gw_server_shutdown(m->srv);
    main_check_drained(m);
}

int gs_gw_run(const gs_gw_run_opts *opts, gs_error *err)
{
    signal(SIGPIPE, SIG_IGN);
    /* Buffers of 256 KiB and more (request bodies, responses held for slow readers) get their
     * own mappings, always: growing one then moves page tables (mremap) instead of copying MiB
     * into fresh pages inside one callback, and gs_gw_release gives its pages back in slices.
     * A fixed threshold also stops glibc from raising it after the first large free, which would
     * put the next bodies on the heap, copied at each doubling. */
    mallopt(M_MMAP_THRESHOLD, (int)GS_GW_RELEASE_MIN);
    gw_main m = {0};
    m.opts = opts;
    gs_route_table *t = NULL;
    int rc = opts->load(opts->load_arg, &t, err);
    if (rc < 0)
        return rc;
    /* The changelist folds the add/del of write interest a bufferevent does around every
     * response into at most one epoll_ctl per loop turn. */
    struct event_config *cfg = event_config_new();
    event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    m.rt.base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    m.rt.limits = opts->limits;
    gs_gw_limits_defaults(&m.rt.limits);
    m.rt.endpoints = opts->endpoints;
    gs_gw_rng_seed(&m.rt.rng, opts->has_seed ? opts->seed : (uint64_t)gs_wall_ns());
    gs_gw_upstream_new(&m.rt.upstream, m.rt.base, &m.rt.limits);
    m.rt.current = gs_gw_snapshot_new(t, ++m.generation);
    gs_gw_server_new(&m.srv, &m.rt, &opts->server);
    rc = gs_gw_server_sync(m.srv, err);
    m.reload.load = opts->load;
    m.reload.load_arg = opts->load_arg;
    m.reload.wake[0] = m.reload.wake[1] = -1;
    if (rc == 0 && pipe2(m.reload.wake, O_CLOEXEC | O_NONBLOCK) != 0)
        rc = gs_error_set(err, GS_ERR_IO, "pipe: %s", strerror(errno));
    if (rc == 0) {
        m.reload.ev_done =
            event_new(m.rt.base, m.reload.wake[0], EV_READ | EV_PERSIST, on_main_reload_done, &m);
        event_add(m.reload.ev_done, NULL);
        m.ev_hup = evsignal_new(m.rt.base, SIGHUP, on_main_hup, &m);
        m.ev_usr1 = evsignal_new(m.rt.base, SIGUSR1, on_main_usr1, &m);
        m.ev_term = evsignal_new(m.rt.base, SIGTERM, on_main_term, &m);
        m.ev_int = evsignal_new(m.rt.base, SIGINT, on_main_term, &m);
        m.drain_timer = evtimer_new(m.rt.base, on_main_drain, &m);
        event_add(m.ev_hup, NULL);
        event_add(m.ev_usr1, NULL);
        event_add(m.ev_term, NULL);
        event_add(m.ev_int, NULL);
        main_print_ready(&m, NULL);
        event_base_dispatch(m.rt.base);
        gs_buf summary = {0};
        gs_gw_runtime_summary(&m.rt, &summary);
        gs_log_note("%s", summary.data);
        gs_buf_clear(&summary);
        event_free(m.ev_hup);
        event_free(m.ev_usr1);
        event_free(m.ev_term);
        event_free(m.ev_int);
        event_free(m.drain_timer);
        if (m.reload.running) { /* stopped during a load: wait for it, drop its table */
            pthread_join(m.reload.thread, NULL);
            if (m.reload.rc == 0)
                gs_route_table_free(m.reload.table);
        }
        event_free(m.reload.ev_done);
    }
    for (int k = 0; k < 2; k++) {
        if (m.reload.wake[k] >= 0)
            close(m.reload.wake[k]);
    }
    gs_gw_server_free(m.srv);
    gs_gw_upstream_free(m.rt.upstream);
    gs_gw_snapshot_unref(m.rt.current);
    event_base_free(m.rt.base);
    return rc;
}
