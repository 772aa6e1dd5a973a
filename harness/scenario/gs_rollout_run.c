/* SPDX-License-Identifier: MIT */
/* Runs a rollout step (gs_rollout.h): open-loop traffic on its own thread for the whole
 * rollout, and on the runner's thread the controller: write the route's weights, apply, wait
 * for the data plane to follow (SPRT on the live responses), verify the split, judge the
 * canary's traffic, decide. Every stage becomes a "rollout.*" check of the step. */
#include "gs_rollout_priv.h"

#include "gs_alloc.h"
#include "gs_binom.h"
#include "gs_buf.h"
#include "gs_expect.h"
#include "gs_gof.h"
#include "gs_histogram.h"
#include "gs_objset.h"
#include "gs_plan.h"
#include "gs_proc.h"
#include "gs_time.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- the traffic side ---- */

/* Whether |backend| ("ns/name/replica") is a replica of Service |svc| ("ns/name"). */
bool gs_rollout_is(const char *backend, const char *svc)
{
    size_t n = strlen(svc);
    return backend && strncmp(backend, svc, n) == 0 && backend[n] == '/';
}

static void rollout_failure(rollout_live *l, const gs_traffic_response *r)
{
    l->failed_total++;
    l->failed_stage++;
    if (l->first_failure[0])
        return;
    if (r->error != GS_TRAFFIC_OK)
        snprintf(l->first_failure, sizeof(l->first_failure), "%s%s%s",
                 gs_traffic_error_name(r->error), r->detail ? ": " : "",
                 r->detail ? r->detail : "");
    else
        snprintf(l->first_failure, sizeof(l->first_failure),
                 "status %d answered by the gateway itself (no backend)", r->status);
}

/* The value of |r|'s Set-Cookie header setting cookie |name|, or NULL. */
static const char *rollout_set_cookie(const gs_traffic_response *r, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < r->num_headers; i++) {
        const char *v = r->headers[i].value;
        if (strcmp(r->headers[i].name, "set-cookie") == 0 && v && strncmp(v, name, n) == 0 &&
            v[n] == '=')
            return v;
    }
    return NULL;
}

static void rollout_count(rollout_window *w, const rollout_live *l, const gs_traffic_response *r)
{
    const char *cookie = l->cookie_name ? rollout_set_cookie(r, l->cookie_name) : NULL;
    if (cookie && w->seen_cookie[0] == '\0')
        snprintf(w->seen_cookie, sizeof(w->seen_cookie), "%s", cookie);
    const char *primary =
        l->primary_cookie_name ? rollout_set_cookie(r, l->primary_cookie_name) : NULL;
    if (primary && w->seen_primary_cookie[0] == '\0')
        snprintf(w->seen_primary_cookie, sizeof(w->seen_primary_cookie), "%s", primary);
    if (gs_rollout_is(r->backend, l->canary)) {
        w->canary++;
        w->canary_ok += r->status < 500;
        gs_histogram_record(w->canary_latency, r->latency_ns);
        w->canary_cookie += cookie != NULL;
        w->canary_cookie_exact += cookie && strcmp(cookie, l->set_cookie) == 0;
        w->canary_primary_cookie += primary != NULL;
    } else if (gs_rollout_is(r->backend, l->stable)) {
        w->stable++;
        w->stable_cookie += cookie != NULL;
        w->stable_primary_cookie += primary != NULL;
        w->stable_primary_cookie_exact += primary && strcmp(primary, l->primary_set_cookie) == 0;
    } else {
        w->other++;
    }
}

/* On a traffic worker thread, serialized by gs_traffic; the lock orders it with the controller. */
static void on_rollout_response(const gs_traffic_response *r, void *user)
{
    rollout_live *l = user;
    if (r->warmup)
        return;
    pthread_mutex_lock(&l->mu);
    l->total++;
    bool failed = r->error != GS_TRAFFIC_OK || r->backend == NULL;
    if (failed)
        rollout_failure(l, r);
    else if (l->mode != ROLLOUT_IDLE && r->sent_ns >= l->win.since_ns) {
        bool canary = gs_rollout_is(r->backend, l->canary);
        if (l->mode == ROLLOUT_CONVERGE) {
            l->seen++;
            l->seen_canary += canary;
            if (!l->converged && gs_rollout_sprt_add(&l->sprt, canary) == GS_ROLLOUT_SPRT_NEW) {
                l->converged = true;
                l->converged_ns = gs_now_ns();
            }
        } else {
            rollout_count(&l->win, l, r);
        }
    }
    if (failed && l->mode == ROLLOUT_COLLECT && r->sent_ns >= l->win.since_ns)
        l->win.failed++;
    pthread_mutex_unlock(&l->mu);
}

