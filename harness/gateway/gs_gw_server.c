/* SPDX-License-Identifier: MIT */
/* Listening sockets, accept, TLS handshakes with SNI certificate choice, and protocol detection
 * (ALPN on TLS; the HTTP/2 connection preface on cleartext, so one port serves HTTP/1.1 and h2c
 * with prior knowledge). */
#include "gs_gw_server.h"

#include "gs_accept_backoff.h"
#include "gs_alloc.h"
#include "gs_gw_conn.h"
#include "gs_gw_l4.h"
#include "gs_json.h"
#include "gs_log.h"
#include "gs_time.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/* A closed connection whose client may still be sending (see gs_gw_conn_linger). */
typedef struct server_linger {
    gs_gw_server *srv;
    struct event *ev;
    int fd;
    size_t discarded;
    int64_t deadline;
    LIST_ENTRY(server_linger) link;
} server_linger;

struct gs_gw_server {
    gs_gw_runtime *rt;
    gs_gw_server_opts opts;
    LIST_HEAD(, gs_gw_listen) listens;
    LIST_HEAD(, gs_gw_listen) retired; /* removed by a reload; connections may still use them */
    LIST_HEAD(, gs_gw_conn) conns;
    size_t n_conns;
    LIST_HEAD(, server_linger) lingers;
    size_t n_lingers;
    gs_accept_backoff backoff; /* accept() failures pause accepting */
    gs_gw_l4 *l4;              /* TCP, TLS and UDP listeners' connections and sessions */
    bool shutting_down;
};

/* Client addresses tracked for the per-address reset budget (fixed memory). */
#define SERVER_ADDR_SLOTS 4096
/* The per-address reset budget's window. */
#define SERVER_ADDR_WINDOW_NS (10 * GS_NS_PER_S)

/* Lingering close (as nginx's lingering_close): at most this many sockets, each for at most
 * SERVER_LINGER_MS and SERVER_LINGER_BYTES of discarded input. */
#define SERVER_LINGER_MAX 1024
#define SERVER_LINGER_MS 2000
#define SERVER_LINGER_BYTES (16u << 20)

static void linger_free(server_linger *l)
{
    LIST_REMOVE(l, link);
    l->srv->n_lingers--;
    event_free(l->ev);
    close(l->fd);
    free(l);
}

/* Reads and drops what the client still sends, until it closes or the time or byte budget ends. */
static void on_linger(evutil_socket_t fd, short what, void *arg)
{
    server_linger *l = arg;
    if (what & EV_TIMEOUT) {
        linger_free(l);
        return;
    }
    char buf[16384];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n > 0) {
            l->discarded += (size_t)n;
            if (l->discarded > SERVER_LINGER_BYTES)
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && gs_now_ns() < l->deadline)
            return;
        break; /* EOF, an error, or out of time */
    }
    linger_free(l);
}

void gs_gw_conn_linger(gs_gw_conn *c)
{
    gs_gw_server *s = c->srv;
    int fd = bufferevent_getfd(c->bev);
    if (fd < 0 || s->n_lingers >= SERVER_LINGER_MAX)
        return;
    int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0); /* outlives the connection's own close */
    if (dup_fd < 0)
        return;
    shutdown(dup_fd, SHUT_WR); /* the response is out: FIN now */
    server_linger *l = gs_xcalloc(1, sizeof(*l));
    l->srv = s;
    l->fd = dup_fd;
    l->deadline = gs_now_ns() + SERVER_LINGER_MS * GS_NS_PER_MS;
    l->ev = event_new(s->rt->base, dup_fd, EV_READ | EV_PERSIST, on_linger, l);
    struct timeval tv = {SERVER_LINGER_MS / 1000, (SERVER_LINGER_MS % 1000) * 1000};
    event_add(l->ev, &tv);
    LIST_INSERT_HEAD(&s->lingers, l, link);
    s->n_lingers++;
}

const gs_rt_port *gs_gw_conn_port(gs_gw_conn *c, gs_gw_snapshot *snap)
{
    if (c->listen->retired)
        return NULL;
    return gs_route_table_find_port(snap->table, c->listen->gateway_namespace,
                                    c->listen->gateway_name, c->listen->port);
}

void gs_gw_conn_free(gs_gw_conn *c)
{
    gs_gw_timer_deinit(&c->deadline);
    if (c->proto == GS_GW_CONN_H1)
        gs_gw_h1_free(c);
    else if (c->proto == GS_GW_CONN_H2)
        gs_gw_h2_free(c);
    LIST_REMOVE(c, link);
    c->srv->n_conns--;
    bufferevent_free(c->bev);
    free(c->sni);
    free(c);
}

