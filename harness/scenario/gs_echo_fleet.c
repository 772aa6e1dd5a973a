/* SPDX-License-Identifier: MIT */
/* Starting, watching and querying the echo backends of a scenario. Each replica is a
 * gatesim-echo child (gs_proc: own process group, killed with the run); its ready line says
 * where it listens; its request log is read with a plain HTTP/1.0 GET on its control path. */
#include "gs_echo_fleet.h"

#include "gs_addr.h"
#include "gs_alloc.h"
#include "gs_hostname.h"
#include "gs_json_parse.h"
#include "gs_time.h"
#include "gs_tls.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The listening address in an echo ready line: "address", else "listen", else the first of
 * "listeners". */
static const char *fleet_ready_address(const gs_json_value *v)
{
    const char *a = gs_json_get_string(v, "address", NULL);
    if (a == NULL)
        a = gs_json_get_string(v, "listen", NULL);
    if (a == NULL) {
        const gs_json_value *l = gs_json_at(gs_json_get(v, "listeners"), 0);
        a = l && l->type == GS_JSON_STRING ? l->str : gs_json_get_string(l, "address", NULL);
    }
    return a;
}

/* Which layer-4 listener a Service port needs: what the routes sending to it carry. */
typedef enum fleet_l4 {
    FLEET_HTTP = 0,
    FLEET_TCP = 1,
    FLEET_UDP = 2,
    FLEET_TLS = 4, /* TLSRoute: passthrough, so the echo terminates TLS with its own certificate */
} fleet_l4;

/* Whether TLS listener |l| (a Gateway's spec.listeners item) is in mode Terminate (the default
 * when tls or its mode is absent). */
static bool fleet_listener_terminates(const gs_yaml_node *l)
{
    const char *mode = gs_yaml_str(gs_yaml_get(gs_yaml_get(l, "tls"), "mode"));
    return mode == NULL || strcmp(mode, "Terminate") == 0;
}

/* Whether one of |route|'s hostnames (none: any) intersects listener hostname |lh|. */
static bool fleet_hostnames_meet(const gs_yaml_node *route, const char *lh)
{
    const gs_yaml_node *hs = gs_yaml_get(gs_yaml_get(route, "spec"), "hostnames");
    if (hs == NULL || hs->kind != GS_YAML_SEQUENCE || hs->nitems == 0)
        return true;
    const char *eff;
    for (size_t i = 0; i < hs->nitems; i++) {
        const char *h = gs_yaml_str(hs->items[i]);
        if (h && gs_hostname_intersect(lh, h, &eff))
            return true;
    }
    return false;
}

/* What the TLS listeners TLSRoute |it| names do with the TLS: FLEET_TLS when one of them is
 * Passthrough (the backend terminates it: a TLS echo), FLEET_TCP when one is Terminate (the
 * gateway terminates it and sends the cleartext: a TCP echo), both when both. A listener is
 * named by a parentRef to a Gateway of the set, its sectionName and port when given, and a
 * hostname meeting the route's. A route naming no such listener counts as passthrough. */
