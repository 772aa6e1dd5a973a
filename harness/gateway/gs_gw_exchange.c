/* SPDX-License-Identifier: MIT */
/* The request pipeline of the builtin gateway (docs/semantics.md), protocol-neutral. Routing
 * decisions come from control's compiled table (gs_route_table_lookup, gs_rt_rule_pick_backend);
 * this file only carries them out. */
#include "gs_gw_exchange.h"

#include "gs_gw_timer.h"

#include "gs_alloc.h"
#include "gs_gw_cors.h"
#include "gs_gw_forwarded.h"
#include "gs_gw_fsm.h"
#include "gs_gw_header_mod.h"
#include "gs_gw_path.h"
#include "gs_gw_redirect.h"
#include "gs_gw_retry.h"
#include "gs_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXCHANGE_MAX_RESP_MODS 4

/* gRPC status codes used by the gateway's own answers. */
enum {
    GRPC_DEADLINE_EXCEEDED = 4,
    GRPC_RESOURCE_EXHAUSTED = 8,
    GRPC_UNIMPLEMENTED = 12,
    GRPC_INTERNAL = 13,
    GRPC_UNAVAILABLE = 14,
};

/* Where an exchange is. Every change goes through exchange_set_state, which knows the legal
 * previous states; the flags that remain (grpc, timer_idle, cors_actual) are facts about the
 * request, not states. */
typedef enum exchange_state {
    EXCHANGE_ROUTING = 0, /* route lookup, the rule's and backendRef's filters, backend choice */
    EXCHANGE_BODY_WAIT,   /* routed; a streamed request body is buffered whole (the rule mirrors
                             or retries) before the filters run */
    EXCHANGE_UPSTREAM,    /* a try is under way; no response has begun */
    EXCHANGE_BACKOFF,     /* a try failed and the retry policy waits before the next one */
    EXCHANGE_STREAMING,   /* the upstream's response head went out; its body follows, the end
                             comes through on_end */
    EXCHANGE_DONE,        /* answered, ended or cancelled: freed now, or when
                             gs_gw_exchange_start returns if it ended inside it */
} exchange_state;

static const char *const exchange_state_names[] = {"routing",   "body-wait", "upstream",
                                                   "backoff",   "streaming", "done"};

struct gs_gw_exchange {
    gs_gw_runtime *rt;
    gs_gw_snapshot *snap;
    gs_gw_request req;
    const gs_gw_sink *sink; /* NULL once cancelled */
    void *arg;
    exchange_state state;
    bool in_start;   /* inside gs_gw_exchange_start: an end there leaves the freeing to it */
    bool timer_idle; /* the default timeout: while streaming it measures inactivity */
    int64_t timeout_ms;
    bool grpc;
    gs_rt_result res;
    const gs_rt_header_mod *resp_mods[EXCHANGE_MAX_RESP_MODS];
    size_t n_resp_mods;
    gs_gw_headers cors_out;
    bool cors_actual;
    gs_gw_timer timer; /* zeroed (no event) when the exchange has no timeout */
    gs_gw_upstream_call *call;
    gs_gw_response resp;
    int listener_port; /* declared port, for redirects */
    const char *scheme;
    /* The request path (no query) as the route matched it, kept when a URLRewrite first
     * changes the target: a later ReplacePrefixMatch works on it (docs/gateway.md). */
    char *path_as_matched;
    /* Retries (rules[].retry): the backendRef chosen once, the tries made, each try's deadline
     * (backendRequest) and the wait before the next (backoff). */
    const gs_rt_backend *backend;
    unsigned tries;
    int64_t try_ms;
    gs_gw_timer try_timer;
    gs_gw_timer backoff_timer;
};

typedef struct exchange_mirror {
    gs_gw_runtime *rt;
    gs_gw_request req;
    gs_gw_upstream_call *call;
    struct event *timer;
} exchange_mirror;

bool gs_gw_request_is_grpc(const gs_gw_request *req)
{
    const char *ct = gs_gw_headers_get(&req->headers, "content-type");
    return req->http2 && ct && strncasecmp(ct, "application/grpc", 16) == 0;
}

