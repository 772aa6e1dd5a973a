/* SPDX-License-Identifier: MIT */
/* gatesim's judgements beyond the v1.6.1 CRDs. The parity rule (docs/model.md): an error is
 * exactly what the API server rejects, and the API server enforces nothing here (custom
 * resources get only their schema and CEL rules), so every check in this file is a warning that
 * says what gatesim does with the object and what data planes tend to do; `--strict` makes
 * them errors. Works on typed objects; positions come from them. */
#include "gs_hostname.h"
#include "gs_model_internal.h"

#include "gs_schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char ipv4_re[] = "^[0-9]{1,3}(\\.[0-9]{1,3}){3}$";

static void sem_report(gs_decoder *d, gs_diag_severity sev, gs_pos pos, const char *field,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void sem_report(gs_decoder *d, gs_diag_severity sev, gs_pos pos, const char *field,
                       const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    gs_dec_report(d, sev, pos, field, "%s", msg);
}

static bool is_ip_literal(const char *h)
{
    if (!h)
        return false;
    return gs_regex_match(ipv4_re, h, strlen(h)) || strchr(h, ':') != NULL;
}

static void sem_hostname_ip(gs_decoder *d, const gs_sval *h, const char *field)
{
    if (h->v && is_ip_literal(h->v))
        sem_report(d, GS_DIAG_WARNING, h->pos, field,
                   "\"%s\" is an IP address; Gateway API hostnames must be DNS names (the CRD "
                   "pattern accepts IPs by mistake)",
                   h->v);
}

/* Header modifier: one header name in more than one of set/add/remove, or twice in one list
 * differing only in case (the CRD's list-map key is case-sensitive; HTTP names are not). */
static void sem_header_filter(gs_decoder *d, const gs_http_header_filter *f, const char *base)
{
    struct {
        const char *list;
        const gs_sval *name;
    } all[48];
    size_t n = 0;
    for (size_t i = 0; i < f->n_set && n < 48; i++)
        all[n].list = "set", all[n++].name = &f->set[i].name;
    for (size_t i = 0; i < f->n_add && n < 48; i++)
        all[n].list = "add", all[n++].name = &f->add[i].name;
    for (size_t i = 0; i < f->n_remove && n < 48; i++)
        all[n].list = "remove", all[n++].name = &f->remove[i];
    for (size_t i = 1; i < n; i++) {
        if (!all[i].name->v)
            continue;
        for (size_t j = 0; j < i; j++) {
            if (!all[j].name->v || strcasecmp(all[i].name->v, all[j].name->v) != 0)
                continue;
            if (strcmp(all[i].list, all[j].list) == 0 &&
                strcmp(all[i].name->v, all[j].name->v) == 0)
                break; /* exact duplicate within a list: the schema reported it */
            char field[256];
            size_t idx = 0;
            for (size_t k = 0; k < i; k++)
                if (strcmp(all[k].list, all[i].list) == 0)
                    idx++;
            snprintf(field, sizeof field, "%s.%s[%zu]", base, all[i].list, idx);
            if (strcmp(all[i].list, all[j].list) == 0)
                sem_report(d, GS_DIAG_WARNING, all[i].name->pos, field,
                           "header \"%s\" is already listed in %s as \"%s\" (header names are "
                           "case-insensitive): gatesim applies both in order; data planes may "
                           "reject the filter or keep only one",
                           all[i].name->v, all[j].list, all[j].name->v);
            else
                sem_report(d, GS_DIAG_WARNING, all[i].name->pos, field,
                           "header \"%s\" is also in %s: the spec allows a header in only one "
                           "of set, add and remove; gatesim removes, then sets, then adds; data "
                           "planes may reject the filter or apply them in another order",
                           all[i].name->v, all[j].list);
            break;
        }
    }
}

static void sem_regex(gs_decoder *d, const gs_sval *re, const char *field)
{
    if (!re->v)
        return;
    char why[256];
    if (!gs_regex_valid(re->v, why, sizeof why))
        sem_report(d, GS_DIAG_WARNING, re->pos, field,
                   "RegularExpression \"%s\" does not compile (PCRE2): %s", re->v, why);
    else
        sem_report(d, GS_DIAG_WARNING, re->pos, field,
                   "RegularExpression matching is implementation-specific; gatesim uses PCRE2 "
                   "with an anchored full match");
}

static void sem_value_matches(gs_decoder *d, const gs_http_value_match *m, size_t n,
                              const char *base, bool case_insensitive)
{
    char field[320]; /* base (< 256) + "[i].value" */
    for (size_t i = 0; i < n; i++) {
        if (m[i].type == GS_MATCH_REGULAR_EXPRESSION) {
            snprintf(field, sizeof field, "%s[%zu].value", base, i);
            sem_regex(d, &m[i].value, field);
        }
        for (size_t j = 0; j < i && m[i].name.v; j++) {
            if (!m[j].name.v)
                continue;
            bool same = case_insensitive ? strcasecmp(m[i].name.v, m[j].name.v) == 0
                                         : strcmp(m[i].name.v, m[j].name.v) == 0;
            if (same && strcmp(m[i].name.v, m[j].name.v) != 0) {
                snprintf(field, sizeof field, "%s[%zu].name", base, i);
                sem_report(d, GS_DIAG_WARNING, m[i].name.pos, field,
                           "\"%s\" names the same header as entry %zu (\"%s\"): only the first "
                           "match counts",
                           m[i].name.v, j, m[j].name.v);
                break;
            }
        }
    }
}

/* A replacement path the API server admits (the CRD gives it only a length limit) but that is
 * not an absolute path: gatesim serves it with a leading '/' (docs/gateway.md). */
static void sem_relative_path(gs_decoder *d, const gs_sval *v, const char *field,
                              const char *what, const char *served_as)
{
    sem_report(d, GS_DIAG_WARNING, v->pos, field,
               "%s \"%s\" is not an absolute path: the API server admits it; gatesim uses "
               "\"%s\"; data planes differ (some send it as written, some reject the route)",
               what, v->v, served_as);
}

static void sem_path_modifier(gs_decoder *d, const gs_http_path_modifier *pm, const char *base,
                              size_t i, const char *member)
{
    char field[320];
    char served[64];
    if (pm->type == GS_PATH_MODIFIER_REPLACE_PREFIX_MATCH && pm->replace_prefix_match.v &&
        pm->replace_prefix_match.v[0] && pm->replace_prefix_match.v[0] != '/') {
        snprintf(field, sizeof field, "%s[%zu].%s.path.replacePrefixMatch", base, i, member);
        snprintf(served, sizeof served, "/%.40s%s", pm->replace_prefix_match.v,
                 strlen(pm->replace_prefix_match.v) > 40 ? "..." : "");
        sem_relative_path(d, &pm->replace_prefix_match, field, "replacePrefixMatch", served);
    }
    if (pm->type == GS_PATH_MODIFIER_REPLACE_FULL_PATH && pm->replace_full_path.v &&
        pm->replace_full_path.v[0] != '/') {
        snprintf(field, sizeof field, "%s[%zu].%s.path.replaceFullPath", base, i, member);
        snprintf(served, sizeof served, "/%.40s%s", pm->replace_full_path.v,
                 strlen(pm->replace_full_path.v) > 40 ? "..." : "");
        sem_relative_path(d, &pm->replace_full_path, field, "replaceFullPath", served);
    }
}

static void sem_filters(gs_decoder *d, const gs_route_filter *f, size_t n, const char *base)
{
    char field[256];
    for (size_t i = 0; i < n; i++) {
        snprintf(field, sizeof field, "%s[%zu].requestHeaderModifier", base, i);
        if (f[i].type == GS_FILTER_REQUEST_HEADER_MODIFIER)
            sem_header_filter(d, &f[i].request_header_modifier, field);
        snprintf(field, sizeof field, "%s[%zu].responseHeaderModifier", base, i);
        if (f[i].type == GS_FILTER_RESPONSE_HEADER_MODIFIER)
            sem_header_filter(d, &f[i].response_header_modifier, field);
        const gs_http_path_modifier *pm = NULL;
        const char *member = NULL;
        if (f[i].type == GS_FILTER_REQUEST_REDIRECT) {
            pm = &f[i].request_redirect.path;
            member = "requestRedirect";
            snprintf(field, sizeof field, "%s[%zu].requestRedirect.hostname", base, i);
            sem_hostname_ip(d, &f[i].request_redirect.hostname, field);
        } else if (f[i].type == GS_FILTER_URL_REWRITE) {
            pm = &f[i].url_rewrite.path;
            member = "urlRewrite";
            snprintf(field, sizeof field, "%s[%zu].urlRewrite.hostname", base, i);
            sem_hostname_ip(d, &f[i].url_rewrite.hostname, field);
        }
        if (pm)
            sem_path_modifier(d, pm, base, i, member);
    }
}

/* True when |b| has entries and every weight is 0: the rule has nowhere to send. */
static bool backends_all_zero(const gs_route_backend_ref *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i].weight.v != 0)
            return false;
    return n > 0;
}

