/* SPDX-License-Identifier: MIT */
/* The manifest loader of `gatesim gateway`: the model reads the objects, the control plane
 * computes status and compiles the table. Services named by --backend flags that the manifests
 * do not declare are loaded as Service objects (every port the flags give), so
 * `gatesim gateway routes.yaml --backend ...` works without Service objects. */
#include "gs_gw_load.h"

#include "gs_alloc.h"
#include "gs_control.h"
#include "gs_log.h"
#include "gs_model.h"
#include "gs_suggest.h"
#include "gs_synth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool load_model_has_service(const gs_model *m, const char *ns, const char *name)
{
    for (size_t i = 0; i < m->n_services; i++) {
        const gs_object_meta *md = &m->services[i]->obj.metadata;
        if (md->name.v && md->namespace.v && strcmp(md->name.v, name) == 0 &&
            strcmp(md->namespace.v, ns) == 0)
            return true;
    }
    return false;
}

/* The Services --backend flags name that the objects do not declare, loaded into |m| as Service
 * objects with every port the flags give them: the same text a scenario's `backends:` become
 * (gs_synth_service), so control sees them as it sees any Service. */
static void load_backend_services(gs_model *m, const gs_gw_endpoints *eps, const gs_load_options *lo)
{
    for (size_t i = 0; eps && i < eps->n_services; i++) {
        const gs_gw_service *s = &eps->services[i];
        /* Once loaded, the Service is in the model: later flags of it are skipped here. */
        if (load_model_has_service(m, s->namespace, s->name))
            continue;
        unsigned *ports = gs_xcalloc(eps->n_services - i, sizeof(*ports));
        size_t n = 0;
        for (size_t k = i; k < eps->n_services; k++)
            if (strcmp(eps->services[k].namespace, s->namespace) == 0 &&
                strcmp(eps->services[k].name, s->name) == 0)
                ports[n++] = eps->services[k].port;
        gs_buf doc = {0};
        gs_synth_service(&doc, s->namespace, s->name, ports, n);
        gs_model_load_buffer(m, "--backend", doc.data, doc.len, lo, NULL);
        gs_buf_clear(&doc);
        free(ports);
    }
}

/* Prints every diagnostic (errors, warnings, notes such as skipped kinds) on stderr and returns
 * GS_ERR_INVALID with the first error in |err| when there was one. */
static int load_report(gs_model *m, gs_error *err)
{
    gs_diags_sort(&m->diags);
    int rc = 0;
    for (size_t i = 0; i < m->diags.len; i++) {
        const gs_diag *d = &m->diags.items[i];
        char line[900];
        gs_diag_format(d, line, sizeof(line));
        if (d->severity == GS_DIAG_ERROR) {
            if (rc == 0)
                rc = gs_error_set(err, GS_ERR_INVALID, "%s%s", line,
                                  m->diags.nerrors > 1 ? " (and more problems, above)" : "");
            gs_log_error("%s", line);
        } else {
            /* The line names its severity ("file:1:1: note: ..."): no second "note:". */
            fprintf(stderr, "gatesim gateway: %s\n", line);
        }
    }
    return rc;
}

/* The Service ports the routes of a table send to, as "ns/name:port" (each once), with the
 * route of the first reference. */
typedef struct load_refs {
    char **names;
    const gs_rt_backend **backends;
    const gs_rt_route **routes;
    size_t len, cap;
} load_refs;

static void load_refs_add(load_refs *r, const gs_rt_backend *b, const gs_rt_route *route)
{
    if (b->name == NULL || b->namespace == NULL || (b->kind && strcmp(b->kind, "Service") != 0))
        return;
    char *name = gs_xasprintf("%s/%s:%u", b->namespace, b->name, (unsigned)b->port);
    for (size_t i = 0; i < r->len; i++)
        if (strcmp(r->names[i], name) == 0) {
            free(name);
            return;
        }
    if (r->len == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->names = gs_xrealloc(r->names, r->cap * sizeof(*r->names));
        r->backends = gs_xrealloc(r->backends, r->cap * sizeof(*r->backends));
        r->routes = gs_xrealloc(r->routes, r->cap * sizeof(*r->routes));
    }
    r->names[r->len] = name;
    r->backends[r->len] = b;
    r->routes[r->len++] = route;
}

