/* SPDX-License-Identifier: MIT */
/* A Flagger Canary (flagger.app/v1beta1, `provider: gatewayapi:v1`) as a rollout plan, with
 * Flagger's own semantics (docs/rollout.md, "Flagger"):
 *   - Services <apex>-primary and <apex>-canary, apex = spec.service.name or targetRef.name;
 *   - the HTTPRoute <apex> written whole from spec.service (gatewayRefs, hosts, match, headers,
 *     timeout, backendTimeout), one rule with both Services (pkg/router/gateway_api.go);
 *   - the weights: stepWeight added until maxWeight is reached (the last step may pass it, as
 *     runCanary caps at 100, not at maxWeight), or the stepWeights list, maxWeight its last
 *     entry; an analysis after every weight (pkg/controller/scheduler.go);
 *   - threshold (default 1), the built-in metrics request-success-rate (thresholdRange.min,
 *     percent) and request-duration (thresholdRange.max, milliseconds, the 99th percentile).
 * What the rehearsal does not play (webhooks, alerts, custom metric templates) is a warning;
 * what it would play wrongly (mirroring with iterations, blue/green) is an error. */
#include "gs_rollout.h"
#include "scenario_priv.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_decode.h"
#include "gs_objset.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct flagger_dec {
    scenario_decoder *sd; /* the scenario's decoder: its arena, its backends */
    gs_decoder d;         /* problems at the Canary's own positions */
    const char *ns;
    const char *apex;
} flagger_dec;

/* ---- the route Flagger writes ---- */

/* Appends `key: <node as flow YAML>`. */
static void flagger_emit_field(gs_buf *b, const char *key, const gs_yaml_node *n)
{
    gs_buf_printf(b, "%s: ", key);
    gs_objset_emit_yaml(b, n);
}

/* An Istio-style string match {exact|prefix|regex} as Gateway API type and value; false when
 * none is given. */
static bool flagger_string_match(const gs_yaml_node *m, bool path, const char **type,
                                 const char **value)
{
    static const char *const keys[] = {"exact", "prefix", "regex"};
    static const char *const path_types[] = {"Exact", "PathPrefix", "RegularExpression"};
    static const char *const other_types[] = {"Exact", NULL, "RegularExpression"};
    for (size_t i = 0; i < 3; i++) {
        const char *v = gs_yaml_str(gs_yaml_get(m, keys[i]));
        const char *t = path ? path_types[i] : other_types[i];
        if (v && v[0] && t) {
            *type = t;
            *value = v;
            return true;
        }
    }
    return false;
}

/* One match entry as the parts of an HTTPRouteMatch (flow YAML fields, empty when absent):
 * path and method, headers, queryParams. */
typedef struct flagger_match {
    gs_buf path_method, headers, query;
} flagger_match;

static void flagger_match_clear(flagger_match *m)
{
    gs_buf_clear(&m->path_method);
    gs_buf_clear(&m->headers);
    gs_buf_clear(&m->query);
}

/* One Istio-style match entry (uri, method, headers, queryParams) as HTTPRouteMatch parts, as
 * mapRouteMatches does; reports what Gateway API cannot express. */
static void flagger_parse_match(flagger_dec *f, const gs_yaml_node *m, flagger_match *out)
{
    static const char *const fields[] = {"uri", "method", "headers", "queryParams", "name", NULL};
    gs_dec_check_fields(&f->d, m, fields);
    const char *type, *value;
    const gs_yaml_node *uri = gs_yaml_get(m, "uri");
    if (uri && flagger_string_match(uri, true, &type, &value))
        gs_buf_printf(&out->path_method, "path: {type: %s, value: \"%s\"}", type, value);
    else if (uri)
        gs_dec_error_field(&f->d, uri, "uri",
                           "Gateway API doesn't support the specified path matching selector");
    const gs_yaml_node *method = gs_yaml_get(m, "method");
    const char *mv = gs_yaml_str(gs_yaml_get(method, "exact"));
    if (mv)
        gs_buf_printf(&out->path_method, "%smethod: %s", out->path_method.len ? ", " : "", mv);
    else if (method)
        gs_dec_error_field(&f->d, method, "method", "only an exact method can be matched");
    const char *lists[2] = {"headers", "queryParams"};
    gs_buf *bufs[2] = {&out->headers, &out->query};
    for (size_t l = 0; l < 2; l++) {
        const gs_yaml_node *h = gs_yaml_get(m, lists[l]);
        if (h == NULL || h->kind != GS_YAML_MAPPING || h->npairs == 0)
            continue;
        gs_buf_printf(bufs[l], "%s: [", lists[l]);
        for (size_t i = 0, n = 0; i < h->npairs; i++) {
            if (!flagger_string_match(h->pairs[i].value, false, &type, &value)) {
                gs_dec_error_field(&f->d, h->pairs[i].value, lists[l],
                                   "%s: only exact and regex matches exist in Gateway API",
                                   h->pairs[i].key->str);
                continue;
            }
            gs_buf_printf(bufs[l], "%s{type: %s, name: \"%s\", value: \"%s\"}", n++ ? ", " : "",
                          type, h->pairs[i].key->str, value);
        }
        gs_buf_puts(bufs[l], "]");
    }
}

