/* SPDX-License-Identifier: MIT */
/* `gatesim explain` text output: a describe-style report of the computed status and of the
 * compiled route table per listener. Formatting only; the facts come from gs_control. */
#include "gs_explain.h"

#include "gs_control.h"

#include "gs_log.h"

#include <string.h>

typedef struct explain_ctx {
    gs_buf *out;
    bool colour;
    const char *last_host; /* route-table printing: the current hostname group */
    bool host_started;
    size_t n;
} explain_ctx;

static const char *status_colour(const explain_ctx *x, const gs_condition *c)
{
    /* Conflicted and OverlappingTLSConfig are bad news when True. */
    bool negative = strcmp(c->type, "Conflicted") == 0 ||
                    strcmp(c->type, "OverlappingTLSConfig") == 0 ||
                    strcmp(c->type, "PartiallyInvalid") == 0;
    bool is_true = strcmp(c->status, "True") == 0;
    if (strcmp(c->status, "Unknown") == 0)
        return gs_term_yellow(x->colour);
    return (is_true != negative) ? gs_term_green(x->colour) : gs_term_red(x->colour);
}

static void explain_conditions(explain_ctx *x, const gs_conditions *c, int indent)
{
    gs_buf_printf(x->out, "%*sConditions:\n", indent, "");
    for (size_t i = 0; i < c->n; i++) {
        const gs_condition *k = &c->items[i];
        gs_buf_printf(x->out, "%*s%-20s %s%-7s%s %-28s %s\n", indent + 2, "", k->type,
                      status_colour(x, k), k->status, gs_term_reset(x->colour), k->reason,
                      k->message ? k->message : "");
    }
}

void gs_explain_match(const gs_rt_match *m, const gs_rt_grpc_match *g, gs_buf *out)
{
    if (g) {
        const char *type = g->type == GS_RT_MATCH_REGEX ? "RegularExpression " : "";
        gs_buf_printf(out, "gRPC %s%s/%s", type, g->service ? g->service : "*",
                      g->method ? g->method : "*");
        for (size_t i = 0; i < g->n_headers; i++)
            gs_buf_printf(out, " header %s%s%s", g->headers[i].name,
                          g->headers[i].type == GS_RT_MATCH_REGEX ? "~" : "=", g->headers[i].value);
        return;
    }
    if (m == NULL) {
        gs_buf_puts(out, "PathPrefix / (every request)");
        return;
    }
    const char *type = m->path.type == GS_RT_MATCH_EXACT   ? "Exact"
                       : m->path.type == GS_RT_MATCH_REGEX ? "RegularExpression"
                                                           : "PathPrefix";
    gs_buf_printf(out, "%s %s", type, m->path.value ? m->path.value : "/");
    if (m->method)
        gs_buf_printf(out, " method %s", m->method);
    for (size_t i = 0; i < m->n_headers; i++)
        gs_buf_printf(out, " header %s%s%s", m->headers[i].name,
                      m->headers[i].type == GS_RT_MATCH_REGEX ? "~" : "=", m->headers[i].value);
    for (size_t i = 0; i < m->n_query; i++)
        gs_buf_printf(out, " query %s%s%s", m->query[i].name,
                      m->query[i].type == GS_RT_MATCH_REGEX ? "~" : "=", m->query[i].value);
}

/* " path full /x" or " path prefix /y"; a value the API server admits but that is not an
 * absolute path also says how the gateway serves it, and so does a prefix replacement after the
 * rule's URLRewrite (|after_rewrite|): it works on the path as matched (docs/gateway.md). */
