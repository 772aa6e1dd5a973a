/* SPDX-License-Identifier: MIT */
/* Validating the Gateway API objects a scenario applies, before anything runs. Two passes:
 * every object on its own (the manifests and every step's `apply`, loaded in order into the
 * model, which applies defaults and the schema, CEL and semantic rules), so a broken object is
 * reported once at its line instead of as a gateway that refuses to start; then the object set
 * as it stands after the manifests and after each step's apply/delete (gs_objset, as the runner
 * builds it), for what only holds of objects present together: a delete must name an object
 * present at its step, and the rules across objects (gs_model_check_cross) are checked on each
 * state, not on a union of objects that never coexist. */
#include "gs_scenario.h"

#include "gs_model.h"
#include "gs_objset.h"
#include "gs_route_kinds.h"
#include "gs_target.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void scenario_check_source(gs_model *m, const gs_scenario_source *src,
                                  const gs_load_options *opt)
{
    gs_error err = {0};
    struct stat st;
    if (src->inline_obj)
        gs_model_load_node(m, src->inline_obj, opt);
    /* A path with nothing there was reported by the decoder at the scenario's line: loading
     * it would add a second, positionless "cannot read" for the same mistake. */
    else if (src->path && stat(src->path, &st) == 0)
        gs_model_load_path(m, src->path, opt, &err); /* problems also land in m->diags */
}

static bool check_same_pos(gs_pos a, gs_pos b)
{
    return a.line == b.line && a.col == b.col &&
           strcmp(a.file ? a.file : "", b.file ? b.file : "") == 0;
}

/* Whether |out| already holds |g| (same severity, position and message) from index |from| on:
 * an object present in several states is reported once. */
static bool check_has_diag(const gs_diags *out, size_t from, const gs_diag *g)
{
    for (size_t i = from; i < out->len; i++) {
        const gs_diag *o = &out->items[i];
        if (o->severity == g->severity && check_same_pos(o->pos, g->pos) &&
            strcmp(o->message, g->message) == 0)
            return true;
    }
    return false;
}

/* Copies the remarks of |in| that |out| does not hold yet (from index |from|). */
static void check_copy_diags(const gs_diags *in, gs_diags *out, size_t from)
{
    for (size_t i = 0; i < in->len; i++) {
        const gs_diag *g = &in->items[i];
        if (!check_has_diag(out, from, g))
            gs_diags_add(out, g->severity, g->pos, g->kind, g->ns, g->name, g->field, "%s",
                         g->message);
    }
}

static void check_copy_new(const gs_model *m, gs_diags *out, size_t from)
{
    check_copy_diags(&m->diags, out, from);
}

/* What |notes| (a target kind's, or ingress-nginx's rendering for a diff step) says of |m|
 * (annotations it does not model, ConfigMap values it cannot read, locations an earlier Ingress
 * defines), once each: the target itself has no channel to the user, and its copy of the
 * objects has other positions. */
static void check_target_notes(gs_scenario_notes_fn notes, const gs_model *m, gs_diags *out,
                               size_t from)
{
    if (notes == NULL)
        return;
    gs_diags d = {0};
    notes(m, &d);
    check_copy_diags(&d, out, from);
    gs_diags_clear(&d);
}

/* The objects on their own: every remark is kept (warnings and notes do not stop a run);
 * replacing an object is what a step's `apply` is for, so the model is told not to remark on
 * it. */
static void check_each_object(const gs_scenario *sc, const gs_load_options *opt, gs_diags *out,
                              size_t from)
{
    gs_model *m = NULL;
    gs_model_new(&m);
    for (size_t i = 0; i < sc->n_manifests; i++)
        scenario_check_source(m, &sc->manifests[i], opt);
    for (size_t s = 0; s < sc->n_steps; s++)
        for (size_t i = 0; i < sc->steps[s].n_apply; i++)
            scenario_check_source(m, &sc->steps[s].apply[i], opt);
    check_copy_new(m, out, from);
    gs_model_free(m);
}

/* Whether spec.backends declares Service |ns|/|name|: only those get echo replicas. */
static bool check_has_backend(const gs_scenario *sc, const char *ns, const char *name)
{
    for (size_t i = 0; i < sc->n_backends; i++)
        if (strcmp(sc->backends[i].ns, ns) == 0 && strcmp(sc->backends[i].name, name) == 0)
            return true;
    return false;
}

