/* SPDX-License-Identifier: MIT */
/* See gw_fixture.h. */
#include "gw_fixture.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_gw_server.h"
#include "gs_chunked.h"
#include "gs_h1_request.h"

#include <arpa/inet.h>
#include <check.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

const char *gwf_extra_backends[4];
size_t gwf_max_connections;
uint64_t gwf_max_streamed_body;
int64_t gwf_idle_timeout_ms;

/* ---- fake upstream (child) ---------------------------------------------------------------- */

typedef struct fake_up {
    const char *name;
    int count;
    struct event_base *base;
} fake_up;

typedef struct fake_conn {
    fake_up *up;
    struct bufferevent *bev;
    struct event *delay;
    gs_buf pending;
    bool infinite; /* keep sending chunks for ever */
} fake_conn;

static void on_fake_write(struct bufferevent *bev, void *arg)
{
    fake_conn *c = arg;
    if (!c->infinite)
        return;
    static char chunk[16384 + 16];
    if (chunk[0] == 0) {
        memcpy(chunk, "4000\r\n", 6);
        memset(chunk + 6, 'x', 16384);
        memcpy(chunk + 6 + 16384, "\r\n", 2);
    }
    evbuffer_add(bufferevent_get_output(bev), chunk, 6 + 16384 + 2);
}

static void fake_conn_free(fake_conn *c)
{
    if (c->delay)
        event_free(c->delay);
    gs_buf_clear(&c->pending);
    bufferevent_free(c->bev);
    free(c);
}

static void on_fake_delay(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    fake_conn *c = arg;
    evbuffer_add(bufferevent_get_output(c->bev), c->pending.data, c->pending.len);
    gs_buf_reset(&c->pending);
    bufferevent_enable(c->bev, EV_READ);
}

static void on_fake_read(struct bufferevent *bev, void *arg)
{
    fake_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        size_t len = evbuffer_get_length(in);
        if (len == 0)
            return;
        const char *data = (const char *)evbuffer_pullup(in, -1);
        gs_h1_request req;
        gs_h1_request_reset(&req);
        ssize_t n = gs_h1_request_parse(&req, data, len, NULL);
        if (n == GS_ERR_INCOMPLETE)
            return;
        if (n < 0) {
            fake_conn_free(c);
            return;
        }
        size_t body_len = req.body == GS_H1_BODY_LENGTH ? (size_t)req.content_length : 0;
        if (len < (size_t)n + body_len)
            return;
        gs_buf dechunked = {0}; /* a chunked body (streamed by the gateway), decoded */
        if (req.body == GS_H1_BODY_CHUNKED) {
            gs_chunked ck;
            gs_chunked_init(&ck);
            ssize_t used = gs_chunked_decode(&ck, data + n, len - (size_t)n, &dechunked);
            if (used < 0 || !gs_chunked_done(&ck)) {
                gs_buf_clear(&dechunked);
                if (used < 0)
                    fake_conn_free(c);
                return;
            }
            body_len = (size_t)used;
        }
        const char *body_data = req.body == GS_H1_BODY_CHUNKED ? dechunked.data : data + n;
        size_t body_shown = req.body == GS_H1_BODY_CHUNKED ? dechunked.len : body_len;
        char target[2048];
        snprintf(target, sizeof(target), "%.*s", (int)req.target_len, req.target);
        if (strcmp(target, "/__close") == 0) {
            gs_buf_clear(&dechunked);
            fake_conn_free(c);
            return;
        }
        if (strcmp(target, "/__infinite") == 0) {
            evbuffer_drain(in, (size_t)n + body_len);
            gs_buf_clear(&dechunked);
            c->infinite = true;
            evbuffer_add_printf(bufferevent_get_output(bev),
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            on_fake_write(bev, c);
            return;
        }
        if (strcmp(target, "/__headfirst") == 0) { /* the head, then a body that never comes */
            evbuffer_drain(in, (size_t)n + body_len);
            gs_buf_clear(&dechunked);
            evbuffer_add_printf(bufferevent_get_output(bev),
                                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nx-upstream: %s\r\n\r\n",
                                c->up->name);
            return;
        }
        if (strcmp(target, "/__bighead") == 0) {
            evbuffer_drain(in, (size_t)n + body_len);
            gs_buf_clear(&dechunked);
            struct evbuffer *o = bufferevent_get_output(bev);
            evbuffer_add_printf(o, "HTTP/1.1 200 OK\r\n");
            for (int i = 0; i < 2000; i++)
                evbuffer_add_printf(o, "x-big-%d: %080d\r\n", i, i);
            evbuffer_add_printf(o, "Content-Length: 0\r\n\r\n");
            continue;
        }
        gs_buf body = {0};
        if (strcmp(target, "/__count") == 0) {
            gs_buf_printf(&body, "%d", c->up->count);
        } else {
            c->up->count++;
            gs_buf_printf(&body, "name=%s\nmethod=%.*s\ntarget=%s\nhost=%.*s\n", c->up->name,
                          (int)req.method_len, req.method, target, (int)req.host_len,
                          req.host ? req.host : "");
            for (size_t i = 0; i < req.num_headers; i++)
                gs_buf_printf(&body, "h:%.*s=%.*s\n", (int)req.headers[i].name_len,
                              req.headers[i].name, (int)req.headers[i].value_len,
                              req.headers[i].value);
            gs_buf_printf(&body, "body=%.*s\n", (int)body_shown, body_shown ? body_data : "");
        }
        gs_buf out = {0};
        gs_buf_printf(&out,
                      "HTTP/1.1 200 OK\r\nx-upstream: %s\r\nx-resp-remove: gone\r\n"
                      "x-resp-set: original\r\nContent-Length: %zu\r\n\r\n%s",
                      c->up->name, body.len, body.data);
        gs_buf_clear(&body);
        gs_buf_clear(&dechunked);
        evbuffer_drain(in, (size_t)n + body_len);
        int delay = 0;
        if (strncmp(target, "/__delay/", 9) == 0)
            delay = atoi(target + 9);
        if (delay > 0) {
            gs_buf_append(&c->pending, out.data, out.len);
            gs_buf_clear(&out);
            struct timeval tv = {delay / 1000, (delay % 1000) * 1000};
            if (c->delay == NULL)
                c->delay = evtimer_new(c->up->base, on_fake_delay, c);
            evtimer_add(c->delay, &tv);
            bufferevent_disable(bev, EV_READ);
            return;
        }
        evbuffer_add(bufferevent_get_output(bev), out.data, out.len);
        gs_buf_clear(&out);
    }
}

