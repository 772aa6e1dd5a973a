/* SPDX-License-Identifier: MIT */
/* The traffic engine: synthetic HTTP/1.1, h2c, HTTP/2 over TLS and gRPC unary clients driven in
 * a closed loop (connections x streams) or an open loop (a fixed rate timed from each request's
 * intended send time), on worker threads with one event base each. It measures and classifies
 * every response (latency histograms, status, backend, error class) and hands each one to an
 * optional callback; it never judges pass or fail. Memory stays flat however long the run. */
#ifndef GS_TRAFFIC_H
#define GS_TRAFFIC_H

#include "gs_error.h"
#include "gs_histogram.h"
#include "gs_json.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum gs_traffic_protocol {
    GS_TRAFFIC_HTTP1 = 0, /* HTTP/1.1, plain or over TLS (ALPN http/1.1) */
    GS_TRAFFIC_H2C,       /* HTTP/2 over cleartext with prior knowledge */
    GS_TRAFFIC_HTTP2,     /* HTTP/2 over TLS (ALPN h2) */
    GS_TRAFFIC_GRPC,      /* gRPC unary over HTTP/2, cleartext or TLS (see gs_traffic_config.tls) */
    /* Layer 4 (traffic_l4.c): each request is one connection (TCP, TLS) or one datagram from a
     * fresh source port (UDP) carrying one line, the request id, and answered by one line of
     * JSON naming the backend (gatesim-echo's layer-4 listeners, docs/echo.md). */
    GS_TRAFFIC_TCP,
    GS_TRAFFIC_UDP,
    GS_TRAFFIC_TLS, /* TLS over TCP with SNI from the authority and ALPN from |alpn|, no HTTP */
    /* WebSocket (traffic_ws.c): each request is one connection carrying an HTTP/1.1 Upgrade
     * (over TLS with |tls|) and, after a 101 with the right Sec-WebSocket-Accept, every message
     * of |ws_messages|, each awaited back unchanged (an echo) before the next; then a close.
     * The response's status is the handshake's; a wrong 101 or echo is a protocol error.
     * With |ws_h2| the WebSocket rides on HTTP/2 instead (RFC 8441, traffic_ws_h2.c). */
    GS_TRAFFIC_WEBSOCKET,
} gs_traffic_protocol;

/* True for GS_TRAFFIC_TCP, GS_TRAFFIC_UDP and GS_TRAFFIC_TLS. */
bool gs_traffic_protocol_is_l4(gs_traffic_protocol p);

/* Why a request got no usable response. GS_TRAFFIC_OK means a complete response arrived,
 * whatever its status. */
typedef enum gs_traffic_error {
    GS_TRAFFIC_OK = 0,
    GS_TRAFFIC_ERR_CONNECT,  /* refused, unreachable, connect timeout, name resolution */
    GS_TRAFFIC_ERR_TLS,      /* handshake failed, untrusted certificate, ALPN not agreed */
    GS_TRAFFIC_ERR_TIMEOUT,  /* no complete response within the request timeout */
    GS_TRAFFIC_ERR_PROTOCOL, /* malformed response, HTTP/2 protocol error, bad gRPC framing */
    GS_TRAFFIC_ERR_RESET,    /* connection closed or reset mid-exchange, RST_STREAM, GOAWAY */
    GS_TRAFFIC_ERR_COUNT,
} gs_traffic_error;

/* "connect", "tls", "timeout", "protocol", "reset" ("ok" for GS_TRAFFIC_OK). */
const char *gs_traffic_error_name(gs_traffic_error e);
/* "http1", "h2c", "http2", "grpc", "tcp", "udp", "tls", "websocket"; and back (returns 0 or GS_ERR_INVALID). */
const char *gs_traffic_protocol_name(gs_traffic_protocol p);
int gs_traffic_protocol_parse(const char *s, gs_traffic_protocol *out);

/* A header field, NUL-terminated name and value. */
typedef struct gs_traffic_header {
    const char *name;
    const char *value;
} gs_traffic_header;

