/* SPDX-License-Identifier: MIT */
/* Connections and requests of one worker: opening sockets (plain or TLS) as bufferevents,
 * starting requests in free slots under the load model's budget, finishing them (statistics and
 * the callback), timeouts, and closing. Protocol bytes are the gs_proto_ops' business. */
#include "traffic_worker.h"

#include "gs_alloc.h"
#include "gs_grpc.h"
#include "gs_h1.h"
#include "gs_log.h"
#include "gs_tls.h"
#include "gs_time.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

const gs_proto_ops *gs_traffic_conn_ops(const traffic_conn *c)
{
    const traffic_run *run = c->w->run;
    if (run->is_l4)
        return &gs_traffic_l4_ops;
    if (run->is_ws)
        return run->cfg.ws_h2 ? &gs_traffic_ws_h2_ops : &gs_traffic_ws_ops;
    return run->is_h2 ? &gs_traffic_h2_ops : &gs_traffic_h1_ops;
}

#define conn_ops gs_traffic_conn_ops

/* True when |c| reads its socket itself (on_conn_readable): plain TCP. */
static bool conn_reads_itself(const traffic_conn *c)
{
    return !c->w->run->cfg.tls && c->w->run->cfg.protocol != GS_TRAFFIC_UDP;
}

/* The one place a connection changes state: IDLE -> CONNECTING -> READY, and any -> IDLE. */
static void conn_set_state(traffic_conn *c, traffic_conn_state s)
{
    assert(s == TRAFFIC_CONN_IDLE ||
           (s == TRAFFIC_CONN_CONNECTING && c->state == TRAFFIC_CONN_IDLE) ||
           (s == TRAFFIC_CONN_READY && c->state == TRAFFIC_CONN_CONNECTING));
    c->state = s;
}

/* ---- response capture --------------------------------------------------------------------- */

static bool conn_capture(const traffic_conn *c)
{
    return c->w->run->cfg.on_response != NULL;
}

void gs_traffic_req_header(traffic_conn *c, traffic_req *r, const char *name, size_t nlen,
                           const char *value, size_t vlen, bool trailer)
{
    if (gs_h1_strieq(name, nlen, GS_TRAFFIC_H_BACKEND) && !trailer) {
        size_t n = vlen < sizeof(r->backend) - 1 ? vlen : sizeof(r->backend) - 1;
        memcpy(r->backend, value, n);
        r->backend[n] = '\0';
    } else if (gs_h1_strieq(name, nlen, GS_TRAFFIC_H_GRPC_STATUS)) {
        int v = 0;
        size_t k = 0;
        for (; k < vlen && k < 4 && value[k] >= '0' && value[k] <= '9'; k++)
            v = v * 10 + (value[k] - '0');
        r->grpc_status = (k == vlen && k > 0) ? v : 2; /* unparsable: UNKNOWN */
    } else if (gs_h1_strieq(name, nlen, GS_TRAFFIC_H_GRPC_MESSAGE)) {
        gs_buf_reset(&r->grpc_message);
        gs_buf_append(&r->grpc_message, value, vlen < 1024 ? vlen : 1024);
    }
    if (!conn_capture(c))
        return;
    if (r->num_headers + r->num_trailers >= 256 || r->hstore.len > 65536)
        return; /* bounded */
    char *dst = gs_buf_reserve(&r->hstore, nlen + 1);
    for (size_t k = 0; k < nlen; k++)
        dst[k] = (char)tolower((unsigned char)name[k]);
    dst[nlen] = '\0';
    r->hstore.len += nlen + 1;
    gs_buf_append(&r->hstore, value, vlen);
    gs_buf_putc(&r->hstore, '\0');
    if (trailer)
        r->num_trailers++;
    else
        r->num_headers++;
}

void gs_traffic_req_body(traffic_conn *c, traffic_req *r, const char *data, size_t len)
{
    r->body_total += len;
    c->w->bytes_received += len;
    if (!conn_capture(c))
        return;
    size_t limit = c->w->run->cfg.body_limit;
    if (c->w->run->cfg.protocol == GS_TRAFFIC_GRPC)
        limit += 5; /* the prefix is stripped before the callback sees the body */
    if (r->body.len < limit) {
        size_t n = limit - r->body.len < len ? limit - r->body.len : len;
        gs_buf_append(&r->body, data, n);
    }
}

/* Calls the user's callback for |r|. */
/* The response version |version| (10, 11, 20) as HTTP writes it; NULL for none. */
static const char *traffic_version_name(int version)
{
    switch (version) {
    case 10:
        return "HTTP/1.0";
    case 11:
        return "HTTP/1.1";
    case 20:
        return "HTTP/2";
    default:
        return NULL;
    }
}

