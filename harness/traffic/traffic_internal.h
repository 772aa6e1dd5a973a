/* SPDX-License-Identifier: MIT */
/* Private to harness/traffic: the run, its workers, their connections and request slots, and
 * the protocol-neutral ops (gs_proto_ops) that HTTP/1.1 and HTTP/2 implement. A worker owns its
 * event base, connections and statistics; nothing here is shared between workers while running
 * except the read-only run description and the callback lock. */
#ifndef TRAFFIC_INTERNAL_H
#define TRAFFIC_INTERNAL_H

#include "gs_buf.h"
#include "gs_chunked.h"
#include "gs_h1_response.h"
#include "gs_rate.h"
#include "gs_time.h"
#include "gs_traffic.h"

#include <event2/event.h>
#include <event2/bufferevent.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

/* nghttp2's allocator for the sessions of one worker (traffic_h2mem.c). */
#define GS_TRAFFIC_H2MEM_CLASSES 8 /* 32 B .. 4 KiB */
typedef struct gs_traffic_h2mem {
    nghttp2_mem mem; /* what nghttp2_session_client_new3 takes; user data = this */
    void *lists[GS_TRAFFIC_H2MEM_CLASSES];
    unsigned kept[GS_TRAFFIC_H2MEM_CLASSES];
} gs_traffic_h2mem;

void gs_traffic_h2mem_init(gs_traffic_h2mem *m);
/* Frees the cached blocks; the sessions using |m| must be gone. */
void gs_traffic_h2mem_clear(gs_traffic_h2mem *m);

/* Bytes one recv of a plain TCP socket may take (traffic_conn.c, on_conn_readable). */
#define TRAFFIC_RBUF_SIZE 65536

typedef struct traffic_run traffic_run;
typedef struct traffic_worker traffic_worker;
typedef struct traffic_conn traffic_conn;
typedef struct traffic_req traffic_req;

/* One request in flight (a slot of a connection). Reused; buffers keep their capacity. */
struct traffic_req {
    bool in_use;
    bool warmup;
    bool head_done;   /* final response head seen */
    bool complete;    /* response fully received (HTTP/2: END_STREAM seen) */
    bool in_trailers; /* HTTP/2: the HEADERS frame being received is the trailer section */
    size_t body_sent; /* HTTP/2: request body bytes handed to nghttp2 */
    uint64_t index;
    int64_t intended_ns, sent_ns, deadline_ns;
    int32_t stream_id; /* HTTP/2 */
    int status;
    int version;     /* of the final response: 10, 11 (HTTP/1.x) or 20; 0: none yet */
    int grpc_status; /* -1 when absent */
    gs_buf hstore;   /* with a callback: "name\0value\0" for headers, then trailers */
    size_t num_headers, num_trailers;
    gs_buf grpc_message; /* raw (percent-encoded) grpc-message */
    char backend[256];   /* x-gatesim-backend, NUL-terminated; "" when absent */
    gs_buf body;         /* with a callback: first body_limit bytes (gRPC: still framed) */
    uint64_t body_total;
    char id[96];       /* x-gatesim-request-id value, "" when none */
    unsigned attempts; /* times it was sent before (retries of unprocessed requests) */
};

/* A request the server provably did not process (HTTP/2 REFUSED_STREAM / beyond GOAWAY, or
 * pipelined behind a "Connection: close" response): sent again, keeping its identity. */
typedef struct traffic_retry {
    uint64_t index;
    int64_t intended_ns;
    bool warmup;
    unsigned attempts;
} traffic_retry;

typedef enum traffic_conn_state {
    TRAFFIC_CONN_IDLE = 0,   /* no socket */
    TRAFFIC_CONN_CONNECTING, /* TCP (and TLS) in progress; requests may already be queued */
    TRAFFIC_CONN_READY,
} traffic_conn_state;

/* The protocol half of a connection. Byte handlers never free the connection: they report
 * completions through gs_traffic_req_finish and failures by returning a gs_traffic_error, and the
 * caller closes afterwards. */
