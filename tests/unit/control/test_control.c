/* SPDX-License-Identifier: MIT */
/* The controller on small manifests, one per condition reason: GatewayClass management, Gateway
 * and listener conditions (conflicts, protocols, route kinds, certificate references, overlapping
 * TLS), route parents (allowedRoutes, hostnames, sectionName/port, unsupported values, backend
 * references), attachedRoutes, HTTPRoute vs GRPCRoute, Namespace labels, and the
 * route table built from the model. */
#include "gs_control.h"
#include "ck_conditions.h"
#include "gs_test.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------------------ */

static gs_model *model_of(const char *yaml, bool keep_invalid)
{
    gs_model *m = NULL;
    gs_model_new(&m);
    gs_load_options lo = {.keep_invalid = keep_invalid};
    ck_assert_int_eq(gs_model_load_buffer(m, "test.yaml", yaml, strlen(yaml), &lo, NULL), 0);
    if (!keep_invalid && m->diags.nerrors) {
        char line[1024];
        gs_diag_format(&m->diags.items[0], line, sizeof(line));
        ck_abort_msg("manifest invalid: %s", line);
    }
    return m;
}

static gs_control *ctl_run(gs_model *m, const char *controller)
{
    gs_control *c = NULL;
    const char *names[1] = {controller};
    gs_control_opts o = {.controller_names = names, .n_controller_names = controller ? 1 : 0};
    ck_assert_int_eq(gs_control_new(&c, &o), 0);
    gs_error err = {0};
    int rc = gs_control_compute(c, m, &err);
    ck_assert_msg(rc == 0, "compute: %s", err.msg);
    return c;
}

static const gs_gateway_status *gw_of(const gs_control *c, const char *ns, const char *name)
{
    const gs_status_set *s = gs_control_status(c);
    for (size_t i = 0; i < s->n_gateways; i++)
        if (strcmp(s->gateways[i].namespace, ns) == 0 && strcmp(s->gateways[i].name, name) == 0)
            return &s->gateways[i];
    return NULL;
}

static const gs_listener_status *ls_of(const gs_control *c, const char *gw, const char *name)
{
    const gs_gateway_status *g = gw_of(c, "infra", gw);
    ck_assert_ptr_nonnull(g);
    for (size_t i = 0; i < g->n_listeners; i++)
        if (strcmp(g->listeners[i].name, name) == 0)
            return &g->listeners[i];
    ck_abort_msg("no listener %s", name);
    return NULL;
}

static const gs_route_status *route_of(const gs_control *c, const char *ns, const char *name)
{
    const gs_status_set *s = gs_control_status(c);
    for (size_t i = 0; i < s->n_routes; i++)
        if (strcmp(s->routes[i].namespace, ns) == 0 && strcmp(s->routes[i].name, name) == 0)
            return &s->routes[i];
    ck_abort_msg("no route %s/%s", ns, name);
    return NULL;
}

#define ck_msg_has(conds, type, text)                                                              \
    do {                                                                                           \
        const gs_condition *k_ = gs_conditions_get((conds), (type));                               \
        ck_assert_ptr_nonnull(k_);                                                                 \
        ck_assert_msg(strstr(k_->message, (text)) != NULL, "%s message \"%s\" lacks \"%s\"",       \
                      (type), k_->message, (text));                                                \
    } while (0)

static const gs_conditions *parent0(const gs_control *c, const char *ns, const char *name)
{
    const gs_route_status *r = route_of(c, ns, name);
    ck_assert_uint_ge(r->n_parents, 1);
    return &r->parents[0].conditions;
}

static void done(gs_control *c, gs_model *m)
{
    gs_control_free(c);
    gs_model_free(m);
}

#define GW_HEAD                                                                                    \
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: "    \
    "infra}\nspec:\n  gatewayClassName: gs\n  listeners:\n"
#define CLASS                                                                                      \
    "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: gs}\n"         \
    "spec: {controllerName: example.com/gs}\n---\n"
#define HTTP_ALL                                                                                   \
    "  - {name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}\n"
#define ROUTE(ns, name, extra)                                                                     \
    "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " name       \
    ", namespace: " ns "}\nspec:\n" extra
#define SVC(ns, name, port)                                                                        \
    "---\napiVersion: v1\nkind: Service\nmetadata: {name: " name ", namespace: " ns "}\n"          \
    "spec: {ports: [{port: " port "}]}\n"

/* ---- GatewayClass and Gateway ------------------------------------------------------------------
 */

START_TEST(classes_of_other_controllers_get_no_status)
{
    gs_model *m = model_of(
        CLASS
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: "
        "other}\nspec: {controllerName: example.com/other}\n---\n" GW_HEAD HTTP_ALL
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: "
        "og, namespace: infra}\nspec:\n  gatewayClassName: other\n  listeners:\n" HTTP_ALL ROUTE(
            "infra", "r", "  parentRefs: [{name: og}]\n"),
        false);
    gs_control *c = ctl_run(m, "example.com/gs");
    const gs_status_set *s = gs_control_status(c);
    ck_assert_uint_eq(s->n_classes, 1);
    ck_assert_str_eq(s->classes[0].name, "gs");
    ck_cond(&s->classes[0].conditions, "Accepted", "True", "Accepted");
    ck_assert_ptr_nonnull(gw_of(c, "infra", "gw"));
    ck_assert_ptr_null(gw_of(c, "infra", "og"));
    const gs_route_status *r = route_of(c, "infra", "r");
    ck_assert_uint_eq(r->n_parents, 0);
    ck_assert_uint_eq(r->n_notes, 1);
    ck_assert_ptr_nonnull(strstr(r->notes[0], "another controller"));
    done(c, m);
    /* Without --controller-name every class is managed. */
    m = model_of(CLASS "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: "
                       "{name: other}\nspec: {controllerName: example.com/other}\n",
                 false);
    c = ctl_run(m, NULL);
    ck_assert_uint_eq(gs_control_status(c)->n_classes, 2);
    done(c, m);
}
END_TEST