static void sem_backends(gs_decoder *d, const gs_route_backend_ref *b, size_t n,
                         size_t n_filters, gs_pos rule_pos, const char *rule_field)
{
    if (n == 0 && n_filters == 0) {
        sem_report(d, GS_DIAG_WARNING, rule_pos, rule_field,
                   "rule has neither backendRefs nor filters: every request it matches gets a "
                   "500");
        return;
    }
    if (backends_all_zero(b, n)) {
        char field[256];
        snprintf(field, sizeof field, "%s.backendRefs", rule_field);
        sem_report(d, GS_DIAG_WARNING, b[0].weight.set ? b[0].weight.pos : b[0].pos, field,
                   "every backendRef has weight 0: every request this rule matches gets a 500");
    }
    char field[256];
    for (size_t i = 0; i < n; i++) {
        snprintf(field, sizeof field, "%s.backendRefs[%zu].filters", rule_field, i);
        sem_filters(d, b[i].filters, b[i].n_filters, field);
    }
}

static void sem_parent_refs(gs_decoder *d, const gs_object *o, const gs_parent_ref *p, size_t n)
{
    char field[128];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++) {
            if (p[i].namespace.set == p[j].namespace.set)
                continue;
            if (!p[i].name.v || !p[j].name.v || strcmp(p[i].name.v, p[j].name.v) != 0 ||
                strcmp(p[i].kind.v, p[j].kind.v) != 0 || strcmp(p[i].group.v, p[j].group.v) != 0 ||
                strcmp(p[i].namespace.v, p[j].namespace.v) != 0)
                continue;
            snprintf(field, sizeof field, "spec.parentRefs[%zu]", i);
            sem_report(d, GS_DIAG_WARNING, p[i].pos, field,
                       "refers to the same %s as parentRefs[%zu], once with and once without "
                       "namespace \"%s\": the API server cannot see they are the same parent",
                       p[i].kind.v, j, o->metadata.namespace.v ? o->metadata.namespace.v : "");
            break;
        }
}