static unsigned fleet_tls_route_l4(const gs_objset *set, const gs_objset_item *it)
{
    unsigned out = 0;
    const gs_yaml_node *parents = gs_yaml_get(gs_yaml_get(it->node, "spec"), "parentRefs");
    for (size_t p = 0; parents && parents->kind == GS_YAML_SEQUENCE && p < parents->nitems; p++) {
        const gs_yaml_node *ref = parents->items[p];
        const char *kind = gs_yaml_str(gs_yaml_get(ref, "kind"));
        const char *name = gs_yaml_str(gs_yaml_get(ref, "name"));
        const char *ns = gs_yaml_str(gs_yaml_get(ref, "namespace"));
        const char *section = gs_yaml_str(gs_yaml_get(ref, "sectionName"));
        int64_t port = 0;
        bool has_port = gs_yaml_int(gs_yaml_get(ref, "port"), &port);
        if ((kind && strcmp(kind, "Gateway") != 0) || name == NULL)
            continue;
        for (size_t g = 0; g < set->len; g++) {
            const gs_objset_item *gw = &set->items[g];
            if (strcmp(gw->kind, "Gateway") != 0 || strcmp(gw->name, name) != 0 ||
                strcmp(gw->ns, ns ? ns : it->ns) != 0)
                continue;
            const gs_yaml_node *ls = gs_yaml_get(gs_yaml_get(gw->node, "spec"), "listeners");
            for (size_t i = 0; ls && ls->kind == GS_YAML_SEQUENCE && i < ls->nitems; i++) {
                const gs_yaml_node *l = ls->items[i];
                const char *proto = gs_yaml_str(gs_yaml_get(l, "protocol"));
                const char *lname = gs_yaml_str(gs_yaml_get(l, "name"));
                int64_t lport = 0;
                if (proto == NULL || strcmp(proto, "TLS") != 0 ||
                    (section && (lname == NULL || strcmp(section, lname) != 0)) ||
                    (has_port && (!gs_yaml_int(gs_yaml_get(l, "port"), &lport) || lport != port)) ||
                    !fleet_hostnames_meet(it->node, gs_yaml_str(gs_yaml_get(l, "hostname"))))
                    continue;
                out |= fleet_listener_terminates(l) ? FLEET_TCP : FLEET_TLS;
            }
        }
    }
    return out ? out : FLEET_TLS;
}

/* Whether a backendRef |ref| of a route in namespace |route_ns| names Service |b| port |port|
 * (a ref without port names every port). */
static bool fleet_ref_names(const gs_yaml_node *ref, const char *route_ns,
                            const gs_scenario_backend *b, unsigned port)
{
    const char *kind = gs_yaml_str(gs_yaml_get(ref, "kind"));
    const char *group = gs_yaml_str(gs_yaml_get(ref, "group"));
    const char *name = gs_yaml_str(gs_yaml_get(ref, "name"));
    const char *ns = gs_yaml_str(gs_yaml_get(ref, "namespace"));
    int64_t p = 0;
    if ((kind && strcmp(kind, "Service") != 0) || (group && group[0] != '\0') || name == NULL)
        return false;
    if (strcmp(name, b->name) != 0 || strcmp(ns ? ns : route_ns, b->ns) != 0)
        return false;
    return !gs_yaml_int(gs_yaml_get(ref, "port"), &p) || p == (int64_t)port;
}

/* The layer-4 listeners Service |b| port |port| needs, from the routes of |set|. */
static unsigned fleet_l4_of(const gs_objset *set, const gs_scenario_backend *b, unsigned port)
{
    static const struct {
        const char *kind;
        fleet_l4 l4;
    } kinds[] = {{"TCPRoute", FLEET_TCP}, {"UDPRoute", FLEET_UDP}, {"TLSRoute", FLEET_TLS}};
    unsigned out = FLEET_HTTP;
    for (size_t i = 0; set != NULL && i < set->len; i++) {
        const gs_objset_item *it = &set->items[i];
        for (size_t k = 0; k < GS_ARRAY_LEN(kinds); k++) {
            if (strcmp(it->kind, kinds[k].kind) != 0)
                continue;
            const gs_yaml_node *rules = gs_yaml_get(gs_yaml_get(it->node, "spec"), "rules");
            for (size_t r = 0; rules && rules->kind == GS_YAML_SEQUENCE && r < rules->nitems;
                 r++) {
                const gs_yaml_node *refs = gs_yaml_get(rules->items[r], "backendRefs");
                for (size_t j = 0; refs && refs->kind == GS_YAML_SEQUENCE && j < refs->nitems;
                     j++)
                    if (fleet_ref_names(refs->items[j], it->ns, b, port))
                        out |= kinds[k].l4 == FLEET_TLS ? fleet_tls_route_l4(set, it)
                                                        : kinds[k].l4;
            }
        }
    }
    return out;
}

void gs_echo_fleet_tls_paths(const char *workdir, const gs_scenario_backend *b, char **cert,
                             char **key)
{
    *cert = gs_xasprintf("%s/backend-%s-%s.crt", workdir, b->ns, b->name);
    *key = gs_xasprintf("%s/backend-%s-%s.key", workdir, b->ns, b->name);
}

