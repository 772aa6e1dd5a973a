/* SPDX-License-Identifier: MIT */
/* Comparing expected conditions, listener attachment counts and route parent conditions with
 * a target's reported status. Every mismatch is listed in the check's message. */
#include "gs_status_check.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_route_kinds.h"

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

/* `observedGeneration`: every condition of |conds| carries |gen|. */
static void status_match_generation(int64_t gen, const gs_json_value *conds, const char *where,
                                    gs_buf *bad)
{
    if (gen <= 0)
        return;
    for (size_t i = 0; conds && conds->type == GS_JSON_ARRAY && i < conds->len; i++) {
        double got = gs_json_get_number(conds->items[i], "observedGeneration", -1);
        const char *type = gs_json_get_string(conds->items[i], "type", "?");
        if (got < 0)
            gs_buf_printf(bad, "%s%s%s has no observedGeneration, expected %lld",
                          bad->len ? "; " : "", where, type, (long long)gen);
        else if (got != (double)gen)
            gs_buf_printf(bad, "%s%s%s observedGeneration is %g, expected %lld",
                          bad->len ? "; " : "", where, type, got, (long long)gen);
    }
}

static void status_expected_conditions(gs_buf *b, const gs_scenario_condition *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gs_buf_printf(b, "%s%s=%s%s%s", i ? ", " : "", c[i].type, c[i].status,
                      c[i].reason ? "/" : "", c[i].reason ? c[i].reason : "");
}

/* Whether a parents[] entry was written by a controller under test (see the opts). */
/* A route's parents[], or a policy's ancestors[] (entries with ancestorRef for parentRef). */
static const gs_json_value *status_parents(const gs_json_value *st)
{
    const gs_json_value *p = gs_json_get(st, "parents");
    return p ? p : gs_json_get(st, "ancestors");
}

static const gs_json_value *status_parent_ref(const gs_json_value *entry)
{
    const gs_json_value *ref = gs_json_get(entry, "parentRef");
    return ref ? ref : gs_json_get(entry, "ancestorRef");
}

static bool status_parent_ours(const gs_json_value *p, const gs_status_check_opts *opts)
{
    const char *ctl = gs_json_get_string(p, "controllerName", NULL);
    if (opts == NULL || opts->n_controller_names == 0 || ctl == NULL || ctl[0] == '\0')
        return true;
    for (size_t i = 0; i < opts->n_controller_names; i++)
        if (strcmp(opts->controller_names[i], ctl) == 0)
            return true;
    return false;
}

/* Whether a parentRef's kind (absent: Gateway) is the expectation's `parentKind`. */
static bool status_parent_kind_is(const gs_json_value *ref, const gs_scenario_status_expect *x)
{
    const char *kind = gs_json_get_string(ref, "kind", NULL);
    if (kind == NULL || kind[0] == '\0')
        kind = "Gateway";
    return strcmp(kind, x->parent_kind ? x->parent_kind : "Gateway") == 0;
}