START_TEST(missing_class_is_managed_with_a_note)
{
    gs_model *m = model_of(GW_HEAD HTTP_ALL, false);
    gs_control *c = ctl_run(m, "example.com/mine");
    const gs_gateway_status *g = gw_of(c, "infra", "gw");
    ck_assert_ptr_nonnull(g);
    ck_assert_str_eq(g->controller_name, "example.com/mine");
    ck_assert_uint_eq(g->n_notes, 1);
    ck_assert_ptr_nonnull(strstr(g->notes[0], "not among the objects"));
    ck_cond(&g->conditions, "Accepted", "True", "Accepted");
    ck_cond(&g->conditions, "Programmed", "True", "Programmed");
    const gs_listener_status *l = ls_of(c, "gw", "http");
    ck_cond(&l->conditions, "Accepted", "True", "Accepted");
    ck_cond(&l->conditions, "Conflicted", "False", "NoConflicts");
    ck_cond(&l->conditions, "ResolvedRefs", "True", "ResolvedRefs");
    ck_cond(&l->conditions, "Programmed", "True", "Programmed");
    ck_assert_uint_eq(l->n_supported_kinds, 2);
    done(c, m);
}
END_TEST

/* A listener whose certificate is missing is Accepted but not valid: its Gateway is Accepted
 * (with ListenersNotValid naming it), never Accepted=False beside an Accepted listener. */
START_TEST(gateway_accepted_agrees_with_listeners)
{
    gs_model *m = model_of(CLASS GW_HEAD
                           "  - {name: https, protocol: HTTPS, port: 443, tls: "
                           "{certificateRefs: [{name: missing}]}}\n",
                           false);
    gs_control *c = ctl_run(m, NULL);
    const gs_listener_status *l = ls_of(c, "gw", "https");
    ck_cond(&l->conditions, "Accepted", "True", "Accepted");
    ck_cond(&l->conditions, "ResolvedRefs", "False", "InvalidCertificateRef");
    const gs_gateway_status *g = gw_of(c, "infra", "gw");
    ck_cond(&g->conditions, "Accepted", "True", "ListenersNotValid");
    ck_cond(&g->conditions, "Programmed", "False", "Invalid");
    ck_assert_str_eq(gs_conditions_get(&g->conditions, "Accepted")->message,
                     "1 of 1 listener is not valid: https (InvalidCertificateRef)");
    done(c, m);
}
END_TEST

START_TEST(protocol_conflict_and_listeners_not_valid)
{
    gs_model *m = model_of(CLASS GW_HEAD
                           "  - {name: a, protocol: HTTP, port: 80}\n"
                           "  - {name: b, protocol: HTTPS, port: 80, hostname: b.example.com, tls: "
                           "{certificateRefs: [{name: s}]}}\n"
                           "  - {name: c, protocol: HTTP, port: 8080}\n",
                           false);
    gs_control *c = ctl_run(m, NULL);
    for (int i = 0; i < 2; i++) {
        const gs_listener_status *l = ls_of(c, "gw", i ? "b" : "a");
        ck_cond(&l->conditions, "Conflicted", "True", "ProtocolConflict");
        ck_cond(&l->conditions, "Accepted", "False", "ProtocolConflict");
        ck_cond(&l->conditions, "Programmed", "False", "ProtocolConflict");
    }
    ck_cond(&ls_of(c, "gw", "c")->conditions, "Programmed", "True", "Programmed");
    const gs_gateway_status *g = gw_of(c, "infra", "gw");
    ck_cond(&g->conditions, "Accepted", "True", "ListenersNotValid");
    ck_assert_uint_eq(gs_route_table_listener_count(gs_control_table(c)), 1);
    done(c, m);
    m = model_of(CLASS GW_HEAD "  - {name: a, protocol: HTTP, port: 80}\n"
                               "  - {name: b, protocol: HTTPS, port: 80, hostname: b.example.com, "
                               "tls: {certificateRefs: [{name: s}]}}\n",
                 false);
    c = ctl_run(m, NULL);
    ck_cond(&gw_of(c, "infra", "gw")->conditions, "Accepted", "False", "ListenersNotValid");
    ck_cond(&gw_of(c, "infra", "gw")->conditions, "Programmed", "False", "Invalid");
    done(c, m);
}
END_TEST

START_TEST(gateway_parameters_ref_is_invalid_parameters)
{
    /* The builtin gateway has no parameters kind: any infrastructure.parametersRef makes the
     * Gateway Accepted=False/InvalidParameters and keeps its listeners out of the table. */
    gs_model *m = model_of(CLASS GW_HEAD HTTP_ALL
                           "  infrastructure:\n    parametersRef: {group: invalid.io, kind: "
                           "InvalidParameters, name: invalid}\n",
                           false);
    gs_control *c = ctl_run(m, NULL);
    const gs_gateway_status *g = gw_of(c, "infra", "gw");
    ck_cond(&g->conditions, "Accepted", "False", "InvalidParameters");
    ck_msg_has(&g->conditions, "Accepted", "invalid.io/InvalidParameters invalid");
    ck_cond(&g->conditions, "Programmed", "False", "Invalid");
    ck_cond(&ls_of(c, "gw", "http")->conditions, "Programmed", "False", "Invalid");
    ck_assert_uint_eq(gs_route_table_listener_count(gs_control_table(c)), 0);
    done(c, m);
    /* Without it the same Gateway is accepted and served. */
    m = model_of(CLASS GW_HEAD HTTP_ALL, false);
    c = ctl_run(m, NULL);
    ck_cond(&gw_of(c, "infra", "gw")->conditions, "Accepted", "True", "Accepted");
    ck_assert_uint_eq(gs_route_table_listener_count(gs_control_table(c)), 1);
    done(c, m);
}
END_TEST

START_TEST(hostname_conflict)
{
    /* The CRD's CEL rejects this within one Gateway; the controller still marks it. */
    gs_model *m = model_of(CLASS GW_HEAD "  - {name: a, protocol: HTTP, port: 80, hostname: "
                                         "x.example.com}\n"
                                         "  - {name: b, protocol: HTTP, port: 80, hostname: "
                                         "x.example.com}\n",
                           true);
    gs_control *c = ctl_run(m, NULL);
    ck_cond(&ls_of(c, "gw", "a")->conditions, "Conflicted", "True", "HostnameConflict");
    ck_cond(&ls_of(c, "gw", "b")->conditions, "Accepted", "False", "HostnameConflict");
    done(c, m);
}
END_TEST

