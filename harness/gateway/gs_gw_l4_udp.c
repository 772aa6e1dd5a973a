/* SPDX-License-Identifier: MIT */
/* UDP listeners: a session per client address (IP and port), each with its own connected
 * upstream socket so that the backend's replies find their client. Sessions live in a hash
 * table bounded by GS_GW_UDP_MAX_SESSIONS and in a least-recently-used list: a flood of new
 * source ports evicts the oldest sessions instead of growing, and a once-a-second sweep closes
 * the ones idle for the UDP idle timeout (--udp-idle-timeout). The backend is picked by weight once per session. */
#include "gs_gw_l4_priv.h"

#include "gs_alloc.h"
#include "gs_time.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Hash buckets per listener (a power of two, twice the session limit). */
#define UDP_BUCKETS (2 * GS_GW_UDP_MAX_SESSIONS)
/* Datagrams read per readiness event and socket, so one busy socket cannot starve the loop. */
#define UDP_BATCH 64
#define UDP_DATAGRAM_MAX 65536

/* A client address as a comparable key. */
typedef struct udp_key {
    sa_family_t family;
    uint16_t port;
    uint8_t addr[16];
} udp_key;

typedef struct udp_session udp_session;
typedef struct udp_listen udp_listen;

struct udp_session {
    udp_listen *ul;
    udp_key key;
    struct sockaddr_storage client;
    socklen_t client_len;
    evutil_socket_t fd; /* connected to the backend endpoint */
    struct event *ev;
    int64_t last_ns;
    udp_session *next; /* in its hash bucket */
    TAILQ_ENTRY(udp_session) lru; /* head: least recently used */
};

struct udp_listen {
    gs_gw_l4 *l4;
    gs_gw_listen *listen;
    evutil_socket_t fd;
    struct event *ev;
    struct event *sweep;
    udp_session **buckets;
    size_t n_sessions;
    TAILQ_HEAD(, udp_session) lru;
    uint8_t *buf; /* one datagram */
};

static udp_key key_of(const struct sockaddr_storage *ss)
{
    udp_key k;
    memset(&k, 0, sizeof(k));
    k.family = ss->ss_family;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
        k.port = s->sin_port;
        memcpy(k.addr, &s->sin_addr, sizeof(s->sin_addr));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
        k.port = s->sin6_port;
        memcpy(k.addr, &s->sin6_addr, sizeof(s->sin6_addr));
    }
    return k;
}

static size_t key_bucket(const udp_key *k)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a 64 */
    const uint8_t *p = (const uint8_t *)k;
    for (size_t i = 0; i < sizeof(*k); i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return (size_t)(h & (UDP_BUCKETS - 1));
}

static udp_session *session_find(udp_listen *ul, const udp_key *k)
{
    for (udp_session *s = ul->buckets[key_bucket(k)]; s; s = s->next)
        if (memcmp(&s->key, k, sizeof(*k)) == 0)
            return s;
    return NULL;
}

static void session_free(udp_session *s)
{
    udp_listen *ul = s->ul;
    udp_session **pp = &ul->buckets[key_bucket(&s->key)];
    while (*pp != s)
        pp = &(*pp)->next;
    *pp = s->next;
    TAILQ_REMOVE(&ul->lru, s, lru);
    ul->n_sessions--;
    ul->l4->rt->udp_sessions_open--;
    event_free(s->ev);
    evutil_closesocket(s->fd);
    free(s);
}

static void session_touch(udp_session *s)
{
    s->last_ns = gs_now_ns();
    TAILQ_REMOVE(&s->ul->lru, s, lru);
    TAILQ_INSERT_TAIL(&s->ul->lru, s, lru);
}

/* Replies of the backend: each goes back to the session's client from the listener socket. */
static void on_session_read(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    udp_session *s = arg;
    udp_listen *ul = s->ul;
    for (int i = 0; i < UDP_BATCH; i++) {
        ssize_t n = recv(fd, ul->buf, UDP_DATAGRAM_MAX, 0);
        if (n < 0)
            break; /* EAGAIN, or an ICMP error of an earlier datagram: nothing to pass on */
        sendto(ul->fd, ul->buf, (size_t)n, 0, (const struct sockaddr *)&s->client, s->client_len);
        session_touch(s);
    }
}

