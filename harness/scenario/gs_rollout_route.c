/* SPDX-License-Identifier: MIT */
/* The rollout run's route writes (gs_rollout_priv.h): the weights patched into the user's
 * route (or the tool's whole route), the managed rules of header and mirror routes, Flagger's
 * session-affinity rules and cookies, and what a tool that writes the route whole drops from
 * the user's. */
#include "gs_rollout_priv.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_objset.h"
#include "gs_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- writing the route ---- */

/* Whether backendRef |ref| of a route in |route_ns| points at Service |ns|/|name|. */
static bool rollout_ref_is(const gs_yaml_node *ref, const char *route_ns, const char *ns,
                           const char *name)
{
    const char *kind = gs_yaml_str(gs_yaml_get(ref, "kind"));
    const char *group = gs_yaml_str(gs_yaml_get(ref, "group"));
    const char *rns = gs_yaml_str(gs_yaml_get(ref, "namespace"));
    const char *rname = gs_yaml_str(gs_yaml_get(ref, "name"));
    return (kind == NULL || strcmp(kind, "Service") == 0) && (group == NULL || group[0] == '\0') &&
           rname && strcmp(rname, name) == 0 && strcmp(rns ? rns : route_ns, ns) == 0;
}

/* The namespace and port of the canary's entry in |refs| (a rule's backendRefs), written as
 * ", namespace: N, port: P" after a backendRef's name; nothing when the rule has no such entry. */
static void rollout_emit_canary_ref_tail(gs_buf *b, const gs_rollout_plan *p,
                                         const gs_yaml_node *refs)
{
    for (size_t k = 0; refs && refs->kind == GS_YAML_SEQUENCE && k < refs->nitems; k++) {
        const gs_yaml_node *ref = refs->items[k];
        if (!rollout_ref_is(ref, p->route_ns, p->canary_ns, p->canary_name))
            continue;
        if (gs_yaml_get(ref, "namespace")) {
            gs_buf_puts(b, ", namespace: ");
            gs_objset_emit_yaml(b, gs_yaml_get(ref, "namespace"));
        }
        if (gs_yaml_get(ref, "port")) {
            gs_buf_puts(b, ", port: ");
            gs_objset_emit_yaml(b, gs_yaml_get(ref, "port"));
        }
        return;
    }
}

/* Sets |key| of mapping |m| to the plain scalar |text| (added when absent). */
static void rollout_set_scalar(gs_yaml_stream *s, gs_yaml_node *m, const char *key,
                               const char *text)
{
    gs_yaml_node *v = gs_yaml_new_scalar(s, m->pos, text, GS_YAML_PLAIN);
    gs_yaml_pair *p = gs_yaml_get_pair(m, key);
    if (p) {
        p->value = v;
        return;
    }
    gs_yaml_pair *pairs = gs_yaml_alloc(s, (m->npairs + 1) * sizeof(*pairs));
    memcpy(pairs, m->pairs, m->npairs * sizeof(*pairs));
    pairs[m->npairs++] = (gs_yaml_pair){gs_yaml_new_scalar(s, m->pos, key, GS_YAML_PLAIN), v};
    m->pairs = pairs;
}

/* Drops metadata.generation so the object set gives the rewritten route the next one. */
static void rollout_drop_generation(gs_yaml_node *obj)
{
    gs_yaml_node *meta = gs_yaml_get(obj, "metadata");
    for (size_t i = 0; meta && meta->kind == GS_YAML_MAPPING && i < meta->npairs; i++) {
        if (gs_yaml_scalar_eq(meta->pairs[i].key, "generation")) {
            memmove(&meta->pairs[i], &meta->pairs[i + 1],
                    (meta->npairs - i - 1) * sizeof(*meta->pairs));
            meta->npairs--;
            return;
        }
    }
}

/* Writes the stable and canary weights into every rule holding refs to both (or the plan's
 * rule), as the Argo Rollouts Gateway API plugin does; returns the rules written. */