static void *rollout_traffic_main(void *arg)
{
    rollout_run *r = arg;
    r->traffic_rc = gs_traffic_run(&r->tc, &r->res, &r->traffic_err);
    return NULL;
}

/* The traffic runs until the rollout cancels it; this bounds it should the rollout never. */
#define ROLLOUT_TRAFFIC_MAX_NS (3600 * GS_NS_PER_S)

static int rollout_traffic_start(rollout_run *r, gs_error *err)
{
    r->tc = *r->env->traffic;
    r->address = gs_xstrdup(r->tc.address);
    r->tc.address = r->address;
    if (r->tc.authority) {
        r->authority = gs_xstrdup(r->tc.authority);
        r->tc.authority = r->authority;
    }
    r->tc.requests = 0;
    r->tc.duration_ns = ROLLOUT_TRAFFIC_MAX_NS;
    r->tc.rate = r->ro->traffic.rate;
    r->tc.on_response = on_rollout_response;
    r->tc.user = &r->live;
    r->tc.serialize_callbacks = true;
    r->tc.cancel = &r->cancel;
    r->tc.body_limit = 256;
    r->tc.on_progress = NULL;
    if (pthread_create(&r->thread, NULL, rollout_traffic_main, r) != 0)
        return gs_error_set(err, GS_ERR_NOMEM, "cannot start the rollout's traffic thread");
    r->started = true;
    return 0;
}

static int rollout_traffic_stop(rollout_run *r, gs_error *err)
{
    if (!r->started)
        return 0;
    r->cancel = 1;
    pthread_join(r->thread, NULL);
    r->started = false;
    if (r->traffic_rc < 0) {
        *err = r->traffic_err;
        return r->traffic_rc;
    }
    return 0;
}

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
static int rollout_adopt_route(rollout_run *r, gs_error *err)
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

/* ---- waiting on the live traffic ---- */

#define ROLLOUT_POLL_US 20000

/* Polls until |done| holds for the live state, the deadline passes, or something died. Returns
 * 1 (done), 0 (deadline) or a negative GS_ERR_*. */
static int rollout_wait(rollout_run *r, int64_t deadline,
                        bool (*done)(const rollout_run *r, int64_t now), gs_error *err)
{
    for (;;) {
        if (gs_proc_interrupted())
            return gs_error_set(err, GS_ERR_CLOSED, "interrupted");
        int rc = r->env->alive(r->env->ctx, err);
        if (rc < 0)
            return rc;
        if (r->traffic_rc < 0)
            return gs_error_set(err, GS_ERR_CLOSED, "the rollout's traffic stopped: %s",
                                r->traffic_err.msg);
        int64_t now = gs_now_ns();
        pthread_mutex_lock(&r->live.mu);
        bool ok = done(r, now);
        pthread_mutex_unlock(&r->live.mu);
        if (ok)
            return 1;
        if (now >= deadline)
            return 0;
        usleep(ROLLOUT_POLL_US);
    }
}

static bool rollout_converged(const rollout_run *r, int64_t now)
{
    (void)now;
    return r->live.converged;
}

/* A window is complete with r->need_answered answered requests and r->need_ns elapsed. */
static bool rollout_window_full(const rollout_run *r, int64_t now)
{
    const rollout_window *w = &r->live.win;
    return w->stable + w->canary + w->other >= r->need_answered &&
           now - w->started_ns >= r->need_ns;
}

