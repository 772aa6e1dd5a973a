/* SPDX-License-Identifier: MIT */
/* gs_traffic_run: checks the configuration, resolves the target once, splits connections,
 * requests and rate over worker threads (one event base each, nothing shared while running),
 * reports progress from the calling thread, and merges the workers' statistics at the end. */
#include "traffic_worker.h"

#include "gs_addr.h"
#include "gs_alloc.h"
#include "gs_grpc.h"
#include "gs_tls.h"
#include "gs_log.h"
#include "gs_time.h"

#include <ctype.h>
#include <signal.h>
#include <event2/thread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>

void gs_traffic_config_init(gs_traffic_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->protocol = GS_TRAFFIC_HTTP1;
    cfg->connections = 1;
    cfg->streams = 1;
    cfg->threads = 1;
    cfg->connect_timeout_ns = 5 * GS_NS_PER_S;
    cfg->request_timeout_ns = 10 * GS_NS_PER_S;
    cfg->body_limit = 4096;
    cfg->progress_interval_ns = GS_NS_PER_S;
}

/* ---- preparing a run ------------------------------------------------------------------------ */

/* Resolves the "host:port" / "[v6]:port" to connect to. */
static int run_resolve(traffic_run *run, const char *address, gs_error *err)
{
    gs_error sub;
    if (gs_addr_resolve_hostport(address, 0, &run->addr, &run->addr_len, &sub) < 0)
        return gs_error_set(err, GS_ERR_INVALID, "address %s", sub.msg);
    return 0;
}

/* The host part of an authority, for SNI. */
static char *run_host_of(const char *authority)
{
    if (authority[0] == '[') {
        const char *close = strchr(authority, ']');
        return gs_xstrndup(authority + 1, close ? (size_t)(close - authority - 1) : 0);
    }
    const char *colon = strrchr(authority, ':');
    return gs_xstrndup(authority, colon ? (size_t)(colon - authority) : strlen(authority));
}

/* gRPC timeout header value: at most 8 digits and a unit (gRPC over HTTP/2 spec). */
static void run_grpc_timeout(char out[32], int64_t ns)
{
    if (ns / GS_NS_PER_MS < 100000000)
        snprintf(out, 32, "%lldm", (long long)(ns / GS_NS_PER_MS > 0 ? ns / GS_NS_PER_MS : 1));
    else
        snprintf(out, 32, "%lldS", (long long)(ns / GS_NS_PER_S));
}

static void run_free(traffic_run *run)
{
    if (run == NULL)
        return;
    free(run->authority);
    free(run->path);
    free(run->method);
    free(run->sni);
    gs_traffic_l4_alpn_free(run->alpn);
    for (size_t k = 0; k < run->num_headers; k++) {
        free((void *)(uintptr_t)run->headers[k].name);
        free((void *)(uintptr_t)run->headers[k].value);
    }
    free(run->headers);
    gs_buf_clear(&run->grpc_body);
    if (run->ssl_ctx != NULL)
        SSL_CTX_free(run->ssl_ctx);
    pthread_mutex_destroy(&run->cb_lock);
    gs_traffic_interval_run_free(run);
    free(run);
}