typedef struct gs_proto_ops {
    const char *name;
    /* A socket was just created for |c| (before connect): set up protocol state. */
    int (*on_open)(traffic_conn *c);
    /* Queue request |r| on |c|. Returns GS_TRAFFIC_OK or an error class. */
    gs_traffic_error (*submit)(traffic_conn *c, traffic_req *r);
    /* Bytes arrived in the bufferevent's input. Returns GS_TRAFFIC_OK or an error class
     * (the connection is then failed). */
    gs_traffic_error (*on_read)(traffic_conn *c);
    /* Optional: bytes just read from a plain socket while the input buffer is empty, taken
     * without copying them into it. Sets |*used| to what it consumed; the caller keeps the rest
     * in the input buffer for on_read. Returns GS_TRAFFIC_OK or an error class. */
    gs_traffic_error (*on_bytes)(traffic_conn *c, const char *data, size_t len, size_t *used);
    /* The peer closed: finish what EOF completes (until-close bodies). */
    void (*on_eof)(traffic_conn *c);
    /* Write what the protocol has pending (HTTP/2 frames). */
    gs_traffic_error (*flush)(traffic_conn *c);
    /* Request |r| passed its deadline. Returns true when the whole connection must go
     * (HTTP/1.1), false when the request alone was cancelled (HTTP/2 RST_STREAM). */
    bool (*expire)(traffic_conn *c, traffic_req *r);
    /* True when no new request may be queued now (HTTP/2 after GOAWAY). */
    bool (*draining)(const traffic_conn *c);
    /* Release protocol state; the socket is being closed. */
    void (*on_close)(traffic_conn *c);
} gs_proto_ops;

extern const gs_proto_ops gs_traffic_h1_ops;
extern const gs_proto_ops gs_traffic_h2_ops;
extern const gs_proto_ops gs_traffic_l4_ops; /* TCP, UDP and TLS line exchanges (traffic_l4.c) */
extern const gs_proto_ops gs_traffic_ws_ops; /* WebSocket handshake and echoes (traffic_ws.c) */
/* WebSocket over HTTP/2, RFC 8441 (traffic_ws_h2.c) */
extern const gs_proto_ops gs_traffic_ws_h2_ops;

struct traffic_conn {
    traffic_worker *w;
    unsigned id;
    struct bufferevent *bev;
    /* plain TCP: the socket's own read event (traffic_conn.c, on_conn_readable); the
     * bufferevent only connects and writes what the kernel pushed back */
    struct event *read_ev;
    traffic_conn_state state;
    int64_t connect_deadline_ns;
    int64_t retry_at_ns; /* after a connect failure: do not reconnect before this */
    traffic_req *slots;
    unsigned nslots, inflight;
    uint64_t served;    /* responses completed on the current socket */
    uint64_t socket_id; /* the current socket, unique within the run (response.connection) */
    bool want_close;    /* close after the current I/O callback returns */
    /* closed-loop h2c (traffic_conn.c, "refills in batches"): free streams held back until
     * half are free or no answer came for a while; no holding until half are free again (the
     * last hold ran out); when the last bytes arrived; the service time of its last answer */
    bool refill_held, hold_off;
    int64_t last_answer_ns, last_service_ns;
    gs_traffic_error close_error; /* the class for requests still in flight at that close */
    const char *close_detail;
    /* HTTP/1.1: slots in send order (pipelining) */
    unsigned *fifo;
    unsigned fifo_head, fifo_len;
    gs_h1_response *h1; /* scratch for the head parser */
    gs_h1_body h1_body;
    uint64_t h1_remaining;
    bool h1_keep_alive;
    gs_chunked h1_chunked;
    /* HTTP/2 */
    nghttp2_session *h2;
    bool h2_goaway;
    /* the request of the HEADERS frame being read (its fields arrive one callback each), or
     * NULL: looked up once per frame, not once per field */
    struct traffic_req *h2_hdr_req;
    /* UDP: the socket's own read event (bufferevent's read path drops ICMP errors silently) */
    struct event *udp_read_ev;
    /* layer-4 TLS: the server certificate of the current socket ("" before the handshake) */
    char cert_sha256[65];
    char cert_subject[256];
    /* WebSocket (traffic_ws.c): the Sec-WebSocket-Accept expected, whether the 101 came, the
     * next message to send or await, and the echo being reassembled */
    char ws_accept[29];
    bool ws_open, ws_assembling;
    int ws_opcode;
    size_t ws_next;
    gs_buf ws_message;
    /* WebSocket over HTTP/2 (traffic_ws_h2.c): the request waiting for the server's SETTINGS,
     * the stream's bytes not yet a whole frame, the frames not yet handed to nghttp2 (from
     * |ws_out_at|), whether the stream's end follows them, whether nghttp2 waits for data */
    traffic_req *ws_waiting;
    bool ws_settings; /* the server's first SETTINGS arrived */
    gs_buf ws_in, ws_out;
    size_t ws_out_at;
    bool ws_out_end, ws_deferred;
};