static void conn_report(traffic_conn *c, traffic_req *r, gs_traffic_error e, const char *detail,
                        int64_t now)
{
    traffic_worker *w = c->w;
    const traffic_run *run = w->run;
    size_t total = r->num_headers + r->num_trailers;
    if (total > w->cb_cap) {
        w->cb_cap = total;
        w->cb_headers = gs_xrealloc(w->cb_headers, total * sizeof(*w->cb_headers));
    }
    const char *p = r->hstore.data;
    for (size_t k = 0; k < total; k++) {
        w->cb_headers[k].name = p;
        p += strlen(p) + 1;
        w->cb_headers[k].value = p;
        p += strlen(p) + 1;
    }
    gs_buf msg = {0};
    if (r->grpc_message.len > 0)
        gs_grpc_message_decode(&msg, r->grpc_message.data, r->grpc_message.len);

    gs_traffic_response resp = {
        .index = r->index,
        .connection = c->socket_id,
        .request_id = r->id[0] ? r->id : NULL,
        .error = e,
        .warmup = r->warmup,
        .status = e == GS_TRAFFIC_OK ? r->status : 0,
        .proto = e == GS_TRAFFIC_OK ? traffic_version_name(r->version) : NULL,
        .grpc_status = r->grpc_status,
        .grpc_message = r->grpc_message.len ? (msg.data ? msg.data : "") : NULL,
        .backend = r->backend[0] ? r->backend : NULL,
        .headers = w->cb_headers,
        .num_headers = r->num_headers,
        .trailers = w->cb_headers + r->num_headers,
        .num_trailers = r->num_trailers,
        .body = r->body.data ? r->body.data : "",
        .body_len = r->body.len,
        .body_total = r->body_total,
        .intended_ns = r->intended_ns,
        .sent_ns = r->sent_ns,
        .latency_ns = now - r->intended_ns,
        .service_ns = now - r->sent_ns,
        .worker = w->id,
        .detail = detail,
        .cert_sha256 = c->cert_sha256[0] ? c->cert_sha256 : NULL,
        .cert_subject = c->cert_sha256[0] ? c->cert_subject : NULL,
    };
    if (run->cfg.protocol == GS_TRAFFIC_GRPC) {
        /* the first message's payload, without its 5-byte prefix (cut at body_limit) */
        const uint8_t *msg_data = NULL;
        size_t msg_len = 0;
        bool compressed;
        resp.body_len = 0;
        if (r->body.len >= GS_GRPC_PREFIX) {
            ssize_t n =
                gs_grpc_frame_parse(r->body.data, r->body.len, &msg_data, &msg_len, &compressed, 0);
            if (n == GS_ERR_INCOMPLETE) { /* kept only the first body_limit bytes */
                msg_data = (const uint8_t *)r->body.data + GS_GRPC_PREFIX;
                msg_len = r->body.len - GS_GRPC_PREFIX;
            }
            if (msg_data != NULL) {
                resp.body = (const char *)msg_data;
                resp.body_len = msg_len < run->cfg.body_limit ? msg_len : run->cfg.body_limit;
            }
        }
    }
    if (run->cfg.serialize_callbacks)
        pthread_mutex_lock(&w->run->cb_lock);
    run->cfg.on_response(&resp, run->cfg.user);
    if (run->cfg.serialize_callbacks)
        pthread_mutex_unlock(&w->run->cb_lock);
    gs_buf_clear(&msg);
}

void gs_traffic_req_finish(traffic_conn *c, traffic_req *r, gs_traffic_error e, const char *detail)
{
    traffic_worker *w = c->w;
    if (!r->in_use)
        return;
    if (e == GS_TRAFFIC_OK && r->status == 0 && !w->run->is_l4)
        e = GS_TRAFFIC_ERR_PROTOCOL; /* completed without a final status */
    if (e == GS_TRAFFIC_OK && w->run->cfg.protocol == GS_TRAFFIC_GRPC && r->grpc_status < 0) {
        /* gRPC's HTTP-to-gRPC mapping; a 200 without grpc-status is an INTERNAL error */
        r->grpc_status =
            r->status == 200 ? GS_GRPC_INTERNAL : (int)gs_grpc_code_from_http(r->status);
        if (detail == NULL)
            detail = "no grpc-status in the response";
    }
    int64_t now = gs_traffic_worker_now(w);
    if (r->warmup) {
        w->warmup_requests++;
    } else if (e != GS_TRAFFIC_OK) {
        w->errors[e]++;
        const char *text = detail ? detail : gs_traffic_error_name(e);
        gs_traffic_counts_add(&w->error_texts[e], text, strlen(text), 1);
        gs_log_debug("request %llu: %s error: %s", (unsigned long long)r->index,
                     gs_traffic_error_name(e), detail ? detail : "");
        atomic_fetch_add_explicit(&w->progress_errors, 1, memory_order_relaxed);
    } else {
        w->responses++;
        gs_histogram_record(w->latency, now - r->intended_ns);
        gs_histogram_record(w->service, now - r->sent_ns);
        if (w->ivl_latency != NULL)
            gs_traffic_interval_record(w, now, now - r->intended_ns, now - r->sent_ns);
        if (!w->run->is_l4) /* layer 4 has no status */
            w->status_counts[r->status >= 0 && r->status < 1000 ? r->status : 0]++;
        if (c->cert_sha256[0])
            gs_traffic_counts_add(&w->certificates, c->cert_sha256, strlen(c->cert_sha256), 1);
        if (w->run->cfg.protocol == GS_TRAFFIC_GRPC)
            w->grpc_counts[r->grpc_status >= 0 && r->grpc_status <= 16 ? r->grpc_status : 17]++;
        if (r->backend[0]) {
            size_t len = strlen(r->backend);
            gs_traffic_counts_add(&w->replicas, r->backend, len, 1);
            /* Service "ns/name" from "ns/name/replica" */
            const char *slash = strchr(r->backend, '/');
            const char *last = strrchr(r->backend, '/');
            if (slash != NULL && last != slash)
                len = (size_t)(last - r->backend);
            gs_traffic_counts_add(&w->backends, r->backend, len, 1);
        } else {
            gs_traffic_counts_add(&w->backends, "none", 4, 1);
        }
    }
    if (!r->warmup) {
        w->last_done_ns = now;
        atomic_fetch_add_explicit(&w->progress_done, 1, memory_order_relaxed);
    }
    if (w->run->cfg.on_response != NULL)
        conn_report(c, r, e, detail, now);

    r->in_use = false;
    c->inflight--;
    w->outstanding--;
    if (e == GS_TRAFFIC_OK) {
        c->served++;
        c->last_service_ns = now - r->sent_ns;
    }
    if (w->run->cfg.new_connection_per_request && c->inflight == 0 && !c->want_close) {
        c->want_close = true;
        c->close_error = GS_TRAFFIC_ERR_RESET;
        c->close_detail = "connection closed";
    }
}