#define L4_ROUTE(kind, ns, name, spec)                                                             \
    "---\napiVersion: gateway.networking.k8s.io/v1\nkind: " kind "\nmetadata: {name: " name        \
    ", namespace: " ns "}\nspec:\n" spec

/* TLSRoute, TCPRoute and UDPRoute attach by the same rules as HTTP routes (kind, sectionName,
 * hostnames against SNI listeners, backend resolution); their listeners are programmed into the
 * route table, a UDP port apart from a TCP port of the same number, and layer-4 lookups find
 * the routes. */
START_TEST(l4_routes_attach_to_l4_listeners)
{
    gs_model *m = model_of(
        CLASS GW_HEAD
        "  - {name: pass, protocol: TLS, port: 8443, hostname: '*.example.com', tls: {mode: "
        "Passthrough}}\n"
        "  - {name: term, protocol: TLS, port: 8444, tls: {mode: Terminate, certificateRefs: [{name: "
        "missing}]}}\n"
        "  - {name: tcp, protocol: TCP, port: 9000}\n"
        "  - {name: udp, protocol: UDP, port: 9000}\n" SVC("infra", "db", "5432")
            SVC("infra", "dns", "53")
                L4_ROUTE("TLSRoute", "infra", "tls-a",
                         "  parentRefs: [{name: gw, sectionName: pass}]\n"
                         "  hostnames: [a.example.com]\n"
                         "  rules: [{backendRefs: [{name: db, port: 5432}]}]\n")
                    L4_ROUTE("TLSRoute", "infra", "tls-other",
                             "  parentRefs: [{name: gw, sectionName: pass}]\n"
                             "  hostnames: [a.other.org]\n"
                             "  rules: [{backendRefs: [{name: db, port: 5432}]}]\n")
                        L4_ROUTE("TCPRoute", "infra", "tcp",
                                 "  parentRefs: [{name: gw, sectionName: tcp}]\n"
                                 "  rules: [{backendRefs: [{name: db, port: 5432}, {name: gone, "
                                 "port: 1}]}]\n")
                            L4_ROUTE("UDPRoute", "infra", "udp",
                                     "  parentRefs: [{name: gw, port: 9000}]\n"
                                     "  rules: [{backendRefs: [{name: dns, port: 53}]}]\n")
                                L4_ROUTE("UDPRoute", "infra", "udp-on-tcp",
                                         "  parentRefs: [{name: gw, sectionName: tcp}]\n"
                                         "  rules: [{backendRefs: [{name: dns, port: 53}]}]\n"),
        false);
    gs_control *c = ctl_run(m, "example.com/gs");
    static const char *const l4[] = {"pass", "tcp", "udp"};
    for (size_t i = 0; i < 3; i++) {
        const gs_listener_status *ls = ls_of(c, "gw", l4[i]);
        ck_cond(&ls->conditions, "Accepted", "True", "Accepted");
        ck_cond(&ls->conditions, "ResolvedRefs", "True", "ResolvedRefs");
        ck_cond(&ls->conditions, "Programmed", "True", "Programmed");
    }
    /* Terminate resolves its certificate, as HTTPS does. */
    ck_cond(&ls_of(c, "gw", "term")->conditions, "ResolvedRefs", "False", "InvalidCertificateRef");
    ck_msg_has(&ls_of(c, "gw", "term")->conditions, "ResolvedRefs", "does not exist");
    ck_assert_int_eq(ls_of(c, "gw", "pass")->attached_routes, 1);
    ck_assert_int_eq(ls_of(c, "gw", "tcp")->attached_routes, 1);
    ck_assert_int_eq(ls_of(c, "gw", "udp")->attached_routes, 1);

    ck_cond(parent0(c, "infra", "tls-a"), "Accepted", "True", "Accepted");
    ck_cond(parent0(c, "infra", "tls-a"), "ResolvedRefs", "True", "ResolvedRefs");
    ck_assert_str_eq(route_of(c, "infra", "tls-a")->kind, "TLSRoute");
    ck_cond(parent0(c, "infra", "tls-other"), "Accepted", "False", "NoMatchingListenerHostname");
    ck_cond(parent0(c, "infra", "tcp"), "Accepted", "True", "Accepted");
    ck_cond(parent0(c, "infra", "tcp"), "ResolvedRefs", "False", "BackendNotFound");
    ck_msg_has(parent0(c, "infra", "tcp"), "ResolvedRefs", "gone");
    /* port 9000 holds both the TCP and the UDP listener: the UDPRoute takes only the UDP one */
    ck_cond(parent0(c, "infra", "udp"), "Accepted", "True", "Accepted");
    ck_cond(parent0(c, "infra", "udp-on-tcp"), "Accepted", "False", "NotAllowedByListeners");
    ck_msg_has(parent0(c, "infra", "udp-on-tcp"), "Accepted", "takes no UDPRoute");
    /* pass, tcp and udp are in the table (term is not programmed) */
    const gs_route_table *t = gs_control_table(c);
    ck_assert_uint_eq(gs_route_table_listener_count(t), 3);
    const gs_rt_port *pass = gs_route_table_find_port(t, "infra", "gw", 8443);
    const gs_rt_port *tcp = gs_route_table_find_port(t, "infra", "gw", 9000);
    const gs_rt_port *udp = gs_route_table_find_udp_port(t, "infra", "gw", 9000);
    ck_assert_ptr_nonnull(pass);
    ck_assert_ptr_nonnull(tcp);
    ck_assert_ptr_nonnull(udp);
    ck_assert_ptr_ne(tcp, udp);
    ck_assert_ptr_null(gs_route_table_find_udp_port(t, "infra", "gw", 8443));
    ck_assert(pass->listeners[0]->tls_passthrough);
    gs_rt_result r;
    ck_assert_int_eq(gs_route_table_lookup_l4(t, pass, "A.example.com", &r), 0);
    ck_assert_int_eq(r.outcome, GS_RT_MATCHED);
    ck_assert_str_eq(r.route->name, "tls-a");
    ck_assert_str_eq(r.rule->backends[0].name, "db");
    gs_route_table_lookup_l4(t, pass, "b.example.com", &r);
    ck_assert_int_eq(r.outcome, GS_RT_NO_ROUTE);
    gs_route_table_lookup_l4(t, pass, NULL, &r); /* no SNI: the listener has a hostname */
    ck_assert_int_eq(r.outcome, GS_RT_NO_LISTENER);
    gs_route_table_lookup_l4(t, tcp, NULL, &r);
    ck_assert_int_eq(r.outcome, GS_RT_MATCHED);
    ck_assert_str_eq(r.route->name, "tcp");
    ck_assert_int_eq(r.rule->backends[1].state, GS_RT_BACKEND_NOT_FOUND);
    gs_route_table_lookup_l4(t, udp, NULL, &r);
    ck_assert_int_eq(r.outcome, GS_RT_MATCHED);
    ck_assert_str_eq(r.route->name, "udp");
    ck_assert_int_eq(r.route->kind, GS_RT_ROUTE_UDP);
    done(c, m);
}
END_TEST