/* Everything read-only shared by the workers of one run. */
struct traffic_run {
    gs_traffic_config cfg; /* copy; pointers borrowed from the caller */
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char *authority, *path, *method, *sni;
    gs_traffic_header *headers; /* lowercase names (HTTP/2 wants them); Host removed */
    size_t num_headers;
    gs_buf grpc_body; /* the request message with its 5-byte prefix */
    const char *body; /* what goes on the wire (gRPC: grpc_body) */
    size_t body_len;
    char grpc_timeout[32];
    SSL_CTX *ssl_ctx; /* shared: SSL_new is thread-safe */
    bool is_h2;
    bool is_l4;              /* gs_traffic_protocol_is_l4: one line exchange per connection */
    bool is_ws;              /* GS_TRAFFIC_WEBSOCKET: one upgrade and echo per connection */
    char **alpn;             /* GS_TRAFFIC_TLS: the offered ALPN list, NULL-terminated, or NULL */
    unsigned h1_parse_flags; /* GS_H1_RESPONSE_TO_HEAD for HEAD requests: no body follows */
    bool idempotent;         /* method may be retried after a keep-alive close race */
    pthread_mutex_t cb_lock;
    unsigned threads;
    int64_t start_ns, measure_start_ns;
    double start_unix_s;
    /* cfg.on_interval: intervals the workers handed over, merged per index, not yet reported */
    pthread_mutex_t ivl_lock;
    struct traffic_ivl_slot *ivl_slots;
    size_t ivl_len, ivl_cap;
    uint64_t ivl_next; /* the next index to report */
};