static void load_refs_visit(void *arg, const char *hostname, const gs_rt_route *route,
                            const gs_rt_rule *rule, const gs_rt_match *match,
                            const gs_rt_grpc_match *grpc_match, gs_rt_rank_key why)
{
    (void)hostname, (void)match, (void)grpc_match, (void)why;
    for (size_t i = 0; i < rule->n_backends; i++)
        load_refs_add(arg, &rule->backends[i], route);
}

static void load_refs_free(load_refs *r)
{
    for (size_t i = 0; i < r->len; i++)
        free(r->names[i]);
    free(r->names);
    free(r->backends);
    free(r->routes);
}

/* Start-up warnings for what would otherwise show only as 503s: a Service port a route sends
 * to with no --backend, and a --backend matching no Service port any route sends to (a typo,
 * with the nearest referenced name). */
static void load_warn_backends(const gs_route_table *t, const gs_gw_endpoints *eps)
{
    load_refs refs = {0};
    for (size_t l = 0; l < gs_route_table_listener_count(t); l++)
        gs_route_table_visit(t, l, load_refs_visit, &refs);
    for (size_t i = 0; eps && i < refs.len; i++) {
        const gs_rt_backend *b = refs.backends[i];
        bool mapped = false;
        for (size_t k = 0; k < eps->n_services && !mapped; k++) {
            const gs_gw_service *s = &eps->services[k];
            mapped = s->port == b->port && s->n_endpoints > 0 && strcmp(s->name, b->name) == 0 &&
                     strcmp(s->namespace, b->namespace) == 0;
        }
        if (b->state == GS_RT_BACKEND_OK && !mapped)
            gs_log_warn("Service %s/%s port %u is a backend of %sRoute %s/%s but no --backend "
                        "gives its endpoints: requests sent to it get 503",
                        b->namespace, b->name, (unsigned)b->port,
                        refs.routes[i]->kind == GS_RT_ROUTE_GRPC ? "GRPC" : "HTTP",
                        refs.routes[i]->namespace, refs.routes[i]->name);
    }
    for (size_t i = 0; eps && i < eps->n_services; i++) {
        const gs_gw_service *s = &eps->services[i];
        char *name = gs_xasprintf("%s/%s:%u", s->namespace, s->name, (unsigned)s->port);
        bool used = false;
        for (size_t k = 0; k < refs.len && !used; k++)
            used = strcmp(refs.names[k], name) == 0;
        const char *hint = used ? NULL : gs_suggest_n(name, (const char *const *)refs.names,
                                                      refs.len);
        if (!used)
            gs_log_warn("--backend %s matches no Service port a route sends to%s%s%s", name,
                        hint ? "; did you mean " : "", hint ? hint : "", hint ? "?" : "");
        free(name);
    }
    load_refs_free(&refs);
}

int gs_gw_load_table(void *arg, gs_route_table **out, gs_error *err)
{
    const gs_gw_load_opts *o = arg;
    *out = NULL;
    gs_model *m = NULL;
    gs_model_new(&m);
    gs_load_options lo = {.strict = o->strict};
    int rc = 0;
    for (size_t i = 0; i < o->n_paths && rc == 0; i++)
        rc = gs_model_load_path(m, o->paths[i], &lo, err);
    if (rc == GS_ERR_PARSE)
        rc = GS_ERR_INVALID;
    if (rc == 0)
        load_backend_services(m, o->endpoints, &lo);
    if (rc == 0)
        rc = load_report(m, err);
    gs_control *c = NULL;
    if (rc == 0) {
        gs_control_opts co = {.controller_names = o->controller_names,
                              .n_controller_names = o->n_controller_names,
                              .strict = o->strict,
                              .no_hostname_fallthrough = o->no_hostname_fallthrough};
        gs_control_new(&c, &co);
        rc = gs_control_compute(c, m, err);
        if (rc == 0)
            *out = gs_control_take_table(c);
        if (rc == 0 && *out)
            load_warn_backends(*out, o->endpoints);
    }
    gs_control_free(c);
    gs_model_free(m);
    return rc;
}
