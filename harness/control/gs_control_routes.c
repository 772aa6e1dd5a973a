/* SPDX-License-Identifier: MIT */
/* Route attachment and route status: which listeners each parentRef selects (sectionName,
 * port), which of them admit the route (kind, allowedRoutes namespaces, hostname intersection,
 * HTTPRoute vs GRPCRoute on shared hostnames), the parent conditions (Accepted, ResolvedRefs,
 * PartiallyInvalid) in words a user acts on, and attachedRoutes. */
#include "control_priv.h"
#include "gs_hostname.h"
#include "gs_suggest.h"

#include "gs_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTL_WHY 640

static const char *route_kind_name(const ctl_route *r)
{
    return gs_kind_name(r->kind);
}

static const char *route_ns(const ctl_route *r)
{
    return r->v.obj->metadata.namespace.v;
}

static const char *route_name(const ctl_route *r)
{
    return r->v.obj->metadata.name.v;
}

/* ---- rule validity ------------------------------------------------------------------------- */

static const char *filter_unsupported(const gs_route_filter *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (f[i].type == GS_FILTER_UNKNOWN || f[i].type == GS_FILTER_EXTERNAL_AUTH)
            return f[i].type_str.v ? f[i].type_str.v : "unknown";
    }
    return NULL;
}

static const char *values_bad_regex(const gs_http_value_match *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].type == GS_MATCH_REGULAR_EXPRESSION && v[i].value.v && !gs_ctl_regex_ok(v[i].value.v))
            return v[i].value.v;
    }
    return NULL;
}

static const char *http_match_bad_regex(const gs_http_route_match *mt)
{
    if (mt->path.type == GS_PATH_REGULAR_EXPRESSION && mt->path.value.v &&
        !gs_ctl_regex_ok(mt->path.value.v))
        return mt->path.value.v;
    const char *bad = values_bad_regex(mt->headers, mt->n_headers);
    return bad ? bad : values_bad_regex(mt->query_params, mt->n_query_params);
}

const char *gs_control_http_rule_bad_regex(const gs_object *route, size_t i)
{
    const gs_http_route_rule *rule = &((const gs_http_route *)route)->spec.rules[i];
    const char *bad = NULL;
    for (size_t m = 0; m < rule->n_matches && !bad; m++)
        bad = http_match_bad_regex(&rule->matches[m]);
    return bad;
}

static const char *grpc_match_bad_regex(const gs_grpc_route_match *mt)
{
    if (mt->method.type == GS_MATCH_REGULAR_EXPRESSION) {
        if (mt->method.service.v && !gs_ctl_regex_ok(mt->method.service.v))
            return mt->method.service.v;
        if (mt->method.method.v && !gs_ctl_regex_ok(mt->method.method.v))
            return mt->method.method.v;
    }
    return values_bad_regex(mt->headers, mt->n_headers);
}

const char *gs_control_grpc_rule_bad_regex(const gs_object *route, size_t i)
{
    const gs_grpc_route_rule *rule = &((const gs_grpc_route *)route)->spec.rules[i];
    const char *bad = NULL;
    for (size_t m = 0; m < rule->n_matches && !bad; m++)
        bad = grpc_match_bad_regex(&rule->matches[m]);
    return bad;
}

/* Session persistence needs per-client affinity state the builtin gateway does not keep
 * (docs/control.md); retry is implemented (gs_gw_retry.c). */
const char *gs_control_http_rule_unimplemented(const gs_object *route, size_t i)
{
    const gs_http_route_rule *rule = &((const gs_http_route *)route)->spec.rules[i];
    return rule->session_persistence.set ? "sessionPersistence" : NULL;
}

const char *gs_control_grpc_rule_unimplemented(const gs_object *route, size_t i)
{
    const gs_grpc_route_rule *rule = &((const gs_grpc_route *)route)->spec.rules[i];
    return rule->session_persistence.set ? "sessionPersistence" : NULL;
}

/* TLSRoute, TCPRoute, UDPRoute rules have no matches, so nothing to compile, and no field the
 * builtin gateway leaves out: what it lacks is the whole listener, reported there. */
