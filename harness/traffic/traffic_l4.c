/* SPDX-License-Identifier: MIT */
/* Layer 4 on a traffic connection (GS_TRAFFIC_TCP, GS_TRAFFIC_UDP, GS_TRAFFIC_TLS): one request
 * is one connection (one connected UDP socket, so a fresh source port and so a fresh gateway
 * session) carrying one line, the request id, and answered by one JSON line naming the backend
 * (gatesim-echo's layer-4 listeners). The run forces one request per connection, so the
 * connection machinery of traffic_conn.c (connect and request timeouts, error classes, open
 * and closed loop) serves these protocols unchanged; this file only says what goes on the wire
 * and what an answer is. A lost UDP datagram is a request timeout, as nothing else can tell. */
#include "traffic_worker.h"

#include "gs_alloc.h"
#include "gs_json_parse.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <errno.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Longest answer line read: the echo's are under 2 KiB (it cuts the request at 1,024 bytes). */
#define L4_MAX_ANSWER 65536
/* ALPN names offered at most (RFC 7301 allows more; nobody needs them here). */
#define L4_MAX_ALPN 8

int gs_traffic_l4_alpn_parse(const char *list, char ***out, gs_error *err)
{
    *out = NULL;
    if (list == NULL || *list == '\0')
        return 0;
    char **names = gs_xcalloc(L4_MAX_ALPN + 1, sizeof(*names));
    size_t n = 0;
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len > 255 || n == L4_MAX_ALPN) {
            gs_traffic_l4_alpn_free(names);
            return gs_error_set(err, GS_ERR_INVALID,
                                "ALPN \"%s\": want 1 to %d comma-separated names of 1 to 255 bytes",
                                list, L4_MAX_ALPN);
        }
        names[n++] = gs_xstrndup(p, len);
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    *out = names;
    return 0;
}

void gs_traffic_l4_alpn_free(char **names)
{
    for (size_t k = 0; names != NULL && names[k] != NULL; k++)
        free(names[k]);
    free(names);
}

/* Fires when |c|'s UDP socket has a datagram or an error: the datagram goes to the input the
 * answer is read from; an error (ICMP port unreachable: ECONNREFUSED) fails the request now
 * instead of at its timeout. */
static void l4_on_udp_read(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    traffic_conn *c = arg;
    char pkt[L4_MAX_ANSWER];
    ssize_t n = recv(fd, pkt, sizeof(pkt), MSG_DONTWAIT);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            gs_traffic_conn_input_failed(c);
        return;
    }
    c->w->bytes_received += (uint64_t)n;
    evbuffer_add(bufferevent_get_input(c->bev), pkt, (size_t)n);
    gs_traffic_conn_input_ready(c);
}

struct bufferevent *gs_traffic_l4_udp_new(traffic_conn *c)
{
    const traffic_run *run = c->w->run;
    int fd = socket(run->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    /* connect() on it (bufferevent_socket_connect) binds a fresh ephemeral port and makes the
     * kernel drop datagrams from anyone but the target, and report its ICMP errors */
    struct bufferevent *bev = bufferevent_socket_new(c->w->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        close(fd);
        return NULL;
    }
    c->udp_read_ev = event_new(c->w->base, fd, EV_READ | EV_PERSIST, l4_on_udp_read, c);
    if (c->udp_read_ev == NULL || event_add(c->udp_read_ev, NULL) != 0)
        abort(); /* only out of memory gets here */
    return bev;
}

void gs_traffic_l4_tls_connected(traffic_conn *c, SSL *ssl)
{
    c->cert_sha256[0] = c->cert_subject[0] = '\0';
    X509 *cert = SSL_get1_peer_certificate(ssl);
    if (cert == NULL)
        return;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    if (X509_digest(cert, EVP_sha256(), md, &md_len) == 1 && md_len * 2 < sizeof(c->cert_sha256)) {
        for (unsigned k = 0; k < md_len; k++)
            snprintf(c->cert_sha256 + 2 * k, 3, "%02x", md[k]);
    }
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio != NULL &&
        X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
        int n = BIO_read(bio, c->cert_subject, (int)sizeof(c->cert_subject) - 1);
        c->cert_subject[n > 0 ? n : 0] = '\0';
    }
    BIO_free(bio);
    X509_free(cert);
}

static traffic_req *l4_current(traffic_conn *c)
{
    for (unsigned k = 0; k < c->nslots; k++) {
        if (c->slots[k].in_use)
            return &c->slots[k];
    }
    return NULL;
}

static int l4_on_open(traffic_conn *c)
{
    c->cert_sha256[0] = c->cert_subject[0] = '\0';
    return 0;
}