START_TEST(unsupported_protocol_and_invalid_route_kinds)
{
    gs_model *m = model_of(
        CLASS GW_HEAD "  - {name: quic, protocol: example.com/Quic, port: 9000}\n"
                      "  - {name: odd, protocol: HTTP, port: 80, allowedRoutes: {kinds: [{kind: "
                      "TCPRoute}]}}\n"
                      "  - {name: mixed, protocol: HTTP, port: 81, allowedRoutes: {kinds: [{kind: "
                      "HTTPRoute}, {group: example.com, kind: Foo}]}}\n" ROUTE(
                          "infra", "r", "  parentRefs: [{name: gw, sectionName: odd}]\n"),
        false);
    gs_control *c = ctl_run(m, NULL);
    const gs_listener_status *quic = ls_of(c, "gw", "quic");
    ck_cond(&quic->conditions, "Accepted", "False", "UnsupportedProtocol");
    ck_assert_uint_eq(quic->n_supported_kinds, 0);
    const gs_listener_status *odd = ls_of(c, "gw", "odd");
    ck_cond(&odd->conditions, "ResolvedRefs", "False", "InvalidRouteKinds");
    ck_assert_uint_eq(odd->n_supported_kinds, 0);
    ck_cond(&odd->conditions, "Programmed", "False", "Invalid");
    const gs_listener_status *mixed = ls_of(c, "gw", "mixed");
    ck_cond(&mixed->conditions, "ResolvedRefs", "False", "InvalidRouteKinds");
    ck_assert_uint_eq(mixed->n_supported_kinds, 1);
    ck_assert_str_eq(mixed->supported_kinds[0].kind, "HTTPRoute");
    ck_cond(&mixed->conditions, "Programmed", "True", "Programmed");
    /* A route on a listener that takes no HTTPRoute is not allowed by it. */
    ck_cond(parent0(c, "infra", "r"), "Accepted", "False", "NotAllowedByListeners");
    ck_msg_has(parent0(c, "infra", "r"), "Accepted", "does not allow kind HTTPRoute");
    done(c, m);
}
END_TEST

/* ---- certificates -------------------------------------------------------------------------- */

static char *indent_pem(const char *pem)
{
    gs_buf b = {0};
    gs_buf_puts(&b, "      ");
    for (const char *p = pem; *p; p++) {
        gs_buf_putc(&b, *p);
        if (*p == '\n' && p[1])
            gs_buf_puts(&b, "      ");
    }
    return gs_buf_take(&b);
}

/* A kubernetes.io/tls Secret ns/name with a fresh key pair (stringData). */
static char *tls_secret(const char *ns, const char *name, bool corrupt)
{
    gs_tls_pem ca = {0}, leaf = {0};
    ck_assert_int_eq(gs_tls_ca_generate(&ca, "test", NULL), 0);
    const char *names[] = {"*.example.com"};
    ck_assert_int_eq(gs_tls_leaf_generate(&leaf, &ca, names, 1, NULL), 0);
    char *crt = indent_pem(corrupt ? "-----BEGIN CERTIFICATE-----\nnot base64\n"
                                     "-----END CERTIFICATE-----\n"
                                   : leaf.cert);
    char *key = indent_pem(leaf.key);
    char *out = gs_xasprintf("---\napiVersion: v1\nkind: Secret\nmetadata: {name: %s, namespace: "
                             "%s}\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: |\n%s\n"
                             "  tls.key: |\n%s\n",
                             name, ns, crt, key);
    free(crt);
    free(key);
    gs_tls_pem_clear(&ca);
    gs_tls_pem_clear(&leaf);
    return out;
}

#define HTTPS_L(name, host, ref)                                                                   \
    "  - {name: " name ", protocol: HTTPS, port: 443, hostname: \"" host                           \
    "\", tls: {certificateRefs: [" ref "]}}\n"

START_TEST(certificate_references)
{
    char *good = tls_secret("infra", "good", false);
    char *bad = tls_secret("infra", "bad", true);
    char *other = tls_secret("certs", "shared", false);
    char *yaml = gs_xasprintf(
        CLASS GW_HEAD HTTPS_L("ok", "ok.example.com", "{name: good}")
            HTTPS_L("missing", "missing.example.com", "{name: nope}")
                HTTPS_L("malformed", "malformed.example.com", "{name: bad}")
                    HTTPS_L("kind", "kind.example.com", "{kind: ConfigMap, name: good}") HTTPS_L(
                        "cross", "cross.example.com", "{name: shared, namespace: certs}") "%s%s%s",
        good, bad, other);
    gs_model *m = model_of(yaml, false);
    gs_control *c = ctl_run(m, NULL);
    ck_cond(&ls_of(c, "gw", "ok")->conditions, "ResolvedRefs", "True", "ResolvedRefs");
    ck_cond(&ls_of(c, "gw", "ok")->conditions, "Programmed", "True", "Programmed");
    ck_cond(&ls_of(c, "gw", "missing")->conditions, "ResolvedRefs", "False",
            "InvalidCertificateRef");
    ck_msg_has(&ls_of(c, "gw", "missing")->conditions, "ResolvedRefs", "does not exist");
    ck_cond(&ls_of(c, "gw", "missing")->conditions, "Programmed", "False", "Invalid");
    ck_cond(&ls_of(c, "gw", "malformed")->conditions, "ResolvedRefs", "False",
            "InvalidCertificateRef");
    ck_msg_has(&ls_of(c, "gw", "malformed")->conditions, "ResolvedRefs", "malformed");
    ck_cond(&ls_of(c, "gw", "kind")->conditions, "ResolvedRefs", "False", "InvalidCertificateRef");
    ck_cond(&ls_of(c, "gw", "cross")->conditions, "ResolvedRefs", "False", "RefNotPermitted");
    /* The programmed listener carries its PEMs into the table. */
    const gs_route_table *t = gs_control_table(c);
    ck_assert_uint_eq(gs_route_table_listener_count(t), 1);
    const gs_rt_listener *l = gs_route_table_listener(t, 0);
    ck_assert_str_eq(l->name, "ok");
    ck_assert_uint_eq(l->n_certs, 1);
    ck_assert_ptr_nonnull(strstr(l->certs[0].cert_pem, "BEGIN CERTIFICATE"));
    ck_assert_ptr_nonnull(strstr(l->certs[0].key_pem, "PRIVATE KEY"));
    done(c, m);
    /* A ReferenceGrant in the Secret's namespace permits the cross-namespace reference. */
    char *granted = gs_xasprintf(
        "%s---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: "
        "{name: g, namespace: certs}\nspec:\n  from: [{group: gateway.networking.k8s.io, kind: "
        "Gateway, namespace: infra}]\n  to: [{group: \"\", kind: Secret}]\n",
        yaml);
    m = model_of(granted, false);
    c = ctl_run(m, NULL);
    ck_cond(&ls_of(c, "gw", "cross")->conditions, "ResolvedRefs", "True", "ResolvedRefs");
    done(c, m);
    free(granted);
    free(yaml);
    free(good);
    free(bad);
    free(other);
}
END_TEST