/* A new session for |client|, or NULL when there is nowhere to send (counted). */
static udp_session *session_open(udp_listen *ul, const udp_key *k,
                                 const struct sockaddr_storage *client, socklen_t client_len)
{
    gs_gw_runtime *rt = ul->l4->rt;
    gs_gw_listen *l = ul->listen;
    const gs_rt_port *port =
        l->retired ? NULL
                   : gs_route_table_find_udp_port(rt->current->table, l->gateway_namespace,
                                                  l->gateway_name, l->port);
    const gs_rt_backend *backend = NULL;
    const gs_gw_endpoint *ep = port ? gs_gw_l4_pick(rt, port, NULL, NULL, &backend) : NULL;
    /* A port a BackendTLSPolicy covers is never sent plaintext, and there is no DTLS: drop. */
    if (ep == NULL || backend->tls != NULL)
        return NULL;
    evutil_socket_t fd = socket(ep->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    if (connect(fd, (const struct sockaddr *)&ep->addr, ep->addr_len) < 0) {
        close(fd);
        return NULL;
    }
    if (ul->n_sessions >= GS_GW_UDP_MAX_SESSIONS) {
        rt->counters.udp_sessions_evicted++;
        session_free(TAILQ_FIRST(&ul->lru));
    }
    udp_session *s = gs_xcalloc(1, sizeof(*s));
    s->ul = ul;
    s->key = *k;
    memcpy(&s->client, client, client_len);
    s->client_len = client_len;
    s->fd = fd;
    s->ev = event_new(rt->base, fd, EV_READ | EV_PERSIST, on_session_read, s);
    event_add(s->ev, NULL);
    size_t b = key_bucket(k);
    s->next = ul->buckets[b];
    ul->buckets[b] = s;
    s->last_ns = gs_now_ns();
    TAILQ_INSERT_TAIL(&ul->lru, s, lru);
    ul->n_sessions++;
    rt->udp_sessions_open++;
    rt->counters.udp_sessions++;
    return s;
}

/* Datagrams from clients: to their session's backend, opening the session first if new. */
static void on_listen_read(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    udp_listen *ul = arg;
    for (int i = 0; i < UDP_BATCH; i++) {
        struct sockaddr_storage client;
        socklen_t cl = sizeof(client);
        ssize_t n = recvfrom(fd, ul->buf, UDP_DATAGRAM_MAX, 0, (struct sockaddr *)&client, &cl);
        if (n < 0)
            break;
        udp_key k = key_of(&client);
        udp_session *s = session_find(ul, &k);
        if (s == NULL)
            s = session_open(ul, &k, &client, cl);
        if (s == NULL) {
            ul->l4->rt->counters.udp_dropped++;
            continue;
        }
        send(s->fd, ul->buf, (size_t)n, 0);
        session_touch(s);
    }
}

/* Closes the sessions idle for the UDP idle timeout (the least recently used come first). */
static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    udp_listen *ul = arg;
    int64_t cutoff = gs_now_ns() - ul->l4->rt->limits.udp_idle_timeout_ms * GS_NS_PER_MS;
    udp_session *s;
    while ((s = TAILQ_FIRST(&ul->lru)) != NULL && s->last_ns < cutoff) {
        ul->l4->rt->counters.udp_sessions_expired++;
        session_free(s);
    }
}

int gs_gw_l4_udp_open(gs_gw_l4 *l4, gs_gw_listen *l, const struct sockaddr *sa, socklen_t sl,
                      gs_error *err)
{
    evutil_socket_t fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return gs_error_set_errno(err, errno, "UDP socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, sa, sl) < 0) {
        int e = errno;
        close(fd);
        return gs_error_set_errno(err, e, "Gateway %s/%s UDP port %u: cannot bind",
                                  l->gateway_namespace, l->gateway_name, l->port);
    }
    udp_listen *ul = gs_xcalloc(1, sizeof(*ul));
    ul->l4 = l4;
    ul->listen = l;
    ul->fd = fd;
    ul->buckets = gs_xcalloc(UDP_BUCKETS, sizeof(*ul->buckets));
    ul->buf = gs_xmalloc(UDP_DATAGRAM_MAX);
    TAILQ_INIT(&ul->lru);
    ul->ev = event_new(l4->rt->base, fd, EV_READ | EV_PERSIST, on_listen_read, ul);
    event_add(ul->ev, NULL);
    ul->sweep = event_new(l4->rt->base, -1, EV_PERSIST, on_sweep, ul);
    struct timeval tv = {1, 0};
    event_add(ul->sweep, &tv);
    l->udp = ul;
    return 0;
}

evutil_socket_t gs_gw_l4_udp_fd(const gs_gw_listen *l)
{
    return l->udp ? l->udp->fd : -1;
}

void gs_gw_l4_udp_close(gs_gw_listen *l)
{
    udp_listen *ul = l->udp;
    if (ul == NULL)
        return;
    while (!TAILQ_EMPTY(&ul->lru))
        session_free(TAILQ_FIRST(&ul->lru));
    event_free(ul->ev);
    event_free(ul->sweep);
    evutil_closesocket(ul->fd);
    free(ul->buckets);
    free(ul->buf);
    free(ul);
    l->udp = NULL;
}
