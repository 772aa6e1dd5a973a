/* SPDX-License-Identifier: MIT */
/* One request through the gateway, whatever protocol it came in on: route lookup in the compiled
 * table, the rule's filters in list order (header modifiers, redirect, rewrite, mirror, CORS),
 * the weighted backend choice, the backendRef's filters, the upstream call with its timeout, and
 * the response filters. Answers 404/421/500/502/503/504 (or gRPC statuses) itself. */
#ifndef GS_GW_EXCHANGE_H
#define GS_GW_EXCHANGE_H

#include "gs_gw_runtime.h"

typedef struct gs_gw_exchange gs_gw_exchange;

/* Fires exactly once with the response to send (unless the exchange was cancelled). The callee
 * may move fields out of |resp| (leaving them zeroed); the exchange is freed right after. Returns
 * the status the client was answered, which the gateway's counters count: it can differ from
 * |resp|'s (an HTTP/2 client's WebSocket is answered 200 for the backend's 101, or 502). */
typedef int (*gs_gw_on_response)(void *arg, gs_gw_response *resp);

/* Where the response goes. |on_response| gets whole responses (the gateway's own answers and
 * buffered upstream ones). A downstream that can stream also sets the other three: then an
 * upstream's response (other than a trailers-only one) comes as |on_head| (status and headers after
 * the response filters; the callee may move fields out), |on_data| per piece of body, and |on_end|
 * (0, or an error when the body was cut short: the client must see a broken response). The exchange
 * is freed after |on_response| or |on_end| returns; any callback may cancel it. |on_head| is
 * followed in the same loop turn by |on_data| or |on_end|; |on_data| with |len| 0 is a flush
 * point (see gs_gw_upstream_stream). */
typedef struct gs_gw_sink {
    gs_gw_on_response on_response;
    void (*on_head)(void *arg, gs_gw_response *resp);
    void (*on_data)(void *arg, const char *data, size_t len);
    void (*on_end)(void *arg, gs_gw_headers *trailers, int err); /* trailers may be NULL or
                                                                    moved out */
    /* Streamed request bodies (optional): |len| bytes given to gs_gw_exchange_body were taken
     * (sent upstream, or buffered within max_request_body), so the downstream may let its client
     * send that much more. May fire inside gs_gw_exchange_body or later from the loop; never
     * ends the exchange. */
    void (*on_body_taken)(void *arg, size_t len);
} gs_gw_sink;

typedef struct gs_gw_exchange_source {
    const gs_rt_port *port; /* the listener port the request arrived on */
    const char *sni;        /* TLS server name, or NULL */
    const char *client_ip;  /* for X-Forwarded-For */
} gs_gw_exchange_source;

/* Starts handling |req| (ownership taken) with |snap| (a reference is taken). The response comes
 * through |on_response|, possibly before this function returns (immediate answers such as 404 or
 * redirects). Writes the handle to |*out| only when the exchange is still running on return (the
 * caller sets |*out| to NULL first; the callback may have freed the caller otherwise). */
void gs_gw_exchange_start(gs_gw_runtime *rt, gs_gw_snapshot *snap, const gs_gw_exchange_source *src,
                          gs_gw_request *req, const gs_gw_sink *sink, void *arg,
                          gs_gw_exchange **out);

/* More of a streamed request body (the request was started with |body_open|): |len| bytes, the
 * end when |end|. They go to the upstream call as they come (HTTP/1.1 or HTTP/2 upstreams); the
 * exchange buffers them instead (up to max_request_body, then 413 / RESOURCE_EXHAUSTED) and waits
 * for the whole body when the route mirrors the request. May end the exchange (through the sink)
 * before returning. NULL is fine. */
void gs_gw_exchange_body(gs_gw_exchange *ex, const char *data, size_t len, bool end);

/* Backpressure from a streaming downstream: stop (true) or resume (false) taking the upstream's
 * body (HTTP/1.1: reading stops; HTTP/2: the stream's window stays closed, see
 * gs_gw_upstream_pause). Pause once more than gs_gw_upstream_pause_bytes waits for the client. */
void gs_gw_exchange_pause(gs_gw_exchange *ex, bool paused);

/* The downstream went away: stop, without calling back. NULL is fine. */
void gs_gw_exchange_cancel(gs_gw_exchange *ex);

/* True when |req| is a gRPC call (content-type application/grpc...). */
bool gs_gw_request_is_grpc(const gs_gw_request *req);

#endif