/* Appends an HTTPRouteMatch: service match |s| (NULL: PathPrefix /) with the headers and query
 * parameters of analysis match |a| in place of its own where |a| has them
 * (mergeMatchConditions). */
static void flagger_emit_merged(gs_buf *b, const flagger_match *s, const flagger_match *a)
{
    const gs_buf *parts[3] = {
        s ? &s->path_method : NULL,
        a && a->headers.len ? &a->headers : s ? &s->headers : NULL,
        a && a->query.len ? &a->query : s ? &s->query : NULL,
    };
    int n = 0;
    gs_buf_puts(b, "{");
    if (s == NULL)
        gs_buf_printf(b, "path: {type: PathPrefix, value: /}%s", "");
    n += s == NULL;
    for (size_t i = 0; i < 3; i++)
        if (parts[i] && parts[i]->len)
            gs_buf_printf(b, "%s%s", n++ ? ", " : "", parts[i]->data);
    gs_buf_puts(b, "}");
}

/* Parses the match list |list| at |path| (NULL or empty: none). */
static flagger_match *flagger_matches(flagger_dec *f, const gs_yaml_node *list, const char *path,
                                      size_t *n)
{
    *n = list && list->kind == GS_YAML_SEQUENCE ? list->nitems : 0;
    flagger_match *out = gs_xcalloc(*n + 1, sizeof(*out));
    gs_dec_push(&f->d, path);
    for (size_t i = 0; i < *n; i++) {
        gs_dec_push_index(&f->d, i);
        flagger_parse_match(f, list->items[i], &out[i]);
        gs_dec_pop(&f->d);
    }
    gs_dec_pop(&f->d);
    return out;
}

static int flagger_name_cmp(const void *a, const void *b)
{
    const gs_yaml_pair *x = a, *y = b;
    return strcmp(x->key->str, y->key->str);
}

/* `add` or `set` of a header modifier: a map, written as a list sorted by name (sortFiltersV1). */
static void flagger_emit_headers(gs_buf *b, const char *key, const gs_yaml_node *map, int *n)
{
    if (map == NULL || map->kind != GS_YAML_MAPPING || map->npairs == 0)
        return;
    gs_yaml_pair *sorted = gs_xcalloc(map->npairs, sizeof(*sorted));
    memcpy(sorted, map->pairs, map->npairs * sizeof(*sorted));
    qsort(sorted, map->npairs, sizeof(*sorted), flagger_name_cmp);
    gs_buf_printf(b, "%s%s: [", (*n)++ ? ", " : "", key);
    for (size_t i = 0; i < map->npairs; i++)
        gs_buf_printf(b, "%s{name: \"%s\", value: \"%s\"}", i ? ", " : "", sorted[i].key->str,
                      gs_yaml_str(sorted[i].value) ? gs_yaml_str(sorted[i].value) : "");
    gs_buf_puts(b, "]");
    free(sorted);
}

/* spec.service.headers.{request,response} as header modifier filters, then rewrite as a
 * URLRewrite and each of mirror as a RequestMirror (makeFilters). */