/* The one place an exchange changes state (gs_gw_fsm.h). */
static void exchange_set_state(gs_gw_exchange *ex, exchange_state next)
{
    static const unsigned legal_from[] = {
        [EXCHANGE_ROUTING] = GS_GW_FSM_FROM(EXCHANGE_BODY_WAIT),
        [EXCHANGE_BODY_WAIT] = GS_GW_FSM_FROM(EXCHANGE_ROUTING),
        [EXCHANGE_UPSTREAM] = GS_GW_FSM_FROM(EXCHANGE_ROUTING) | GS_GW_FSM_FROM(EXCHANGE_BACKOFF),
        [EXCHANGE_BACKOFF] = GS_GW_FSM_FROM(EXCHANGE_UPSTREAM),
        [EXCHANGE_STREAMING] = GS_GW_FSM_FROM(EXCHANGE_UPSTREAM),
        [EXCHANGE_DONE] = GS_GW_FSM_FROM(EXCHANGE_ROUTING) | GS_GW_FSM_FROM(EXCHANGE_BODY_WAIT) |
                          GS_GW_FSM_FROM(EXCHANGE_UPSTREAM) | GS_GW_FSM_FROM(EXCHANGE_BACKOFF) |
                          GS_GW_FSM_FROM(EXCHANGE_STREAMING),
    };
    gs_gw_fsm_check("exchange", exchange_state_names, legal_from, ex->state, next);
    ex->state = next;
}

static void exchange_free(gs_gw_exchange *ex)
{
    gs_gw_timer_deinit(&ex->timer);
    gs_gw_timer_deinit(&ex->try_timer);
    gs_gw_timer_deinit(&ex->backoff_timer);
    gs_gw_upstream_cancel(ex->call);
    gs_gw_request_clear(&ex->req);
    gs_gw_response_clear(&ex->resp);
    gs_gw_headers_clear(&ex->cors_out);
    free(ex->path_as_matched);
    gs_gw_snapshot_unref(ex->snap);
    ex->rt->exchanges_in_flight--;
    free(ex);
}

/* The exchange is over (its sink was told, or it was cancelled): free it, unless
 * gs_gw_exchange_start is still on the stack, which frees it when it returns. */
static void exchange_end(gs_gw_exchange *ex)
{
    exchange_set_state(ex, EXCHANGE_DONE);
    if (!ex->in_start)
        exchange_free(ex);
}

/* Sends ex->resp downstream (after response filters) and ends the exchange. */
static void exchange_deliver(gs_gw_exchange *ex)
{
    gs_gw_response *r = &ex->resp;
    gs_gw_counters *c = &ex->rt->counters;
    /* What the client got (the sink says): not always the upstream's status. */
    int status = ex->sink ? ex->sink->on_response(ex->arg, r) : r->status;
    int cls = status / 100;
    if (cls >= 1 && cls <= 5)
        c->responses_by_class[cls]++;
    exchange_end(ex);
}

static void exchange_finish_filters(gs_gw_exchange *ex)
{
    gs_gw_response *r = &ex->resp;
    for (size_t i = 0; i < ex->n_resp_mods; i++)
        gs_gw_header_mod_apply_rt(ex->resp_mods[i], &r->headers);
    if (ex->cors_actual) {
        for (size_t i = 0; i < ex->cors_out.len; i++) {
            const gs_gw_header *f = &ex->cors_out.items[i];
            if (gs_gw_name_eq(f->name, "vary")) /* Vary is a list: keep the upstream's too */
                gs_gw_headers_add(&r->headers, f->name, f->value);
            else
                gs_gw_headers_set(&r->headers, f->name, f->value);
        }
    }
}

/* An answer the gateway makes itself. For gRPC calls it is a trailers-only response. */
static void exchange_answer(gs_gw_exchange *ex, int http_status, int grpc_status, const char *msg)
{
    gs_gw_response_clear(&ex->resp);
    if (ex->grpc) {
        ex->resp.status = 200;
        gs_gw_headers_add(&ex->resp.headers, "content-type", "application/grpc");
        char st[16];
        snprintf(st, sizeof(st), "%d", grpc_status);
        gs_gw_headers_add(&ex->resp.headers, "grpc-status", st);
        gs_gw_headers_add(&ex->resp.headers, "grpc-message", msg ? msg : "");
    } else {
        gs_gw_response_simple(&ex->resp, http_status, msg);
    }
    exchange_finish_filters(ex);
    exchange_deliver(ex);
}

static void on_mirror_done(void *arg, int err, gs_gw_response *resp)
{
    (void)resp; /* a mirror's answer never reaches the client */
    exchange_mirror *m = arg;
    if (err == GS_ERR_TIMEOUT)
        m->rt->counters.mirrors_timed_out++;
    else if (err != 0)
        m->rt->counters.mirrors_failed++;
    m->call = NULL;
    m->rt->mirrors_in_flight--;
    event_free(m->timer);
    gs_gw_request_clear(&m->req);
    free(m);
}

