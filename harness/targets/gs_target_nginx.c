/* SPDX-License-Identifier: MIT */
/* The nginx target: gatesim is the controller, nginx (with its njs module) the data plane, as in
 * NGINX Gateway Fabric (docs/targets/nginx.md). Each apply loads the objects with the model, lets
 * control compute status and the route table, renders nginx.conf from that table alone
 * (gs_target_nginx_conf.c), checks it with `nginx -t`, then starts nginx or reloads it with
 * SIGHUP, and returns once a probe location answers the new generation number: from then on
 * every new connection is served by the new configuration.
 *
 * nginx runs in the work folder only: `-p WORKDIR/ -c WORKDIR/nginx.conf`, daemon off, its pid
 * file, temp folders, certificates and njs file there, listening on free 127.0.0.1 ports, its
 * stderr in WORKDIR/nginx.log. It is a gs_proc child, so it and its workers are one process
 * group that every exit path stops. */
#include "gs_nginx_proc.h"
#include "gs_target_child.h"
#include "gs_target_nginx_conf.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_control.h"
#include "gs_diag.h"
#include "gs_json.h"
#include "gs_model.h"
#include "gs_proc.h"
#include "gs_time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>


typedef struct nginx_port {
    char *key; /* "ns/name:port" of the Gateway port */
    uint16_t bound;
} nginx_port;

typedef struct nginx_state {
    gs_nginx_proc np; /* nginx itself: binary, log, probe port, generation */
    char *js_module;
    char *headers_more_module;
    char *stream_module;
    char *conf_path, *objects_path, *mirror_log_path;
    char *status_json; /* the last apply's status, {"objects":[...]} */
    nginx_port *ports;
    size_t n_ports;
    gs_nginx_conf_out served; /* the render nginx serves now (its drops patch the status) */
    long mirror_log_read;      /* bytes of the mirror log counted so far */
    gs_nginx_mirror_counts mirrors;
} nginx_state;

/* ---- objects → model → control ------------------------------------------------------------ */

/* Computes status and the table; keeps the status JSON. |*c| is the caller's to free. */
static int nginx_control(gs_target *t, const gs_target_objects *objs, gs_control **c,
                         gs_error *err)
{
    nginx_state *st = t->impl;
    gs_model *m = NULL;
    int rc = gs_nginx_load_objects(objs, st->objects_path, "nginx", &m, err);
    if (rc == 0) {
        size_t n_ctl = 0;
        while (t->cfg.controller_names && t->cfg.controller_names[n_ctl])
            n_ctl++;
        gs_control_opts co = {.controller_names = t->cfg.controller_names,
                              .n_controller_names = n_ctl};
        gs_control_new(c, &co);
        rc = gs_control_compute(*c, m, err);
    }
    if (rc == 0) {
        gs_buf js = {0};
        gs_json j;
        gs_json_init(&j, &js, false);
        gs_status_write_json(gs_control_status(*c), &j);
        free(st->status_json);
        st->status_json = gs_buf_take(&js);
    }
    gs_model_free(m);
    return rc < 0 && rc != GS_ERR_INVALID && rc != GS_ERR_IO ? GS_ERR_INVALID : rc;
}

/* ---- ports --------------------------------------------------------------------------------- */

/* The 127.0.0.1 port of every Gateway port of |table|: kept across applies, new ones free. */
static int nginx_bind_ports(nginx_state *st, const gs_route_table *table, uint16_t *bound,
                            gs_error *err)
{
    for (size_t i = 0; i < gs_route_table_port_count(table); i++) {
        const gs_rt_port *p = gs_route_table_port(table, i);
        char *key = gs_xasprintf("%s/%s:%u", p->gateway_namespace, p->gateway_name,
                                 (unsigned)p->port);
        bound[i] = 0;
        for (size_t k = 0; k < st->n_ports && bound[i] == 0; k++)
            if (strcmp(st->ports[k].key, key) == 0)
                bound[i] = st->ports[k].bound;
        if (bound[i]) {
            free(key);
            continue;
        }
        int rc = gs_nginx_free_port(&bound[i], err);
        if (rc < 0) {
            free(key);
            return rc;
        }
        st->ports = gs_xrealloc(st->ports, (st->n_ports + 1) * sizeof(*st->ports));
        st->ports[st->n_ports].key = key;
        st->ports[st->n_ports].bound = bound[i];
        st->n_ports++;
    }
    return 0;
}