static size_t rollout_patch_rules(gs_yaml_stream *s, gs_yaml_node *route, const gs_rollout_plan *p,
                                  unsigned canary_weight)
{
    gs_yaml_node *rules = gs_yaml_get(gs_yaml_get(route, "spec"), "rules");
    size_t patched = 0;
    char sw[8], cw[8];
    snprintf(sw, sizeof(sw), "%u", 100 - canary_weight);
    snprintf(cw, sizeof(cw), "%u", canary_weight);
    for (size_t i = 0; rules && rules->kind == GS_YAML_SEQUENCE && i < rules->nitems; i++) {
        if (p->has_rule && i != p->rule)
            continue;
        gs_yaml_node *refs = gs_yaml_get(rules->items[i], "backendRefs");
        gs_yaml_node *stable = NULL, *canary = NULL;
        for (size_t k = 0; refs && refs->kind == GS_YAML_SEQUENCE && k < refs->nitems; k++) {
            gs_yaml_node *ref = refs->items[k];
            if (ref->kind != GS_YAML_MAPPING)
                continue;
            if (rollout_ref_is(ref, p->route_ns, p->stable_ns, p->stable_name))
                stable = ref;
            else if (rollout_ref_is(ref, p->route_ns, p->canary_ns, p->canary_name))
                canary = ref;
        }
        if (stable && canary) {
            rollout_set_scalar(s, stable, "weight", sw);
            rollout_set_scalar(s, canary, "weight", cw);
            patched++;
        }
    }
    return patched;
}

/* ---- managed rules (setHeaderRoute) ---- */

/* Whether rule |rule| is one of the plan's managed rules: named after a header route of the
 * plan, "<name>" or "<name>-<k>" (one per source rule). */
bool gs_rollout_rule_managed(const gs_rollout_plan *p, const gs_yaml_node *rule)
{
    const char *name = gs_yaml_str(gs_yaml_get(rule, "name"));
    for (size_t i = 0; name && i < p->n_actions; i++) {
        const char *m = p->actions[i].route;
        bool managed = p->actions[i].kind == GS_ROLLOUT_SET_HEADER_ROUTE ||
                       (p->actions[i].kind == GS_ROLLOUT_SET_MIRROR_ROUTE && !p->actions[i].noop);
        if (!managed || m == NULL)
            continue;
        size_t n = strlen(m);
        if (strncmp(name, m, n) == 0 &&
            (name[n] == '\0' || (name[n] == '-' && name[n + 1] &&
                                 strspn(name + n + 1, "0123456789") == strlen(name + n + 1))))
            return true;
    }
    return false;
}

/* Removes the plan's managed rules from |route|: every write appends those in force again. */
static void rollout_drop_managed(gs_yaml_node *route, const gs_rollout_plan *p)
{
    gs_yaml_node *rules = gs_yaml_get(gs_yaml_get(route, "spec"), "rules");
    if (rules == NULL || rules->kind != GS_YAML_SEQUENCE)
        return;
    size_t kept = 0;
    for (size_t i = 0; i < rules->nitems; i++)
        if (!gs_rollout_rule_managed(p, rules->items[i]))
            rules->items[kept++] = rules->items[i];
    rules->nitems = kept;
}

/* The header matches of |a| as the plugin writes them: exact as Exact, prefix as the
 * RegularExpression "<prefix>.*", regex as RegularExpression. */
static void rollout_emit_header_matches(gs_buf *b, const gs_rollout_action *a)
{
    gs_buf_puts(b, "headers: [");
    for (size_t i = 0; i < a->n_matches; i++) {
        const gs_rollout_header_match *m = &a->matches[i];
        gs_buf_printf(b, "%s{type: %s, name: ", i ? ", " : "",
                      m->type == GS_ROLLOUT_MATCH_EXACT ? "Exact" : "RegularExpression");
        gs_rollout_emit_quoted(b, m->name);
        gs_buf_puts(b, ", value: ");
        char *v = gs_xasprintf("%s%s", m->value, m->type == GS_ROLLOUT_MATCH_PREFIX ? ".*" : "");
        gs_rollout_emit_quoted(b, v);
        free(v);
        gs_buf_puts(b, "}");
    }
    gs_buf_puts(b, "]");
}