/* Fires when a mirror takes too long: abandon it. */
static void on_mirror_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    exchange_mirror *m = arg;
    gs_gw_upstream_cancel(m->call);
    m->call = NULL;
    on_mirror_done(m, GS_ERR_TIMEOUT, NULL);
}

/* The certificate the Gateway presents to TLS backends (spec.tls.backend), from the listener the
 * request was routed on: NULL when it has none. */
static const gs_rt_cert *exchange_client_cert(const gs_gw_exchange *ex)
{
    return ex->res.listener ? ex->res.listener->backend_client_cert : NULL;
}

/* True when an Upgrade value (a comma-separated list of protocols) names websocket. */
static bool exchange_upgrade_is_websocket(const char *upgrade)
{
    for (const char *p = upgrade; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t n = strcspn(p, " \t,/");
        if (n == 9 && strncasecmp(p, "websocket", 9) == 0)
            return true;
        p += n;
        p += strcspn(p, ",");
    }
    return false;
}

/* Why a WebSocket upgrade request cannot become an extended CONNECT, or NULL: it needs the key
 * the Sec-WebSocket-Accept is made from, and no body (over HTTP/2 the stream's DATA is the
 * WebSocket's). */
static const char *exchange_ws_h2_refusal(const gs_gw_request *req)
{
    const char *key = gs_gw_headers_get(&req->headers, "sec-websocket-key");
    if (key == NULL || *key == '\0')
        return "WebSocket upgrade without Sec-WebSocket-Key";
    if (req->body.len > 0)
        return "WebSocket upgrade with a request body (an HTTP/2 backend gets an extended "
               "CONNECT, whose DATA is the WebSocket)";
    return NULL;
}

static bool exchange_backend_h2(const gs_rt_backend *b, bool grpc)
{
    return grpc || (b->app_protocol && strcmp(b->app_protocol, "kubernetes.io/h2c") == 0);
}

static void exchange_mirror_send(gs_gw_exchange *ex, const gs_rt_mirror *m)
{
    gs_gw_runtime *rt = ex->rt;
    if (m->backend.state != GS_RT_BACKEND_OK)
        return;
    if (!gs_gw_rng_sample(&rt->rng, m->numerator, m->denominator))
        return;
    gs_gw_service *svc =
        gs_gw_endpoints_find(rt->endpoints, m->backend.namespace, m->backend.name, m->backend.port);
    const gs_gw_endpoint *ep = gs_gw_service_next(svc);
    if (ep == NULL) {
        rt->counters.mirrors_no_endpoint++;
        return;
    }
    /* The cap bounds memory, not speed: mirrors never slow the primary, so a mirror backend
     * slower than the traffic would otherwise pile up copies without limit. */
    if (rt->mirrors_in_flight >= rt->limits.max_mirrors_in_flight) {
        rt->counters.mirrors_dropped++;
        return;
    }
    exchange_mirror *mc = gs_xcalloc(1, sizeof(*mc));
    mc->rt = rt;
    gs_gw_request_copy(&mc->req, &ex->req);
    if (ex->grpc)
        gs_gw_headers_set(&mc->req.headers, "te", "trailers");
    mc->timer = evtimer_new(rt->base, on_mirror_timeout, mc);
    struct timeval tv = {(time_t)(rt->limits.default_timeout_ms / 1000),
                         (suseconds_t)(rt->limits.default_timeout_ms % 1000) * 1000};
    evtimer_add(mc->timer, &tv);
    rt->mirrors_in_flight++;
    rt->counters.mirrors_sent++;
    gs_gw_upstream_send(rt->upstream, ep, exchange_backend_h2(&m->backend, ex->grpc),
                        m->backend.tls, exchange_client_cert(ex), &mc->req, on_mirror_done, mc,
                        &mc->call);
}

static void exchange_rewrite(gs_gw_exchange *ex, const gs_rt_rewrite *rw)
{
    if (rw->hostname) {
        free(ex->req.authority);
        ex->req.authority = gs_xstrdup(rw->hostname);
    }
    if (rw->path.type == GS_RT_PATH_KEEP)
        return;
    const char *query = NULL;
    size_t plen = gs_gw_path_split(ex->req.target, &query);
    if (ex->path_as_matched == NULL)
        ex->path_as_matched = gs_xstrndup(ex->req.target, plen);
    gs_gw_path_mod mod = {rw->path.type == GS_RT_PATH_REPLACE_FULL ? GS_GW_PATH_MOD_FULL
                                                                   : GS_GW_PATH_MOD_PREFIX,
                          rw->path.value};
    /* A prefix replacement always starts from the path as matched, so a backendRef-level
     * rewrite after the rule's never cuts the matched prefix's length out of a new path. */
    char *path = gs_gw_path_apply(&mod, ex->path_as_matched, strlen(ex->path_as_matched),
                                  ex->res.matched_prefix);
    char *target = query ? gs_xasprintf("%s?%s", path, query) : gs_xstrdup(path);
    free(path);
    free(ex->req.target);
    ex->req.target = target;
}