void gs_gw_conn_deadline_set(gs_gw_conn *c)
{
    gs_gw_timer_set(&c->deadline, c->rt->limits.header_timeout_ms);
}

void gs_gw_conn_deadline_stop(gs_gw_conn *c)
{
    gs_gw_timer_stop(&c->deadline);
}

/* Fires when a TLS handshake, protocol detection or HTTP/2 header block took longer than the
 * header timeout in total, however steadily its bytes trickled in. */
static void on_conn_deadline(void *arg)
{
    gs_gw_conn *c = arg;
    c->rt->counters.deadline_closed++;
    gs_gw_conn_free(c);
}

/* The protocol is known: its side takes over the timing of request heads. */
static void conn_start(gs_gw_conn *c, bool h2)
{
    gs_gw_conn_deadline_stop(c);
    if (h2)
        gs_gw_h2_start(c);
    else
        gs_gw_h1_start(c);
}

/* Fires while the first bytes of a cleartext connection arrive, until the protocol is known. */
static void on_conn_detect(struct bufferevent *bev, void *arg)
{
    gs_gw_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t n = evbuffer_get_length(in);
    size_t cmp = n < sizeof(h2_preface) - 1 ? n : sizeof(h2_preface) - 1;
    const char *data = (const char *)evbuffer_pullup(in, (ssize_t)cmp);
    if (memcmp(data, h2_preface, cmp) != 0) {
        conn_start(c, false);
        return;
    }
    if (cmp == sizeof(h2_preface) - 1)
        conn_start(c, true);
}

static void on_conn_event(struct bufferevent *bev, short what, void *arg)
{
    gs_gw_conn *c = arg;
    if (what & BEV_EVENT_CONNECTED) { /* TLS handshake done */
        const unsigned char *alpn = NULL;
        unsigned alpn_len = 0;
        SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
        const char *sni = SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name);
        if (sni)
            c->sni = gs_xstrdup(sni);
        (void)bev;
        conn_start(c, alpn_len == 2 && memcmp(alpn, "h2", 2) == 0);
        return;
    }
    /* A refused handshake (a client certificate missing or not trusted is refused after a TLS
     * 1.3 client has sent its request): the alert is out; a close with that request unread
     * would reset the connection, and the reset can drop the alert before the client reads it. */
    if (c->ssl != NULL && (what & BEV_EVENT_ERROR))
        gs_gw_conn_linger(c);
    gs_gw_conn_free(c);
}

/* OpenSSL servername callback: switch to the certificate of the listener the SNI selects. */
static int on_tls_sni(SSL *ssl, int *alert, void *arg)
{
    (void)alert;
    gs_gw_listen *l = arg;
    gs_gw_snapshot *snap = l->srv->rt->current;
    const gs_rt_port *port =
        gs_route_table_find_port(snap->table, l->gateway_namespace, l->gateway_name, l->port);
    if (port == NULL)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    const gs_rt_listener *chosen = sni ? gs_rt_port_select_listener(port, sni, strlen(sni)) : NULL;
    SSL_CTX *ctx = chosen ? gs_gw_tls_store_ctx(snap->tls, chosen) : NULL;
    /* No SNI, or an SNI no listener serves: the first listener with a certificate. */
    for (size_t i = 0; ctx == NULL && i < port->n_listeners; i++)
        ctx = gs_gw_tls_store_ctx(snap->tls, port->listeners[i]);
    if (ctx == NULL)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    gs_gw_tls_switch_ctx(ssl, ctx);
    return SSL_TLSEXT_ERR_OK;
}

