/* SPDX-License-Identifier: MIT */
/* Comparing expected conditions, listener attachment counts and route parent conditions with
 * a target's reported status. Every mismatch is listed in the check's message. */
#include "gs_status_check.h"

#include "gs_alloc.h"
#include "gs_buf.h"

#include <string.h>

static const gs_json_value *status_find_object(const gs_json_value *status, const char *kind,
                                               const char *ns, const char *name)
{
    const gs_json_value *objs = gs_json_get(status, "objects");
    for (size_t i = 0; objs && objs->type == GS_JSON_ARRAY && i < objs->len; i++) {
        const gs_json_value *o = objs->items[i];
        const char *k = gs_json_get_string(o, "kind", "");
        const char *n = gs_json_get_string(o, "name", "");
        const char *s = gs_json_get_string(o, "namespace", "");
        if (strcmp(k, kind) == 0 && strcmp(n, name) == 0 && strcmp(s, ns ? ns : "") == 0)
            return o;
    }
    return NULL;
}

static const gs_json_value *status_find_condition(const gs_json_value *conds, const char *type)
{
    for (size_t i = 0; conds && conds->type == GS_JSON_ARRAY && i < conds->len; i++)
        if (strcmp(gs_json_get_string(conds->items[i], "type", ""), type) == 0)
            return conds->items[i];
    return NULL;
}

static void status_conditions_text(gs_buf *b, const gs_json_value *conds)
{
    for (size_t i = 0; conds && conds->type == GS_JSON_ARRAY && i < conds->len; i++) {
        const gs_json_value *c = conds->items[i];
        gs_buf_printf(b, "%s%s=%s/%s", i ? ", " : "", gs_json_get_string(c, "type", "?"),
                      gs_json_get_string(c, "status", "?"), gs_json_get_string(c, "reason", ""));
    }
    if (!conds || conds->type != GS_JSON_ARRAY || conds->len == 0)
        gs_buf_puts(b, "no conditions");
}

/* Checks |want| against |conds|; appends mismatches to |bad| prefixed by |where|. */
static void status_match_conditions(const gs_scenario_condition *want, size_t n,
                                    const gs_json_value *conds, const char *where, gs_buf *bad)
{
    for (size_t i = 0; i < n; i++) {
        const gs_json_value *c = status_find_condition(conds, want[i].type);
        const char *st = gs_json_get_string(c, "status", NULL);
        const char *reason = gs_json_get_string(c, "reason", "");
        if (c == NULL)
            gs_buf_printf(bad, "%s%scondition %s is missing", bad->len ? "; " : "", where,
                          want[i].type);
        else if (st == NULL || strcmp(st, want[i].status) != 0)
            gs_buf_printf(bad, "%s%s%s is %s/%s, expected %s", bad->len ? "; " : "", where,
                          want[i].type, st ? st : "?", reason, want[i].status);
        else if (want[i].reason && strcmp(reason, want[i].reason) != 0)
            gs_buf_printf(bad, "%s%s%s reason is %s, expected %s", bad->len ? "; " : "", where,
                          want[i].type, reason, want[i].reason);
        else
            continue;
        /* The controller's own words say why. */
        const char *msg = gs_json_get_string(c, "message", NULL);
        if (msg && msg[0])
            gs_buf_printf(bad, " (\"%s\")", msg);
    }
}

static void status_expected_conditions(gs_buf *b, const gs_scenario_condition *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gs_buf_printf(b, "%s%s=%s%s%s", i ? ", " : "", c[i].type, c[i].status,
                      c[i].reason ? "/" : "", c[i].reason ? c[i].reason : "");
}

/* The route's parent status entry for the expected parent (or the only one). */
static const gs_json_value *status_find_parent(const gs_json_value *parents,
                                               const gs_scenario_status_expect *x, gs_buf *bad)
{
    size_t n = parents && parents->type == GS_JSON_ARRAY ? parents->len : 0;
    if (x->parent_name == NULL) {
        if (n == 1)
            return parents->items[0];
        gs_buf_printf(bad, "%s",
                      n == 0 ? "the route has no parent status"
                             : "the route has several parents: say which with parent");
        return NULL;
    }
    /* An exact match (section included, or both without one) wins; without a section in the
     * expectation, the only entry for that Gateway (whatever its section) is taken. */
    const gs_json_value *loose = NULL;
    size_t n_loose = 0;
    for (size_t i = 0; i < n; i++) {
        const gs_json_value *ref = gs_json_get(parents->items[i], "parentRef");
        const char *name = gs_json_get_string(ref, "name", "");
        const char *ns = gs_json_get_string(ref, "namespace", x->ns ? x->ns : "");
        const char *section = gs_json_get_string(ref, "sectionName", NULL);
        if (strcmp(name, x->parent_name) != 0 || strcmp(ns, x->parent_ns) != 0)
            continue;
        if (x->parent_section == NULL && section == NULL)
            return parents->items[i];
        if (x->parent_section && section && strcmp(section, x->parent_section) == 0)
            return parents->items[i];
        loose = parents->items[i];
        n_loose++;
    }
    if (x->parent_section == NULL && n_loose == 1)
        return loose;
    if (x->parent_section == NULL && n_loose > 1) {
        gs_buf_printf(bad, "the route has %zu parent entries for %s/%s: add the sectionName",
                      n_loose, x->parent_ns, x->parent_name);
        return NULL;
    }
    gs_buf_printf(bad, "no status for parent %s/%s%s%s", x->parent_ns, x->parent_name,
                  x->parent_section ? "/" : "", x->parent_section ? x->parent_section : "");
    return NULL;
}