static void exchange_redirect(gs_gw_exchange *ex, const gs_rt_redirect *rd)
{
    gs_gw_redirect r = {
        .scheme = rd->scheme,
        .hostname = rd->hostname,
        .port = rd->port,
        .path = {rd->path.type == GS_RT_PATH_REPLACE_FULL     ? GS_GW_PATH_MOD_FULL
                 : rd->path.type == GS_RT_PATH_REPLACE_PREFIX ? GS_GW_PATH_MOD_PREFIX
                                                              : GS_GW_PATH_MOD_NONE,
                 rd->path.value},
        .status_code = rd->status_code,
    };
    gs_gw_redirect_request rq = {ex->scheme,     ex->req.authority,     ex->listener_port,
                                 ex->req.target, ex->res.matched_prefix, ex->path_as_matched};
    char *loc = gs_gw_redirect_location(&r, &rq);
    gs_gw_response_clear(&ex->resp);
    ex->resp.status = gs_gw_redirect_status(&r);
    gs_gw_headers_add(&ex->resp.headers, "location", loc);
    gs_gw_headers_add(&ex->resp.headers, "content-length", "0");
    free(loc);
    exchange_finish_filters(ex);
    exchange_deliver(ex);
}

/* Runs |filters| in list order. Returns true when a filter answered (the exchange is gone). */
static bool exchange_run_filters(gs_gw_exchange *ex, const gs_rt_filter *filters, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const gs_rt_filter *f = &filters[i];
        switch (f->type) {
        case GS_RT_FILTER_REQUEST_HEADER_MODIFIER:
            gs_gw_header_mod_apply_rt(&f->header_mod, &ex->req.headers);
            break;
        case GS_RT_FILTER_RESPONSE_HEADER_MODIFIER:
            if (ex->n_resp_mods < EXCHANGE_MAX_RESP_MODS)
                ex->resp_mods[ex->n_resp_mods++] = &f->header_mod;
            break;
        case GS_RT_FILTER_REQUEST_REDIRECT:
            exchange_redirect(ex, &f->redirect);
            return true;
        case GS_RT_FILTER_URL_REWRITE:
            exchange_rewrite(ex, &f->rewrite);
            break;
        case GS_RT_FILTER_REQUEST_MIRROR:
            exchange_mirror_send(ex, &f->mirror);
            break;
        case GS_RT_FILTER_CORS: {
            gs_gw_cors c = {f->cors.allow_origins,     f->cors.n_allow_origins,
                            f->cors.allow_methods,     f->cors.n_allow_methods,
                            f->cors.allow_headers,     f->cors.n_allow_headers,
                            f->cors.expose_headers,    f->cors.n_expose_headers,
                            f->cors.allow_credentials, f->cors.max_age};
            gs_gw_headers_reset(&ex->cors_out);
            gs_gw_cors_action a =
                gs_gw_cors_eval(&c, ex->req.method, &ex->req.headers, &ex->cors_out);
            if (a == GS_GW_CORS_PREFLIGHT || a == GS_GW_CORS_PREFLIGHT_DENY) {
                gs_gw_response_clear(&ex->resp);
                ex->resp.status = 200;
                for (size_t k = 0; k < ex->cors_out.len; k++)
                    gs_gw_headers_add(&ex->resp.headers, ex->cors_out.items[k].name,
                                      ex->cors_out.items[k].value);
                gs_gw_headers_add(&ex->resp.headers, "content-length", "0");
                ex->cors_actual = false;
                exchange_finish_filters(ex);
                exchange_deliver(ex);
                return true;
            }
            ex->cors_actual = a == GS_GW_CORS_ACTUAL;
            break;
        }
        case GS_RT_FILTER_EXTENSION_REF:
            exchange_answer(ex, 500, GRPC_INTERNAL, "unresolved ExtensionRef filter");
            return true;
        }
    }
    return false;
}

static void exchange_arm(gs_gw_exchange *ex)
{
    gs_gw_timer_set(&ex->timer, ex->timeout_ms);
}