static int flagger_emit_filters(gs_buf *b, const gs_yaml_node *svc)
{
    const gs_yaml_node *headers = gs_yaml_get(svc, "headers");
    static const char *const sides[2][2] = {{"request", "RequestHeaderModifier"},
                                            {"response", "ResponseHeaderModifier"}};
    static const char *const members[2] = {"requestHeaderModifier", "responseHeaderModifier"};
    int filters = 0;
    for (size_t s = 0; s < 2; s++) {
        const gs_yaml_node *side = gs_yaml_get(headers, sides[s][0]);
        if (side == NULL || side->kind != GS_YAML_MAPPING)
            continue;
        gs_buf_printf(b, "%s{type: %s, %s: {", filters++ ? ", " : "", sides[s][1], members[s]);
        int n = 0;
        flagger_emit_headers(b, "add", gs_yaml_get(side, "add"), &n);
        flagger_emit_headers(b, "set", gs_yaml_get(side, "set"), &n);
        const gs_yaml_node *rm = gs_yaml_get(side, "remove");
        if (rm && rm->kind == GS_YAML_SEQUENCE && rm->nitems)
            flagger_emit_field(b, n++ ? ", remove" : "remove", rm);
        gs_buf_puts(b, "}}");
    }
    const gs_yaml_node *rw = gs_yaml_get(svc, "rewrite");
    if (rw && rw->kind == GS_YAML_MAPPING) {
        const char *authority = gs_yaml_str(gs_yaml_get(rw, "authority"));
        const char *uri = gs_yaml_str(gs_yaml_get(rw, "uri"));
        const char *type = gs_yaml_str(gs_yaml_get(rw, "type"));
        gs_buf_printf(b, "%s{type: URLRewrite, urlRewrite: {", filters++ ? ", " : "");
        if (authority && authority[0])
            gs_buf_printf(b, "hostname: \"%s\"%s", authority, uri && uri[0] ? ", " : "");
        if (uri && uri[0]) { /* GetType: ReplacePrefixMatch when said, else ReplaceFullPath */
            bool full = !(type && strcmp(type, "ReplacePrefixMatch") == 0);
            gs_buf_printf(b, "path: {type: %s, %s: \"%s\"}",
                          full ? "ReplaceFullPath" : "ReplacePrefixMatch",
                          full ? "replaceFullPath" : "replacePrefixMatch", uri);
        }
        gs_buf_puts(b, "}}");
    }
    const gs_yaml_node *mirrors = gs_yaml_get(svc, "mirror");
    for (size_t i = 0; mirrors && mirrors->kind == GS_YAML_SEQUENCE && i < mirrors->nitems; i++) {
        gs_buf_printf(b, "%s{type: RequestMirror, requestMirror: {", filters++ ? ", " : "");
        flagger_emit_field(b, "backendRef", gs_yaml_get(mirrors->items[i], "backendRef"));
        gs_buf_puts(b, "}}");
    }
    const gs_yaml_node *cors = gs_yaml_get(svc, "corsPolicy");
    if (cors && cors->kind == GS_YAML_MAPPING) {
        /* toV1CORSFilter (Flagger 1.42 on): allowOrigin (strings) as allowOrigins; methods and
         * headers as given; allowCredentials only when true; maxAge a Go duration in seconds,
         * left out when it does not parse. allowOrigins (Istio's StringMatch list) is dropped. */
        static const char *const lists[][2] = {{"allowOrigin", "allowOrigins"},
                                               {"allowMethods", "allowMethods"},
                                               {"allowHeaders", "allowHeaders"},
                                               {"exposeHeaders", "exposeHeaders"}};
        int n = 0;
        gs_buf_printf(b, "%s{type: CORS, cors: {", filters++ ? ", " : "");
        for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
            const gs_yaml_node *l = gs_yaml_get(cors, lists[i][0]);
            if (l && l->kind == GS_YAML_SEQUENCE && l->nitems > 0) {
                gs_buf_puts(b, n++ ? ", " : "");
                flagger_emit_field(b, lists[i][1], l);
            }
        }
        const char *cred = gs_yaml_str(gs_yaml_get(cors, "allowCredentials"));
        if (cred && strcmp(cred, "true") == 0)
            gs_buf_printf(b, "%sallowCredentials: true", n++ ? ", " : "");
        const char *max_age = gs_yaml_str(gs_yaml_get(cors, "maxAge"));
        int64_t ns;
        if (max_age && gs_parse_go_duration(max_age, &ns))
            gs_buf_printf(b, "%smaxAge: %lld", n++ ? ", " : "", (long long)(ns / 1000000000));
        gs_buf_puts(b, "}}");
    }
    return filters;
}

/* The HTTPRoute <apex> as Reconcile creates it: stable 100, canary 0. With A/B (|ab|, the
 * analysis.match list) its rule holds the analysis matches merged with the service's, and a
 * second rule with the service's matches routes everything else to the primary alone. */