static void explain_path_mod(explain_ctx *x, const gs_rt_path_mod *p, bool after_rewrite)
{
    if (p->type == GS_RT_PATH_KEEP)
        return;
    const char *v = p->value ? p->value : "";
    bool full = p->type == GS_RT_PATH_REPLACE_FULL;
    gs_buf_printf(x->out, v[0] ? " path %s %s" : " path %s \"%s\"", full ? "full" : "prefix", v);
    if (v[0] != '/' && (full || v[0]))
        gs_buf_printf(x->out, " (served as /%s)", v);
    if (!full && after_rewrite)
        gs_buf_printf(x->out, " (of the path as matched, not the rule's rewrite)");
}

static bool explain_has_rewrite(const gs_rt_filter *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (f[i].type == GS_RT_FILTER_URL_REWRITE)
            return true;
    return false;
}

/* |after_rewrite|: these are a backendRef's filters and the rule's include a URLRewrite. */
static void explain_filters(explain_ctx *x, const gs_rt_filter *f, size_t n, int indent,
                            bool after_rewrite)
{
    for (size_t i = 0; i < n; i++) {
        gs_buf_printf(x->out, "%*sfilter %s", indent, "", gs_rt_filter_type_name(f[i].type));
        switch (f[i].type) {
        case GS_RT_FILTER_REQUEST_HEADER_MODIFIER:
        case GS_RT_FILTER_RESPONSE_HEADER_MODIFIER:
            for (size_t k = 0; k < f[i].header_mod.n_set; k++)
                gs_buf_printf(x->out, " set %s: %s", f[i].header_mod.set[k].name,
                              f[i].header_mod.set[k].value);
            for (size_t k = 0; k < f[i].header_mod.n_add; k++)
                gs_buf_printf(x->out, " add %s: %s", f[i].header_mod.add[k].name,
                              f[i].header_mod.add[k].value);
            for (size_t k = 0; k < f[i].header_mod.n_remove; k++)
                gs_buf_printf(x->out, " remove %s", f[i].header_mod.remove[k]);
            break;
        case GS_RT_FILTER_REQUEST_REDIRECT:
            gs_buf_printf(x->out, " %d", f[i].redirect.status_code);
            if (f[i].redirect.scheme)
                gs_buf_printf(x->out, " scheme %s", f[i].redirect.scheme);
            if (f[i].redirect.hostname)
                gs_buf_printf(x->out, " hostname %s", f[i].redirect.hostname);
            if (f[i].redirect.port)
                gs_buf_printf(x->out, " port %u", (unsigned)f[i].redirect.port);
            explain_path_mod(x, &f[i].redirect.path, after_rewrite);
            break;
        case GS_RT_FILTER_URL_REWRITE:
            if (f[i].rewrite.hostname)
                gs_buf_printf(x->out, " hostname %s", f[i].rewrite.hostname);
            explain_path_mod(x, &f[i].rewrite.path, after_rewrite);
            break;
        case GS_RT_FILTER_REQUEST_MIRROR:
            gs_buf_printf(
                x->out, " to %s/%s:%u (%u/%u)%s%s", f[i].mirror.backend.namespace,
                f[i].mirror.backend.name, (unsigned)f[i].mirror.backend.port, f[i].mirror.numerator,
                f[i].mirror.denominator, f[i].mirror.backend.state ? " not sent: " : "",
                f[i].mirror.backend.state ? gs_rt_backend_state_reason(f[i].mirror.backend.state)
                                          : "");
            break;
        case GS_RT_FILTER_CORS:
            gs_buf_printf(x->out, " %zu origin(s)", f[i].cors.n_allow_origins);
            break;
        case GS_RT_FILTER_EXTENSION_REF:
            gs_buf_printf(x->out, " %s %s (unresolvable: 500)", f[i].extension_ref.kind,
                          f[i].extension_ref.name);
            break;
        }
        gs_buf_putc(x->out, '\n');
    }
}

static bool explain_route_is_l4(const gs_rt_route *r)
{
    return r->kind == GS_RT_ROUTE_TLS || r->kind == GS_RT_ROUTE_TCP || r->kind == GS_RT_ROUTE_UDP;
}

