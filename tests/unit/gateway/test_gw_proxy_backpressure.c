/* SPDX-License-Identifier: MIT */
/* Backpressure from slow clients to HTTP/2 (h2c) upstreams: a fake nghttp2 server sends a body
 * of 8 or 16 times the gateway's max_response_body (1 MiB in the fixture) to an HTTP/1.1 and to
 * an HTTP/2 client that stop reading three times. The whole body must arrive intact (not cut),
 * and while the client stalls the server must be held back by flow control, a bounded amount
 * ahead of the client (the server shares how much it sent through shared memory). A client that
 * announces a zero window makes the server send at most the first upstream stream window. And
 * the upstream API alone: a paused h2c call gets at most one stream window more, and one paused
 * at once at most the first window. */
#include "gw_fixture.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_gw_endpoints.h"
#include "gs_gw_upstream.h"
#include "gs_test.h"
#include "gs_time.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define H2_BODY_LEN (8u << 20)
#define H1_BODY_LEN (16u << 20) /* more than the kernel's send buffer can absorb (see below) */

/* Shared with the fake server's process. */
typedef struct shared {
    volatile uint64_t sent; /* body bytes the server handed to nghttp2 for /big/N responses */
} shared;

static shared *shm;
static pid_t srv_pid;
static int srv_port;
static gwf fix;

static uint8_t body_byte(uint64_t i)
{
    return (uint8_t)(((uint32_t)i * 2654435761u) >> 24);
}

static nghttp2_nv nv(const char *name, const char *value)
{
    nghttp2_nv v = {(uint8_t *)(uintptr_t)name, (uint8_t *)(uintptr_t)value, strlen(name),
                    strlen(value), NGHTTP2_NV_FLAG_NONE};
    return v;
}

/* ---- fake h2c server (child process) ------------------------------------------------------- */

typedef struct srv_conn {
    struct bufferevent *bev;
    nghttp2_session *ng;
} srv_conn;

typedef struct srv_stream {
    uint64_t len, off;
    bool untracked; /* /big/N/other: not counted in shm->sent */
} srv_stream;

static ssize_t on_srv_send(nghttp2_session *ng, const uint8_t *data, size_t len, int flags,
                           void *arg)
{
    (void)ng;
    (void)flags;
    srv_conn *c = arg;
    evbuffer_add(bufferevent_get_output(c->bev), data, len);
    return (ssize_t)len;
}

static int on_srv_begin_headers(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
    (void)arg;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
        nghttp2_session_set_stream_user_data(ng, frame->hd.stream_id,
                                             gs_xcalloc(1, sizeof(srv_stream)));
    return 0;
}

/* :path /big/N asks for N bytes (/big/N/other too, not counted in shm->sent). */
static int on_srv_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
                         size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                         void *arg)
{
    (void)flags;
    (void)arg;
    srv_stream *st = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (st && namelen == 5 && memcmp(name, ":path", 5) == 0 && valuelen > 5 &&
        memcmp(value, "/big/", 5) == 0) {
        char num[32];
        snprintf(num, sizeof(num), "%.*s", (int)(valuelen - 5), (const char *)value + 5);
        char *end;
        st->len = strtoull(num, &end, 10);
        st->untracked = *end == '/';
    }
    return 0;
}