static const char *flagger_route(flagger_dec *f, const gs_yaml_node *svc, int64_t port,
                                 const gs_yaml_node *ab)
{
    gs_buf b = {0};
    gs_buf_printf(&b,
                  "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                  "metadata: {name: %s, namespace: %s}\nspec:\n  ",
                  f->apex, f->ns);
    flagger_emit_field(&b, "parentRefs", gs_yaml_get(svc, "gatewayRefs"));
    const gs_yaml_node *hosts = gs_yaml_get(svc, "hosts");
    if (hosts && hosts->kind == GS_YAML_SEQUENCE && hosts->nitems) {
        gs_buf_puts(&b, "\n  ");
        flagger_emit_field(&b, "hostnames", hosts);
    }
    gs_buf_puts(&b, "\n  rules:\n  - matches: [");
    size_t n_svc, n_ab;
    flagger_match *sm = flagger_matches(f, gs_yaml_get(svc, "match"), "spec.service.match", &n_svc);
    flagger_match *am = flagger_matches(f, ab, "spec.analysis.match", &n_ab);
    size_t written = 0;
    for (size_t a = 0; a < (n_ab ? n_ab : 1); a++)
        for (size_t i = 0; i < (n_svc ? n_svc : 1); i++) {
            if (written++)
                gs_buf_puts(&b, ", ");
            flagger_emit_merged(&b, n_svc ? &sm[i] : NULL, n_ab ? &am[a] : NULL);
        }
    gs_buf_puts(&b, "]\n    filters: [");
    flagger_emit_filters(&b, svc);
    gs_buf_printf(&b,
                  "]\n    backendRefs:\n"
                  "    - {group: \"\", kind: Service, name: %s-primary, port: %lld, weight: 100}\n"
                  "    - {group: \"\", kind: Service, name: %s-canary, port: %lld, weight: 0}\n",
                  f->apex, (long long)port, f->apex, (long long)port);
    const char *timeout = gs_yaml_str(gs_yaml_get(svc, "timeout"));
    const char *backend_timeout = gs_yaml_str(gs_yaml_get(svc, "backendTimeout"));
    if (timeout || backend_timeout) {
        gs_buf_puts(&b, "    timeouts: {");
        if (timeout)
            gs_buf_printf(&b, "request: \"%s\"%s", timeout, backend_timeout ? ", " : "");
        if (backend_timeout)
            gs_buf_printf(&b, "backendRequest: \"%s\"", backend_timeout);
        gs_buf_puts(&b, "}\n");
    }
    if (n_ab) { /* everything else: the service's matches, to the primary alone */
        gs_buf_puts(&b, "  - matches: [");
        for (size_t i = 0; i < (n_svc ? n_svc : 1); i++) {
            if (i)
                gs_buf_puts(&b, ", ");
            flagger_emit_merged(&b, n_svc ? &sm[i] : NULL, NULL);
        }
        gs_buf_puts(&b, "]\n    filters: [");
        flagger_emit_filters(&b, svc);
        gs_buf_printf(&b,
                      "]\n    backendRefs:\n"
                      "    - {group: \"\", kind: Service, name: %s-primary, port: %lld, weight: "
                      "100}\n",
                      f->apex, (long long)port);
        if (timeout)
            gs_buf_printf(&b, "    timeouts: {request: \"%s\"}\n", timeout);
    }
    for (size_t i = 0; i < n_svc; i++)
        flagger_match_clear(&sm[i]);
    for (size_t i = 0; i < n_ab; i++)
        flagger_match_clear(&am[i]);
    free(sm);
    free(am);
    const char *text = gs_yaml_strdup(f->sd->stream, b.data);
    gs_buf_clear(&b);
    return text;
}

/* ---- the schedule ---- */

/* The names |list| (a match entry's headers or queryParams) adds to |names| (|n| so far,
 * room for every name of the matches), each once, copied into |arena|. */
static void flagger_add_names(gs_yaml_stream *arena, const gs_yaml_node *list, const char **names,
                              size_t *n)
{
    for (size_t i = 0; list && list->kind == GS_YAML_MAPPING && i < list->npairs; i++) {
        const char *name = list->pairs[i].key->str;
        size_t k = 0;
        while (k < *n && strcasecmp(names[k], name) != 0)
            k++;
        if (k == *n)
            names[(*n)++] = gs_yaml_strdup(arena, name);
    }
}

/* The header and query parameter names the A/B matches test: requests without them are the
 * primary's alone, which the rehearsal verifies. */
static void flagger_ab_names(flagger_dec *f, const gs_yaml_node *match, gs_rollout_plan *p)
{
    size_t nh = 0, nq = 0;
    for (size_t i = 0; match->kind == GS_YAML_SEQUENCE && i < match->nitems; i++) {
        const gs_yaml_node *h = gs_yaml_get(match->items[i], "headers");
        const gs_yaml_node *q = gs_yaml_get(match->items[i], "queryParams");
        nh += h && h->kind == GS_YAML_MAPPING ? h->npairs : 0;
        nq += q && q->kind == GS_YAML_MAPPING ? q->npairs : 0;
    }
    p->ab_headers = gs_yaml_alloc(f->sd->stream, (nh + 1) * sizeof(*p->ab_headers));
    p->ab_query = gs_yaml_alloc(f->sd->stream, (nq + 1) * sizeof(*p->ab_query));
    for (size_t i = 0; match->kind == GS_YAML_SEQUENCE && i < match->nitems; i++) {
        flagger_add_names(f->sd->stream, gs_yaml_get(match->items[i], "headers"), p->ab_headers,
                          &p->n_ab_headers);
        flagger_add_names(f->sd->stream, gs_yaml_get(match->items[i], "queryParams"),
                          p->ab_query, &p->n_ab_query);
    }
}

