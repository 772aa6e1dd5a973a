/* SPDX-License-Identifier: MIT */
/* Upstream clients of the gateway: HTTP/1.1 keep-alive pools and HTTP/2 (h2c) sessions, one
 * pool/session per endpoint, all on one event_base. A call sends a buffered request (HTTP/2: or
 * one whose body streams, gs_gw_upstream_send_body) and delivers
 * a buffered response to its callback exactly once, unless cancelled first. Timeouts belong to
 * the caller (it cancels); limits on the response size are enforced here. */
#ifndef GS_GW_UPSTREAM_H
#define GS_GW_UPSTREAM_H

#include "gs_gw_endpoints.h"
#include "gs_gw_msg.h"
#include "gs_route_table.h"

#include <openssl/x509.h>

#include <event2/event.h>
#include <stdbool.h>

typedef struct gs_gw_upstream gs_gw_upstream;
typedef struct gs_gw_upstream_call gs_gw_upstream_call;

/* Fires once when the call ends. |err| is 0 with |resp| filled (the callee may move its fields
 * out; the call frees what is left), GS_ERR_IO (connect failed or the connection broke before a
 * full response: answer 502), GS_ERR_RANGE (response over the limits: 502), GS_ERR_PROTOCOL
 * (malformed response: 502) or GS_ERR_NOT_FOUND (a WebSocket to an HTTP/2 backend whose
 * SETTINGS do not enable extended CONNECT: 502 saying so). The call is freed right after the
 * callback returns. */
typedef void (*gs_gw_upstream_on_done)(void *arg, int err, gs_gw_response *resp);

/* Streaming delivery of a response: |on_head| fires once with status and headers (the callee
 * may take fields), |on_data| with each piece of the body, and then |on_done| ends the call with
 * the trailers in its response (err != 0 after the head: the body was cut short). An HTTP/2
 * trailers-only response (HEADERS with END_STREAM) comes through |on_done| alone. The callbacks
 * may cancel the call, and may pause it (gs_gw_upstream_pause): over HTTP/1.1 reading stops,
 * over HTTP/2 the stream's flow-control window is no longer reopened, so at most one window
 * (gs_gw_upstream_pause_bytes) more arrives after the pause.
 * |on_head| is always followed, in the same event-loop turn, by |on_data| or |on_done|; an
 * |on_data| with |len| 0 is a flush point (nothing more for now), so a downstream may hold the
 * head back and send it with the first piece of body: one write for a small response. */
typedef struct gs_gw_upstream_stream {
    void (*on_head)(void *arg, gs_gw_response *resp);
    void (*on_data)(void *arg, const char *data, size_t len);
    /* Streamed request body (optional): |len| bytes given to gs_gw_upstream_send_body were handed
     * to the upstream connection (HTTP/2: put into DATA frames within the upstream's flow-control
     * window), so the caller may take that much more from its client. Never cancels. */
    void (*on_body_taken)(void *arg, size_t len);
} gs_gw_upstream_stream;

/* Counters, for logs and tests. */
typedef struct gs_gw_upstream_stats {
    uint64_t connects; /* new upstream connections */
    uint64_t reuses;   /* requests sent on a pooled HTTP/1.1 connection */
    uint64_t failures; /* calls that ended with an error */
    uint64_t pauses;   /* streamed calls paused by a slow downstream (HTTP/1.1 and HTTP/2) */
    uint64_t drained;  /* HTTP/1.1 connections of cancelled calls read to the end and pooled */
    uint64_t tls_failures; /* TLS connections to backends whose handshake or check failed */
} gs_gw_upstream_stats;

/* Creates the upstream side. Borrows |base| and |limits| for its lifetime. */
int gs_gw_upstream_new(gs_gw_upstream **out, struct event_base *base, const gs_gw_limits *limits);
/* Closes every connection; calls still pending (mirrors) end with GS_ERR_CLOSED. */
void gs_gw_upstream_free(gs_gw_upstream *u);

/* Sends |req| (borrowed until the call ends or is cancelled) to |ep| over HTTP/2 prior knowledge
 * when |h2| is true, else HTTP/1.1. A request with |upgrade| goes over HTTP/1.1 as an upgrade
 * (a 101 answer carries the connection as its |tunnel|); with |h2| its upgrade must be
 * websocket: it goes as an RFC 8441 extended CONNECT on a connection of its own, and a 2xx
 * comes back as a 101 with the Sec-WebSocket-Accept of the request's key and a |tunnel| that
 * relays to the stream (gs_gw_upstream_ws.c; a backend that does not enable extended CONNECT
 * fails the call with GS_ERR_NOT_FOUND). Then over TLS with the settings |tls| when not NULL (borrowed for
 * this call only; ALPN h2 or http/1.1), presenting |client_cert| (the Gateway's
 * spec.tls.backend.clientCertificateRef; NULL: none; borrowed for this call only) when the
 * backend asks for a certificate: a handshake or certificate check that fails ends the
 * call with GS_ERR_TLS before the request is sent. Writes a handle to |*call| (may be NULL for
 * fire-and-forget). Returns 0; errors are reported through |on_done| (possibly before this returns?
 * never: always from the event loop). */
int gs_gw_upstream_send(gs_gw_upstream *u, const gs_gw_endpoint *ep, bool h2,
                        const gs_rt_backend_tls *tls, const gs_rt_cert *client_cert,
                        const gs_gw_request *req, gs_gw_upstream_on_done on_done, void *arg,
                        gs_gw_upstream_call **call);

