/* SPDX-License-Identifier: MIT */
/* ListenerSets (docs/control.md, ListenerSet): which Gateway each one attaches to (the
 * Gateway's allowedListeners), the order their listeners join the Gateway's (precedence for
 * conflicts), their conditions and the Gateways' attachedListenerSets. The listeners
 * themselves are checked by the same code as a Gateway's own (gs_control.c), and routes
 * attach to them through parentRefs of kind ListenerSet (gs_control_routes.c). */
#include "control_priv.h"

#include "gs_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- lookups ------------------------------------------------------------------------------- */

ctl_lset *gs_ctl_lset_find(gs_control *c, const char *ns, const char *name)
{
    for (size_t i = 0; i < c->n_lsets; i++) {
        const gs_object *o = &c->lsets[i].ls->obj;
        if (strcmp(o->metadata.namespace.v, ns) == 0 && strcmp(o->metadata.name.v, name) == 0)
            return &c->lsets[i];
    }
    return NULL;
}

gs_listener_status *gs_ctl_listener_status(gs_control *c, const ctl_listener *cl)
{
    if (cl->set)
        return &c->status.listener_sets[cl->set->status_index].listeners[cl->index];
    return &c->status.gateways[cl->gw->status_index].listeners[cl->index];
}

void gs_ctl_listener_owner(const ctl_listener *cl, const char **kind, const char **ns,
                           const char **name)
{
    const gs_object *o = cl->set ? &cl->set->ls->obj : &cl->gw->gw->obj;
    *kind = cl->set ? "ListenerSet" : "Gateway";
    *ns = o->metadata.namespace.v;
    *name = o->metadata.name.v;
}

/* ---- attachment ---------------------------------------------------------------------------- */

static ctl_gateway *lset_find_gateway(gs_control *c, const char *ns, const char *name)
{
    for (size_t i = 0; i < c->n_gws; i++) {
        const gs_object *o = &c->gws[i].gw->obj;
        if (strcmp(o->metadata.namespace.v, ns) == 0 && strcmp(o->metadata.name.v, name) == 0)
            return &c->gws[i];
    }
    return NULL;
}

/* Whether the parent's allowedListeners admits |l|; when not, an owned reason in l->why. */
static bool lset_allowed(gs_control *c, ctl_lset *l)
{
    const gs_allowed_listeners *al = &l->gw->gw->spec.allowed_listeners;
    const char *ns = l->ls->obj.metadata.namespace.v;
    const gs_object *gw = &l->gw->gw->obj;
    switch (al->from) {
    case GS_FROM_ALL:
        return true;
    case GS_FROM_SAME:
        if (strcmp(ns, gw->metadata.namespace.v) == 0)
            return true;
        l->why = gs_xasprintf("Gateway %s/%s admits ListenerSets of its own namespace only "
                              "(allowedListeners.namespaces.from: Same), not of %s",
                              gw->metadata.namespace.v, gw->metadata.name.v, ns);
        return false;
    case GS_FROM_SELECTOR: {
        gs_labels scratch;
        gs_label item;
        const gs_labels *labels = gs_ctl_namespace_labels(c, ns, &scratch, &item);
        if (al->selector.set && gs_label_selector_matches(&al->selector, labels))
            return true;
        char sel[256] = "has no selector to match";
        if (al->selector.set)
            gs_ctl_selector_explain(&al->selector, labels, sel, sizeof(sel));
        l->why = gs_xasprintf("namespace %s %s (allowedListeners.namespaces.selector of "
                              "Gateway %s/%s)",
                              ns, sel, gw->metadata.namespace.v, gw->metadata.name.v);
        return false;
    }
    case GS_FROM_NONE:
    default:
        l->why = gs_xasprintf("Gateway %s/%s admits no ListenerSets (allowedListeners."
                              "namespaces.from: None, the default)",
                              gw->metadata.namespace.v, gw->metadata.name.v);
        return false;
    }
}

/* Precedence among the ListenerSets of one Gateway: the oldest first, then by
 * "{namespace}/{name}" (as for routes; load order never counts). */