/* Starts a new window (lock held by the caller or not yet shared). */
static void rollout_window_open(rollout_live *l, rollout_mode mode, int64_t since)
{
    gs_histogram *h = l->win.canary_latency;
    gs_histogram_reset(h);
    l->win = (rollout_window){.since_ns = since, .started_ns = gs_now_ns(), .canary_latency = h};
    l->mode = mode;
}

/* ---- records ---- */

gs_results_check *gs_rollout_record(rollout_run *r, const char *kind, gs_result result)
{
    gs_results_check *c = gs_results_add_check(r->rst, kind);
    c->result = result;
    if (result == GS_RESULT_FAILED)
        r->failed++;
    return c;
}

/* Seconds since the rollout began, for the timeline. */
double gs_rollout_secs(const rollout_run *r, int64_t ns)
{
    return (double)(ns - r->t_start) / 1e9;
}

/* Adds the timeline point of the check just recorded: a stage of |kind| at canary weight
 * |planned| over the window |start_ns| to |end_ns| with counts |w| (NULL: a moment without
 * traffic counted) and the canary's 99th percentile |p99_ns| (0: not measured). */
gs_results_rollout_point *gs_rollout_point(rollout_run *r, const char *stage, const char *kind,
                                           const char *decision, unsigned planned,
                                           const rollout_window *w, int64_t p99_ns,
                                           int64_t start_ns, int64_t end_ns)
{
    gs_results_rollout_point *p = gs_results_add_rollout_point(r->tl, stage, kind);
    gs_results_set(&p->decision, "%s", decision);
    p->start_s = gs_rollout_secs(r, start_ns);
    p->end_s = gs_rollout_secs(r, end_ns);
    p->planned_weight = planned;
    if (r->rst->checks_len > 0) {
        p->check = r->rst->checks_len;
        p->result = r->rst->checks[r->rst->checks_len - 1]->result;
    }
    if (w == NULL)
        return p;
    p->answered = w->stable + w->canary + w->other;
    p->canary = w->canary;
    p->failed = w->failed;
    if (p->answered > 0) {
        p->canary_share = (double)w->canary / (double)p->answered;
        gs_binom_wilson(w->canary, p->answered, r->env->stats->alpha, &p->ci_low, &p->ci_high);
    }
    if (w->canary > 0) {
        p->success_rate = 100.0 * (double)w->canary_ok / (double)w->canary;
        if (p99_ns > 0)
            p->p99_ms = (double)p99_ns / 1e6;
    }
    return p;
}

const char *gs_rollout_stage_name(const gs_rollout_action *a, char buf[48])
{
    if (a == NULL)
        return "";
    switch (a->kind) {
    case GS_ROLLOUT_SET_WEIGHT:
        snprintf(buf, 48, "setWeight %u", a->weight);
        break;
    case GS_ROLLOUT_PAUSE:
        snprintf(buf, 48, "pause");
        break;
    case GS_ROLLOUT_ANALYSIS:
        snprintf(buf, 48, "analysis");
        break;
    case GS_ROLLOUT_SET_HEADER_ROUTE:
        snprintf(buf, 48, "setHeaderRoute %.28s", a->route);
        break;
    case GS_ROLLOUT_SET_MIRROR_ROUTE:
        snprintf(buf, 48, "setMirrorRoute %.28s", a->route);
        break;
    case GS_ROLLOUT_SET_BEHAVIOUR:
        snprintf(buf, 48, "setBehaviour %.30s", a->backend);
        break;
    }
    return buf;
}

/* ---- stages ---- */

