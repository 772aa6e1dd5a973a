/* SPDX-License-Identifier: MIT */
/* Decodes a step's `rollout:` block and the `expect` that goes with it (docs/scenario.md,
 * docs/rollout.md): the inline `plan` in gatesim's words, the interval, the live traffic, and
 * what the rollout must end with. Every problem is reported at its position with its path. */
#include "gs_rollout.h"
#include "scenario_priv.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_decode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One setHeaderRoute `match` entry: {headerName, headerValue: {exact|prefix|regex}}. */
static void rd_header_match(gs_decoder *d, gs_yaml_stream *arena, const gs_yaml_node *n,
                            gs_rollout_header_match *m)
{
    static const char *const fields[] = {"headerName", "headerValue", NULL};
    static const char *const kinds[] = {"exact", "prefix", "regex", NULL};
    const char *name = NULL;
    gs_dec_check_fields(d, n, fields);
    if (gs_dec_string(d, n, "headerName", true, &name))
        m->name = gs_yaml_strdup(arena, name);
    gs_yaml_node *hv = gs_dec_map(d, n, "headerValue", true);
    if (hv == NULL || hv->kind != GS_YAML_MAPPING)
        return;
    gs_dec_push(d, "headerValue");
    gs_dec_check_fields(d, hv, kinds);
    size_t given = 0;
    for (size_t k = 0; kinds[k]; k++) {
        const char *v = NULL;
        if (gs_dec_string(d, hv, kinds[k], false, &v) && v[0]) {
            m->type = (gs_rollout_match_type)k;
            m->value = gs_yaml_strdup(arena, v);
            given++;
        }
    }
    if (given != 1)
        gs_dec_error(d, hv, "give exactly one non-empty value of exact, prefix, regex");
    gs_dec_pop(d);
}

/* A {exact|prefix|regex} string match into |type| and |value|. */
static void rd_string_match(gs_decoder *d, gs_yaml_stream *arena, const gs_yaml_node *n,
                            gs_rollout_match_type *type, const char **value)
{
    static const char *const kinds[] = {"exact", "prefix", "regex", NULL};
    gs_dec_check_fields(d, n, kinds);
    size_t given = 0;
    for (size_t k = 0; kinds[k]; k++) {
        const char *v = NULL;
        if (gs_dec_string(d, n, kinds[k], false, &v) && v[0]) {
            *type = (gs_rollout_match_type)k;
            *value = gs_yaml_strdup(arena, v);
            given++;
        }
    }
    if (given != 1)
        gs_dec_error(d, n, "give exactly one non-empty value of exact, prefix, regex");
}

/* One setMirrorRoute `match` entry of an inline plan: {method: {exact}, path, headers}. */
static void rd_mirror_match(gs_decoder *d, gs_yaml_stream *arena, const gs_yaml_node *n,
                            gs_rollout_mirror_match *m)
{
    static const char *const fields[] = {"method", "path", "headers", NULL};
    gs_dec_check_fields(d, n, fields);
    gs_yaml_node *meth = gs_dec_map(d, n, "method", false);
    if (meth && meth->kind == GS_YAML_MAPPING) {
        static const char *const exact[] = {"exact", NULL};
        gs_dec_push(d, "method");
        gs_dec_check_fields(d, meth, exact);
        const char *v = NULL;
        if (gs_dec_string(d, meth, "exact", true, &v))
            m->method = gs_yaml_strdup(arena, v);
        gs_dec_pop(d);
    }
    gs_yaml_node *path = gs_dec_map(d, n, "path", false);
    if (path && path->kind == GS_YAML_MAPPING) {
        gs_dec_push(d, "path");
        rd_string_match(d, arena, path, &m->path_type, &m->path);
        gs_dec_pop(d);
    }
    gs_yaml_node *hs = gs_dec_map(d, n, "headers", false);
    if (hs && hs->kind == GS_YAML_MAPPING) {
        m->headers = gs_yaml_alloc(arena, (hs->npairs + 1) * sizeof(*m->headers));
        gs_dec_push(d, "headers");
        for (size_t i = 0; i < hs->npairs; i++) {
            const char *name = gs_yaml_str(hs->pairs[i].key);
            gs_yaml_node *v = hs->pairs[i].value;
            if (name == NULL || !gs_dec_expect(d, v, GS_YAML_T_MAP))
                continue;
            gs_rollout_header_match *h = &m->headers[m->n_headers++];
            h->name = gs_yaml_strdup(arena, name);
            gs_dec_push(d, name);
            rd_string_match(d, arena, v, &h->type, &h->value);
            gs_dec_pop(d);
        }
        gs_dec_pop(d);
    }
    if (!m->method && !m->path && !m->n_headers)
        gs_dec_error(d, n, "a match entry needs method, path or headers");
}

