/* SPDX-License-Identifier: MIT */
/* The echo process: listening sockets (SO_REUSEPORT when several loops share a port), workers
 * (one event_base each), accepting, TLS handshakes with ALPN, HTTP/2 preface detection on the
 * plaintext port, the ready line, and the bounded drain at SIGTERM. The protocols themselves are
 * in echo_h1.c and echo_h2.c. */
#include "echo_server.h"

#include "echo_conn.h"
#include "gs_addr.h"
#include "gs_alloc.h"
#include "gs_json.h"
#include "gs_log.h"
#include "gs_time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/thread.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SERVER_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define SERVER_PREFACE_LEN 24

typedef struct server_socket {
    int fd;
    char addr[300]; /* "host:port" as bound */
    int port;
} server_socket;

typedef struct gs_echo_server {
    const gs_echo_config *cfg;
    gs_echo_log *log;
    SSL_CTX *ssl_ctx;
    SSL_CTX *ssl_ctx_stream;
    char cert_sha256[65]; /* hex fingerprint of the --tls-names certificate, "" otherwise */
    gs_echo_worker *workers;
    int n_workers;
    struct event *sig_term, *sig_int;
} gs_echo_server;

/* ---- connections ---- */

void gs_echo_conn_close(gs_echo_conn *c, bool reset)
{
    gs_echo_worker *w = c->w;
    if (c->ops != NULL)
        c->ops->free(c);
    if (reset) {
        evutil_socket_t fd = bufferevent_getfd(c->bev);
        struct linger lg = {1, 0};
        if (fd >= 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        if (c->is_tls) {
            /* No close_notify: the point is an abrupt end. */
            SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
            if (ssl != NULL)
                SSL_set_quiet_shutdown(ssl, 1);
        }
    }
    gs_sockread_detach(&c->rd);
    bufferevent_free(c->bev);
    if (c->head_timer != NULL)
        event_free(c->head_timer);
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    w->n_conns--;
    free(c->peer_cert);
    free(c);
    if (w->draining && w->n_conns == 0)
        event_base_loopexit(w->base, NULL);
}

void gs_echo_conn_send(gs_echo_conn *c, const void *data, size_t len)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    const char *p = data;
    if (!c->is_tls && len > 0 && evbuffer_get_length(out) == 0) {
        ssize_t n = send(bufferevent_getfd(c->bev), p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        /* On errors other than EAGAIN the bufferevent's own write reports them. */
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        }
    }
    if (len > 0)
        evbuffer_add(out, p, len);
}

/* ---- reading: gs_sockread on plaintext sockets, the bufferevent on TLS ---- */

void gs_echo_conn_setcb(gs_echo_conn *c, bufferevent_data_cb on_read, bufferevent_data_cb on_write,
                        bufferevent_event_cb on_event, void *arg)
{
    if (!c->is_tls)
        gs_sockread_setcb(&c->rd, on_read, on_event, arg);
    bufferevent_setcb(c->bev, c->is_tls ? on_read : NULL, on_write, on_event, arg);
    bufferevent_enable(c->bev, EV_WRITE);
}

void gs_echo_conn_read(gs_echo_conn *c, bool on)
{
    if (!c->is_tls)
        gs_sockread_enable(&c->rd, on);
    else if (on)
        bufferevent_enable(c->bev, EV_READ);
    else
        bufferevent_disable(c->bev, EV_READ);
}

void gs_echo_conn_timeouts(gs_echo_conn *c, const struct timeval *rd, const struct timeval *wr)
{
    if (c->is_tls) {
        bufferevent_set_timeouts(c->bev, rd, wr);
        return;
    }
    bufferevent_set_timeouts(c->bev, NULL, wr);
    gs_sockread_set_timeout(&c->rd, rd);
}

void gs_echo_conn_read_high(gs_echo_conn *c, size_t high)
{
    if (c->is_tls)
        bufferevent_setwatermark(c->bev, EV_READ, 0, high);
    else
        gs_sockread_set_high(&c->rd, high);
}