/* The runner's view: every programmed listener at its port's address. */
static void nginx_set_listeners(gs_target *t, const gs_route_table *table, const uint16_t *bound)
{
    gs_buf js = {0};
    gs_json j;
    gs_json_init(&j, &js, false);
    gs_json_object_begin(&j);
    gs_json_key(&j, "listeners");
    gs_json_array_begin(&j);
    for (size_t i = 0; i < gs_route_table_port_count(table); i++) {
        const gs_rt_port *p = gs_route_table_port(table, i);
        char gw[512], addr[64];
        snprintf(gw, sizeof(gw), "%s/%s", p->gateway_namespace, p->gateway_name);
        snprintf(addr, sizeof(addr), "127.0.0.1:%u", (unsigned)bound[i]);
        for (size_t k = 0; k < p->n_listeners; k++) {
            gs_json_object_begin(&j);
            gs_json_key(&j, "gateway");
            gs_json_string(&j, gw);
            gs_json_key(&j, "listener");
            gs_json_string(&j, p->listeners[k]->name);
            gs_json_key(&j, "port");
            gs_json_uint(&j, p->port);
            gs_json_key(&j, "address");
            gs_json_string(&j, addr);
            gs_json_object_end(&j);
        }
    }
    gs_json_array_end(&j);
    gs_json_object_end(&j);
    gs_json_value *v = NULL;
    gs_error e = {0};
    if (gs_json_parse(js.data, js.len, NULL, &v, &e) == 0)
        gs_target_set_listeners_json(t, v, &e);
    gs_json_value_free(v);
    gs_buf_clear(&js);
}

/* ---- nginx -t, start, reload --------------------------------------------------------------- */

