/* SPDX-License-Identifier: MIT */
/* ListenerSets in control: attachment by the parent Gateway's allowedListeners (None by default,
 * Same, All, Selector), precedence of conflicting listeners (the Gateway's own, then ListenerSets
 * by age, then namespace/name; a losing listener does not take its set down), ListenerSet and
 * Gateway status (attachedListenerSets), routes with parentRef kind ListenerSet (only that
 * set's listeners; a Gateway parentRef never reaches them), the route table, and the JSON. */
#include "control_priv.h"
#include "gs_explain.h"
#include "gs_json.h"
#include "ck_conditions.h"
#include "gs_test.h"

#include <stdio.h>
#include <string.h>

static gs_model *model_of(const char *yaml)
{
    gs_model *m = NULL;
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_buffer(m, "lsets.yaml", yaml, strlen(yaml), NULL, NULL), 0);
    if (m->diags.nerrors) {
        char line[1024];
        gs_diag_format(&m->diags.items[0], line, sizeof(line));
        ck_abort_msg("manifest invalid: %s", line);
    }
    return m;
}

static gs_control *ctl_run(gs_model *m)
{
    gs_control *c = NULL;
    ck_assert_int_eq(gs_control_new(&c, NULL), 0);
    gs_error err = {0};
    ck_assert_msg(gs_control_compute(c, m, &err) == 0, "compute: %s", err.msg);
    return c;
}

static const gs_listener_set_status *lset_of(const gs_control *c, const char *ns,
                                             const char *name)
{
    const gs_status_set *s = gs_control_status(c);
    for (size_t i = 0; i < s->n_listener_sets; i++)
        if (strcmp(s->listener_sets[i].namespace, ns) == 0 &&
            strcmp(s->listener_sets[i].name, name) == 0)
            return &s->listener_sets[i];
    ck_abort_msg("no ListenerSet %s/%s", ns, name);
    return NULL;
}

static const gs_listener_status *entry_of(const gs_listener_status *ls, size_t n,
                                          const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ls[i].name, name) == 0)
            return &ls[i];
    ck_abort_msg("no listener %s", name);
    return NULL;
}

static const gs_parent_status *parent_of(const gs_control *c, const char *route, size_t i)
{
    const gs_status_set *s = gs_control_status(c);
    for (size_t k = 0; k < s->n_routes; k++)
        if (strcmp(s->routes[k].name, route) == 0) {
            ck_assert_uint_gt(s->routes[k].n_parents, i);
            return &s->routes[k].parents[i];
        }
    ck_abort_msg("no route %s", route);
    return NULL;
}

#define GW(from)                                                                                   \
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: "    \
    "infra}\nspec:\n  gatewayClassName: gs\n" from "  listeners:\n"                               \
    "  - {name: web, protocol: HTTP, port: 80, hostname: gw.example.com,"                         \
    " allowedRoutes: {namespaces: {from: All}}}\n---\n"

#define LSET(ns, name, created, listeners)                                                         \
    "apiVersion: gateway.networking.k8s.io/v1\nkind: ListenerSet\nmetadata: {name: " name          \
    ", namespace: " ns created "}\nspec:\n  parentRef: {name: gw, namespace: infra}\n"             \
    "  listeners:\n" listeners "---\n"

#define NS(name, labels)                                                                           \
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: " name ", labels: {" labels "}}\n---\n"

#define ONE_LISTENER(name, host)                                                                   \
    "  - {name: " name ", protocol: HTTP, port: 80, hostname: " host                               \
    ", allowedRoutes: {namespaces: {from: All}}}\n"