static void rd_mirror(gs_decoder *d, gs_yaml_stream *arena, const gs_yaml_node *v,
                      gs_rollout_action *a)
{
    gs_yaml_node *match = gs_dec_seq(d, v, "match", false);
    if (match == NULL || match->kind != GS_YAML_SEQUENCE)
        return;
    a->mirror = gs_yaml_alloc(arena, (match->nitems + 1) * sizeof(*a->mirror));
    gs_dec_push(d, "match");
    for (size_t i = 0; i < match->nitems; i++) {
        gs_dec_push_index(d, i);
        if (gs_dec_expect(d, match->items[i], GS_YAML_T_MAP))
            rd_mirror_match(d, arena, match->items[i], &a->mirror[a->n_mirror++]);
        gs_dec_pop(d);
    }
    gs_dec_pop(d);
}

void gs_rollout_dec_managed(gs_decoder *d, gs_yaml_stream *arena, const gs_yaml_node *v,
                            bool header, gs_rollout_action *a)
{
    static const char *const hfields[] = {"name", "match", NULL};
    static const char *const mfields[] = {"name", "percentage", "match", NULL};
    a->kind = header ? GS_ROLLOUT_SET_HEADER_ROUTE : GS_ROLLOUT_SET_MIRROR_ROUTE;
    gs_dec_check_fields(d, v, header ? hfields : mfields);
    const char *name = NULL;
    if (gs_dec_string(d, v, "name", true, &name))
        a->route = gs_yaml_strdup(arena, name);
    if (!header) {
        int64_t pct = 100; /* Argo's default: every matching request */
        gs_dec_int(d, v, "percentage", false, 0, 100, &pct);
        a->weight = (unsigned)pct;
        return;
    }
    gs_yaml_node *match = gs_dec_seq(d, v, "match", false);
    if (match == NULL || match->kind != GS_YAML_SEQUENCE)
        return;
    a->matches = gs_yaml_alloc(arena, (match->nitems + 1) * sizeof(*a->matches));
    gs_dec_push(d, "match");
    for (size_t i = 0; i < match->nitems; i++) {
        gs_dec_push_index(d, i);
        if (gs_dec_expect(d, match->items[i], GS_YAML_T_MAP))
            rd_header_match(d, arena, match->items[i], &a->matches[a->n_matches++]);
        gs_dec_pop(d);
    }
    gs_dec_pop(d);
}

const char *gs_rollout_dec_service(scenario_decoder *sd, const gs_yaml_node *source,
                                   const char *tool, const char *ns, const char *svc,
                                   const char **name)
{
    char *full = gs_xasprintf("%s/%s", ns, svc);
    const char *s = gs_yaml_strdup(sd->stream, full);
    free(full);
    *name = strchr(s, '/') + 1;
    const gs_scenario *sc = sd->sc;
    for (size_t i = 0; i < sc->n_backends; i++)
        if (strcmp(sc->backends[i].ns, ns) == 0 && strcmp(sc->backends[i].name, *name) == 0)
            return s;
    gs_dec_error_field(&sd->d, source, "source",
                       "%s routes to Service %s: declare it in "
                       "spec.backends",
                       tool, s);
    return s;
}

const char *gs_rollout_dec_object_begin(scenario_decoder *sd, gs_decoder *d,
                                        const gs_yaml_node *object, const char *kind)
{
    gs_decoder_init(d, sd->d.diags);
    const gs_yaml_node *meta = gs_yaml_get(object, "metadata");
    const char *name = gs_yaml_str(gs_yaml_get(meta, "name"));
    const char *ns = gs_yaml_str(gs_yaml_get(meta, "namespace"));
    const char *the_ns = gs_yaml_strdup(sd->stream, ns && ns[0] ? ns : "default");
    gs_decoder_set_object(d, kind, the_ns, name);
    return the_ns;
}