/* Whether some route of |m| has a backendRef to core Service |ns|/|name|. */
static bool check_route_uses(const gs_model *m, const char *ns, const char *name)
{
    for (size_t i = 0; i < m->n_objects; i++) {
        const gs_object *o = m->objects[i];
        const gs_route_kind *rk = gs_route_kind_of(o->kind);
        if (rk == NULL || !gs_route_kind_modelled(rk))
            continue;
        gs_route_view v;
        gs_route_view_of(o, &v);
        for (size_t r = 0; r < v.n_rules; r++) {
            gs_route_rule_view rv;
            gs_route_rule_view_of(o, r, &rv);
            for (size_t k = 0; k < rv.n_backend_refs; k++) {
                const gs_backend_ref *b = &rv.backend_refs[k].ref;
                const char *bns = b->namespace.v ? b->namespace.v : o->metadata.namespace.v;
                bool core = (b->group.v == NULL || b->group.v[0] == '\0') &&
                            (b->kind.v == NULL || strcmp(b->kind.v, "Service") == 0);
                if (core && b->name.v && strcmp(b->name.v, name) == 0 && bns &&
                    strcmp(bns, ns) == 0)
                    return true;
            }
        }
    }
    return false;
}

/* Whether Service |ns|/|name| of |set| is served by declared backends' replicas all the same
 * (gs_echo_fleet_endpoints_for): its selector picks one (app: <backend>), or an EndpointSlice
 * of it names a replica ("<backend>-N") of one as its targetRef. */
static bool check_served_otherwise(const gs_objset *set, const gs_scenario *sc, const char *ns,
                                   const char *name)
{
    const gs_objset_item *svc = gs_objset_find(set, "Service", ns, name);
    const gs_yaml_node *sel =
        svc ? gs_yaml_get(gs_yaml_get(svc->node, "spec"), "selector") : NULL;
    const char *app = gs_yaml_str(gs_yaml_get(sel, "app"));
    if (app && check_has_backend(sc, ns, app))
        return true;
    for (size_t i = 0; i < set->len; i++) {
        const gs_objset_item *it = &set->items[i];
        if (strcmp(it->kind, "EndpointSlice") != 0 || strcmp(it->ns, ns) != 0)
            continue;
        const gs_yaml_node *labels = gs_yaml_get(gs_yaml_get(it->node, "metadata"), "labels");
        const char *owner = gs_yaml_str(gs_yaml_get(labels, "kubernetes.io/service-name"));
        const gs_yaml_node *eps = gs_yaml_get(it->node, "endpoints");
        for (size_t e = 0; owner && strcmp(owner, name) == 0 && eps &&
                           eps->kind == GS_YAML_SEQUENCE && e < eps->nitems; e++) {
            const gs_yaml_node *ref = gs_yaml_get(eps->items[e], "targetRef");
            const char *pod = gs_yaml_str(gs_yaml_get(ref, "name"));
            for (size_t b = 0; pod && b < sc->n_backends; b++) {
                size_t n = strlen(sc->backends[b].name);
                if (strcmp(sc->backends[b].ns, ns) == 0 &&
                    strncmp(pod, sc->backends[b].name, n) == 0 && pod[n] == '-')
                    return true;
            }
        }
    }
    return false;
}

/* A Service the manifests declare and a route sends to, but that spec.backends does not (nor
 * selects or names in its EndpointSlices): the run starts no echo replica for it, so its
 * requests get 503 while the scenario looks complete (upstream examples carry their own
 * Services). A warning, as the run can still go on. */
static void check_services_without_backends(const gs_model *m, const gs_objset *set,
                                            const gs_scenario *sc, gs_diags *out)
{
    for (size_t i = 0; i < m->n_services; i++) {
        const gs_service *svc = m->services[i];
        const char *ns = svc->obj.metadata.namespace.v, *name = svc->obj.metadata.name.v;
        if (ns == NULL || name == NULL || check_has_backend(sc, ns, name) ||
            !check_route_uses(m, ns, name) || check_served_otherwise(set, sc, ns, name))
            continue;
        gs_diags_add(out, GS_DIAG_WARNING, svc->obj.pos, "Service", ns, name, "",
                     "a route sends to this Service but spec.backends does not declare it: no "
                     "echo backend serves it, so its requests get 503");
    }
}