/* The line: the request id, or the request's index when the run sends no ids. */
static gs_traffic_error l4_submit(traffic_conn *c, traffic_req *r)
{
    char line[sizeof(r->id) + 2];
    int n = r->id[0] ? snprintf(line, sizeof(line), "%s\n", r->id)
                     : snprintf(line, sizeof(line), "%llu\n", (unsigned long long)r->index);
    /* one evbuffer_add: on UDP the whole line leaves in one datagram */
    if (evbuffer_add(bufferevent_get_output(c->bev), line, (size_t)n) != 0)
        return GS_TRAFFIC_ERR_PROTOCOL;
    return GS_TRAFFIC_OK;
}

/* Finishes |r| with the answer line at |data|: the backend it names, or why it is not one. */
static void l4_answer(traffic_conn *c, traffic_req *r, const char *data, size_t len)
{
    gs_traffic_req_body(c, r, data, len);
    gs_json_limits limits = {.max_bytes = L4_MAX_ANSWER, .max_depth = 8, .max_values = 256};
    gs_json_value *v = NULL;
    gs_error err;
    if (gs_json_parse(data, len, &limits, &v, &err) != 0 || v->type != GS_JSON_OBJECT) {
        gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_PROTOCOL, "answer is not a JSON object");
        gs_json_value_free(v);
        return;
    }
    const char *refusal = gs_json_get_string(v, "error", NULL);
    const char *backend = gs_json_get_string(v, "backend", "");
    size_t n = strlen(backend) < sizeof(r->backend) - 1 ? strlen(backend) : sizeof(r->backend) - 1;
    memcpy(r->backend, backend, n);
    r->backend[n] = '\0';
    if (refusal != NULL) /* the echo refused the line (too long) */
        gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_PROTOCOL, "the echo answered with an error");
    else
        gs_traffic_req_finish(c, r, GS_TRAFFIC_OK, NULL);
    gs_json_value_free(v);
}

static gs_traffic_error l4_on_read(traffic_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t avail = evbuffer_get_length(in);
    if (avail == 0)
        return GS_TRAFFIC_OK;
    traffic_req *r = l4_current(c);
    if (r == NULL)
        return GS_TRAFFIC_ERR_PROTOCOL; /* bytes nobody asked for */
    bool udp = c->w->run->cfg.protocol == GS_TRAFFIC_UDP;
    struct evbuffer_ptr eol = evbuffer_search(in, "\n", 1, NULL);
    size_t len, used;
    if (eol.pos >= 0) {
        len = (size_t)eol.pos;
        used = len + 1;
    } else if (udp) { /* a datagram is whole: its line needs no end */
        len = used = avail;
    } else if (avail > L4_MAX_ANSWER) {
        gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_PROTOCOL, "answer line too long");
        return GS_TRAFFIC_OK; /* the request is over; the connection goes with it */
    } else {
        return GS_TRAFFIC_OK; /* the rest of the line is on its way */
    }
    if (len > L4_MAX_ANSWER) {
        gs_traffic_req_finish(c, r, GS_TRAFFIC_ERR_PROTOCOL, "answer line too long");
        return GS_TRAFFIC_OK;
    }
    const char *data = (const char *)evbuffer_pullup(in, (ev_ssize_t)used);
    if (len > 0 && data[len - 1] == '\r')
        len--;
    l4_answer(c, r, data, len);
    evbuffer_drain(in, used);
    return GS_TRAFFIC_OK;
}

static void l4_on_eof(traffic_conn *c)
{
    (void)c; /* a close before the answer fails the request as the caller closes */
}

static gs_traffic_error l4_flush(traffic_conn *c)
{
    (void)c;
    return GS_TRAFFIC_OK;
}

static bool l4_expire(traffic_conn *c, traffic_req *r)
{
    (void)c;
    (void)r;
    return true; /* the connection is the request */
}

static bool l4_draining(const traffic_conn *c)
{
    (void)c;
    return false;
}

static void l4_on_close(traffic_conn *c)
{
    /* before the bufferevent closes the socket; the certificate stays readable until the
     * next socket opens */
    if (c->udp_read_ev != NULL)
        event_free(c->udp_read_ev);
    c->udp_read_ev = NULL;
}

const gs_proto_ops gs_traffic_l4_ops = {
    .name = "l4",
    .on_open = l4_on_open,
    .submit = l4_submit,
    .on_read = l4_on_read,
    .on_eof = l4_on_eof,
    .flush = l4_flush,
    .expire = l4_expire,
    .draining = l4_draining,
    .on_close = l4_on_close,
};