static ssize_t on_srv_read(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t len,
                           uint32_t *flags, nghttp2_data_source *src, void *arg)
{
    (void)ng;
    (void)id;
    (void)arg;
    srv_stream *st = src->ptr;
    uint64_t left = st->len - st->off;
    size_t n = left < len ? (size_t)left : len;
    for (size_t i = 0; i < n; i++)
        buf[i] = body_byte(st->off + i);
    st->off += n;
    if (!st->untracked)
        __atomic_add_fetch(&shm->sent, (uint64_t)n, __ATOMIC_SEQ_CST);
    if (st->off == st->len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static int on_srv_frame_recv(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
    (void)arg;
    if (frame->hd.type != NGHTTP2_HEADERS || !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
        return 0;
    srv_stream *st = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (st == NULL)
        return 0;
    char cl[32];
    snprintf(cl, sizeof(cl), "%llu", (unsigned long long)st->len);
    nghttp2_nv nva[] = {nv(":status", "200"), nv("content-length", cl),
                        nv("content-type", "application/octet-stream")};
    nghttp2_data_provider prd = {.source = {.ptr = st}, .read_callback = on_srv_read};
    nghttp2_submit_response(ng, frame->hd.stream_id, nva, 3, &prd);
    return 0;
}

static int on_srv_stream_close(nghttp2_session *ng, int32_t id, uint32_t code, void *arg)
{
    (void)code;
    (void)arg;
    free(nghttp2_session_get_stream_user_data(ng, id));
    nghttp2_session_set_stream_user_data(ng, id, NULL);
    return 0;
}

static void srv_conn_free(srv_conn *c)
{
    nghttp2_session_del(c->ng);
    bufferevent_free(c->bev);
    free(c);
}

static void on_srv_conn_read(struct bufferevent *bev, void *arg)
{
    srv_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t len = evbuffer_get_length(in);
    ssize_t n = nghttp2_session_mem_recv(c->ng, evbuffer_pullup(in, -1), len);
    if (n < 0 || nghttp2_session_send(c->ng) != 0) {
        srv_conn_free(c);
        return;
    }
    evbuffer_drain(in, (size_t)n);
}

static void on_srv_conn_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    (void)what;
    srv_conn_free(arg);
}

static void on_srv_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                          int salen, void *arg)
{
    (void)l;
    (void)sa;
    (void)salen;
    srv_conn *c = gs_xcalloc(1, sizeof(*c));
    c->bev = bufferevent_socket_new(arg, fd, BEV_OPT_CLOSE_ON_FREE);
    nghttp2_session_callbacks *cbs;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_send_callback(cbs, on_srv_send);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_srv_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_srv_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_srv_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_srv_stream_close);
    nghttp2_session_server_new(&c->ng, cbs, c);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_submit_settings(c->ng, NGHTTP2_FLAG_NONE, NULL, 0);
    bufferevent_setcb(c->bev, on_srv_conn_read, NULL, on_srv_conn_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    nghttp2_session_send(c->ng);
}

static void on_srv_term(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopbreak(arg);
}

static void srv_start(void)
{
    shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(shm, MAP_FAILED);
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    srv_pid = fork();
    ck_assert_int_ge(srv_pid, 0);
    if (srv_pid == 0) {
        close(p[0]);
        signal(SIGPIPE, SIG_IGN);
        struct event_base *base = event_base_new();
        struct sockaddr_in sin = {0};
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        struct evconnlistener *l = evconnlistener_new_bind(
            base, on_srv_accept, base, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
            (struct sockaddr *)&sin, sizeof(sin));
        if (l == NULL)
            _exit(1);
        struct sockaddr_in b;
        socklen_t bl = sizeof(b);
        getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&b, &bl);
        int port = ntohs(b.sin_port);
        if (write(p[1], &port, sizeof(port)) != (ssize_t)sizeof(port))
            _exit(1);
        close(p[1]);
        struct event *term = evsignal_new(base, SIGTERM, on_srv_term, base);
        event_add(term, NULL);
        event_base_dispatch(base);
        _exit(0);
    }
    close(p[1]);
    ck_assert_int_eq((int)read(p[0], &srv_port, sizeof(srv_port)), (int)sizeof(srv_port));
    close(p[0]);
}

/* ---- gateway ------------------------------------------------------------------------------- */

static void build_big(gs_route_table *t)
{
    gwf_catch_all(t, gwf_listener(t, "http", 80, GS_RT_PROTO_HTTP, NULL), "big",
                  "kubernetes.io/h2c");
}

static char backend_spec[64];

static void setup(void)
{
    srv_start();
    snprintf(backend_spec, sizeof(backend_spec), "default/big:8080=127.0.0.1:%d", srv_port);
    gwf_extra_backends[0] = backend_spec;
    gwf_max_streamed_body = 64u << 20;
    gwf_start(&fix, build_big);
}

static void teardown(void)
{
    gwf_stop(&fix);
    kill(srv_pid, SIGTERM);
    int st;
    waitpid(srv_pid, &st, 0);
    munmap(shm, sizeof(*shm));
}

