/* SPDX-License-Identifier: MIT */
/* Route table → nginx.conf's stream {} block: the layer-4 listeners (docs/targets/nginx.md,
 * "Layer 4"). In short:
 *
 * - a TCP port is one `server` whose proxy_pass is the rule gs_route_table_lookup_l4 picks for
 *   it; a UDP port the same with `listen ... udp` and a session idle timeout;
 * - a TLS port reads the ClientHello (`ssl_preread on`) and maps $ssl_preread_server_name to
 *   where the connection goes. The map's names are the port's listener hostnames and effective
 *   route hostnames; nginx picks among them as the Gateway API picks (exact, then the longest
 *   leading wildcard, then the default), and every name's destination is what the table's own
 *   layer-4 lookup answers for a server name that name stands for, so listener selection and
 *   route precedence are the table's, not a second implementation of them;
 * - a Passthrough destination is the rule's backends; a Terminate one is a unix socket of the
 *   work folder where a `listen ... ssl` server with the listener's certificates terminates TLS
 *   and proxies the cleartext to the rule the SNI selects (the same names, read from
 *   $ssl_server_name), so Passthrough and Terminate listeners can share a port as they do on
 *   the builtin gateway;
 * - a rule's backends: an upstream per Service port (its endpoints), weights a split_clients per
 *   connection (per session for UDP), and a share that has no valid backend (unresolved
 *   reference, no endpoint, weight 0 everywhere, no route) goes to `gs_refuse`, an upstream
 *   whose only server is down: nginx closes the connection (drops the datagram) without
 *   connecting anywhere. */
#include "gs_target_nginx_conf.h"

#include "gs_alloc.h"
#include "gs_strmap.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long nginx keeps a quiet layer-4 connection: the builtin has no idle timeout on TCP, so a
 * day; UDP sessions end after GS_GW_UDP_IDLE_MS (30 s) without a datagram, as on the builtin. */
#define NS_TCP_IDLE "1d"
#define NS_UDP_IDLE "30s"
#define NS_REFUSE "gs_refuse"

typedef struct ns {
    const gs_nginx_conf_in *in;
    gs_nginx_conf_out *out;
    gs_buf head;         /* upstreams, split_clients, maps */
    gs_buf servers;      /* server blocks */
    gs_strmap upstreams; /* "ns/name:port" → upstream index + 1 (0 stored as 1: no endpoint) */
    gs_strmap rules;     /* "%p" of a rule → its destination (owned string) */
    char **keys;         /* keys and values the maps hold */
    size_t n_keys, cap_keys;
    size_t n_upstreams, n_splits;
    bool refuse_used;
    bool *terminate_done; /* per table listener: its terminating server is rendered */
} ns;

static char *ns_own(ns *s, char *owned)
{
    if (s->n_keys == s->cap_keys) {
        s->cap_keys = s->cap_keys ? 2 * s->cap_keys : 32;
        s->keys = gs_xrealloc(s->keys, s->cap_keys * sizeof(*s->keys));
    }
    s->keys[s->n_keys++] = owned;
    return owned;
}

static void ns_q(gs_buf *b, const char *str)
{
    gs_buf_putc(b, '"');
    for (; *str; str++) {
        if (*str == '"' || *str == '\\')
            gs_buf_putc(b, '\\');
        gs_buf_putc(b, *str);
    }
    gs_buf_putc(b, '"');
}

static const char *ns_refuse(ns *s)
{
    s->refuse_used = true;
    return NS_REFUSE;
}

/* The upstream of a valid backend's Service port ("gs_suN"), or gs_refuse when the scenario gave
 * it no endpoint. */