static void explain_candidate(void *arg, const char *hostname, const gs_rt_route *route,
                              const gs_rt_rule *rule, const gs_rt_match *match,
                              const gs_rt_grpc_match *grpc, gs_rt_rank_key why)
{
    explain_ctx *x = arg;
    const char *h = hostname ? hostname : "(any hostname)";
    if (!x->host_started || strcmp(h, x->last_host) != 0) {
        gs_buf_printf(x->out, "        %s%s%s\n", gs_term_bold(x->colour), h,
                      gs_term_reset(x->colour));
        x->last_host = h;
        x->host_started = true;
        x->n = 0;
    }
    x->n++;
    gs_buf_printf(x->out, "          %zu. ", x->n);
    bool l4 = explain_route_is_l4(route);
    if (l4)
        gs_buf_printf(x->out, "every %s", route->kind == GS_RT_ROUTE_UDP ? "session" : "connection");
    else
        gs_explain_match(match,
                         route->kind == GS_RT_ROUTE_GRPC && grpc == NULL && !match
                             ? &(gs_rt_grpc_match){.type = GS_RT_MATCH_EXACT}
                             : grpc,
                         x->out);
    gs_buf_printf(x->out, "  %s(%s %s/%s rule %zu%s%s)%s\n", gs_term_dim(x->colour),
                  gs_control_route_kind_name(route->kind), route->namespace,
                  route->name, rule->index, rule->name ? " " : "", rule->name ? rule->name : "",
                  gs_term_reset(x->colour));
    /* Between routes whose matches rank the same, say which tie-break put this one after the
     * previous one (the spec's age, then name rule is easy to get wrong by hand). */
    if (why == GS_RT_RANK_AGE || why == GS_RT_RANK_NAME)
        gs_buf_printf(x->out, "              after %zu: %s\n", x->n - 1, gs_rt_rank_key_text(why));
    explain_filters(x, rule->filters, rule->n_filters, 14, false);
    if (rule->n_backends == 0) {
        bool answers = false;
        for (size_t i = 0; i < rule->n_filters; i++)
            answers |= rule->filters[i].type == GS_RT_FILTER_REQUEST_REDIRECT;
        if (!answers)
            gs_buf_printf(x->out, "              -> no backends: %s\n", l4 ? "refused" : "500");
    }
    for (size_t i = 0; i < rule->n_backends; i++) {
        const gs_rt_backend *b = &rule->backends[i];
        gs_buf_printf(x->out, "              -> %s/%s:%u weight %u", b->namespace, b->name,
                      (unsigned)b->port, b->weight);
        if (rule->total_weight && b->weight)
            gs_buf_printf(x->out, " (%.1f%%)", 100.0 * b->weight / (double)rule->total_weight);
        if (b->state != GS_RT_BACKEND_OK)
            gs_buf_printf(x->out, " %s%s: %s%s", gs_term_red(x->colour),
                          gs_rt_backend_state_reason(b->state), l4 ? "refused" : "answers 500",
                          gs_term_reset(x->colour));
        gs_buf_putc(x->out, '\n');
        explain_filters(x, b->filters, b->n_filters, 18,
                        explain_has_rewrite(rule->filters, rule->n_filters));
    }
    if (rule->request_timeout_ms >= 0 || rule->backend_request_timeout_ms >= 0)
        gs_buf_printf(x->out, "              timeouts: request %lldms, backendRequest %lldms\n",
                      (long long)rule->request_timeout_ms,
                      (long long)rule->backend_request_timeout_ms);
    if (rule->retry.set) {
        gs_buf_printf(x->out,
                      "              retry: %u more tr%s, backoff %lldms, on connection "
                      "errors and try timeouts",
                      rule->retry.attempts, rule->retry.attempts == 1 ? "y" : "ies",
                      (long long)rule->retry.backoff_ms);
        const char *sep = " and status ";
        for (int code = GS_RT_RETRY_CODE_MIN; code <= GS_RT_RETRY_CODE_MAX; code++) {
            if (gs_rt_retry_has_code(&rule->retry, code)) {
                gs_buf_printf(x->out, "%s%d", sep, code);
                sep = ", ";
            }
        }
        gs_buf_putc(x->out, '\n');
    }
}