static void on_accept(struct evconnlistener *evl, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    (void)evl;
    (void)salen;
    gs_gw_listen *l = arg;
    gs_gw_server *s = l->srv;
    if (gs_gw_server_conn_count(s) >= s->rt->limits.max_connections || s->shutting_down) {
        s->rt->counters.connections_refused++;
        evutil_closesocket(fd);
        return;
    }
    char client_ip[64] = "";
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, client_ip, sizeof(client_ip));
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, client_ip,
                  sizeof(client_ip));
    if (gs_gw_addrlim_banned(&s->rt->guards.resets, client_ip, gs_now_ns())) {
        /* The address reset too many streams lately: refused until its ban ends. With a reset
         * (SO_LINGER 0), not a FIN: a client reconnecting in a loop leaves no TIME_WAIT socket
         * here per attempt. */
        s->rt->counters.connections_banned++;
        struct linger lg = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        evutil_closesocket(fd);
        return;
    }
    if (l->protocol == GS_RT_PROTO_TLS || l->protocol == GS_RT_PROTO_TCP) {
        gs_gw_l4_accept(s->l4, l, fd);
        return;
    }
    gs_gw_conn *c = gs_xcalloc(1, sizeof(*c));
    c->srv = s;
    c->rt = s->rt;
    c->listen = l;
    memcpy(c->client_ip, client_ip, sizeof(c->client_ip));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct event_base *base = s->rt->base;
    if (l->protocol == GS_RT_PROTO_HTTPS) {
        c->ssl = SSL_new(l->ssl_ctx);
        c->bev = bufferevent_openssl_socket_new(base, fd, c->ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                BEV_OPT_CLOSE_ON_FREE);
        if (c->bev == NULL) { /* the SSL belongs to the failed bufferevent call */
            evutil_closesocket(fd);
            free(c);
            return;
        }
        bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
        bufferevent_setcb(c->bev, NULL, NULL, on_conn_event, c);
        bufferevent_enable(c->bev, EV_READ);
    } else {
        c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
        bufferevent_setcb(c->bev, on_conn_detect, NULL, on_conn_event, c);
        bufferevent_enable(c->bev, EV_READ);
    }
    /* A connection that never says anything is closed by the header timeout; one that
     * trickles its TLS handshake or first bytes by the same time in total. */
    struct timeval tv = {(time_t)(s->rt->limits.header_timeout_ms / 1000),
                         (suseconds_t)(s->rt->limits.header_timeout_ms % 1000) * 1000};
    bufferevent_set_timeouts(c->bev, &tv, NULL);
    gs_gw_timer_init(&c->deadline, base, on_conn_deadline, c);
    gs_gw_conn_deadline_set(c);
    LIST_INSERT_HEAD(&s->conns, c, link);
    s->n_conns++;
}

/* Fires when accept() failed (EMFILE, ENFILE, ...): stop accepting on every listener for a
 * moment instead of spinning on a socket that stays readable. */
static void on_accept_error(struct evconnlistener *evl, void *arg)
{
    (void)evl;
    gs_gw_listen *l = arg;
    gs_gw_server *s = l->srv;
    int e = EVUTIL_SOCKET_ERROR();
    s->rt->counters.accept_errors++;
    gs_gw_listen *it;
    LIST_FOREACH(it, &s->listens, link)
    {
        if (it->evl)
            evconnlistener_disable(it->evl);
    }
    gs_accept_backoff_fail(&s->backoff, e, false);
}

static void on_accept_resume(void *arg)
{
    gs_gw_server *s = arg;
    if (s->shutting_down)
        return;
    gs_gw_listen *l;
    LIST_FOREACH(l, &s->listens, link)
    {
        if (l->evl)
            evconnlistener_enable(l->evl);
    }
}

/* The process-wide limits the connections share against hostile clients. */
static void server_guards_init(gs_gw_runtime *rt)
{
    gs_gw_guards *g = &rt->guards;
    g->request_bodies = (gs_gw_budget){.limit = rt->limits.process_request_buffer};
    g->held_responses = (gs_gw_budget){.limit = rt->limits.process_response_held};
    gs_gw_addrlim_init(&g->resets, SERVER_ADDR_SLOTS, rt->limits.addr_max_resets,
                       SERVER_ADDR_WINDOW_NS, rt->limits.addr_ban_ms * GS_NS_PER_MS);
    gs_gw_release_init(&g->release, rt->base);
}

int gs_gw_server_new(gs_gw_server **out, gs_gw_runtime *rt, const gs_gw_server_opts *opts)
{
    gs_gw_server *s = gs_xcalloc(1, sizeof(*s));
    s->rt = rt;
    if (opts)
        s->opts = *opts;
    if (s->opts.bind_host == NULL)
        s->opts.bind_host = "127.0.0.1";
    LIST_INIT(&s->listens);
    LIST_INIT(&s->retired);
    LIST_INIT(&s->conns);
    LIST_INIT(&s->lingers);
    gs_accept_backoff_init(&s->backoff, rt->base, on_accept_resume, s);
    server_guards_init(rt);
    s->l4 = gs_gw_l4_new(rt);
    *out = s;
    return 0;
}