static const char *ns_upstream(ns *s, const gs_rt_backend *b, bool udp)
{
    if (b->state != GS_RT_BACKEND_OK)
        return ns_refuse(s);
    char *key = gs_xasprintf("%s%s/%s:%u", udp ? "udp " : "", b->namespace, b->name,
                             (unsigned)b->port);
    void **slot = gs_strmap_slot_for(&s->upstreams, key, strlen(key));
    if (*slot == NULL) {
        ns_own(s, key);
        size_t n = 0;
        for (size_t i = 0; i < s->in->n_endpoints; i++) {
            const gs_target_endpoint *e = &s->in->endpoints[i];
            if (e->port == b->port && strcmp(e->ns, b->namespace) == 0 &&
                strcmp(e->name, b->name) == 0)
                n++;
        }
        if (n == 0) {
            *slot = ns_own(s, gs_xstrdup(NS_REFUSE));
        } else {
            *slot = ns_own(s, gs_xasprintf("gs_su%zu", ++s->n_upstreams));
            gs_buf_printf(&s->head, "    upstream %s { # %s\n", (const char *)*slot, key);
            for (size_t i = 0; i < s->in->n_endpoints; i++) {
                const gs_target_endpoint *e = &s->in->endpoints[i];
                if (e->port == b->port && strcmp(e->ns, b->namespace) == 0 &&
                    strcmp(e->name, b->name) == 0)
                    gs_buf_printf(&s->head, "        server %s;\n", e->address);
            }
            /* UDP: the endpoint is a function of the client's address and port, so every
             * datagram of one client reaches the same endpoint (ns_plain_port). */
            if (udp)
                gs_buf_puts(&s->head, "        hash \"${remote_addr}:${remote_port}\";\n");
            gs_buf_puts(&s->head, "    }\n");
        }
    } else {
        free(key);
    }
    const char *up = *slot;
    if (strcmp(up, NS_REFUSE) == 0)
        s->refuse_used = true;
    return up;
}

/* Where a connection (a session) for |rule| goes: an upstream, gs_refuse, or a split_clients
 * variable choosing among them per connection by weight. */
static const char *ns_rule(ns *s, const gs_rt_rule *rule, bool udp)
{
    char *key = gs_xasprintf("%s%p", udp ? "udp " : "", (const void *)rule);
    void **slot = gs_strmap_slot_for(&s->rules, key, strlen(key));
    if (*slot != NULL) {
        free(key);
        return *slot;
    }
    ns_own(s, key); /* the map borrows its keys */
    const char **dest = gs_xcalloc(rule->n_backends + 1, sizeof(*dest));
    size_t n_live = 0, last = 0;
    bool same = true;
    for (size_t i = 0; i < rule->n_backends; i++) {
        if (rule->backends[i].weight == 0)
            continue;
        dest[i] = ns_upstream(s, &rule->backends[i], udp);
        if (n_live > 0 && strcmp(dest[i], dest[last]) != 0)
            same = false;
        n_live++;
        last = i;
    }
    char *out;
    if (n_live == 0) {
        out = ns_own(s, gs_xstrdup(ns_refuse(s)));
    } else if (same) {
        out = ns_own(s, gs_xstrdup(dest[last]));
    } else {
        /* TCP: the client's address and port, nginx's connection number and the time, a new
         * value for every connection; UDP: the client's address and port, the same for every
         * datagram of one client (ns_plain_port). Hashed by split_clients into shares in
         * hundredths of a percent. */
        size_t id = ++s->n_splits;
        gs_buf_printf(&s->head, "    split_clients \"${remote_addr}:${remote_port}%ss%zu\" $gs_ss%zu {\n",
                      udp ? "" : "#${connection}#${msec}", id, id);
        uint64_t total = rule->total_weight, cum = 0;
        unsigned prev = 0;
        for (size_t i = 0; i < rule->n_backends; i++) {
            if (rule->backends[i].weight == 0)
                continue;
            cum += rule->backends[i].weight;
            unsigned upto = (unsigned)((cum * 10000 + total / 2) / total);
            if (i == last)
                gs_buf_printf(&s->head, "        * %s;\n", dest[i]);
            else if (upto > prev)
                gs_buf_printf(&s->head, "        %u.%02u%% %s;\n", (upto - prev) / 100,
                              (upto - prev) % 100, dest[i]);
            prev = upto;
        }
        gs_buf_puts(&s->head, "    }\n");
        out = ns_own(s, gs_xasprintf("$gs_ss%zu", id));
    }
    free(dest);
    *slot = out;
    return out;
}