const char *gs_control_l4_rule_no_regex(const gs_object *route, size_t i)
{
    (void)route;
    (void)i;
    return NULL;
}

const char *gs_control_l4_rule_unimplemented(const gs_object *route, size_t i)
{
    (void)route;
    (void)i;
    return NULL;
}

/* Why rule |i| of |r| cannot be implemented (written to |why|), or false when it can. */
static bool rule_invalid(const ctl_route *r, size_t i, char *why, size_t n)
{
    const char *bad = r->ops->rule_bad_regex(r->v.obj, i);
    if (bad) {
        snprintf(why, n, "rule %zu: regular expression \"%s\" does not compile (PCRE2)", i, bad);
        return true;
    }
    const char *field = r->ops->rule_unimplemented(r->v.obj, i);
    if (field) {
        snprintf(why, n, "rule %zu: %s is not implemented by the builtin gateway", i, field);
        return true;
    }
    gs_route_rule_view rule;
    gs_route_rule_view_of(r->v.obj, i, &rule);
    const char *f = filter_unsupported(rule.filters, rule.n_filters);
    for (size_t b = 0; b < rule.n_backend_refs && !f; b++)
        f = filter_unsupported(rule.backend_refs[b].filters, rule.backend_refs[b].n_filters);
    if (f) {
        snprintf(why, n, "rule %zu: filter type %s is not supported", i, f);
        return true;
    }
    return false;
}

/* ---- admission by one listener -------------------------------------------------------------- */

static bool route_hostnames_intersect(const ctl_route *r, const char *listener_hostname)
{
    if (r->v.n_hostnames == 0 || listener_hostname == NULL)
        return true;
    for (size_t i = 0; i < r->v.n_hostnames; i++) {
        const char *out;
        if (gs_hostname_intersect(listener_hostname, r->v.hostnames[i].v, &out))
            return true;
    }
    return false;
}

static ctl_verdict listener_admits(const gs_control *c, const ctl_route *r, const ctl_listener *cl,
                                   char *why, size_t n)
{
    const gs_listener *l = cl->spec;
    /* A ListenerSet's listener admits by the ListenerSet's namespace (from: Same). */
    const char *owner_kind, *gw_ns, *gw_name;
    gs_ctl_listener_owner(cl, &owner_kind, &gw_ns, &gw_name);
    if (!(cl->kinds & GS_KIND_BIT(r->kind))) {
        if (!(gs_route_kind_of(r->kind)->protocols & GS_PROTOCOL_BIT(l->protocol_kind)))
            snprintf(why, n, "listener %s of %s/%s has protocol %s, which takes no %s", l->name.v,
                     gw_ns, gw_name, l->protocol.v, route_kind_name(r));
        else if (!(gs_route_kinds_for_listener(l) & GS_KIND_BIT(r->kind)))
            snprintf(why, n, "listener %s of %s/%s is TLS Passthrough, which takes no %s (only "
                     "TLSRoute; a TCPRoute needs mode Terminate)",
                     l->name.v, gw_ns, gw_name, route_kind_name(r));
        else
            snprintf(why, n, "listener %s of %s/%s does not allow kind %s (allowedRoutes.kinds)",
                     l->name.v, gw_ns, gw_name, route_kind_name(r));
        return CTL_REJECT_KIND;
    }
    const char *ns = route_ns(r);
    switch (l->allowed_routes.from) {
    case GS_FROM_ALL:
        break;
    case GS_FROM_SAME:
        if (strcmp(ns, gw_ns) != 0) {
            snprintf(why, n,
                     "namespace %s is not %s: listener %s of %s/%s only admits routes from its own "
                     "namespace (allowedRoutes.namespaces.from: Same)",
                     ns, gw_ns, l->name.v, gw_ns, gw_name);
            return CTL_REJECT_NAMESPACE;
        }
        break;
    case GS_FROM_NONE:
        snprintf(why, n,
                 "listener %s of %s/%s admits no routes (allowedRoutes.namespaces.from: None)",
                 l->name.v, gw_ns, gw_name);
        return CTL_REJECT_NAMESPACE;
    case GS_FROM_SELECTOR: {
        gs_labels scratch;
        gs_label item;
        const gs_labels *labels = gs_ctl_namespace_labels(c, ns, &scratch, &item);
        if (!gs_label_selector_matches(&l->allowed_routes.selector, labels)) {
            char sel[256];
            gs_ctl_selector_explain(&l->allowed_routes.selector, labels, sel, sizeof(sel));
            snprintf(why, n, "namespace %s %s required by listener %s of %s/%s", ns, sel, l->name.v,
                     gw_ns, gw_name);
            return CTL_REJECT_NAMESPACE;
        }
        break;
    }
    }
    if (!route_hostnames_intersect(r, l->hostname.v)) {
        char list[256] = "";
        size_t used = 0;
        for (size_t i = 0; i < r->v.n_hostnames && used < sizeof(list); i++)
            used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
                                     r->v.hostnames[i].v);
        snprintf(why, n,
                 "none of the route's hostnames (%s) matches hostname %s of listener %s of "
                 "%s/%s",
                 list, l->hostname.v, l->name.v, gw_ns, gw_name);
        return CTL_REJECT_HOSTNAME;
    }
    return CTL_ADMITTED;
}