void gs_rollout_dec_object_end(scenario_decoder *sd, gs_decoder *d, const char *kind,
                               const char *tool, gs_scenario_rollout *ro)
{
    if (ro != NULL) {
        ro->source_kind = kind;
        ro->source_tool = tool;
    }
    sd->d.nerrors += d->nerrors;
    gs_decoder_release(d);
}

/* `setBehaviour: {backend, behaviour: {delay, errorRate, status}}`. */
static void rd_set_behaviour(scenario_decoder *sd, const gs_yaml_node *item, gs_rollout_action *a)
{
    static const char *const fields[] = {"backend", "behaviour", NULL};
    a->kind = GS_ROLLOUT_SET_BEHAVIOUR;
    gs_yaml_node *body = gs_dec_map(&sd->d, item, "setBehaviour", true);
    if (body == NULL || body->kind != GS_YAML_MAPPING)
        return;
    gs_dec_push(&sd->d, "setBehaviour");
    gs_dec_check_fields(&sd->d, body, fields);
    gs_yaml_node *n = gs_dec_field(&sd->d, body, "backend", true);
    if (n)
        a->backend = gs_scenario_dec_backend_ref(sd, n, "backend");
    gs_yaml_node *beh = gs_dec_map(&sd->d, body, "behaviour", true);
    if (beh && beh->kind == GS_YAML_MAPPING) {
        gs_dec_push(&sd->d, "behaviour");
        gs_scenario_dec_behaviour(sd, beh, &a->behaviour);
        gs_dec_pop(&sd->d);
    }
    gs_dec_pop(&sd->d);
}

static void rd_action(scenario_decoder *sd, const gs_yaml_node *item, gs_rollout_action *a)
{
    static const char *const fields[] = {
        "setWeight", "pause", "analysis", "setHeaderRoute", "setMirrorRoute", "setBehaviour", NULL};
    static const char *const pfields[] = {"duration", NULL};
    a->pos = item->pos;
    if (!gs_dec_check_fields(&sd->d, item, fields))
        return;
    if (item->npairs != 1) {
        gs_dec_error(&sd->d, item,
                     "give exactly one of setWeight, pause, analysis, setHeaderRoute, "
                     "setMirrorRoute, setBehaviour");
        return;
    }
    int64_t v;
    if (gs_dec_int(&sd->d, item, "setWeight", false, 0, 100, &v)) {
        a->kind = GS_ROLLOUT_SET_WEIGHT;
        a->weight = (unsigned)v;
    } else if (gs_yaml_get(item, "setBehaviour")) {
        rd_set_behaviour(sd, item, a);
    } else if (gs_yaml_get(item, "setHeaderRoute") || gs_yaml_get(item, "setMirrorRoute")) {
        bool header = gs_yaml_get(item, "setHeaderRoute") != NULL;
        const char *key = header ? "setHeaderRoute" : "setMirrorRoute";
        gs_yaml_node *body = gs_dec_map(&sd->d, item, key, true);
        if (body && body->kind == GS_YAML_MAPPING) {
            gs_dec_push(&sd->d, key);
            gs_rollout_dec_managed(&sd->d, sd->stream, body, header, a);
            if (!header)
                rd_mirror(&sd->d, sd->stream, body, a);
            gs_dec_pop(&sd->d);
        }
    } else if (gs_yaml_get(item, "pause")) {
        a->kind = GS_ROLLOUT_PAUSE;
        gs_yaml_node *p = gs_dec_map(&sd->d, item, "pause", false);
        if (p && p->kind == GS_YAML_MAPPING) {
            gs_dec_push(&sd->d, "pause");
            gs_dec_check_fields(&sd->d, p, pfields);
            if (gs_dec_duration(&sd->d, p, "duration", false, &a->duration_ns) &&
                a->duration_ns < 0)
                gs_dec_error_field(&sd->d, gs_yaml_get(p, "duration"), "duration",
                                   "must not be negative");
            gs_dec_pop(&sd->d);
        }
    } else if (gs_yaml_get(item, "analysis")) {
        a->kind = GS_ROLLOUT_ANALYSIS;
        gs_yaml_node *an = gs_dec_map(&sd->d, item, "analysis", false);
        if (an && an->npairs) {
            gs_dec_push(&sd->d, "analysis");
            gs_dec_error(&sd->d, an,
                         "an analysis step takes no fields: the thresholds are the plan's "
                         "`analysis`");
            gs_dec_pop(&sd->d);
        }
    }
}