typedef struct gs_traffic_response gs_traffic_response;

/* A WebSocket message (GS_TRAFFIC_WEBSOCKET), sent as one frame. */
typedef struct gs_traffic_ws_message {
    bool binary; /* else text */
    const void *data;
    size_t len;
} gs_traffic_ws_message;

/* One interval of a run's timeline (gs_traffic_config.on_interval): the measured responses
 * that completed in [start_s, start_s + length_s) after measurement started. */
typedef struct gs_traffic_interval {
    uint64_t index;             /* 0, 1, 2, ... in order, none skipped (empty ones included) */
    double start_s, length_s;   /* from the start of measurement; the last one may be shorter */
    double base_unix_s;         /* wall-clock time when measurement started */
    const gs_histogram *latency; /* corrected latency of the interval's responses (borrowed) */
    const gs_histogram *service; /* uncorrected (borrowed) */
} gs_traffic_interval;

/* Called once per finished request (response or error), on the worker thread that ran it,
 * unless gs_traffic_config.serialize_callbacks is set (then calls never overlap, but still
 * come from the worker threads). |resp| and everything it points to are borrowed for the
 * duration of the call only. Must not block for long: it delays that worker's traffic. */
typedef void (*gs_traffic_on_response)(const gs_traffic_response *resp, void *user);