/* Fires when a streamed upstream response's head arrived. */
static void on_exchange_head(void *arg, gs_gw_response *resp)
{
    gs_gw_exchange *ex = arg;
    gs_gw_response_clear(&ex->resp);
    ex->resp.status = resp->status;
    ex->resp.headers = resp->headers;
    memset(&resp->headers, 0, sizeof(resp->headers));
    gs_gw_forwarded_strip_hop(&ex->resp.headers); /* Content-Length stays: it frames the body */
    exchange_finish_filters(ex);
    exchange_set_state(ex, EXCHANGE_STREAMING);
    int cls = ex->resp.status / 100;
    if (cls >= 1 && cls <= 5)
        ex->rt->counters.responses_by_class[cls]++;
    if (ex->timer.ev && ex->timer_idle)
        exchange_arm(ex);
    if (ex->sink)
        ex->sink->on_head(ex->arg, &ex->resp);
}

/* Fires for each piece of a streamed body. */
static void on_exchange_data(void *arg, const char *data, size_t len)
{
    gs_gw_exchange *ex = arg;
    if (ex->timer.ev && ex->timer_idle)
        exchange_arm(ex);
    if (ex->sink)
        ex->sink->on_data(ex->arg, data, len);
}

/* Fires when the upstream took streamed request body bytes. */
static void on_exchange_body_taken(void *arg, size_t len)
{
    gs_gw_exchange *ex = arg;
    if (ex->sink && ex->sink->on_body_taken)
        ex->sink->on_body_taken(ex->arg, len);
}

static const gs_gw_upstream_stream exchange_stream_ops = {on_exchange_head, on_exchange_data,
                                                          on_exchange_body_taken};

/* Ends a streamed response: the body is complete (0) or was cut short. */
static void exchange_end_stream(gs_gw_exchange *ex, gs_gw_headers *trailers, int err)
{
    if (ex->sink)
        ex->sink->on_end(ex->arg, trailers, err);
    exchange_end(ex);
}

/* Ends a streamed gRPC response with the gateway's own status in the trailers. */
static void exchange_end_grpc(gs_gw_exchange *ex, int grpc_status, const char *msg)
{
    gs_gw_headers tr = {0};
    char st[16];
    snprintf(st, sizeof(st), "%d", grpc_status);
    gs_gw_headers_add(&tr, "grpc-status", st);
    gs_gw_headers_add(&tr, "grpc-message", msg);
    exchange_end_stream(ex, &tr, 0);
    gs_gw_headers_clear(&tr);
}

static bool exchange_retry(gs_gw_exchange *ex, bool failed, int status);

static void on_exchange_upstream(void *arg, int err, gs_gw_response *resp)
{
    gs_gw_exchange *ex = arg;
    ex->call = NULL;
    bool streaming = ex->state == EXCHANGE_STREAMING;
    if (!streaming && exchange_retry(ex, err != 0, resp ? resp->status : 0))
        return;
    if (streaming) {
        if (err)
            ex->rt->counters.upstream_errors++;
        if (err && ex->grpc) { /* a gRPC client gets a status, not a broken stream */
            exchange_end_grpc(ex, GRPC_UNAVAILABLE, "upstream connection failed");
            return;
        }
        exchange_end_stream(ex, err || resp == NULL ? NULL : &resp->trailers, err);
        return;
    }
    if (err) {
        ex->rt->counters.upstream_errors++;
        /* After a retry policy's last try: 503, the backend is unavailable (what Envoy answers,
         * and what upstream's HTTPRouteRetryConnectionError accepts, with 500); one broken try
         * is a bad gateway. */
        if (ex->res.rule->retry.set)
            exchange_answer(ex, 503, GRPC_UNAVAILABLE, "upstream connection failed on every try");
        else if (err == GS_ERR_NOT_FOUND)
            exchange_answer(ex, 502, GRPC_UNAVAILABLE,
                            "WebSocket to an HTTP/2 backend: its SETTINGS do not enable extended "
                            "CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL, RFC 8441)");
        else if (err == GS_ERR_TLS)
            exchange_answer(ex, 502, GRPC_UNAVAILABLE,
                            "TLS to the backend failed: its certificate did not verify against "
                            "the BackendTLSPolicy (CA, hostname or subjectAltNames)");
        else
            exchange_answer(ex, 502, GRPC_UNAVAILABLE, "upstream connection failed");
        return;
    }
    gs_gw_response_clear(&ex->resp);
    ex->resp = *resp;
    memset(resp, 0, sizeof(*resp));
    gs_gw_forwarded_strip_hop(&ex->resp.headers);
    /* The body is buffered: the downstream side writes its own length, except for HEAD where
     * the upstream's Content-Length describes the body a GET would get. */
    if (strcmp(ex->req.method, "HEAD") != 0)
        gs_gw_headers_remove(&ex->resp.headers, "content-length");
    exchange_finish_filters(ex);
    exchange_deliver(ex);
}