static size_t table_listener(const gs_route_table *t, const char *ns, const char *gw,
                             const char *name)
{
    for (size_t i = 0; t && i < gs_route_table_listener_count(t); i++) {
        const gs_rt_listener *l = gs_route_table_listener(t, i);
        if (strcmp(l->gateway_namespace, ns) == 0 && strcmp(l->gateway_name, gw) == 0 &&
            strcmp(l->name, name) == 0)
            return i;
    }
    return (size_t)-1;
}

static bool explain_listener_l4(const char *protocol)
{
    return strcmp(protocol, "TLS") == 0 || strcmp(protocol, "TCP") == 0 ||
           strcmp(protocol, "UDP") == 0;
}

/* The table listener of listener |name| of Gateway |gw_ns|/|gw|; |set| "{ns}/{name}" of its
 * ListenerSet (the table names such listeners "{ns}/{name}/{listener}"), NULL for the Gateway's
 * own. (size_t)-1 when not programmed. */
static size_t table_listener_of(const gs_route_table *t, const char *gw_ns, const char *gw,
                                const char *set, const char *name)
{
    if (set == NULL)
        return table_listener(t, gw_ns, gw, name);
    char key[1024];
    int len = snprintf(key, sizeof(key), "%s/%s", set, name);
    if (len < 0 || (size_t)len >= sizeof(key))
        return (size_t)-1;
    return table_listener(t, gw_ns, gw, key);
}

/* The listeners of a Gateway (|set| NULL) or of ListenerSet |set| ("{ns}/{name}") attached to
 * Gateway |gw_ns|/|gw|. */
static void explain_listeners(explain_ctx *x, const gs_listener_status *ls, size_t n,
                              const gs_route_table *t, const char *gw_ns, const char *gw,
                              const char *set)
{
    gs_buf *o = x->out;
    gs_buf_printf(o, "  Listeners:%s\n", n ? "" : "    (none)");
    for (size_t i = 0; i < n; i++) {
        const gs_listener_status *l = &ls[i];
        gs_buf_printf(o, "    %s%s%s  %s port %u  hostname %s\n", gs_term_bold(x->colour), l->name,
                      gs_term_reset(x->colour), l->protocol, (unsigned)l->port,
                      l->hostname ? l->hostname : "(any)");
        gs_buf_printf(o, "      Attached routes:  %d\n", l->attached_routes);
        gs_buf_printf(o, "      Supported kinds:  ");
        for (size_t k = 0; k < l->n_supported_kinds; k++)
            gs_buf_printf(o, "%s%s", k ? ", " : "", l->supported_kinds[k].kind);
        gs_buf_printf(o, "%s\n", l->n_supported_kinds ? "" : "(none)");
        explain_conditions(x, &l->conditions, 6);
        if (l->n_routes) {
            gs_buf_printf(o, "      Routes:\n");
            for (size_t k = 0; k < l->n_routes; k++)
                gs_buf_printf(o, "        %s\n", l->routes[k]);
        }
        size_t ti = table_listener_of(t, gw_ns, gw, set, l->name);
        if (ti == (size_t)-1) {
            gs_buf_printf(o, "      Route table:      (not programmed)\n");
            continue;
        }
        const gs_rt_listener *tl = gs_route_table_listener(t, ti);
        if (tl->protocol == GS_RT_PROTO_TLS)
            gs_buf_printf(o, "      TLS mode:         %s\n",
                          tl->tls_passthrough
                              ? "Passthrough (routed by the ClientHello's server name; the "
                                "backend terminates TLS)"
                              : "Terminate (the gateway terminates TLS with the listener's "
                                "certificates; backends get the cleartext)");
        gs_buf_printf(o, "      Route table:\n");
        x->host_started = false;
        if (gs_route_table_visit(t, ti, explain_candidate, x) == 0)
            gs_buf_printf(o, "        (empty: %s)\n", explain_listener_l4(l->protocol)
                                                          ? "every connection is refused"
                                                          : "every request gets 404");
    }
}

