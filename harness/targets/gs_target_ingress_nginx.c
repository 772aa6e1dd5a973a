/* SPDX-License-Identifier: MIT */
/* The ingress-nginx target: the "before" side of a migration off Ingress (docs/ingress.md). Each
 * apply loads the objects, renders the Ingresses into nginx.conf as ingress-nginx's template
 * does (gs_ingress_nginx_render), checks it with `nginx -t`, and starts or reloads Debian's nginx
 * on it with the nginx target's process machinery (gs_nginx_proc.h), so the answers come from
 * nginx's own location matching. Every Ingress of the objects is served, whatever its class, on
 * one port: the listener "http" of the pseudo-Gateway ingress-nginx/ingress-nginx-controller
 * (where ingress-nginx's own Service is in a cluster), which scenarios send to; HTTPS on another,
 * the listener "https", with each host's certificate from its Ingress's TLS Secret, else the
 * controller's fake default certificate (generated at open). */
#include "gs_ingress_nginx.h"
#include "gs_nginx_proc.h"
#include "gs_target_child.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_diag.h"
#include "gs_ingress.h"
#include "gs_json.h"
#include "gs_model.h"
#include "gs_tls.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How many times an apply draws a new port when another process took one first. */
#define INGRESS_PORT_TRIES 3

typedef struct ingress_state {
    gs_nginx_proc np;
    char *conf_path, *objects_path;
    uint16_t http_port, https_port; /* kept across applies */
    gs_tls_pem fake;                /* GS_INGRESS_NGINX_FAKE_CN */
    gs_buf status;                  /* the status JSON of the last apply (ingress_publish) */
} ingress_state;

typedef struct ingress_resolve_ctx {
    const gs_target_objects *objs;
} ingress_resolve_ctx;

/* The address of Service |ns|/|name| port |port| among the echo backends: the first endpoint
 * (ingress-nginx's upstream has them all; one is enough to show where a request went). */
static bool ingress_resolve(void *ctx, const char *ns, const char *name, int64_t port, char *out,
                            size_t n)
{
    const gs_target_objects *objs = ((const ingress_resolve_ctx *)ctx)->objs;
    for (size_t i = 0; i < objs->n_endpoints; i++) {
        const gs_target_endpoint *e = &objs->endpoints[i];
        if ((int64_t)e->port == port && strcmp(e->ns, ns) == 0 && strcmp(e->name, name) == 0) {
            snprintf(out, n, "%s", e->address);
            return true;
        }
    }
    return false;
}

static void ingress_set_listeners(gs_target *t, uint16_t http_port, uint16_t https_port)
{
    for (size_t i = 0; i < t->n_listeners; i++) {
        free(t->listeners[i].gateway);
        free(t->listeners[i].listener);
        free(t->listeners[i].address);
    }
    free(t->listeners);
    gs_target_listener *l = gs_xcalloc(2, sizeof(*l));
    const char *names[] = {"http", "https"};
    const unsigned ports[] = {80, 443}, local[] = {http_port, https_port};
    for (size_t i = 0; i < 2; i++) {
        l[i].gateway = gs_xstrdup(GS_TARGET_INGRESS_NGINX_GATEWAY);
        l[i].listener = gs_xstrdup(names[i]);
        l[i].port = ports[i];
        l[i].address = gs_xasprintf("127.0.0.1:%u", local[i]);
    }
    t->listeners = l;
    t->n_listeners = 2;
}