static int lset_precedence(const void *a, const void *b)
{
    const gs_object *x = &(*(ctl_lset *const *)a)->ls->obj;
    const gs_object *y = &(*(ctl_lset *const *)b)->ls->obj;
    int64_t ax = gs_ctl_object_age(x), ay = gs_ctl_object_age(y);
    if (ax != ay)
        return ax < ay ? -1 : 1;
    int r = strcmp(x->metadata.namespace.v, y->metadata.namespace.v);
    return r ? r : strcmp(x->metadata.name.v, y->metadata.name.v);
}

static gs_listener_set_status *lset_status_new(gs_control *c, ctl_lset *l)
{
    gs_status_set *s = &c->status;
    gs_xgrow((void **)&s->listener_sets, &s->cap_listener_sets, s->n_listener_sets + 1,
             sizeof(*s->listener_sets));
    l->status_index = s->n_listener_sets;
    gs_listener_set_status *st = &s->listener_sets[s->n_listener_sets++];
    memset(st, 0, sizeof(*st));
    const gs_object *o = &l->ls->obj;
    st->namespace = gs_xstrdup(o->metadata.namespace.v);
    st->name = gs_xstrdup(o->metadata.name.v);
    st->generation = o->metadata.generation.v;
    st->parent = gs_xasprintf("%s/%s", l->gw->gw->obj.metadata.namespace.v,
                              l->gw->gw->obj.metadata.name.v);
    return st;
}

/* A ListenerSet whose parent is not a Gateway control manages gets no status from us; say why
 * for people. */
static void lset_note_unmanaged(gs_control *c, const gs_listener_set *ls, const char *ns)
{
    const gs_parent_ref *p = &ls->spec.parent_ref;
    const char *what;
    if (strcmp(p->group.v, GS_GATEWAY_GROUP) != 0 || strcmp(p->kind.v, "Gateway") != 0)
        what = "is not a Gateway";
    else if (gs_model_find(c->m, GS_KIND_GATEWAY, ns, p->name.v))
        what = "belongs to another controller";
    else
        what = "does not exist";
    gs_status_add_note(&c->status, "ListenerSet %s/%s: parentRef %s %s/%s %s",
                       ls->obj.metadata.namespace.v, ls->obj.metadata.name.v, p->kind.v, ns,
                       p->name.v ? p->name.v : "", what);
}

/* Appends the listeners of the allowed ListenerSets of |g| (in precedence order). */
static void lset_join_gateway(gs_control *c, ctl_gateway *g)
{
    ctl_lset **order = gs_xcalloc(c->n_lsets ? c->n_lsets : 1, sizeof(*order));
    size_t n = 0, extra = 0;
    for (size_t i = 0; i < c->n_lsets; i++) {
        if (c->lsets[i].gw == g && c->lsets[i].allowed) {
            order[n++] = &c->lsets[i];
            extra += c->lsets[i].ls->spec.n_listeners;
        }
    }
    qsort(order, n, sizeof(*order), lset_precedence);
    if (extra) {
        g->listeners = gs_xrealloc(g->listeners, (g->n_listeners + extra) * sizeof(*g->listeners));
        memset(g->listeners + g->n_listeners, 0, extra * sizeof(*g->listeners));
    }
    for (size_t i = 0; i < n; i++) {
        ctl_lset *l = order[i];
        gs_listener_set_status *st = &c->status.listener_sets[l->status_index];
        st->n_listeners = l->ls->spec.n_listeners;
        st->listeners = gs_xcalloc(st->n_listeners ? st->n_listeners : 1, sizeof(*st->listeners));
        for (size_t k = 0; k < l->ls->spec.n_listeners; k++) {
            ctl_listener *cl = &g->listeners[g->n_listeners++];
            cl->spec = &l->ls->spec.listeners[k];
            cl->gw = g;
            cl->set = l;
            cl->index = k;
        }
    }
    free(order);
}

void gs_ctl_lsets_attach(gs_control *c)
{
    const gs_model *m = c->m;
    c->lsets = gs_xcalloc(m->n_listener_sets ? m->n_listener_sets : 1, sizeof(*c->lsets));
    for (size_t i = 0; i < m->n_listener_sets; i++) {
        const gs_listener_set *ls = m->listener_sets[i];
        const gs_parent_ref *p = &ls->spec.parent_ref;
        const char *ns = p->namespace.v ? p->namespace.v : ls->obj.metadata.namespace.v;
        ctl_gateway *g = NULL;
        if (strcmp(p->group.v, GS_GATEWAY_GROUP) == 0 && strcmp(p->kind.v, "Gateway") == 0 &&
            p->name.v)
            g = lset_find_gateway(c, ns, p->name.v);
        if (g == NULL) {
            lset_note_unmanaged(c, ls, ns);
            continue;
        }
        ctl_lset *l = &c->lsets[c->n_lsets++];
        *l = (ctl_lset){.ls = ls, .gw = g};
        lset_status_new(c, l);
        l->allowed = lset_allowed(c, l);
    }
    for (size_t i = 0; i < c->n_gws; i++)
        lset_join_gateway(c, &c->gws[i]);
}