/* The listener protocol a send of |p| needs when it names no listener (the runner's choice). */
static const char *check_send_wants(gs_scenario_protocol p)
{
    switch (p) {
    case GS_SCENARIO_HTTP2: return "HTTPS";
    case GS_SCENARIO_TCP: return "TCP";
    case GS_SCENARIO_UDP: return "UDP";
    case GS_SCENARIO_TLS: return "TLS";
    case GS_SCENARIO_HTTP1:
    case GS_SCENARIO_H2C:
    case GS_SCENARIO_GRPC:
    case GS_SCENARIO_WEBSOCKET: break;
    }
    return "HTTP";
}

/* Whether a send of |p| can reach a listener of protocol |lp| at all: a layer-4 send needs its
 * own protocol's listener; HTTP sends need HTTP or HTTPS, h2c a cleartext one, http2 TLS. */
static bool check_send_reaches(gs_scenario_protocol p, gs_protocol lp)
{
    switch (p) {
    case GS_SCENARIO_TCP: return lp == GS_PROTOCOL_TCP;
    case GS_SCENARIO_UDP: return lp == GS_PROTOCOL_UDP;
    case GS_SCENARIO_TLS: return lp == GS_PROTOCOL_TLS;
    case GS_SCENARIO_H2C: return lp == GS_PROTOCOL_HTTP;
    case GS_SCENARIO_HTTP2: return lp == GS_PROTOCOL_HTTPS;
    case GS_SCENARIO_HTTP1:
    case GS_SCENARIO_GRPC:
    case GS_SCENARIO_WEBSOCKET: break;
    }
    return lp == GS_PROTOCOL_HTTP || lp == GS_PROTOCOL_HTTPS;
}

/* The Gateway a send goes to in model |m|: the one it names (a bare name is in "default"),
 * else the only one; NULL when that is not one Gateway of the state. */
static const gs_gateway *check_send_gateway(const gs_model *m, const gs_scenario_send *send)
{
    if (send->gateway == NULL)
        return m->n_gateways == 1 ? m->gateways[0] : NULL;
    const char *slash = strchr(send->gateway, '/');
    size_t ns_len = slash ? (size_t)(slash - send->gateway) : 0;
    const char *ns = slash ? send->gateway : "default", *name = slash ? slash + 1 : send->gateway;
    if (!slash)
        ns_len = strlen(ns);
    for (size_t i = 0; i < m->n_gateways; i++) {
        const gs_object *o = &m->gateways[i]->obj;
        const char *ons = o->metadata.namespace.v ? o->metadata.namespace.v : "default";
        if (strlen(ons) == ns_len && strncmp(ons, ns, ns_len) == 0 &&
            strcmp(o->metadata.name.v, name) == 0)
            return m->gateways[i];
    }
    return NULL;
}

/* Whether ListenerSet |ls| names Gateway |gw| as its parent (kind Gateway, the namespace the
 * ListenerSet's own unless given). */
static bool check_lset_of(const gs_listener_set *ls, const gs_gateway *gw)
{
    const gs_parent_ref *p = &ls->spec.parent_ref;
    const char *ns = p->namespace.v ? p->namespace.v : ls->obj.metadata.namespace.v;
    const char *gns = gw->obj.metadata.namespace.v;
    return (p->kind.v == NULL || strcmp(p->kind.v, "Gateway") == 0) && p->name.v && ns && gns &&
           strcmp(p->name.v, gw->obj.metadata.name.v) == 0 && strcmp(ns, gns) == 0;
}

/* The |i|th listener a send to |gw| may target: the Gateway's own, then those of the
 * ListenerSets naming it as parent (|*set| gets the ListenerSet, NULL for the Gateway's own);
 * NULL past the last. */
static const gs_listener *check_send_listener(const gs_model *m, const gs_gateway *gw, size_t i,
                                              const gs_listener_set **set)
{
    *set = NULL;
    if (i < gw->spec.n_listeners)
        return &gw->spec.listeners[i];
    i -= gw->spec.n_listeners;
    for (size_t k = 0; k < m->n_listener_sets; k++) {
        const gs_listener_set *ls = m->listener_sets[k];
        if (!check_lset_of(ls, gw))
            continue;
        if (i < ls->spec.n_listeners) {
            *set = ls;
            return &ls->spec.listeners[i];
        }
        i -= ls->spec.n_listeners;
    }
    return NULL;
}

/* Whether |send_listener| names listener |l| (of ListenerSet |set| when not NULL): by its name,
 * or for a ListenerSet's as "namespace/set/listener" (the name the gateway's ready line gives). */