/* A/B (analysis.match with iterations): runAB routes the matched traffic to the canary alone
 * (primary 0, canary 100 on the A/B rule) and runs `iterations` analyses, then promotes;
 * stepWeight and maxWeight are not used. */
static bool flagger_ab(flagger_dec *f, const gs_yaml_node *an, gs_rollout_plan *p)
{
    const gs_yaml_node *match = gs_yaml_get(an, "match");
    if (match == NULL)
        return false;
    int64_t iterations = 0;
    if (!gs_dec_int(&f->d, an, "iterations", false, 1, 1000, &iterations)) {
        if (!gs_yaml_get(an, "iterations"))
            gs_dec_error_field(&f->d, an, "iterations",
                               "Required value: A/B testing (analysis.match) runs `iterations` "
                               "analyses");
        return true;
    }
    if (match->kind != GS_YAML_SEQUENCE || match->nitems == 0)
        gs_dec_error_field(&f->d, match, "match", "A/B testing needs at least one match");
    for (size_t i = 0; match->kind == GS_YAML_SEQUENCE && i < match->nitems; i++) {
        const gs_yaml_node *h = gs_yaml_get(match->items[i], "headers");
        const gs_yaml_node *q = gs_yaml_get(match->items[i], "queryParams");
        if ((h == NULL || h->npairs == 0) && (q == NULL || q->npairs == 0)) {
            gs_dec_push(&f->d, "match");
            gs_dec_push_index(&f->d, i);
            gs_dec_error(&f->d, match->items[i],
                         "an A/B match needs headers or queryParams: Flagger keeps only those "
                         "of analysis.match, so without them every request would be the "
                         "canary's");
            gs_dec_pop(&f->d);
            gs_dec_pop(&f->d);
        }
    }
    flagger_ab_names(f, match, p);
    static const char *const ignored[] = {"stepWeight", "stepWeights", "maxWeight", NULL};
    for (size_t i = 0; ignored[i]; i++)
        if (gs_yaml_get(an, ignored[i]))
            gs_dec_warn(&f->d, gs_yaml_get(an, ignored[i]),
                        "%s: not used by A/B testing (analysis.match), as in Flagger", ignored[i]);
    p->has_rule = true;
    p->rule = 0;
    p->actions = gs_yaml_alloc(f->sd->stream, ((size_t)iterations + 2) * sizeof(*p->actions));
    p->actions[p->n_actions++] =
        (gs_rollout_action){.kind = GS_ROLLOUT_SET_WEIGHT, .weight = 100, .pos = match->pos};
    for (int64_t i = 0; i < iterations; i++)
        p->actions[p->n_actions++] =
            (gs_rollout_action){.kind = GS_ROLLOUT_ANALYSIS, .pos = an->pos};
    return true;
}

/* The canary weights runCanary writes, each followed by an analysis. */
static void flagger_schedule(flagger_dec *f, const gs_yaml_node *an, gs_rollout_plan *p)
{
    int64_t step = 0, max = 0;
    gs_dec_int(&f->d, an, "stepWeight", false, 0, 100, &step);
    gs_dec_int(&f->d, an, "maxWeight", false, 0, 100, &max);
    const gs_yaml_node *list = gs_dec_seq(&f->d, an, "stepWeights", false);
    size_t n_list = list && list->kind == GS_YAML_SEQUENCE ? list->nitems : 0;
    unsigned weights[101];
    size_t n = 0;
    if (step > 0 || n_list == 0) {
        if (step <= 0 && !gs_yaml_get(an, "iterations")) {
            gs_dec_error_field(&f->d, an, "stepWeight",
                               "Required value: stepWeight or stepWeights (or analysis.match with "
                               "iterations for A/B testing)");
            return;
        }
        if (step <= 0)
            return;
        int64_t w = 0, limit = max > 0 ? max : 100;
        while (w < limit && n < 100) {
            w = w + step > 100 ? 100 : w + step;
            weights[n++] = (unsigned)w;
        }
    } else {
        gs_dec_push(&f->d, "stepWeights");
        int64_t prev = 0;
        for (size_t i = 0; i < n_list && n < 100; i++) {
            int64_t w;
            gs_dec_push_index(&f->d, i);
            if (gs_dec_expect(&f->d, list->items[i], GS_YAML_T_INT) &&
                gs_yaml_int(list->items[i], &w)) {
                if (w <= prev || w > 100)
                    gs_dec_error(&f->d, list->items[i],
                                 "must increase and stay within 1-100 (got %lld after %lld)",
                                 (long long)w, (long long)prev);
                else
                    weights[n++] = (unsigned)(prev = w);
            }
            gs_dec_pop(&f->d);
        }
        gs_dec_pop(&f->d);
    }
    p->actions = gs_yaml_alloc(f->sd->stream, (2 * n + 1) * sizeof(*p->actions));
    for (size_t i = 0; i < n; i++) {
        p->actions[p->n_actions++] = (gs_rollout_action){
            .kind = GS_ROLLOUT_SET_WEIGHT, .weight = weights[i], .pos = an->pos};
        p->actions[p->n_actions++] =
            (gs_rollout_action){.kind = GS_ROLLOUT_ANALYSIS, .pos = an->pos};
    }
}