static void sem_hostnames(gs_decoder *d, const gs_sval *h, size_t n)
{
    char field[64];
    for (size_t i = 0; i < n; i++) {
        snprintf(field, sizeof field, "spec.hostnames[%zu]", i);
        sem_hostname_ip(d, &h[i], field);
    }
}

/* A rule-level URLRewrite with a backendRef-level URLRewrite or RequestRedirect: the API text
 * allows one of them per request, but the CRD's CEL rules check each filter list on its own, so
 * the API server admits the pair. Data planes differ; one known reading cuts the matched
 * prefix's length out of the already-rewritten path, inside a path element. */
static void sem_combined_filters(gs_decoder *d, const gs_http_route_rule *rule, size_t ri)
{
    size_t rw = rule->n_filters;
    for (size_t i = 0; i < rule->n_filters && rw == rule->n_filters; i++)
        if (rule->filters[i].type == GS_FILTER_URL_REWRITE)
            rw = i;
    if (rw == rule->n_filters)
        return;
    char field[256];
    for (size_t b = 0; b < rule->n_backend_refs; b++) {
        const gs_route_backend_ref *br = &rule->backend_refs[b];
        for (size_t k = 0; k < br->n_filters; k++) {
            const gs_route_filter *f = &br->filters[k];
            if (f->type != GS_FILTER_URL_REWRITE && f->type != GS_FILTER_REQUEST_REDIRECT)
                continue;
            snprintf(field, sizeof field, "spec.rules[%zu].backendRefs[%zu].filters[%zu]", ri, b,
                     k);
            sem_report(d, GS_DIAG_WARNING, f->pos, field,
                       "%s here and URLRewrite in the rule's filters[%zu]: the spec allows one "
                       "of them per request, but the API server checks each filter list on its "
                       "own; gatesim runs both and computes ReplacePrefixMatch from the path "
                       "as the route matched it, so a path set here replaces the rule's "
                       "rewrite; data planes differ (some cut the matched prefix's length out "
                       "of the rewritten path)",
                       f->type == GS_FILTER_URL_REWRITE ? "URLRewrite" : "RequestRedirect", rw);
        }
    }
}

