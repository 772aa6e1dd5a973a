/* SPDX-License-Identifier: MIT */
/* The gateway's main loop and its signals: SIGHUP reloads, SIGUSR1 prints the stats line,
 * SIGTERM/SIGINT stop. */
#include "gs_gw_main.h"

#include "gs_alloc.h"
#include "gs_json.h"
#include "gs_log.h"
#include "gs_time.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

typedef struct gw_main {
    const gs_gw_run_opts *opts;
    gs_gw_runtime rt;
    gs_gw_server *srv;
    struct event *ev_hup, *ev_usr1, *ev_term, *ev_int, *drain_timer;
    uint64_t generation;
    bool stopping;
    int64_t stop_deadline;
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

/* Fires on SIGHUP: load again; on success new requests use the new table. */
static void on_main_hup(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gw_main *m = arg;
    if (m->stopping)
        return;
    gs_route_table *t = NULL;
    gs_error err = {0};
    int rc = m->opts->load(m->opts->load_arg, &t, &err);
    if (rc < 0) {
        gs_log_error("reload failed, keeping the previous configuration: %s", err.msg);
        main_print_ready(m, err.msg);
        return;
    }
    gs_gw_snapshot *old = gs_gw_snapshot_ref(m->rt.current);
    gs_gw_runtime_install(&m->rt, gs_gw_snapshot_new(t, ++m->generation));
    rc = gs_gw_server_sync(m->srv, &err);
    if (rc < 0) {
        gs_log_error("reload: %s; keeping the previous configuration", err.msg);
        gs_gw_runtime_install(&m->rt, old);
        gs_error e2 = {0};
        gs_gw_server_sync(m->srv, &e2);
        main_print_ready(m, err.msg);
        return;
    }
    gs_gw_snapshot_unref(old);
    gs_log_info("reloaded configuration (generation %llu)", (unsigned long long)m->generation);
    main_print_ready(m, NULL);
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
    if (rc == 0) {
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
    }
    gs_gw_server_free(m.srv);
    gs_gw_upstream_free(m.rt.upstream);
    gs_gw_snapshot_unref(m.rt.current);
    event_base_free(m.rt.base);
    return rc;
}