bool gs_status_check(const gs_scenario_status_expect *x, const gs_json_value *status,
                     gs_results_step *step)
{
    gs_results_check *c = gs_results_add_check(step, "expectStatus");
    gs_buf exp = {0}, obs = {0}, bad = {0};
    gs_buf_printf(&exp, "%s %s%s%s", x->kind, x->ns ? x->ns : "", x->ns ? "/" : "", x->name);
    if (x->parent_name)
        gs_buf_printf(&exp, " parent %s/%s%s%s", x->parent_ns, x->parent_name,
                      x->parent_section ? "/" : "", x->parent_section ? x->parent_section : "");
    if (x->n_conditions) {
        gs_buf_puts(&exp, ": ");
        status_expected_conditions(&exp, x->conditions, x->n_conditions);
    }
    for (size_t i = 0; i < x->n_listeners; i++) {
        const gs_scenario_listener_expect *l = &x->listeners[i];
        gs_buf_printf(&exp, "; listener %s:", l->name);
        if (l->has_attached_routes)
            gs_buf_printf(&exp, " attachedRoutes=%u", l->attached_routes);
        if (l->n_conditions) {
            gs_buf_putc(&exp, ' ');
            status_expected_conditions(&exp, l->conditions, l->n_conditions);
        }
    }

    const gs_json_value *obj = status_find_object(status, x->kind, x->ns, x->name);
    const gs_json_value *st = gs_json_get(obj, "status");
    if (obj == NULL) {
        gs_buf_printf(&bad, "the target reports no %s %s%s%s", x->kind, x->ns ? x->ns : "",
                      x->ns ? "/" : "", x->name);
        gs_buf_puts(&obs, "not found");
    } else if (x->parent_name || strcmp(x->kind, "HTTPRoute") == 0 ||
               strcmp(x->kind, "GRPCRoute") == 0 || strcmp(x->kind, "TLSRoute") == 0 ||
               strcmp(x->kind, "TCPRoute") == 0 || strcmp(x->kind, "UDPRoute") == 0) {
        const gs_json_value *p = status_find_parent(gs_json_get(st, "parents"), x, &bad);
        if (p) {
            const gs_json_value *conds = gs_json_get(p, "conditions");
            status_conditions_text(&obs, conds);
            status_match_conditions(x->conditions, x->n_conditions, conds, "", &bad);
        } else {
            gs_buf_puts(&obs, "no matching parent status");
        }
    } else {
        const gs_json_value *conds = gs_json_get(st, "conditions");
        status_conditions_text(&obs, conds);
        status_match_conditions(x->conditions, x->n_conditions, conds, "", &bad);
        const gs_json_value *ls = gs_json_get(st, "listeners");
        for (size_t i = 0; i < x->n_listeners; i++) {
            const gs_scenario_listener_expect *l = &x->listeners[i];
            const gs_json_value *got = NULL;
            for (size_t j = 0; ls && ls->type == GS_JSON_ARRAY && j < ls->len; j++)
                if (strcmp(gs_json_get_string(ls->items[j], "name", ""), l->name) == 0)
                    got = ls->items[j];
            char where[160];
            snprintf(where, sizeof(where), "listener %s: ", l->name);
            if (got == NULL) {
                gs_buf_printf(&bad, "%slistener %s has no status", bad.len ? "; " : "", l->name);
                gs_buf_printf(&obs, "; listener %s: no status", l->name);
                continue;
            }
            double attached = gs_json_get_number(got, "attachedRoutes", -1);
            gs_buf_printf(&obs, "; listener %s: attachedRoutes=%g ", l->name, attached);
            status_conditions_text(&obs, gs_json_get(got, "conditions"));
            if (l->has_attached_routes && attached != (double)l->attached_routes)
                gs_buf_printf(&bad, "%s%sattachedRoutes is %g, expected %u", bad.len ? "; " : "",
                              where, attached, l->attached_routes);
            status_match_conditions(l->conditions, l->n_conditions, gs_json_get(got, "conditions"),
                                    where, &bad);
        }
    }
    gs_results_set(&c->expected, "%s", exp.data);
    gs_results_set(&c->observed, "%s", obs.data ? obs.data : "");
    bool passed = bad.len == 0;
    c->result = passed ? GS_RESULT_PASSED : GS_RESULT_FAILED;
    if (passed)
        gs_results_set(&c->message, "%s %s%s%s has the expected status", x->kind,
                       x->ns ? x->ns : "", x->ns ? "/" : "", x->name);
    else
        gs_results_set(&c->message, "%s", bad.data);
    gs_buf_free(&exp);
    gs_buf_free(&obs);
    gs_buf_free(&bad);
    return passed;
}