static void conn_poke(traffic_worker *w);

void gs_traffic_req_requeue(traffic_conn *c, traffic_req *r)
{
    traffic_worker *w = c->w;
    if (!r->in_use)
        return;
    if (r->attempts >= 9) {
        gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_RESET, "refused by the server 10 times");
        return;
    }
    gs_xgrow((void **)&w->retry, &w->retry_cap, w->retry_len + 1, sizeof(*w->retry));
    w->retry[w->retry_len++] =
        (traffic_retry){r->index, r->intended_ns, r->warmup, r->attempts + 1};
    r->in_use = false;
    c->inflight--; /* still outstanding for the worker */
    conn_poke(w);
}

/* ---- budget ---------------------------------------------------------------------------- */

/* True when no request may start any more: cancelled, quota used, or past the end. */
bool gs_traffic_worker_exhausted(traffic_worker *w, int64_t now)
{
    if (w->stopping)
        return true;
    if (w->quota != UINT64_MAX && w->started_measured >= w->quota)
        return true;
    if (w->open_loop) {
        /* with count_missed a request still due when the schedule ends is missed, not late */
        return gs_rate_next_ns(&w->rate) >= w->end_ns ||
               (w->run->cfg.count_missed && now >= w->end_ns);
    }
    return w->quota == UINT64_MAX && now >= w->end_ns;
}

/* Decides whether a request may start now and with which intended time. */
static bool conn_may_start(traffic_worker *w, int64_t now, int64_t *intended)
{
    if (w->retry_len > 0 && !w->stopping) {
        *intended = w->retry[0].intended_ns;
        return true;
    }
    if (gs_traffic_worker_exhausted(w, now))
        return false;
    if (w->open_loop) {
        if (gs_rate_due(&w->rate, now) == 0)
            return false;
        *intended = gs_rate_next_ns(&w->rate);
    } else {
        *intended = now;
    }
    return true;
}

static bool conn_usable(const traffic_conn *c, int64_t now)
{
    if (c->want_close)
        return false;
    if (c->state == TRAFFIC_CONN_IDLE)
        return now >= c->retry_at_ns;
    return !conn_ops(c)->draining(c);
}

/* Starts one request in a free slot of |c| (which must have one). */
static void conn_start(traffic_conn *c, int64_t now, int64_t intended)
{
    traffic_worker *w = c->w;
    const traffic_run *run = w->run;
    if (c->state == TRAFFIC_CONN_IDLE && gs_traffic_conn_open(c) != 0)
        return; /* counted as a connect error by gs_traffic_conn_open */
    traffic_req *r = NULL;
    for (unsigned k = 0; k < c->nslots; k++) {
        if (!c->slots[k].in_use) {
            r = &c->slots[k];
            break;
        }
    }
    if (r == NULL)
        return;
    r->in_use = true;
    r->head_done = r->complete = false;
    if (w->retry_len > 0) {
        traffic_retry t = w->retry[0];
        memmove(w->retry, w->retry + 1, (w->retry_len - 1) * sizeof(*w->retry));
        w->retry_len--;
        r->index = t.index;
        r->warmup = t.warmup;
        r->attempts = t.attempts;
        intended = t.intended_ns;
    } else {
        if (w->open_loop)
            (void)gs_rate_take(&w->rate);
        r->warmup = intended < run->measure_start_ns;
        r->index =
            (w->started * run->threads + w->id) * run->cfg.index_stride + run->cfg.index_offset;
        r->attempts = 0;
        w->started++;
        if (!r->warmup)
            w->started_measured++;
        w->outstanding++;
    }
    r->intended_ns = intended;
    r->sent_ns = now;
    r->deadline_ns = now + run->cfg.request_timeout_ns;
    if (run->cfg.protocol == GS_TRAFFIC_GRPC) {
        /* the server enforces grpc-timeout and answers DEADLINE_EXCEEDED: give that answer
         * time to arrive before calling it a client-side timeout */
        int64_t grace = run->cfg.request_timeout_ns / 5;
        r->deadline_ns += grace > 50 * GS_NS_PER_MS ? grace : 50 * GS_NS_PER_MS;
    }
    r->stream_id = 0;
    r->status = 0;
    r->version = 0;
    r->grpc_status = -1;
    gs_buf_reset(&r->hstore);
    gs_buf_reset(&r->grpc_message);
    gs_buf_reset(&r->body);
    r->num_headers = r->num_trailers = 0;
    r->backend[0] = '\0';
    r->body_total = 0;
    if (run->cfg.request_id_prefix != NULL)
        snprintf(r->id, sizeof(r->id), "%s%llu", run->cfg.request_id_prefix,
                 (unsigned long long)r->index);
    else
        r->id[0] = '\0';
    c->inflight++;
    gs_traffic_error e = conn_ops(c)->submit(c, r);
    if (e != GS_TRAFFIC_OK) {
        c->want_close = true;
        c->close_error = e;
        c->close_detail = "request could not be queued";
    }
}