int gs_echo_fleet_tls_write(const char *workdir, const gs_scenario *sc, const gs_tls_pem *ca,
                            gs_error *err)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sc->n_backends; i++) {
        const gs_scenario_backend *b = &sc->backends[i];
        if (b->n_tls_hosts == 0)
            continue;
        gs_tls_pem leaf = {0};
        char *cert = NULL, *key = NULL;
        gs_echo_fleet_tls_paths(workdir, b, &cert, &key);
        rc = gs_tls_leaf_generate(&leaf, ca, b->tls_hosts, b->n_tls_hosts, err);
        if (rc == 0)
            rc = gs_tls_pem_write(&leaf, cert, key, err);
        gs_tls_pem_clear(&leaf);
        free(cert);
        free(key);
    }
    return rc;
}

/* The address of the echo listener for a port needing |l4| (one kind; HTTP when none). */
static const char *fleet_endpoint_address(const gs_echo_replica *r, unsigned l4)
{
    if (l4 == FLEET_HTTP && r->https_address)
        return r->https_address;
    if ((l4 & FLEET_TLS) && r->tls_address)
        return r->tls_address;
    if ((l4 & FLEET_TCP) && (r->tcp_address || r->tls_address))
        return r->tcp_address ? r->tcp_address : r->tls_address; /* TLS: tls.hosts, below */
    if ((l4 & FLEET_UDP) && r->udp_address)
        return r->udp_address;
    return r->address;
}

/* Reads the layer-4 listeners of ready line |v| into |r|. */
static void fleet_ready_l4(gs_echo_replica *r, const gs_json_value *v)
{
    const char *tcp = gs_json_get_string(v, "tcpListen", NULL);
    const char *udp = gs_json_get_string(v, "udpListen", NULL);
    const char *tls = gs_json_get_string(v, "tcpTlsListen", NULL);
    const char *sha = gs_json_get_string(v, "tlsCertSha256", NULL);
    const char *https = gs_json_get_string(v, "tlsListen", NULL);
    r->https_address = https ? gs_xstrdup(https) : NULL;
    r->tcp_address = tcp ? gs_xstrdup(tcp) : NULL;
    r->udp_address = udp ? gs_xstrdup(udp) : NULL;
    r->tls_address = tls ? gs_xstrdup(tls) : NULL;
    r->tls_sha256 = sha ? gs_xstrdup(sha) : NULL;
}

