/* SPDX-License-Identifier: MIT */
/* Flagger's session affinity on the Gateway API router (analysis.sessionAffinity): the rules
 * its SetRoutes writes around the weighted rule (getSessionAffinityRouteRules in
 * fluxcd/flagger pkg/router/gateway_api.go), as YAML text. Pure: no I/O, no traffic; the
 * rollout run applies the rules and verifies them with traffic. */
#include "gs_rollout.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_objset.h"

#include <stdlib.h>
#include <string.h>

/* Appends the pairs of mapping |m| but those named in |skip| as "k: v, k: v"; returns how many
 * were written (|n| before). */
static size_t sticky_emit_pairs(gs_buf *b, const gs_yaml_node *m, const char *const *skip, size_t n)
{
    for (size_t i = 0; m && m->kind == GS_YAML_MAPPING && i < m->npairs; i++) {
        const char *key = m->pairs[i].key->str;
        bool skipped = false;
        for (size_t k = 0; skip[k] && !skipped; k++)
            skipped = strcmp(key, skip[k]) == 0;
        if (skipped)
            continue;
        gs_buf_printf(b, "%s%s: ", n++ ? ", " : "", key);
        gs_objset_emit_yaml(b, m->pairs[i].value);
    }
    return n;
}

void gs_rollout_emit_quoted(gs_buf *b, const char *v)
{
    gs_buf_putc(b, '"');
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            gs_buf_putc(b, '\\');
        gs_buf_putc(b, *v);
    }
    gs_buf_putc(b, '"');
}

/* A ResponseHeaderModifier adding "Set-Cookie: <cookie>; Max-Age=<max_age><attrs>". */
static void sticky_emit_set_cookie(gs_buf *b, const char *cookie, long long max_age,
                                   const char *attrs)
{
    char *v = gs_xasprintf("%s; Max-Age=%lld%s", cookie, max_age, attrs ? attrs : "");
    gs_buf_puts(b, "{type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: "
                   "Set-Cookie, value: ");
    gs_rollout_emit_quoted(b, v);
    gs_buf_puts(b, "}]}}");
    free(v);
}

/* The weighted rule's matches with their headers replaced by the Cookie match of |cookie|
 * ("name=value"), as mergeMatchConditions([cookieMatch], serviceMatches) gives them. */
static void sticky_emit_matches(gs_buf *b, const gs_yaml_node *rule, const char *cookie)
{
    static const char *const skip[] = {"headers", NULL};
    size_t eq = strcspn(cookie, "=");
    char *value = gs_xasprintf(".*%.*s.*%s.*", (int)eq, cookie, cookie[eq] ? cookie + eq + 1 : "");
    const gs_yaml_node *matches = gs_yaml_get(rule, "matches");
    size_t n = matches && matches->kind == GS_YAML_SEQUENCE ? matches->nitems : 0;
    gs_buf_puts(b, "matches: [");
    for (size_t i = 0; i < (n ? n : 1); i++) {
        gs_buf_puts(b, i ? ", {" : "{");
        size_t w = n ? sticky_emit_pairs(b, matches->items[i], skip, 0) : 0;
        gs_buf_printf(b,
                      "%sheaders: [{type: RegularExpression, name: Cookie, value: ", w ? ", " : "");
        gs_rollout_emit_quoted(b, value);
        gs_buf_puts(b, "}]}");
    }
    gs_buf_puts(b, "]");
    free(value);
}

/* Whether backendRef |ref| names the plan's canary Service (|canary|) or its primary. */
static bool sticky_is(const gs_rollout_plan *p, const gs_yaml_node *ref, bool canary)
{
    const char *name = gs_yaml_str(gs_yaml_get(ref, "name"));
    return name && strcmp(name, canary ? p->canary_name : p->stable_name) == 0;
}

/* A sticky rule: the weighted rule with the Cookie match of |cookie| and its backendRefs
 * weighted 100 to the canary (|canary|) or to the primary, the other 0; then ", ". */