/* The managed rule of header route |a| for source rule |src|, as the plugin builds it: for each
 * of the source's matches its path and query parameters with |a|'s header matches (the source's
 * method and header matches are not copied; a source without matches gives a rule without
 * matches, which the API server defaults to PathPrefix / without headers), the source's
 * filters, and one canary backendRef without weight. */
static void rollout_header_rule(gs_buf *b, const rollout_run *r, const gs_rollout_action *a,
                                const gs_yaml_node *src, const char *name)
{
    const gs_rollout_plan *p = r->plan;
    gs_buf_puts(b, "{name: ");
    gs_rollout_emit_quoted(b, name);
    const gs_yaml_node *matches = gs_yaml_get(src, "matches");
    if (matches && matches->kind == GS_YAML_SEQUENCE && matches->nitems) {
        gs_buf_puts(b, ", matches: [");
        for (size_t i = 0; i < matches->nitems; i++) {
            const gs_yaml_node *path = gs_yaml_get(matches->items[i], "path");
            const gs_yaml_node *query = gs_yaml_get(matches->items[i], "queryParams");
            gs_buf_puts(b, i ? ", {" : "{");
            if (path) {
                gs_buf_puts(b, "path: ");
                gs_objset_emit_yaml(b, path);
                gs_buf_puts(b, ", ");
            }
            if (query) {
                gs_buf_puts(b, "queryParams: ");
                gs_objset_emit_yaml(b, query);
                gs_buf_puts(b, ", ");
            }
            rollout_emit_header_matches(b, a);
            gs_buf_puts(b, "}");
        }
        gs_buf_puts(b, "]");
    }
    const gs_yaml_node *filters = gs_yaml_get(src, "filters");
    if (filters) {
        gs_buf_puts(b, ", filters: ");
        gs_objset_emit_yaml(b, filters);
    }
    gs_buf_puts(b, ", backendRefs: [{group: \"\", kind: Service, name: ");
    gs_rollout_emit_quoted(b, p->canary_name);
    const gs_yaml_node *refs = gs_yaml_get(src, "backendRefs");
    rollout_emit_canary_ref_tail(b, p, refs);
    gs_buf_puts(b, "}]}");
}

/* The managed rule of mirror route |a| for source rule |src|: |a|'s matches (path as Exact,
 * PathPrefix or RegularExpression; headers like a header route's), the source's filters and a
 * RequestMirror to the canary at the route's percentage, and the source's backendRefs with
 * their weights, so the matching requests are split like the others and copied to the canary. */