static void conn_choose_protocol(gs_echo_conn *c);

/* Fires when a TLS handshake, a request head or an HTTP/2 header block took longer than
 * --header-timeout in total. */
static void on_head_deadline(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gs_echo_conn *c = arg;
    gs_echo_log_count(c->w->ctx.log, "timeout");
    gs_echo_conn_close(c, false);
}

void gs_echo_conn_head_begin(gs_echo_conn *c)
{
    if (c->head_timer == NULL)
        c->head_timer = evtimer_new(c->w->base, on_head_deadline, c);
    if (evtimer_pending(c->head_timer, NULL))
        return;
    int64_t ns = c->w->cfg->header_timeout_ns;
    struct timeval tv = {(time_t)(ns / GS_NS_PER_S), (suseconds_t)((ns % GS_NS_PER_S) / 1000)};
    evtimer_add(c->head_timer, &tv);
}

void gs_echo_conn_head_end(gs_echo_conn *c)
{
    if (c->head_timer != NULL)
        evtimer_del(c->head_timer);
}

/* Fires while the protocol is being detected (plaintext: the first bytes; TLS: handshake). */
static void on_detect_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    conn_choose_protocol(arg);
}

static void on_detect_event(struct bufferevent *bev, short what, void *arg)
{
    gs_echo_conn *c = arg;
    if (what & BEV_EVENT_CONNECTED) {
        /* TLS handshake done. */
        SSL *ssl = bufferevent_openssl_get_ssl(bev);
        gs_tls_info_get(ssl, &c->tls);
        if (c->w->cfg->client_ca != NULL)
            c->peer_cert = gs_tls_peer_cert_pem(ssl);
        gs_echo_log_count(c->w->ctx.log, "tls");
        conn_choose_protocol(c);
        return;
    }
    if ((what & BEV_EVENT_ERROR) && c->is_tls)
        gs_echo_log_count(c->w->ctx.log, "tls_error");
    gs_echo_conn_close(c, false);
}

/* Decides HTTP/1.1 or HTTP/2: ALPN on TLS, else the client preface. */
static void conn_choose_protocol(gs_echo_conn *c)
{
    if (c->kind == GS_ECHO_LISTENER_CONTROL) {
        gs_echo_h1_start(c);
        return;
    }
    if (c->kind == GS_ECHO_LISTENER_TCP || c->kind == GS_ECHO_LISTENER_TCP_TLS) {
        gs_echo_stream_start(c);
        return;
    }
    if (c->is_tls && strcmp(c->tls.alpn, "h2") == 0) {
        gs_echo_conn_head_end(c);
        gs_echo_h2_start(c);
        return;
    }
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t len = evbuffer_get_length(in);
    if (len == 0)
        return;
    size_t n = len < SERVER_PREFACE_LEN ? len : SERVER_PREFACE_LEN;
    const char *data = (const char *)evbuffer_pullup(in, (ev_ssize_t)n);
    if (memcmp(data, SERVER_PREFACE, n) != 0) {
        gs_echo_h1_start(c);
        return;
    }
    if (n == SERVER_PREFACE_LEN) {
        gs_echo_conn_head_end(c);
        gs_echo_h2_start(c);
    }
    /* else: a prefix of the preface, wait for more */
}