/* The route's parent status entry for the expected parent (or the only one). */
static const gs_json_value *status_find_parent(const gs_json_value *parents,
                                               const gs_scenario_status_expect *x,
                                               const gs_status_check_opts *opts, gs_buf *bad)
{
    size_t n = parents && parents->type == GS_JSON_ARRAY ? parents->len : 0;
    if (x->parent_name == NULL) {
        const gs_json_value *only = NULL;
        size_t n_ours = 0;
        for (size_t i = 0; i < n; i++)
            if (status_parent_ours(parents->items[i], opts)) {
                only = parents->items[i];
                n_ours++;
            }
        if (n_ours == 1)
            return only;
        if (n_ours == 0)
            gs_buf_printf(bad, "expected status for %s %s/%s, observed no parents[] entry",
                          x->kind, x->ns, x->name);
        else
            gs_buf_puts(bad, "the route has several parents: say which with parent");
        return NULL;
    }
    /* An exact match (section included, or both without one) wins; without a section in the
     * expectation, the only entry for that Gateway (whatever its section) is taken. */
    const gs_json_value *loose = NULL;
    size_t n_loose = 0;
    for (size_t i = 0; i < n; i++) {
        if (!status_parent_ours(parents->items[i], opts))
            continue;
        const gs_json_value *ref = status_parent_ref(parents->items[i]);
        const char *name = gs_json_get_string(ref, "name", "");
        const char *ns = gs_json_get_string(ref, "namespace", x->ns ? x->ns : "");
        const char *section = gs_json_get_string(ref, "sectionName", NULL);
        if (strcmp(name, x->parent_name) != 0 || strcmp(ns, x->parent_ns) != 0 ||
            !status_parent_kind_is(ref, x))
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
    gs_buf_printf(bad, "expected status for %s %s/%s parent %s %s/%s%s%s, observed no parents[] "
                  "entry for that parent",
                  x->kind, x->ns, x->name, x->parent_kind ? x->parent_kind : "Gateway",
                  x->parent_ns, x->parent_name,
                  x->parent_section ? "/" : "", x->parent_section ? x->parent_section : "");
    return NULL;
}

/* Routes and BackendTLSPolicy: the latter's ancestors are checked as a route's parents. */
static bool status_kind_is_route(const char *kind)
{
    return gs_route_kind_find(GS_GATEWAY_GROUP, kind) != NULL ||
           strcmp(kind, "BackendTLSPolicy") == 0;
}

static size_t status_array_len(const gs_json_value *v)
{
    return v && v->type == GS_JSON_ARRAY ? v->len : 0;
}

/* "ns/name[/section]" of a parents[] entry's parentRef. */
static void status_parent_ref_text(gs_buf *b, const gs_json_value *p, const char *route_ns)
{
    const gs_json_value *ref = status_parent_ref(p);
    const char *section = gs_json_get_string(ref, "sectionName", NULL);
    gs_buf_printf(b, "%s/%s%s%s", gs_json_get_string(ref, "namespace", route_ns ? route_ns : ""),
                  gs_json_get_string(ref, "name", "?"), section ? "/" : "",
                  section ? section : "");
}

/* Whether parents[] entry |p| is for the expectation's parent: its Gateway, and its section
 * when the expectation names one (without a section, any entry for that Gateway counts). */
static bool status_parent_is(const gs_json_value *p, const gs_scenario_status_expect *x)
{
    const gs_json_value *ref = status_parent_ref(p);
    const char *section = gs_json_get_string(ref, "sectionName", NULL);
    if (strcmp(gs_json_get_string(ref, "name", ""), x->parent_name) != 0 ||
        strcmp(gs_json_get_string(ref, "namespace", x->ns ? x->ns : ""), x->parent_ns) != 0 ||
        !status_parent_kind_is(ref, x))
        return false;
    return x->parent_section == NULL ||
           (section != NULL && strcmp(section, x->parent_section) == 0);
}

/* Whether kind |k| is in a listener's reported supportedKinds (RouteGroupKind entries; an
 * absent group is the Gateway API group). */
static bool status_kinds_have(const gs_json_value *kinds, const char *k)
{
    for (size_t i = 0; i < status_array_len(kinds); i++) {
        const gs_json_value *e = kinds->items[i];
        const char *group = gs_json_get_string(e, "group", GS_GATEWAY_GROUP);
        if (strcmp(gs_json_get_string(e, "kind", ""), k) == 0 &&
            (group[0] == '\0' || strcmp(group, GS_GATEWAY_GROUP) == 0))
            return true;
    }
    return false;
}

/* `supportedKinds`: exactly the expected kinds, in any order; with `includes`, at least them. */
static void status_match_kinds(const gs_scenario_listener_expect *l, const gs_json_value *got,
                               const char *where, gs_buf *obs, gs_buf *bad)
{
    const gs_json_value *kinds = gs_json_get(got, "supportedKinds");
    gs_buf seen = {0};
    for (size_t i = 0; i < status_array_len(kinds); i++)
        gs_buf_printf(&seen, "%s%s", i ? ", " : "",
                      gs_json_get_string(kinds->items[i], "kind", "?"));
    gs_buf_printf(obs, " supportedKinds [%s]", seen.data ? seen.data : "");
    bool same = l->supported_kinds_includes || status_array_len(kinds) == l->n_supported_kinds;
    for (size_t i = 0; i < l->n_supported_kinds && same; i++)
        same = status_kinds_have(kinds, l->supported_kinds[i]);
    if (!same) {
        gs_buf want = {0};
        for (size_t i = 0; i < l->n_supported_kinds; i++)
            gs_buf_printf(&want, "%s%s", i ? ", " : "", l->supported_kinds[i]);
        gs_buf_printf(bad, "%s%ssupportedKinds is [%s], expected %s[%s]", bad->len ? "; " : "",
                      where, seen.data ? seen.data : "",
                      l->supported_kinds_includes ? "to include " : "", want.data ? want.data : "");
        gs_buf_clear(&want);
    }
    gs_buf_clear(&seen);
}

/* `exactListeners`: every listener the status lists is one the expectation names. */
static void status_match_exact_listeners(const gs_scenario_status_expect *x,
                                         const gs_json_value *ls, gs_buf *bad)
{
    for (size_t j = 0; j < status_array_len(ls); j++) {
        const char *name = gs_json_get_string(ls->items[j], "name", "");
        bool named = false;
        for (size_t i = 0; i < x->n_listeners && !named; i++)
            named = strcmp(x->listeners[i].name, name) == 0;
        if (!named)
            gs_buf_printf(bad, "%slistener %s is in the status, expected only the listed ones",
                          bad->len ? "; " : "", name);
    }
}

/* `parentCount`: the parents[] entries written by the controllers under test. */
static void status_match_parent_count(const gs_scenario_status_expect *x,
                                      const gs_json_value *parents,
                                      const gs_status_check_opts *opts, gs_buf *obs, gs_buf *bad)
{
    size_t n = 0;
    for (size_t i = 0; i < status_array_len(parents); i++)
        n += status_parent_ours(parents->items[i], opts);
    gs_buf_printf(obs, "%s%zu parents[] entr%s", obs->len ? "; " : "", n, n == 1 ? "y" : "ies");
    if (n != x->parent_count) {
        gs_buf_printf(bad, "%s%zu parents[] entr%s (", bad->len ? "; " : "", n, n == 1 ? "y" : "ies");
        for (size_t i = 0, k = 0; i < status_array_len(parents); i++)
            if (status_parent_ours(parents->items[i], opts)) {
                gs_buf_puts(bad, k++ ? ", " : "");
                status_parent_ref_text(bad, parents->items[i], x->ns);
            }
        gs_buf_printf(bad, "), expected %u", x->parent_count);
    }
}

static void status_object_text(gs_buf *b, const gs_scenario_status_expect *x)
{
    gs_buf_printf(b, "%s %s%s%s", x->kind, x->ns ? x->ns : "", x->ns ? "/" : "", x->name);
}

/* |prefix| then the expectation's parent "ns/gateway[/section]". */
static void status_parent_text(gs_buf *b, const gs_scenario_status_expect *x, const char *prefix)
{
    gs_buf_printf(b, "%s%s%s%s/%s%s%s", prefix, x->parent_kind ? x->parent_kind : "",
                  x->parent_kind ? " " : "", x->parent_ns, x->parent_name,
                  x->parent_section ? "/" : "", x->parent_section ? x->parent_section : "");
}

/* `status: none`: |obj| is the reported object (NULL: not reported). Fills |obs| and, when some
 * status exists, |bad| with "observed ..." (the caller prefixes what was expected). */
static void status_check_none(const gs_scenario_status_expect *x, const gs_json_value *obj,
                              const gs_status_check_opts *opts, gs_buf *obs, gs_buf *bad)
{
    const gs_json_value *st = gs_json_get(obj, "status");
    if (obj == NULL) {
        gs_buf_puts(obs, "no status (the target reports no such object)");
        return;
    }
    if (status_kind_is_route(x->kind)) {
        const gs_json_value *parents = status_parents(st);
        size_t hits = 0;
        for (size_t i = 0; i < status_array_len(parents); i++) {
            const gs_json_value *p = parents->items[i];
            if (!status_parent_ours(p, opts) || (x->parent_name && !status_parent_is(p, x)))
                continue;
            gs_buf_puts(bad, hits++ ? "; " : "");
            gs_buf_puts(bad, "parents[] entry for ");
            status_parent_ref_text(bad, p, x->ns);
            const char *ctl = gs_json_get_string(p, "controllerName", NULL);
            if (ctl && ctl[0])
                gs_buf_printf(bad, " by %s", ctl);
            gs_buf_puts(bad, ": ");
            status_conditions_text(bad, gs_json_get(p, "conditions"));
        }
        if (hits == 0 && x->parent_name)
            status_parent_text(obs, x, "no parents[] entry for ");
        else if (hits == 0)
            gs_buf_puts(obs, "no parents[] entry");
        else
            gs_buf_puts(obs, bad->data);
        return;
    }
    const gs_json_value *conds = gs_json_get(st, "conditions");
    const gs_json_value *ls = gs_json_get(st, "listeners");
    if (status_array_len(conds)) {
        gs_buf_puts(bad, "conditions ");
        status_conditions_text(bad, conds);
    }
    for (size_t i = 0; i < status_array_len(ls); i++) {
        const gs_json_value *l = ls->items[i];
        gs_buf_printf(bad, "%slistener %s: attachedRoutes=%g ", bad->len ? "; " : "",
                      gs_json_get_string(l, "name", "?"),
                      gs_json_get_number(l, "attachedRoutes", -1));
        status_conditions_text(bad, gs_json_get(l, "conditions"));
    }
    gs_buf_puts(obs, bad->len ? bad->data : "no status (no conditions, no listeners)");
}


bool gs_status_check(const gs_scenario_status_expect *x, const gs_json_value *status,
                     gs_results_step *step)
{
    return gs_status_check_ex(x, status, NULL, step);
}

/* `loadBalancer: exposed` (Ingress): the addresses of status.loadBalancer.ingress[] into |obs|;
 * passes with at least one ip or hostname. */
static bool status_check_exposed(const gs_scenario_status_expect *x, const gs_json_value *status,
                                 gs_results_check *c)
{
    const gs_json_value *obj = status_find_object(status, x->kind, x->ns, x->name);
    const gs_json_value *lb = gs_json_get(gs_json_get(gs_json_get(obj, "status"), "loadBalancer"),
                                          "ingress");
    gs_buf obs = {0};
    size_t n = 0;
    for (size_t i = 0; i < status_array_len(lb); i++) {
        const char *ip = gs_json_get_string(lb->items[i], "ip", "");
        const char *host = gs_json_get_string(lb->items[i], "hostname", "");
        if (ip[0] || host[0])
            gs_buf_printf(&obs, "%s%s", n++ ? ", " : "", ip[0] ? ip : host);
    }
    gs_results_set(&c->expected, "%s %s/%s: status.loadBalancer.ingress[] shows an IP address or "
                   "hostname", x->kind, x->ns, x->name);
    if (n)
        gs_results_set(&c->observed, "loadBalancer.ingress[]: %s", obs.data);
    else
        gs_results_set(&c->observed, "%s", obj ? "no address in loadBalancer.ingress[]"
                                                : "not found");
    c->result = n ? GS_RESULT_PASSED : GS_RESULT_FAILED;
    if (n)
        gs_results_set(&c->message, "%s %s/%s is exposed at %s", x->kind, x->ns, x->name,
                       obs.data);
    else
        gs_results_set(&c->message, "%s %s/%s: %s, expected the IP address or hostname where it "
                       "is exposed", x->kind, x->ns, x->name,
                       obj ? "its status.loadBalancer.ingress[] has no address"
                           : "the target reports no status for it");
    gs_buf_clear(&obs);
    return n > 0;
}

bool gs_status_check_ex(const gs_scenario_status_expect *x, const gs_json_value *status,
                        const gs_status_check_opts *opts, gs_results_step *step)
{
    gs_results_check *c = gs_results_add_check(step, "expectStatus");
    if (x->lb_exposed)
        return status_check_exposed(x, status, c);
    gs_buf exp = {0}, obs = {0}, bad = {0};
    gs_buf_printf(&exp, "%s %s%s%s", x->kind, x->ns ? x->ns : "", x->ns ? "/" : "", x->name);
    if (x->parent_name)
        status_parent_text(&exp, x, " parent ");
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
        if (l->has_supported_kinds) {
            gs_buf_printf(&exp, " supportedKinds %s[",
                          l->supported_kinds_includes ? "including " : "");
            for (size_t k = 0; k < l->n_supported_kinds; k++)
                gs_buf_printf(&exp, "%s%s", k ? ", " : "", l->supported_kinds[k]);
            gs_buf_putc(&exp, ']');
        }
    }

    if (x->no_status)
        gs_buf_puts(&exp, ": no status");
    if (x->exact_listeners)
        gs_buf_puts(&exp, "; no other listener");
    if (x->observed_generation)
        gs_buf_printf(&exp, "; observedGeneration %lld", (long long)x->observed_generation);
    if (x->has_parent_count)
        gs_buf_printf(&exp, "; %u parents[] entr%s", x->parent_count,
                      x->parent_count == 1 ? "y" : "ies");
    if (x->has_attached_listener_sets)
        gs_buf_printf(&exp, "; attachedListenerSets=%u", x->attached_listener_sets);

    const gs_json_value *obj = status_find_object(status, x->kind, x->ns, x->name);
    const gs_json_value *st = gs_json_get(obj, "status");
    gs_buf why = {0};
    if (x->no_status && opts && opts->declared && !opts->declared(opts->ctx, x, &why)) {
        gs_buf_printf(&bad, "%s", why.data ? why.data : "not among the objects");
        gs_buf_puts(&obs, "not checked");
    } else if (x->no_status) {
        gs_buf seen = {0};
        status_check_none(x, obj, opts, &obs, &seen);
        if (seen.len) {
            gs_buf_puts(&bad, "expected no status for ");
            status_object_text(&bad, x);
            if (x->parent_name)
                status_parent_text(&bad, x, " parent ");
            gs_buf_printf(&bad, ", observed %s", seen.data);
        }
        gs_buf_clear(&seen);
    } else if (obj == NULL || (!status_kind_is_route(x->kind) && x->parent_name == NULL &&
                               status_array_len(gs_json_get(st, "conditions")) == 0 &&
                               status_array_len(gs_json_get(st, "listeners")) == 0)) {
        /* No status at all, as for an object the controller does not manage. */
        gs_buf_puts(&bad, "expected status for ");
        status_object_text(&bad, x);
        gs_buf_puts(&bad, ", observed no status");
        if (obj == NULL) {
            gs_buf_puts(&bad, ": the target reports no ");
            status_object_text(&bad, x);
        }
        gs_buf_puts(&obs, obj ? "no status (no conditions, no listeners)" : "not found");
    } else if (x->has_parent_count && x->parent_name == NULL && x->n_conditions == 0 &&
               x->observed_generation == 0) {
        status_match_parent_count(x, status_parents(st), opts, &obs, &bad);
    } else if (x->parent_name || status_kind_is_route(x->kind)) {
        if (x->has_parent_count)
            status_match_parent_count(x, status_parents(st), opts, &obs, &bad);
        const gs_json_value *p = status_find_parent(status_parents(st), x, opts, &bad);
        if (p) {
            const gs_json_value *conds = gs_json_get(p, "conditions");
            status_conditions_text(&obs, conds);
            status_match_conditions(x->conditions, x->n_conditions, conds, "", &bad);
            status_match_generation(x->observed_generation, conds, "", &bad);
        } else {
            gs_buf_puts(&obs, "no matching parent status");
        }
    } else {
        const gs_json_value *conds = gs_json_get(st, "conditions");
        status_conditions_text(&obs, conds);
        status_match_conditions(x->conditions, x->n_conditions, conds, "", &bad);
        status_match_generation(x->observed_generation, conds, "", &bad);
        if (x->has_attached_listener_sets) {
            /* the field is optional in the API: absent means none attached */
            double n = gs_json_get_number(st, "attachedListenerSets", 0);
            gs_buf_printf(&obs, "; attachedListenerSets=%g", n);
            if (n != (double)x->attached_listener_sets)
                gs_buf_printf(&bad, "%sattachedListenerSets is %g, expected %u",
                              bad.len ? "; " : "", n, x->attached_listener_sets);
        }
        const gs_json_value *ls = gs_json_get(st, "listeners");
        for (size_t j = 0; x->observed_generation && j < status_array_len(ls); j++) {
            char where[160];
            snprintf(where, sizeof(where), "listener %s: ",
                     gs_json_get_string(ls->items[j], "name", "?"));
            status_match_generation(x->observed_generation,
                                    gs_json_get(ls->items[j], "conditions"), where, &bad);
        }
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
            if (l->has_supported_kinds)
                status_match_kinds(l, got, where, &obs, &bad);
        }
        if (x->exact_listeners)
            status_match_exact_listeners(x, ls, &bad);
    }
    gs_results_set(&c->expected, "%s", exp.data);
    gs_results_set(&c->observed, "%s", obs.data ? obs.data : "");
    bool passed = bad.len == 0;
    c->result = passed ? GS_RESULT_PASSED : GS_RESULT_FAILED;
    if (passed && x->no_status) {
        gs_buf m = {0};
        status_object_text(&m, x);
        gs_buf_puts(&m, " has no status");
        if (x->parent_name)
            status_parent_text(&m, x, " for parent ");
        gs_results_set(&c->message, "%s, as expected", m.data);
        gs_buf_clear(&m);
    } else if (passed)
        gs_results_set(&c->message, "%s %s%s%s has the expected status", x->kind,
                       x->ns ? x->ns : "", x->ns ? "/" : "", x->name);
    else
        gs_results_set(&c->message, "%s", bad.data);
    gs_buf_clear(&why);
    gs_buf_clear(&exp);
    gs_buf_clear(&obs);
    gs_buf_clear(&bad);
    return passed;
}