/* A client connection with a small receive buffer, so that the kernel holds little of what
 * the gateway sends while the client stalls. */
static int slow_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int small = 16 << 10;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)fix.gw_port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    return fd;
}

/* The client stops reading: waits until the server has sent nothing new for 200 ms (at most
 * 3 s) and returns how much it had sent by then. */
static uint64_t stall(void)
{
    uint64_t last = __atomic_load_n(&shm->sent, __ATOMIC_SEQ_CST);
    int64_t deadline = gs_now_ns() + 3 * GS_NS_PER_S;
    int64_t since = gs_now_ns();
    while (gs_now_ns() < deadline && gs_now_ns() - since < 200 * GS_NS_PER_MS) {
        poll(NULL, 0, 20);
        uint64_t now = __atomic_load_n(&shm->sent, __ATOMIC_SEQ_CST);
        if (now != last) {
            last = now;
            since = gs_now_ns();
        }
    }
    return last;
}

/* While the client stalled with |received| body bytes, the server sent |sent| of |total|: it
 * must have been held back (not sent the whole body) and be at most |bound| ahead. Returns
 * whether it was held back (a stall after the server finished proves nothing). */
static bool check_held_back(uint64_t sent, uint64_t received, uint64_t total, uint64_t bound)
{
    ck_assert_msg(sent - received < bound,
                  "the server got %llu bytes ahead of a stalled client (bound %llu)",
                  (unsigned long long)(sent - received), (unsigned long long)bound);
    return sent < total;
}

static void check_body(const gs_buf *b, size_t total)
{
    ck_assert_msg(b->len == total, "got %zu body bytes of %zu", b->len, total);
    for (size_t i = 0; i < b->len; i++)
        if ((uint8_t)b->data[i] != body_byte(i))
            ck_abort_msg("body byte %zu differs", i);
}

/* The gateway's queue for an HTTP/1.1 client is its output buffer (paused over 256 KiB here),
 * plus one upstream stream window (256 KiB); but the kernel's send buffer of the gateway's
 * socket autotunes up to tcp_wmem's maximum whatever the client's window, and it holds that much
 * more. */
static uint64_t kernel_send_buffer_max(void)
{
    FILE *f = fopen("/proc/sys/net/ipv4/tcp_wmem", "r");
    unsigned long long lo = 0, def = 0, max = 4u << 20;
    if (f) {
        if (fscanf(f, "%llu %llu %llu", &lo, &def, &max) != 3)
            max = 4u << 20;
        fclose(f);
    }
    return max;
}

/* Reads a whole /big/|total| response over HTTP/1.1 at full speed and checks it. */
static void fetch_fast(uint64_t total)
{
    int fd = gwf_connect(fix.gw_port);
    char *req = gs_xasprintf("GET /big/%llu/other HTTP/1.1\r\nHost: example.com\r\n\r\n",
                             (unsigned long long)total);
    ck_assert_int_eq((int)write(fd, req, strlen(req)), (int)strlen(req));
    free(req);
    gs_buf in = {0};
    size_t head_len = 0;
    char buf[65536];
    while (head_len == 0 || in.len - head_len < total) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        gs_buf_append(&in, buf, (size_t)n);
        const char *end = head_len == 0 && in.data ? strstr(in.data, "\r\n\r\n") : NULL;
        if (end)
            head_len = (size_t)(end - in.data) + 4;
    }
    close(fd);
    ck_assert_msg(head_len && strncmp(in.data, "HTTP/1.1 200", 12) == 0, "no 200 (%zu bytes)",
                  in.len);
    gs_buf body = {0};
    gs_buf_append(&body, in.data + head_len, in.len - head_len);
    check_body(&body, total);
    gs_buf_clear(&body);
    gs_buf_clear(&in);
}