static void conn_new(gs_echo_listener_info *li, evutil_socket_t fd)
{
    gs_echo_worker *w = li->worker;
    const gs_echo_config *cfg = w->cfg;
    if (w->n_conns >= cfg->max_connections || w->draining) {
        gs_echo_log_count(w->ctx.log, "rejected");
        evutil_closesocket(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    gs_echo_conn *c = gs_xcalloc(1, sizeof(*c));
    c->w = w;
    c->kind = li->kind;
    c->local_port = li->port;
    if (li->kind == GS_ECHO_LISTENER_TLS || li->kind == GS_ECHO_LISTENER_TCP_TLS) {
        SSL *ssl = SSL_new(li->kind == GS_ECHO_LISTENER_TLS ? w->ssl_ctx : w->ssl_ctx_stream);
        if (ssl == NULL) {
            evutil_closesocket(fd);
            free(c);
            return;
        }
        c->is_tls = true;
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
        /* A line client that half-closes TCP without a close_notify (a gateway passing its
         * client's half-close on: OpenSSL has no TLS half-close) ends its side as an EOF, and
         * the answers already due are still written; OpenSSL 3 would call it an error. */
        if (li->kind == GS_ECHO_LISTENER_TCP_TLS)
            SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
        /* The SSL belongs to the bufferevent from here on, even if creation fails. */
        c->bev = bufferevent_openssl_socket_new(w->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                BEV_OPT_CLOSE_ON_FREE);
        if (c->bev != NULL)
            bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
    } else {
        c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    if (c->bev == NULL) {
        evutil_closesocket(fd);
        free(c);
        return;
    }
    c->next = w->conns;
    if (w->conns != NULL)
        w->conns->prev = c;
    w->conns = c;
    w->n_conns++;
    gs_echo_log_count(w->ctx.log, "accepted");
    struct timeval idle = {(time_t)(cfg->idle_timeout_ns / GS_NS_PER_S),
                           (suseconds_t)((cfg->idle_timeout_ns % GS_NS_PER_S) / 1000)};
    if (!c->is_tls)
        gs_sockread_attach(&c->rd, c->bev);
    gs_echo_conn_timeouts(c, &idle, &idle);
    gs_echo_conn_head_begin(c);
    gs_echo_conn_setcb(c, on_detect_read, NULL, on_detect_event, c);
    gs_echo_conn_read(c, true);
    /* Plaintext listeners that need no detection start their protocol at once. */
    if (!c->is_tls && (c->kind == GS_ECHO_LISTENER_CONTROL || c->kind == GS_ECHO_LISTENER_TCP))
        conn_choose_protocol(c);
}

/* Fires for every accepted socket. */
static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *addr,
                      int socklen, void *arg)
{
    (void)lev;
    (void)addr;
    (void)socklen;
    conn_new(arg, fd);
}

/* Fires when accept() fails (EMFILE, ENFILE, ...): pause accepting for a moment (see
 * gs_accept_backoff: the listening socket stays readable, so returning alone would spin). */
static void on_accept_error(struct evconnlistener *lev, void *arg)
{
    gs_echo_listener_info *li = arg;
    gs_echo_worker *w = li->worker;
    int e = EVUTIL_SOCKET_ERROR();
    gs_echo_log_count(w->ctx.log, "accept_error");
    for (size_t i = 0; i < w->n_listeners; i++)
        if (w->listeners[i].lev != NULL)
            evconnlistener_disable(w->listeners[i].lev);
    (void)lev;
    gs_accept_backoff_fail(&w->backoff, e, w->cfg->quiet);
}

static void on_resume(void *arg)
{
    gs_echo_worker *w = arg;
    if (w->draining)
        return;
    for (size_t i = 0; i < w->n_listeners; i++)
        if (w->listeners[i].lev != NULL)
            evconnlistener_enable(w->listeners[i].lev);
}

/* ---- shutdown ---- */

static void on_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gs_echo_worker *w = arg;
    if (!w->cfg->quiet && w->n_conns > 0)
        gs_log_note("shutdown: closing %d connection(s) still busy", w->n_conns);
    event_base_loopexit(w->base, NULL);
}

/* Fires (in the worker's thread) when shutdown begins. */
static void on_stop(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    gs_echo_worker *w = arg;
    if (w->draining)
        return;
    w->draining = true;
    /* Close the listening sockets: new connections are refused, not left in the backlog. */
    for (size_t i = 0; i < w->n_listeners; i++) {
        if (w->listeners[i].lev != NULL)
            evconnlistener_free(w->listeners[i].lev);
        w->listeners[i].lev = NULL;
    }
    gs_echo_udp_stop(w);
    struct timeval tv = {(time_t)(w->cfg->shutdown_timeout_ns / GS_NS_PER_S),
                         (suseconds_t)((w->cfg->shutdown_timeout_ns % GS_NS_PER_S) / 1000)};
    evtimer_add(w->drain_timer, &tv);
    /* Connections may close (and unlink themselves) while we walk: take the next first. */
    gs_echo_conn *c = w->conns;
    while (c != NULL) {
        gs_echo_conn *next = c->next;
        if (c->ops != NULL)
            c->ops->drain(c);
        else
            gs_echo_conn_close(c, false);
        c = next;
    }
    if (w->n_conns == 0)
        event_base_loopexit(w->base, NULL);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    gs_echo_server *s = arg;
    if (!s->cfg->quiet)
        gs_log_note("%s: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    for (int i = 0; i < s->n_workers; i++)
        event_active(s->workers[i].stop_ev, EV_READ, 0);
}

/* ---- sockets ---- */

/* Binds |hostport| (port |port_override| instead when >= 0) as a |type| socket (SOCK_STREAM:
 * listening too, SOCK_DGRAM) into |out|. */
static int server_bind(const char *hostport, int type, int port_override, bool reuseport,
                       server_socket *out, gs_error *err)
{
    char host[256];
    uint16_t port;
    gs_error sub;
    if (gs_addr_parse_hostport(hostport, GS_ECHO_ADDR_FLAGS, host, sizeof(host), &port, &sub) < 0)
        return gs_error_set(err, GS_ERR_INVALID, "address %s", sub.msg);
    if (port_override >= 0)
        port = (uint16_t)port_override;
    struct sockaddr_storage bind_addr;
    socklen_t bind_len;
    if (gs_addr_resolve(host, port, &bind_addr, &bind_len, &sub) < 0)
        return gs_error_set(err, GS_ERR_INVALID, "%s: %s", hostport, sub.msg);
    int fd = socket(bind_addr.ss_family, type, 0);
    if (fd < 0)
        return gs_error_set_errno(err, errno, "socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (reuseport)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&bind_addr, bind_len) != 0 ||
        (type == SOCK_STREAM && listen(fd, 1024) != 0)) {
        int e = errno;
        close(fd);
        return gs_error_set_errno(err, e, "listen on %s", hostport);
    }
    evutil_make_socket_nonblocking(fd);
    evutil_make_socket_closeonexec(fd);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    out->port = gs_addr_format((struct sockaddr *)&ss, out->addr, sizeof(out->addr));
    out->fd = fd;
    return 0;
}

static void worker_add_listener(gs_echo_worker *w, gs_echo_listener_kind kind, int fd, int port)
{
    gs_echo_listener_info *li = &w->listeners[w->n_listeners++];
    li->worker = w;
    li->kind = kind;
    li->port = port;
    li->lev = evconnlistener_new(w->base, on_accept, li, LEV_OPT_CLOSE_ON_FREE, -1, fd);
    evconnlistener_set_error_cb(li->lev, on_accept_error);
}

static void *worker_thread(void *arg)
{
    gs_echo_worker *w = arg;
    event_base_dispatch(w->base);
    return NULL;
}

/* The user-facing sockets, in ready-line order. UDP is no evconnlistener: the worker reads its
 * socket (echo_udp.c). */
enum { SOCK_PLAIN, SOCK_TLS, SOCK_TCP, SOCK_TCP_TLS, SOCK_UDP, SOCK_COUNT };

typedef struct server_sock_spec {
    gs_echo_listener_kind kind; /* unused for SOCK_UDP */
    int type;
    const char *key_addr; /* ready-line keys */
    const char *key_port;
} server_sock_spec;

static const server_sock_spec server_socks[SOCK_COUNT] = {
    [SOCK_PLAIN] = {GS_ECHO_LISTENER_PLAIN, SOCK_STREAM, "listen", "port"},
    [SOCK_TLS] = {GS_ECHO_LISTENER_TLS, SOCK_STREAM, "tlsListen", "tlsPort"},
    [SOCK_TCP] = {GS_ECHO_LISTENER_TCP, SOCK_STREAM, "tcpListen", "tcpPort"},
    [SOCK_TCP_TLS] = {GS_ECHO_LISTENER_TCP_TLS, SOCK_STREAM, "tcpTlsListen", "tcpTlsPort"},
    [SOCK_UDP] = {0, SOCK_DGRAM, "udpListen", "udpPort"},
};

/* The address flag of each socket, NULL when it is off. */
static const char *server_sock_addr(const gs_echo_config *cfg, int which)
{
    switch (which) {
    case SOCK_PLAIN:
        return cfg->no_plain ? NULL : cfg->listen;
    case SOCK_TLS:
        return cfg->tls_listen;
    case SOCK_TCP:
        return cfg->tcp_listen;
    case SOCK_TCP_TLS:
        return cfg->tcp_tls_listen;
    default:
        return cfg->udp_listen;
    }
}

static void server_ready_line(FILE *out, const gs_echo_server *s,
                              const server_socket socks[SOCK_COUNT], const server_socket *control)
{
    const gs_echo_config *cfg = s->cfg;
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, false);
    gs_json_object_begin(&j);
    gs_json_key(&j, "ready");
    gs_json_bool(&j, true);
    gs_json_key(&j, "service");
    char svc[512];
    snprintf(svc, sizeof(svc), "%s/%s", cfg->ns, cfg->name);
    gs_json_string(&j, svc);
    gs_json_key(&j, "replica");
    gs_json_string(&j, cfg->replica);
    gs_json_key(&j, "pid");
    gs_json_int(&j, (int64_t)getpid());
    for (int k = 0; k < SOCK_COUNT; k++) {
        if (socks[k].fd < 0)
            continue;
        gs_json_key(&j, server_socks[k].key_addr);
        gs_json_string(&j, socks[k].addr);
        gs_json_key(&j, server_socks[k].key_port);
        gs_json_int(&j, socks[k].port);
    }
    if (s->cert_sha256[0] != '\0') {
        gs_json_key(&j, "tlsCertSha256");
        gs_json_string(&j, s->cert_sha256);
    }
    gs_json_key(&j, "control");
    gs_json_string(&j, control->addr);
    gs_json_key(&j, "controlPort");
    gs_json_int(&j, control->port);
    gs_json_key(&j, "threads");
    gs_json_int(&j, cfg->threads);
    gs_json_object_end(&j);
    fprintf(out, "%s\n", b.data);
    fflush(out);
    gs_buf_clear(&b);
}

/* The SHA-256 fingerprint of the first certificate of |pem| as lower-case hex into |out|. */
static int server_cert_sha256(const char *pem, char out[65], gs_error *err)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int rc = x != NULL && X509_digest(x, EVP_sha256(), md, &n) == 1 && n == 32 ? 0 : -1;
    for (unsigned int i = 0; rc == 0 && i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    X509_free(x);
    BIO_free(bio);
    if (rc < 0)
        gs_error_set(err, GS_ERR_TLS, "cannot read back the generated certificate");
    return rc;
}

/* --tls-names: a CA of this process and a leaf for the names, so that every replica presents
 * its own certificate and a client can tell from the fingerprint which one terminated it. */
static int server_tls_generated(gs_echo_server *s, gs_error *err)
{
    const gs_echo_config *cfg = s->cfg;
    char *list = gs_xstrdup(cfg->tls_names);
    const char *names[16];
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t != NULL && n < 16;
         t = strtok_r(NULL, ",", &save))
        names[n++] = t;
    gs_tls_pem ca = {0}, leaf = {0};
    char cn[300];
    snprintf(cn, sizeof(cn), "gatesim-echo %s/%s/%s CA", cfg->ns, cfg->name, cfg->replica);
    int rc = -1;
    if (gs_tls_ca_generate(&ca, cn, err) < 0 || gs_tls_leaf_generate(&leaf, &ca, names, n, err) < 0)
        goto out;
    if (cfg->tls_listen != NULL && gs_tls_server_ctx_new_pem(&s->ssl_ctx, leaf.cert, leaf.key,
                                                             gs_tls_alpn_h2_http11, err) < 0)
        goto out;
    if (cfg->client_ca != NULL &&
        gs_tls_server_ctx_verify_clients(s->ssl_ctx, cfg->client_ca, NULL, cfg->require_client_cert,
                                         err) < 0)
        goto out;
    if (cfg->tcp_tls_listen != NULL &&
        gs_tls_server_ctx_new_pem(&s->ssl_ctx_stream, leaf.cert, leaf.key, NULL, err) < 0)
        goto out;
    rc = server_cert_sha256(leaf.cert, s->cert_sha256, err);
out:
    gs_tls_pem_clear(&ca);
    gs_tls_pem_clear(&leaf);
    free(list);
    return rc;
}