/* The data plane did not follow the route within the timeout: the evidence. */
static void rollout_not_followed(rollout_run *r, const char *label, unsigned from, unsigned to,
                                 int64_t waited_ns)
{
    gs_results_check *c = gs_rollout_record(r, "rollout.convergence", GS_RESULT_FAILED);
    pthread_mutex_lock(&r->live.mu);
    uint64_t seen = r->live.seen, canary = r->live.seen_canary;
    pthread_mutex_unlock(&r->live.mu);
    double lo = 0, hi = 1;
    gs_binom_wilson(canary, seen, r->env->stats->alpha, &lo, &hi);
    gs_results_set(&c->message,
                   "%s: the data plane did not follow the route: %.1f s after canary weight %u "
                   "was applied, the canary got %llu of %llu answered requests (%.1f%%, interval "
                   "%.1f-%.1f%%); the route says %u%%, the weight before was %u%%",
                   label, (double)waited_ns / 1e9, to, (unsigned long long)canary,
                   (unsigned long long)seen, seen ? 100.0 * (double)canary / (double)seen : 0.0,
                   100 * lo, 100 * hi, to, from);
    gs_results_set(&c->expected, "canary share %u%% (weight written to the route)", to);
    gs_results_set(&c->observed, "canary %llu of %llu", (unsigned long long)canary,
                   (unsigned long long)seen);
    r->st.outcome = GS_ROLLOUT_HALTED;
    rollout_window w = {.canary = canary, .stable = seen - canary};
    int64_t now = gs_now_ns();
    gs_results_rollout_point *p =
        gs_rollout_point(r, label, "convergence", "halted", to, &w, 0, now - waited_ns, now);
    p->written_s = p->start_s;
}

/* The requests the split check at canary weight |w| needs for the run's alpha and power. At 0
 * or 100 nothing is random: the check fails on one request astray, so the sample is sized to
 * see a leak of minEffect with probability power: (1 - minEffect)^n <= 1 - power. */
uint64_t gs_rollout_planned(const rollout_run *r, unsigned w)
{
    const gs_scenario_statistics *st = r->env->stats;
    if (w == 0 || w == 100)
        return (uint64_t)ceil(log(1 - st->power) / log(1 - st->min_effect));
    double weights[2] = {100.0 - w, w};
    uint64_t n = 1;
    gs_error ignored = {0};
    if (gs_plan_requests(weights, 2, st->alpha, st->tolerance, st->power, st->min_effect, &n,
                         &ignored) < 0)
        n = GS_PLAN_MAX_REQUESTS;
    return n;
}

/* Records the split check of the window just collected against canary weight |w|; returns the
 * record. */
gs_results_check *gs_rollout_verify(rollout_run *r, const char *kind, const char *label, unsigned w,
                                    const rollout_window *win, double converge_ms)
{
    const gs_scenario_statistics *st = r->env->stats;
    gs_gof_backend rows[3] = {{.weight = 100.0 - w, .count = win->stable},
                              {.weight = w, .count = win->canary},
                              {.weight = 0, .count = win->other}};
    const char *names[3] = {r->plan->stable, r->plan->canary, "(other)"};
    size_t k = win->other ? 3 : 2;
    gs_gof_result gr = {0};
    gs_error err = {0};
    uint64_t n = win->stable + win->canary + win->other;
    int rc = n ? gs_gof_split(rows, k, st->alpha, st->tolerance, st->power, &gr, &err)
               : gs_error_set(&err, GS_ERR_INVALID, "no answered requests to count");
    bool passed = rc == 0 && gr.passed;
    gs_results_check *c = gs_rollout_record(r, kind, passed ? GS_RESULT_PASSED : GS_RESULT_FAILED);
    gs_results_set(&c->expected, "%s %u, %s %u", names[0], 100 - w, names[1], w);
    gs_results_set(&c->observed, "%s %llu, %s %llu, other %llu", names[0],
                   (unsigned long long)win->stable, names[1], (unsigned long long)win->canary,
                   (unsigned long long)win->other);
    if (rc < 0) {
        gs_results_set(&c->message, "%s: %s", label, err.msg);
        r->st.outcome = GS_ROLLOUT_HALTED;
        return c;
    }
    for (size_t i = 0; i < k; i++)
        gs_expect_add_share(c, names[i], &rows[i], 100.0);
    gs_expect_set_gof(c, st, &gr);
    char followed[64] = "";
    if (converge_ms >= 0)
        snprintf(followed, sizeof(followed), " the data plane followed in %.0f ms;", converge_ms);
    gs_results_set(&c->message,
                   "%s:%s canary %.2f%% of %llu (interval "
                   "%.2f-%.2f%%) %s weight %u (alpha %g, power %g for a %.1f%% deviation); %llu "
                   "failed requests during the stage",
                   label, followed, 100 * rows[1].observed_share, (unsigned long long)gr.n,
                   100 * rows[1].ci_low, 100 * rows[1].ci_high,
                   passed ? "agrees with" : "does NOT agree with", w, st->alpha, st->power,
                   100 * gr.detectable, (unsigned long long)r->live.failed_stage);
    if (!passed)
        r->st.outcome = GS_ROLLOUT_HALTED;
    return c;
}