START_TEST(overlapping_tls_hostnames)
{
    gs_model *m = model_of(CLASS GW_HEAD HTTPS_L("foo", "foo.example.com", "{name: s}")
                               HTTPS_L("wild", "*.example.com", "{name: s}")
                                   HTTPS_L("other", "other.org", "{name: s}"),
                           false);
    gs_control *c = ctl_run(m, NULL);
    ck_cond(&ls_of(c, "gw", "foo")->conditions, "OverlappingTLSConfig", "True",
            "OverlappingHostnames");
    ck_cond(&ls_of(c, "gw", "wild")->conditions, "OverlappingTLSConfig", "True",
            "OverlappingHostnames");
    ck_assert_ptr_null(
        gs_conditions_get(&ls_of(c, "gw", "other")->conditions, "OverlappingTLSConfig"));
    done(c, m);
}
END_TEST

/* ---- route attachment ------------------------------------------------------------------------ */

START_TEST(not_allowed_by_listeners_namespaces)
{
    gs_model *m = model_of(
        CLASS GW_HEAD
        "  - {name: same, protocol: HTTP, port: 80}\n"
        "  - {name: sel, protocol: HTTP, port: 81, allowedRoutes: {namespaces: "
        "{from: Selector, selector: {matchLabels: {env: prod}}}}}\n"
        "  - {name: expr, protocol: HTTP, port: 82, allowedRoutes: {namespaces: "
        "{from: Selector, selector: {matchExpressions: [{key: tier, operator: In, "
        "values: [gold, silver]}]}}}}\n" ROUTE("team", "r-same",
                                               "  parentRefs: [{name: gw, "
                                               "namespace: infra, sectionName: "
                                               "same}]\n")
            ROUTE("team", "r-sel",
                  "  parentRefs: [{name: gw, namespace: infra, sectionName: sel}]\n")
                ROUTE("team", "r-expr",
                      "  parentRefs: [{name: gw, namespace: infra, sectionName: expr}]\n")
                    ROUTE("infra", "r-local", "  parentRefs: [{name: gw, sectionName: same}]\n"),
        false);
    gs_control *c = ctl_run(m, NULL);
    ck_cond(parent0(c, "team", "r-same"), "Accepted", "False", "NotAllowedByListeners");
    ck_msg_has(parent0(c, "team", "r-same"), "Accepted", "from: Same");
    ck_cond(parent0(c, "team", "r-sel"), "Accepted", "False", "NotAllowedByListeners");
    ck_msg_has(parent0(c, "team", "r-sel"), "Accepted",
               "namespace team has no label env=prod required by listener sel of infra/gw");
    ck_cond(parent0(c, "team", "r-expr"), "Accepted", "False", "NotAllowedByListeners");
    ck_msg_has(parent0(c, "team", "r-expr"), "Accepted", "tier");
    ck_cond(parent0(c, "infra", "r-local"), "Accepted", "True", "Accepted");
    ck_assert_int_eq(ls_of(c, "gw", "same")->attached_routes, 1);
    ck_assert_int_eq(ls_of(c, "gw", "sel")->attached_routes, 0);
    gs_control_free(c);

    /* A Namespace object's labels are what selectors see (a scenario's namespace labels reach
     * control the same way: gs_objset renders them as a Namespace object). */
    static const char team_ns[] = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n"
                                  "  labels: {env: prod, tier: silver}\n";
    ck_assert_int_eq(gs_model_load_buffer(m, "ns.yaml", team_ns, strlen(team_ns), NULL, NULL), 0);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    gs_control_new(&c, NULL);
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);
    ck_cond(parent0(c, "team", "r-sel"), "Accepted", "True", "Accepted");
    ck_cond(parent0(c, "team", "r-expr"), "Accepted", "True", "Accepted");
    ck_assert_int_eq(ls_of(c, "gw", "sel")->attached_routes, 1);
    done(c, m);
}
END_TEST