/* Closed loop: fills the free slots of |c|. */
static void conn_fill(traffic_conn *c, int64_t now)
{
    traffic_worker *w = c->w;
    int64_t intended;
    c->refill_held = false;
    while (c->inflight < c->nslots && conn_usable(c, now) && conn_may_start(w, now, &intended)) {
        unsigned before = c->inflight;
        conn_start(c, now, intended);
        if (c->inflight == before)
            break;
    }
}

/* Starts whatever the load model allows now, on any connection with room. */
void gs_traffic_worker_pump(traffic_worker *w)
{
    int64_t now = gs_now_ns();
    if (!w->open_loop) {
        for (unsigned k = 0; k < w->nconns; k++) {
            traffic_conn *c = &w->conns[w->cursor];
            w->cursor = (w->cursor + 1) % w->nconns;
            conn_fill(c, now);
            gs_traffic_conn_after_io(c, false);
        }
    } else {
        int64_t intended;
        unsigned tried = 0;
        while (tried < w->nconns && conn_may_start(w, now, &intended)) {
            traffic_conn *c = &w->conns[w->cursor];
            if (c->inflight < c->nslots && conn_usable(c, now)) {
                unsigned before = c->inflight;
                conn_start(c, now, intended);
                gs_traffic_conn_after_io(c, false);
                if (c->inflight > before) {
                    tried = 0;
                    w->cursor = (w->cursor + 1) % w->nconns;
                    continue;
                }
            }
            w->cursor = (w->cursor + 1) % w->nconns;
            tried++;
        }
        if (!gs_traffic_worker_exhausted(w, now) && gs_rate_due(&w->rate, now) == 0) {
            int64_t wait = gs_rate_next_ns(&w->rate) - gs_now_ns();
            if (wait < 0)
                wait = 0;
            struct timeval tv = {(time_t)(wait / GS_NS_PER_S),
                                 (suseconds_t)(wait % GS_NS_PER_S / 1000)};
            evtimer_add(w->rate_ev, &tv);
        }
    }
    gs_traffic_worker_check_done(w);
}

/* ---- connection I/O ------------------------------------------------------------------------ */