static int fleet_start_replica(gs_echo_replica *r, unsigned l4, const char *echo_path,
                               const char *workdir, const uint64_t *seed, int64_t timeout_ns,
                               gs_error *err)
{
    const gs_scenario_backend *b = r->backend;
    char service[512], replica[32], delay[32], rate[32], status[16], seedbuf[32], names[600];
    char *cert = NULL, *key = NULL, *ca = NULL;
    snprintf(service, sizeof(service), "%s/%s", b->ns, b->name);
    snprintf(replica, sizeof(replica), "%u", r->replica);
    const char *argv[40];
    size_t k = 0;
    argv[k++] = echo_path;
    argv[k++] = "--service";
    argv[k++] = service;
    argv[k++] = "--replica";
    argv[k++] = r->id;
    argv[k++] = "--listen";
    argv[k++] = "127.0.0.1:0";
    /* A TCP backend with tls.hosts speaks TLS with the runner's leaf (BackendTLSPolicy behind
     * a TCPRoute or a Terminate TLSRoute: the gateway originates the TLS). */
    bool tcp_tls = (l4 & FLEET_TCP) && b->n_tls_hosts && !(l4 & FLEET_TLS);
    if ((l4 & FLEET_TCP) && !tcp_tls) {
        argv[k++] = "--tcp-listen";
        argv[k++] = "127.0.0.1:0";
    }
    if (tcp_tls) {
        argv[k++] = "--tcp-tls-listen";
        argv[k++] = "127.0.0.1:0";
    }
    if (l4 & FLEET_UDP) {
        argv[k++] = "--udp-listen";
        argv[k++] = "127.0.0.1:0";
    }
    if (l4 & FLEET_TLS) {
        /* a certificate of this replica's own, named after the Service (clients of a
         * passthrough route tell backends apart by its fingerprint, not by name) */
        snprintf(names, sizeof(names), "%s.%s.svc", b->name, b->ns);
        argv[k++] = "--tcp-tls-listen";
        argv[k++] = "127.0.0.1:0";
        argv[k++] = "--tls-names";
        argv[k++] = names;
    }
    if (b->n_tls_hosts) { /* HTTPS (BackendTLSPolicy): the runner's leaf for tls.hosts */
        gs_echo_fleet_tls_paths(workdir, b, &cert, &key);
        argv[k++] = "--tls-listen";
        argv[k++] = "127.0.0.1:0";
        if (!(l4 & FLEET_TLS)) { /* else --tls-names already names the certificate */
            argv[k++] = "--cert";
            argv[k++] = cert;
            argv[k++] = "--key";
            argv[k++] = key;
        }
        if (b->client_certificate != GS_SCENARIO_CLIENT_CERT_NONE) {
            /* the run's CA (the runner wrote it beside the leaves) signs the Secrets a
             * Gateway's clientCertificateRef names */
            ca = gs_xasprintf("%s/ca.pem", workdir);
            argv[k++] = "--client-ca";
            argv[k++] = ca;
            if (b->client_certificate == GS_SCENARIO_CLIENT_CERT_REQUIRED)
                argv[k++] = "--require-client-cert";
        }
    }
    if (b->behaviour.delay_ns > 0) {
        snprintf(delay, sizeof(delay), "%lldus", (long long)(b->behaviour.delay_ns / 1000));
        argv[k++] = "--delay";
        argv[k++] = delay;
    }
    if (b->behaviour.error_rate > 0) {
        snprintf(rate, sizeof(rate), "%.9g", b->behaviour.error_rate);
        argv[k++] = "--error-rate";
        argv[k++] = rate;
    }
    if (b->behaviour.status > 0) {
        snprintf(status, sizeof(status), "%d", b->behaviour.status);
        argv[k++] = "--error-status";
        argv[k++] = status;
    }
    if (seed) {
        snprintf(seedbuf, sizeof(seedbuf), "%llu", (unsigned long long)*seed);
        argv[k++] = "--seed";
        argv[k++] = seedbuf;
    }
    argv[k] = NULL;
    (void)replica;
    r->log = gs_xasprintf("%s/echo-%s-%s-%u.log", workdir, b->ns, b->name, r->replica);
    gs_proc_opts opts = {.capture_stdout = true, .stderr_path = r->log};
    int rc = gs_proc_spawn(&r->proc, argv, &opts, err);
    free(cert);
    free(key);
    free(ca);
    if (rc < 0)
        return rc;
    int64_t deadline = gs_now_ns() + timeout_ns;
    for (;;) {
        gs_json_value *v;
        rc = gs_proc_wait_ready(r->proc, deadline, &v, NULL);
        if (rc < 0) {
            int st = 0;
            char desc[64], tail[512];
            gs_proc_stop(r->proc, GS_NS_PER_S, &st);
            gs_proc_describe_status(st, desc);
            gs_proc_log_tail(r->log, tail, sizeof(tail));
            if (rc == GS_ERR_TIMEOUT)
                return gs_error_set(err, rc, "backend %s replica %u: no ready line in time%s%s",
                                    service, r->replica, tail[0] ? "; last log: " : "", tail);
            return gs_error_set(err, rc, "backend %s replica %u %s%s%s", service, r->replica, desc,
                                tail[0] ? ": " : "", tail);
        }
        const char *addr = fleet_ready_address(v);
        if (addr) {
            r->address = gs_xstrdup(addr);
            const char *control = gs_json_get_string(v, "control", NULL);
            r->control = control ? gs_xstrdup(control) : NULL;
            fleet_ready_l4(r, v);
        }
        gs_json_value_free(v);
        if (r->address)
            return 0;
    }
}