typedef struct gs_traffic_config {
    /* Where to connect: "host:port" (IPv6 as "[::1]:443"); the URL's authority or --connect-to.
     * Required. Names are resolved once, before the run. */
    const char *address;
    gs_traffic_protocol protocol;
    bool tls;              /* implied by GS_TRAFFIC_HTTP2; optional for HTTP1 and GRPC */
    const char *method;    /* default "GET" ("POST" for gRPC) */
    const char *authority; /* Host / :authority; default |address| */
    const char *path;      /* default "/" ; for gRPC default "/<grpc_service>/<grpc_method>" */
    const gs_traffic_header *headers; /* extra request headers, borrowed; repeats allowed */
    size_t num_headers;
    const void *body; /* request body (for gRPC: one message, framed by the engine); borrowed */
    size_t body_len;
    const char *grpc_service; /* "pkg.Service"; with grpc_method builds the path */
    const char *grpc_method;

    unsigned connections; /* total across threads; default 1 */
    unsigned streams;     /* in flight per connection: HTTP/2 streams, HTTP/1.1 pipeline depth;
                             default 1 */
    unsigned threads;     /* worker threads, each with its own event base and a share of the
                             connections, requests and rate; default 1, at most |connections| */
    uint64_t requests;    /* measured requests to send (warm-up excluded); 0 = bounded by time */
    int64_t duration_ns;  /* measured duration; used when requests == 0 */
    double rate;          /* open loop: requests per second over all threads; 0 = closed loop */
    /* Open loop: the schedule ends at the end of the duration (or, with |requests|, one interval
     * after the last request was due); a request not started by then is counted as missed
     * (gs_traffic_result.missed) instead of being sent late. Off: every scheduled request is
     * sent, however late (what the scenario runner wants: exact request counts). */
    bool count_missed;
    int64_t warmup_ns;    /* traffic before measurement starts; not counted, callbacks flagged */
    bool new_connection_per_request;

    const char *ca_file; /* PEM CA bundle to trust; NULL = system store */
    bool insecure;       /* skip certificate verification (callers should say so loudly) */
    const char *sni;     /* TLS server name; default the host part of |authority| */
    /* TLS client certificate presented when the server asks: |cert_file| PEM (leaf, then its
     * chain) and |key_file| PEM (NULL: the key is in |cert_file|); NULL: none */
    const char *cert_file;
    const char *key_file;
    const char *alpn;    /* GS_TRAFFIC_TLS: ALPN protocols offered, comma-separated; NULL none */
    /* GS_TRAFFIC_WEBSOCKET: the messages each connection sends and expects echoed, in order
     * (borrowed); none: the handshake alone. */
    const gs_traffic_ws_message *ws_messages;
    size_t num_ws_messages;
    /* GS_TRAFFIC_WEBSOCKET over HTTP/2 (RFC 8441): each connection (h2c prior knowledge, or
     * TLS with ALPN h2) waits for the server's SETTINGS_ENABLE_CONNECT_PROTOCOL, opens one
     * stream with an extended CONNECT (:protocol websocket) and, after a 2xx, carries the
     * frames in that stream's DATA. The response's status is the CONNECT's (200). */
    bool ws_h2;
    /* HTTP/2 other than gRPC: announce SETTINGS_HEADER_TABLE_SIZE 0, so the response headers
     * need no dynamic table on this side (a server indexing each response's fields, as nginx
     * does, costs the client an insert and an eviction per field otherwise). The server's
     * encoder must follow (RFC 7541 §4.2); grpc-core does not on every path, so gRPC keeps
     * the default 4096. `gatesim load` sets it; scenarios keep the usual client's table. */
    bool h2_no_header_table;
    /* Closed-loop HTTP/2 on plain TCP refills a connection's streams in batches (once half are
     * free, docs/traffic.md "Load models"): fewer, larger writes, which a CPU-bound server
     * answers faster. true: a request starts on every stream the moment it is freed, so all
     * of `streams` stay in flight (a latency-bound server with varied latencies is then driven
     * at exactly that concurrency, as h2load does). `gatesim load --refill eager`. */
    bool h2_refill_eager;

    int64_t connect_timeout_ns; /* default 5 s; TCP connect plus TLS handshake */
    int64_t request_timeout_ns; /* default 10 s; also sent as grpc-timeout */

    /* When set, each request carries "x-gatesim-request-id: <prefix><index>" (the index as in
     * gs_traffic_response.index), unique within the run. */
    const char *request_id_prefix;
    /* Sharding a run over processes (`gatesim load --shard I/N`): request indexes (and so ids)
     * become index * index_stride + index_offset, so N shards with stride N and offsets
     * 0..N-1 never share one. 0 = stride 1. */
    uint64_t index_stride, index_offset;

    gs_traffic_on_response on_response; /* optional */
    void *user;
    bool serialize_callbacks; /* hold a lock around every on_response call */
    size_t body_limit;        /* response body bytes kept for the callback; default 4096 */

    /* Optional: the run stops early (outstanding requests abandoned) once *cancel != 0; safe
     * to set from a signal handler. */
    volatile sig_atomic_t *cancel;
    /* Optional: called about every |progress_interval_ns| (default 1 s) on the thread that
     * called gs_traffic_run, with the requests completed so far and seconds elapsed. */
    void (*on_progress)(uint64_t done, uint64_t errors, double elapsed_s, void *user);
    int64_t progress_interval_ns;
    /* Optional: the run as a timeline of |interval_ns| long intervals (HdrHistogram's interval
     * log wants one a second). Called on the thread that called gs_traffic_run, in order, once
     * every worker is past the interval (the last ones when the run ends), from interval 0 to
     * the one holding the last measured completion. Errors are not in the histograms. */
    void (*on_interval)(const gs_traffic_interval *iv, void *user);
    int64_t interval_ns;
} gs_traffic_config;