START_TEST(backpressure_h1_client)
{
    uint64_t bound = kernel_send_buffer_max() + (1u << 20);
    int fd = slow_connect();
    char *req = gs_xasprintf("GET /big/%u HTTP/1.1\r\nHost: example.com\r\n\r\n", H1_BODY_LEN);
    ck_assert_int_eq((int)write(fd, req, strlen(req)), (int)strlen(req));
    free(req);
    gs_buf in = {0};
    size_t head_len = 0;
    uint64_t stall_at[] = {64u << 10, 4u << 20, 8u << 20};
    size_t next_stall = 0;
    int held = 0;
    char buf[4096];
    for (;;) {
        size_t body = head_len ? in.len - head_len : 0;
        if (head_len && body >= H1_BODY_LEN)
            break;
        if (head_len && next_stall < GS_ARRAY_LEN(stall_at) && body >= stall_at[next_stall]) {
            held += check_held_back(stall(), body, H1_BODY_LEN, bound);
            /* The paused stream holds only its own window: another stream on the same upstream
             * session (one per endpoint) goes on at full speed meanwhile. */
            if (next_stall == 1)
                fetch_fast(3u << 20);
            next_stall++;
        }
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        gs_buf_append(&in, buf, (size_t)n);
        if (head_len == 0 && in.data && strstr(in.data, "\r\n\r\n")) {
            head_len = (size_t)(strstr(in.data, "\r\n\r\n") - in.data) + 4;
            ck_assert_msg(strncmp(in.data, "HTTP/1.1 200", 12) == 0, "%.*s", (int)head_len,
                          in.data);
            char *cl = gwf_header(&(gwf_resp){.head = in.data}, "content-length");
            ck_assert_msg(cl && strtoul(cl, NULL, 10) == H1_BODY_LEN, "%.*s", (int)head_len,
                          in.data);
            free(cl);
        }
    }
    close(fd);
    ck_assert_msg(head_len > 0, "no response head (%zu bytes)", in.len);
    ck_assert_msg(held >= 1, "the server was never held back");
    gs_buf body = {0};
    gs_buf_append(&body, in.data + head_len, in.len - head_len);
    check_body(&body, H1_BODY_LEN);
    gs_buf_clear(&body);
    gs_buf_clear(&in);
}
END_TEST

/* ---- HTTP/2 client ------------------------------------------------------------------------- */

typedef struct h2cli {
    int fd;
    nghttp2_session *ng;
    int status;
    gs_buf body;
    bool closed;
    uint32_t error;
} h2cli;

static int on_cli_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
                         size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                         void *arg)
{
    (void)ng;
    (void)frame;
    (void)flags;
    h2cli *c = arg;
    if (namelen == 7 && memcmp(name, ":status", 7) == 0)
        for (size_t i = 0; i < valuelen; i++)
            c->status = c->status * 10 + (value[i] - '0');
    return 0;
}

static int on_cli_data(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data,
                       size_t len, void *arg)
{
    (void)ng;
    (void)flags;
    (void)id;
    h2cli *c = arg;
    gs_buf_append(&c->body, data, len);
    return 0;
}

static int on_cli_close(nghttp2_session *ng, int32_t id, uint32_t code, void *arg)
{
    (void)ng;
    (void)id;
    h2cli *c = arg;
    c->closed = true;
    c->error = code;
    return 0;
}

static void cli_flush(h2cli *c)
{
    for (;;) {
        const uint8_t *d;
        ssize_t n = nghttp2_session_mem_send(c->ng, &d);
        ck_assert_int_ge((int)n, 0);
        if (n == 0)
            return;
        ck_assert_int_eq((int)write(c->fd, d, (size_t)n), (int)n);
    }
}

/* Connects a slow client (slow_connect), announces |settings| and asks for /big/H2_BODY_LEN. */
static void cli_open(h2cli *c, const nghttp2_settings_entry *settings, size_t nsettings)
{
    memset(c, 0, sizeof(*c));
    c->fd = slow_connect();
    nghttp2_session_callbacks *cbs;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_cli_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_cli_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_cli_close);
    ck_assert_int_eq(nghttp2_session_client_new(&c->ng, cbs, c), 0);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_submit_settings(c->ng, NGHTTP2_FLAG_NONE, settings, nsettings);
    char path[32];
    snprintf(path, sizeof(path), "/big/%u", H2_BODY_LEN);
    nghttp2_nv nva[] = {nv(":method", "GET"), nv(":scheme", "http"),
                        nv(":authority", "example.com"), nv(":path", path)};
    ck_assert_int_gt(nghttp2_submit_request(c->ng, NULL, nva, 4, NULL, NULL), 0);
    cli_flush(c);
}