static void on_fake_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    (void)what;
    fake_conn_free(arg);
}

static void on_fake_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                           int salen, void *arg)
{
    (void)l;
    (void)sa;
    (void)salen;
    fake_up *up = arg;
    fake_conn *c = gs_xcalloc(1, sizeof(*c));
    c->up = up;
    c->bev = bufferevent_socket_new(up->base, fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(c->bev, on_fake_read, on_fake_write, on_fake_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static int fake_listen(struct event_base *base, fake_up *up)
{
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct evconnlistener *l =
        evconnlistener_new_bind(base, on_fake_accept, up, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                128, (struct sockaddr *)&sin, sizeof(sin));
    ck_assert_ptr_nonnull(l);
    struct sockaddr_in b;
    socklen_t bl = sizeof(b);
    getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&b, &bl);
    return ntohs(b.sin_port);
}

static void on_child_term(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopbreak(arg);
}

static void gwf_child(int wfd, gwf_build build)
{
    signal(SIGPIPE, SIG_IGN);
    struct event_base *base = event_base_new();
    static fake_up ups[GWF_UPSTREAMS] = {{"v1", 0, NULL}, {"v2", 0, NULL}, {"mirror", 0, NULL}};
    int ports[GWF_UPSTREAMS + 5];
    memset(ports, 0, sizeof(ports));
    gs_gw_endpoints eps = {0};
    const char *names[GWF_UPSTREAMS] = {"v1", "v2", "mirror"};
    for (int i = 0; i < GWF_UPSTREAMS; i++) {
        ups[i].base = base;
        ports[i + 1] = fake_listen(base, &ups[i]);
        char spec[128];
        snprintf(spec, sizeof(spec), "default/%s:8080=127.0.0.1:%d", names[i], ports[i + 1]);
        ck_assert_int_eq(gs_gw_endpoints_add_spec(&eps, spec, NULL), 0);
    }
    ck_assert_int_eq(gs_gw_endpoints_add_spec(&eps, "default/dead:8080=127.0.0.1:1", NULL), 0);
    for (size_t i = 0; i < GS_ARRAY_LEN(gwf_extra_backends) && gwf_extra_backends[i]; i++)
        ck_assert_int_eq(gs_gw_endpoints_add_spec(&eps, gwf_extra_backends[i], NULL), 0);

    gs_route_table *t;
    gs_route_table_new(&t, NULL);
    build(t);
    gs_error err = {0};
    ck_assert_msg(gs_route_table_compile(t, &err) == 0, "%s", err.msg);

    gs_gw_runtime rt = {0};
    rt.base = base;
    gs_gw_limits_defaults(&rt.limits);
    rt.limits.header_timeout_ms = 1000;
    rt.limits.max_response_body = 1u << 20;
    rt.limits.max_streamed_body = 2u << 20;
    if (gwf_max_connections)
        rt.limits.max_connections = gwf_max_connections;
    if (gwf_max_streamed_body)
        rt.limits.max_streamed_body = gwf_max_streamed_body;
    if (gwf_idle_timeout_ms)
        rt.limits.idle_timeout_ms = gwf_idle_timeout_ms;
    gs_gw_upstream_new(&rt.upstream, base, &rt.limits);
    rt.endpoints = &eps;
    gs_gw_rng_seed(&rt.rng, 1);
    rt.current = gs_gw_snapshot_new(t, 1);
    gs_gw_server *srv;
    gs_gw_server_new(&srv, &rt, NULL);
    ck_assert_msg(gs_gw_server_sync(srv, &err) == 0, "%s", err.msg);
    gs_buf ready = {0};
    gs_gw_server_ready_json(srv, &ready);
    const char *addr = strstr(ready.data, "127.0.0.1:");
    ck_assert_ptr_nonnull(addr);
    ports[0] = atoi(addr + 10);
    for (int i = 0; i < 4 && addr; i++, addr = strstr(addr + 1, "127.0.0.1:"))
        ports[GWF_UPSTREAMS + 1 + i] = atoi(addr + 10);
    gs_buf_clear(&ready);
    ck_assert_int_eq(write(wfd, ports, sizeof(ports)), (int)sizeof(ports));
    close(wfd);
    struct event *term = evsignal_new(base, SIGTERM, on_child_term, base);
    event_add(term, NULL);
    event_base_dispatch(base);
    event_free(term);
    gs_gw_server_free(srv);
    gs_gw_upstream_free(rt.upstream);
    gs_gw_snapshot_unref(rt.current);
    gs_gw_endpoints_clear(&eps);
    event_base_free(base);
    _exit(0);
}

static void gwf_upstream_child(int wfd)
{
    signal(SIGPIPE, SIG_IGN);
    struct event_base *base = event_base_new();
    static fake_up ups[GWF_UPSTREAMS] = {{"v1", 0, NULL}, {"v2", 0, NULL}, {"mirror", 0, NULL}};
    int ports[GWF_UPSTREAMS];
    for (int i = 0; i < GWF_UPSTREAMS; i++) {
        ups[i].base = base;
        ports[i] = fake_listen(base, &ups[i]);
    }
    ck_assert_int_eq(write(wfd, ports, sizeof(ports)), (int)sizeof(ports));
    close(wfd);
    struct event *term = evsignal_new(base, SIGTERM, on_child_term, base);
    event_add(term, NULL);
    event_base_dispatch(base);
    _exit(0);
}

void gwf_start_upstreams(gwf *f)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    f->pid = fork();
    ck_assert_int_ge(f->pid, 0);
    if (f->pid == 0) {
        close(p[0]);
        gwf_upstream_child(p[1]);
    }
    close(p[1]);
    ck_assert_int_eq((int)read(p[0], f->up_port, sizeof(f->up_port)), (int)sizeof(f->up_port));
    close(p[0]);
}

void gwf_start(gwf *f, gwf_build build)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    f->pid = fork();
    ck_assert_int_ge(f->pid, 0);
    if (f->pid == 0) {
        close(p[0]);
        gwf_child(p[1], build);
    }
    close(p[1]);
    int ports[GWF_UPSTREAMS + 5];
    ssize_t n = read(p[0], ports, sizeof(ports));
    close(p[0]);
    ck_assert_int_eq((int)n, (int)sizeof(ports));
    f->gw_port = ports[0];
    for (int i = 0; i < GWF_UPSTREAMS; i++)
        f->up_port[i] = ports[i + 1];
    for (int i = 0; i < 4; i++)
        f->gw_ports[i] = ports[GWF_UPSTREAMS + 1 + i];
}