/* The certificate files the rendering names (gs_ingress_nginx_in.listen_tls). */
static int ingress_write_certs(gs_target *t, const gs_model *m, gs_error *err)
{
    ingress_state *st = t->impl;
    char *dir = gs_xasprintf("%s/certs", t->cfg.workdir);
    int rc = 0;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        rc = gs_error_set_errno(err, errno, "mkdir %s", dir);
    char *crt = gs_xasprintf("%s/default.crt", dir), *key = gs_xasprintf("%s/default.key", dir);
    if (rc == 0)
        rc = gs_tls_pem_write(&st->fake, crt, key, err);
    free(crt);
    free(key);
    for (size_t i = 0; i < m->n_secrets && rc == 0; i++) {
        const gs_secret *s = m->secrets[i];
        if (!gs_ingress_nginx_secret_usable(s))
            continue;
        size_t nc, nk;
        const unsigned char *c = gs_secret_get(s, "tls.crt", &nc);
        const unsigned char *k = gs_secret_get(s, "tls.key", &nk);
        crt = gs_xasprintf("%s/%s_%s.crt", dir, s->obj.metadata.namespace.v, s->obj.metadata.name.v);
        key = gs_xasprintf("%s/%s_%s.key", dir, s->obj.metadata.namespace.v, s->obj.metadata.name.v);
        rc = gs_target_child_write_file(crt, (const char *)c, nc, err);
        if (rc == 0)
            rc = gs_target_child_write_file(key, (const char *)k, nk, err);
        free(crt);
        free(key);
    }
    free(dir);
    return rc;
}

/* One try: render for the current ports, nginx -t, start or reload, wait. */
static int ingress_serve(gs_target *t, const gs_model *m, const gs_target_objects *objs,
                         gs_error *err)
{
    ingress_state *st = t->impl;
    int rc = gs_nginx_proc_probe_port(&st->np, err);
    if (rc == 0 && st->http_port == 0)
        rc = gs_nginx_free_port(&st->http_port, err);
    if (rc == 0 && st->https_port == 0)
        rc = gs_nginx_free_port(&st->https_port, err);
    if (rc == 0)
        rc = ingress_write_certs(t, m, err);
    if (rc < 0)
        return rc;
    uint64_t gen = st->np.generation + 1;
    char listen[32], listen_tls[32];
    snprintf(listen, sizeof(listen), "127.0.0.1:%u", (unsigned)st->http_port);
    snprintf(listen_tls, sizeof(listen_tls), "127.0.0.1:%u", (unsigned)st->https_port);
    gs_buf probe = {0};
    gs_nginx_probe_server(st->np.probe_port, gen, &probe);
    /* worker_shutdown_timeout bounds how long a reload waits for the old workers. */
    const char *main_extra = geteuid() == 0 ? "daemon off;\nerror_log stderr warn;\n"
                                              "worker_shutdown_timeout 10s;\nuser root;\n"
                                            : "daemon off;\nerror_log stderr warn;\n"
                                              "worker_shutdown_timeout 10s;\n";
    ingress_resolve_ctx rctx = {.objs = objs};
    gs_ingress_nginx_in in = {.m = m,
                              .listen = listen,
                              .listen_tls = listen_tls,
                              .workdir = t->cfg.workdir,
                              .main_extra = main_extra,
                              .http_extra = probe.data,
                              .resolve = ingress_resolve,
                              .resolve_ctx = &rctx};
    gs_buf conf = {0};
    gs_diags notes = {0};
    gs_ingress_nginx_render(&in, &conf, &notes);
    gs_diags_clear(&notes);
    char *next = gs_xasprintf("%s/nginx-%" PRIu64 ".conf", t->cfg.workdir, gen);
    rc = gs_target_child_write_file(next, conf.data, conf.len, err);
    if (rc == 0)
        rc = gs_nginx_proc_test(&st->np, next, err);
    if (rc == 0 && rename(next, st->conf_path) != 0)
        rc = gs_error_set_errno(err, errno, "rename %s", next);
    if (rc == 0)
        rc = gs_nginx_proc_load(&st->np, st->conf_path, gen, err);
    if (rc == 0)
        ingress_set_listeners(t, st->http_port, st->https_port);
    free(next);
    gs_buf_clear(&conf);
    gs_buf_clear(&probe);
    return rc;
}

/* The status ingress-nginx publishes for the Ingresses it serves: status.loadBalancer.ingress[]
 * holds the address it is exposed at (its published Service's, or --publish-status-address; here
 * the listeners' loopback address, where scenarios send). Every Ingress is served here. */