int gs_echo_fleet_start(gs_echo_fleet *f, const gs_scenario *sc, const gs_objset *set,
                        const char *echo_path,
                        const char *workdir, const uint64_t *seed, int64_t timeout_ns,
                        gs_error *err)
{
    memset(f, 0, sizeof(*f));
    size_t n = 0, n_ep = 0;
    for (size_t i = 0; i < sc->n_backends; i++) {
        n += sc->backends[i].replicas;
        n_ep += sc->backends[i].replicas * sc->backends[i].n_ports;
    }
    f->replicas = gs_xcalloc(n ? n : 1, sizeof(*f->replicas));
    f->endpoints = gs_xcalloc(n_ep ? n_ep : 1, sizeof(*f->endpoints));
    for (size_t i = 0; i < sc->n_backends; i++) {
        const gs_scenario_backend *b = &sc->backends[i];
        for (unsigned r = 0; r < b->replicas; r++) {
            gs_echo_replica *rep = &f->replicas[f->n_replicas++];
            rep->backend = b;
            rep->replica = r;
            rep->id = gs_xasprintf("%s-%u", b->name, r);
            uint64_t rseed = seed ? *seed + f->n_replicas : 0;
            unsigned l4 = 0;
            for (size_t p = 0; p < b->n_ports; p++)
                l4 |= fleet_l4_of(set, b, b->ports[p]);
            int rc = fleet_start_replica(rep, l4, echo_path, workdir, seed ? &rseed : NULL,
                                         timeout_ns, err);
            if (rc < 0) {
                gs_echo_fleet_stop(f);
                return rc;
            }
            for (size_t p = 0; p < b->n_ports; p++)
                f->endpoints[f->n_endpoints++] = (gs_target_endpoint){
                    b->ns, b->name, b->ports[p],
                    fleet_endpoint_address(rep, fleet_l4_of(set, b, b->ports[p]))};
        }
    }
    return 0;
}

int gs_echo_fleet_check(gs_echo_fleet *f, gs_error *err)
{
    for (size_t i = 0; i < f->n_replicas; i++) {
        gs_echo_replica *r = &f->replicas[i];
        int st;
        if (r->proc && gs_proc_exited(r->proc, &st)) {
            char desc[64], tail[512];
            gs_proc_describe_status(st, desc);
            gs_proc_log_tail(r->log, tail, sizeof(tail));
            return gs_error_set(err, GS_ERR_CLOSED, "backend %s/%s replica %u %s%s%s",
                                r->backend->ns, r->backend->name, r->replica, desc,
                                tail[0] ? ": " : "", tail);
        }
    }
    return 0;
}

int gs_echo_http_get(const char *address, const char *path, int64_t timeout_ns, gs_buf *body,
                     gs_error *err)
{
    return gs_echo_http_request(address, "GET", path, timeout_ns, body, err);
}