static bool check_listener_named(const char *send_listener, const gs_listener *l,
                                 const gs_listener_set *set)
{
    if (l->name.v == NULL)
        return false;
    if (strcmp(l->name.v, send_listener) == 0)
        return true;
    if (set == NULL)
        return false;
    char full[768];
    snprintf(full, sizeof full, "%s/%s/%s", set->obj.metadata.namespace.v,
             set->obj.metadata.name.v, l->name.v);
    return strcmp(full, send_listener) == 0;
}

/* Sends of steps [lo, hi), which run on state |m|, must be able to reach the listener they
 * target: one they name must speak their protocol (a tls send to an HTTP listener, tcp to a
 * UDP one, h2c to HTTPS: the runner would stop at that step), and without a name the Gateway
 * or a ListenerSet attached to it must have a listener of the protocol. The listeners are the
 * Gateway's own and those of the ListenerSets naming it as parent, as the runner picks them.
 * A Gateway or listener the state does not have is left to the runner (a Gateway another
 * source brings). */
static void check_sends(const gs_model *m, const gs_scenario *sc, size_t lo, size_t hi,
                        gs_diags *out)
{
    char field[96];
    for (size_t s = lo; s < hi && s < sc->n_steps; s++) {
        const gs_scenario_send *send = &sc->steps[s].send;
        if (!send->present)
            continue;
        const gs_gateway *gw = check_send_gateway(m, send);
        if (gw == NULL)
            continue;
        const char *gns = gw->obj.metadata.namespace.v ? gw->obj.metadata.namespace.v : "default";
        const char *proto = gs_scenario_protocol_name(send->protocol);
        const gs_listener_set *set;
        const gs_listener *l;
        if (send->listener) {
            /* the first listener of that name, as the runner takes it */
            for (size_t i = 0; (l = check_send_listener(m, gw, i, &set)) != NULL; i++) {
                if (!check_listener_named(send->listener, l, set))
                    continue;
                if (check_send_reaches(send->protocol, l->protocol_kind))
                    break;
                snprintf(field, sizeof field, "spec.steps[%zu].send.listener", s);
                char owner[600];
                if (set)
                    snprintf(owner, sizeof owner, "ListenerSet %s/%s (of Gateway %s/%s)",
                             set->obj.metadata.namespace.v, set->obj.metadata.name.v, gns,
                             gw->obj.metadata.name.v);
                else
                    snprintf(owner, sizeof owner, "Gateway %s/%s", gns, gw->obj.metadata.name.v);
                gs_diags_add(out, GS_DIAG_ERROR, send->listener_pos, "Scenario", "", sc->name,
                             field,
                             "protocol %s cannot reach listener %s of %s: it is %s "
                             "(%s needs %s listener)",
                             proto, send->listener, owner,
                             l->protocol.v ? l->protocol.v : "?", proto,
                             send->protocol == GS_SCENARIO_TCP     ? "a TCP"
                             : send->protocol == GS_SCENARIO_UDP   ? "a UDP"
                             : send->protocol == GS_SCENARIO_TLS   ? "a TLS"
                             : send->protocol == GS_SCENARIO_H2C   ? "an HTTP"
                             : send->protocol == GS_SCENARIO_HTTP2 ? "an HTTPS"
                                                                   : "an HTTP or HTTPS");
                break;
            }
            continue;
        }
        const char *want = check_send_wants(send->protocol);
        bool found = false;
        for (size_t i = 0; !found && (l = check_send_listener(m, gw, i, &set)) != NULL; i++)
            found = l->protocol.v && strcmp(l->protocol.v, want) == 0;
        if (found)
            continue;
        bool sets = check_send_listener(m, gw, gw->spec.n_listeners, &set) != NULL;
        snprintf(field, sizeof field, "spec.steps[%zu].send.protocol", s);
        gs_diags_add(out, GS_DIAG_ERROR, send->protocol_pos, "Scenario", "", sc->name, field,
                     "Gateway %s/%s has no %s listener%s for protocol %s (name one with "
                     "send.listener, or send with the protocol of one it has)",
                     gns, gw->obj.metadata.name.v, want,
                     sets ? ", nor has a ListenerSet of it," : "", proto);
    }
}

typedef struct check_opts {
    const gs_load_options *load;
    gs_scenario_notes_fn notes; /* the run's target kind's notes, or NULL */
} check_opts;

/* One state of the object set: what it adds to the remarks already made; the sends of steps
 * [lo, hi) run on it. */