static void sem_http_route(gs_decoder *d, const gs_http_route *r)
{
    sem_parent_refs(d, &r->obj, r->spec.parent_refs, r->spec.n_parent_refs);
    sem_hostnames(d, r->spec.hostnames, r->spec.n_hostnames);
    char field[256];
    for (size_t i = 0; i < r->spec.n_rules; i++) {
        const gs_http_route_rule *rule = &r->spec.rules[i];
        for (size_t k = 0; k < rule->n_matches; k++) {
            const gs_http_route_match *m = &rule->matches[k];
            if (m->path.type == GS_PATH_REGULAR_EXPRESSION) {
                snprintf(field, sizeof field, "spec.rules[%zu].matches[%zu].path.value", i, k);
                sem_regex(d, &m->path.value, field);
            }
            snprintf(field, sizeof field, "spec.rules[%zu].matches[%zu].headers", i, k);
            sem_value_matches(d, m->headers, m->n_headers, field, true);
            snprintf(field, sizeof field, "spec.rules[%zu].matches[%zu].queryParams", i, k);
            sem_value_matches(d, m->query_params, m->n_query_params, field, false);
        }
        snprintf(field, sizeof field, "spec.rules[%zu].filters", i);
        sem_filters(d, rule->filters, rule->n_filters, field);
        snprintf(field, sizeof field, "spec.rules[%zu]", i);
        sem_backends(d, rule->backend_refs, rule->n_backend_refs, rule->n_filters, rule->pos,
                     field);
        sem_combined_filters(d, rule, i);
    }
}

static void sem_grpc_route(gs_decoder *d, const gs_grpc_route *r)
{
    sem_parent_refs(d, &r->obj, r->spec.parent_refs, r->spec.n_parent_refs);
    sem_hostnames(d, r->spec.hostnames, r->spec.n_hostnames);
    char field[256];
    for (size_t i = 0; i < r->spec.n_rules; i++) {
        const gs_grpc_route_rule *rule = &r->spec.rules[i];
        for (size_t k = 0; k < rule->n_matches; k++) {
            const gs_grpc_route_match *m = &rule->matches[k];
            if (m->method.set && m->method.type == GS_MATCH_REGULAR_EXPRESSION) {
                snprintf(field, sizeof field, "spec.rules[%zu].matches[%zu].method.service", i, k);
                sem_regex(d, &m->method.service, field);
                snprintf(field, sizeof field, "spec.rules[%zu].matches[%zu].method.method", i, k);
                sem_regex(d, &m->method.method, field);
            }
            snprintf(field, sizeof field, "spec.rules[%zu].matches[%zu].headers", i, k);
            sem_value_matches(d, m->headers, m->n_headers, field, true);
        }
        snprintf(field, sizeof field, "spec.rules[%zu].filters", i);
        sem_filters(d, rule->filters, rule->n_filters, field);
        snprintf(field, sizeof field, "spec.rules[%zu]", i);
        sem_backends(d, rule->backend_refs, rule->n_backend_refs, rule->n_filters, rule->pos,
                     field);
    }
}

/* TLSRoute, TCPRoute, UDPRoute: the CRDs require backendRefs, so only all-zero weights leave a
 * rule with nowhere to send. */
