/* SPDX-License-Identifier: MIT */
/* An Argo Rollout (argoproj.io/v1alpha1) routed by the argoproj-labs/gatewayAPI traffic-router
 * plugin, as a rollout plan with the plugin's semantics (docs/rollout.md, "Argo Rollouts"):
 *   - canaryService / stableService in the Rollout's namespace, the HTTPRoute named by the
 *     plugin's `httpRoute` (or the one entry of `httpRoutes`) in its `namespace`;
 *   - the user's route is patched, never rewritten (no route_yaml);
 *   - steps setWeight, pause, analysis (judged by the step's thresholds: AnalysisTemplates query
 *     external systems), setHeaderRoute (a managed rule; its name listed in managedRoutes),
 *     setMirrorRoute (a no-op in the plugin: rehearsed as one);
 *   - threshold 1: a failed AnalysisRun aborts the rollout.
 * What the rehearsal does not play (setCanaryScale, experiments, step plugins, background
 * analysis) is a warning; other routers and route kinds are errors. This file only translates:
 * the run is gs_rollout_run.c's. */
#include "gs_rollout.h"
#include "scenario_priv.h"

#include "gs_decode.h"

#include <string.h>

#define ARGO_PLUGIN "argoproj-labs/gatewayAPI"

typedef struct argo_dec {
    scenario_decoder *sd; /* the scenario's decoder: its arena, its backends */
    gs_decoder d;         /* problems at the Rollout's own positions */
    const char *ns;
    const gs_yaml_node *managed; /* strategy.canary.trafficRouting.managedRoutes */
} argo_dec;

/* The plugin's configuration: which HTTPRoute, in which namespace. */
static void argo_route(argo_dec *a, const gs_yaml_node *tr, gs_rollout_plan *p)
{
    static const char *const fields[] = {"httpRoute",
                                         "httpRoutes",
                                         "namespace",
                                         "grpcRoute",
                                         "grpcRoutes",
                                         "tcpRoute",
                                         "tcpRoutes",
                                         "tlsRoute",
                                         "tlsRoutes",
                                         "configMap",
                                         "httpRouteSelector",
                                         "disableInProgressLabel",
                                         "inProgressLabelKey",
                                         "inProgressLabelValue",
                                         NULL};
    static const char *const other_kinds[] = {"grpcRoute",         "grpcRoutes", "tcpRoute",
                                              "tcpRoutes",         "tlsRoute",   "tlsRoutes",
                                              "httpRouteSelector", NULL};
    const gs_yaml_node *plugins = gs_dec_map(&a->d, tr, "plugins", true);
    for (size_t i = 0; plugins && plugins->kind == GS_YAML_MAPPING && i < plugins->npairs; i++)
        if (!gs_yaml_scalar_eq(plugins->pairs[i].key, ARGO_PLUGIN))
            gs_dec_error_field(&a->d, plugins->pairs[i].key, "plugins",
                               "%s: only the " ARGO_PLUGIN " plugin is rehearsed",
                               plugins->pairs[i].key->str);
    const gs_yaml_node *cfg = plugins ? gs_yaml_get(plugins, ARGO_PLUGIN) : NULL;
    if (cfg == NULL || cfg->kind != GS_YAML_MAPPING) {
        gs_dec_error_field(&a->d, plugins ? plugins : tr, "plugins",
                           "Required value: the " ARGO_PLUGIN " traffic-router plugin");
        return;
    }
    gs_dec_push(&a->d, "plugins");
    gs_dec_push_key(&a->d, ARGO_PLUGIN);
    gs_dec_check_fields(&a->d, cfg, fields);
    for (size_t i = 0; other_kinds[i]; i++)
        if (gs_yaml_get(cfg, other_kinds[i]))
            gs_dec_error_field(&a->d, gs_yaml_get(cfg, other_kinds[i]), other_kinds[i],
                               "not rehearsed yet: give the one HTTPRoute as httpRoute");
    const char *route = NULL, *ns = NULL;
    gs_dec_string(&a->d, cfg, "httpRoute", false, &route);
    const gs_yaml_node *routes = gs_dec_seq(&a->d, cfg, "httpRoutes", false);
    if (routes && routes->kind == GS_YAML_SEQUENCE && routes->nitems == 1 && route == NULL) {
        gs_dec_push(&a->d, "httpRoutes");
        gs_dec_push_index(&a->d, 0);
        gs_dec_string(&a->d, routes->items[0], "name", true, &route);
        gs_dec_pop(&a->d);
        gs_dec_pop(&a->d);
    } else if (routes) {
        gs_dec_error_field(&a->d, routes, "httpRoutes",
                           "not rehearsed yet: one HTTPRoute (httpRoute, or one httpRoutes entry)");
    }
    if (route == NULL && routes == NULL)
        gs_dec_error_field(&a->d, cfg, "httpRoute", "Required value: the HTTPRoute to patch");
    gs_dec_string(&a->d, cfg, "namespace", false, &ns);
    p->route_ns = ns ? gs_yaml_strdup(a->sd->stream, ns) : a->ns;
    p->route_name = route ? gs_yaml_strdup(a->sd->stream, route) : NULL;
    gs_dec_pop(&a->d);
    gs_dec_pop(&a->d);
}