/* analysis.metrics: the two built-in metrics as thresholds; custom ones are not rehearsed. */
static void flagger_metrics(flagger_dec *f, const gs_yaml_node *an, gs_rollout_plan *p)
{
    const gs_yaml_node *metrics = gs_dec_seq(&f->d, an, "metrics", false);
    size_t n = metrics && metrics->kind == GS_YAML_SEQUENCE ? metrics->nitems : 0;
    gs_dec_push(&f->d, "metrics");
    for (size_t i = 0; i < n; i++) {
        const gs_yaml_node *m = metrics->items[i];
        gs_dec_push_index(&f->d, i);
        const char *name = gs_yaml_str(gs_yaml_get(m, "name"));
        const gs_yaml_node *range = gs_yaml_get(m, "thresholdRange");
        double v;
        if (gs_yaml_get(m, "templateRef") || name == NULL) {
            gs_dec_warn(&f->d, m,
                        "metric %s queries an external system (templateRef): not rehearsed; "
                        "gatesim judges its own measurements only",
                        name ? name : "(unnamed)");
        } else if (strcmp(name, "request-success-rate") == 0) {
            if (gs_yaml_double(gs_yaml_get(range, "min"), &v))
                p->min_success_rate = v;
        } else if (strcmp(name, "request-duration") == 0) {
            if (gs_yaml_double(gs_yaml_get(range, "max"), &v))
                p->max_p99_ns = (int64_t)(v * 1e6);
        } else {
            gs_dec_warn(&f->d, m, "metric %s is not a built-in metric: not rehearsed", name);
        }
        gs_dec_pop(&f->d);
    }
    gs_dec_pop(&f->d);
}

/* Parts of the Canary the rehearsal does not play: said, never silently ignored. */
static void flagger_unrehearsed(flagger_dec *f, const gs_yaml_node *spec, const gs_yaml_node *an)
{
    const gs_yaml_node *mirror = gs_yaml_get(an, "mirror");
    bool mirrored = mirror && gs_yaml_scalar_eq(mirror, "true");
    if (mirrored && gs_yaml_get(an, "iterations"))
        gs_dec_error_field(&f->d, mirror, "mirror",
                           "not rehearsed yet: with iterations the canary is judged on mirrored "
                           "copies, whose answers no client sees");
    else if (mirrored)
        gs_dec_warn(&f->d, mirror,
                    "mirror: true with weighted steps: Flagger's Gateway API router writes the "
                    "RequestMirror filter only when iterations are set (SetRoutes in "
                    "pkg/router/gateway_api.go), so the mirror step before the first weight "
                    "mirrors nothing in production; rehearsed as the weighted canary it is");
    if (gs_yaml_get(an, "iterations") && !gs_yaml_get(an, "match"))
        gs_dec_error_field(&f->d, gs_yaml_get(an, "iterations"), "iterations",
                           "not rehearsed yet: blue/green (iterations without match) sends the "
                           "canary no traffic through the route");
    static const char *const said[] = {"webhooks", "alerts", "stepWeightPromotion", NULL};
    for (size_t i = 0; said[i]; i++)
        if (gs_yaml_get(an, said[i]))
            gs_dec_warn(&f->d, gs_yaml_get(an, said[i]), "%s: not rehearsed", said[i]);
    const gs_yaml_node *svc = gs_yaml_get(spec, "service");
    gs_dec_pop(&f->d); /* called within spec.analysis: these are spec.service's */
    gs_dec_push(&f->d, "spec.service");
    if (gs_yaml_get(svc, "retries"))
        gs_dec_warn(&f->d, gs_yaml_get(svc, "retries"),
                    "retries: not written into the route (Flagger's Gateway API router "
                    "writes none either)");
    const gs_yaml_node *cors_origins = gs_yaml_get(gs_yaml_get(svc, "corsPolicy"), "allowOrigins");
    if (cors_origins)
        gs_dec_warn(&f->d, cors_origins,
                    "corsPolicy.allowOrigins: not written into the route (Flagger's Gateway API "
                    "router drops it: a CORS filter takes plain origins, in allowOrigin)");
    const gs_yaml_node *mirrors = gs_yaml_get(svc, "mirror");
    for (size_t i = 0; mirrors && i < (mirrors->kind == GS_YAML_SEQUENCE ? mirrors->nitems : 1);
         i++) {
        if (mirrors->kind != GS_YAML_SEQUENCE ||
            gs_yaml_get(mirrors->items[i], "backendRef") == NULL) {
            gs_dec_error_field(
                &f->d, mirrors, "mirror",
                "a list of {backendRef: {name, port, ...}} (HTTPRequestMirrorFilter)");
            break;
        }
    }
    gs_dec_pop(&f->d);
    gs_dec_push(&f->d, "spec.analysis");
}