static void sem_l4_route(gs_decoder *d, const gs_l4_route *r)
{
    sem_parent_refs(d, &r->obj, r->spec.parent_refs, r->spec.n_parent_refs);
    sem_hostnames(d, r->spec.hostnames, r->spec.n_hostnames);
    char field[256];
    for (size_t i = 0; i < r->spec.n_rules; i++) {
        const gs_l4_route_rule *rule = &r->spec.rules[i];
        if (!backends_all_zero(rule->backend_refs, rule->n_backend_refs))
            continue;
        const gs_route_backend_ref *b0 = &rule->backend_refs[0];
        snprintf(field, sizeof field, "spec.rules[%zu].backendRefs", i);
        sem_report(d, GS_DIAG_WARNING, b0->weight.set ? b0->weight.pos : b0->pos, field,
                   "every backendRef has weight 0: every %s this rule takes is refused",
                   r->obj.kind == GS_KIND_UDP_ROUTE ? "datagram" : "connection");
    }
}

/* Route kinds a listener protocol can carry (core protocols only; gs_route_kinds.c). */
static bool kind_fits_protocol(const gs_route_group_kind *k, gs_protocol p)
{
    if (!k->kind.v || strcmp(k->group.v ? k->group.v : "", GS_GATEWAY_GROUP) != 0)
        return false;
    switch (p) {
    case GS_PROTOCOL_HTTP:
    case GS_PROTOCOL_HTTPS:
    case GS_PROTOCOL_TLS:
    case GS_PROTOCOL_TCP:
    case GS_PROTOCOL_UDP: {
        const gs_route_kind *rk = gs_route_kind_find(GS_GATEWAY_GROUP, k->kind.v);
        return rk && (rk->protocols & GS_PROTOCOL_BIT(p));
    }
    default: return true;
    }
}

/* A kind that fits the protocol may still not fit the listener (TLS Passthrough: TLSRoute
 * only; gs_route_kinds_for_listener). */
static bool kind_fits_listener(const gs_route_group_kind *k, const gs_listener *l)
{
    const gs_route_kind *rk = gs_route_kind_find(GS_GATEWAY_GROUP, k->kind.v ? k->kind.v : "");
    return rk == NULL || (gs_route_kinds_for_listener(l) & GS_KIND_BIT(rk->kind));
}