static void rd_thresholds(scenario_decoder *sd, const gs_yaml_node *plan, gs_rollout_plan *p)
{
    static const char *const fields[] = {"successRate", "p99", NULL};
    gs_yaml_node *an = gs_dec_map(&sd->d, plan, "analysis", false);
    if (an == NULL || an->kind != GS_YAML_MAPPING)
        return;
    gs_dec_push(&sd->d, "analysis");
    gs_dec_check_fields(&sd->d, an, fields);
    gs_dec_double(&sd->d, an, "successRate", false, 0, 100, &p->min_success_rate);
    if (gs_dec_duration(&sd->d, an, "p99", false, &p->max_p99_ns) && p->max_p99_ns <= 0)
        gs_dec_error_field(&sd->d, gs_yaml_get(an, "p99"), "p99", "must be positive");
    gs_dec_pop(&sd->d);
}

/* "ns/name" of a declared backend into |ns|, |name| and |full|. */
static void rd_backend(scenario_decoder *sd, const gs_yaml_node *plan, const char *key,
                       const char **ns, const char **name, const char **full)
{
    gs_yaml_node *n = gs_dec_field(&sd->d, plan, key, true);
    if (n && (*full = gs_scenario_dec_backend_ref(sd, n, key)) != NULL)
        gs_scenario_dec_ref(sd, n, key, false, ns, name);
}

static void rd_plan(scenario_decoder *sd, const gs_yaml_node *plan, gs_rollout_plan *p)
{
    static const char *const fields[] = {"route",     "rule",     "stable", "canary",
                                         "threshold", "analysis", "steps",  NULL};
    gs_dec_check_fields(&sd->d, plan, fields);
    gs_yaml_node *route = gs_dec_field(&sd->d, plan, "route", true);
    if (route)
        gs_scenario_dec_ref(sd, route, "route", true, &p->route_ns, &p->route_name);
    int64_t v;
    if (gs_dec_int(&sd->d, plan, "rule", false, 0, 63, &v)) {
        p->has_rule = true;
        p->rule = (unsigned)v;
    }
    rd_backend(sd, plan, "stable", &p->stable_ns, &p->stable_name, &p->stable);
    rd_backend(sd, plan, "canary", &p->canary_ns, &p->canary_name, &p->canary);
    if (p->stable && p->canary && strcmp(p->stable, p->canary) == 0)
        gs_dec_error_field(&sd->d, gs_yaml_get(plan, "canary"), "canary",
                           "the canary must be another Service than the stable one");
    p->threshold = 1;
    if (gs_dec_int(&sd->d, plan, "threshold", false, 1, 1000, &v))
        p->threshold = (unsigned)v;
    rd_thresholds(sd, plan, p);
    gs_yaml_node *steps = gs_dec_seq(&sd->d, plan, "steps", true);
    if (steps == NULL || steps->kind != GS_YAML_SEQUENCE)
        return;
    if (steps->nitems == 0)
        gs_dec_error_field(&sd->d, steps, "steps", "at least one step is required");
    p->actions = gs_yaml_alloc(sd->stream, (steps->nitems + 1) * sizeof(*p->actions));
    bool analysed = false;
    gs_dec_push(&sd->d, "steps");
    for (size_t i = 0; i < steps->nitems; i++) {
        gs_dec_push_index(&sd->d, i);
        if (gs_dec_expect(&sd->d, steps->items[i], GS_YAML_T_MAP)) {
            rd_action(sd, steps->items[i], &p->actions[p->n_actions]);
            analysed |= p->actions[p->n_actions].kind == GS_ROLLOUT_ANALYSIS;
            p->n_actions++;
        }
        gs_dec_pop(&sd->d);
    }
    gs_dec_pop(&sd->d);
    if (analysed && isnan(p->min_success_rate) && p->max_p99_ns == 0)
        gs_dec_error_field(&sd->d, plan, "analysis",
                           "Required value: analysis steps need thresholds {successRate, p99}");
}