static int run_new(traffic_run **out, const gs_traffic_config *cfg, gs_error *err)
{
    traffic_run *run = gs_xcalloc(1, sizeof(*run));
    pthread_mutex_init(&run->cb_lock, NULL);
    gs_traffic_interval_run_init(run);
    run->cfg = *cfg;
    gs_traffic_config *c = &run->cfg;
    int rc = GS_ERR_INVALID;
    if (c->address == NULL || *c->address == '\0') {
        gs_error_set(err, GS_ERR_INVALID, "no address to connect to");
        goto fail;
    }
    if (c->connections == 0)
        c->connections = 1;
    if (c->streams == 0)
        c->streams = 1;
    if (c->streams > 1000) {
        gs_error_set(err, GS_ERR_INVALID, "streams %u is over the limit of 1000", c->streams);
        goto fail;
    }
    if (c->threads == 0)
        c->threads = 1;
    if (c->threads > c->connections)
        c->threads = c->connections;
    if (c->requests == 0 && c->duration_ns <= 0) {
        gs_error_set(err, GS_ERR_INVALID, "neither a request count nor a duration");
        goto fail;
    }
    if (c->rate < 0) {
        gs_error_set(err, GS_ERR_INVALID, "negative rate");
        goto fail;
    }
    if (c->connect_timeout_ns <= 0)
        c->connect_timeout_ns = 5 * GS_NS_PER_S;
    if (c->request_timeout_ns <= 0)
        c->request_timeout_ns = 10 * GS_NS_PER_S;
    if (c->progress_interval_ns <= 0)
        c->progress_interval_ns = GS_NS_PER_S;
    if (c->interval_ns <= 0)
        c->interval_ns = GS_NS_PER_S;
    if (c->protocol == GS_TRAFFIC_HTTP2)
        c->tls = true;
    if (c->protocol == GS_TRAFFIC_H2C && c->tls) {
        gs_error_set(err, GS_ERR_INVALID, "h2c is cleartext: use http2 for HTTP/2 over TLS");
        goto fail;
    }
    if (gs_traffic_protocol_is_l4(c->protocol)) {
        /* one request is one connection (datagram): what makes each one an independent trial
         * of a gateway's per-connection (per-session) backend choice */
        run->is_l4 = true;
        c->new_connection_per_request = true;
        c->tls = c->protocol == GS_TRAFFIC_TLS;
        if ((rc = gs_traffic_l4_alpn_parse(c->alpn, &run->alpn, err)) != 0)
            goto fail;
    }
    if (c->protocol == GS_TRAFFIC_WEBSOCKET) {
        /* one upgrade per connection: each request is a whole WebSocket session */
        run->is_ws = true;
        c->new_connection_per_request = true;
        for (size_t k = 0; k < c->num_ws_messages; k++) {
            if (c->ws_messages[k].len > 0 && c->ws_messages[k].data == NULL) {
                rc = gs_error_set(err, GS_ERR_INVALID, "WebSocket message %zu has no data", k);
                goto fail;
            }
        }
    }
    if (c->new_connection_per_request)
        c->streams = 1;
    if (c->index_stride == 0)
        c->index_stride = 1;
    run->is_h2 = c->protocol == GS_TRAFFIC_H2C || c->protocol == GS_TRAFFIC_HTTP2 ||
                 c->protocol == GS_TRAFFIC_GRPC ||
                 (c->protocol == GS_TRAFFIC_WEBSOCKET && c->ws_h2);
    run->threads = c->threads;

    if ((rc = run_resolve(run, c->address, err)) != 0)
        goto fail;

    /* headers: lowercase names; a Host header replaces the authority */
    const char *authority = c->authority ? c->authority : c->address;
    run->headers = gs_xcalloc(c->num_headers + 1, sizeof(*run->headers));
    for (size_t k = 0; k < c->num_headers; k++) {
        const gs_traffic_header *h = &c->headers[k];
        if (h->name == NULL || h->value == NULL || h->name[0] == '\0' ||
            strpbrk(h->name, " \t\r\n:") != NULL || strpbrk(h->value, "\r\n") != NULL) {
            rc = gs_error_set(err, GS_ERR_INVALID, "bad header \"%s\"", h->name ? h->name : "");
            goto fail;
        }
        if (strcasecmp(h->name, "host") == 0) {
            authority = h->value;
            continue;
        }
        char *name = gs_xstrdup(h->name);
        for (char *p = name; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (run->is_h2 && (strcmp(name, "connection") == 0 || strcmp(name, "keep-alive") == 0 ||
                           strcmp(name, "proxy-connection") == 0 ||
                           strcmp(name, "transfer-encoding") == 0 || strcmp(name, "upgrade") == 0 ||
                           (strcmp(name, "te") == 0 && strcasecmp(h->value, "trailers") != 0))) {
            /* connection-specific fields are malformed in HTTP/2 (RFC 9113 §8.2.2) */
            gs_log_debug("dropping header \"%s\" for HTTP/2", h->name);
            free(name);
            continue;
        }
        run->headers[run->num_headers].name = name;
        run->headers[run->num_headers].value = gs_xstrdup(h->value);
        run->num_headers++;
    }
    if (run->num_headers > 64) {
        rc = gs_error_set(err, GS_ERR_INVALID, "more than 64 request headers");
        goto fail;
    }
    run->authority = gs_xstrdup(authority);
    run->sni = c->sni ? gs_xstrdup(c->sni) : run_host_of(run->authority);

    if (c->protocol == GS_TRAFFIC_GRPC) {
        run->method = gs_xstrdup(c->method ? c->method : "POST");
        if (c->grpc_service && c->grpc_method)
            run->path = gs_xasprintf("/%s/%s", c->grpc_service, c->grpc_method);
        else if (c->path && strcmp(c->path, "/") != 0)
            run->path = gs_xstrdup(c->path);
        else {
            rc = gs_error_set(err, GS_ERR_INVALID,
                              "gRPC needs a service and a method (or a /service/method path)");
            goto fail;
        }
        gs_grpc_frame_write(&run->grpc_body, c->body ? c->body : "", c->body_len);
        run->body = run->grpc_body.data;
        run->body_len = run->grpc_body.len;
        run_grpc_timeout(run->grpc_timeout, c->request_timeout_ns);
    } else {
        run->method = gs_xstrdup(c->method ? c->method : "GET");
        run->path = gs_xstrdup(c->path && *c->path ? c->path : "/");
        run->body = c->body;
        run->body_len = c->body_len;
    }
    if (strcmp(run->method, "HEAD") == 0)
        run->h1_parse_flags = GS_H1_RESPONSE_TO_HEAD;
    static const char *const idempotent[] = {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"};
    for (size_t k = 0; k < sizeof(idempotent) / sizeof(idempotent[0]); k++)
        run->idempotent |= strcmp(run->method, idempotent[k]) == 0;
    if (strcmp(run->method, "CONNECT") == 0) {
        rc = gs_error_set(err, GS_ERR_INVALID, "CONNECT is not supported");
        goto fail;
    }
    if (strpbrk(run->method, " \r\n") || strpbrk(run->path, " \r\n") || run->path[0] != '/') {
        rc = gs_error_set(err, GS_ERR_INVALID, "bad method or path");
        goto fail;
    }

    if (c->tls) {
        const char *const *alpn = run->is_l4   ? (const char *const *)run->alpn
                                  : run->is_h2 ? gs_tls_alpn_h2
                                               : gs_tls_alpn_http11;
        rc = gs_tls_client_ctx_new(&run->ssl_ctx, alpn, c->ca_file, NULL, c->insecure, err);
        if (rc != 0)
            goto fail;
        /* a client certificate the files do not hold is bad configuration, said before a run */
        if (c->cert_file &&
            (rc = gs_tls_ctx_use_files(run->ssl_ctx, c->cert_file, c->key_file, err)) != 0)
            goto fail;
        /* a server name OpenSSL refuses is bad configuration, not a per-request error */
        SSL *probe = NULL;
        if ((rc = gs_tls_client_ssl_new(&probe, run->ssl_ctx, run->sni, err)) != 0)
            goto fail;
        SSL_free(probe);
    }
    *out = run;
    return 0;
fail:
    run_free(run);
    return rc;
}

/* ---- workers ------------------------------------------------------------------------------- */

static void worker_build_h1(traffic_worker *w)
{
    const traffic_run *run = w->run;
    gs_buf *p = &w->h1_prefix;
    gs_buf_printf(p, "%s %s HTTP/1.1\r\nHost: %s\r\n", run->method, run->path, run->authority);
    bool have_ua = false;
    for (size_t k = 0; k < run->num_headers; k++) {
        gs_buf_printf(p, "%s: %s\r\n", run->headers[k].name, run->headers[k].value);
        have_ua |= strcasecmp(run->headers[k].name, "user-agent") == 0;
    }
    if (!have_ua)
        gs_buf_puts(p, "User-Agent: gatesim\r\n");
    if (run->body_len > 0)
        gs_buf_printf(p, "Content-Length: %zu\r\n", run->body_len);
    if (run->cfg.new_connection_per_request)
        gs_buf_puts(p, "Connection: close\r\n");
    gs_buf_puts(&w->h1_suffix, "\r\n");
    if (run->body_len)
        gs_buf_append(&w->h1_suffix, run->body, run->body_len);
    gs_buf_append(&w->h1_full, p->data, p->len);
    gs_buf_append(&w->h1_full, w->h1_suffix.data, w->h1_suffix.len);
}

/* Fires every few ms: deadlines, cancellation, the end of a timed run, progress. */
static void on_worker_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    traffic_worker *w = arg;
    const traffic_run *run = w->run;
    if (run->cfg.cancel != NULL && *run->cfg.cancel && !w->stopping) {
        w->stopping = true;
        w->stopped_ns = gs_now_ns();
        w->abandoned += w->outstanding;
        event_base_loopbreak(w->base);
        return;
    }
    int64_t now = gs_now_ns();
    for (unsigned k = 0; k < w->nconns; k++)
        gs_traffic_conn_check_deadlines(&w->conns[k], now);
    gs_traffic_interval_tick(w, now);
    gs_traffic_worker_pump(w);
}

/* Fires when the next open-loop request is due, or when work was deferred to a clean stack. */
static void on_worker_pump(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gs_traffic_worker_pump(arg);
}

/* Fires while a connection holds free streams back (traffic_conn.c, refills in batches). */
static void on_worker_held(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gs_traffic_worker_release_held(arg);
}

void gs_traffic_worker_check_done(traffic_worker *w)
{
    if (w->done)
        return;
    if (w->outstanding == 0 && gs_traffic_worker_exhausted(w, gs_now_ns())) {
        w->done = true;
        event_base_loopbreak(w->base);
    }
}

static void worker_init(traffic_worker *w, traffic_run *run, unsigned id, unsigned nconns,
                        uint64_t quota)
{
    const gs_traffic_config *cfg = &run->cfg;
    w->run = run;
    w->id = id;
    /* open loop: timerfd-precise timers, or every send would be late by up to 1 ms */
    struct event_config *ec = event_config_new();
    if (cfg->rate > 0)
        event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
    w->base = event_base_new_with_config(ec);
    event_config_free(ec);
    if (w->base == NULL)
        abort();
    w->nconns = nconns;
    w->conns = gs_xcalloc(nconns, sizeof(*w->conns));
    for (unsigned k = 0; k < nconns; k++) {
        traffic_conn *c = &w->conns[k];
        c->w = w;
        c->id = k;
        c->nslots = cfg->streams;
        c->slots = gs_xcalloc(c->nslots, sizeof(*c->slots));
    }
    w->quota = cfg->requests ? quota : UINT64_MAX;
    w->end_ns = cfg->requests ? INT64_MAX : run->measure_start_ns + cfg->duration_ns;
    w->open_loop = cfg->rate > 0;
    if (w->open_loop) {
        double per = cfg->rate / run->threads;
        /* workers interleave: worker i starts i/rate after worker 0 */
        gs_rate_init(&w->rate, per, run->start_ns + (int64_t)(1e9 / cfg->rate * id));
        /* slots due before measurement starts are the warm-up */
        w->first_measured_slot = gs_rate_due(&w->rate, run->measure_start_ns - 1);
        /* a counted schedule ends one interval after its last request was due */
        if (cfg->requests && cfg->count_missed)
            w->end_ns = gs_rate_intended_ns(&w->rate, w->first_measured_slot + quota);
    }
    gs_histogram_new(&w->latency);
    gs_histogram_new(&w->service);
    gs_traffic_interval_worker_init(w);
    gs_traffic_h2mem_init(&w->h2mem);
    if (!run->is_h2)
        worker_build_h1(w);
    if (!cfg->tls && cfg->protocol != GS_TRAFFIC_UDP)
        w->rbuf = gs_xmalloc(TRAFFIC_RBUF_SIZE);
    w->tick_ev = event_new(w->base, -1, EV_PERSIST, on_worker_tick, w);
    w->rate_ev = evtimer_new(w->base, on_worker_pump, w);
    w->pump_ev = event_new(w->base, -1, 0, on_worker_pump, w);
    w->held_ev = evtimer_new(w->base, on_worker_held, w);
    int64_t tick = cfg->request_timeout_ns / 4;
    if (tick > 20 * GS_NS_PER_MS)
        tick = 20 * GS_NS_PER_MS;
    if (tick < GS_NS_PER_MS)
        tick = GS_NS_PER_MS;
    struct timeval tv = {0, (suseconds_t)(tick / 1000)};
    event_add(w->tick_ev, &tv);
}

static void worker_free(traffic_worker *w)
{
    for (unsigned k = 0; k < w->nconns; k++) {
        traffic_conn *c = &w->conns[k];
        if (c->read_ev != NULL)
            event_free(c->read_ev);
        if (c->bev != NULL) {
            gs_traffic_conn_ops(c)->on_close(c);
            bufferevent_free(c->bev);
        }
        for (unsigned s = 0; s < c->nslots; s++) {
            gs_buf_clear(&c->slots[s].hstore);
            gs_buf_clear(&c->slots[s].grpc_message);
            gs_buf_clear(&c->slots[s].body);
        }
        free(c->slots);
        free(c->fifo);
        free(c->h1);
        gs_buf_clear(&c->ws_message);
        gs_buf_clear(&c->ws_in);
        gs_buf_clear(&c->ws_out);
    }
    free(w->conns);
    gs_traffic_h2mem_clear(&w->h2mem); /* after the sessions above */
    if (w->tick_ev)
        event_free(w->tick_ev);
    if (w->rate_ev)
        event_free(w->rate_ev);
    if (w->pump_ev)
        event_free(w->pump_ev);
    if (w->held_ev)
        event_free(w->held_ev);
    if (w->base)
        event_base_free(w->base);
    gs_buf_clear(&w->h1_prefix);
    gs_buf_clear(&w->h1_suffix);
    gs_buf_clear(&w->h1_full);
    gs_buf_clear(&w->h1_with_id);
    gs_buf_clear(&w->chunk_scratch);
    free(w->rbuf);
    gs_buf_clear(&w->h2_out);
    gs_histogram_free(w->latency);
    gs_histogram_free(w->service);
    gs_traffic_interval_worker_free(w);
    gs_traffic_counts_clear(&w->backends);
    gs_traffic_counts_clear(&w->replicas);
    gs_traffic_counts_clear(&w->certificates);
    for (int e = 0; e < GS_TRAFFIC_ERR_COUNT; e++)
        gs_traffic_counts_clear(&w->error_texts[e]);
    free(w->cb_headers);
    free(w->retry);
}

static void *worker_main(void *arg)
{
    traffic_worker *w = arg;
    /* a write to a connection the server reset must be EPIPE, not a process-killing SIGPIPE,
     * whatever the embedding program does with the signal (the pending signal dies with this
     * thread) */
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, NULL);
    /* wait for the common start so every worker's schedule lines up */
    int64_t wait = w->run->start_ns - gs_now_ns();
    if (wait > 0) {
        struct timespec ts = {(time_t)(wait / GS_NS_PER_S), (long)(wait % GS_NS_PER_S)};
        nanosleep(&ts, NULL);
    }
    gs_traffic_worker_pump(w);
    if (!w->done)
        event_base_dispatch(w->base);
    gs_traffic_interval_worker_end(w);
    /* A TLS bufferevent freed from its own callback is finalized by the loop later; the loop
     * just broke, so give those finalizers (and only those: the timers go first) one turn,
     * or the bufferevent and its SSL leak. Not after a cancel: a late answer would then be
     * counted as well as abandoned. */
    if (!w->stopping) {
        event_del(w->tick_ev);
        event_del(w->rate_ev);
        event_del(w->pump_ev);
        event_del(w->held_ev);
        event_base_loop(w->base, EVLOOP_NONBLOCK);
    }
    atomic_store(&w->finished, true);
    return NULL;
}