/* What the callback sees of one finished request. */
struct gs_traffic_response {
    uint64_t index;           /* 0-based, unique within the run; a request the
                                 server did not process and that was sent again
                                 keeps its index (reported once) */
    uint64_t connection;      /* the connection (socket) that carried it: unique within the
                                 run, so responses sharing it shared a connection */
    const char *request_id;   /* the x-gatesim-request-id sent, or NULL */
    gs_traffic_error error;   /* GS_TRAFFIC_OK when a complete response arrived */
    bool warmup;              /* sent during warm-up: not counted in the result */
    int status;               /* HTTP status; 0 when error != OK and for layer 4 */
    const char *proto;        /* the response's version: "HTTP/1.0", "HTTP/1.1" or "HTTP/2";
                                 NULL when error != OK and for layer 4 */
    int grpc_status;          /* gRPC: from the trailers (or a trailers-only response), else mapped
                                 from the HTTP status (gs_grpc_code_from_http); -1 for other protocols
                                 and for errors */
    const char *grpc_message; /* percent-decoded grpc-message, or NULL */
    const char *backend;      /* x-gatesim-backend value ("ns/name/replica"), or NULL */
    const gs_traffic_header *headers; /* response headers in order, names lower case */
    size_t num_headers;
    const gs_traffic_header *trailers; /* HTTP/2 trailers (gRPC status lives here) */
    size_t num_trailers;
    const char *body;    /* the first min(body_len, body_limit) bytes; for gRPC the message
                            payload without the 5-byte prefix */
    size_t body_len;     /* bytes kept in |body| */
    uint64_t body_total; /* bytes of body received in all */
    int64_t intended_ns; /* when the request should have gone out (gs_now_ns clock) */
    int64_t sent_ns;     /* when it was handed to the connection (a request started on the
                            arrival of an answer shares that read's time) */
    int64_t latency_ns;  /* done - intended: corrected for coordinated omission */
    int64_t service_ns;  /* done - sent: uncorrected */
    unsigned worker;     /* worker thread that ran it */
    const char *detail;  /* for errors: a short human explanation, or NULL */
    /* GS_TRAFFIC_TLS: the server certificate the client saw: SHA-256 of its DER (lower-case
     * hex) and its subject (RFC 2253); NULL for other protocols or before the handshake. */
    const char *cert_sha256;
    const char *cert_subject;
};

/* A name and its count (statuses, backends, replicas, gRPC codes). */
typedef struct gs_traffic_count {
    char *name;
    uint64_t count;
} gs_traffic_count;

/* Counts keyed by name, at most GS_TRAFFIC_MAX_KEYS distinct names; further names are summed
 * under "other" so memory stays bounded. */
#define GS_TRAFFIC_MAX_KEYS 256
typedef struct gs_traffic_counts {
    gs_traffic_count *items;
    size_t len, cap;
} gs_traffic_counts;

uint64_t gs_traffic_counts_get(const gs_traffic_counts *c, const char *name);
/* Adds |n| under the |len| bytes at |name| (beyond GS_TRAFFIC_MAX_KEYS names: under "other"). */
void gs_traffic_counts_add(gs_traffic_counts *c, const char *name, size_t len, uint64_t n);
void gs_traffic_counts_merge(gs_traffic_counts *dst, const gs_traffic_counts *src);
void gs_traffic_counts_clear(gs_traffic_counts *c);

typedef struct gs_traffic_result {
    uint64_t requests;                     /* measured requests finished: responses + errors */
    uint64_t responses;                    /* complete responses, any status */
    uint64_t errors[GS_TRAFFIC_ERR_COUNT]; /* by class; [GS_TRAFFIC_OK] unused */
    uint64_t warmup_requests;              /* finished during warm-up, not counted above */
    uint64_t abandoned;                    /* still outstanding when the run was cut (cancel) */
    uint64_t scheduled; /* open loop: measured requests due within the run (or until cancel) */
    uint64_t missed;    /* open loop with count_missed: of those, never started (the client or
                           its connections could not keep up with the rate) */
    bool interrupted;   /* the run was cut by cfg.cancel */
    double start_unix_s; /* wall-clock time when measurement started (seconds since 1970) */
    /* Per error class, the explanations seen ("connection refused", "request timeout") and
     * how often; bounded like every gs_traffic_counts. */
    gs_traffic_counts error_texts[GS_TRAFFIC_ERR_COUNT];
    double duration_s;          /* measured window: warm-up end to last completion or deadline */
    double rps;                 /* requests / duration_s */
    double target_rps;          /* config rate, 0 in closed loop */
    gs_histogram *latency;      /* corrected (from intended send time), complete responses only */
    gs_histogram *service;      /* uncorrected (from actual send time) */
    gs_traffic_counts statuses; /* "200" -> n (empty for layer 4) */
    gs_traffic_counts grpc_statuses; /* "0" -> n */
    gs_traffic_counts backends;      /* Service "ns/name" (from x-gatesim-backend) -> n; a response
                                        without the header counts under "none" */
    gs_traffic_counts replicas;      /* full "ns/name/replica" -> n */
    gs_traffic_counts certificates;  /* GS_TRAFFIC_TLS: server certificate SHA-256 -> n */
    uint64_t connections_opened;
    uint64_t bytes_received;
    double cpu_user_s, cpu_system_s; /* process CPU over the run (getrusage) */
} gs_traffic_result;