/* Argo's pause duration: seconds as an integer, or a string with s, m or h. */
static void argo_pause(argo_dec *a, const gs_yaml_node *v, bool replaced, gs_rollout_action *act)
{
    act->kind = GS_ROLLOUT_PAUSE;
    const gs_yaml_node *d = gs_yaml_get(v, "duration");
    int64_t n;
    if (d == NULL || replaced)
        return; /* pause {} waits for a person: one interval; the step's interval replaces
                   durations so a rehearsal takes seconds */
    if (gs_yaml_int(d, &n) && n >= 0)
        act->duration_ns = n * 1000000000LL;
    else if (gs_yaml_str(d) && gs_parse_go_duration(gs_yaml_str(d), &act->duration_ns) &&
             act->duration_ns >= 0)
        return;
    else
        gs_dec_error_field(&a->d, d, "duration",
                           "must be a number of seconds or a duration (30s, 5m, 1h)");
}

static bool argo_is_managed(const argo_dec *a, const char *name)
{
    const gs_yaml_node *m = a->managed;
    for (size_t i = 0; name && m && m->kind == GS_YAML_SEQUENCE && i < m->nitems; i++)
        if (gs_yaml_scalar_eq(gs_yaml_get(m->items[i], "name"), name))
            return true;
    return false;
}

/* One entry of strategy.canary.steps; false when it is not an action (said, or an error). */
static bool argo_step(argo_dec *a, const gs_yaml_node *item, bool replaced, gs_rollout_action *act)
{
    static const char *const said[] = {"setCanaryScale", "experiment", "plugin", NULL};
    act->pos = item->pos;
    if (item->kind != GS_YAML_MAPPING || item->npairs != 1) {
        gs_dec_error(&a->d, item, "a step is a mapping with one key");
        return false;
    }
    const char *key = item->pairs[0].key->str;
    const gs_yaml_node *v = item->pairs[0].value;
    int64_t w;
    for (size_t i = 0; said[i]; i++)
        if (strcmp(key, said[i]) == 0) {
            gs_dec_warn(&a->d, item, "%s: not rehearsed (gatesim plays the traffic routing only)",
                        key);
            return false;
        }
    gs_dec_push(&a->d, key);
    bool ok = true;
    if (strcmp(key, "setWeight") == 0 && gs_yaml_int(v, &w) && w >= 0 && w <= 100) {
        act->kind = GS_ROLLOUT_SET_WEIGHT;
        act->weight = (unsigned)w;
    } else if (strcmp(key, "setWeight") == 0) {
        gs_dec_error(&a->d, v, "must be an integer within 0-100");
        ok = false;
    } else if (strcmp(key, "pause") == 0) {
        argo_pause(a, v, replaced, act);
    } else if (strcmp(key, "analysis") == 0) {
        act->kind = GS_ROLLOUT_ANALYSIS; /* its templates: the step's thresholds instead */
    } else if (strcmp(key, "setHeaderRoute") == 0 || strcmp(key, "setMirrorRoute") == 0) {
        bool header = key[3] == 'H';
        if (gs_dec_expect(&a->d, v, GS_YAML_T_MAP))
            gs_rollout_dec_managed(&a->d, a->sd->stream, v, header, act);
        act->noop = !header; /* the plugin's SetMirrorRoute returns success, changing nothing */
        if (act->route && !argo_is_managed(a, act->route))
            gs_dec_error_field(&a->d, v, "name",
                               "%s is not in trafficRouting.managedRoutes (Argo refuses it)",
                               act->route);
    } else {
        gs_dec_error(&a->d, item, "unknown step %s", key);
        ok = false;
    }
    gs_dec_pop(&a->d);
    return ok;
}