void gwf_stop(gwf *f)
{
    if (f->pid > 0) {
        kill(f->pid, SIGTERM);
        int st;
        waitpid(f->pid, &st, 0);
        f->pid = 0;
    }
}

int gwf_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {0};
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    return fd;
}

static const char *gwf_find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

static int gwf_exchange(int port, const char *raw, gwf_resp *out)
{
    int fd = gwf_connect(port);
    size_t len = strlen(raw);
    ck_assert_int_eq((int)write(fd, raw, len), (int)len);
    gs_buf in = {0};
    memset(out, 0, sizeof(*out));
    for (;;) {
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        gs_buf_append(&in, buf, (size_t)n);
        char *end = in.data ? strstr(in.data, "\r\n\r\n") : NULL;
        if (end) {
            const char *cl = gwf_find_ci(in.data, "\ncontent-length:");
            size_t want = cl && cl < end ? (size_t)atol(cl + 16) : 0;
            if (in.len >= (size_t)(end - in.data) + 4 + want)
                break;
        }
    }
    close(fd);
    if (in.len == 0)
        return -1;
    char *end = strstr(in.data, "\r\n\r\n");
    ck_assert_ptr_nonnull(end);
    out->status = atoi(in.data + 9);
    out->head = gs_xstrndup(in.data, (size_t)(end - in.data) + 2);
    out->body = gs_xstrdup(end + 4);
    gs_buf_clear(&in);
    return 0;
}