static void listen_free(gs_gw_listen *l)
{
    LIST_REMOVE(l, link);
    if (l->evl)
        evconnlistener_free(l->evl);
    gs_gw_l4_udp_close(l);
    SSL_CTX_free(l->ssl_ctx);
    free(l->gateway_namespace);
    free(l->gateway_name);
    free(l);
}

static uint16_t server_bound_port(const gs_gw_server *s, uint16_t declared)
{
    for (size_t i = 0; i < s->opts.n_port_map; i++)
        if (s->opts.port_map[i].declared == declared)
            return s->opts.port_map[i].bound;
    return 0;
}

static void listen_set_address(gs_gw_listen *l, evutil_socket_t fd);

static int listen_open(gs_gw_server *s, const gs_rt_port *p, gs_error *err)
{
    struct sockaddr_storage ss = {0};
    socklen_t sl;
    uint16_t bport = server_bound_port(s, p->port);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, s->opts.bind_host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(bport);
        sl = sizeof(*sin);
    } else if (inet_pton(AF_INET6, s->opts.bind_host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(bport);
        sl = sizeof(*sin6);
    } else {
        return gs_error_set(err, GS_ERR_USAGE, "bind address \"%s\" is not an IP address",
                            s->opts.bind_host);
    }
    gs_gw_listen *l = gs_xcalloc(1, sizeof(*l));
    l->srv = s;
    l->gateway_namespace = gs_xstrdup(p->gateway_namespace);
    l->gateway_name = gs_xstrdup(p->gateway_name);
    l->port = p->port;
    l->protocol = p->protocol;
    l->seen = true;
    LIST_INSERT_HEAD(&s->listens, l, link);
    if (l->protocol == GS_RT_PROTO_UDP) {
        int rc = gs_gw_l4_udp_open(s->l4, l, (struct sockaddr *)&ss, sl, err);
        if (rc < 0) {
            listen_free(l);
            return rc;
        }
        listen_set_address(l, gs_gw_l4_udp_fd(l));
        return 0;
    }
    if (l->protocol == GS_RT_PROTO_HTTPS)
        l->ssl_ctx = gs_gw_tls_server_ctx(on_tls_sni, l);
    l->evl =
        evconnlistener_new_bind(s->rt->base, on_accept, l,
                                LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
                                1024, (struct sockaddr *)&ss, (int)sl);
    if (l->evl == NULL) {
        int e = errno;
        listen_free(l);
        return gs_error_set_errno(err, e, "Gateway %s/%s port %u: cannot bind %s:%u",
                                  p->gateway_namespace, p->gateway_name, p->port, s->opts.bind_host,
                                  bport);
    }
    evconnlistener_set_error_cb(l->evl, on_accept_error);
    if (gs_accept_backoff_paused(&s->backoff))
        evconnlistener_disable(l->evl);
    listen_set_address(l, evconnlistener_get_fd(l->evl));
    return 0;
}

/* Records the address |fd| is actually bound to in |l->address|. */
static void listen_set_address(gs_gw_listen *l, evutil_socket_t fd)
{
    struct sockaddr_storage bound;
    socklen_t bl = sizeof(bound);
    getsockname(fd, (struct sockaddr *)&bound, &bl);
    char host[INET6_ADDRSTRLEN] = "";
    unsigned port = 0;
    if (bound.ss_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&bound)->sin_addr, host, sizeof(host));
        port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
        snprintf(l->address, sizeof(l->address), "%s:%u", host, port);
    } else {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&bound)->sin6_addr, host, sizeof(host));
        port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
        snprintf(l->address, sizeof(l->address), "[%s]:%u", host, port);
    }
}

static gs_gw_listen *server_find_listen(gs_gw_server *s, const gs_rt_port *p)
{
    gs_gw_listen *l;
    LIST_FOREACH(l, &s->listens, link)
    {
        if (l->port == p->port && l->protocol == p->protocol &&
            strcmp(l->gateway_namespace, p->gateway_namespace) == 0 &&
            strcmp(l->gateway_name, p->gateway_name) == 0)
            return l;
    }
    return NULL;
}