/* The kind, namespace and name of the object parentRef |p| selects listeners of. */
static void parent_owner(const ctl_parent *p, const char **kind, const char **ns,
                         const char **name)
{
    const gs_object *o = p->lset ? &p->lset->ls->obj : &p->gw->gw->obj;
    *kind = p->lset ? "ListenerSet" : "Gateway";
    *ns = o->metadata.namespace.v;
    *name = o->metadata.name.v;
}

/* "Gateway ns/name has no listener named htps; did you mean https?" */
static void parent_no_section(const ctl_parent *p, const char *section, char *why, size_t n)
{
    const ctl_gateway *g = p->gw;
    const char *names[64];
    size_t k = 0;
    for (size_t i = 0; i < g->n_listeners && k < GS_ARRAY_LEN(names); i++)
        if (g->listeners[i].set == p->lset)
            names[k++] = g->listeners[i].spec->name.v;
    const char *hint = gs_suggest_n(section, names, k);
    const char *kind, *ns, *name;
    parent_owner(p, &kind, &ns, &name);
    snprintf(why, n, "%s %s/%s has no listener named %s%s%s%s", kind, ns, name, section,
             hint ? "; did you mean " : "", hint ? hint : "", hint ? "?" : "");
}

/* The listeners |ref| selects; explains an empty selection in |why|. */
static void parent_candidates(const gs_control *c, ctl_route *r, ctl_parent *p, char *why, size_t n)
{
    const gs_parent_ref *ref = p->ref;
    ctl_gateway *g = p->gw;
    p->cands = gs_xcalloc(g->n_listeners ? g->n_listeners : 1, sizeof(*p->cands));
    const char *section = ref->section_name.v;
    bool port_set = ref->port.has && ref->port.v != 0;
    const gs_listener *named = NULL;
    for (size_t i = 0; i < g->n_listeners; i++) {
        ctl_listener *cl = &g->listeners[i];
        /* A Gateway parentRef selects the Gateway's own listeners, a ListenerSet parentRef
         * that ListenerSet's. */
        if (cl->set != p->lset || (section && strcmp(cl->spec->name.v, section) != 0))
            continue;
        named = cl->spec;
        if (port_set && cl->spec->port.v != ref->port.v)
            continue;
        ctl_candidate *cand = &p->cands[p->n_cands++];
        cand->listener = cl;
        char w[CTL_WHY];
        cand->verdict = listener_admits(c, r, cl, w, sizeof(w));
        if (cand->verdict != CTL_ADMITTED)
            cand->why = gs_xstrdup(w);
    }
    const char *kind, *gw_ns, *gw_name;
    parent_owner(p, &kind, &gw_ns, &gw_name);
    if (p->n_cands == 0) {
        if (p->lset && !p->lset->allowed)
            snprintf(why, n, "ListenerSet %s/%s is not attached to Gateway %s/%s: %s", gw_ns,
                     gw_name, g->gw->obj.metadata.namespace.v, g->gw->obj.metadata.name.v,
                     p->lset->why);
        else if (section && named == NULL)
            parent_no_section(p, section, why, n);
        else if (section)
            snprintf(why, n, "listener %s of %s %s/%s is on port %lld, not %lld", section, kind,
                     gw_ns, gw_name, (long long)named->port.v, (long long)ref->port.v);
        else if (port_set)
            snprintf(why, n, "%s %s/%s has no listener on port %lld", kind, gw_ns, gw_name,
                     (long long)ref->port.v);
        else
            snprintf(why, n, "%s %s/%s has no listener", kind, gw_ns, gw_name);
    }
}