/* Writes canary weight |to| (from |from|), waits for the data plane, verifies the split. */
static int rollout_shift(rollout_run *r, const char *label, unsigned from, unsigned to,
                         gs_error *err)
{
    const gs_scenario_statistics *st = r->env->stats;
    if (r->env->progress)
        r->env->progress(r->env->ctx, label);
    pthread_mutex_lock(&r->live.mu);
    r->live.failed_stage = 0;
    pthread_mutex_unlock(&r->live.mu);
    int64_t t0 = gs_now_ns();
    double apply_ms = 0;
    int rc = gs_rollout_write_route(r, to, &apply_ms, err);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&r->live.mu);
    gs_rollout_sprt_init(&r->live.sprt, from / 100.0, to / 100.0, st->alpha, 1 - st->power);
    r->live.converged = false;
    r->live.seen = r->live.seen_canary = 0;
    rollout_window_open(&r->live, ROLLOUT_CONVERGE, t0);
    pthread_mutex_unlock(&r->live.mu);
    int64_t limit = r->ro->converge_timeout_ns ? r->ro->converge_timeout_ns : r->env->timeout_ns;
    rc = rollout_wait(r, gs_now_ns() + limit, rollout_converged, err);
    if (rc <= 0) {
        if (rc == 0)
            rollout_not_followed(r, label, from, to, gs_now_ns() - t0);
        return rc < 0 ? rc : 0;
    }
    double converge_ms = (double)(r->live.converged_ns - t0) / 1e6;
    (void)apply_ms;
    uint64_t need = gs_rollout_planned(r, to);
    pthread_mutex_lock(&r->live.mu);
    rollout_window_open(&r->live, ROLLOUT_COLLECT, gs_now_ns());
    pthread_mutex_unlock(&r->live.mu);
    r->need_answered = need;
    r->need_ns = 0;
    double rate = r->ro->traffic.rate > 0 ? r->ro->traffic.rate : 1;
    int64_t bound = (int64_t)(2e9 * (double)need / rate) + r->env->timeout_ns;
    rc = rollout_wait(r, gs_now_ns() + bound, rollout_window_full, err);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&r->live.mu);
    rollout_window win = r->live.win;
    win.ended_ns = gs_now_ns();
    int64_t p99_ns = win.canary ? gs_histogram_percentile(win.canary_latency, 99.0) : 0;
    win.canary_latency = NULL;
    r->live.mode = ROLLOUT_IDLE;
    int64_t converged_ns = r->live.converged_ns;
    pthread_mutex_unlock(&r->live.mu);
    gs_results_check *c = gs_rollout_verify(r, "rollout.split", label, to, &win, converge_ms);
    gs_results_rollout_point *p =
        gs_rollout_point(r, label, "split", c->result == GS_RESULT_PASSED ? "verified" : "halted",
                         to, &win, p99_ns, win.started_ns, win.ended_ns);
    p->written_s = gs_rollout_secs(r, t0);
    p->converged_s = gs_rollout_secs(r, converged_ns);
    if (c->result == GS_RESULT_PASSED && r->plan->cookie_name)
        return gs_rollout_affinity_verify(r, label, to, &win, err);
    return 0;
}

/* setBehaviour: the backend's replicas take the new faults through their control endpoint;
 * the traffic goes on. */