static void check_allowed(const char *gw, const char *ns, bool want_allowed)
{
    char full[4096];
    snprintf(full, sizeof(full),
             "%s" NS("team", "tier: gold") NS("other", "tier: tin")
             "apiVersion: gateway.networking.k8s.io/v1\nkind: ListenerSet\nmetadata: {name: ls, "
             "namespace: %s}\nspec:\n  parentRef: {name: gw, namespace: infra}\n  listeners:\n"
             ONE_LISTENER("extra", "ls.example.com"),
             gw, ns);
    gs_model *m = model_of(full);
    gs_control *c = ctl_run(m);
    const gs_listener_set_status *st = lset_of(c, ns, "ls");
    ck_assert_str_eq(st->parent, "infra/gw");
    const gs_gateway_status *g = &gs_control_status(c)->gateways[0];
    if (want_allowed) {
        ck_cond(&st->conditions, "Accepted", "True", "Accepted");
        ck_cond(&st->conditions, "Programmed", "True", "Programmed");
        ck_assert_uint_eq(st->n_listeners, 1);
        ck_assert_int_eq(g->attached_listener_sets, 1);
    } else {
        ck_cond(&st->conditions, "Accepted", "False", "NotAllowed");
        ck_cond(&st->conditions, "Programmed", "False", "NotAllowed");
        ck_assert_uint_eq(st->n_listeners, 0);
        ck_assert_int_eq(g->attached_listener_sets, 0);
    }
    /* the Gateway reports only its own listener */
    ck_assert_uint_eq(g->n_listeners, 1);
    gs_control_free(c);
    gs_model_free(m);
}

START_TEST(allowed_listeners_decide_attachment)
{
    check_allowed(GW(""), "infra", false); /* default None */
    check_allowed(GW("  allowedListeners: {namespaces: {from: None}}\n"), "infra", false);
    check_allowed(GW("  allowedListeners: {namespaces: {from: Same}}\n"), "infra", true);
    check_allowed(GW("  allowedListeners: {namespaces: {from: Same}}\n"), "team", false);
    check_allowed(GW("  allowedListeners: {namespaces: {from: All}}\n"), "team", true);
    const char *sel =
        GW("  allowedListeners: {namespaces: {from: Selector, selector: {matchLabels: {tier: "
           "gold}}}}\n");
    check_allowed(sel, "team", true);
    check_allowed(sel, "other", false);
}
END_TEST

/* Three ListenerSets on port 80 of a Gateway whose own HTTP listener is gw.example.com:
 * - "a-new" (newest, sorts first by name) and "z-old" (oldest) both want old.example.com: the
 *   older wins, whatever the names;
 * - "z-old" also has a TCP listener on port 80: ProtocolConflict with the Gateway's own, and
 *   only that listener loses;
 * - "b-dup" repeats the Gateway's own hostname: HostnameConflict, the Gateway's own stays. */
static const char *const conflicts =
    GW("  allowedListeners: {namespaces: {from: Same}}\n")
    LSET("infra", "a-new", ", creationTimestamp: \"2024-02-01T00:00:00Z\"",
         ONE_LISTENER("mine", "old.example.com"))
    LSET("infra", "z-old", ", creationTimestamp: \"2024-01-01T00:00:00Z\"",
         ONE_LISTENER("mine", "old.example.com") "  - {name: raw, protocol: TCP, port: 80}\n"
         ONE_LISTENER("other", "other.example.com"))
    LSET("infra", "b-dup", "", ONE_LISTENER("dup", "gw.example.com"));