struct traffic_worker {
    traffic_run *run;
    unsigned id;
    pthread_t thread;
    struct event_base *base;
    struct event *tick_ev, *rate_ev, *pump_ev;
    /* closed-loop h2c: refills the connections whose held streams got no answer for a while
     * (armed while any connection holds streams) */
    struct event *held_ev;
    traffic_conn *conns;
    unsigned nconns, cursor;
    /* budget */
    uint64_t quota; /* measured requests this worker may start; UINT64_MAX by time */
    uint64_t started_measured;
    uint64_t started;     /* all requests started; index = started * threads + id */
    uint64_t outstanding; /* in flight plus waiting in |retry| */
    traffic_retry *retry; /* FIFO, at most connections x streams entries */
    size_t retry_len, retry_cap;
    int64_t end_ns; /* no measured request starts at or after this (open loop: the end of the
                       schedule; closed loop: of the duration) */
    uint64_t first_measured_slot; /* open loop: schedule index of the first measured request */
    int64_t stopped_ns;           /* when cancellation was seen (0: not cancelled) */
    bool open_loop;
    gs_rate rate;
    bool stopping; /* cancelled: finish now */
    bool done;
    /* HTTP/1.1 request bytes without the request id: prefix up to the last header, suffix =
     * CRLF + body */
    gs_buf h1_prefix, h1_suffix, h1_full;
    gs_buf h1_with_id; /* scratch: prefix + request id line + suffix of the request being sent */
    /* statistics */
    gs_histogram *latency, *service;
    /* cfg.on_interval: the current interval's histograms, handed to the run when it is over */
    gs_histogram *ivl_latency, *ivl_service;
    uint64_t ivl_index;
    bool ivl_dirty;
    _Atomic uint64_t ivl_passed; /* every interval below this was handed over */
    uint64_t responses, errors[GS_TRAFFIC_ERR_COUNT], warmup_requests, abandoned;
    uint64_t status_counts[1000];
    uint64_t grpc_counts[18]; /* 0..16, [17] other */
    gs_traffic_counts backends, replicas;
    gs_traffic_counts certificates; /* layer-4 TLS: server certificate SHA-256 -> n */
    gs_traffic_counts error_texts[GS_TRAFFIC_ERR_COUNT];
    uint64_t connections_opened, bytes_received;
    int64_t last_done_ns;
    /* The time the bytes being handled arrived: set by a read callback for its own length (one
     * clock read per read instead of one per completion and one per refill), 0 outside one.
     * Read it with gs_traffic_worker_now. */
    int64_t io_now_ns;
    _Atomic uint64_t progress_done, progress_errors;
    atomic_bool finished;
    gs_buf chunk_scratch;   /* HTTP/1.1: decoded chunk data on its way to a request's body */
    char *rbuf;             /* plain TCP: what one recv reads, handed to the protocol in place */
    gs_buf h2_out;          /* HTTP/2: frames of one flush, written as one piece */
    gs_traffic_h2mem h2mem; /* HTTP/2: nghttp2's allocations of this worker's sessions */
    /* scratch for callbacks */
    gs_traffic_header *cb_headers;
    size_t cb_cap;
};

/* The current time for the traffic path: the arrival time of the read being handled (taken
 * once right after the read, so every response it completes and every request it refills shares
 * it), or the clock outside a read callback. */
static inline int64_t gs_traffic_worker_now(const traffic_worker *w)
{
    return w->io_now_ns != 0 ? w->io_now_ns : gs_now_ns();
}

/* Called by the protocols when request |r| of |c| is over (response complete or failed).
 * Records it, calls the callback, frees the slot and may start the next request. Never frees
 * |c|. */
void gs_traffic_req_finish(traffic_conn *c, traffic_req *r, gs_traffic_error e, const char *detail);

/* The text of a request whose response had begun (a head, part of one, or an HTTP/2 stream
 * with its head) when the peer closed the connection: a reset, over TCP as over TLS. */
#define GS_TRAFFIC_CLOSED_MID_RESPONSE "connection closed before the response ended"

/* Request |r| was not processed by the server: frees its slot and queues it to be sent again
 * (at most 10 attempts; then it finishes as a reset). */
void gs_traffic_req_requeue(traffic_conn *c, traffic_req *r);

/* Records a response header (or trailer) of |r|: status, backend, gRPC fields, and with a
 * callback the copy. Names are matched case-insensitively. */
void gs_traffic_req_header(traffic_conn *c, traffic_req *r, const char *name, size_t nlen,
                           const char *value, size_t vlen, bool trailer);
/* The headers gs_traffic_req_header reads without a callback. */
#define GS_TRAFFIC_H_BACKEND "x-gatesim-backend"
#define GS_TRAFFIC_H_GRPC_STATUS "grpc-status"
#define GS_TRAFFIC_H_GRPC_MESSAGE "grpc-message"
/* Whether a header name of |nlen| bytes may be one of those: a parser may skip the call for the
 * others when no callback copies them, as most of an answer's headers are. */
#define GS_TRAFFIC_HEADER_READ(nlen)                                                               \
    ((nlen) == sizeof(GS_TRAFFIC_H_BACKEND) - 1 ||                                                 \
     (nlen) == sizeof(GS_TRAFFIC_H_GRPC_STATUS) - 1 ||                                             \
     (nlen) == sizeof(GS_TRAFFIC_H_GRPC_MESSAGE) - 1)