static void rollout_mirror_rule(gs_buf *b, const rollout_run *r, const gs_rollout_action *a,
                                const gs_yaml_node *src, const char *name)
{
    static const char *const path_types[] = {"Exact", "PathPrefix", "RegularExpression"};
    const gs_rollout_plan *p = r->plan;
    gs_buf_puts(b, "{name: ");
    gs_rollout_emit_quoted(b, name);
    gs_buf_puts(b, ", matches: [");
    for (size_t i = 0; i < a->n_mirror; i++) {
        const gs_rollout_mirror_match *m = &a->mirror[i];
        const char *sep = "";
        gs_buf_puts(b, i ? ", {" : "{");
        if (m->path) {
            gs_buf_printf(b, "path: {type: %s, value: ", path_types[m->path_type]);
            gs_rollout_emit_quoted(b, m->path);
            gs_buf_puts(b, "}");
            sep = ", ";
        }
        if (m->method) {
            gs_buf_printf(b, "%smethod: ", sep);
            gs_rollout_emit_quoted(b, m->method);
            sep = ", ";
        }
        if (m->n_headers) {
            gs_rollout_action h = {.matches = m->headers, .n_matches = m->n_headers};
            gs_buf_puts(b, sep);
            rollout_emit_header_matches(b, &h);
        }
        gs_buf_puts(b, "}");
    }
    gs_buf_puts(b, "], filters: [");
    const gs_yaml_node *filters = gs_yaml_get(src, "filters");
    for (size_t i = 0; filters && filters->kind == GS_YAML_SEQUENCE && i < filters->nitems; i++) {
        gs_objset_emit_yaml(b, filters->items[i]);
        gs_buf_puts(b, ", ");
    }
    gs_buf_puts(b, "{type: RequestMirror, requestMirror: {backendRef: {name: ");
    gs_rollout_emit_quoted(b, p->canary_name);
    const gs_yaml_node *refs = gs_yaml_get(src, "backendRefs");
    rollout_emit_canary_ref_tail(b, p, refs);
    gs_buf_puts(b, "}");
    if (a->weight < 100)
        gs_buf_printf(b, ", percent: %u", a->weight);
    gs_buf_puts(b, "}}], backendRefs: ");
    gs_objset_emit_yaml(b, refs);
    gs_buf_puts(b, "}");
}

/* Appends the managed rules of the header routes in force to |route| (in |s|): one per rule
 * holding both Services (or the plan's rule), named "<name>", "<name>-1", ... */
static int rollout_add_managed(const rollout_run *r, gs_yaml_stream *s, gs_yaml_node *route,
                               gs_error *err)
{
    const gs_rollout_plan *p = r->plan;
    gs_yaml_node *rules = gs_yaml_get(gs_yaml_get(route, "spec"), "rules");
    if (r->n_headers + r->n_mirrors == 0 || rules == NULL || rules->kind != GS_YAML_SEQUENCE)
        return 0;
    gs_buf b = {0};
    gs_buf_puts(&b, "[");
    size_t written = 0;
    for (size_t h = 0; h < r->n_headers + r->n_mirrors; h++) {
        const gs_rollout_action *act =
            h < r->n_headers ? r->headers[h] : r->mirrors[h - r->n_headers];
        size_t k = 0;
        for (size_t i = 0; i < rules->nitems; i++) {
            if (p->has_rule && i != p->rule)
                continue;
            const gs_yaml_node *refs = gs_yaml_get(rules->items[i], "backendRefs");
            bool stable = false, canary = false;
            for (size_t j = 0; refs && refs->kind == GS_YAML_SEQUENCE && j < refs->nitems; j++) {
                stable |= rollout_ref_is(refs->items[j], p->route_ns, p->stable_ns, p->stable_name);
                canary |= rollout_ref_is(refs->items[j], p->route_ns, p->canary_ns, p->canary_name);
            }
            if (!stable || !canary)
                continue;
            char *name = k ? gs_xasprintf("%s-%zu", act->route, k) : gs_xstrdup(act->route);
            if (written++)
                gs_buf_puts(&b, ", ");
            if (h < r->n_headers)
                rollout_header_rule(&b, r, act, rules->items[i], name);
            else
                rollout_mirror_rule(&b, r, act, rules->items[i], name);
            free(name);
            k++;
        }
    }
    gs_buf_puts(&b, "]");
    gs_yaml_stream *tmp = NULL;
    int rc = gs_yaml_parse_buffer(&tmp, "(managed rules)", b.data, b.len, err);
    gs_buf_clear(&b);
    if (rc < 0)
        return rc;
    const gs_yaml_node *added = tmp->docs[0];
    gs_yaml_node **items = gs_yaml_alloc(s, (rules->nitems + added->nitems) * sizeof(*items));
    memcpy(items, rules->items, rules->nitems * sizeof(*items));
    for (size_t i = 0; i < added->nitems; i++)
        items[rules->nitems + i] = gs_yaml_clone(s, added->items[i]);
    rules->items = items;
    rules->nitems += added->nitems;
    gs_yaml_stream_free(tmp);
    return 0;
}