int gs_echo_http_request(const char *address, const char *method, const char *path,
                         int64_t timeout_ns, gs_buf *body, gs_error *err)
{
    struct sockaddr_storage sa;
    socklen_t sa_len;
    if (gs_addr_resolve_hostport(address, 0, &sa, &sa_len, err) != 0)
        return GS_ERR_INVALID;
    int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = 0;
    if (fd < 0 || connect(fd, (const struct sockaddr *)&sa, sa_len) != 0) {
        rc = gs_error_set_errno(err, errno, "connect %s", address);
        goto out;
    }
    char req[1024];
    int len =
        snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: %s\r\n\r\n", method, path, address);
    if (len < 0 || (size_t)len >= sizeof(req) || write(fd, req, (size_t)len) != len) {
        rc = gs_error_set_errno(err, errno, "write %s", address);
        goto out;
    }
    gs_buf in = {0};
    int64_t deadline = gs_now_ns() + timeout_ns;
    for (;;) {
        int64_t left = deadline - gs_now_ns();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)(left / GS_NS_PER_MS) + 1) == 0) {
            rc = gs_error_set(err, GS_ERR_TIMEOUT, "%s %s%s timed out", method, address, path);
            break;
        }
        char *dst = gs_buf_reserve(&in, 65536);
        ssize_t n = read(fd, dst, 65536);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = gs_error_set_errno(err, errno, "read %s", address);
            break;
        }
        if (n == 0)
            break;
        in.len += (size_t)n;
        in.data[in.len] = '\0';
        if (in.len > (64u << 20)) {
            rc = gs_error_set(err, GS_ERR_RANGE, "GET %s%s: response too large", address, path);
            break;
        }
    }
    if (rc == 0) {
        const char *sep = in.data ? strstr(in.data, "\r\n\r\n") : NULL;
        int status = 0;
        if (sep == NULL || sscanf(in.data, "HTTP/%*d.%*d %d", &status) != 1) {
            rc = gs_error_set(err, GS_ERR_PROTOCOL, "GET %s%s: malformed response", address, path);
        } else {
            gs_buf_append(body, sep + 4, in.len - (size_t)(sep + 4 - in.data));
            rc = status;
        }
    }
    gs_buf_clear(&in);
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Ids asked for per GET of a request log: the runner's memory for reading a log is bounded by a
 * page (a parsed page of 1024 ids is ~1 MiB), not by how many ids arrived since the last read
 * (up to the echo's ring, 65,536 by default). Reads for ids take FLEET_LOG_PAGES pages at most,
 * so a reader polled during traffic returns to it (the rest is read at the next poll); marking
 * the cursor before a step reads to the end. */
#define FLEET_LOG_PAGE 1024
#define FLEET_LOG_PAGES 64

/* Reads one page of a replica's request log from its cursor; calls |on_id| per id when given.
 * Sets |*full| when the page was full (more may follow). */
static int fleet_read_page(gs_echo_replica *r, void (*on_id)(const char *id, void *user),
                           void *user, bool ignore_dropped, bool *full, gs_error *err)
{
    char path[128];
    *full = false;
    if (r->control == NULL)
        return gs_error_set(err, GS_ERR_PROTOCOL,
                            "backend %s/%s replica %u has no control listener for its request log",
                            r->backend->ns, r->backend->name, r->replica);
    snprintf(path, sizeof(path), "/requests?since=%llu&limit=%d", (unsigned long long)r->log_since,
             FLEET_LOG_PAGE);
    gs_buf body = {0};
    int status = gs_echo_http_get(r->control, path, 5 * GS_NS_PER_S, &body, err);
    if (status < 0) {
        gs_buf_clear(&body);
        return status;
    }
    gs_json_value *v = NULL;
    int rc = 0;
    if (status != 200 || gs_json_parse(body.data ? body.data : "", body.len, NULL, &v, err) != 0) {
        rc = gs_error_set(
            err, GS_ERR_PROTOCOL, "backend %s/%s replica %u: request log answered %d %.200s",
            r->backend->ns, r->backend->name, r->replica, status, body.data ? body.data : "");
        goto out;
    }
    const gs_json_value *ids = gs_json_get(v, "ids");
    if (ids == NULL)
        ids = gs_json_get(v, "requests");
    int count = 0;
    for (size_t i = 0; ids && ids->type == GS_JSON_ARRAY && i < ids->len; i++) {
        const gs_json_value *e = ids->items[i];
        const char *id = e->type == GS_JSON_STRING ? e->str : gs_json_get_string(e, "id", NULL);
        if (id && on_id)
            on_id(id, user);
        count++;
    }
    double dropped = gs_json_get_number(v, "dropped", 0);
    if (dropped > 0 && !ignore_dropped) {
        rc = gs_error_set(err, GS_ERR_RANGE,
                          "backend %s/%s replica %u dropped %.0f request ids from its log (raise "
                          "its --log-size or send fewer requests per step)",
                          r->backend->ns, r->backend->name, r->replica, dropped);
        goto out;
    }
    double next = gs_json_get_number(v, "next", -1);
    uint64_t since = r->log_since;
    r->log_since = next >= 0 ? (uint64_t)next : r->log_since + (uint64_t)count;
    *full = r->log_since - since >= FLEET_LOG_PAGE;
    rc = count;
out:
    gs_json_value_free(v);
    gs_buf_clear(&body);
    return rc;
}

/* Reads one replica's request log from its cursor, page by page (at most |max_pages|); calls
 * |on_id| per id when given. */
static int fleet_read_log(gs_echo_replica *r, void (*on_id)(const char *id, void *user), void *user,
                          bool ignore_dropped, int max_pages, gs_error *err)
{
    int total = 0;
    bool full = true;
    for (int page = 0; full && page < max_pages; page++) {
        int n = fleet_read_page(r, on_id, user, ignore_dropped, &full, err);
        if (n < 0)
            return n;
        total += n;
    }
    return total;
}

/* Whether replica |r| serves backend "ns/name" |backend|. */
static bool fleet_replica_of(const gs_echo_replica *r, const char *backend)
{
    size_t nl = strlen(r->backend->ns);
    return strncmp(backend, r->backend->ns, nl) == 0 && backend[nl] == '/' &&
           strcmp(backend + nl + 1, r->backend->name) == 0;
}

int gs_echo_fleet_request_ids(gs_echo_fleet *f, const char *backend,
                              void (*on_id)(const char *id, void *user), void *user, gs_error *err)
{
    int total = 0;
    for (size_t i = 0; i < f->n_replicas; i++) {
        gs_echo_replica *r = &f->replicas[i];
        if (!fleet_replica_of(r, backend))
            continue;
        int n = fleet_read_log(r, on_id, user, false, FLEET_LOG_PAGES, err);
        if (n < 0)
            return n;
        total += n;
    }
    return total;
}

int gs_echo_fleet_set_behaviour(gs_echo_fleet *f, const char *backend,
                                const gs_scenario_behaviour *b, gs_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n_replicas; i++) {
        gs_echo_replica *r = &f->replicas[i];
        if (!fleet_replica_of(r, backend))
            continue;
        if (r->control == NULL)
            return gs_error_set(err, GS_ERR_PROTOCOL,
                                "backend %s replica %u has no control listener", backend,
                                r->replica);
        char path[160];
        snprintf(path, sizeof(path), "/behaviour?errorRate=%.17g&status=%d&delay=%lldns",
                 b->error_rate, b->status ? b->status : 503, (long long)b->delay_ns);
        gs_buf body = {0};
        int status = gs_echo_http_request(r->control, "POST", path, 5 * GS_NS_PER_S, &body, err);
        if (status >= 0 && status != 200)
            status =
                gs_error_set(err, GS_ERR_PROTOCOL, "backend %s replica %u: %s answered %d %.200s",
                             backend, r->replica, path, status, body.data ? body.data : "");
        gs_buf_clear(&body);
        if (status < 0)
            return status;
        n++;
    }
    if (n == 0)
        return gs_error_set(err, GS_ERR_NOT_FOUND, "no backend %s among the scenario's", backend);
    return 0;
}