static int nginx_mkdirs(const gs_target *t, gs_error *err)
{
    static const char *const dirs[] = {"certs", "tmp"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        char *d = gs_xasprintf("%s/%s", t->cfg.workdir, dirs[i]);
        int rc = mkdir(d, 0700) != 0 && errno != EEXIST ? gs_error_set_errno(err, errno, "mkdir %s", d)
                                                         : 0;
        free(d);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Writes the rendered files; the configuration goes to |conf| (tested before it replaces
 * nginx.conf). */
static int nginx_write_render(gs_target *t, const gs_nginx_conf_out *r, const char *js_path,
                              const char *conf, gs_error *err)
{
    int rc = nginx_mkdirs(t, err);
    for (size_t i = 0; rc == 0 && i < r->n_files; i++)
        rc = gs_target_child_write_file(r->files[i].path, r->files[i].data, strlen(r->files[i].data), err);
    if (rc == 0 && r->needs_js)
        rc = gs_target_child_write_file(js_path, r->js.data, r->js.len, err);
    if (rc == 0)
        rc = gs_target_child_write_file(conf, r->conf.data, r->conf.len, err);
    return rc;
}

/* One try at serving |table|: ports, render, nginx -t, start or SIGHUP, wait. */
static int nginx_serve(gs_target *t, const gs_target_objects *objs, const gs_route_table *table,
                       gs_error *err)
{
    nginx_state *st = t->impl;
    size_t n_ports = gs_route_table_port_count(table);
    uint16_t *bound = gs_xcalloc(n_ports + 1, sizeof(*bound));
    int rc = gs_nginx_proc_probe_port(&st->np, err);
    if (rc == 0)
        rc = nginx_bind_ports(st, table, bound, err);
    gs_nginx_conf_out r = {0};
    uint64_t gen = st->np.generation + 1;
    char *js_path = gs_xasprintf("%s/gatesim-%" PRIu64 ".js", t->cfg.workdir, gen);
    char *next = gs_xasprintf("%s/nginx-%" PRIu64 ".conf", t->cfg.workdir, gen);
    if (rc == 0) {
        gs_nginx_conf_in in = {.table = table,
                               .endpoints = objs->endpoints,
                               .n_endpoints = objs->n_endpoints,
                               .bound_ports = bound,
                               .probe_port = st->np.probe_port,
                               .generation = gen,
                               .workdir = t->cfg.workdir,
                               .js_path = js_path,
                               .js_module = st->js_module,
                               .headers_more_module = st->headers_more_module,
                               .stream_module = st->stream_module,
                               .user = geteuid() == 0 ? "root" : NULL};
        rc = gs_nginx_conf_render(&in, &r, err);
    }
    if (rc == 0)
        rc = nginx_write_render(t, &r, js_path, next, err);
    if (rc == 0)
        rc = gs_nginx_proc_test(&st->np, next, err);
    if (rc == 0 && rename(next, st->conf_path) != 0)
        rc = gs_error_set_errno(err, errno, "rename %s", next);
    if (rc == 0)
        rc = gs_nginx_proc_load(&st->np, st->conf_path, gen, err);
    if (rc == 0) {
        nginx_set_listeners(t, table, bound);
        gs_nginx_conf_out_free(&st->served);
        st->served = r;
        memset(&r, 0, sizeof(r));
        /* The previous njs file is no longer imported. */
        char *stale = gs_xasprintf("%s/gatesim-%" PRIu64 ".js", t->cfg.workdir, gen - 1);
        unlink(stale);
        free(stale);
    }
    gs_nginx_conf_out_free(&r);
    free(js_path);
    free(next);
    free(bound);
    return rc;
}

/* Forgets the ports allocated since there were |n| (and the probe port when |probe| was new),
 * so the next try draws others. */
static void nginx_forget_ports(nginx_state *st, size_t n, bool probe)
{
    while (st->n_ports > n)
        free(st->ports[--st->n_ports].key);
    if (probe)
        st->np.probe_port = 0;
}

/* How many times an apply draws new ports when another process took one first. */
#define NGINX_PORT_TRIES 3

static int nginx_apply(gs_target *t, const gs_target_objects *objs, gs_error *err)
{
    nginx_state *st = t->impl;
    if (st->np.proc && gs_nginx_proc_check(&st->np, err) < 0)
        return GS_ERR_CLOSED;
    gs_control *c = NULL;
    int rc = nginx_control(t, objs, &c, err);
    for (int attempt = 1; rc == 0; attempt++) {
        size_t n_ports = st->n_ports;
        bool probe = st->np.probe_port == 0;
        rc = nginx_serve(t, objs, gs_control_table(c), err);
        if (rc == 0 || attempt == NGINX_PORT_TRIES || !gs_nginx_port_taken(err->msg))
            break;
        nginx_forget_ports(st, n_ports, probe);
        rc = 0;
    }
    gs_control_free(c);
    return rc;
}

/* ---- status, counters, life --------------------------------------------------------------- */

static void nginx_set_string(gs_json_value *v, const char *s)
{
    free(v->str);
    v->str = gs_xstrdup(s);
    v->len = strlen(s);
}

/* Member |key| of object |obj|, to be changed in place, or NULL. */
static gs_json_value *nginx_member(gs_json_value *obj, const char *key)
{
    for (size_t i = 0; obj && obj->type == GS_JSON_OBJECT && i < obj->len; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

/* Appends |item| (JSON text) to array |arr|. */
static void nginx_append_json(gs_json_value *arr, const char *item)
{
    gs_json_value *v = NULL;
    gs_error e = {0};
    if (gs_json_parse(item, strlen(item), NULL, &v, &e) < 0)
        return;
    arr->items = gs_xrealloc(arr->items, (arr->len + 1) * sizeof(*arr->items));
    arr->items[arr->len++] = v;
}

/* The conditions of every parent of route object |o| say which rules nginx cannot serve:
 * PartiallyInvalid=True/UnsupportedValue, or Accepted=False/UnsupportedValue when none is left
 * (the Gateway API's words for rules an implementation drops). */
static void nginx_patch_route(const nginx_state *st, gs_json_value *o, const char *kind)
{
    const char *ns = gs_json_get_string(o, "namespace", "");
    const char *name = gs_json_get_string(o, "name", "");
    gs_buf msg = {0};
    size_t dropped = 0, rules = 0;
    for (size_t i = 0; i < st->served.n_drops; i++) {
        const gs_nginx_drop *d = &st->served.drops[i];
        if (strcmp(gs_control_route_kind_name(d->kind), kind) != 0 ||
            strcmp(d->namespace, ns) != 0 || strcmp(d->name, name) != 0)
            continue;
        gs_buf_printf(&msg, "%srule %zu needs %s, which the nginx target does not support: %s",
                      dropped++ ? "; " : "Dropped by the nginx target: ", d->rule, d->feature,
                      d->why);
        rules = d->route_rules;
    }
    const gs_json_value *parents = gs_json_get(gs_json_get(o, "status"), "parents");
    for (size_t p = 0; dropped && parents && p < parents->len; p++) {
        gs_json_value *conds = nginx_member(parents->items[p], "conditions");
        if (conds == NULL || conds->type != GS_JSON_ARRAY)
            continue;
        double gen = 1;
        for (size_t c = 0; c < conds->len; c++) {
            gs_json_value *cond = conds->items[c];
            if (strcmp(gs_json_get_string(cond, "type", ""), "Accepted") != 0)
                continue;
            gen = gs_json_get_number(cond, "observedGeneration", 1);
            if (dropped < rules)
                continue;
            for (size_t k = 0; k < cond->len; k++) {
                if (strcmp(cond->keys[k], "status") == 0)
                    nginx_set_string(cond->items[k], "False");
                else if (strcmp(cond->keys[k], "reason") == 0)
                    nginx_set_string(cond->items[k], "UnsupportedValue");
                else if (strcmp(cond->keys[k], "message") == 0)
                    nginx_set_string(cond->items[k], msg.data);
            }
        }
        if (dropped < rules) {
            gs_buf js = {0};
            gs_json j;
            gs_json_init(&j, &js, false);
            gs_json_object_begin(&j);
            gs_json_key(&j, "type");
            gs_json_string(&j, "PartiallyInvalid");
            gs_json_key(&j, "status");
            gs_json_string(&j, "True");
            gs_json_key(&j, "reason");
            gs_json_string(&j, "UnsupportedValue");
            gs_json_key(&j, "message");
            gs_json_string(&j, msg.data);
            gs_json_key(&j, "observedGeneration");
            gs_json_int(&j, (int64_t)gen);
            gs_json_object_end(&j);
            nginx_append_json(conds, js.data);
            gs_buf_clear(&js);
        }
    }
    gs_buf_clear(&msg);
}

static int nginx_status(gs_target *t, gs_json_value **out, gs_error *err)
{
    nginx_state *st = t->impl;
    *out = NULL;
    if (st->status_json == NULL)
        return gs_error_set(err, GS_ERR_CLOSED, "nginx target: nothing applied yet");
    int rc = gs_json_parse(st->status_json, strlen(st->status_json), NULL, out, err);
    const gs_json_value *objects = rc == 0 ? gs_json_get(*out, "objects") : NULL;
    for (size_t i = 0; st->served.n_drops && objects && i < objects->len; i++) {
        const char *kind = gs_json_get_string(objects->items[i], "kind", "");
        if (strcmp(kind, "HTTPRoute") == 0 || strcmp(kind, "GRPCRoute") == 0)
            nginx_patch_route(st, objects->items[i], kind);
    }
    return rc;
}

static int nginx_check(gs_target *t, gs_error *err)
{
    nginx_state *st = t->impl;
    return gs_nginx_proc_check(&st->np, err);
}

/* Counts the mirror log's lines written since the last reading (none before the first copy). */
static void nginx_read_mirror_log(nginx_state *st)
{
    FILE *f = fopen(st->mirror_log_path, "r");
    if (f == NULL)
        return;
    if (fseek(f, 0, SEEK_END) == 0 && ftell(f) < st->mirror_log_read)
        st->mirror_log_read = 0; /* a new file: count it from its start */
    char buf[8192];
    size_t have = 0, got;
    if (fseek(f, st->mirror_log_read, SEEK_SET) == 0)
        while ((got = fread(buf + have, 1, sizeof(buf) - have, f)) > 0) {
            have += got;
            size_t used = gs_nginx_mirror_log_count(buf, have, &st->mirrors);
            if (used == 0 && have == sizeof(buf))
                used = have; /* a line longer than the buffer is none of ours */
            memmove(buf, buf + used, have - used);
            have -= used;
            st->mirror_log_read += (long)used;
        }
    fclose(f);
}

static void nginx_stat_add(gs_target_stats *out, const char *name, uint64_t value)
{
    out->items[out->len].name = gs_xstrdup(name);
    out->items[out->len].value = value;
    out->len++;
}

/* stub_status: "Active connections: 1 \nserver accepts handled requests\n 7 7 9 \n...". The
 * requests gatesim itself made are taken off, so the count is the traffic's. Mirror copies come
 * from the mirror log, counted when each copy's exchange ends (a copy still on its way is counted
 * by the next reading): nginx does not count its subrequests in stub_status. */
static int nginx_stats(gs_target *t, gs_target_stats *out, gs_error *err)
{
    nginx_state *st = t->impl;
    int rc = nginx_check(t, err);
    if (rc < 0)
        return rc;
    gs_buf body = {0};
    rc = gs_nginx_proc_probe_get(&st->np, "/gatesim/stats", &body);
    unsigned long long active = 0, accepts = 0, handled = 0, requests = 0;
    if (rc < 0 || body.data == NULL ||
        sscanf(body.data, "Active connections: %llu server accepts handled requests %llu %llu %llu",
               &active, &accepts, &handled, &requests) != 4) {
        gs_buf_clear(&body);
        return gs_error_set(err, GS_ERR_PROTOCOL, "nginx stub_status did not answer");
    }
    gs_buf_clear(&body);
    nginx_read_mirror_log(st);
    uint64_t own = st->np.own_requests;
    out->items = gs_xcalloc(6, sizeof(*out->items));
    nginx_stat_add(out, "requests", requests > own ? requests - own : 0);
    nginx_stat_add(out, "connections", active > 0 ? active - 1 : 0); /* less the reading one */
    nginx_stat_add(out, "mirrorsSent", st->mirrors.sent);
    nginx_stat_add(out, "mirrorsNoEndpoint", st->mirrors.no_endpoint);
    nginx_stat_add(out, "mirrorsFailed", st->mirrors.failed);
    nginx_stat_add(out, "mirrorsTimedOut", st->mirrors.timed_out);
    return 0;
}

static int nginx_open(gs_target *t, gs_error *err)
{
    nginx_state *st = gs_xcalloc(1, sizeof(*st));
    int rc = gs_nginx_proc_init(&st->np, t->cfg.workdir, t->cfg.start_timeout_ns, "nginx", err);
    if (rc < 0) {
        free(st);
        return rc;
    }
    st->js_module = gs_nginx_find_module("ngx_http_js_module.so");
    st->headers_more_module = gs_nginx_find_module("ngx_http_headers_more_filter_module.so");
    st->stream_module = gs_nginx_find_module("ngx_stream_module.so");
    st->conf_path = gs_xasprintf("%s/nginx.conf", t->cfg.workdir);
    st->objects_path = gs_xasprintf("%s/objects.yaml", t->cfg.workdir);
    st->mirror_log_path = gs_xasprintf("%s/%s", t->cfg.workdir, GS_NGINX_MIRROR_LOG);
    t->impl = st;
    return 0;
}

static void nginx_close(gs_target *t)
{
    nginx_state *st = t->impl;
    if (st == NULL)
        return;
    gs_nginx_proc_clear(&st->np);
    free(st->js_module);
    free(st->headers_more_module);
    free(st->stream_module);
    free(st->conf_path);
    free(st->objects_path);
    free(st->mirror_log_path);
    free(st->status_json);
    gs_nginx_conf_out_free(&st->served);
    for (size_t i = 0; i < st->n_ports; i++)
        free(st->ports[i].key);
    free(st->ports);
    free(st);
    t->impl = NULL;
}

/* The upstream conformance features the nginx target implements (FeatureNames; `gatesim conform`
 * runs the tests that need only these). The builtin's list less what nginx cannot do
 * (gs_nginx_unsupported_features, docs/targets/nginx.md): HTTPRouteCORS, HTTPRouteRetry,
 * HTTPRouteBackendRequestHeaderModification, HTTPRouteBackendProtocolH2C. TLSRoute (Passthrough,
 * Terminate, both on one port), TCPRoute and UDPRoute are served by the stream {} block
 * (gs_target_nginx_stream.c). */
static const char *const nginx_features[] = {
    "Gateway",
    "ReferenceGrant",
    "HTTPRoute",
    "GRPCRoute",
    "GatewayPort8080",
    "GatewayHTTPListenerIsolation",
    "HTTPRouteQueryParamMatching",
    "HTTPRouteMethodMatching",
    "HTTPRouteResponseHeaderModification",
    "HTTPRoutePortRedirect",
    "HTTPRouteSchemeRedirect",
    "HTTPRoutePathRedirect",
    "HTTPRouteHostRewrite",
    "HTTPRoutePathRewrite",
    "HTTPRouteRequestMirror",
    "HTTPRouteRequestMultipleMirrors",
    "HTTPRouteRequestPercentageMirror",
    "HTTPRouteRequestTimeout",
    "HTTPRouteBackendTimeout",
    "HTTPRouteParentRefPort",
    "HTTPRouteNamedRouteRule",
    "HTTPRoute303RedirectStatusCode",
    "HTTPRoute307RedirectStatusCode",
    "HTTPRoute308RedirectStatusCode",
    "GRPCRouteNamedRouteRule",
    "GRPCRouteRequestHeaderModifier",
    "TLSRoute",
    "TLSRouteModeTerminate",
    "TLSRouteModeMixed",
    "TCPRoute",
    "UDPRoute",
};

static int nginx_features_json(gs_target *t, gs_json_value **out, gs_error *err)
{
    (void)t;
    return gs_target_features_json(nginx_features,
                                   sizeof(nginx_features) / sizeof(nginx_features[0]), out, err);
}

/* nginx's master process, which leads the group of its workers. */
static pid_t nginx_pid(gs_target *t)
{
    const nginx_state *st = t->impl;
    return st != NULL && st->np.proc != NULL ? gs_proc_pid(st->np.proc) : 0;
}

static const gs_target_ops nginx_ops = {
    .open = nginx_open,
    .apply = nginx_apply,
    .status = nginx_status,
    .check = nginx_check,
    .stats = nginx_stats,
    .close = nginx_close,
    .features = nginx_features_json,
    .pid = nginx_pid,
};

const gs_target_kind gs_target_kind_nginx = {
    .name = "nginx",
    .usage = "nginx",
    .help = "nginx with njs as the data plane, configured from gatesim's route table "
            "(docs/targets/nginx.md)",
    .caps = GS_TARGET_CAP_REPORTS_COUNTERS | GS_TARGET_CAP_STATUS_ONCE,
    .ops = &nginx_ops,
};