START_TEST(namespace_selectors_see_the_metadata_name_label)
{
    /* Every namespace has kubernetes.io/metadata.name, whether or not a Namespace object says
     * so: "team" has no object, "blue" has one with other labels only. */
    gs_model *m = model_of(
        CLASS GW_HEAD
        "  - {name: sel, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: Selector, "
        "selector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, "
        "values: [team, blue]}]}}}}\n"
        "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: blue, labels: {env: prod}}\n"
        ROUTE("team", "r-team", "  parentRefs: [{name: gw, namespace: infra}]\n")
        ROUTE("blue", "r-blue", "  parentRefs: [{name: gw, namespace: infra}]\n")
        ROUTE("red", "r-red", "  parentRefs: [{name: gw, namespace: infra}]\n"),
        false);
    gs_control *c = ctl_run(m, NULL);
    ck_cond(parent0(c, "team", "r-team"), "Accepted", "True", "Accepted");
    ck_cond(parent0(c, "blue", "r-blue"), "Accepted", "True", "Accepted");
    ck_cond(parent0(c, "red", "r-red"), "Accepted", "False", "NotAllowedByListeners");
    ck_assert_int_eq(ls_of(c, "gw", "sel")->attached_routes, 2);
    /* A second compute on the same controller starts from the new model's namespaces only. */
    gs_model *m2 = model_of(CLASS GW_HEAD
                            "  - {name: sel, protocol: HTTP, port: 80, allowedRoutes: "
                            "{namespaces: {from: Selector, selector: {matchLabels: {env: prod}}}}}\n"
                            ROUTE("blue", "r-blue", "  parentRefs: [{name: gw, namespace: infra}]\n"),
                            false);
    ck_assert_int_eq(gs_control_compute(c, m2, NULL), 0);
    ck_cond(parent0(c, "blue", "r-blue"), "Accepted", "False", "NotAllowedByListeners");
    gs_model_free(m2);
    done(c, m);
}
END_TEST

START_TEST(no_matching_listener_hostname_and_parent)
{
    gs_model *m = model_of(
        CLASS GW_HEAD
        "  - {name: a, protocol: HTTP, port: 80, hostname: a.example.com, "
        "allowedRoutes: {namespaces: {from: All}}}\n" ROUTE("infra", "host",
                                                            "  parentRefs: [{name: "
                                                            "gw}]\n  hostnames: "
                                                            "[b.example.com]\n")
            ROUTE("infra", "section", "  parentRefs: [{name: gw, sectionName: nope}]\n")
                ROUTE("infra", "port", "  parentRefs: [{name: gw, port: 8080}]\n")
                    ROUTE("infra", "both", "  parentRefs: [{name: gw, sectionName: a, port: 81}]\n")
                        ROUTE("infra", "wild",
                              "  parentRefs: [{name: gw}]\n  hostnames: "
                              "[\"*.example.com\"]\n"),
        false);
    gs_control *c = ctl_run(m, NULL);
    ck_cond(parent0(c, "infra", "host"), "Accepted", "False", "NoMatchingListenerHostname");
    ck_msg_has(parent0(c, "infra", "host"), "Accepted", "b.example.com");
    ck_cond(parent0(c, "infra", "section"), "Accepted", "False", "NoMatchingParent");
    ck_msg_has(parent0(c, "infra", "section"), "Accepted", "no listener named nope");
    ck_cond(parent0(c, "infra", "port"), "Accepted", "False", "NoMatchingParent");
    ck_cond(parent0(c, "infra", "both"), "Accepted", "False", "NoMatchingParent");
    ck_msg_has(parent0(c, "infra", "both"), "Accepted", "port 80, not 81");
    ck_cond(parent0(c, "infra", "wild"), "Accepted", "True", "Accepted");
    ck_assert_int_eq(ls_of(c, "gw", "a")->attached_routes, 1);
    done(c, m);
}
END_TEST

START_TEST(unimplemented_session_persistence_drops_the_rule)
{
    /* A field the builtin gateway does not implement is reported, never served as absent. */
    gs_model *m = model_of(
        CLASS GW_HEAD HTTP_ALL ROUTE(
            "infra", "sticky",
            "  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {value: /s}}]\n"
            "    sessionPersistence: {sessionName: s}\n  - matches: [{path: {value: /ok}}]\n"),
        false);
    gs_control *c = ctl_run(m, NULL);
    ck_cond(parent0(c, "infra", "sticky"), "Accepted", "True", "Accepted");
    ck_cond(parent0(c, "infra", "sticky"), "PartiallyInvalid", "True", "UnsupportedValue");
    ck_msg_has(parent0(c, "infra", "sticky"), "PartiallyInvalid",
               "sessionPersistence is not implemented");
    done(c, m);
}
END_TEST

START_TEST(unsupported_value_and_partially_invalid)
{
    gs_model *m = model_of(
        CLASS GW_HEAD HTTP_ALL ROUTE(
            "infra", "allbad",
            "  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {type: "
            "RegularExpression, value: \"/a(\"}}]\n")
            ROUTE("infra", "partly",
                  "  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {type: "
                  "RegularExpression, value: \"/b(\"}}]\n  - matches: [{path: {value: /ok}}]\n"),
        false);
    gs_control *c = ctl_run(m, NULL);
    ck_cond(parent0(c, "infra", "allbad"), "Accepted", "False", "UnsupportedValue");
    ck_cond(parent0(c, "infra", "partly"), "Accepted", "True", "Accepted");
    ck_cond(parent0(c, "infra", "partly"), "PartiallyInvalid", "True", "UnsupportedValue");
    ck_msg_has(parent0(c, "infra", "partly"), "PartiallyInvalid", "Dropped Rule");
    ck_assert_ptr_null(gs_conditions_get(parent0(c, "infra", "allbad"), "PartiallyInvalid"));
    ck_assert_int_eq(ls_of(c, "gw", "http")->attached_routes, 1);
    /* Only the valid rule is in the table. */
    const gs_route_table *t = gs_control_table(c);
    const gs_rt_port *p = gs_route_table_port(t, 0);
    gs_rt_result res;
    gs_rt_request req = {.host = "x", .path = "/ok"};
    gs_route_table_lookup(t, p, &req, &res);
    ck_assert_int_eq(res.outcome, GS_RT_MATCHED);
    ck_assert_str_eq(res.route->name, "partly");
    ck_assert_uint_eq(res.route->n_rules, 1);
    req.path = "/b(";
    gs_route_table_lookup(t, p, &req, &res);
    ck_assert_int_eq(res.outcome, GS_RT_NO_ROUTE);
    done(c, m);
}
END_TEST

START_TEST(websocket_app_protocol_resolves)
{
    /* The gateway tunnels Upgrade over HTTP/1.1, so kubernetes.io/ws is a usable backend;
     * kubernetes.io/wss (TLS to the backend) is not (see backend_references). */
    gs_model *m =
        model_of(CLASS GW_HEAD HTTP_ALL
                 "---\napiVersion: v1\nkind: Service\nmetadata: {name: ws, namespace: infra}\n"
                 "spec: {ports: [{port: 80, appProtocol: kubernetes.io/ws}]}\n" ROUTE(
                     "infra", "chat",
                     "  parentRefs: [{name: gw}]\n"
                     "  rules: [{backendRefs: [{name: ws, port: 80}]}]\n"),
                 false);
    gs_control *c = ctl_run(m, NULL);
    ck_cond(parent0(c, "infra", "chat"), "Accepted", "True", "Accepted");
    ck_cond(parent0(c, "infra", "chat"), "ResolvedRefs", "True", "ResolvedRefs");
    done(c, m);
}
END_TEST