/* A cookie name of sessionAffinity's field |field| (required or not) into |*out|. */
static void flagger_cookie_name(flagger_dec *f, const gs_yaml_node *sa, const char *field,
                                bool required, const char **out)
{
    const char *name = NULL;
    gs_dec_string(&f->d, sa, field, required, &name);
    if (name && (name[0] == '\0' || strpbrk(name, "=;, \t\"") != NULL))
        gs_dec_error_field(&f->d, gs_yaml_get(sa, field), field,
                           "must be a cookie name (no '=', ';', ',', quotes or spaces)");
    else if (name)
        *out = gs_yaml_strdup(f->sd->stream, name);
}

/* The cookie attributes after Max-Age that BuildCookie appends to both cookies' Set-Cookie, in
 * its order: "; Domain=d; HttpOnly; Partitioned; Path=p; SameSite=s; Secure", each when set. */
static const char *flagger_cookie_attrs(flagger_dec *f, const gs_yaml_node *sa)
{
    static const char *const same_site[] = {"Strict", "Lax", "None", NULL};
    const char *domain = NULL, *path = NULL;
    bool http_only = false, partitioned = false, secure = false;
    int site = -1;
    gs_dec_string(&f->d, sa, "domain", false, &domain);
    gs_dec_bool(&f->d, sa, "httpOnly", false, &http_only);
    gs_dec_bool(&f->d, sa, "partitioned", false, &partitioned);
    gs_dec_string(&f->d, sa, "path", false, &path);
    gs_dec_enum(&f->d, sa, "sameSite", false, same_site, &site);
    gs_dec_bool(&f->d, sa, "secure", false, &secure);
    const char *fields[] = {"domain", "path"};
    const char *values[] = {domain, path};
    for (size_t i = 0; i < 2; i++)
        if (values[i] && (strlen(values[i]) > 200 || strpbrk(values[i], ";,\" \t\r\n") != NULL))
            gs_dec_error_field(&f->d, gs_yaml_get(sa, fields[i]), fields[i],
                               "must be a cookie attribute value (at most 200 characters, no "
                               "';', ',', quotes or spaces)");
    gs_buf b = {0};
    if (domain && *domain)
        gs_buf_printf(&b, "; Domain=%s", domain);
    if (http_only)
        gs_buf_puts(&b, "; HttpOnly");
    if (partitioned)
        gs_buf_puts(&b, "; Partitioned");
    if (path && *path)
        gs_buf_printf(&b, "; Path=%s", path);
    if (site >= 0)
        gs_buf_printf(&b, "; SameSite=%s", same_site[site]);
    if (secure)
        gs_buf_puts(&b, "; Secure");
    const char *attrs = gs_yaml_strdup(f->sd->stream, b.data ? b.data : "");
    gs_buf_clear(&b);
    return attrs;
}

/* analysis.sessionAffinity {cookieName, maxAge, primaryCookieName, the cookie attributes}: the
 * canary's responses set the cookie at every non-zero weight and its holders stick to the
 * canary; with primaryCookieName the primary's responses set that one meanwhile (Max-Age:
 * analysis.interval in whole seconds, which Flagger parses as a Go duration and fails the route
 * write without) and its holders stick to the primary. */