static void sticky_emit_rule(gs_buf *out, const gs_rollout_plan *p, const gs_yaml_node *weighted,
                             const char *cookie, bool canary)
{
    static const char *const no_matches_refs[] = {"matches", "backendRefs", NULL};
    static const char *const no_weight_filters[] = {"weight", "filters", NULL};
    const gs_yaml_node *refs = gs_yaml_get(weighted, "backendRefs");
    size_t n_refs = refs && refs->kind == GS_YAML_SEQUENCE ? refs->nitems : 0;
    gs_buf_puts(out, "{");
    size_t n = sticky_emit_pairs(out, weighted, no_matches_refs, 0);
    gs_buf_puts(out, n ? ", " : "");
    sticky_emit_matches(out, weighted, cookie);
    gs_buf_puts(out, ", backendRefs: [");
    for (size_t i = 0; i < n_refs; i++) {
        gs_buf_puts(out, i ? ", {" : "{");
        size_t k = sticky_emit_pairs(out, refs->items[i], no_weight_filters, 0);
        gs_buf_printf(out, "%sweight: %u}", k ? ", " : "",
                      sticky_is(p, refs->items[i], canary) ? 100 : 0);
    }
    gs_buf_puts(out, "]}, ");
}

/* The weighted rule; at a non-zero weight its canary backendRef sets |cookie| and, with
 * |primary|, its primary backendRef sets that one (after the backendRefs' own filters). */
static void sticky_emit_weighted(gs_buf *out, const gs_rollout_plan *p,
                                 const gs_yaml_node *weighted, const char *cookie,
                                 const char *primary)
{
    static const char *const no_refs[] = {"backendRefs", NULL};
    static const char *const no_filters[] = {"filters", NULL};
    const gs_yaml_node *refs = gs_yaml_get(weighted, "backendRefs");
    size_t n_refs = refs && refs->kind == GS_YAML_SEQUENCE ? refs->nitems : 0;
    gs_buf_puts(out, "{");
    size_t n = sticky_emit_pairs(out, weighted, no_refs, 0);
    gs_buf_printf(out, "%sbackendRefs: [", n ? ", " : "");
    for (size_t i = 0; i < n_refs; i++) {
        const gs_yaml_node *ref = refs->items[i];
        gs_buf_puts(out, i ? ", {" : "{");
        size_t k = sticky_emit_pairs(out, ref, no_filters, 0);
        const gs_yaml_node *filters = gs_yaml_get(ref, "filters");
        const char *sets = cookie && sticky_is(p, ref, true)     ? cookie
                           : primary && sticky_is(p, ref, false) ? primary
                                                                 : NULL;
        size_t nf = filters && filters->kind == GS_YAML_SEQUENCE ? filters->nitems : 0;
        if (nf || sets) {
            gs_buf_printf(out, "%sfilters: [", k ? ", " : "");
            for (size_t f = 0; f < nf; f++) {
                gs_objset_emit_yaml(out, filters->items[f]);
                gs_buf_puts(out, f + 1 < nf || sets ? ", " : "");
            }
            if (sets)
                sticky_emit_set_cookie(out, sets,
                                       sets == cookie ? (long long)p->cookie_max_age
                                                      : (long long)p->primary_cookie_max_age,
                                       p->cookie_attrs);
            gs_buf_puts(out, "]");
        }
        gs_buf_puts(out, "}");
    }
    gs_buf_puts(out, "]}]");
}

void gs_rollout_sticky_rules(gs_buf *out, const gs_rollout_plan *p, const gs_yaml_node *weighted,
                             unsigned canary_weight, const char *cookie, const char *primary,
                             const char *previous)
{
    static const char *const no_matches_filters[] = {"matches", "filters", NULL};
    bool running = canary_weight > 0 && cookie;
    gs_buf_puts(out, "[");
    if (running) {
        /* stickyCanary: the cookie's holders to the canary alone (primary 0, canary 100);
         * with a primary cookie, stickyPrimary: its holders to the primary alone. */
        sticky_emit_rule(out, p, weighted, cookie, true);
        if (primary)
            sticky_emit_rule(out, p, weighted, primary, false);
    } else if (previous) {
        /* The previous run's cookie: its holders to the weighted rule's backends (primary 100)
         * with the cookie expired. */
        gs_buf_puts(out, "{");
        size_t n = sticky_emit_pairs(out, weighted, no_matches_filters, 0);
        gs_buf_puts(out, n ? ", " : "");
        sticky_emit_matches(out, weighted, previous);
        gs_buf_puts(out, ", filters: [");
        const gs_yaml_node *filters = gs_yaml_get(weighted, "filters");
        for (size_t i = 0; filters && filters->kind == GS_YAML_SEQUENCE && i < filters->nitems;
             i++) {
            gs_objset_emit_yaml(out, filters->items[i]);
            gs_buf_puts(out, ", ");
        }
        sticky_emit_set_cookie(out, previous, -1, NULL); /* no attributes: Flagger's own */
        gs_buf_puts(out, "]}, ");
    }
    sticky_emit_weighted(out, p, weighted, running ? cookie : NULL, running ? primary : NULL);
}