/* ---- results ------------------------------------------------------------------------------- */

static double rusage_s(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/* Open loop: how many measured requests the schedule had due by the end of the run (or by
 * the cancellation), and how many of them this worker never started. */
static void worker_schedule(const traffic_worker *w, uint64_t *scheduled, uint64_t *missed)
{
    *scheduled = *missed = 0;
    if (!w->open_loop)
        return;
    int64_t limit = w->end_ns;
    if (w->stopped_ns != 0 && w->stopped_ns < limit)
        limit = w->stopped_ns;
    gs_rate fresh = w->rate;
    fresh.taken = 0;
    uint64_t due = limit == INT64_MAX ? w->quota : gs_rate_due(&fresh, limit - 1);
    uint64_t measured = due > w->first_measured_slot ? due - w->first_measured_slot : 0;
    if (limit == INT64_MAX || measured > w->quota)
        measured = w->quota;
    *scheduled = measured;
    if (w->run->cfg.count_missed && measured > w->started_measured)
        *missed = measured - w->started_measured;
}

static gs_traffic_result *run_merge(traffic_run *run, traffic_worker *ws, unsigned n,
                                    int64_t end_ns)
{
    gs_traffic_result *res = gs_traffic_result_new();
    uint64_t status[1000] = {0}, grpc[18] = {0};
    int64_t last = 0;
    for (unsigned i = 0; i < n; i++) {
        traffic_worker *w = &ws[i];
        gs_histogram_merge(res->latency, w->latency);
        gs_histogram_merge(res->service, w->service);
        res->responses += w->responses;
        for (int e = 1; e < GS_TRAFFIC_ERR_COUNT; e++)
            res->errors[e] += w->errors[e];
        res->warmup_requests += w->warmup_requests;
        res->abandoned += w->abandoned;
        for (int s = 0; s < 1000; s++)
            status[s] += w->status_counts[s];
        for (int s = 0; s < 18; s++)
            grpc[s] += w->grpc_counts[s];
        gs_traffic_counts_merge(&res->backends, &w->backends);
        gs_traffic_counts_merge(&res->replicas, &w->replicas);
        gs_traffic_counts_merge(&res->certificates, &w->certificates);
        res->connections_opened += w->connections_opened;
        res->bytes_received += w->bytes_received;
        for (int e = 1; e < GS_TRAFFIC_ERR_COUNT; e++)
            gs_traffic_counts_merge(&res->error_texts[e], &w->error_texts[e]);
        uint64_t scheduled, missed;
        worker_schedule(w, &scheduled, &missed);
        res->scheduled += scheduled;
        res->missed += missed;
        if (w->last_done_ns > last)
            last = w->last_done_ns;
    }
    char name[16];
    for (int s = 0; s < 1000; s++) {
        if (status[s]) {
            int len = snprintf(name, sizeof(name), "%d", s);
            gs_traffic_counts_add(&res->statuses, name, (size_t)len, status[s]);
        }
    }
    for (int s = 0; s < 18; s++) {
        if (grpc[s]) {
            int len = s < 17 ? snprintf(name, sizeof(name), "%d", s)
                             : snprintf(name, sizeof(name), "none");
            gs_traffic_counts_add(&res->grpc_statuses, name, (size_t)len, grpc[s]);
        }
    }
    res->requests = res->responses;
    for (int e = 1; e < GS_TRAFFIC_ERR_COUNT; e++)
        res->requests += res->errors[e];
    /* the window: warm-up end to the end of the timed run, or to the last completion */
    int64_t stop = run->cfg.requests ? last : run->measure_start_ns + run->cfg.duration_ns;
    if (run->cfg.requests == 0 && last > stop)
        stop = last;
    res->interrupted = run->cfg.cancel && *run->cfg.cancel;
    if (end_ns < stop && res->interrupted)
        stop = end_ns;
    double window = (double)(stop - run->measure_start_ns) / 1e9;
    res->duration_s = window > 0 ? window : 0;
    res->rps = res->duration_s > 0 ? (double)res->requests / res->duration_s : 0;
    res->target_rps = run->cfg.rate;
    return res;
}

int gs_traffic_run(const gs_traffic_config *cfg, gs_traffic_result **out, gs_error *err)
{
    traffic_run *run = NULL;
    int rc = run_new(&run, cfg, err);
    if (rc != 0)
        return rc;
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    unsigned n = run->threads;
    traffic_worker *ws = gs_xcalloc(n, sizeof(*ws));
    run->start_ns = gs_now_ns() + 2 * GS_NS_PER_MS * n;
    run->measure_start_ns = run->start_ns + (cfg->warmup_ns > 0 ? cfg->warmup_ns : 0);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    double start_unix_s = (double)wall.tv_sec + (double)wall.tv_nsec / 1e9 +
                          (double)(run->measure_start_ns - gs_now_ns()) / 1e9;
    run->start_unix_s = start_unix_s;
    unsigned conns = run->cfg.connections;
    uint64_t reqs = run->cfg.requests;
    for (unsigned i = 0; i < n; i++) {
        unsigned c = conns / n + (i < conns % n ? 1 : 0);
        uint64_t q = reqs / n + (i < reqs % n ? 1 : 0);
        worker_init(&ws[i], run, i, c, q);
    }
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0)
            abort();
    }
    /* with nobody to report progress or intervals to, wait for the workers themselves: a
     * poll every 20 ms wakes a thread that preempts a worker pinned to the same CPU, 50 times
     * a second, for nothing */
    bool watch = run->cfg.on_progress != NULL || run->cfg.on_interval != NULL;
    int64_t next_progress = gs_now_ns() + run->cfg.progress_interval_ns;
    for (unsigned i = 0; !watch && i < n; i++)
        pthread_join(ws[i].thread, NULL);
    while (watch) {
        bool all = true;
        for (unsigned i = 0; i < n; i++)
            all &= atomic_load(&ws[i].finished);
        if (all)
            break;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        int64_t now = gs_now_ns();
        if (run->cfg.on_progress != NULL && now >= next_progress) {
            uint64_t done = 0, errs = 0;
            for (unsigned i = 0; i < n; i++) {
                done += atomic_load_explicit(&ws[i].progress_done, memory_order_relaxed);
                errs += atomic_load_explicit(&ws[i].progress_errors, memory_order_relaxed);
            }
            double el = (double)(now - run->measure_start_ns) / 1e9;
            run->cfg.on_progress(done, errs, el > 0 ? el : 0, run->cfg.user);
            next_progress = now + run->cfg.progress_interval_ns;
        }
        gs_traffic_interval_report_passed(run, ws, n);
    }
    int64_t end_ns = gs_now_ns();
    for (unsigned i = 0; watch && i < n; i++)
        pthread_join(ws[i].thread, NULL);
    getrusage(RUSAGE_SELF, &ru1);
    gs_traffic_result *res = run_merge(run, ws, n, end_ns);
    gs_traffic_interval_report_rest(run, res->duration_s);
    res->start_unix_s = start_unix_s;
    res->cpu_user_s = rusage_s(&ru1.ru_utime) - rusage_s(&ru0.ru_utime);
    res->cpu_system_s = rusage_s(&ru1.ru_stime) - rusage_s(&ru0.ru_stime);
    for (unsigned i = 0; i < n; i++)
        worker_free(&ws[i]);
    free(ws);
    run_free(run);
    *out = res;
    return 0;
}