int gs_echo_fleet_mark(gs_echo_fleet *f, gs_error *err)
{
    for (size_t i = 0; i < f->n_replicas; i++) {
        int n = fleet_read_log(&f->replicas[i], NULL, NULL, true, INT_MAX, err);
        if (n < 0)
            return n;
    }
    return 0;
}

void gs_echo_fleet_stop(gs_echo_fleet *f)
{
    /* SIGTERM to all first, so they drain in parallel; each free then waits for its own. */
    for (size_t i = 0; i < f->n_replicas; i++)
        if (f->replicas[i].proc)
            gs_proc_signal(f->replicas[i].proc, SIGTERM);
    for (size_t i = 0; i < f->n_replicas; i++) {
        gs_echo_replica *r = &f->replicas[i];
        gs_proc_free(r->proc);
        free(r->id);
        free(r->address);
        free(r->control);
        free(r->log);
        free(r->tcp_address);
        free(r->udp_address);
        free(r->tls_address);
        free(r->https_address);
        free(r->tls_sha256);
    }
    free(f->replicas);
    free(f->endpoints);
    memset(f, 0, sizeof(*f));
}

const char *gs_echo_fleet_cert_owner(const char *sha256, void *fleet)
{
    const gs_echo_fleet *f = fleet;
    static __thread char owner[512];
    for (size_t i = 0; sha256 != NULL && i < f->n_replicas; i++) {
        const gs_echo_replica *r = &f->replicas[i];
        if (r->tls_sha256 && strcmp(r->tls_sha256, sha256) == 0) {
            snprintf(owner, sizeof(owner), "%s/%s", r->backend->ns, r->backend->name);
            return owner;
        }
    }
    return NULL;
}

/* ---- Services without a backend of their own ---- */

/* Whether |sel| (a mapping of label to value) selects the Pods of |b|: labelled app: <name>. */
static bool fleet_selects(const gs_yaml_node *sel, const gs_scenario_backend *b)
{
    if (sel == NULL || sel->kind != GS_YAML_MAPPING || sel->npairs == 0)
        return false;
    for (size_t i = 0; i < sel->npairs; i++) {
        const char *k = gs_yaml_str(sel->pairs[i].key);
        const char *v = gs_yaml_str(sel->pairs[i].value);
        if (k == NULL || v == NULL || strcmp(k, "app") != 0 || strcmp(v, b->name) != 0)
            return false;
    }
    return true;
}