static int rollout_set_behaviour(rollout_run *r, const gs_rollout_action *a, gs_error *err)
{
    char label[48];
    gs_rollout_stage_name(a, label);
    if (r->env->progress)
        r->env->progress(r->env->ctx, label);
    if (r->env->set_behaviour == NULL)
        return gs_error_set(err, GS_ERR_INVALID,
                            "rollout: %s: this run cannot change a "
                            "backend's behaviour",
                            label);
    const gs_scenario_behaviour *b = &a->behaviour;
    int rc = r->env->set_behaviour(r->env->ctx, a->backend, b, err);
    if (rc < 0)
        return rc;
    gs_results_check *c = gs_rollout_record(r, "rollout.behaviour", GS_RESULT_PASSED);
    gs_results_set(&c->message,
                   "%s: from now on %.4g%% of its requests answered %d, every answer delayed "
                   "%.1f ms (at canary weight %u)",
                   label, 100 * b->error_rate, b->status ? b->status : 503,
                   (double)b->delay_ns / 1e6, r->st.weight);
    int64_t now = gs_now_ns();
    gs_rollout_point(r, label, "behaviour", "changed", r->st.weight, NULL, 0, now, now);
    gs_rollout_advance(&r->st, r->plan);
    return 0;
}

/* Collects one window of |ns|: its counts (|out|, without the histogram) and the canary's
 * 99th percentile latency (|p99_ns|, 0 without canary responses). */
static int rollout_collect(rollout_run *r, int64_t ns, rollout_window *out, int64_t *p99_ns,
                           gs_error *err)
{
    pthread_mutex_lock(&r->live.mu);
    r->live.failed_stage = 0;
    rollout_window_open(&r->live, ROLLOUT_COLLECT, gs_now_ns());
    pthread_mutex_unlock(&r->live.mu);
    r->need_answered = 0;
    r->need_ns = ns;
    int rc = rollout_wait(r, gs_now_ns() + ns + r->env->timeout_ns, rollout_window_full, err);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&r->live.mu);
    *out = r->live.win;
    out->canary_latency = NULL;
    out->ended_ns = gs_now_ns();
    *p99_ns = out->canary ? gs_histogram_percentile(r->live.win.canary_latency, 99.0) : 0;
    r->live.mode = ROLLOUT_IDLE;
    pthread_mutex_unlock(&r->live.mu);
    return 0;
}

static int rollout_analysis(rollout_run *r, gs_error *err)
{
    if (r->env->progress)
        r->env->progress(r->env->ctx, "analysis");
    rollout_window win;
    gs_rollout_metrics m = {0};
    int rc = rollout_collect(r, r->ro->interval_ns, &win, &m.p99_ns, err);
    if (rc < 0)
        return rc;
    m.responses = win.canary;
    m.ok = win.canary_ok;
    char why[256];
    bool passed = gs_rollout_analyse(r->plan, &m, why, sizeof(why));
    gs_rollout_judged(&r->st, r->plan, passed);
    gs_results_check *c = gs_rollout_record(r, "rollout.analysis", GS_RESULT_PASSED);
    unsigned threshold = r->plan->threshold ? r->plan->threshold : 1;
    gs_results_set(&c->message, "analysis at canary weight %u: %s: %s (failed checks %u of %u)%s",
                   r->st.weight, passed ? "passed" : "failed", why, r->st.failed_checks, threshold,
                   r->st.outcome == GS_ROLLOUT_ROLLED_BACK ? ": rolling back"
                   : passed                                ? ": continue"
                                                           : ": retried next interval");
    gs_results_set(&c->expected, "canary traffic within the analysis thresholds");
    gs_results_set(&c->observed, "%s", why);
    gs_rollout_point(r, "analysis", "analysis",
                     r->st.outcome == GS_ROLLOUT_ROLLED_BACK ? "rollBack"
                     : passed                                ? "continue"
                                                             : "retry",
                     r->st.weight, &win, m.p99_ns, win.started_ns, win.ended_ns);
    return 0;
}

static int rollout_pause(rollout_run *r, const gs_rollout_action *a, gs_error *err)
{
    if (r->env->progress)
        r->env->progress(r->env->ctx, "pause");
    int64_t ns = a->duration_ns ? a->duration_ns : r->ro->interval_ns;
    rollout_window win;
    int64_t p99_ns;
    int rc = rollout_collect(r, ns, &win, &p99_ns, err);
    if (rc < 0)
        return rc;
    gs_results_check *c = gs_rollout_record(r, "rollout.pause", GS_RESULT_PASSED);
    gs_results_set(&c->message, "paused %.1f s at canary weight %u: %llu answered, %llu failed",
                   (double)ns / 1e9, r->st.weight,
                   (unsigned long long)(win.stable + win.canary + win.other),
                   (unsigned long long)win.failed);
    gs_rollout_point(r, "pause", "pause", "continue", r->st.weight, &win, p99_ns, win.started_ns,
                     win.ended_ns);
    gs_rollout_advance(&r->st, r->plan);
    return 0;
}