/* Fires when the request (or backend request) timeout expires. */
static void on_exchange_timeout(void *arg)
{
    gs_gw_exchange *ex = arg;
    ex->rt->counters.timeouts++;
    gs_gw_upstream_cancel(ex->call);
    ex->call = NULL;
    if (ex->state == EXCHANGE_STREAMING) { /* too late for a 504: cut the response */
        exchange_end_stream(ex, NULL, GS_ERR_TIMEOUT);
        return;
    }
    exchange_answer(ex, 504, GRPC_DEADLINE_EXCEEDED, "upstream request timeout");
}

static int64_t exchange_timeout_ms(const gs_gw_exchange *ex)
{
    const gs_rt_rule *rule = ex->res.rule;
    int64_t t = rule->request_timeout_ms;
    int64_t b = rule->backend_request_timeout_ms;
    if (t == GS_RT_TIMEOUT_UNSET)
        t = b == GS_RT_TIMEOUT_UNSET ? ex->rt->limits.default_timeout_ms : 0;
    if (b != GS_RT_TIMEOUT_UNSET && b > 0 && (t == 0 || b < t))
        t = b;
    return t; /* 0: disabled */
}

static void exchange_proceed(gs_gw_exchange *ex);
static void exchange_try(gs_gw_exchange *ex);
static void on_exchange_try_timeout(void *arg);

/* True when |rule| or one of its backendRefs has a RequestMirror filter. */
static bool exchange_rule_mirrors(const gs_rt_rule *rule)
{
    for (size_t i = 0; i < rule->n_filters; i++)
        if (rule->filters[i].type == GS_RT_FILTER_REQUEST_MIRROR)
            return true;
    for (size_t b = 0; b < rule->n_backends; b++)
        for (size_t i = 0; i < rule->backends[b].n_filters; i++)
            if (rule->backends[b].filters[i].type == GS_RT_FILTER_REQUEST_MIRROR)
                return true;
    return false;
}

static void exchange_route(gs_gw_exchange *ex, const gs_gw_exchange_source *src)
{
    gs_gw_runtime *rt = ex->rt;
    gs_gw_request *req = &ex->req;
    gs_rt_header *hdrs = gs_xcalloc(req->headers.len + 1, sizeof(*hdrs));
    for (size_t i = 0; i < req->headers.len; i++) {
        hdrs[i].name = req->headers.items[i].name;
        hdrs[i].name_len = req->headers.items[i].name_len;
        hdrs[i].value = req->headers.items[i].value;
        hdrs[i].value_len = req->headers.items[i].value_len;
    }
    gs_rt_request rq = {
        .sni = src->sni,
        .host = req->authority,
        .host_len = req->authority ? strlen(req->authority) : 0,
        .method = req->method,
        .method_len = strlen(req->method),
        .path = req->target,
        .path_len = strlen(req->target),
        .headers = hdrs,
        .n_headers = req->headers.len,
    };
    int rc = gs_route_table_lookup(ex->snap->table, src->port, &rq, &ex->res);
    free(hdrs);
    if (rc < 0) {
        exchange_answer(ex, 500, GRPC_INTERNAL, "route table lookup failed");
        return;
    }
    if (ex->res.listener)
        ex->listener_port = ex->res.listener->port;
    switch (ex->res.outcome) {
    case GS_RT_NO_LISTENER:
        exchange_answer(ex, 404, GRPC_UNIMPLEMENTED, "no listener for this host");
        return;
    case GS_RT_MISDIRECTED:
        exchange_answer(ex, 421, GRPC_UNAVAILABLE, "misdirected request");
        return;
    case GS_RT_NO_ROUTE:
        exchange_answer(ex, 404, GRPC_UNIMPLEMENTED, "no route");
        return;
    case GS_RT_MATCHED:
        break;
    }
    const gs_rt_rule *rule = ex->res.rule;

    /* What every upstream (and mirror) sees, before the route's own filters run. */
    gs_gw_forwarded_strip_hop(&req->headers);
    gs_gw_headers_remove(&req->headers, "expect"); /* the body is already here */
    gs_gw_forwarded_add(&req->headers, src->client_ip ? src->client_ip : "unknown", ex->scheme);

    ex->timeout_ms = exchange_timeout_ms(ex);
    ex->timer_idle = rule->request_timeout_ms == GS_RT_TIMEOUT_UNSET &&
                     rule->backend_request_timeout_ms == GS_RT_TIMEOUT_UNSET;
    if (rule->retry.set) { /* a whole-request deadline over every try (gs_gw_retry.h) */
        gs_gw_retry_deadlines(rule, rt->limits.default_timeout_ms, &ex->timeout_ms, &ex->try_ms);
        ex->timer_idle = false;
    }
    if (ex->timeout_ms > 0) {
        gs_gw_timer_init(&ex->timer, rt->base, on_exchange_timeout, ex);
        exchange_arm(ex);
    }
    /* A streamed body (an HTTP/1.1 body, or a gRPC call's over HTTP/2) goes upstream as it
     * comes, unless a mirror needs a copy of it: then it is buffered whole first. */
    if (req->body_open && (exchange_rule_mirrors(rule) || rule->retry.set)) {
        exchange_set_state(ex, EXCHANGE_BODY_WAIT);
        return;
    }
    exchange_proceed(ex);
}