/* Reads once from the gateway and answers (window updates). False on EOF or an error. */
static bool cli_pump(h2cli *c)
{
    uint8_t buf[4096];
    ssize_t n = read(c->fd, buf, sizeof(buf));
    if (n <= 0)
        return false;
    ck_assert_int_eq((int)nghttp2_session_mem_recv(c->ng, buf, (size_t)n), (int)n);
    cli_flush(c);
    return true;
}

/* Closes the client; its stream must have ended cleanly with the whole body, intact. */
static void cli_close_and_check(h2cli *c)
{
    close(c->fd);
    nghttp2_session_del(c->ng);
    ck_assert_msg(c->closed && c->error == NGHTTP2_NO_ERROR, "stream closed %d, error %u",
                  (int)c->closed, c->error);
    ck_assert_int_eq(c->status, 200);
    check_body(&c->body, H2_BODY_LEN);
    gs_buf_clear(&c->body);
}

/* Towards an HTTP/2 client the client's own stream window (64 KiB) limits what the gateway
 * hands the kernel, so the server is held within the gateway's queue (256 KiB before the pause,
 * one 16 KiB frame), one upstream stream window (256 KiB) and that 64 KiB: under 1 MiB, the
 * fixture's max_response_body. */
START_TEST(backpressure_h2_client)
{
    h2cli c;
    cli_open(&c, NULL, 0);
    uint64_t stall_at[] = {64u << 10, 2u << 20, 4u << 20};
    size_t next_stall = 0;
    int held = 0;
    while (!c.closed) {
        if (next_stall < GS_ARRAY_LEN(stall_at) && c.body.len >= stall_at[next_stall]) {
            held += check_held_back(stall(), c.body.len, H2_BODY_LEN, 1u << 20);
            next_stall++;
        }
        if (!cli_pump(&c))
            break;
    }
    ck_assert_int_eq(held, 3);
    cli_close_and_check(&c);
}
END_TEST

/* A client that announces a zero stream window (the zero-window attack) takes nothing: its
 * request goes upstream marked stalled, so the HTTP/2 upstream stream keeps the stalled window
 * (16 KiB), and the gateway pauses the call within the stalled size (4 KiB), before the window
 * could reopen; so the server sends at most 16 KiB (it was the first window, 64 KiB, and before
 * that the pause size, 256 KiB here). Once the client opens its window the whole body comes,
 * intact. */
START_TEST(zero_window_client_fetches_one_stalled_window)
{
    h2cli c;
    nghttp2_settings_entry zero[] = {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0}};
    cli_open(&c, zero, 1);
    while (c.status == 0 && !c.closed) /* the head leaves whatever the window */
        ck_assert_msg(cli_pump(&c), "no response head");
    ck_assert_int_eq(c.status, 200);
    uint64_t sent = stall();
    ck_assert_msg(sent <= GS_GW_UPSTREAM_STALLED_WINDOW,
                  "the server sent %llu bytes for a client that takes none (stalled window %u)",
                  (unsigned long long)sent, GS_GW_UPSTREAM_STALLED_WINDOW);
    ck_assert_int_eq((int)c.body.len, 0);
    nghttp2_settings_entry open_window[] = {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 65535}};
    nghttp2_submit_settings(c.ng, NGHTTP2_FLAG_NONE, open_window, 1);
    cli_flush(&c);
    while (!c.closed && cli_pump(&c)) {
    }
    cli_close_and_check(&c);
}
END_TEST

/* ---- the upstream API alone --------------------------------------------------------------- */

typedef struct pause_probe {
    gs_gw_upstream_call *call;
    int status;
    gs_buf body;
    uint64_t pause_at; /* pause once this much arrived (0: never again) */
    uint64_t at_pause; /* body bytes received when the pause was asked */
    bool paused, done;
    int err;
} pause_probe;

static void on_probe_head(void *arg, gs_gw_response *resp)
{
    pause_probe *p = arg;
    p->status = resp->status;
}