/* ---- the expectations ---- */

static void rollout_expect(rollout_run *r)
{
    const gs_scenario_rollout *ro = r->ro;
    if (ro->has_outcome || r->st.outcome == GS_ROLLOUT_HALTED) {
        bool ok =
            ro->has_outcome ? r->st.outcome == ro->outcome : r->st.outcome != GS_ROLLOUT_HALTED;
        gs_results_check *c =
            gs_rollout_record(r, "rollout.outcome", ok ? GS_RESULT_PASSED : GS_RESULT_FAILED);
        gs_results_set(&c->expected, "%s",
                       ro->has_outcome ? gs_rollout_outcome_name(ro->outcome) : "not halted");
        gs_results_set(&c->observed, "%s at canary weight %u after %u failed checks",
                       gs_rollout_outcome_name(r->st.outcome), r->st.weight, r->st.failed_checks);
        gs_results_set(&c->message, "the rollout %s", ok ? "ended as expected" : "ended otherwise");
    }
    if (ro->has_max_weight) {
        bool ok = r->st.max_weight == ro->max_weight;
        gs_results_check *c = gs_rollout_record(r, "rollout.maxCanaryWeight",
                                                ok ? GS_RESULT_PASSED : GS_RESULT_FAILED);
        gs_results_set(&c->expected, "%u", ro->max_weight);
        gs_results_set(&c->observed, "%u", r->st.max_weight);
        gs_results_set(&c->message, "the highest canary weight the rollout wrote");
    }
    if (ro->has_failed_requests) {
        bool ok = r->live.failed_total <= ro->failed_requests;
        gs_results_check *c = gs_rollout_record(r, "rollout.failedRequests",
                                                ok ? GS_RESULT_PASSED : GS_RESULT_FAILED);
        gs_results_set(&c->expected, "at most %llu", (unsigned long long)ro->failed_requests);
        gs_results_set(&c->observed, "%llu of %llu%s%s", (unsigned long long)r->live.failed_total,
                       (unsigned long long)r->live.total,
                       r->live.first_failure[0] ? "; first: " : "", r->live.first_failure);
        gs_results_set(&c->message,
                       "requests that failed for causes other than the backends' injected faults "
                       "(no response, or a response no backend gave)");
    }
}

/* ---- the controller ---- */