START_TEST(backend_references)
{
    gs_model *m = model_of(
        CLASS GW_HEAD HTTP_ALL SVC(
            "infra", "app",
            "80") "---\napiVersion: v1\nkind: Service\nmetadata: {name: wss, namespace: infra}\n"
                  "spec: {ports: [{port: 80, appProtocol: kubernetes.io/wss}]}\n" SVC(
                      "other", "far",
                      "80") ROUTE("infra", "r",
                                  "  parentRefs: [{name: gw}]\n  rules:\n"
                                  "  - matches: [{path: {value: /ok}}]\n    backendRefs: [{name: "
                                  "app, port: "
                                  "80}]\n"
                                  "  - matches: [{path: {value: /gone}}]\n    backendRefs: [{name: "
                                  "app, port: "
                                  "80, weight: 1}, {name: nothing, port: 80, weight: 3}]\n")
                      ROUTE("infra", "port",
                            "  parentRefs: [{name: gw}]\n  hostnames: [p]\n"
                            "  rules: [{backendRefs: [{name: app, port: 81}]}]\n")
                          ROUTE("infra", "cross",
                                "  parentRefs: [{name: gw}]\n  hostnames: [c]\n"
                                "  rules: [{backendRefs: [{name: far, namespace: other, port: "
                                "80}]}]\n")
                              ROUTE("infra", "kind",
                                    "  parentRefs: [{name: gw}]\n  hostnames: [k]\n"
                                    "  rules: [{backendRefs: [{group: example.com, kind: Bucket, "
                                    "name: b}]}]\n")
                                  ROUTE("infra", "proto",
                                        "  parentRefs: [{name: gw}]\n  hostnames: [w]\n"
                                        "  rules: [{backendRefs: [{name: wss, port: 80}]}]\n"),
        false);
    gs_control *c = ctl_run(m, NULL);
    /* Invalid backends never make the route Accepted=False. */
    ck_cond(parent0(c, "infra", "r"), "Accepted", "True", "Accepted");
    ck_cond(parent0(c, "infra", "r"), "ResolvedRefs", "False", "BackendNotFound");
    ck_msg_has(parent0(c, "infra", "r"), "ResolvedRefs", "infra/nothing does not exist");
    ck_cond(parent0(c, "infra", "port"), "ResolvedRefs", "False", "BackendNotFound");
    ck_msg_has(parent0(c, "infra", "port"), "ResolvedRefs", "no port 81");
    ck_cond(parent0(c, "infra", "cross"), "ResolvedRefs", "False", "RefNotPermitted");
    ck_cond(parent0(c, "infra", "kind"), "ResolvedRefs", "False", "InvalidKind");
    ck_cond(parent0(c, "infra", "proto"), "ResolvedRefs", "False", "UnsupportedProtocol");
    ck_assert_int_eq(ls_of(c, "gw", "http")->attached_routes, 5);
    /* The invalid entry keeps its weight share in the table. */
    const gs_route_table *t = gs_control_table(c);
    gs_rt_result res;
    gs_rt_request req = {.host = "x", .path = "/gone"};
    gs_route_table_lookup(t, gs_route_table_port(t, 0), &req, &res);
    ck_assert_int_eq(res.outcome, GS_RT_MATCHED);
    ck_assert_uint_eq(res.rule->n_backends, 2);
    ck_assert_int_eq(res.rule->backends[0].state, GS_RT_BACKEND_OK);
    ck_assert_int_eq(res.rule->backends[1].state, GS_RT_BACKEND_NOT_FOUND);
    ck_assert_uint_eq(res.rule->backends[1].weight, 3);
    ck_assert_uint_eq(res.rule->total_weight, 4);
    done(c, m);
    /* A ReferenceGrant for HTTPRoutes of infra makes the cross-namespace Service usable; a
     * Service's appProtocol reaches the table. */
    m = model_of(CLASS GW_HEAD HTTP_ALL SVC("other", "far", "80")
                     "---\napiVersion: v1\nkind: Service\nmetadata: {name: declared, namespace: "
                     "infra}\nspec: {ports: [{port: 8080, appProtocol: kubernetes.io/h2c}]}\n"
                     ROUTE("infra", "cross",
                           "  parentRefs: [{name: gw}]\n  rules: "
                           "[{backendRefs: [{name: far, namespace: "
                           "other, port: 80}, {name: declared, port: "
                           "8080}]}]\n") "---\napiVersion: "
                                         "gateway.networking.k8s.io/"
                                         "v1beta1\nkind: ReferenceGrant\n"
                                         "metadata: {name: g, namespace: "
                                         "other}\nspec:\n  from: [{group: "
                                         "gateway.networking.k8s.io, kind: "
                                         "HTTPRoute, namespace: infra}]\n  "
                                         "to: [{group: "
                                         "\"\", kind: Service, name: far}]\n",
                 false);
    gs_control_new(&c, NULL);
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);
    ck_cond(parent0(c, "infra", "cross"), "ResolvedRefs", "True", "ResolvedRefs");
    t = gs_control_table(c);
    req.path = "/";
    gs_route_table_lookup(t, gs_route_table_port(t, 0), &req, &res);
    ck_assert_str_eq(res.rule->backends[1].app_protocol, "kubernetes.io/h2c");
    done(c, m);
}
END_TEST