static void explain_gateway(explain_ctx *x, const gs_gateway_status *g, const gs_route_table *t)
{
    gs_buf *o = x->out;
    gs_buf_printf(o, "%sGateway %s/%s%s\n", gs_term_bold(x->colour), g->namespace, g->name,
                  gs_term_reset(x->colour));
    gs_buf_printf(o, "  Class:       %s\n", g->class_name);
    gs_buf_printf(o, "  Controller:  %s\n", g->controller_name ? g->controller_name : "");
    for (size_t i = 0; i < g->n_notes; i++)
        gs_buf_printf(o, "  Note:        %s\n", g->notes[i]);
    if (g->has_listener_sets)
        gs_buf_printf(o, "  ListenerSets attached: %d\n", g->attached_listener_sets);
    explain_conditions(x, &g->conditions, 2);
    explain_listeners(x, g->listeners, g->n_listeners, t, g->namespace, g->name, NULL);
    gs_buf_putc(o, '\n');
}

/* Splits "ns/name" into |ns| and |name| (buffers of |n|). */
static void split_ref(const char *ref, char *ns, char *name, size_t n)
{
    const char *slash = strchr(ref, '/');
    size_t k = slash ? (size_t)(slash - ref) : 0;
    snprintf(ns, n, "%.*s", (int)k, ref);
    snprintf(name, n, "%s", slash ? slash + 1 : ref);
}

static void explain_listener_set(explain_ctx *x, const gs_listener_set_status *ls,
                                 const gs_route_table *t)
{
    gs_buf *o = x->out;
    gs_buf_printf(o, "%sListenerSet %s/%s%s\n", gs_term_bold(x->colour), ls->namespace, ls->name,
                  gs_term_reset(x->colour));
    gs_buf_printf(o, "  Parent:      Gateway %s\n", ls->parent);
    explain_conditions(x, &ls->conditions, 2);
    char gw_ns[256], gw[256], set[600];
    split_ref(ls->parent, gw_ns, gw, sizeof(gw));
    snprintf(set, sizeof(set), "%s/%s", ls->namespace, ls->name);
    explain_listeners(x, ls->listeners, ls->n_listeners, t, gw_ns, gw, set);
    gs_buf_putc(o, '\n');
}

/* The ListenerSet status |ns|/|name| in |s|, or NULL. */
static const gs_listener_set_status *explain_find_set(const gs_status_set *s, const char *ns,
                                                      const char *name)
{
    for (size_t i = 0; i < s->n_listener_sets; i++)
        if (strcmp(s->listener_sets[i].namespace, ns) == 0 &&
            strcmp(s->listener_sets[i].name, name) == 0)
            return &s->listener_sets[i];
    return NULL;
}

/* The table listener that listener |name| of parent |p| (a Gateway or a ListenerSet) became. */
static size_t parent_table_listener(const gs_status_set *s, const gs_route_table *t,
                                    const gs_parent_status *p, const char *name)
{
    if (strcmp(p->ref.kind, "ListenerSet") != 0)
        return table_listener(t, p->ref.namespace, p->ref.name, name);
    const gs_listener_set_status *ls = explain_find_set(s, p->ref.namespace, p->ref.name);
    if (ls == NULL)
        return (size_t)-1;
    char gw_ns[256], gw[256], set[600];
    split_ref(ls->parent, gw_ns, gw, sizeof(gw));
    snprintf(set, sizeof(set), "%s/%s", ls->namespace, ls->name);
    return table_listener_of(t, gw_ns, gw, set, name);
}