static void flagger_affinity(flagger_dec *f, const gs_yaml_node *an, gs_rollout_plan *p)
{
    static const char *const fields[] = {
        "cookieName",  "maxAge", "primaryCookieName", "domain", "httpOnly",
        "partitioned", "path",   "sameSite",          "secure", NULL};
    const gs_yaml_node *sa = gs_yaml_get(an, "sessionAffinity");
    if (sa == NULL)
        return;
    if (!gs_dec_expect(&f->d, sa, GS_YAML_T_MAP))
        return;
    gs_dec_push(&f->d, "sessionAffinity");
    gs_dec_check_fields(&f->d, sa, fields);
    flagger_cookie_name(f, sa, "cookieName", true, &p->cookie_name);
    int64_t max_age = 86400; /* GetMaxAge: a day by default */
    gs_dec_int(&f->d, sa, "maxAge", false, 1, INT32_MAX, &max_age);
    p->cookie_max_age = max_age;
    p->cookie_attrs = flagger_cookie_attrs(f, sa);
    flagger_cookie_name(f, sa, "primaryCookieName", false, &p->primary_cookie_name);
    const char *interval = gs_yaml_str(gs_yaml_get(an, "interval"));
    int64_t ns = 0;
    if (p->primary_cookie_name && !(interval && gs_parse_go_duration(interval, &ns)))
        gs_dec_error_field(&f->d, gs_yaml_get(sa, "primaryCookieName"), "primaryCookieName",
                           "needs analysis.interval as a duration (\"1m\"): Flagger gives the "
                           "primary's cookie the interval as its Max-Age and fails to write the "
                           "route without one");
    p->primary_cookie_max_age = ns / 1000000000; /* int(interval.Seconds()) */
    if (gs_yaml_get(an, "match"))
        gs_dec_error(&f->d, sa,
                     "not rehearsed: session affinity with A/B testing (analysis.match): "
                     "Flagger's sticky rule takes the A/B matches in place of the cookie's");
    gs_dec_pop(&f->d);
}

/* Flagger's Service <apex>-<suffix>, which must be a declared backend. */
static const char *flagger_service(flagger_dec *f, const gs_yaml_node *source, const char *suffix,
                                   const char **name)
{
    char *svc = gs_xasprintf("%s-%s", f->apex, suffix);
    const char *s = gs_rollout_dec_service(f->sd, source, "Flagger", f->ns, svc, name);
    free(svc);
    return s;
}

void gs_rollout_flagger_plan(scenario_decoder *sd, const gs_yaml_node *source,
                             const gs_yaml_node *canary, gs_scenario_rollout *ro)
{
    flagger_dec f = {.sd = sd};
    f.ns = gs_rollout_dec_object_begin(sd, &f.d, canary, "Canary");
    const gs_yaml_node *spec = gs_dec_map(&f.d, canary, "spec", true);
    const gs_yaml_node *svc = spec ? gs_dec_map(&f.d, spec, "service", true) : NULL;
    const gs_yaml_node *an = spec ? gs_dec_map(&f.d, spec, "analysis", true) : NULL;
    const char *target = gs_yaml_str(gs_yaml_get(gs_yaml_get(spec, "targetRef"), "name"));
    const char *apex = gs_yaml_str(gs_yaml_get(svc, "name"));
    if (target == NULL && spec)
        gs_dec_error_field(&f.d, spec, "targetRef.name", "Required value");
    if (svc == NULL || an == NULL || (apex == NULL && target == NULL)) {
        gs_rollout_dec_object_end(sd, &f.d, "Canary", "Flagger", NULL);
        return;
    }
    f.apex = gs_yaml_strdup(sd->stream, apex ? apex : target);
    gs_dec_push(&f.d, "spec.service");
    int64_t port = 80;
    gs_dec_int(&f.d, svc, "port", true, 1, 65535, &port);
    const gs_yaml_node *refs = gs_dec_seq(&f.d, svc, "gatewayRefs", false);
    if (refs == NULL || refs->kind != GS_YAML_SEQUENCE || refs->nitems == 0)
        gs_dec_error_field(&f.d, svc, "gatewayRefs",
                           "GatewayRefs must be specified when using Gateway API as a provider.");
    gs_dec_pop(&f.d);
    gs_rollout_plan *p = &ro->plan;
    p->route_ns = f.ns;
    p->route_name = f.apex;
    p->stable = flagger_service(&f, source, "primary", &p->stable_name);
    p->canary = flagger_service(&f, source, "canary", &p->canary_name);
    p->stable_ns = p->canary_ns = f.ns;
    gs_dec_push(&f.d, "spec.analysis");
    int64_t threshold = 1;
    if (gs_dec_int(&f.d, an, "threshold", false, 0, 1000, &threshold) && threshold == 0)
        threshold = 1; /* GetAnalysisThreshold: default 1 */
    p->threshold = (unsigned)threshold;
    bool ab = flagger_ab(&f, an, p);
    if (!ab)
        flagger_schedule(&f, an, p);
    flagger_metrics(&f, an, p);
    flagger_affinity(&f, an, p);
    int64_t interval = 0;
    if (!ro->has_interval && gs_dec_duration(&f.d, an, "interval", false, &interval))
        ro->interval_ns = interval < 10000000000 ? 10000000000 : interval; /* at least 10 s */
    flagger_unrehearsed(&f, spec, an);
    gs_dec_pop(&f.d);
    if (refs && refs->kind == GS_YAML_SEQUENCE && refs->nitems)
        ro->route_yaml = flagger_route(&f, svc, port, ab ? gs_yaml_get(an, "match") : NULL);
    gs_rollout_dec_object_end(sd, &f.d, "Canary", "Flagger", ro);
}