/* TLS contexts: --tls-listen's with ALPN h2 and http/1.1, --tcp-tls-listen's without ALPN (a
 * line client offering some gets none). Both from --cert/--key. */
static int server_tls_setup(gs_echo_server *s, gs_error *err)
{
    const gs_echo_config *cfg = s->cfg;
    if (cfg->tls_names != NULL)
        return server_tls_generated(s, err);
    if (cfg->tls_listen != NULL && gs_tls_server_ctx_new(&s->ssl_ctx, cfg->cert_file, cfg->key_file,
                                                         gs_tls_alpn_h2_http11, err) < 0)
        return -1;
    if (cfg->client_ca != NULL &&
        gs_tls_server_ctx_verify_clients(s->ssl_ctx, cfg->client_ca, NULL, cfg->require_client_cert,
                                         err) < 0)
        return -1;
    if (cfg->tcp_tls_listen != NULL &&
        gs_tls_server_ctx_new(&s->ssl_ctx_stream, cfg->cert_file, cfg->key_file, NULL, err) < 0)
        return -1;
    return 0;
}

/* Gives worker |w| (number |i|) its share of every user socket: worker 0 takes the sockets
 * bound first, the others bind the same ports again with SO_REUSEPORT. */
static int server_worker_sockets(gs_echo_worker *w, int i, server_socket socks[SOCK_COUNT],
                                 gs_error *err)
{
    for (int k = 0; k < SOCK_COUNT; k++) {
        if (socks[k].fd < 0)
            continue;
        int fd = socks[k].fd;
        if (i > 0) {
            server_socket extra;
            if (server_bind(server_sock_addr(w->cfg, k), server_socks[k].type, socks[k].port, true,
                            &extra, err) < 0)
                return -1;
            fd = extra.fd;
        }
        if (k == SOCK_UDP)
            gs_echo_udp_start(w, fd, socks[k].port);
        else
            worker_add_listener(w, server_socks[k].kind, fd, socks[k].port);
    }
    return 0;
}