static void rd_expect(scenario_decoder *sd, const gs_yaml_node *exp, gs_scenario_rollout *ro)
{
    static const char *const fields[] = {"outcome", "maxCanaryWeight", "failedRequests", NULL};
    static const char *const outcomes[] = {"promoted", "rolledBack", NULL};
    ro->expect_pos = exp->pos;
    gs_dec_check_fields(&sd->d, exp, fields);
    int o;
    if (gs_dec_enum(&sd->d, exp, "outcome", false, outcomes, &o)) {
        ro->has_outcome = true;
        ro->outcome = o == 0 ? GS_ROLLOUT_PROMOTED : GS_ROLLOUT_ROLLED_BACK;
    }
    int64_t v;
    if (gs_dec_int(&sd->d, exp, "maxCanaryWeight", false, 0, 100, &v)) {
        ro->has_max_weight = true;
        ro->max_weight = (unsigned)v;
    }
    if (gs_dec_int(&sd->d, exp, "failedRequests", false, 0, INT64_MAX, &v)) {
        ro->has_failed_requests = true;
        ro->failed_requests = (uint64_t)v;
    }
    if (exp->npairs == 0)
        gs_dec_error(&sd->d, exp,
                     "nothing to check: give outcome, maxCanaryWeight or "
                     "failedRequests");
}

static void rd_traffic(scenario_decoder *sd, const gs_yaml_node *m, gs_scenario_send *t)
{
    gs_yaml_node *tr = gs_dec_map(&sd->d, m, "traffic", true);
    if (tr == NULL || tr->kind != GS_YAML_MAPPING)
        return;
    gs_dec_push(&sd->d, "traffic");
    gs_scenario_dec_send(sd, tr, t);
    if (gs_yaml_get(tr, "requests"))
        gs_dec_error_field(&sd->d, gs_yaml_get(tr, "requests"), "requests",
                           "traffic runs for the whole rollout: give its rate, not a count");
    if (!gs_yaml_get(tr, "rate"))
        gs_dec_error_field(&sd->d, tr, "rate",
                           "Required value: the rollout's traffic is open loop (requests/s)");
    gs_dec_pop(&sd->d);
}

/* An Argo Rollout's analysis steps run AnalysisTemplates, which query external systems: the
 * rehearsal judges gatesim's own measurements against the step's thresholds instead. */
static void rd_argo_thresholds_given(scenario_decoder *sd, const gs_yaml_node *rn,
                                     const gs_scenario_rollout *ro)
{
    const gs_rollout_plan *p = &ro->plan;
    bool analysed = false;
    for (size_t i = 0; i < p->n_actions; i++)
        analysed |= p->actions[i].kind == GS_ROLLOUT_ANALYSIS;
    if (analysed && isnan(p->min_success_rate) && p->max_p99_ns == 0)
        gs_dec_error_field(&sd->d, rn, "analysis",
                           "Required value: the Rollout's analysis steps run AnalysisTemplates "
                           "(external metrics, not rehearsed): give thresholds {successRate, p99} "
                           "to judge gatesim's own measurements instead");
}

/* One `faults` entry: {atWeight, backend, behaviour}, inserted into the plan as a setBehaviour
 * action before its first setWeight to at least atWeight. */