/* Fails every request in flight on |c| with |e| and drops the socket. */
void gs_traffic_conn_close(traffic_conn *c, gs_traffic_error e, const char *detail)
{
    if (c->read_ev != NULL) {
        event_free(c->read_ev);
        c->read_ev = NULL;
    }
    if (c->bev != NULL) {
        conn_ops(c)->on_close(c);
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
    conn_set_state(c, TRAFFIC_CONN_IDLE);
    c->want_close = false;
    for (unsigned k = 0; k < c->nslots; k++) {
        if (c->slots[k].in_use)
            gs_traffic_req_finish(c, &c->slots[k], e, detail);
    }
    c->want_close = false;
    c->fifo_head = c->fifo_len = 0;
    if (e == GS_TRAFFIC_ERR_CONNECT || e == GS_TRAFFIC_ERR_TLS)
        c->retry_at_ns = gs_now_ns() + 10 * GS_NS_PER_MS; /* no hot loop on refusals */
}

/* Schedules a pump on a clean stack when more work may start (never when none can: an
 * always-active event would starve the loop's I/O). */
static void conn_poke(traffic_worker *w)
{
    if (w->retry_len > 0 || !gs_traffic_worker_exhausted(w, gs_traffic_worker_now(w)))
        event_active(w->pump_ev, EV_TIMEOUT, 0);
}

/* Plain sockets write at once, from the callback that produced the bytes: letting the
 * bufferevent do it costs an epoll_ctl pair and a loop turn per request. EV_WRITE is enabled
 * only while the kernel pushes back. TLS bufferevents keep their own write path. */
static void conn_write_now(traffic_conn *c)
{
    if (c->w->run->cfg.tls || c->state != TRAFFIC_CONN_READY || c->bev == NULL)
        return;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (evbuffer_get_length(out) == 0)
        return;
    (void)evbuffer_write(out, bufferevent_getfd(c->bev));
    if (evbuffer_get_length(out) > 0)
        bufferevent_enable(c->bev, EV_WRITE);
}

/* After an I/O callback: close when asked, start more work, write what is pending. */
void gs_traffic_conn_after_io(traffic_conn *c, bool refill)
{
    traffic_worker *w = c->w;
    if (c->want_close) {
        gs_traffic_conn_close(c, c->close_error, c->close_detail);
        conn_poke(w);
        return;
    }
    if (refill) {
        if (w->open_loop)
            conn_poke(w);
        else
            conn_fill(c, gs_traffic_worker_now(w));
    }
    if (c->bev != NULL) {
        gs_traffic_error e = conn_ops(c)->flush(c);
        if (e != GS_TRAFFIC_OK || c->want_close) {
            if (e != GS_TRAFFIC_OK)
                gs_traffic_conn_close(c, e, "protocol error while sending");
            else
                gs_traffic_conn_close(c, c->close_error, c->close_detail);
            conn_poke(w);
            return;
        }
        conn_write_now(c);
    }
}

/* Fires when the output drained after the kernel pushed back (plain sockets). */
static void on_conn_write(struct bufferevent *bev, void *arg)
{
    traffic_conn *c = arg;
    if (!c->w->run->cfg.tls && c->state == TRAFFIC_CONN_READY)
        bufferevent_disable(bev, EV_WRITE);
}

/* True when more bytes wait in the kernel for |c|'s socket. */
static bool conn_more_to_read(const traffic_conn *c)
{
    int n = 0;
    return ioctl(bufferevent_getfd(c->bev), FIONREAD, &n) == 0 && n > 0;
}

/* ---- closed-loop h2c: refills in batches ----------------------------------------------------
 * Starting a request the moment its stream closes sends one small write per answer: a server
 * that writes its answers stream by stream (nginx) gets each of them while it is still writing
 * to that socket, and processes it from the socket's backlog on its own CPU. A connection
 * therefore refills after a read only once at least half its streams are free (one write of
 * several requests), or when nothing is in flight (no stall) or a retry waits; otherwise its
 * free streams wait until half are free, or until it got no bytes for as long as its last
 * request took (at least CONN_HOLD_NS, at most CONN_HOLD_MAX_NS; checked by a timer of the
 * coarse loop clock, so 1-5 ms late), or the worker's tick. A server that queues requests
 * answers a connection's batch once per round of its queue, which takes about a request's
 * service time: so long the next answers are expected. A connection whose hold ran
 * out that way has streams much slower than the others: it refills at once until half its
 * streams are free again or the next tick, so its fast streams keep cycling at the server's
 * pace. The open loop
 * and TLS keep their own write paths. */

#define CONN_HOLD_NS GS_NS_PER_MS
#define CONN_HOLD_MAX_NS (20 * GS_NS_PER_MS)

/* True when the reads of |c| refill in batches: closed-loop HTTP/2 (h2c, gRPC) on plain TCP. */
static bool conn_batches(const traffic_conn *c)
{
    const traffic_worker *w = c->w;
    return w->run->is_h2 && !w->run->is_ws && !w->open_loop && !w->run->cfg.tls &&
           !w->run->cfg.h2_refill_eager;
}

static void conn_arm_held(traffic_worker *w)
{
    if (!evtimer_pending(w->held_ev, NULL)) {
        struct timeval tv = {0, (suseconds_t)(CONN_HOLD_NS / 1000)};
        evtimer_add(w->held_ev, &tv);
    }
}

/* Refill of |c| after a read: now, or held back (see above). */
static void conn_refill_read(traffic_conn *c)
{
    traffic_worker *w = c->w;
    unsigned free_slots = c->nslots - c->inflight;
    if (free_slots * 2 >= c->nslots)
        c->hold_off = false;
    else if (c->inflight > 0 && w->retry_len == 0 && !c->hold_off) {
        if (free_slots > 0) {
            c->refill_held = true;
            c->last_answer_ns = gs_traffic_worker_now(w);
            conn_arm_held(w);
        }
        return;
    }
    conn_fill(c, gs_traffic_worker_now(w));
}

void gs_traffic_worker_release_held(traffic_worker *w)
{
    int64_t now = gs_now_ns();
    bool again = false;
    for (unsigned k = 0; k < w->nconns; k++) {
        traffic_conn *c = &w->conns[k];
        if (!c->refill_held)
            continue;
        int64_t wait = c->last_service_ns > CONN_HOLD_NS ? c->last_service_ns : CONN_HOLD_NS;
        if (wait > CONN_HOLD_MAX_NS)
            wait = CONN_HOLD_MAX_NS;
        if (now - c->last_answer_ns < wait) { /* answers still expected */
            again = true;
            continue;
        }
        c->hold_off = true; /* its other streams are slow: refill at once until they answer */
        conn_fill(c, now);
        gs_traffic_conn_after_io(c, false);
    }
    if (again)
        conn_arm_held(w);
    gs_traffic_worker_check_done(w);
}

/* The protocol has taken the bytes that arrived (|e| says how that went): close on an error,
 * else start more work and write it. */
static void conn_input_done(traffic_conn *c, gs_traffic_error e)
{
    if (e != GS_TRAFFIC_OK) {
        gs_traffic_conn_close(c, e, "malformed response");
        conn_poke(c->w);
        gs_traffic_worker_check_done(c->w);
        return;
    }
    if (conn_batches(c) && !c->want_close) {
        conn_refill_read(c);
        gs_traffic_conn_after_io(c, false);
        gs_traffic_worker_check_done(c->w);
        return;
    }
    if (c->w->run->cfg.tls && c->w->run->is_h2 && !c->want_close && conn_more_to_read(c)) {
        /* bufferevent_openssl hands over one TLS record per loop turn: queue the next
         * requests now, write them when the socket is drained, as one record */
        if (c->w->open_loop)
            conn_poke(c->w);
        else
            conn_fill(c, gs_traffic_worker_now(c->w));
        return;
    }
    gs_traffic_conn_after_io(c, true);
    gs_traffic_worker_check_done(c->w);
}

/* Fires when bytes arrived in the input buffer; may complete requests. */
static void on_conn_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    traffic_conn *c = arg;
    traffic_worker *w = c->w;
    bool outer = w->io_now_ns == 0; /* not nested in another read callback */
    if (outer)
        w->io_now_ns = gs_now_ns();
    conn_input_done(c, conn_ops(c)->on_read(c));
    if (outer)
        w->io_now_ns = 0;
}