START_TEST(conflicts_follow_precedence)
{
    gs_model *m = model_of(conflicts);
    gs_control *c = ctl_run(m);
    const gs_gateway_status *g = &gs_control_status(c)->gateways[0];
    ck_cond(&g->listeners[0].conditions, "Conflicted", "False", "NoConflicts");
    ck_cond(&g->listeners[0].conditions, "Programmed", "True", "Programmed");

    const gs_listener_set_status *old = lset_of(c, "infra", "z-old");
    ck_cond(&entry_of(old->listeners, old->n_listeners, "mine")->conditions, "Accepted", "True",
            "Accepted");
    const gs_listener_status *raw = entry_of(old->listeners, old->n_listeners, "raw");
    ck_cond(&raw->conditions, "Accepted", "False", "ProtocolConflict");
    ck_cond(&raw->conditions, "Conflicted", "True", "ProtocolConflict");
    ck_cond(&raw->conditions, "Programmed", "False", "ProtocolConflict");
    ck_assert_ptr_nonnull(strstr(gs_conditions_get(&raw->conditions, "Conflicted")->message,
                                 "listener web of Gateway infra/gw"));
    /* the TCP listener lost, so it does not conflict with its set's other HTTP listener */
    ck_cond(&entry_of(old->listeners, old->n_listeners, "other")->conditions, "Conflicted",
            "False", "NoConflicts");
    ck_cond(&old->conditions, "Accepted", "True", "ListenersNotValid");
    ck_cond(&old->conditions, "Programmed", "True", "Programmed");

    const gs_listener_set_status *young = lset_of(c, "infra", "a-new");
    ck_cond(&young->listeners[0].conditions, "Conflicted", "True", "HostnameConflict");
    ck_cond(&young->conditions, "Accepted", "False", "ListenersNotValid");
    ck_cond(&young->conditions, "Programmed", "False", "ListenersNotValid");
    const gs_listener_set_status *dup = lset_of(c, "infra", "b-dup");
    ck_cond(&dup->listeners[0].conditions, "Conflicted", "True", "HostnameConflict");
    /* z-old is the only one Accepted */
    ck_assert_int_eq(g->attached_listener_sets, 1);
    gs_control_free(c);
    gs_model_free(m);
}
END_TEST

#define SVC(ns)                                                                                    \
    "apiVersion: v1\nkind: Service\nmetadata: {name: app, namespace: " ns "}\nspec:\n"             \
    "  ports: [{port: 8080}]\n---\n"

#define ROUTE(name, parents)                                                                       \
    "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " name           \
    ", namespace: apps}\nspec:\n  parentRefs: " parents "\n  rules:\n"                             \
    "  - backendRefs: [{name: app, port: 8080}]\n---\n"

static const char *const routes =
    GW("  allowedListeners: {namespaces: {from: All}}\n") SVC("apps")
    LSET("team", "ls", "",
         ONE_LISTENER("extra", "ls.example.com")
         "  - {name: same, protocol: HTTP, port: 8080, hostname: same.example.com}\n")
    "apiVersion: gateway.networking.k8s.io/v1\nkind: ListenerSet\nmetadata: {name: shut, "
    "namespace: infra}\nspec:\n  parentRef: {name: gw, namespace: absent}\n  listeners:\n"
    ONE_LISTENER("x", "x.example.com") "---\n"
    ROUTE("via-set", "[{kind: ListenerSet, name: ls, namespace: team}]")
    ROUTE("via-gw", "[{name: gw, namespace: infra}]")
    ROUTE("gw-section", "[{name: gw, namespace: infra, sectionName: extra}]")
    ROUTE("set-section", "[{kind: ListenerSet, name: ls, namespace: team, sectionName: same}]");