int gs_gw_server_sync(gs_gw_server *s, gs_error *err)
{
    const gs_route_table *t = s->rt->current->table;
    gs_gw_listen *l, *tmp;
    LIST_FOREACH(l, &s->listens, link)
    l->seen = false;
    size_t n = gs_route_table_port_count(t);
    for (size_t i = 0; i < n; i++) {
        const gs_rt_port *p = gs_route_table_port(t, i);
        l = server_find_listen(s, p);
        if (l) {
            l->seen = true;
            continue;
        }
        int rc = listen_open(s, p, err);
        if (rc < 0)
            return rc;
    }
    for (l = LIST_FIRST(&s->listens); l; l = tmp) {
        tmp = LIST_NEXT(l, link);
        if (!l->seen) {
            /* Stop accepting; open connections keep the struct until the server goes. */
            LIST_REMOVE(l, link);
            if (l->evl)
                evconnlistener_free(l->evl);
            l->evl = NULL;
            gs_gw_l4_udp_close(l); /* UDP has no connections to outlive it */
            l->retired = true;
            LIST_INSERT_HEAD(&s->retired, l, link);
        }
    }
    return 0;
}

void gs_gw_server_ready_json(gs_gw_server *s, gs_buf *out)
{
    gs_json j;
    gs_json_init(&j, out, false);
    gs_json_object_begin(&j);
    gs_json_key(&j, "ready");
    gs_json_bool(&j, true);
    gs_json_key(&j, "listeners");
    gs_json_array_begin(&j);
    const gs_route_table *t = s->rt->current->table;
    size_t n = gs_route_table_listener_count(t);
    for (size_t i = 0; i < n; i++) {
        const gs_rt_listener *rl = gs_route_table_listener(t, i);
        const gs_rt_port *p =
            rl->protocol == GS_RT_PROTO_UDP
                ? gs_route_table_find_udp_port(t, rl->gateway_namespace, rl->gateway_name,
                                               rl->port)
                : gs_route_table_find_port(t, rl->gateway_namespace, rl->gateway_name, rl->port);
        gs_gw_listen *l = p ? server_find_listen(s, p) : NULL;
        if (l == NULL)
            continue;
        gs_json_object_begin(&j);
        gs_json_key(&j, "gateway");
        char *gw = gs_xasprintf("%s/%s", rl->gateway_namespace, rl->gateway_name);
        gs_json_string(&j, gw);
        free(gw);
        gs_json_key(&j, "listener");
        gs_json_string(&j, rl->name);
        gs_json_key(&j, "port");
        gs_json_int(&j, rl->port);
        gs_json_key(&j, "protocol");
        gs_json_string(&j, gs_rt_protocol_name(rl->protocol));
        if (rl->hostname) {
            gs_json_key(&j, "hostname");
            gs_json_string(&j, rl->hostname);
        }
        gs_json_key(&j, "address");
        gs_json_string(&j, l->address);
        gs_json_object_end(&j);
    }
    gs_json_array_end(&j);
    gs_json_object_end(&j);
}

void gs_gw_server_shutdown(gs_gw_server *s)
{
    s->shutting_down = true;
    gs_gw_listen *l;
    LIST_FOREACH(l, &s->listens, link)
    {
        if (l->evl) {
            evconnlistener_free(l->evl);
            l->evl = NULL;
        }
    }
    gs_gw_l4_shutdown(s->l4);
    gs_gw_conn *c, *tmp;
    for (c = LIST_FIRST(&s->conns); c; c = tmp) {
        tmp = LIST_NEXT(c, link);
        if (c->proto == GS_GW_CONN_H1)
            gs_gw_h1_shutdown(c);
        else if (c->proto == GS_GW_CONN_H2)
            gs_gw_h2_shutdown(c);
        else
            gs_gw_conn_free(c);
    }
}

size_t gs_gw_server_conn_count(const gs_gw_server *s)
{
    return s->n_conns + gs_gw_l4_conn_count(s->l4);
}

void gs_gw_server_free(gs_gw_server *s)
{
    if (s == NULL)
        return;
    while (!LIST_EMPTY(&s->conns))
        gs_gw_conn_free(LIST_FIRST(&s->conns));
    gs_gw_l4_shutdown(s->l4);
    while (!LIST_EMPTY(&s->listens))
        listen_free(LIST_FIRST(&s->listens)); /* UDP sessions too: they need the l4 state */
    while (!LIST_EMPTY(&s->retired))
        listen_free(LIST_FIRST(&s->retired));
    gs_gw_l4_free(s->l4);
    while (!LIST_EMPTY(&s->lingers))
        linger_free(LIST_FIRST(&s->lingers));
    gs_accept_backoff_deinit(&s->backoff);
    gs_gw_addrlim_free(&s->rt->guards.resets);
    gs_gw_release_clear(&s->rt->guards.release); /* after the connections: they queue buffers */
    free(s);
}