/* The ops of |c|'s protocol. */
const gs_proto_ops *gs_traffic_conn_ops(const traffic_conn *c);

/* Bytes were added to |c|'s input, or its socket failed (errno says why), outside the
 * bufferevent's own read path: handled as the bufferevent's callbacks would be (UDP). */
void gs_traffic_conn_input_ready(traffic_conn *c);
void gs_traffic_conn_input_failed(traffic_conn *c);

/* Layer 4 (traffic_l4.c): opens the UDP socket of |c| (connected, from a fresh source port) as
 * a bufferevent the connection's usual I/O works on; NULL when the system refuses one. */
struct bufferevent *gs_traffic_l4_udp_new(traffic_conn *c);
/* Splits the comma-separated ALPN |list| into a NULL-terminated array (NULL for none); free
 * with gs_traffic_l4_alpn_free. GS_ERR_INVALID for empty or overlong names. */
int gs_traffic_l4_alpn_parse(const char *list, char ***out, gs_error *err);
void gs_traffic_l4_alpn_free(char **names);
/* Layer-4 TLS: records the server certificate of |c|'s just finished handshake. */
void gs_traffic_l4_tls_connected(traffic_conn *c, SSL *ssl);

/* Records body bytes of |r| (bounded copy with a callback, or for gRPC). */
void gs_traffic_req_body(traffic_conn *c, traffic_req *r, const char *data, size_t len);

/* HTTP/2 session I/O shared by traffic_h2.c and traffic_ws_h2.c (|c->h2| may be NULL). */
gs_traffic_error gs_traffic_h2_on_read(traffic_conn *c);
gs_traffic_error gs_traffic_h2_on_bytes(traffic_conn *c, const char *data, size_t len,
                                        size_t *used);
gs_traffic_error gs_traffic_h2_flush(traffic_conn *c);
/* The client session of both: creates |c->h2| with |cbs| and |opt| (may be NULL) on the
 * worker's allocator, clears the connection's HTTP/2 state, queues SETTINGS |iv| (|niv|
 * entries) and opens the connection's receive window to GS_TRAFFIC_H2_WINDOW. 0 or -1. */
#define GS_TRAFFIC_H2_WINDOW (1 << 24)
int gs_traffic_h2_session_open(traffic_conn *c, const nghttp2_session_callbacks *cbs,
                               const nghttp2_option *opt, const nghttp2_settings_entry *iv,
                               size_t niv);
void gs_traffic_h2_session_close(traffic_conn *c);
/* The request whose stream is |stream_id|, or NULL (none, or a slot since reused: a slot
 * reused after a timeout may still be the user data of its old stream). */
traffic_req *gs_traffic_h2_req(nghttp2_session *s, int32_t stream_id);
/* The value of a :status field (its first three digits). */
int gs_traffic_h2_status(const uint8_t *value, size_t len);
/* "stream reset (<the error code's name>)" into |buf|. */
const char *gs_traffic_h2_reset_detail(char *buf, size_t n, uint32_t error_code);

/* WebSocket framing shared by both transports (traffic_ws.c). The handshake of |r| succeeded:
 * the first message goes (or, with none, the close, and |r| finishes). */
gs_traffic_error gs_traffic_ws_opened(traffic_conn *c, traffic_req *r);
/* Reads the server's frames at |data| (|len| bytes): pings answered, echoes reassembled and
 * compared, the next message sent; sets |*used| to the bytes of whole frames consumed. |r| is
 * finished on a wrong echo, a close, or after the last echo. */
gs_traffic_error gs_traffic_ws_frames(traffic_conn *c, traffic_req *r, const uint8_t *data,
                                      size_t len, size_t *used);
/* Over HTTP/2 (traffic_ws_h2.c): frames queued for the stream; |end| ends it after them. */
void gs_traffic_ws_h2_queue(traffic_conn *c, const void *data, size_t len, bool end);

#endif