/* ---- conditions ---------------------------------------------------------------------------- */

static void lset_conditions(gs_control *c, ctl_lset *l)
{
    gs_listener_set_status *st = &c->status.listener_sets[l->status_index];
    const gs_gateway_status *gs = &c->status.gateways[l->gw->status_index];
    if (!l->allowed) {
        gs_conditions_set(&st->conditions, "Accepted", "False", "NotAllowed", "%s", l->why);
        gs_conditions_set(&st->conditions, "Programmed", "False", "NotAllowed",
                          "Not programmed: %s", l->why);
        return;
    }
    if (!gs_conditions_true(&gs->conditions, "Accepted")) {
        gs_conditions_set(&st->conditions, "Accepted", "False", "ParentNotAccepted",
                          "Gateway %s is not accepted", st->parent);
        gs_conditions_set(&st->conditions, "Programmed", "False", "ParentNotAccepted",
                          "Not programmed: Gateway %s is not accepted", st->parent);
        return;
    }
    size_t valid = 0, programmed = 0;
    char faults[512] = "";
    const ctl_gateway *g = l->gw;
    for (size_t i = g->n_own; i < g->n_listeners; i++) {
        const ctl_listener *cl = &g->listeners[i];
        if (cl->set != l)
            continue;
        const gs_listener_status *ls = &st->listeners[cl->index];
        const char *fault = gs_ctl_listener_fault(ls);
        valid += fault == NULL;
        programmed += cl->programmed;
        size_t used = strlen(faults);
        if (fault && used + 1 < sizeof(faults))
            snprintf(faults + used, sizeof(faults) - used, "%s%s (%s)", used ? ", " : "",
                     ls->name, fault);
    }
    size_t n = st->n_listeners;
    if (valid == n)
        gs_conditions_set(&st->conditions, "Accepted", "True", "Accepted",
                          "Attached to Gateway %s", st->parent);
    else if (valid > 0)
        gs_conditions_set(&st->conditions, "Accepted", "True", "ListenersNotValid",
                          "Attached to Gateway %s; %zu of %zu listener%s not valid: %s",
                          st->parent, n - valid, n, n == 1 ? " is" : "s are", faults);
    else
        gs_conditions_set(&st->conditions, "Accepted", "False", "ListenersNotValid",
                          "No listener is valid: %s", faults);
    if (programmed)
        gs_conditions_set(&st->conditions, "Programmed", "True", "Programmed",
                          "%zu of %zu listeners programmed", programmed, n);
    else
        gs_conditions_set(&st->conditions, "Programmed", "False",
                          valid ? "Invalid" : "ListenersNotValid",
                          "No listener could be programmed%s%s", faults[0] ? ": " : "", faults);
}

void gs_ctl_lsets_conditions(gs_control *c)
{
    for (size_t i = 0; i < c->n_gws; i++) {
        gs_gateway_status *gs = &c->status.gateways[c->gws[i].status_index];
        gs->has_listener_sets = c->gws[i].gw->spec.allowed_listeners.from != GS_FROM_NONE;
    }
    for (size_t i = 0; i < c->n_lsets; i++) {
        ctl_lset *l = &c->lsets[i];
        lset_conditions(c, l);
        const gs_listener_set_status *st = &c->status.listener_sets[l->status_index];
        if (gs_conditions_true(&st->conditions, "Accepted"))
            c->status.gateways[l->gw->status_index].attached_listener_sets++;
    }
}

void gs_ctl_lsets_release(gs_control *c)
{
    for (size_t i = 0; i < c->n_lsets; i++)
        free(c->lsets[i].why);
    free(c->lsets);
    c->lsets = NULL;
    c->n_lsets = 0;
}