int gs_echo_server_run(const gs_echo_config *cfg, FILE *ready_out)
{
    gs_error err = {0};
    int rc = 1;
    gs_echo_server s = {.cfg = cfg};
    server_socket socks[SOCK_COUNT], control = {.fd = -1};
    for (int k = 0; k < SOCK_COUNT; k++)
        socks[k].fd = -1;
    bool handed = false; /* the first sockets belong to worker 0 */
    signal(SIGPIPE, SIG_IGN);
    if (cfg->threads > 1 && evthread_use_pthreads() != 0) {
        gs_log_error("libevent threads unavailable");
        return 1;
    }
    gs_echo_log_new(&s.log, cfg->log_size);
    if (server_tls_setup(&s, &err) < 0) {
        gs_log_error("TLS: %s", err.msg);
        goto out;
    }
    bool reuse = cfg->threads > 1;
    for (int k = 0; k < SOCK_COUNT; k++) {
        const char *addr = server_sock_addr(cfg, k);
        if (addr != NULL &&
            server_bind(addr, server_socks[k].type, -1, reuse, &socks[k], &err) < 0) {
            gs_log_error("%s", err.msg);
            goto out;
        }
    }
    if (server_bind(cfg->control_listen, SOCK_STREAM, -1, false, &control, &err) < 0) {
        gs_log_error("%s", err.msg);
        goto out;
    }
    uint64_t seed = cfg->has_seed ? cfg->seed : (uint64_t)gs_wall_ns() ^ ((uint64_t)getpid() << 32);
    s.n_workers = cfg->threads;
    s.workers = gs_xcalloc((size_t)s.n_workers, sizeof(*s.workers));
    for (int i = 0; i < s.n_workers; i++)
        s.workers[i].udp_fd = -1;
    for (int i = 0; i < s.n_workers; i++) {
        gs_echo_worker *w = &s.workers[i];
        w->index = i;
        w->cfg = cfg;
        w->base = event_base_new();
        w->ssl_ctx = s.ssl_ctx;
        w->ssl_ctx_stream = s.ssl_ctx_stream;
        gs_echo_ctx_init(&w->ctx, cfg, s.log, seed + (uint64_t)i * 0x9e3779b97f4a7c15ull);
        w->stop_ev = event_new(w->base, -1, 0, on_stop, w);
        w->drain_timer = evtimer_new(w->base, on_drain_timeout, w);
        gs_accept_backoff_init(&w->backoff, w->base, on_resume, w);
        if (server_worker_sockets(w, i, socks, &err) < 0) {
            gs_log_error("%s", err.msg);
            goto out;
        }
        if (i == 0) {
            worker_add_listener(w, GS_ECHO_LISTENER_CONTROL, control.fd, control.port);
            handed = true;
        }
    }
    gs_echo_worker *w0 = &s.workers[0];
    s.sig_term = evsignal_new(w0->base, SIGTERM, on_signal, &s);
    s.sig_int = evsignal_new(w0->base, SIGINT, on_signal, &s);
    evsignal_add(s.sig_term, NULL);
    evsignal_add(s.sig_int, NULL);
    server_ready_line(ready_out, &s, socks, &control);
    for (int i = 1; i < s.n_workers; i++)
        pthread_create(&s.workers[i].thread, NULL, worker_thread, &s.workers[i]);
    event_base_dispatch(w0->base);
    for (int i = 1; i < s.n_workers; i++) {
        event_active(s.workers[i].stop_ev, EV_READ, 0);
        pthread_join(s.workers[i].thread, NULL);
    }
    rc = 0;
out:
    if (!handed) {
        for (int k = 0; k < SOCK_COUNT; k++)
            if (socks[k].fd >= 0)
                close(socks[k].fd);
        if (control.fd >= 0)
            close(control.fd);
    }
    if (s.sig_term != NULL)
        event_free(s.sig_term);
    if (s.sig_int != NULL)
        event_free(s.sig_int);
    for (int i = 0; s.workers != NULL && i < s.n_workers; i++) {
        gs_echo_worker *w = &s.workers[i];
        while (w->conns != NULL) {
            w->draining = false; /* no loopexit from inside the teardown */
            gs_echo_conn_close(w->conns, false);
        }
        for (size_t k = 0; k < w->n_listeners; k++)
            if (w->listeners[k].lev != NULL)
                evconnlistener_free(w->listeners[k].lev);
        gs_echo_udp_stop(w);
        if (w->stop_ev != NULL)
            event_free(w->stop_ev);
        if (w->drain_timer != NULL)
            event_free(w->drain_timer);
        gs_accept_backoff_deinit(&w->backoff);
        if (w->base != NULL)
            event_base_free(w->base);
        gs_echo_ctx_free(&w->ctx);
    }
    free(s.workers);
    SSL_CTX_free(s.ssl_ctx);
    SSL_CTX_free(s.ssl_ctx_stream);
    gs_echo_log_free(s.log);
    return rc;
}