/* ---- one kind per hostname on a listener (HTTPRoute vs GRPCRoute) ------------------------- */

static bool routes_share_hostname(const ctl_route *a, const ctl_route *b, const char *lh)
{
    size_t na = a->v.n_hostnames ? a->v.n_hostnames : 1, nb = b->v.n_hostnames ? b->v.n_hostnames : 1;
    for (size_t i = 0; i < na; i++) {
        const char *ea;
        if (!gs_hostname_intersect(lh, a->v.n_hostnames ? a->v.hostnames[i].v : NULL, &ea))
            continue;
        for (size_t k = 0; k < nb; k++) {
            const char *eb, *both;
            if (!gs_hostname_intersect(lh, b->v.n_hostnames ? b->v.hostnames[k].v : NULL, &eb))
                continue;
            if (gs_hostname_intersect(ea, eb, &both))
                return true;
        }
    }
    return false;
}

/* The precedence order between routes: older creationTimestamp, then "{namespace}/{name}"
 * (as the route table orders them); an HTTPRoute and a GRPCRoute with the same name and age
 * leave only the kind: the HTTPRoute counts as older. */
static bool route_older(const ctl_route *a, const ctl_route *b)
{
    int64_t aa = gs_ctl_object_age(a->v.obj), ab = gs_ctl_object_age(b->v.obj);
    if (aa != ab)
        return aa < ab;
    int cmp = gs_rt_route_name_cmp(route_ns(a), route_name(a), route_ns(b), route_name(b));
    if (cmp != 0)
        return cmp < 0;
    return gs_control_route_kind_rank(a->kind) < gs_control_route_kind_rank(b->kind);
}

typedef struct ctl_admission {
    ctl_route *route;
    ctl_candidate *cand;
} ctl_admission;

static int admission_cmp(const void *pa, const void *pb)
{
    const ctl_admission *a = pa, *b = pb;
    if (a->route == b->route)
        return 0;
    return route_older(a->route, b->route) ? -1 : 1;
}

/* The kind names of |a| and |b| in table order: |which| 0 the first, 1 the second. */
static const char *kind_pair_name(const ctl_route *a, const ctl_route *b, int which)
{
    bool a_first = gs_control_route_kind_rank(a->kind) < gs_control_route_kind_rank(b->kind);
    return route_kind_name((a_first == (which == 0)) ? a : b);
}

/* Exactly one kind serves an intersecting hostname on a listener: the older route wins. */
static void resolve_kind_conflicts(gs_control *c, ctl_listener *cl)
{
    ctl_admission *adm = NULL;
    size_t n = 0, cap = 0;
    gs_kind_set kinds = 0;
    for (size_t i = 0; i < c->n_routes; i++) {
        ctl_route *r = &c->routes[i];
        for (size_t p = 0; p < r->n_parents; p++) {
            for (size_t k = 0; k < r->parents[p].n_cands; k++) {
                ctl_candidate *cand = &r->parents[p].cands[k];
                if (cand->listener != cl || cand->verdict != CTL_ADMITTED)
                    continue;
                gs_xgrow((void **)&adm, &cap, n + 1, sizeof(*adm));
                adm[n++] = (ctl_admission){r, cand};
                kinds |= GS_KIND_BIT(r->kind);
            }
        }
    }
    if (kinds & (kinds - 1)) { /* more than one kind */
        qsort(adm, n, sizeof(*adm), admission_cmp);
        for (size_t i = 0; i < n; i++) {
            for (size_t k = 0; k < i; k++) {
                if (adm[k].cand->verdict != CTL_ADMITTED ||
                    adm[k].route->kind == adm[i].route->kind ||
                    !routes_share_hostname(adm[i].route, adm[k].route, cl->spec->hostname.v))
                    continue;
                char w[CTL_WHY];
                snprintf(w, sizeof(w),
                         "listener %s of %s/%s already serves %s %s/%s (older) on an intersecting "
                         "hostname; %ss and %ss do not share hostnames",
                         cl->spec->name.v, cl->gw->gw->obj.metadata.namespace.v,
                         cl->gw->gw->obj.metadata.name.v, route_kind_name(adm[k].route),
                         route_ns(adm[k].route), route_name(adm[k].route),
                         kind_pair_name(adm[k].route, adm[i].route, 0),
                         kind_pair_name(adm[k].route, adm[i].route, 1));
                adm[i].cand->verdict = CTL_REJECT_CONFLICT;
                adm[i].cand->why = gs_xstrdup(w);
                break;
            }
        }
    }
    free(adm);
}