/* The header route named like |a| in force, or NULL. */
const gs_rollout_action *gs_rollout_header_in_force(const rollout_run *r,
                                                    const gs_rollout_action *a, size_t *at)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcmp(r->headers[i]->route, a->route) == 0) {
            *at = i;
            return r->headers[i];
        }
    *at = r->n_headers;
    return NULL;
}

/* Upserts (or, without matches, removes) header route |a| among those in force. */
void gs_rollout_set_header(rollout_run *r, const gs_rollout_action *a)
{
    size_t i;
    const gs_rollout_action *old = gs_rollout_header_in_force(r, a, &i);
    if (a->n_matches) {
        r->headers[i] = a;
        r->n_headers += old == NULL;
    } else if (old) {
        memmove(&r->headers[i], &r->headers[i + 1], (r->n_headers - i - 1) * sizeof(*r->headers));
        r->n_headers--;
    }
}

/* A new cookie "<name>=<ten letters>" (Flagger's randSeq) into |out|; |salt| tells apart two
 * made at once. */
static void rollout_new_cookie(const rollout_run *r, const char *name, unsigned salt, char *out,
                               size_t size)
{
    uint64_t x =
        (uint64_t)gs_now_ns() ^ ((uint64_t)getpid() << 32) ^ r->generation ^ ((uint64_t)salt << 48);
    char value[11];
    for (size_t i = 0; i < 10; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        value[i] = (char)('a' + x % 26);
    }
    value[10] = '\0';
    snprintf(out, size, "%s=%s", name, value);
}

/* Session affinity: Flagger's cookie bookkeeping for a write at |canary_weight| (a new cookie
 * when a canary run starts, kept while it runs, the previous one at weight 0), then its rules
 * around the weighted rule, the first of |route|'s. */
static int rollout_affinity_rules(rollout_run *r, gs_yaml_stream *s, gs_yaml_node *route,
                                  unsigned canary_weight, gs_error *err)
{
    const gs_rollout_plan *p = r->plan;
    gs_yaml_node *rules = gs_yaml_get(gs_yaml_get(route, "spec"), "rules");
    if (rules == NULL || rules->kind != GS_YAML_SEQUENCE || rules->nitems == 0)
        return 0;
    if (canary_weight > 0 && r->cookie[0] == '\0')
        rollout_new_cookie(r, p->cookie_name, 0, r->cookie, sizeof(r->cookie));
    else if (canary_weight == 0 && r->cookie[0]) {
        memcpy(r->previous_cookie, r->cookie, sizeof(r->cookie));
        r->cookie[0] = '\0';
    }
    /* The primary's cookie, made with the first canary run's and kept (Flagger keeps it in
     * the Canary's status; only a non-zero weight writes it). */
    if (canary_weight > 0 && p->primary_cookie_name && r->primary_cookie[0] == '\0')
        rollout_new_cookie(r, p->primary_cookie_name, 1, r->primary_cookie,
                           sizeof(r->primary_cookie));
    gs_buf b = {0};
    gs_rollout_sticky_rules(&b, p, rules->items[0], canary_weight, r->cookie[0] ? r->cookie : NULL,
                            r->primary_cookie[0] ? r->primary_cookie : NULL,
                            r->previous_cookie[0] ? r->previous_cookie : NULL);
    gs_yaml_stream *tmp = NULL;
    int rc = gs_yaml_parse_buffer(&tmp, "(session affinity rules)", b.data, b.len, err);
    gs_buf_clear(&b);
    if (rc < 0)
        return rc;
    const gs_yaml_node *made = tmp->docs[0];
    gs_yaml_node **items = gs_yaml_alloc(s, (made->nitems + 1) * sizeof(*items));
    for (size_t i = 0; i < made->nitems; i++)
        items[i] = gs_yaml_clone(s, made->items[i]);
    rules->items = items;
    rules->nitems = made->nitems;
    gs_yaml_stream_free(tmp);
    pthread_mutex_lock(&r->live.mu);
    r->live.set_cookie[0] = r->live.primary_set_cookie[0] = '\0';
    const char *attrs = p->cookie_attrs ? p->cookie_attrs : "";
    if (canary_weight > 0)
        snprintf(r->live.set_cookie, sizeof(r->live.set_cookie), "%s; Max-Age=%lld%s", r->cookie,
                 (long long)p->cookie_max_age, attrs);
    if (canary_weight > 0 && r->primary_cookie[0])
        snprintf(r->live.primary_set_cookie, sizeof(r->live.primary_set_cookie),
                 "%s; Max-Age=%lld%s", r->primary_cookie, (long long)p->primary_cookie_max_age,
                 attrs);
    pthread_mutex_unlock(&r->live.mu);
    return 0;
}