static void on_probe_data(void *arg, const char *data, size_t len)
{
    pause_probe *p = arg;
    gs_buf_append(&p->body, data, len);
    if (p->pause_at && p->body.len >= p->pause_at) {
        p->pause_at = 0;
        p->paused = true;
        p->at_pause = p->body.len;
        gs_gw_upstream_pause(p->call, true);
    }
}

static void on_probe_done(void *arg, int err, gs_gw_response *resp)
{
    (void)resp;
    pause_probe *p = arg;
    p->done = true;
    p->err = err;
}

/* Runs |base| for |ms| milliseconds, or until |p| is done (or paused, with |until_paused|). */
static void run_for(struct event_base *base, pause_probe *p, int64_t ms, bool until_paused)
{
    int64_t end = gs_now_ns() + ms * GS_NS_PER_MS;
    while (!p->done && !(until_paused && p->paused) && gs_now_ns() < end) {
        event_base_loop(base, EVLOOP_NONBLOCK);
        poll(NULL, 0, 1);
    }
}

/* A streamed h2c call for /big/H2_BODY_LEN through the upstream API alone, on its own event
 * base, with the fixture's limits (1 MiB max_response_body, 64 MiB max_streamed_body). */
typedef struct upstream_case {
    struct event_base *base;
    gs_gw_limits lim;
    gs_gw_upstream *u;
    gs_gw_endpoints eps;
    gs_gw_request req;
    pause_probe p;
} upstream_case;

/* Starts the call, to be paused once |pause_at| body bytes arrived, and runs until it is; its
 * request says whether its client is stalled (gs_gw_request.client_stalled). */
static void upstream_case_start(upstream_case *uc, uint64_t pause_at, bool client_stalled)
{
    memset(uc, 0, sizeof(*uc));
    uc->base = event_base_new();
    uc->lim.max_response_body = 1u << 20;
    uc->lim.max_streamed_body = 64u << 20;
    gs_gw_limits_defaults(&uc->lim);
    ck_assert_int_eq(gs_gw_upstream_new(&uc->u, uc->base, &uc->lim), 0);
    char spec[64];
    snprintf(spec, sizeof(spec), "default/big:8080=127.0.0.1:%d", srv_port);
    ck_assert_int_eq(gs_gw_endpoints_add_spec(&uc->eps, spec, NULL), 0);
    const gs_gw_endpoint *ep = gs_gw_service_next(&uc->eps.services[0]);
    uc->req.method = gs_xstrdup("GET");
    uc->req.scheme = gs_xstrdup("http");
    uc->req.authority = gs_xstrdup("example.com");
    uc->req.target = gs_xasprintf("/big/%u", H2_BODY_LEN);
    uc->req.client_stalled = client_stalled;
    pause_probe *p = &uc->p;
    p->pause_at = pause_at;
    static const gs_gw_upstream_stream ops = {on_probe_head, on_probe_data, NULL};
    ck_assert_int_eq(gs_gw_upstream_send_stream(uc->u, ep, true, NULL, NULL, &uc->req, &ops,
                                                on_probe_done, p, &p->call),
                     0);
    run_for(uc->base, p, 5000, true);
    ck_assert_msg(p->paused && !p->done, "paused %d done %d err %d", (int)p->paused,
                  (int)p->done, p->err);
}

/* The call is paused: gives the server time to send all it may, and returns what it sent. */
static uint64_t upstream_case_settle(upstream_case *uc)
{
    uint64_t last = 0;
    for (int i = 0; i < 20 && (i < 3 || __atomic_load_n(&shm->sent, __ATOMIC_SEQ_CST) != last);
         i++) {
        last = __atomic_load_n(&shm->sent, __ATOMIC_SEQ_CST);
        run_for(uc->base, &uc->p, 50, false);
    }
    return __atomic_load_n(&shm->sent, __ATOMIC_SEQ_CST);
}

/* Resumes the call: it must end without an error, the whole body intact. */
static void upstream_case_resume(upstream_case *uc)
{
    pause_probe *p = &uc->p;
    gs_gw_upstream_pause(p->call, false);
    run_for(uc->base, p, 10000, false);
    ck_assert_msg(p->done && p->err == 0, "done %d err %d after %zu bytes", (int)p->done,
                  p->err, p->body.len);
    check_body(&p->body, H2_BODY_LEN);
}

