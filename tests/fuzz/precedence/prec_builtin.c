/* SPDX-License-Identifier: MIT */
/* The builtin target of the precedence differential test: the manifest goes through what
 * `gatesim gateway` runs — the model loader, the controller (status, attachment, route ages) and
 * the compiled route table — and each request through gs_route_table_lookup. */
#include "prec_diff.h"

#include "gs_control.h"

#include <stdio.h>
#include <string.h>

typedef struct builtin_ctx {
    gs_model *model;
    gs_route_table *table;
    const gs_rt_port *port;
} builtin_ctx;

static builtin_ctx builtin_state;

static void builtin_unload(void *arg)
{
    builtin_ctx *b = arg;
    gs_route_table_free(b->table);
    gs_model_free(b->model);
    memset(b, 0, sizeof(*b));
}

static int builtin_load(void *arg, const char *yaml, bool no_fallthrough, char *why, size_t why_len)
{
    builtin_ctx *b = arg;
    gs_model_new(&b->model);
    gs_model_load_buffer(b->model, "precedence.yaml", yaml, strlen(yaml), NULL, NULL);
    if (b->model->diags.nerrors) {
        for (size_t i = 0; i < b->model->diags.len; i++) {
            if (b->model->diags.items[i].severity == GS_DIAG_ERROR) {
                gs_diag_format(&b->model->diags.items[i], why, why_len);
                break;
            }
        }
        builtin_unload(b);
        return -1;
    }
    gs_control_opts opts = {.no_hostname_fallthrough = no_fallthrough};
    gs_control *c = NULL;
    gs_control_new(&c, &opts);
    gs_error err = {0};
    int rc = gs_control_compute(c, b->model, &err);
    if (rc == 0)
        b->table = gs_control_take_table(c);
    gs_control_free(c);
    if (rc < 0) {
        snprintf(why, why_len, "%s", err.msg);
        builtin_unload(b);
        return -1;
    }
    /* No port when no listener is programmed: every request then gets "no listener". */
    b->port = gs_route_table_find_port(b->table, "infra", "gw", 80);
    return 0;
}

static void builtin_answer(void *arg, const prec_request *q, prec_answer *out)
{
    builtin_ctx *b = arg;
    memset(out, 0, sizeof(*out));
    if (b->port == NULL) {
        out->outcome = PREC_NO_LISTENER;
        return;
    }
    char target[sizeof(q->path) + sizeof(q->query) + 1];
    snprintf(target, sizeof(target), "%s%s%s", q->path, q->query[0] ? "?" : "", q->query);
    gs_rt_header h[PREC_MAX_REQ_HEADERS];
    for (size_t i = 0; i < q->n_headers; i++)
        h[i] = (gs_rt_header){.name = q->headers[i].name,
                              .name_len = strlen(q->headers[i].name),
                              .value = q->headers[i].value,
                              .value_len = strlen(q->headers[i].value)};
    gs_rt_request req = {.host = q->host,
                         .host_len = strlen(q->host),
                         .method = q->method,
                         .method_len = strlen(q->method),
                         .path = target,
                         .path_len = strlen(target),
                         .headers = h,
                         .n_headers = q->n_headers};
    gs_rt_result r;
    if (gs_route_table_lookup(b->table, b->port, &req, &r) < 0) {
        out->outcome = PREC_ERROR;
        snprintf(out->route, sizeof(out->route), "lookup failed");
        return;
    }
    switch (r.outcome) {
    case GS_RT_MATCHED:
        out->outcome = PREC_MATCHED;
        snprintf(out->route, sizeof(out->route), "%s/%s", r.route->namespace, r.route->name);
        out->rule = r.rule->index;
        break;
    case GS_RT_NO_LISTENER:
        out->outcome = PREC_NO_LISTENER;
        break;
    case GS_RT_NO_ROUTE:
        out->outcome = PREC_NO_ROUTE;
        break;
    case GS_RT_MISDIRECTED:
        out->outcome = PREC_ERROR;
        snprintf(out->route, sizeof(out->route), "421 on a cleartext listener");
        break;
    }
}

void prec_builtin_target(prec_target *out)
{
    *out = (prec_target){.name = "builtin",
                         .ctx = &builtin_state,
                         .load = builtin_load,
                         .answer = builtin_answer,
                         .unload = builtin_unload};
}