static int rollout_steps(rollout_run *r, gs_error *err)
{
    int rc = r->ro->route_yaml ? rollout_adopt_route(r, err) : 0;
    if (rc == 0)
        rc = rollout_shift(r, "initial route (stable 100, canary 0)", 0, 0, err);
    while (rc == 0 && r->st.outcome == GS_ROLLOUT_RUNNING) {
        const gs_rollout_action *a = &r->plan->actions[r->st.next];
        char name[48];
        switch (a->kind) {
        case GS_ROLLOUT_SET_WEIGHT:
            rc = rollout_shift(r, gs_rollout_stage_name(a, name), r->st.weight, a->weight, err);
            if (rc == 0 && r->st.outcome == GS_ROLLOUT_RUNNING)
                rc = gs_rollout_probe_headers(r, name, err);
            if (rc == 0 && r->st.outcome == GS_ROLLOUT_RUNNING)
                rc = gs_rollout_unmatched(r, name, err);
            if (rc == 0 && r->st.outcome == GS_ROLLOUT_RUNNING)
                rc = gs_rollout_probe_mirrors(r, name, err);
            if (rc == 0 && r->st.outcome == GS_ROLLOUT_RUNNING)
                gs_rollout_advance(&r->st, r->plan);
            else if (rc == 0) { /* halted there: the weight was written all the same */
                r->st.weight = a->weight;
                if (a->weight > r->st.max_weight)
                    r->st.max_weight = a->weight;
            }
            break;
        case GS_ROLLOUT_PAUSE:
            rc = rollout_pause(r, a, err);
            break;
        case GS_ROLLOUT_ANALYSIS:
            rc = rollout_analysis(r, err);
            break;
        case GS_ROLLOUT_SET_HEADER_ROUTE:
            rc = gs_rollout_header_step(r, a, err);
            break;
        case GS_ROLLOUT_SET_MIRROR_ROUTE:
            if (a->noop)
                gs_rollout_mirror_noop(r, a);
            else
                rc = gs_rollout_mirror_step(r, a, err);
            break;
        case GS_ROLLOUT_SET_BEHAVIOUR:
            rc = rollout_set_behaviour(r, a, err);
            break;
        }
    }
    if (rc < 0 || r->st.outcome == GS_ROLLOUT_HALTED)
        return rc;
    /* Promotion (the stable Service now runs the canary's version) and rollback both end with
     * all traffic on the stable Service. */
    gs_rollout_outcome outcome = r->st.outcome;
    const char *end = outcome == GS_ROLLOUT_PROMOTED ? "promotion" : "rollback";
    char label[48];
    snprintf(label, sizeof(label), "%s (stable 100, canary 0)", end);
    /* Both remove the managed rules (the plugin's RemoveManagedRoutes): header traffic goes
     * back to the stable Service, verified below. */
    size_t ended = r->n_headers, mirrors_ended = r->n_mirrors;
    r->n_headers = 0;
    r->n_mirrors = 0;
    rc = rollout_shift(r, label, r->st.weight, 0, err);
    if (rc == 0)
        rc = gs_rollout_headers_removed(r, end, ended, err);
    if (rc == 0)
        rc = gs_rollout_mirrors_removed(r, end, mirrors_ended, err);
    if (rc == 0 && r->st.outcome == GS_ROLLOUT_HALTED)
        return 0;
    r->st.outcome = outcome;
    return rc;
}

int gs_rollout_run(const gs_rollout_env *env, const gs_scenario_rollout *ro, gs_results_step *rst,
                   gs_error *err)
{
    rollout_run r = {.env = env, .ro = ro, .plan = &ro->plan, .rst = rst};
    r.t_start = gs_now_ns();
    r.tl = gs_results_step_rollout(rst);
    gs_results_set(&r.tl->tool, "%s", ro->source_tool ? ro->source_tool : "plan");
    r.tl->alpha = env->stats->alpha;
    pthread_mutex_init(&r.live.mu, NULL);
    r.live.stable = ro->plan.stable;
    r.live.canary = ro->plan.canary;
    r.live.cookie_name = ro->plan.cookie_name;
    r.live.primary_cookie_name = ro->plan.primary_cookie_name;
    gs_histogram_new(&r.live.win.canary_latency);
    r.headers = gs_xcalloc(ro->plan.n_actions + 1, sizeof(*r.headers));
    r.mirrors = gs_xcalloc(ro->plan.n_actions + 1, sizeof(*r.mirrors));
    r.noops = gs_xcalloc(ro->plan.n_actions + 1, sizeof(*r.noops));
    int rc = rollout_traffic_start(&r, err);
    if (rc == 0)
        rc = rollout_steps(&r, err);
    gs_error stop_err = {0};
    int stop_rc = rollout_traffic_stop(&r, &stop_err);
    if (rc == 0 && stop_rc < 0) {
        *err = stop_err;
        rc = stop_rc;
    }
    if (rc == 0 && r.st.outcome != GS_ROLLOUT_RUNNING)
        gs_results_set(&r.tl->outcome, "%s", gs_rollout_outcome_name(r.st.outcome));
    if (rc == 0) {
        rollout_expect(&r);
        gs_expect_fill_traffic(&rst->traffic, r.res);
    }
    gs_traffic_result_free(r.res);
    free(r.address);
    free(r.authority);
    free(r.headers);
    free(r.mirrors);
    free(r.noops);
    gs_histogram_free(r.live.win.canary_latency);
    pthread_mutex_destroy(&r.live.mu);
    return rc < 0 ? rc : (int)r.failed;
}