/* Listener |name| of parent |p| (Gateway or ListenerSet) in |s|, or NULL. */
static const gs_listener_status *explain_find_listener(const gs_status_set *s,
                                                       const gs_parent_status *p, const char *name)
{
    const char *ns = p->ref.namespace, *gw = p->ref.name;
    if (strcmp(p->ref.kind, "ListenerSet") == 0) {
        const gs_listener_set_status *ls = explain_find_set(s, ns, gw);
        for (size_t k = 0; ls && k < ls->n_listeners; k++)
            if (strcmp(ls->listeners[k].name, name) == 0)
                return &ls->listeners[k];
        return NULL;
    }
    for (size_t i = 0; i < s->n_gateways; i++) {
        const gs_gateway_status *g = &s->gateways[i];
        if (strcmp(g->namespace, ns) != 0 || strcmp(g->name, gw) != 0)
            continue;
        for (size_t k = 0; k < g->n_listeners; k++)
            if (strcmp(g->listeners[k].name, name) == 0)
                return &g->listeners[k];
    }
    return NULL;
}

/* The consequence for traffic of an attachment to listeners that are not programmed: the route
 * is Accepted there (attachment is about the route and the listener's rules), yet such a
 * listener serves nothing, which the conditions alone leave unsaid. Prints nothing when every
 * listener the route attached to is programmed. */
static void explain_parent_traffic(explain_ctx *x, const gs_status_set *s,
                                   const gs_route_table *t, const gs_parent_status *p)
{
    gs_buf *o = x->out;
    size_t dead = 0;
    for (size_t k = 0; k < p->n_listeners; k++)
        dead += parent_table_listener(s, t, p, p->listeners[k]) == (size_t)-1;
    if (dead == 0)
        return;
    if (dead == p->n_listeners) {
        gs_buf_printf(o, "    Traffic:      %snone%s: no listener it attached to is programmed, so "
                         "this Gateway serves none of its requests\n",
                      gs_term_red(x->colour), gs_term_reset(x->colour));
    } else {
        gs_buf_printf(o, "    Traffic:      only through ");
        size_t shown = 0;
        for (size_t k = 0; k < p->n_listeners; k++)
            if (parent_table_listener(s, t, p, p->listeners[k]) != (size_t)-1)
                gs_buf_printf(o, "%s%s", shown++ ? ", " : "", p->listeners[k]);
        gs_buf_printf(o, "; the other listeners it attached to are not programmed\n");
    }
    for (size_t k = 0; k < p->n_listeners; k++) {
        if (parent_table_listener(s, t, p, p->listeners[k]) != (size_t)-1)
            continue;
        const gs_listener_status *l =
            explain_find_listener(s, p, p->listeners[k]);
        const gs_condition *c = l ? gs_conditions_get(&l->conditions, "Programmed") : NULL;
        const char *why = c && c->message ? c->message : "not programmed";
        if (strncmp(why, "Not programmed: ", 16) == 0)
            why += 16;
        gs_buf_printf(o, "      - listener %s is not programmed: %s\n", p->listeners[k], why);
    }
}