START_TEST(routes_attach_through_their_parent_kind)
{
    gs_model *m = model_of(routes);
    gs_control *c = ctl_run(m);
    const gs_parent_status *p = parent_of(c, "via-set", 0);
    ck_assert_str_eq(p->ref.kind, "ListenerSet");
    ck_assert_str_eq(p->ref.namespace, "team");
    ck_cond(&p->conditions, "Accepted", "True", "Accepted");
    ck_assert_uint_eq(p->n_listeners, 1); /* "same" admits routes of team only */
    ck_assert_str_eq(p->listeners[0], "extra");
    ck_cond(&parent_of(c, "via-gw", 0)->conditions, "Accepted", "True", "Accepted");
    ck_assert_uint_eq(parent_of(c, "via-gw", 0)->n_listeners, 1);
    ck_assert_str_eq(parent_of(c, "via-gw", 0)->listeners[0], "web");
    /* a Gateway parentRef cannot name a ListenerSet's listener */
    ck_cond(&parent_of(c, "gw-section", 0)->conditions, "Accepted", "False", "NoMatchingParent");
    /* allowedRoutes from: Same of a ListenerSet's listener is the ListenerSet's namespace */
    ck_cond(&parent_of(c, "set-section", 0)->conditions, "Accepted", "False",
            "NotAllowedByListeners");
    const gs_listener_set_status *st = lset_of(c, "team", "ls");
    ck_assert_int_eq(entry_of(st->listeners, st->n_listeners, "extra")->attached_routes, 1);
    ck_assert_int_eq(gs_control_status(c)->gateways[0].listeners[0].attached_routes, 1);
    /* a ListenerSet whose Gateway does not exist gets a note, no status */
    const gs_status_set *s = gs_control_status(c);
    ck_assert_uint_eq(s->n_listener_sets, 1);
    bool noted = false;
    for (size_t i = 0; i < s->n_notes; i++)
        noted |= strstr(s->notes[i], "ListenerSet infra/shut") != NULL;
    ck_assert(noted);

    /* The table serves the ListenerSet's hostname on the Gateway's port with via-set. */
    const gs_route_table *t = gs_control_table(c);
    const gs_rt_port *port = gs_route_table_port(t, 0);
    ck_assert_uint_eq(port->port, 80);
    gs_rt_result res;
    gs_rt_request req = {.host = "ls.example.com", .path = "/"};
    gs_route_table_lookup(t, port, &req, &res);
    ck_assert_int_eq(res.outcome, GS_RT_MATCHED);
    ck_assert_str_eq(res.route->name, "via-set");
    req.host = "gw.example.com";
    gs_route_table_lookup(t, port, &req, &res);
    ck_assert_int_eq(res.outcome, GS_RT_MATCHED);
    ck_assert_str_eq(res.route->name, "via-gw");

    /* JSON: the ListenerSet object and the Gateway's attachedListenerSets */
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, false);
    gs_status_write_json(s, &j);
    ck_assert_ptr_nonnull(strstr(b.data, "\"kind\":\"ListenerSet\",\"namespace\":\"team\""));
    ck_assert_ptr_nonnull(strstr(b.data, "\"attachedListenerSets\":1"));
    gs_buf_clear(&b);

    /* explain: the ListenerSet with its parent and route table; the route through it is
     * served (no "Traffic: none") */
    gs_explain_describe(s, t, false, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "ListenerSet team/ls\n  Parent:      Gateway infra/gw"));
    ck_assert_ptr_nonnull(strstr(b.data, "    ls.example.com\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "  ListenerSets attached: 1\n"));
    ck_assert_ptr_null(strstr(b.data, "Traffic:"));
    gs_buf_clear(&b);
    gs_control_free(c);
    gs_model_free(m);
}
END_TEST

START_TEST(unattached_set_parent_is_no_matching_parent)
{
    gs_model *m = model_of(GW("") SVC("apps") LSET("infra", "ls", "", ONE_LISTENER("extra",
                                                                                   "ls.example.com"))
                               ROUTE("via-set", "[{kind: ListenerSet, name: ls, namespace: infra}]"));
    gs_control *c = ctl_run(m);
    const gs_parent_status *p = parent_of(c, "via-set", 0);
    ck_cond(&p->conditions, "Accepted", "False", "NoMatchingParent");
    ck_assert_ptr_nonnull(strstr(gs_conditions_get(&p->conditions, "Accepted")->message,
                                 "not attached to Gateway infra/gw"));
    ck_assert_ptr_null(strstr(gs_control_status(c)->listener_sets[0].conditions.items[0].message,
                              "(null)"));
    gs_control_free(c);
    gs_model_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("control_lsets");
    TCase *tc = tcase_create("control_lsets");
    tcase_add_test(tc, allowed_listeners_decide_attachment);
    tcase_add_test(tc, conflicts_follow_precedence);
    tcase_add_test(tc, routes_attach_through_their_parent_kind);
    tcase_add_test(tc, unattached_set_parent_is_no_matching_parent);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