START_TEST(attached_routes_count_accepted_routes_once)
{
    gs_model *m = model_of(
        CLASS GW_HEAD
        "  - {name: a, protocol: HTTP, port: 80, hostname: a.example.com}\n"
        "  - {name: b, protocol: HTTP, port: 80, hostname: b.example.com}\n" ROUTE(
            "infra", "twice",
            "  parentRefs: [{name: gw, sectionName: a}, {name: gw, sectionName: "
            "b}]\n")
            ROUTE("infra", "whole", "  parentRefs: [{name: gw}]\n  hostnames: [a.example.com]\n")
                ROUTE("elsewhere", "rejected", "  parentRefs: [{name: gw, namespace: infra}]\n"),
        false);
    gs_control *c = ctl_run(m, NULL);
    ck_assert_int_eq(ls_of(c, "gw", "a")->attached_routes, 2);
    ck_assert_int_eq(ls_of(c, "gw", "b")->attached_routes, 1);
    const gs_route_status *w = route_of(c, "infra", "whole");
    ck_assert_uint_eq(w->parents[0].n_listeners, 1);
    ck_assert_str_eq(w->parents[0].listeners[0], "a");
    ck_assert_uint_eq(route_of(c, "infra", "twice")->n_parents, 2);
    ck_cond(parent0(c, "elsewhere", "rejected"), "Accepted", "False", "NotAllowedByListeners");
    done(c, m);
}
END_TEST

START_TEST(http_and_grpc_routes_do_not_share_hostnames)
{
    gs_model *m = model_of(
        CLASS GW_HEAD HTTP_ALL ROUTE("infra", "web",
                                     "  parentRefs: [{name: gw}]\n  hostnames: "
                                     "[api.example.com]\n") "---\napiVersion: "
                                                            "gateway.networking.k8s.io/v1\nkind: "
                                                            "GRPCRoute\nmetadata: {name: "
                                                            "rpc, namespace: infra}\nspec:\n  "
                                                            "parentRefs: [{name: gw}]\n  "
                                                            "hostnames: "
                                                            "[\"*.example.com\"]\n"
                                                            "---\napiVersion: "
                                                            "gateway.networking.k8s.io/v1\nkind: "
                                                            "GRPCRoute\nmetadata: {name: "
                                                            "rpc2, namespace: infra}\nspec:\n  "
                                                            "parentRefs: [{name: gw}]\n  "
                                                            "hostnames: "
                                                            "[grpc.example.org]\n",
        false);
    /* No creationTimestamps: equal ages, so "infra/rpc" wins over "infra/web" alphabetically
     * although web is loaded first (load order never decides). */
    gs_control *c = ctl_run(m, NULL);
    ck_cond(parent0(c, "infra", "rpc"), "Accepted", "True", "Accepted");
    ck_cond(parent0(c, "infra", "web"), "Accepted", "False", "NotAllowedByListeners");
    ck_msg_has(parent0(c, "infra", "web"), "Accepted", "GRPCRoute infra/rpc");
    ck_cond(parent0(c, "infra", "rpc2"), "Accepted", "True", "Accepted");
    ck_assert_int_eq(ls_of(c, "gw", "http")->attached_routes, 2);
    done(c, m);
}
END_TEST

/* ---- the seed's cross-namespace example (own copy under tests/data/control) -------------------
 */

START_TEST(team_routes_need_namespace_labels_and_tls_secrets_show_up)
{
    gs_model *m = NULL;
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_path(m, gs_test_data("control/teams/gateways.yaml"), NULL, NULL),
                     0);
    ck_assert_int_eq(gs_model_load_path(m, gs_test_data("control/teams/routes.yaml"), NULL, NULL),
                     0);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    gs_control *c = ctl_run(m, NULL);
    const char *teams[][2] = {{"team-a", "orders"}, {"team-b", "dashboard"}};
    for (int i = 0; i < 2; i++) {
        ck_cond(parent0(c, teams[i][0], teams[i][1]), "Accepted", "False", "NotAllowedByListeners");
        char want[256];
        snprintf(want, sizeof(want),
                 "namespace %s has no label environment=production required by listener https "
                 "of infra/prod",
                 teams[i][0]);
        ck_msg_has(parent0(c, teams[i][0], teams[i][1]), "Accepted", want);
    }
    ck_cond(&ls_of(c, "prod", "https")->conditions, "ResolvedRefs", "False",
            "InvalidCertificateRef");
    ck_msg_has(&ls_of(c, "prod", "https")->conditions, "ResolvedRefs",
               "Secret infra/prod-cert does not exist");
    ck_assert_int_eq(ls_of(c, "prod", "https")->attached_routes, 0);
    gs_control_free(c);
    /* Labelling the namespaces attaches the routes (the listener still lacks its secret). */
    ck_assert_int_eq(
        gs_model_load_path(m, gs_test_data("control/teams/namespaces.yaml"), NULL, NULL), 0);
    c = ctl_run(m, NULL);
    for (int i = 0; i < 2; i++)
        ck_cond(parent0(c, teams[i][0], teams[i][1]), "Accepted", "True", "Accepted");
    ck_assert_int_eq(ls_of(c, "prod", "https")->attached_routes, 2);
    ck_cond(&ls_of(c, "prod", "https")->conditions, "Programmed", "False", "Invalid");
    done(c, m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("control");
    TCase *tc = tcase_create("control");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, classes_of_other_controllers_get_no_status);
    tcase_add_test(tc, missing_class_is_managed_with_a_note);
    tcase_add_test(tc, protocol_conflict_and_listeners_not_valid);
    tcase_add_test(tc, gateway_accepted_agrees_with_listeners);
    tcase_add_test(tc, hostname_conflict);
    tcase_add_test(tc, gateway_parameters_ref_is_invalid_parameters);
    tcase_add_test(tc, unimplemented_session_persistence_drops_the_rule);
    tcase_add_test(tc, unsupported_protocol_and_invalid_route_kinds);
    tcase_add_test(tc, l4_routes_attach_to_l4_listeners);
    tcase_add_test(tc, certificate_references);
    tcase_add_test(tc, overlapping_tls_hostnames);
    tcase_add_test(tc, not_allowed_by_listeners_namespaces);
    tcase_add_test(tc, no_matching_listener_hostname_and_parent);
    tcase_add_test(tc, namespace_selectors_see_the_metadata_name_label);
    tcase_add_test(tc, unsupported_value_and_partially_invalid);
    tcase_add_test(tc, backend_references);
    tcase_add_test(tc, websocket_app_protocol_resolves);
    tcase_add_test(tc, attached_routes_count_accepted_routes_once);
    tcase_add_test(tc, http_and_grpc_routes_do_not_share_hostnames);
    tcase_add_test(tc, team_routes_need_namespace_labels_and_tls_secrets_show_up);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