/* Whether an EndpointSlice of namespace |ns| lists replica |r| (targetRef Pod <replica id>). */
static bool fleet_slice_lists(const gs_yaml_node *slice, const char *ns, const gs_echo_replica *r)
{
    const gs_yaml_node *eps = gs_yaml_get(slice, "endpoints");
    for (size_t i = 0; eps && eps->kind == GS_YAML_SEQUENCE && i < eps->nitems; i++) {
        const gs_yaml_node *ref = gs_yaml_get(eps->items[i], "targetRef");
        const char *kind = gs_yaml_str(gs_yaml_get(ref, "kind"));
        const char *name = gs_yaml_str(gs_yaml_get(ref, "name"));
        const char *rns = gs_yaml_str(gs_yaml_get(ref, "namespace"));
        if (kind && strcmp(kind, "Pod") == 0 && name && strcmp(name, r->id) == 0 &&
            strcmp(rns ? rns : ns, r->backend->ns) == 0)
            return true;
    }
    return false;
}

/* Whether replica |r| serves Service |svc| (an objset item no backend declares). */
static bool fleet_serves(const gs_objset *set, const gs_objset_item *svc, const gs_echo_replica *r)
{
    const gs_yaml_node *sel = gs_yaml_get(gs_yaml_get(svc->node, "spec"), "selector");
    if (sel != NULL && sel->kind == GS_YAML_MAPPING && sel->npairs > 0)
        return strcmp(r->backend->ns, svc->ns) == 0 && fleet_selects(sel, r->backend);
    for (size_t i = 0; i < set->len; i++) {
        const gs_objset_item *it = &set->items[i];
        if (strcmp(it->kind, "EndpointSlice") != 0 || strcmp(it->ns, svc->ns) != 0)
            continue;
        const gs_yaml_node *labels = gs_yaml_get(gs_yaml_get(it->node, "metadata"), "labels");
        const char *owner = gs_yaml_str(gs_yaml_get(labels, "kubernetes.io/service-name"));
        if (owner && strcmp(owner, svc->name) == 0 && fleet_slice_lists(it->node, svc->ns, r))
            return true;
    }
    return false;
}

gs_target_endpoint *gs_echo_fleet_endpoints_for(const gs_echo_fleet *f, const gs_objset *set,
                                                size_t *n)
{
    size_t len = f->n_endpoints, cap = f->n_endpoints + 1;
    gs_target_endpoint *out = gs_xcalloc(cap, sizeof(*out));
    if (f->n_endpoints)
        memcpy(out, f->endpoints, f->n_endpoints * sizeof(*out));
    for (size_t i = 0; set != NULL && i < set->len; i++) {
        const gs_objset_item *svc = &set->items[i];
        if (strcmp(svc->kind, "Service") != 0)
            continue;
        bool declared = false;
        for (size_t k = 0; k < f->n_replicas && !declared; k++)
            declared = strcmp(f->replicas[k].backend->ns, svc->ns) == 0 &&
                       strcmp(f->replicas[k].backend->name, svc->name) == 0;
        if (declared)
            continue;
        const gs_yaml_node *ports = gs_yaml_get(gs_yaml_get(svc->node, "spec"), "ports");
        for (size_t k = 0; k < f->n_replicas; k++) {
            const gs_echo_replica *r = &f->replicas[k];
            if (!fleet_serves(set, svc, r))
                continue;
            for (size_t p = 0; ports && ports->kind == GS_YAML_SEQUENCE && p < ports->nitems; p++) {
                int64_t port;
                if (!gs_yaml_int(gs_yaml_get(ports->items[p], "port"), &port) || port < 1 ||
                    port > 65535)
                    continue;
                gs_xgrow((void **)&out, &cap, len + 1, sizeof(*out));
                out[len++] = (gs_target_endpoint){svc->ns, svc->name, (unsigned)port, r->address};
            }
        }
    }
    *n = len;
    return out;
}
