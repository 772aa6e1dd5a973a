/* SPDX-License-Identifier: MIT */
/* The manifest loader of `gatesim gateway`: the model reads the objects, the control plane
 * computes status and compiles the table. Services named by --backend flags count as existing
 * when the manifests do not declare them, so `gatesim gateway routes.yaml --backend ...` works
 * without Service objects. */
#include "gs_gw_load.h"

#include "gs_control.h"
#include "gs_log.h"
#include "gs_model.h"

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
        } else if (d->severity == GS_DIAG_WARNING) {
            gs_log_warn("%s", line);
        } else {
            gs_log_note("%s", line);
        }
    }
    return rc;
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
        rc = load_report(m, err);
    gs_control *c = NULL;
    if (rc == 0) {
        gs_control_opts co = {.controller_names = o->controller_names,
                              .n_controller_names = o->n_controller_names,
                              .strict = o->strict,
                              .no_hostname_fallthrough = o->no_hostname_fallthrough};
        gs_control_new(&c, &co);
        const gs_gw_endpoints *eps = o->endpoints;
        for (size_t i = 0; eps && i < eps->n_services; i++) {
            const gs_gw_service *s = &eps->services[i];
            if (load_model_has_service(m, s->namespace, s->name))
                continue;
            gs_control_service_port port = {s->port, NULL};
            gs_control_add_service(c, s->namespace, s->name, &port, 1);
        }
        rc = gs_control_compute(c, m, err);
        if (rc == 0)
            *out = gs_control_take_table(c);
    }
    gs_control_free(c);
    gs_model_free(m);
    return rc;
}