/* The listener checks a Gateway and a ListenerSet share (both have spec.listeners). */
static void sem_listeners(gs_decoder *d, const gs_listener *ls, size_t n)
{
    char field[256];
    for (size_t i = 0; i < n; i++) {
        const gs_listener *l = &ls[i];
        if (l->protocol_kind == GS_PROTOCOL_HTTPS && !l->tls.set) {
            snprintf(field, sizeof field, "spec.listeners[%zu].tls", i);
            sem_report(d, GS_DIAG_WARNING, l->protocol.pos, field,
                       "an HTTPS listener needs tls (mode Terminate with certificateRefs): the "
                       "API server admits it, but the listener reports ResolvedRefs=False "
                       "(InvalidCertificateRef) and serves no traffic");
        }
        snprintf(field, sizeof field, "spec.listeners[%zu].hostname", i);
        sem_hostname_ip(d, &l->hostname, field);
        for (size_t k = 0; k < l->allowed_routes.n_kinds; k++) {
            const gs_route_group_kind *rk = &l->allowed_routes.kinds[k];
            if (kind_fits_protocol(rk, l->protocol_kind) && kind_fits_listener(rk, l))
                continue;
            snprintf(field, sizeof field, "spec.listeners[%zu].allowedRoutes.kinds[%zu]", i, k);
            sem_report(d, GS_DIAG_WARNING, rk->kind.pos, field,
                       "%s/%s routes cannot attach to a %s listener%s (the listener will report "
                       "ResolvedRefs=False, InvalidRouteKinds)",
                       rk->group.v ? rk->group.v : "", rk->kind.v ? rk->kind.v : "",
                       l->protocol.v ? l->protocol.v : "",
                       kind_fits_protocol(rk, l->protocol_kind) ? " in mode Passthrough" : "");
        }
        const gs_allowed_routes *ar = &l->allowed_routes;
        if (ar->from == GS_FROM_SELECTOR && !ar->selector.set) {
            snprintf(field, sizeof field, "spec.listeners[%zu].allowedRoutes.namespaces.selector",
                     i);
            sem_report(d, GS_DIAG_WARNING, ar->from_str.pos, field,
                       "from: Selector without a selector selects no namespace");
        }
        for (size_t k = 0; k < ar->selector.n_match_expressions; k++) {
            const gs_label_selector_requirement *r = &ar->selector.match_expressions[k];
            const char *op = r->operator.v ? r->operator.v : "";
            snprintf(field, sizeof field,
                     "spec.listeners[%zu].allowedRoutes.namespaces.selector.matchExpressions[%zu]",
                     i, k);
            bool set_op = strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0;
            bool exist_op = strcmp(op, "Exists") == 0 || strcmp(op, "DoesNotExist") == 0;
            char f2[300];
            const char *why = NULL;
            gs_pos at = r->pos;
            if (!set_op && !exist_op) {
                snprintf(f2, sizeof f2, "%s.operator", field);
                why = "the operator is not one of In, NotIn, Exists, DoesNotExist";
                at = r->operator.pos;
            } else if (set_op && r->n_values == 0) {
                snprintf(f2, sizeof f2, "%s.values", field);
                why = "values must be given when the operator is In or NotIn";
            } else if (exist_op && r->n_values > 0) {
                snprintf(f2, sizeof f2, "%s.values", field);
                why = "values must be empty when the operator is Exists or DoesNotExist";
                at = r->values[0].pos;
            }
            /* Kubernetes checks label selectors of its own kinds, not of custom resources:
             * here the API server admits what a controller later fails to parse. */
            if (why)
                sem_report(d, GS_DIAG_WARNING, at, f2,
                           "invalid label selector (%s): the API server admits it, but "
                           "controllers cannot parse it and the listener admits routes from "
                           "no namespace",
                           why);
        }
    }
}

static void sem_gateway(gs_decoder *d, const gs_gateway *gw)
{
    sem_listeners(d, gw->spec.listeners, gw->spec.n_listeners);
    const gs_allowed_listeners *al = &gw->spec.allowed_listeners;
    if (al->from == GS_FROM_SELECTOR && !al->selector.set)
        sem_report(d, GS_DIAG_WARNING, al->from_str.pos,
                   "spec.allowedListeners.namespaces.selector",
                   "from: Selector without a selector selects no namespace: no ListenerSet can "
                   "attach");
}

/* A ListenerSet's parent must be a Gateway (the CRD admits any kind). */
static void sem_listener_set(gs_decoder *d, const gs_listener_set *ls)
{
    sem_listeners(d, ls->spec.listeners, ls->spec.n_listeners);
    const gs_parent_ref *p = &ls->spec.parent_ref;
    if (strcmp(p->group.v, GS_GATEWAY_GROUP) != 0 || strcmp(p->kind.v, "Gateway") != 0)
        sem_report(d, GS_DIAG_WARNING, p->kind.pos, "spec.parentRef.kind",
                   "a ListenerSet attaches only to a %s Gateway, not to %s/%s: it attaches "
                   "nowhere and gets no status",
                   GS_GATEWAY_GROUP, p->group.v[0] ? p->group.v : "core", p->kind.v);
}

static void sem_listener_set_object(gs_decoder *d, const gs_object *o)
{
    sem_listener_set(d, (const gs_listener_set *)o);
}

void gs_semantic_http_route(gs_decoder *d, const gs_object *o)
{
    sem_http_route(d, (const gs_http_route *)o);
}

void gs_semantic_grpc_route(gs_decoder *d, const gs_object *o)
{
    sem_grpc_route(d, (const gs_grpc_route *)o);
}

void gs_semantic_l4_route(gs_decoder *d, const gs_object *o)
{
    sem_l4_route(d, (const gs_l4_route *)o);
}

static void sem_gateway_object(gs_decoder *d, const gs_object *o)
{
    sem_gateway(d, (const gs_gateway *)o);
}