static void rd_fault(scenario_decoder *sd, const gs_yaml_node *f, gs_rollout_action *actions,
                     size_t *n)
{
    static const char *const fields[] = {"atWeight", "backend", "behaviour", NULL};
    gs_dec_check_fields(&sd->d, f, fields);
    gs_rollout_action a = {.kind = GS_ROLLOUT_SET_BEHAVIOUR, .pos = f->pos};
    gs_yaml_node *b = gs_dec_field(&sd->d, f, "backend", true);
    if (b)
        a.backend = gs_scenario_dec_backend_ref(sd, b, "backend");
    gs_yaml_node *beh = gs_dec_map(&sd->d, f, "behaviour", true);
    if (beh && beh->kind == GS_YAML_MAPPING) {
        gs_dec_push(&sd->d, "behaviour");
        gs_scenario_dec_behaviour(sd, beh, &a.behaviour);
        gs_dec_pop(&sd->d);
    }
    int64_t w;
    if (!gs_dec_int(&sd->d, f, "atWeight", true, 1, 100, &w))
        return;
    size_t at = *n;
    for (size_t i = 0; i < *n && at == *n; i++)
        if (actions[i].kind == GS_ROLLOUT_SET_WEIGHT && actions[i].weight >= (unsigned)w)
            at = i;
    if (at == *n) {
        gs_buf ws = {0};
        for (size_t i = 0; i < *n; i++)
            if (actions[i].kind == GS_ROLLOUT_SET_WEIGHT)
                gs_buf_printf(&ws, "%s%u", ws.len ? ", " : "", actions[i].weight);
        gs_dec_error_field(&sd->d, gs_yaml_get(f, "atWeight"), "atWeight",
                           "the plan never writes a canary weight of %lld or more (its weights: "
                           "%s)",
                           (long long)w, ws.len ? ws.data : "none");
        gs_buf_clear(&ws);
        return;
    }
    memmove(&actions[at + 1], &actions[at], (*n - at) * sizeof(*actions));
    actions[at] = a;
    (*n)++;
}

/* `faults:` a backend's behaviour changed during the rollout, whatever wrote the plan (an
 * inline plan, a Flagger Canary, an Argo Rollout): each becomes a setBehaviour action before
 * the plan's first setWeight to at least its atWeight. */
static void rd_faults(scenario_decoder *sd, const gs_yaml_node *rn, gs_rollout_plan *p)
{
    gs_yaml_node *faults = gs_dec_seq(&sd->d, rn, "faults", false);
    if (faults == NULL || faults->kind != GS_YAML_SEQUENCE || faults->nitems == 0)
        return;
    gs_rollout_action *actions =
        gs_yaml_alloc(sd->stream, (p->n_actions + faults->nitems + 1) * sizeof(*actions));
    if (p->n_actions)
        memcpy(actions, p->actions, p->n_actions * sizeof(*actions));
    size_t n = p->n_actions;
    gs_dec_push(&sd->d, "faults");
    for (size_t i = 0; i < faults->nitems; i++) {
        gs_dec_push_index(&sd->d, i);
        if (gs_dec_expect(&sd->d, faults->items[i], GS_YAML_T_MAP))
            rd_fault(sd, faults->items[i], actions, &n);
        gs_dec_pop(&sd->d);
    }
    gs_dec_pop(&sd->d);
    p->actions = actions;
    p->n_actions = n;
}

/* `source: {path}`: the rollout tool's object, translated to the plan. */
static void rd_source(scenario_decoder *sd, const gs_yaml_node *src, gs_scenario_rollout *ro)
{
    static const char *const fields[] = {"path", NULL};
    gs_dec_check_fields(&sd->d, src, fields);
    const char *p = NULL;
    if (!gs_dec_string(&sd->d, src, "path", true, &p))
        return;
    const gs_yaml_node *pn = gs_yaml_get(src, "path");
    ro->source_path = gs_scenario_dec_path(sd, pn, "path", p);
    gs_yaml_stream *s = NULL;
    gs_error err = {0};
    if (gs_yaml_parse_file(&s, ro->source_path, &err) < 0) {
        gs_dec_error_field(&sd->d, pn, "path", "%s", err.msg);
        return;
    }
    const gs_yaml_node *canary = NULL, *rollout = NULL;
    for (size_t i = 0; i < s->ndocs && canary == NULL && rollout == NULL; i++) {
        const char *api = gs_yaml_str(gs_yaml_get(s->docs[i], "apiVersion"));
        const char *kind = gs_yaml_str(gs_yaml_get(s->docs[i], "kind"));
        if (api && kind && strncmp(api, "flagger.app/", 12) == 0 && strcmp(kind, "Canary") == 0)
            canary = s->docs[i];
        else if (api && kind && strncmp(api, "argoproj.io/", 12) == 0 &&
                 strcmp(kind, "Rollout") == 0)
            rollout = s->docs[i];
    }
    if (canary)
        gs_rollout_flagger_plan(sd, src, canary, ro);
    else if (rollout)
        gs_rollout_argo_plan(sd, src, rollout, ro);
    else
        gs_dec_error_field(&sd->d, pn, "path",
                           "%s holds no Flagger Canary (flagger.app/v1beta1 Canary) and no Argo "
                           "Rollout (argoproj.io/v1alpha1 Rollout)",
                           p);
    gs_yaml_stream_free(s);
}