static void ingress_publish(ingress_state *st, const gs_model *m)
{
    gs_buf *b = &st->status;
    gs_buf_reset(b);
    gs_buf_puts(b, "{\"objects\":[");
    for (size_t i = 0; i < m->n_ingresses; i++) {
        const gs_object_meta *md = &m->ingresses[i]->obj.metadata;
        gs_buf_printf(b, "%s{\"kind\":\"Ingress\",\"namespace\":", i ? "," : "");
        gs_json_escape(b, md->namespace.v, strlen(md->namespace.v));
        gs_buf_puts(b, ",\"name\":");
        gs_json_escape(b, md->name.v, strlen(md->name.v));
        gs_buf_puts(b, ",\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"127.0.0.1\"}]}}}");
    }
    gs_buf_puts(b, "]}");
}

static int ingress_apply(gs_target *t, const gs_target_objects *objs, gs_error *err)
{
    ingress_state *st = t->impl;
    if (st->np.proc && gs_nginx_proc_check(&st->np, err) < 0)
        return GS_ERR_CLOSED;
    gs_model *m = NULL;
    int rc = gs_nginx_load_objects(objs, st->objects_path, "ingress-nginx", &m, err);
    for (int attempt = 1; rc == 0; attempt++) {
        bool fresh = st->np.proc == NULL;
        rc = ingress_serve(t, m, objs, err);
        if (rc == 0 || attempt == INGRESS_PORT_TRIES || !fresh || !gs_nginx_port_taken(err->msg))
            break;
        /* another process took a port between drawing and binding: draw others */
        st->http_port = st->https_port = 0;
        st->np.probe_port = 0;
        rc = 0;
    }
    if (rc == 0)
        ingress_publish(st, m);
    gs_model_free(m);
    return rc;
}

/* The Ingresses' status of the last apply (ingress_publish); no objects before one. */
static int ingress_status(gs_target *t, gs_json_value **out, gs_error *err)
{
    const ingress_state *st = t->impl;
    static const char empty[] = "{\"objects\":[]}";
    if (st->status.len == 0)
        return gs_json_parse(empty, sizeof(empty) - 1, NULL, out, err);
    return gs_json_parse(st->status.data, st->status.len, NULL, out, err);
}

static int ingress_check(gs_target *t, gs_error *err)
{
    ingress_state *st = t->impl;
    return gs_nginx_proc_check(&st->np, err);
}

static int ingress_open(gs_target *t, gs_error *err)
{
    ingress_state *st = gs_xcalloc(1, sizeof(*st));
    int rc = gs_nginx_proc_init(&st->np, t->cfg.workdir, t->cfg.start_timeout_ns,
                                "ingress-nginx", err);
    if (rc < 0) {
        free(st);
        return rc;
    }
    rc = gs_tls_ca_generate(&st->fake, GS_INGRESS_NGINX_FAKE_CN, err);
    if (rc < 0) {
        gs_nginx_proc_clear(&st->np);
        free(st);
        return rc;
    }
    st->conf_path = gs_xasprintf("%s/nginx.conf", t->cfg.workdir);
    st->objects_path = gs_xasprintf("%s/objects.yaml", t->cfg.workdir);
    t->impl = st;
    return 0;
}

static void ingress_close(gs_target *t)
{
    ingress_state *st = t->impl;
    if (st == NULL)
        return;
    gs_nginx_proc_clear(&st->np);
    gs_tls_pem_clear(&st->fake);
    gs_buf_clear(&st->status);
    free(st->conf_path);
    free(st->objects_path);
    free(st);
    t->impl = NULL;
}

/* nginx's master process, which leads the group of its workers. */
static pid_t ingress_pid(gs_target *t)
{
    const ingress_state *st = t->impl;
    return st != NULL && st->np.proc != NULL ? gs_proc_pid(st->np.proc) : 0;
}

static const gs_target_ops ingress_ops = {
    .open = ingress_open,
    .apply = ingress_apply,
    .status = ingress_status,
    .check = ingress_check,
    .close = ingress_close,
    .pid = ingress_pid,
};

const gs_target_kind gs_target_kind_ingress_nginx = {
    .name = "ingress-nginx",
    .usage = "ingress-nginx",
    .help = "the scenario's Ingresses rendered as ingress-nginx would, served by Debian's nginx "
            "(docs/ingress.md)",
    .caps = GS_TARGET_CAP_STATUS_ONCE,
    .ops = &ingress_ops,
    .notes = gs_ingress_nginx_notes,
};