/* ---- status --------------------------------------------------------------------------------- */

static void join_whys(const ctl_parent *p, ctl_verdict only, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < p->n_cands && used + 1 < n; k++) {
        const ctl_candidate *cand = &p->cands[k];
        if (cand->verdict == CTL_ADMITTED || (only != CTL_ADMITTED && cand->verdict != only))
            continue;
        used += (size_t)snprintf(out + used, n - used, "%s%s", used ? "; " : "", cand->why);
    }
}

/* ResolvedRefs for the whole route: every backendRef of its rules and mirrors. */
static void route_resolved_refs(const gs_control *c, const ctl_route *r, const char **reason,
                                char *msg, size_t n)
{
    *reason = NULL;
    size_t used = 0;
    msg[0] = '\0';
    for (size_t i = 0; i < r->v.n_rules; i++) {
        gs_route_rule_view rule;
        gs_route_rule_view_of(r->v.obj, i, &rule);
        const gs_route_backend_ref *brs = rule.backend_refs;
        size_t n_brs = rule.n_backend_refs;
        const gs_route_filter *filters = rule.filters;
        size_t n_filters = rule.n_filters;
        for (size_t b = 0; b <= n_brs; b++) {
            /* The backendRefs, then the mirrors of the rule and of each backendRef. */
            const gs_route_filter *fs = b < n_brs ? brs[b].filters : filters;
            size_t nf = b < n_brs ? brs[b].n_filters : n_filters;
            const gs_backend_ref *refs[1 + 16];
            size_t n_refs = 0;
            if (b < n_brs)
                refs[n_refs++] = &brs[b].ref;
            for (size_t f = 0; f < nf && n_refs < GS_ARRAY_LEN(refs); f++) {
                if (fs[f].type == GS_FILTER_REQUEST_MIRROR)
                    refs[n_refs++] = &fs[f].request_mirror.backend_ref;
            }
            for (size_t k = 0; k < n_refs; k++) {
                char why[CTL_WHY];
                const char *app;
                gs_rt_backend_state st = gs_ctl_backend_resolve(c, r, refs[k], &app, why, sizeof(why));
                if (st == GS_RT_BACKEND_OK)
                    continue;
                if (*reason == NULL)
                    *reason = gs_rt_backend_state_reason(st);
                if (used + 1 < n)
                    used += (size_t)snprintf(msg + used, n - used, "%s%s", used ? "; " : "", why);
            }
        }
    }
}

static gs_route_status *route_status_new(gs_control *c, ctl_route *r)
{
    gs_status_set *s = &c->status;
    gs_xgrow((void **)&s->routes, &s->cap_routes, s->n_routes + 1, sizeof(*s->routes));
    r->status_index = s->n_routes;
    gs_route_status *rs = &s->routes[s->n_routes++];
    memset(rs, 0, sizeof(*rs));
    rs->kind = gs_xstrdup(route_kind_name(r));
    rs->namespace = gs_xstrdup(route_ns(r));
    rs->name = gs_xstrdup(route_name(r));
    rs->generation = r->v.obj->metadata.generation.v;
    for (size_t i = 0; i < r->v.n_hostnames; i++)
        gs_status_strv_add(&rs->hostnames, &rs->n_hostnames, r->v.hostnames[i].v);
    return rs;
}