void gs_scenario_decode_rollout(scenario_decoder *sd, const gs_yaml_node *m, gs_scenario_step *st)
{
    static const char *const fields[] = {"plan",    "source",   "interval", "convergenceTimeout",
                                         "traffic", "analysis", "faults",   NULL};
    gs_yaml_node *rn = gs_dec_map(&sd->d, m, "rollout", false);
    if (rn == NULL || rn->kind != GS_YAML_MAPPING)
        return;
    gs_scenario_rollout *ro = gs_yaml_alloc(sd->stream, sizeof(*ro));
    ro->pos = rn->pos;
    ro->plan.min_success_rate = NAN;
    ro->interval_ns = 1000000000;
    gs_dec_push(&sd->d, "rollout");
    gs_dec_check_fields(&sd->d, rn, fields);
    if (gs_dec_duration(&sd->d, rn, "interval", false, &ro->interval_ns)) {
        ro->has_interval = true;
        if (ro->interval_ns <= 0)
            gs_dec_error_field(&sd->d, gs_yaml_get(rn, "interval"), "interval", "must be positive");
    }
    gs_yaml_node *plan = gs_dec_map(&sd->d, rn, "plan", false);
    gs_yaml_node *src = gs_dec_map(&sd->d, rn, "source", false);
    if (plan && src)
        gs_dec_error_field(&sd->d, src, "source", "give plan or source, not both");
    else if (!plan && !src && !gs_yaml_get(rn, "plan") && !gs_yaml_get(rn, "source"))
        gs_dec_error_field(&sd->d, rn, "plan",
                           "Required value: a plan, or a source to read it from");
    if (plan && plan->kind == GS_YAML_MAPPING) {
        gs_dec_push(&sd->d, "plan");
        rd_plan(sd, plan, &ro->plan);
        gs_dec_pop(&sd->d);
    } else if (src && src->kind == GS_YAML_MAPPING) {
        gs_dec_push(&sd->d, "source");
        rd_source(sd, src, ro);
        gs_dec_pop(&sd->d);
    }
    if (plan && gs_yaml_get(rn, "analysis"))
        gs_dec_error_field(&sd->d, gs_yaml_get(rn, "analysis"), "analysis",
                           "give the thresholds in the plan's own analysis");
    else if (src) /* the source's thresholds, or in place of AnalysisTemplates */
        rd_thresholds(sd, rn, &ro->plan);
    if (src && ro->source_tool && strcmp(ro->source_tool, "Argo Rollouts") == 0)
        rd_argo_thresholds_given(sd, rn, ro);
    rd_faults(sd, rn, &ro->plan);
    if (gs_dec_duration(&sd->d, rn, "convergenceTimeout", false, &ro->converge_timeout_ns) &&
        ro->converge_timeout_ns <= 0)
        gs_dec_error_field(&sd->d, gs_yaml_get(rn, "convergenceTimeout"), "convergenceTimeout",
                           "must be positive");
    rd_traffic(sd, rn, &ro->traffic);
    gs_dec_pop(&sd->d);

    const char *const others[] = {"send", "apply", "delete", "expectStatus"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        if (gs_yaml_get(m, others[i]))
            gs_dec_error_field(&sd->d, gs_yaml_get(m, others[i]), others[i],
                               "a rollout step does nothing else: put %s in a step of its own",
                               others[i]);
    gs_yaml_node *exp = gs_dec_map(&sd->d, m, "expect", false);
    if (exp && exp->kind == GS_YAML_MAPPING) {
        gs_dec_push(&sd->d, "expect");
        rd_expect(sd, exp, ro);
        gs_dec_pop(&sd->d);
    }
    st->rollout = ro;
}