/* The destination of what the layer-4 lookup answered. */
static const char *ns_result(ns *s, const gs_rt_result *r, bool udp)
{
    if (r->outcome != GS_RT_MATCHED || r->rule == NULL)
        return ns_refuse(s);
    return ns_rule(s, r->rule, udp);
}

/* ---- TLS ports ------------------------------------------------------------------------------ */

/* One name of a TLS port's map and what the table answers for it. */
typedef struct ns_name {
    const char *name; /* "" for no SNI; NULL for the map's default */
    gs_rt_result result;
} ns_name;

typedef struct ns_names {
    ns_name *items;
    size_t len, cap;
    gs_strmap seen;
} ns_names;

static void ns_names_add(ns_names *v, const char *name)
{
    if (name != NULL && gs_strmap_get(&v->seen, name, strlen(name)) != NULL)
        return;
    if (name != NULL)
        *gs_strmap_slot_for(&v->seen, name, strlen(name)) = &v->seen; /* any non-NULL: seen */
    if (v->len == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 16;
        v->items = gs_xrealloc(v->items, v->cap * sizeof(*v->items));
    }
    memset(&v->items[v->len], 0, sizeof(v->items[0]));
    v->items[v->len++].name = name;
}

static void on_l4_candidate(void *arg, const char *hostname, const gs_rt_route *route,
                            const gs_rt_rule *rule, const gs_rt_match *match,
                            const gs_rt_grpc_match *grpc_match, gs_rt_rank_key why)
{
    (void)route;
    (void)rule;
    (void)match;
    (void)grpc_match;
    (void)why;
    if (hostname != NULL)
        ns_names_add(arg, hostname);
}

/* A server name that |pattern| stands for in the map and no other name of |v| is more specific
 * for: the pattern itself when exact, a fresh label under a wildcard. For the default, a name
 * with one label, which no wildcard covers and no exact name of |v| is. */
static void ns_sample(const ns_names *v, const char *pattern, char *buf, size_t len)
{
    for (unsigned k = 0;; k++) {
        if (pattern != NULL && pattern[0] != '*') {
            snprintf(buf, len, "%s", pattern);
            return;
        }
        if (pattern != NULL)
            snprintf(buf, len, "gatesim-sni-%u%s", k, pattern + 1);
        else
            snprintf(buf, len, "gatesim-sni-%u", k);
        if (gs_strmap_get(&v->seen, buf, strlen(buf)) == NULL)
            return;
    }
}

/* The terminating server of TLS listener |l|: a unix socket in the work folder, the listener's
 * certificates, and the same names as the port's map, read from $ssl_server_name after the
 * handshake, each to its rule when |l| is the listener the name selects. */