int gs_rollout_write_route(rollout_run *r, unsigned canary_weight, double *apply_ms, gs_error *err)
{
    const gs_rollout_plan *p = r->plan;
    const gs_objset_item *it = gs_objset_find(r->env->set, "HTTPRoute", p->route_ns, p->route_name);
    if (it == NULL)
        return gs_error_set(err, GS_ERR_NOT_FOUND, "rollout: no HTTPRoute %s/%s among the objects",
                            p->route_ns, p->route_name);
    gs_yaml_stream *s = gs_yaml_stream_new(it->pos.file ? it->pos.file : "(rollout)");
    gs_yaml_node *copy = NULL;
    if (p->cookie_name && r->ro->route_yaml) { /* Flagger writes the route whole each time */
        gs_yaml_stream *base = NULL;
        int prc = gs_yaml_parse_buffer(&base, r->ro->source_path, r->ro->route_yaml,
                                       strlen(r->ro->route_yaml), err);
        if (prc < 0) {
            gs_yaml_stream_free(s);
            return prc;
        }
        copy = gs_yaml_clone(s, base->docs[0]);
        gs_yaml_stream_free(base);
    } else {
        copy = gs_yaml_clone(s, it->node);
    }
    rollout_drop_generation(copy);
    rollout_drop_managed(copy, p);
    if (rollout_patch_rules(s, copy, p, canary_weight) == 0) {
        gs_yaml_stream_free(s);
        if (p->has_rule)
            return gs_error_set(err, GS_ERR_INVALID,
                                "rollout: rule %u of HTTPRoute %s/%s has no backendRefs to both "
                                "%s and %s",
                                p->rule, p->route_ns, p->route_name, p->stable, p->canary);
        return gs_error_set(err, GS_ERR_INVALID,
                            "rollout: no rule of HTTPRoute %s/%s has backendRefs to both %s and "
                            "%s",
                            p->route_ns, p->route_name, p->stable, p->canary);
    }
    int rc = rollout_add_managed(r, s, copy, err);
    if (rc == 0 && p->cookie_name)
        rc = rollout_affinity_rules(r, s, copy, canary_weight, err);
    if (rc == 0)
        rc = gs_objset_adopt(r->env->set, s, copy, err);
    else
        gs_yaml_stream_free(s);
    if (rc == 0)
        rc = r->env->apply(r->env->ctx, apply_ms, err);
    r->generation++;
    return rc;
}

/* ---- a tool that writes the route whole ---- */

static bool rollout_has_string(const gs_yaml_node *seq, const char *s)
{
    for (size_t i = 0; seq && seq->kind == GS_YAML_SEQUENCE && i < seq->nitems; i++)
        if (gs_yaml_scalar_eq(seq->items[i], s))
            return true;
    return false;
}

/* Appends the filter types of |filters| to |b| ("URLRewrite, RequestMirror"), |n| written
 * before; returns the new count. */