static void on_conn_event(struct bufferevent *bev, short events, void *arg);

/* Hands |n| bytes just read into the worker's scratch to the protocol: in place when nothing
 * waits in the input buffer, else behind what does. */
static gs_traffic_error conn_take_bytes(traffic_conn *c, size_t n)
{
    traffic_worker *w = c->w;
    const gs_proto_ops *ops = conn_ops(c);
    struct evbuffer *in = bufferevent_get_input(c->bev);
    if (ops->on_bytes != NULL && evbuffer_get_length(in) == 0) {
        size_t used = 0;
        gs_traffic_error e = ops->on_bytes(c, w->rbuf, n, &used);
        /* the rest: a head not complete yet (or bytes after a closing answer, never read) */
        if (e == GS_TRAFFIC_OK && used < n && evbuffer_add(in, w->rbuf + used, n - used) != 0)
            e = GS_TRAFFIC_ERR_PROTOCOL;
        return e;
    }
    if (evbuffer_add(in, w->rbuf, n) != 0)
        return GS_TRAFFIC_ERR_PROTOCOL;
    return ops->on_read(c);
}

/* At most this many reads of one HTTP/2 connection before it writes (see on_conn_readable). */
#define CONN_H2_READS 8

/* Fires when a plain TCP socket is readable. The bufferevent's own read path asks the kernel
 * how much is waiting (an ioctl per read) and gives every answer a fresh buffer chain; here one
 * recv lands in the worker's scratch and the protocol takes the bytes from there, so only a
 * head cut by the read goes through the input buffer.
 * HTTP/2 reads again until the socket is drained before it writes: a server answers stream by
 * stream (nginx writes each response's frames on their own), so writing after the first read
 * sends the requests freed by that read alone; what arrived meanwhile joins the same write. */
static void on_conn_readable(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    traffic_conn *c = arg;
    traffic_worker *w = c->w;
    ssize_t n = recv(fd, w->rbuf, TRAFFIC_RBUF_SIZE, 0);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        on_conn_event(c->bev, BEV_EVENT_READING | (n == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR), c);
        return;
    }
    w->io_now_ns = gs_now_ns(); /* never nested: the loop calls this, nobody else */
    gs_traffic_error e = conn_take_bytes(c, (size_t)n);
    int failed = 0; /* errno of a failed read after the first: reported once the bytes are in */
    for (int k = 1; k < CONN_H2_READS && w->run->is_h2 && e == GS_TRAFFIC_OK && !c->want_close;
         k++) {
        n = recv(fd, w->rbuf, TRAFFIC_RBUF_SIZE, 0);
        if (n <= 0) {
            /* drained; an EOF stays readable and is seen on the next turn */
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                failed = errno;
            break;
        }
        e = conn_take_bytes(c, (size_t)n);
    }
    conn_input_done(c, e);
    w->io_now_ns = 0;
    if (failed != 0 && c->bev != NULL && c->state == TRAFFIC_CONN_READY) {
        EVUTIL_SET_SOCKET_ERROR(failed);
        on_conn_event(c->bev, BEV_EVENT_READING | BEV_EVENT_ERROR, c);
    }
}

/* The system's text for a connect errno in lower case, as error texts read ("connection
 * refused"): counted by text in the result, so it is copied into |buf|. */
static const char *conn_errno_text(int err, char *buf, size_t n)
{
    if (err == 0)
        return "connect failed";
    snprintf(buf, n, "%s", strerror(err));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && buf[1] >= 'a' && buf[1] <= 'z')
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}