void gs_control_route_parent_status(ctl_route *r, ctl_parent *p, gs_route_status *rs,
                                    const char *no_cands_why, const char *refs_reason,
                                    const char *refs_msg, const char *dropped)
{
    p->status_index = rs->n_parents;
    rs->parents = gs_xrealloc(rs->parents, (rs->n_parents + 1) * sizeof(*rs->parents));
    gs_parent_status *ps = &rs->parents[rs->n_parents++];
    memset(ps, 0, sizeof(*ps));
    const gs_parent_ref *ref = p->ref;
    ps->ref.group = gs_xstrdup(ref->group.v ? ref->group.v : GS_GATEWAY_GROUP);
    ps->ref.kind = gs_xstrdup(ref->kind.v ? ref->kind.v : "Gateway");
    ps->ref.namespace = gs_xstrdup(p->lset ? p->lset->ls->obj.metadata.namespace.v
                                           : p->gw->gw->obj.metadata.namespace.v);
    ps->ref.name = gs_xstrdup(ref->name.v);
    ps->ref.section_name = ref->section_name.v ? gs_xstrdup(ref->section_name.v) : NULL;
    ps->ref.port = ref->port.has ? (int)ref->port.v : 0;
    ps->controller_name = gs_xstrdup(p->gw->controller_name);

    char msg[2048];
    size_t admitted = 0;
    bool hostname_miss = false;
    for (size_t k = 0; k < p->n_cands; k++) {
        if (p->cands[k].verdict == CTL_ADMITTED) {
            admitted++;
            gs_status_strv_add(&ps->listeners, &ps->n_listeners,
                               p->cands[k].listener->spec->name.v);
        }
        hostname_miss |= p->cands[k].verdict == CTL_REJECT_HOSTNAME;
        if (p->cands[k].why)
            gs_status_strv_add(&ps->notes, &ps->n_notes, p->cands[k].why);
    }
    if (p->n_cands == 0) {
        gs_conditions_set(&ps->conditions, "Accepted", "False", "NoMatchingParent", "%s",
                          no_cands_why);
        gs_status_strv_add(&ps->notes, &ps->n_notes, no_cands_why);
    } else if (admitted && r->v.n_rules > 0 && r->n_rules_ok == 0) {
        gs_conditions_set(&ps->conditions, "Accepted", "False", "UnsupportedValue",
                          "No rule can be implemented: %s", dropped);
    } else if (admitted) {
        size_t used = 0;
        msg[0] = '\0';
        for (size_t i = 0; i < ps->n_listeners && used + 1 < sizeof(msg); i++)
            used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s%s", i ? ", " : "",
                                     ps->listeners[i]);
        gs_conditions_set(&ps->conditions, "Accepted", "True", "Accepted",
                          "Accepted by listener%s %s", ps->n_listeners > 1 ? "s" : "", msg);
    } else if (hostname_miss) {
        join_whys(p, CTL_REJECT_HOSTNAME, msg, sizeof(msg));
        gs_conditions_set(&ps->conditions, "Accepted", "False", "NoMatchingListenerHostname", "%s",
                          msg);
    } else {
        join_whys(p, CTL_ADMITTED, msg, sizeof(msg));
        gs_conditions_set(&ps->conditions, "Accepted", "False", "NotAllowedByListeners", "%s", msg);
    }
    if (refs_reason)
        gs_conditions_set(&ps->conditions, "ResolvedRefs", "False", refs_reason, "%s", refs_msg);
    else
        gs_conditions_set(&ps->conditions, "ResolvedRefs", "True", "ResolvedRefs",
                          "All references resolved");
    if (admitted && r->n_rules_ok > 0 && r->n_rules_ok < r->v.n_rules)
        gs_conditions_set(&ps->conditions, "PartiallyInvalid", "True", "UnsupportedValue",
                          "Dropped Rule(s): %s", dropped);
}