static void check_state(const gs_objset *set, const gs_scenario *sc, const check_opts *co,
                        gs_diags *out, size_t from, size_t lo, size_t hi)
{
    gs_model *m = NULL;
    gs_model_new(&m);
    gs_objset_load_model(set, sc, NULL, 0, co->load, m);
    gs_model_check_cross(m);
    check_services_without_backends(m, set, sc, &m->diags);
    check_copy_new(m, out, from);
    check_target_notes(co->notes, m, out, from);
    check_sends(m, sc, lo, hi, out);
    gs_model_free(m);
}

/* The first step from |s| on that changes the objects (apply or delete), or n_steps. */
static size_t check_next_change(const gs_scenario *sc, size_t s)
{
    while (s < sc->n_steps && sc->steps[s].n_apply == 0 && sc->steps[s].n_deletes == 0)
        s++;
    return s;
}

/* Builds the states the runner will apply, in order, checking each. Stops at a source the set
 * cannot read (the first pass has reported its objects' problems). */
static void check_each_state(const gs_scenario *sc, const check_opts *co, gs_diags *out,
                             size_t from)
{
    gs_objset set = {0};
    gs_error err = {0};
    for (size_t i = 0; i < sc->n_manifests; i++)
        if (gs_objset_add_source(&set, &sc->manifests[i], &err) < 0)
            goto out;
    check_state(&set, sc, co, out, from, 0, check_next_change(sc, 0));
    for (size_t s = 0; s < sc->n_steps; s++) {
        const gs_scenario_step *st = &sc->steps[s];
        if (st->n_apply == 0 && st->n_deletes == 0)
            continue;
        for (size_t i = 0; i < st->n_apply; i++)
            if (gs_objset_add_source(&set, &st->apply[i], &err) < 0)
                goto out;
        for (size_t k = 0; k < st->n_deletes; k++) {
            const gs_scenario_delete *dl = &st->deletes[k];
            if (gs_objset_delete(&set, dl->kind, dl->ns, dl->name) < 0)
                gs_diags_add(out, GS_DIAG_ERROR, dl->pos, dl->kind, dl->ns ? dl->ns : "",
                             dl->name, "",
                             "not among the objects when step \"%s\" deletes it (the run would "
                             "stop there)",
                             st->name);
        }
        check_state(&set, sc, co, out, from, s, check_next_change(sc, s + 1));
    }
out:
    gs_objset_clear(&set);
}

/* The objects of each side of every `diff` step, on their own: they never meet the scenario's
 * objects (the step runs them on its own targets). */
static void check_diff_objects(const gs_scenario *sc, const gs_load_options *opt, gs_diags *out,
                               size_t from)
{
    for (size_t s = 0; s < sc->n_steps; s++) {
        const gs_scenario_diff *d = sc->steps[s].diff;
        for (int side = 0; d && side < 2; side++) {
            const gs_scenario_source *src = side ? d->after : d->before;
            size_t n = side ? d->n_after : d->n_before;
            if (n == 0)
                continue;
            gs_model *m = NULL;
            gs_model_new(&m);
            for (size_t i = 0; i < n; i++)
                scenario_check_source(m, &src[i], opt);
            gs_model_check_cross(m);
            check_copy_new(m, out, from);
            /* the step runs its before side on its own target, ingress-nginx unless named,
             * whatever the run's target */
            if (side == 0) {
                gs_error e = {0};
                const gs_target_kind *k =
                    gs_target_kind_find(d->before_target ? d->before_target : "ingress-nginx", &e);
                check_target_notes(k ? k->notes : NULL, m, out, from);
            }
            gs_model_free(m);
        }
    }
}

size_t gs_scenario_check_objects(const gs_scenario *sc, gs_diags *diags)
{
    return gs_scenario_check_objects_strict(sc, false, diags);
}

size_t gs_scenario_check_objects_strict(const gs_scenario *sc, bool strict, gs_diags *diags)
{
    return gs_scenario_check_objects_for(sc, strict, NULL, diags);
}

size_t gs_scenario_check_objects_for(const gs_scenario *sc, bool strict,
                                     gs_scenario_notes_fn notes, gs_diags *diags)
{
    gs_load_options opt = {.strict = strict, .replace_quietly = true};
    check_opts co = {.load = &opt, .notes = notes};
    size_t from = diags->len, errors = diags->nerrors;
    check_each_object(sc, &opt, diags, from);
    check_diff_objects(sc, &opt, diags, from);
    if (diags->nerrors == errors)
        check_each_state(sc, &co, diags, from);
    return diags->nerrors - errors;
}