static void explain_route(explain_ctx *x, const gs_status_set *s, const gs_route_table *t,
                          const gs_route_status *r)
{
    gs_buf *o = x->out;
    gs_buf_printf(o, "%s%s %s/%s%s\n", gs_term_bold(x->colour), r->kind, r->namespace, r->name,
                  gs_term_reset(x->colour));
    gs_buf_printf(o, "  Hostnames:   ");
    for (size_t i = 0; i < r->n_hostnames; i++)
        gs_buf_printf(o, "%s%s", i ? ", " : "", r->hostnames[i]);
    gs_buf_printf(o, "%s\n", r->n_hostnames ? "" : "(any)");
    for (size_t i = 0; i < r->n_notes; i++)
        gs_buf_printf(o, "  Note:        %s\n", r->notes[i]);
    if (r->n_parents == 0)
        gs_buf_printf(o, "  Parents:     none managed by this controller\n");
    for (size_t i = 0; i < r->n_parents; i++) {
        const gs_parent_status *p = &r->parents[i];
        gs_buf_printf(o, "  Parent %s %s/%s", p->ref.kind, p->ref.namespace, p->ref.name);
        if (p->ref.section_name)
            gs_buf_printf(o, " sectionName %s", p->ref.section_name);
        if (p->ref.port)
            gs_buf_printf(o, " port %d", p->ref.port);
        gs_buf_putc(o, '\n');
        gs_buf_printf(o, "    Controller:   %s\n", p->controller_name);
        gs_buf_printf(o, "    Attached to:  ");
        for (size_t k = 0; k < p->n_listeners; k++)
            gs_buf_printf(o, "%s%s", k ? ", " : "", p->listeners[k]);
        gs_buf_printf(o, "%s\n", p->n_listeners ? "" : "(no listener)");
        explain_conditions(x, &p->conditions, 4);
        if (gs_conditions_true(&p->conditions, "Accepted"))
            explain_parent_traffic(x, s, t, p);
        if (!gs_conditions_true(&p->conditions, "Accepted") && p->n_notes) {
            gs_buf_printf(o, "    Why not attached:\n");
            for (size_t k = 0; k < p->n_notes; k++)
                gs_buf_printf(o, "      - %s\n", p->notes[k]);
        }
    }
    gs_buf_putc(o, '\n');
}

static void explain_policy(explain_ctx *x, const gs_policy_status *p)
{
    gs_buf *o = x->out;
    gs_buf_printf(o, "%s%s %s/%s%s\n", gs_term_bold(x->colour), p->kind, p->namespace, p->name,
                  gs_term_reset(x->colour));
    for (size_t i = 0; i < p->n_notes; i++)
        gs_buf_printf(o, "  Note:        %s\n", p->notes[i]);
    for (size_t i = 0; i < p->n_ancestors; i++) {
        const gs_ancestor_status *a = &p->ancestors[i];
        gs_buf_printf(o, "  Ancestor %s %s/%s\n", a->ref.kind, a->ref.namespace, a->ref.name);
        gs_buf_printf(o, "    Controller:   %s\n", a->controller_name);
        explain_conditions(x, &a->conditions, 4);
    }
    gs_buf_putc(o, '\n');
}

void gs_explain_describe(const gs_status_set *s, const gs_route_table *t, bool colour, gs_buf *out)
{
    explain_ctx x = {.out = out, .colour = colour};
    for (size_t i = 0; i < s->n_classes; i++) {
        const gs_class_status *c = &s->classes[i];
        gs_buf_printf(out, "%sGatewayClass %s%s\n", gs_term_bold(colour), c->name,
                      gs_term_reset(colour));
        gs_buf_printf(out, "  Controller:  %s\n", c->controller_name);
        explain_conditions(&x, &c->conditions, 2);
        gs_buf_putc(out, '\n');
    }
    for (size_t i = 0; i < s->n_gateways; i++)
        explain_gateway(&x, &s->gateways[i], t);
    for (size_t i = 0; i < s->n_listener_sets; i++)
        explain_listener_set(&x, &s->listener_sets[i], t);
    for (size_t i = 0; i < s->n_routes; i++)
        explain_route(&x, s, t, &s->routes[i]);
    for (size_t i = 0; i < s->n_policies; i++)
        explain_policy(&x, &s->policies[i]);
    for (size_t i = 0; i < s->n_notes; i++)
        gs_buf_printf(out, "Note: %s\n", s->notes[i]);
    if (s->n_classes + s->n_gateways + s->n_routes == 0)
        gs_buf_puts(out, "No GatewayClass, Gateway or route managed by this controller.\n");
}