static ctl_gateway *find_gateway(gs_control *c, const char *ns, const char *name)
{
    for (size_t i = 0; i < c->n_gws; i++) {
        const gs_gateway *gw = c->gws[i].gw;
        if (strcmp(gw->obj.metadata.namespace.v, ns) == 0 &&
            strcmp(gw->obj.metadata.name.v, name) == 0)
            return &c->gws[i];
    }
    return NULL;
}

/* A parentRef of kind ListenerSet: a parent when the ListenerSet's Gateway is ours (its
 * listeners are those of the ListenerSet, none when it is not attached); otherwise a note
 * (owned) for people. */
static char *route_parent_lset(gs_control *c, ctl_route *r, const gs_parent_ref *ref,
                               const char *ns)
{
    ctl_lset *l = gs_ctl_lset_find(c, ns, ref->name.v);
    if (l) {
        r->parents[r->n_parents++] = (ctl_parent){.ref = ref, .gw = l->gw, .lset = l};
        return NULL;
    }
    if (gs_model_find(c->m, GS_KIND_LISTENER_SET, ns, ref->name.v))
        return gs_xasprintf("parentRef ListenerSet %s/%s is not attached to a Gateway gatesim "
                            "manages",
                            ns, ref->name.v);
    return gs_xasprintf("parentRef ListenerSet %s/%s does not exist", ns, ref->name.v);
}

static void route_init(gs_control *c, ctl_route *r, gs_route_status *rs, char *dropped, size_t n)
{
    size_t used = 0;
    dropped[0] = '\0';
    r->rule_ok = gs_xcalloc(r->v.n_rules ? r->v.n_rules : 1, sizeof(*r->rule_ok));
    for (size_t i = 0; i < r->v.n_rules; i++) {
        char why[CTL_WHY];
        r->rule_ok[i] = !rule_invalid(r, i, why, sizeof(why));
        r->n_rules_ok += r->rule_ok[i];
        if (!r->rule_ok[i] && used + 1 < n)
            used += (size_t)snprintf(dropped + used, n - used, "%s%s", used ? "; " : "", why);
    }
    if (dropped[0])
        gs_status_strv_add(&rs->notes, &rs->n_notes, dropped);
    r->parents = gs_xcalloc(r->v.n_parent_refs ? r->v.n_parent_refs : 1, sizeof(*r->parents));
    for (size_t i = 0; i < r->v.n_parent_refs; i++) {
        const gs_parent_ref *ref = &r->v.parent_refs[i];
        const char *group = ref->group.v ? ref->group.v : GS_GATEWAY_GROUP;
        const char *kind = ref->kind.v ? ref->kind.v : "Gateway";
        const char *ns = ref->namespace.v ? ref->namespace.v : route_ns(r);
        char *note = NULL;
        if (strcmp(group, GS_GATEWAY_GROUP) == 0 && strcmp(kind, "ListenerSet") == 0) {
            note = route_parent_lset(c, r, ref, ns);
        } else if (strcmp(group, GS_GATEWAY_GROUP) != 0 || strcmp(kind, "Gateway") != 0) {
            note = gs_xasprintf("parentRef %s %s/%s is not a Gateway; gatesim does not manage it",
                                kind, ns, ref->name.v);
        } else {
            ctl_gateway *g = find_gateway(c, ns, ref->name.v);
            if (g) {
                r->parents[r->n_parents].ref = ref;
                r->parents[r->n_parents].gw = g;
                r->n_parents++;
            } else if (gs_model_find(c->m, GS_KIND_GATEWAY, ns, ref->name.v)) {
                note = gs_xasprintf("parentRef Gateway %s/%s belongs to another controller", ns,
                                    ref->name.v);
            } else {
                note = gs_xasprintf("parentRef Gateway %s/%s does not exist", ns, ref->name.v);
            }
        }
        if (note) {
            gs_status_strv_add(&rs->notes, &rs->n_notes, note);
            free(note);
        }
    }
}