/* As gs_gw_upstream_send, delivering the response through |stream| (borrowed for the call). */
int gs_gw_upstream_send_stream(gs_gw_upstream *u, const gs_gw_endpoint *ep, bool h2,
                               const gs_rt_backend_tls *tls, const gs_rt_cert *client_cert,
                               const gs_gw_request *req, const gs_gw_upstream_stream *stream,
                               gs_gw_upstream_on_done on_done, void *arg,
                               gs_gw_upstream_call **call);

/* A streamed request body (the request was sent with |body_open|): appends |len| bytes (copied)
 * to what goes to the upstream after the request's |body|, and ends the body when |end| (client
 * trailers are not forwarded). HTTP/2: frames leave on the next loop turn; on_body_taken reports
 * the bytes as the upstream's flow control lets them go. HTTP/1.1: the head said Content-Length
 * when the request has that field, else Transfer-Encoding: chunked (each piece one chunk, 0 at
 * the end); on_body_taken reports bytes at once while the connection's output holds under
 * gs_gw_upstream_pause_bytes, else when it drains. Once the response head arrived (an early
 * answer) the rest is dropped and the connection is not reused. A call already failing drops
 * the bytes. NULL is fine. */
void gs_gw_upstream_send_body(gs_gw_upstream_call *call, const char *data, size_t len, bool end);

/* Backpressure for streamed calls: stop (true) or resume (false) taking the upstream's body.
 * HTTP/1.1 stops reading the connection. HTTP/2 keeps reading the session (other streams go on:
 * the connection window is released as data arrives) but holds back the paused stream's
 * WINDOW_UPDATE until the resume, so the upstream stops once its stream window is spent. */
void gs_gw_upstream_pause(gs_gw_upstream_call *call, bool paused);

/* How much response body a streaming downstream should let wait for its client before pausing
 * the call: 1 MiB, or a quarter of max_response_body when that is smaller. It is also the HTTP/2
 * upstream stream window once the call grew it (below), so a paused call queues at most about
 * twice this, well under the max_response_body cut. */
size_t gs_gw_upstream_pause_bytes(const gs_gw_limits *limits);

/* An HTTP/2 upstream stream's first window, or the pause size when that is smaller: the window
 * grows to the pause size only once the call has taken this much of its body without being
 * paused. So a downstream whose client stops taking data and that pauses its call within the
 * first half of this makes the upstream send at most this much, not a whole pause size of data
 * that would only wait in the gateway. */
#define GS_GW_UPSTREAM_FIRST_WINDOW (64u << 10)
size_t gs_gw_upstream_first_window(const gs_gw_limits *limits);

/* The HTTP/2 upstream connection's SETTINGS_INITIAL_WINDOW_SIZE (16 KiB, or the first window
 * when that is smaller). A stream whose request says its client is stalled
 * (gs_gw_request.client_stalled: a client announcing a zero window, the zero-window attack)
 * keeps it until its call took the first window; every other stream is given the first window
 * by a WINDOW_UPDATE that leaves with its HEADERS, so it waits for no round trip. */
#define GS_GW_UPSTREAM_STALLED_WINDOW (16u << 10)
size_t gs_gw_upstream_stalled_window(const gs_gw_limits *limits);

/* How much response body a streaming downstream should let wait, before pausing the call, for a
 * client that can take nothing now: a quarter of the stalled window (4 KiB), under half of it,
 * so what the call takes before its pause never makes the stream window reopen. */
size_t gs_gw_upstream_stalled_bytes(const gs_gw_limits *limits);

/* A request sent on a pooled HTTP/1.1 connection that the server closes before answering is
 * sent once more on a fresh connection (the server most likely closed the idle connection as
 * the request left). |every_try_counts| turns that off for |call|: a route's retry policy then
 * sees the failure and counts it as a try, as its attempts limit requires. NULL is fine. */
void gs_gw_upstream_set_every_try_counts(gs_gw_upstream_call *call, bool every_try_counts);

/* Abandons |call|: its callback will not fire. HTTP/2: its stream is reset. HTTP/1.1: when the
 * whole request is out (or queued) and the response can end without a close, the response is
 * read and dropped in the background and the connection pooled again (stats.drained); else the
 * connection is closed. NULL is fine. */
void gs_gw_upstream_cancel(gs_gw_upstream_call *call);

const gs_gw_upstream_stats *gs_gw_upstream_get_stats(const gs_gw_upstream *u);

/* Layer 4 (docs/l4.md, BackendTLSPolicy): a TLS client bufferevent connecting over |fd| (a
 * nonblocking socket whose connect is under way; owned on success) with settings |tls|,
 * presenting |client_cert| when not NULL (the Gateway's spec.tls.backend certificate): the
 * context HTTP calls with the same settings share, so the same chain and name checks run in the
 * handshake; SNI = the policy's hostname, no ALPN. BEV_EVENT_CONNECTED fires once the backend's
 * certificate passed. NULL when the context cannot be made (|fd| is then the caller's). */
struct bufferevent *gs_gw_upstream_tls_l4_bev(gs_gw_upstream *u, const gs_rt_backend_tls *tls,
                                              const gs_rt_cert *client_cert, int fd);

/* Whether leaf certificate |leaf| is acceptable for a BackendTLSPolicy: without SANs it must
 * name |hostname| (DNS rules: wildcards in the certificate, case-insensitive); with SANs it must
 * carry one of |san_hosts| (same rules) or one of |san_uris| (URI SAN, compared exactly). */
bool gs_gw_upstream_tls_names_ok(X509 *leaf, const char *hostname, const char *const *san_hosts,
                                 size_t n_san_hosts, const char *const *san_uris,
                                 size_t n_san_uris);

#endif