/* Fills |cfg| with the defaults above (zeroing everything else). */
void gs_traffic_config_init(gs_traffic_config *cfg);

/* Runs the traffic |cfg| describes to completion (blocking the calling thread) and stores the
 * merged result in |*out| (free with gs_traffic_result_free). Network failures are data, counted
 * in the result; only bad configuration fails: GS_ERR_INVALID (address unresolvable, bad
 * protocol/TLS combination, no bound), GS_ERR_TLS (CA file unreadable). |cfg| is borrowed for
 * the run. */
int gs_traffic_run(const gs_traffic_config *cfg, gs_traffic_result **out, gs_error *err);

void gs_traffic_result_free(gs_traffic_result *r);

/* An empty result (histograms allocated), to merge others into. */
gs_traffic_result *gs_traffic_result_new(void);

/* Adds |src| to |dst| as if both runs were one: counts and histograms are summed (the
 * histograms hold the union of the samples), durations and CPU add up, rps is recomputed over
 * the summed duration; target_rps keeps |dst|'s unless it is 0. */
void gs_traffic_result_merge(gs_traffic_result *dst, const gs_traffic_result *src);

/* Writes the result as the JSON object of docs/cli.md ("requests", "durationSeconds", "rps",
 * "latencyMs" {p50,p90,p99,p999,max, ...}, "statuses", "backends", "errors", and more). */
void gs_traffic_result_write_json(const gs_traffic_result *r, gs_json *j);

/* What gs_traffic_result_write_fields adds to the fixed fields. */
typedef struct gs_traffic_json_opts {
    const double *percentiles; /* "percentilesMs": {"latency": {"99.9": ms, ...}, "service"} */
    size_t num_percentiles;
    bool histograms; /* "latencyHistogram" and "serviceHistogram" (see below) */
} gs_traffic_json_opts;

/* The histogram layout named in the JSON ("layout"): HdrHistogram's bucket structure for 1 ns
 * resolution, 3 significant digits, up to 2^44 ns (gs_histogram.h). A reader that meets
 * another layout must not merge the buckets. */
#define GS_TRAFFIC_HISTOGRAM_LAYOUT "hdr-1-3-44"

/* The members of the JSON object (no braces), so callers can add their own around them. A
 * histogram is {"unit": "ns", "layout", "count", "min", "max", "sum", "buckets": [[lowest
 * value, count], ...]} with only the non-empty buckets. |o| may be NULL. */
void gs_traffic_result_write_fields(const gs_traffic_result *r, const gs_traffic_json_opts *o,
                                    gs_json *j);

/* A URL for `gatesim load`: scheme http/https, host, optional port, path with query; or a
 * layer-4 target tcp://, udp://, tls:// with host and port and no path. */
typedef struct gs_traffic_url {
    char scheme[8]; /* lower case: "http", "https", "tcp", "udp", "tls" */
    bool layer4;    /* tcp, udp or tls */
    bool tls;       /* https or tls */
    char *host; /* without brackets */
    unsigned port;
    char *authority; /* host[:port] as written (port omitted when default) */
    char *address;   /* host:port to connect to ([v6]:port) */
    char *path;      /* "/" when empty */
} gs_traffic_url;

/* Parses |s|. Returns 0 or GS_ERR_INVALID with a message. Free with gs_traffic_url_clear. */
int gs_traffic_url_parse(const char *s, gs_traffic_url *out, gs_error *err);
void gs_traffic_url_clear(gs_traffic_url *u);

#endif