static void argo_steps(argo_dec *a, const gs_yaml_node *canary, bool replaced, gs_rollout_plan *p)
{
    const gs_yaml_node *steps = gs_dec_seq(&a->d, canary, "steps", true);
    if (steps == NULL || steps->kind != GS_YAML_SEQUENCE)
        return;
    p->actions = gs_yaml_alloc(a->sd->stream, (steps->nitems + 1) * sizeof(*p->actions));
    gs_dec_push(&a->d, "steps");
    for (size_t i = 0; i < steps->nitems; i++) {
        gs_dec_push_index(&a->d, i);
        if (argo_step(a, steps->items[i], replaced, &p->actions[p->n_actions]))
            p->n_actions++;
        gs_dec_pop(&a->d);
    }
    gs_dec_pop(&a->d);
    if (p->n_actions == 0)
        gs_dec_error_field(&a->d, canary, "steps", "no step to rehearse");
}

/* The Services the plugin weighs must be declared backends: there is no echo behind others. */
static const char *argo_service(argo_dec *a, const gs_yaml_node *source, const gs_yaml_node *canary,
                                const char *key, const char **name)
{
    const char *svc = NULL;
    if (!gs_dec_string(&a->d, canary, key, true, &svc))
        return NULL;
    return gs_rollout_dec_service(a->sd, source, "Argo Rollouts", a->ns, svc, name);
}

void gs_rollout_argo_plan(scenario_decoder *sd, const gs_yaml_node *source,
                          const gs_yaml_node *rollout, gs_scenario_rollout *ro)
{
    static const char *const said[] = {"analysis",
                                       "antiAffinity",
                                       "scaleDownDelaySeconds",
                                       "abortScaleDownDelaySeconds",
                                       "dynamicStableScale",
                                       NULL};
    argo_dec a = {.sd = sd};
    a.ns = gs_rollout_dec_object_begin(sd, &a.d, rollout, "Rollout");
    const gs_yaml_node *spec = gs_dec_map(&a.d, rollout, "spec", true);
    gs_dec_push(&a.d, "spec.strategy");
    const gs_yaml_node *strategy = spec ? gs_yaml_get(spec, "strategy") : NULL;
    const gs_yaml_node *canary = gs_dec_map(&a.d, strategy ? strategy : spec, "canary", true);
    const gs_yaml_node *tr =
        canary && canary->kind == GS_YAML_MAPPING ? gs_yaml_get(canary, "trafficRouting") : NULL;
    if (canary && canary->kind == GS_YAML_MAPPING) {
        gs_dec_push(&a.d, "canary");
        gs_rollout_plan *p = &ro->plan;
        p->stable = argo_service(&a, source, canary, "stableService", &p->stable_name);
        p->canary = argo_service(&a, source, canary, "canaryService", &p->canary_name);
        p->stable_ns = p->canary_ns = a.ns;
        p->threshold = 1; /* a failed AnalysisRun aborts the rollout */
        if (tr == NULL)
            gs_dec_error_field(&a.d, canary, "trafficRouting",
                               "Required value: the " ARGO_PLUGIN " plugin's trafficRouting");
        else {
            gs_dec_push(&a.d, "trafficRouting");
            a.managed = gs_yaml_get(tr, "managedRoutes");
            argo_route(&a, tr, p);
            gs_dec_pop(&a.d);
        }
        argo_steps(&a, canary, ro->has_interval, p);
        for (size_t i = 0; said[i]; i++)
            if (gs_yaml_get(canary, said[i]))
                gs_dec_warn(&a.d, gs_yaml_get(canary, said[i]), "%s: not rehearsed", said[i]);
        gs_dec_pop(&a.d);
    }
    gs_dec_pop(&a.d);
    gs_rollout_dec_object_end(sd, &a.d, "Rollout", "Argo Rollouts", ro);
}