/* The rule's filters, the backend choice, its filters and the upstream call. */
static void exchange_proceed(gs_gw_exchange *ex)
{
    gs_gw_runtime *rt = ex->rt;
    const gs_rt_rule *rule = ex->res.rule;
    if (exchange_run_filters(ex, rule->filters, rule->n_filters))
        return;
    int pick = gs_rt_rule_pick_backend(rule, (uint32_t)gs_gw_rng_next(&rt->rng));
    if (pick < 0) {
        exchange_answer(ex, 500, GRPC_UNAVAILABLE,
                        "no backend (all weights zero or no backendRefs)");
        return;
    }
    const gs_rt_backend *b = &rule->backends[pick];
    if (b->state != GS_RT_BACKEND_OK) {
        exchange_answer(ex, 500, GRPC_UNAVAILABLE, gs_rt_backend_state_reason(b->state));
        return;
    }
    if (exchange_run_filters(ex, b->filters, b->n_filters))
        return;
    ex->backend = b;
    exchange_try(ex);
}

/* One try of the request to the chosen backendRef, at its Service's next endpoint. */
static void exchange_try(gs_gw_exchange *ex)
{
    gs_gw_runtime *rt = ex->rt;
    gs_gw_request *req = &ex->req;
    const gs_rt_backend *b = ex->backend;
    bool retries = ex->res.rule->retry.set;
    ex->tries++;
    gs_gw_service *svc = gs_gw_endpoints_find(rt->endpoints, b->namespace, b->name, b->port);
    const gs_gw_endpoint *ep = gs_gw_service_next(svc);
    if (ep == NULL) {
        /* Name the Service: a missing --backend is then found from one response. */
        char msg[600];
        snprintf(msg, sizeof(msg), "no endpoints for the Service %s/%s port %u", b->namespace,
                 b->name, (unsigned)b->port);
        exchange_answer(ex, 503, GRPC_UNAVAILABLE, msg);
        return;
    }
    bool h2 = exchange_backend_h2(b, ex->grpc);
    if (h2 && req->upgrade && exchange_upgrade_is_websocket(req->upgrade)) {
        /* A WebSocket (an HTTP/1.1 Upgrade, or an HTTP/2 extended CONNECT made one by the
         * HTTP/2 side) to an HTTP/2 backend goes as an extended CONNECT (gs_gw_upstream_ws.c),
         * whose answer carries no Sec-WebSocket-Accept: the gateway makes it from the key. */
        const char *why = exchange_ws_h2_refusal(req);
        if (why) {
            exchange_answer(ex, 400, GRPC_INTERNAL, why);
            return;
        }
        free(req->upgrade);
        req->upgrade = gs_xstrdup("websocket");
    }
    if (h2 && req->upgrade && strcmp(req->upgrade, "websocket") != 0) {
        /* no other upgrade over HTTP/2 upstreams: an ordinary request */
        free(req->upgrade);
        req->upgrade = NULL;
    }
    if (ex->grpc)
        gs_gw_headers_set(&req->headers, "te", "trailers");
    /* Before sending: the upstream may call back before gs_gw_upstream_send_stream returns. */
    exchange_set_state(ex, EXCHANGE_UPSTREAM);
    /* A rule with retry buffers the response: whether to try again is decided on its status,
     * before anything reaches the client. */
    gs_gw_upstream_send_stream(rt->upstream, ep, h2, b->tls, exchange_client_cert(ex), req,
                               ex->sink->on_head && !retries ? &exchange_stream_ops : NULL,
                               on_exchange_upstream, ex, &ex->call);
    /* ex->call is NULL when the call already ended; else its tries are the policy's to count. */
    if (retries)
        gs_gw_upstream_set_every_try_counts(ex->call, true);
    if (retries && ex->try_ms > 0) {
        if (ex->try_timer.ev == NULL)
            gs_gw_timer_init(&ex->try_timer, rt->base, on_exchange_try_timeout, ex);
        gs_gw_timer_set(&ex->try_timer, ex->try_ms);
    }
}