static size_t rollout_filter_types(gs_buf *b, const gs_yaml_node *filters, size_t n)
{
    for (size_t i = 0; filters && filters->kind == GS_YAML_SEQUENCE && i < filters->nitems; i++) {
        const char *t = gs_yaml_str(gs_yaml_get(filters->items[i], "type"));
        gs_buf_printf(b, "%s%s", n++ ? ", " : "", t ? t : "?");
    }
    return n;
}

/* What of the user's route |mine| the tool's whole rewrite |tool| loses: hostnames, rules past
 * the one it writes, filters on the rule it replaces (fluxcd/flagger#1857, #1888). */
static void rollout_dropped(const gs_yaml_node *mine, const gs_yaml_node *tool, gs_buf *out)
{
    const gs_yaml_node *ms = gs_yaml_get(mine, "spec"), *ts = gs_yaml_get(tool, "spec");
    const gs_yaml_node *hosts = gs_yaml_get(ms, "hostnames");
    for (size_t i = 0; hosts && hosts->kind == GS_YAML_SEQUENCE && i < hosts->nitems; i++)
        if (!rollout_has_string(gs_yaml_get(ts, "hostnames"), gs_yaml_str(hosts->items[i])))
            gs_buf_printf(out, "%shostname %s", out->len ? "; " : "", gs_yaml_str(hosts->items[i]));
    const gs_yaml_node *rules = gs_yaml_get(ms, "rules");
    size_t kept = 0;
    const gs_yaml_node *trules = gs_yaml_get(ts, "rules");
    if (trules && trules->kind == GS_YAML_SEQUENCE)
        kept = trules->nitems;
    for (size_t i = 0; rules && rules->kind == GS_YAML_SEQUENCE && i < rules->nitems; i++) {
        const gs_yaml_node *rule = rules->items[i];
        gs_buf types = {0};
        size_t n = rollout_filter_types(&types, gs_yaml_get(rule, "filters"), 0);
        const gs_yaml_node *refs = gs_yaml_get(rule, "backendRefs");
        for (size_t k = 0; refs && refs->kind == GS_YAML_SEQUENCE && k < refs->nitems; k++)
            n = rollout_filter_types(&types, gs_yaml_get(refs->items[k], "filters"), n);
        if (i >= kept)
            gs_buf_printf(out, "%srule %zu%s%s%s", out->len ? "; " : "", i, n ? " (filters " : "",
                          n ? types.data : "", n ? ")" : "");
        else if (n)
            gs_buf_printf(out, "%sthe filters of rule %zu (%s)", out->len ? "; " : "", i,
                          types.data);
        gs_buf_clear(&types);
    }
}

/* Puts the route the tool writes in place of the user's, saying what that drops. */
int gs_rollout_adopt_route(rollout_run *r, gs_error *err)
{
    const gs_scenario_rollout *ro = r->ro;
    gs_yaml_stream *s = NULL;
    int rc = gs_yaml_parse_buffer(&s, ro->source_path, ro->route_yaml, strlen(ro->route_yaml), err);
    if (rc < 0)
        return rc;
    const gs_yaml_node *route = s->docs[0];
    const gs_objset_item *mine =
        gs_objset_find(r->env->set, "HTTPRoute", r->plan->route_ns, r->plan->route_name);
    gs_buf lost = {0};
    if (mine)
        rollout_dropped(mine->node, route, &lost);
    if (lost.len) {
        gs_results_check *c = gs_rollout_record(r, "rollout.warning", GS_RESULT_PASSED);
        gs_results_set(&c->message,
                       "%s rewrites HTTPRoute %s/%s whole from its %s: it drops %s of the route "
                       "the manifests declare",
                       ro->source_tool, r->plan->route_ns, r->plan->route_name, ro->source_kind,
                       lost.data);
        if (r->env->warn)
            r->env->warn(r->env->ctx, c->message);
    }
    gs_buf_clear(&lost);
    return gs_objset_adopt(r->env->set, s, route, err);
}