void gs_ctl_routes_compute(gs_control *c)
{
    /* Every route of the kinds control handles, kind by kind in the table's order, each kind's
     * in load order. */
    const gs_model *m = c->m;
    c->routes = gs_xcalloc(m->n_objects ? m->n_objects : 1, sizeof(*c->routes));
    for (size_t k = 0; k < gs_route_kinds_count; k++) {
        const gs_control_route_kind *ops = gs_control_route_kind_of(gs_route_kinds[k].kind);
        for (size_t i = 0; ops && i < m->n_objects; i++) {
            const gs_object *o = m->objects[i];
            if (o->kind != ops->kind)
                continue;
            ctl_route *r = &c->routes[c->n_routes++];
            *r = (ctl_route){.kind = o->kind, .ops = ops};
            gs_route_view_of(o, &r->v);
        }
    }
    char **dropped = gs_xcalloc(c->n_routes ? c->n_routes : 1, sizeof(*dropped));
    char **no_cands = NULL;
    size_t n_no_cands = 0;
    /* 1. Candidates and per-listener verdicts. */
    for (size_t i = 0; i < c->n_routes; i++) {
        ctl_route *r = &c->routes[i];
        gs_route_status *rs = route_status_new(c, r);
        dropped[i] = gs_xmalloc(1024);
        route_init(c, r, rs, dropped[i], 1024);
        for (size_t p = 0; p < r->n_parents; p++) {
            char why[CTL_WHY] = "";
            parent_candidates(c, r, &r->parents[p], why, sizeof(why));
            /* Remember the NoMatchingParent text in the parent slot's status index for now. */
            gs_status_strv_add(&no_cands, &n_no_cands, why);
            r->parents[p].status_index = n_no_cands - 1;
        }
    }
    /* 2. One kind per hostname on each listener (HTTPRoute vs GRPCRoute). */
    for (size_t g = 0; g < c->n_gws; g++) {
        for (size_t l = 0; l < c->gws[g].n_listeners; l++)
            resolve_kind_conflicts(c, &c->gws[g].listeners[l]);
    }
    /* 3. Conditions, attachedRoutes, and the route list of each listener. */
    for (size_t i = 0; i < c->n_routes; i++) {
        ctl_route *r = &c->routes[i];
        gs_route_status *rs = &c->status.routes[r->status_index];
        const char *refs_reason;
        char refs_msg[2048];
        route_resolved_refs(c, r, &refs_reason, refs_msg, sizeof(refs_msg));
        for (size_t p = 0; p < r->n_parents; p++) {
            const char *why = no_cands[r->parents[p].status_index];
            r->ops->parent_status(r, &r->parents[p], rs, why, refs_reason, refs_msg, dropped[i]);
        }
        /* A route counts once per listener, whichever parentRefs selected it. */
        for (size_t p = 0; p < r->n_parents; p++) {
            const gs_parent_status *ps = &rs->parents[r->parents[p].status_index];
            if (!gs_conditions_true(&ps->conditions, "Accepted"))
                continue;
            for (size_t k = 0; k < r->parents[p].n_cands; k++) {
                ctl_candidate *cand = &r->parents[p].cands[k];
                if (cand->verdict != CTL_ADMITTED)
                    continue;
                bool seen = false;
                for (size_t q = 0; q < p && !seen; q++)
                    for (size_t j = 0; j < r->parents[q].n_cands && !seen; j++)
                        seen = r->parents[q].cands[j].listener == cand->listener &&
                               r->parents[q].cands[j].verdict == CTL_ADMITTED &&
                               gs_conditions_true(
                                   &rs->parents[r->parents[q].status_index].conditions, "Accepted");
                if (seen)
                    continue;
                ctl_listener *cl = cand->listener;
                cl->attached++;
                gs_listener_status *ls = gs_ctl_listener_status(c, cl);
                char *name =
                    gs_xasprintf("%s %s/%s", route_kind_name(r), route_ns(r), route_name(r));
                gs_status_strv_add(&ls->routes, &ls->n_routes, name);
                free(name);
            }
        }
    }
    for (size_t i = 0; i < c->n_routes; i++)
        free(dropped[i]);
    free(dropped);
    for (size_t i = 0; i < n_no_cands; i++)
        free(no_cands[i]);
    free(no_cands);
}