static const char *ns_terminate(ns *s, const gs_rt_listener *l, const ns_names *v, size_t port_index)
{
    size_t n_certs = 0;
    for (size_t i = 0; i < l->n_certs; i++)
        n_certs += l->certs[i].cert_pem && l->certs[i].key_pem;
    if (n_certs == 0)
        return ns_refuse(s); /* nothing to terminate with: no handshake, as the builtin */
    const char *up = ns_own(s, gs_xasprintf("gs_st%zu", l->index));
    if (s->terminate_done[l->index])
        return up;
    s->terminate_done[l->index] = true;
    char *sock = gs_xasprintf("%s/tls-l%zu.sock", s->in->workdir, l->index);
    /* Destinations first: they add upstreams and splits to the head before the map. */
    const char **dest = gs_xcalloc(v->len + 1, sizeof(*dest));
    for (size_t i = 0; i < v->len; i++)
        dest[i] = v->items[i].result.listener == l ? ns_result(s, &v->items[i].result, false)
                                                   : ns_refuse(s);
    gs_buf_printf(&s->head, "    upstream %s { # TLS Terminate, listener %s/%s %s\n        server unix:",
                  up, l->gateway_namespace, l->gateway_name, l->name);
    gs_buf_puts(&s->head, sock);
    gs_buf_puts(&s->head, ";\n    }\n");
    gs_buf_printf(&s->head, "    map $ssl_server_name $gs_sterm%zu {\n        hostnames;\n",
                  l->index);
    for (size_t i = 0; i < v->len; i++) {
        gs_buf_puts(&s->head, "        ");
        if (v->items[i].name == NULL)
            gs_buf_puts(&s->head, "default");
        else
            ns_q(&s->head, v->items[i].name);
        gs_buf_printf(&s->head, " %s;\n", dest[i]);
    }
    gs_buf_puts(&s->head, "    }\n");
    free(dest);
    gs_buf_printf(&s->servers, "    server { # listener %s/%s %s (TLS Terminate, port %zu)\n",
                  l->gateway_namespace, l->gateway_name, l->name, port_index);
    gs_buf_puts(&s->servers, "        listen unix:");
    gs_buf_puts(&s->servers, sock);
    gs_buf_puts(&s->servers, " ssl;\n");
    for (size_t i = 0; i < l->n_certs; i++) {
        const gs_rt_cert *c = &l->certs[i];
        if (c->cert_pem == NULL || c->key_pem == NULL)
            continue;
        char *crt = gs_xasprintf("%s/certs/l%zu-%zu.crt", s->in->workdir, l->index, i);
        char *key = gs_xasprintf("%s/certs/l%zu-%zu.key", s->in->workdir, l->index, i);
        gs_buf_puts(&s->servers, "        ssl_certificate ");
        ns_q(&s->servers, crt);
        gs_buf_puts(&s->servers, ";\n        ssl_certificate_key ");
        ns_q(&s->servers, key);
        gs_buf_puts(&s->servers, ";\n");
        gs_nginx_conf_add_file(s->out, crt, c->cert_pem);
        gs_nginx_conf_add_file(s->out, key, c->key_pem);
    }
    gs_buf_printf(&s->servers,
                  "        proxy_pass $gs_sterm%zu;\n        proxy_timeout " NS_TCP_IDLE ";\n"
                  "    }\n",
                  l->index);
    free(sock);
    return up;
}

static void ns_tls_port(ns *s, const gs_rt_port *p, size_t pi)
{
    ns_names v = {0};
    ns_names_add(&v, "");
    for (size_t i = 0; i < p->n_listeners; i++) {
        if (p->listeners[i]->hostname)
            ns_names_add(&v, p->listeners[i]->hostname);
        gs_route_table_visit(s->in->table, p->listeners[i]->index, on_l4_candidate, &v);
    }
    ns_names_add(&v, NULL);
    char sample[320];
    for (size_t i = 0; i < v.len; i++) {
        ns_name *e = &v.items[i];
        if (e->name && e->name[0] == '\0') {
            gs_route_table_lookup_l4(s->in->table, p, NULL, &e->result);
            continue;
        }
        ns_sample(&v, e->name, sample, sizeof(sample));
        gs_route_table_lookup_l4(s->in->table, p, sample, &e->result);
    }
    /* Destinations first: they add upstreams and splits to the head before the map. */
    const char **dest = gs_xcalloc(v.len, sizeof(*dest));
    for (size_t i = 0; i < v.len; i++) {
        const gs_rt_listener *l = v.items[i].result.listener;
        if (v.items[i].result.outcome == GS_RT_MATCHED && l && l->protocol == GS_RT_PROTO_TLS &&
            !l->tls_passthrough)
            dest[i] = ns_terminate(s, l, &v, pi);
        else
            dest[i] = ns_result(s, &v.items[i].result, false);
    }
    gs_buf_printf(&s->head, "    map $ssl_preread_server_name $gs_sp%zu {\n        hostnames;\n",
                  pi);
    for (size_t i = 0; i < v.len; i++) {
        gs_buf_puts(&s->head, "        ");
        if (v.items[i].name == NULL)
            gs_buf_puts(&s->head, "default");
        else
            ns_q(&s->head, v.items[i].name);
        gs_buf_printf(&s->head, " %s;\n", dest[i]);
    }
    gs_buf_puts(&s->head, "    }\n");
    gs_buf_printf(&s->servers, "    server { # Gateway %s/%s port %u (TLS)\n"
                               "        listen 127.0.0.1:%u;\n        ssl_preread on;\n"
                               "        proxy_pass $gs_sp%zu;\n        proxy_half_close on;\n"
                               "        proxy_timeout " NS_TCP_IDLE ";\n    }\n",
                  p->gateway_namespace, p->gateway_name, (unsigned)p->port,
                  (unsigned)s->in->bound_ports[pi], pi);
    free(dest);
    free(v.items);
    gs_strmap_free(&v.seen);
}