static void upstream_case_free(upstream_case *uc)
{
    gs_buf_clear(&uc->p.body);
    gs_gw_request_clear(&uc->req);
    gs_gw_upstream_free(uc->u);
    gs_gw_endpoints_clear(&uc->eps);
    event_base_free(uc->base);
}

START_TEST(upstream_h2_pause_holds_the_window)
{
    /* A streamed h2c call paused after 100 KiB receives at most one stream window more (the
     * server is held there), and everything once resumed; the pause is counted. */
    upstream_case uc;
    upstream_case_start(&uc, 100u << 10, false);
    uint64_t window = gs_gw_upstream_pause_bytes(&uc.lim);
    ck_assert_int_eq((int)window, 256 << 10);
    pause_probe *p = &uc.p;
    ck_assert_int_eq(p->status, 200);
    uint64_t sent = upstream_case_settle(&uc);
    ck_assert_msg(p->body.len - p->at_pause <= window, "%zu bytes arrived after the pause",
                  (size_t)(p->body.len - p->at_pause));
    ck_assert_msg(sent <= p->at_pause + window, "the server sent %llu with %llu taken",
                  (unsigned long long)sent, (unsigned long long)p->at_pause);
    ck_assert_msg(sent < H2_BODY_LEN, "not held back");
    ck_assert_int_eq((int)gs_gw_upstream_get_stats(uc.u)->pauses, 1);
    upstream_case_resume(&uc);
    ck_assert_int_eq((int)gs_gw_upstream_get_stats(uc.u)->pauses, 1);
    upstream_case_free(&uc);
}
END_TEST

/* A streamed h2c call paused at its first piece of body: the stream window has not grown past
 * the one it started with, so the server sends at most that: the first window (64 KiB, given
 * with the HEADERS), or the stalled window (16 KiB) for a request marked client_stalled; not a
 * pause size (256 KiB here). And at least half of it: the window it had was given (the server
 * writes 16 KiB frames). Resumed, the window grows and the whole body arrives. */
static void paused_at_once(bool client_stalled, uint64_t bound)
{
    upstream_case uc;
    upstream_case_start(&uc, 1, client_stalled);
    uint64_t sent = upstream_case_settle(&uc);
    ck_assert_msg(sent <= bound, "the server sent %llu to a call paused at once (bound %llu)",
                  (unsigned long long)sent, (unsigned long long)bound);
    ck_assert_msg(uc.p.body.len <= bound, "%zu bytes arrived", uc.p.body.len);
    ck_assert_msg(sent >= bound / 2, "the server sent only %llu (window %llu)",
                  (unsigned long long)sent, (unsigned long long)bound);
    upstream_case_resume(&uc);
    upstream_case_free(&uc);
}

START_TEST(upstream_h2_paused_at_once_gets_the_first_window)
{
    gs_gw_limits lim = {0};
    lim.max_response_body = 1u << 20;
    gs_gw_limits_defaults(&lim);
    ck_assert_int_eq((int)gs_gw_upstream_first_window(&lim), (int)GS_GW_UPSTREAM_FIRST_WINDOW);
    ck_assert_int_eq((int)gs_gw_upstream_stalled_window(&lim), (int)GS_GW_UPSTREAM_STALLED_WINDOW);
    ck_assert_int_eq((int)gs_gw_upstream_stalled_bytes(&lim),
                     (int)GS_GW_UPSTREAM_STALLED_WINDOW / 4);
    paused_at_once(false, GS_GW_UPSTREAM_FIRST_WINDOW);
}
END_TEST

START_TEST(upstream_h2_stalled_client_gets_the_stalled_window)
{
    paused_at_once(true, GS_GW_UPSTREAM_STALLED_WINDOW);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_proxy_backpressure");
    TCase *tc = tcase_create("backpressure");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, backpressure_h1_client);
    tcase_add_test(tc, backpressure_h2_client);
    tcase_add_test(tc, zero_window_client_fetches_one_stalled_window);
    tcase_add_test(tc, upstream_h2_pause_holds_the_window);
    tcase_add_test(tc, upstream_h2_paused_at_once_gets_the_first_window);
    tcase_add_test(tc, upstream_h2_stalled_client_gets_the_stalled_window);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