gs_traffic_result *gs_traffic_result_new(void)
{
    gs_traffic_result *res = gs_xcalloc(1, sizeof(*res));
    gs_histogram_new(&res->latency);
    gs_histogram_new(&res->service);
    return res;
}

void gs_traffic_result_merge(gs_traffic_result *dst, const gs_traffic_result *src)
{
    dst->requests += src->requests;
    dst->responses += src->responses;
    for (int e = 1; e < GS_TRAFFIC_ERR_COUNT; e++)
        dst->errors[e] += src->errors[e];
    dst->warmup_requests += src->warmup_requests;
    dst->abandoned += src->abandoned;
    dst->scheduled += src->scheduled;
    dst->missed += src->missed;
    dst->interrupted |= src->interrupted;
    if (dst->start_unix_s == 0 || (src->start_unix_s != 0 && src->start_unix_s < dst->start_unix_s))
        dst->start_unix_s = src->start_unix_s;
    for (int e = 1; e < GS_TRAFFIC_ERR_COUNT; e++)
        gs_traffic_counts_merge(&dst->error_texts[e], &src->error_texts[e]);
    dst->duration_s += src->duration_s;
    dst->rps = dst->duration_s > 0 ? (double)dst->requests / dst->duration_s : 0;
    if (dst->target_rps == 0)
        dst->target_rps = src->target_rps;
    gs_histogram_merge(dst->latency, src->latency);
    gs_histogram_merge(dst->service, src->service);
    gs_traffic_counts_merge(&dst->statuses, &src->statuses);
    gs_traffic_counts_merge(&dst->grpc_statuses, &src->grpc_statuses);
    gs_traffic_counts_merge(&dst->backends, &src->backends);
    gs_traffic_counts_merge(&dst->replicas, &src->replicas);
    gs_traffic_counts_merge(&dst->certificates, &src->certificates);
    dst->connections_opened += src->connections_opened;
    dst->bytes_received += src->bytes_received;
    dst->cpu_user_s += src->cpu_user_s;
    dst->cpu_system_s += src->cpu_system_s;
}

void gs_traffic_result_free(gs_traffic_result *r)
{
    if (r == NULL)
        return;
    gs_histogram_free(r->latency);
    gs_histogram_free(r->service);
    gs_traffic_counts_clear(&r->statuses);
    gs_traffic_counts_clear(&r->grpc_statuses);
    gs_traffic_counts_clear(&r->backends);
    gs_traffic_counts_clear(&r->replicas);
    gs_traffic_counts_clear(&r->certificates);
    for (int e = 0; e < GS_TRAFFIC_ERR_COUNT; e++)
        gs_traffic_counts_clear(&r->error_texts[e]);
    free(r);
}