/* The checks of the kinds that are not routes (routes carry theirs in gs_route_kinds). */
static void (*const sem_core_kinds[GS_KIND_COUNT_])(gs_decoder *d, const gs_object *o) = {
    [GS_KIND_GATEWAY] = sem_gateway_object,
    [GS_KIND_LISTENER_SET] = sem_listener_set_object,
};

void gs_semantic_check_object(gs_decoder *d, const gs_object *o)
{
    const gs_route_kind *rk = gs_route_kind_of(o->kind);
    void (*check)(gs_decoder *, const gs_object *) =
        rk ? rk->semantic : o->kind < GS_KIND_COUNT_ ? sem_core_kinds[o->kind] : NULL;
    if (check)
        check(d, o);
}

/* ---- checks across objects ---- */

static bool parents_overlap(const gs_parent_ref *a, const gs_parent_ref *b)
{
    if (!a->name.v || !b->name.v || strcmp(a->name.v, b->name.v) != 0 ||
        strcmp(a->namespace.v ? a->namespace.v : "", b->namespace.v ? b->namespace.v : "") != 0 ||
        strcmp(a->kind.v, "Gateway") != 0 || strcmp(b->kind.v, "Gateway") != 0)
        return false;
    if (a->section_name.v && b->section_name.v && strcmp(a->section_name.v, b->section_name.v) != 0)
        return false;
    if (a->port.has && b->port.has && a->port.v != b->port.v)
        return false;
    return true;
}

/* The first hostname the two routes' lists share ("*" when neither lists any), or NULL. */
static const char *hosts_intersection(const gs_sval *a, size_t na, const gs_sval *b, size_t nb)
{
    for (size_t i = 0; i < (na ? na : 1); i++)
        for (size_t j = 0; j < (nb ? nb : 1); j++) {
            const char *out;
            if (gs_hostname_intersect(na ? a[i].v : NULL, nb ? b[j].v : NULL, &out))
                return out ? out : "*";
        }
    return NULL;
}

size_t gs_model_check_cross(gs_model *m)
{
    size_t added = 0;
    for (size_t g = 0; g < m->n_grpc_routes; g++) {
        const gs_grpc_route *gr = m->grpc_routes[g];
        const gs_http_route *first = NULL;
        const gs_parent_ref *first_parent = NULL;
        const char *first_host = NULL;
        size_t count = 0;
        for (size_t h = 0; h < m->n_http_routes; h++) {
            const gs_http_route *hr = m->http_routes[h];
            const gs_parent_ref *shared = NULL;
            for (size_t i = 0; i < gr->spec.n_parent_refs && !shared; i++)
                for (size_t j = 0; j < hr->spec.n_parent_refs && !shared; j++)
                    if (parents_overlap(&gr->spec.parent_refs[i], &hr->spec.parent_refs[j]))
                        shared = &gr->spec.parent_refs[i];
            if (!shared)
                continue;
            const char *host = hosts_intersection(gr->spec.hostnames, gr->spec.n_hostnames,
                                                  hr->spec.hostnames, hr->spec.n_hostnames);
            if (!host)
                continue;
            if (!first) {
                first = hr;
                first_parent = shared;
                first_host = host;
            }
            count++;
        }
        if (!first)
            continue;
        char more[64] = "";
        if (count > 1)
            snprintf(more, sizeof more, " (and %zu more HTTPRoute%s)", count - 1,
                     count > 2 ? "s" : "");
        gs_diags_add(&m->diags, GS_DIAG_WARNING,
                     gr->spec.n_hostnames ? gr->spec.hostnames[0].pos : gr->obj.pos, "GRPCRoute",
                     gr->obj.metadata.namespace.v, gr->obj.metadata.name.v,
                     gr->spec.n_hostnames ? "spec.hostnames" : "spec",
                     "hostname %s is also served by HTTPRoute %s/%s%s on Gateway %s/%s: a "
                     "listener must not mix HTTPRoute and GRPCRoute for one host (a controller "
                     "rejects one of them)",
                     first_host, first->obj.metadata.namespace.v, first->obj.metadata.name.v,
                     more, first_parent->namespace.v, first_parent->name.v);
        added++;
    }
    return added;
}