int gwf_http(const gwf *f, const char *raw, gwf_resp *out)
{
    return gwf_exchange(f->gw_port, raw, out);
}

int gwf_get(const gwf *f, const char *host, const char *path, const char *extra, gwf_resp *out)
{
    char *raw = gs_xasprintf("GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", path, host, extra);
    int rc = gwf_http(f, raw, out);
    free(raw);
    return rc;
}

char *gwf_header(const gwf_resp *r, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = strstr(r->head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            return gs_xstrndup(v, (size_t)(e - v));
        }
    }
    return NULL;
}

void gwf_resp_free(gwf_resp *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

int gwf_upstream_count(const gwf *f, int i)
{
    gwf_resp r;
    ck_assert_int_eq(gwf_exchange(f->up_port[i], "GET /__count HTTP/1.1\r\nHost: x\r\n\r\n", &r),
                     0);
    int n = atoi(r.body);
    gwf_resp_free(&r);
    return n;
}

size_t gwf_listener(gs_route_table *t, const char *name, uint16_t port, gs_rt_protocol proto,
                    const char *hostname)
{
    gs_rt_listener l = {.gateway_namespace = "default",
                        .gateway_name = "gw",
                        .name = name,
                        .port = port,
                        .protocol = proto,
                        .hostname = hostname};
    size_t idx = 0;
    gs_error err = {0};
    ck_assert_msg(gs_route_table_add_listener(t, &l, &idx, &err) == 0, "%s", err.msg);
    return idx;
}

void gwf_catch_all(gs_route_table *t, size_t listener, const char *service,
                   const char *app_protocol)
{
    gs_rt_backend b = {.group = "",
                       .kind = "Service",
                       .namespace = "default",
                       .name = service,
                       .port = 8080,
                       .weight = 1,
                       .app_protocol = app_protocol};
    gs_rt_match m[] = {{.path = {GS_RT_MATCH_PREFIX, "/", NULL}}};
    gs_rt_rule rule = {.matches = m,
                       .n_matches = 1,
                       .backends = &b,
                       .n_backends = 1,
                       .request_timeout_ms = GS_RT_TIMEOUT_UNSET,
                       .backend_request_timeout_ms = GS_RT_TIMEOUT_UNSET};
    gs_rt_route r = {.kind = GS_RT_ROUTE_HTTP,
                     .namespace = "default",
                     .name = "r",
                     .rules = &rule,
                     .n_rules = 1};
    ck_assert_int_eq(gs_route_table_add_route(t, &r, &listener, 1, NULL), 0);
}