/* ---- TCP and UDP ports ---------------------------------------------------------------------- */

static void ns_plain_port(ns *s, const gs_rt_port *p, size_t pi, bool udp)
{
    gs_rt_result r;
    gs_route_table_lookup_l4(s->in->table, p, NULL, &r);
    const char *dest = ns_result(s, &r, udp);
    gs_buf_printf(&s->servers, "    server { # Gateway %s/%s port %u (%s)\n"
                               "        listen 127.0.0.1:%u%s;\n        proxy_pass %s;\n",
                  p->gateway_namespace, p->gateway_name, (unsigned)p->port, udp ? "UDP" : "TCP",
                  (unsigned)s->in->bound_ports[pi], udp ? " udp" : "", dest);
    /* nginx keeps a UDP session (and a connection slot for each side) until proxy_timeout;
     * a session per client address for 30 s, as the builtin keeps them, exhausts
     * worker_connections under a few thousand clients, and nginx has no least-recently-used
     * eviction. So a session ends with the backend's answer to each datagram
     * (proxy_responses 1), and the backend and endpoint are chosen by the client's address
     * and port (split_clients and upstream hash), which gives every datagram of one client the
     * same endpoint, as one builtin session would. */
    if (udp)
        gs_buf_puts(&s->servers, "        proxy_responses 1;\n"
                                 "        proxy_timeout " NS_UDP_IDLE ";\n");
    else
        gs_buf_puts(&s->servers, "        proxy_half_close on;\n"
                                 "        proxy_timeout " NS_TCP_IDLE ";\n");
    gs_buf_puts(&s->servers, "    }\n");
}

bool gs_nginx_stream_needed(const gs_route_table *table)
{
    for (size_t i = 0; i < gs_route_table_port_count(table); i++) {
        gs_rt_protocol p = gs_route_table_port(table, i)->protocol;
        if (p == GS_RT_PROTO_TLS || p == GS_RT_PROTO_TCP || p == GS_RT_PROTO_UDP)
            return true;
    }
    return false;
}

void gs_nginx_stream_render(const gs_nginx_conf_in *in, gs_nginx_conf_out *out, gs_buf *stream)
{
    ns s = {.in = in, .out = out};
    s.terminate_done = gs_xcalloc(gs_route_table_listener_count(in->table) + 1,
                                  sizeof(*s.terminate_done));
    for (size_t i = 0; i < gs_route_table_port_count(in->table); i++) {
        const gs_rt_port *p = gs_route_table_port(in->table, i);
        bool tls = false;
        for (size_t k = 0; k < p->n_listeners; k++)
            tls |= p->listeners[k]->protocol == GS_RT_PROTO_TLS;
        if (p->protocol == GS_RT_PROTO_UDP)
            ns_plain_port(&s, p, i, true);
        else if (tls)
            ns_tls_port(&s, p, i);
        else if (p->protocol == GS_RT_PROTO_TCP)
            ns_plain_port(&s, p, i, false);
    }
    gs_buf_puts(stream, "stream {\n");
    if (s.refuse_used)
        gs_buf_puts(stream, "    # Shares with no valid backend: closed (datagrams dropped) "
                            "without connecting anywhere.\n"
                            "    upstream " NS_REFUSE " {\n        server 127.0.0.1:9 down;\n"
                            "    }\n");
    gs_buf_append(stream, s.head.data ? s.head.data : "", s.head.len);
    gs_buf_append(stream, s.servers.data ? s.servers.data : "", s.servers.len);
    gs_buf_puts(stream, "}\n");
    gs_buf_clear(&s.head);
    gs_buf_clear(&s.servers);
    gs_strmap_free(&s.upstreams);
    gs_strmap_free(&s.rules);
    for (size_t i = 0; i < s.n_keys; i++)
        free(s.keys[i]);
    free(s.keys);
    free(s.terminate_done);
}