/* Fires when the backoff before the next try is over. */
static void on_exchange_backoff(void *arg)
{
    exchange_try(arg);
}

/* After a try ended (a connection error, a try timeout: |failed|; else a response of |status|):
 * when the rule's retry policy says so, schedules the next try after the backoff and returns
 * true; the caller then drops that try's outcome. */
static bool exchange_retry(gs_gw_exchange *ex, bool failed, int status)
{
    const gs_rt_retry *r = &ex->res.rule->retry;
    if (!gs_gw_retry_again(r, ex->tries, failed, status))
        return false;
    gs_gw_timer_stop(&ex->try_timer);
    exchange_set_state(ex, EXCHANGE_BACKOFF);
    ex->rt->counters.retries++;
    if (ex->backoff_timer.ev == NULL)
        gs_gw_timer_init(&ex->backoff_timer, ex->rt->base, on_exchange_backoff, ex);
    gs_gw_timer_set(&ex->backoff_timer, r->backoff_ms); /* 0: on the next loop turn */
    return true;
}

/* Fires when one try took longer than timeouts.backendRequest (rules with retry). */
static void on_exchange_try_timeout(void *arg)
{
    gs_gw_exchange *ex = arg;
    gs_gw_upstream_cancel(ex->call);
    ex->call = NULL;
    if (exchange_retry(ex, true, 0))
        return;
    ex->rt->counters.timeouts++;
    exchange_answer(ex, 504, GRPC_DEADLINE_EXCEEDED, "upstream request timeout");
}

void gs_gw_exchange_start(gs_gw_runtime *rt, gs_gw_snapshot *snap, const gs_gw_exchange_source *src,
                          gs_gw_request *req, const gs_gw_sink *sink, void *arg,
                          gs_gw_exchange **out)
{
    gs_gw_exchange *ex = gs_xcalloc(1, sizeof(*ex));
    ex->rt = rt;
    ex->snap = gs_gw_snapshot_ref(snap);
    ex->req = *req;
    memset(req, 0, sizeof(*req));
    ex->sink = sink;
    ex->arg = arg;
    ex->grpc = gs_gw_request_is_grpc(&ex->req);
    ex->scheme = src->port->protocol == GS_RT_PROTO_HTTPS ? "https" : "http";
    ex->listener_port = src->port->port;
    rt->exchanges_in_flight++;
    rt->counters.requests++;
    /* exchange_route may answer at once, and the response callback may free the caller (and
     * its |*out|): an exchange that ended here is freed here, and |*out| written only when it
     * still runs. */
    ex->in_start = true;
    exchange_route(ex, src);
    ex->in_start = false;
    if (ex->state == EXCHANGE_DONE)
        exchange_free(ex);
    else if (out)
        *out = ex;
}

void gs_gw_exchange_body(gs_gw_exchange *ex, const char *data, size_t len, bool end)
{
    if (ex == NULL || !ex->req.body_open)
        return;
    bool waiting = ex->state == EXCHANGE_BODY_WAIT;
    if (ex->timer.ev && ex->timer_idle && !waiting)
        exchange_arm(ex); /* the default timeout measures inactivity: the client is active */
    if (ex->call && !waiting) {
        if (end)
            ex->req.body_open = false;
        gs_gw_upstream_send_body(ex->call, data, len, end);
        return;
    }
    if (ex->req.body.len + len > ex->rt->limits.max_request_body) {
        exchange_answer(ex, 413, GRPC_RESOURCE_EXHAUSTED, "request body too large");
        return;
    }
    gs_buf_append(&ex->req.body, data, len);
    if (len && ex->sink && ex->sink->on_body_taken)
        ex->sink->on_body_taken(ex->arg, len);
    if (!end)
        return;
    ex->req.body_open = false;
    if (waiting) {
        exchange_set_state(ex, EXCHANGE_ROUTING);
        exchange_proceed(ex);
    }
}

void gs_gw_exchange_pause(gs_gw_exchange *ex, bool paused)
{
    if (ex)
        gs_gw_upstream_pause(ex->call, paused);
}

void gs_gw_exchange_cancel(gs_gw_exchange *ex)
{
    if (ex == NULL)
        return;
    ex->sink = NULL;
    exchange_end(ex);
}