/* What OpenSSL reported on |bev| (the newest error it has a text for), or NULL when it only
 * relayed a socket error: then *|sys| is set when that was SSL_ERROR_SYSCALL (OpenSSL 3 says
 * an EOF itself, so this is a reset under TLS, which libevent passes on as an EOF when dirty
 * shutdowns are allowed). Drains the bufferevent's errors. */
static const char *conn_ssl_error(struct bufferevent *bev, bool handshake, bool *sys, char *buf,
                                  size_t n)
{
    const char *text = NULL;
    unsigned long code;
    *sys = false;
    while ((code = bufferevent_get_openssl_error(bev)) != 0) {
        *sys |= code == SSL_ERROR_SYSCALL;
        if (text == NULL && handshake && ERR_GET_LIB(code) == ERR_LIB_SSL &&
            ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            text = "connection closed during the TLS handshake";
        else if (text == NULL)
            text = gs_tls_error_text(code, "server", buf, n);
    }
    return text;
}

/* True when the socket of |c| is connected at the TCP level (so a failure is TLS's). */
static bool conn_tcp_up(const traffic_conn *c)
{
    struct sockaddr_storage peer;
    socklen_t len = sizeof(peer);
    return c->bev != NULL &&
           getpeername(bufferevent_getfd(c->bev), (struct sockaddr *)&peer, &len) == 0;
}

/* Fires on connect, EOF and errors. May close the connection (never frees |c|). */
static void on_conn_event(struct bufferevent *bev, short events, void *arg)
{
    traffic_conn *c = arg;
    traffic_worker *w = c->w;
    if (events & BEV_EVENT_CONNECTED) {
        conn_set_state(c, TRAFFIC_CONN_READY);
        evutil_socket_t fd = bufferevent_getfd(bev);
        if (!w->run->cfg.tls)
            bufferevent_disable(bev, EV_WRITE); /* conn_write_now writes; see there */
        if (conn_reads_itself(c)) {
            c->read_ev = event_new(w->base, fd, EV_READ | EV_PERSIST, on_conn_readable, c);
            if (c->read_ev == NULL || event_add(c->read_ev, NULL) != 0)
                abort(); /* only out of memory gets here */
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (w->run->cfg.tls && w->run->is_l4)
            gs_traffic_l4_tls_connected(c, bufferevent_openssl_get_ssl(bev));
        if (w->run->cfg.tls && w->run->is_h2) {
            SSL *ssl = bufferevent_openssl_get_ssl(bev);
            const unsigned char *alpn = NULL;
            unsigned alpn_len = 0;
            SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
            if (alpn_len != 2 || memcmp(alpn, "h2", 2) != 0) {
                gs_traffic_conn_close(c, GS_TRAFFIC_ERR_TLS, "server did not agree to ALPN h2");
                conn_poke(w);
                return;
            }
        }
        gs_traffic_conn_after_io(c, false);
        return;
    }
    if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        char buf[256], errbuf[128];
        gs_traffic_error e = GS_TRAFFIC_ERR_RESET;
        const char *detail =
            (events & BEV_EVENT_EOF) ? "connection closed by peer" : "connection reset";
        bool handshake = c->state == TRAFFIC_CONN_CONNECTING, sys = false;
        const char *ssl_detail =
            w->run->cfg.tls ? conn_ssl_error(bev, handshake, &sys, buf, sizeof(buf)) : NULL;
        if (handshake) {
            int err = EVUTIL_SOCKET_ERROR();
            if (w->run->cfg.tls && !conn_tcp_up(c)) {
                e = GS_TRAFFIC_ERR_CONNECT; /* TCP never came up: not TLS's fault */
                detail = conn_errno_text(err, errbuf, sizeof(errbuf));
            } else if (ssl_detail != NULL) {
                e = GS_TRAFFIC_ERR_TLS;
                detail = ssl_detail;
            } else if (w->run->cfg.tls && (events & BEV_EVENT_EOF)) {
                e = GS_TRAFFIC_ERR_TLS;
                detail = "connection closed during the TLS handshake";
            } else if (w->run->cfg.tls) {
                e = GS_TRAFFIC_ERR_TLS;
                detail = "TLS handshake failed";
            } else {
                e = GS_TRAFFIC_ERR_CONNECT;
                detail = conn_errno_text(err, errbuf, sizeof(errbuf));
            }
        } else if (w->run->cfg.protocol == GS_TRAFFIC_UDP && (events & BEV_EVENT_ERROR)) {
            /* a connected UDP socket reports the target's ICMP errors (port unreachable) */
            e = GS_TRAFFIC_ERR_CONNECT;
            detail = conn_errno_text(EVUTIL_SOCKET_ERROR(), errbuf, sizeof(errbuf));
        } else {
            if (ssl_detail != NULL) { /* e.g. a TLS 1.3 server's alert refusing our certificate */
                e = GS_TRAFFIC_ERR_TLS;
                detail = ssl_detail;
            } else if (sys) {
                detail = "connection reset";
            }
            /* bytes still buffered may complete a response; a close (not a reset, which a TLS
             * connection reports as an EOF with SSL_ERROR_SYSCALL) may end an until-close body,
             * be the keep-alive race or cut a response: the protocol's on_eof decides */
            if (conn_ops(c)->on_read(c) == GS_TRAFFIC_OK && !(events & BEV_EVENT_ERROR) && !sys &&
                c->bev != NULL)
                conn_ops(c)->on_eof(c);
        }
        gs_traffic_conn_close(c, e, detail);
        conn_poke(w);
        gs_traffic_worker_check_done(w);
    }
}

void gs_traffic_conn_input_ready(traffic_conn *c)
{
    on_conn_read(c->bev, c);
}

void gs_traffic_conn_input_failed(traffic_conn *c)
{
    on_conn_event(c->bev, BEV_EVENT_READING | BEV_EVENT_ERROR, c);
}

int gs_traffic_conn_open(traffic_conn *c)
{
    traffic_worker *w = c->w;
    const traffic_run *run = w->run;
    struct bufferevent *bev = NULL;
    c->want_close = false;
    c->served = 0;
    if (run->cfg.tls) {
        SSL *ssl = NULL;
        if (gs_tls_client_ssl_new(&ssl, run->ssl_ctx, run->sni, NULL) != 0) {
            static const char text[] = "could not create a TLS session";
            w->errors[GS_TRAFFIC_ERR_TLS]++;
            gs_traffic_counts_add(&w->error_texts[GS_TRAFFIC_ERR_TLS], text, sizeof(text) - 1, 1);
            c->retry_at_ns = gs_now_ns() + 10 * GS_NS_PER_MS;
            return -1;
        }
        /* A close without close_notify is an EOF, as over TCP: the protocol decides from its
         * framing whether it cut a response (OpenSSL 3 would report an error, and libevent's
         * dirty-shutdown option only turns a socket error into an EOF, see on_conn_event). */
        SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
        /* the SSL belongs to the bufferevent from here on, even if creation fails */
        bev = bufferevent_openssl_socket_new(w->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                             BEV_OPT_CLOSE_ON_FREE);
        if (bev != NULL)
            bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    } else if (run->cfg.protocol == GS_TRAFFIC_UDP) {
        bev = gs_traffic_l4_udp_new(c);
        if (bev == NULL) { /* out of descriptors: a connect error, as for TCP */
            static const char text[] = "could not create a UDP socket";
            w->errors[GS_TRAFFIC_ERR_CONNECT]++;
            gs_traffic_counts_add(&w->error_texts[GS_TRAFFIC_ERR_CONNECT], text, sizeof(text) - 1,
                                  1);
            c->retry_at_ns = gs_now_ns() + 10 * GS_NS_PER_MS;
            return -1;
        }
    } else {
        bev = bufferevent_socket_new(w->base, -1, BEV_OPT_CLOSE_ON_FREE);
    }
    if (bev == NULL)
        abort(); /* only out of memory gets here */
    c->bev = bev;
    conn_set_state(c, TRAFFIC_CONN_CONNECTING);
    c->connect_deadline_ns = gs_now_ns() + run->cfg.connect_timeout_ns;
    c->fifo_head = c->fifo_len = 0;
    c->socket_id = w->connections_opened * run->threads + w->id;
    w->connections_opened++;
    bufferevent_setcb(bev, on_conn_read, on_conn_write, on_conn_event, c);
    /* UDP reads on its own event (traffic_l4.c), plain TCP once connected (on_conn_readable) */
    if (run->cfg.tls)
        bufferevent_enable(bev, EV_READ | EV_WRITE);
    conn_ops(c)->on_open(c);
    if (bufferevent_socket_connect(bev, (const struct sockaddr *)&run->addr, (int)run->addr_len) !=
        0) {
        /* immediate failure: requests queued later will fail on the deferred close */
        c->want_close = true;
        c->close_error = GS_TRAFFIC_ERR_CONNECT;
        c->close_detail = "connect failed";
    }
    return 0;
}

/* ---- timeouts ------------------------------------------------------------------------------ */

void gs_traffic_conn_check_deadlines(traffic_conn *c, int64_t now)
{
    if (c->state == TRAFFIC_CONN_CONNECTING && now >= c->connect_deadline_ns) {
        /* connected at the TCP level: the TLS handshake is what stalled */
        if (c->w->run->cfg.tls && conn_tcp_up(c))
            gs_traffic_conn_close(c, GS_TRAFFIC_ERR_TLS, "TLS handshake timeout");
        else
            gs_traffic_conn_close(c, GS_TRAFFIC_ERR_CONNECT, "connect timeout");
        return;
    }
    if (c->state == TRAFFIC_CONN_CONNECTING)
        return; /* requests wait for the connection first; the connect timeout bounds it */
    c->hold_off = false; /* a hold that ran out costs at most a tick of unbatched refills */
    for (unsigned k = 0; k < c->nslots; k++) {
        traffic_req *r = &c->slots[k];
        if (!r->in_use || now < r->deadline_ns)
            continue;
        if (conn_ops(c)->expire(c, r)) {
            gs_traffic_conn_close(c, GS_TRAFFIC_ERR_TIMEOUT, "request timeout");
            return;
        }
    }
    gs_traffic_conn_after_io(c, true);
}
