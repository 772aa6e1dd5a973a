/* SPDX-License-Identifier: MIT */
/* Control's side of the route kind table: every route kind the model decodes has control's hooks
 * (rule check, route-table entry, status writer) and every kind control handles is modelled; a
 * listener without allowedRoutes.kinds lists in supportedKinds exactly the kinds the table gives
 * its protocol, in table order; the tie-break between kinds follows the table. */
#include "control_priv.h"
#include "gs_test.h"

#include <string.h>

START_TEST(every_modelled_route_kind_has_control_hooks)
{
    size_t handled = 0;
    for (size_t i = 0; i < gs_route_kinds_count; i++) {
        const gs_route_kind *rk = &gs_route_kinds[i];
        const gs_control_route_kind *ops = gs_control_route_kind_of(rk->kind);
        ck_assert_int_eq(ops != NULL, gs_route_kind_modelled(rk));
        ck_assert_int_eq(ops != NULL, (gs_control_route_kinds() & GS_KIND_BIT(rk->kind)) != 0);
        ck_assert_uint_eq(gs_control_route_kind_rank(rk->kind), i);
        if (!ops)
            continue;
        handled++;
        ck_assert_int_eq(ops->kind, rk->kind);
        ck_assert_msg(ops->rule_bad_regex && ops->table_rule && ops->parent_status,
                      "%s lacks a control hook", rk->name);
    }
    ck_assert_uint_ge(handled, 2);
    ck_assert_ptr_null(gs_control_route_kind_of(GS_KIND_GATEWAY));
    ck_assert_uint_eq(gs_control_route_kind_rank(GS_KIND_GATEWAY), gs_route_kinds_count);
    /* explain names a table route by its kind's name */
    for (size_t i = 0; i < gs_route_kinds_count; i++) {
        const gs_control_route_kind *ops = gs_control_route_kind_of(gs_route_kinds[i].kind);
        if (ops)
            ck_assert_str_eq(gs_control_route_kind_name(ops->table_kind), gs_route_kinds[i].name);
    }
    /* HTTPRoute and GRPCRoute enter the table as different kinds of rules */
    ck_assert_int_ne(gs_control_route_kind_of(GS_KIND_HTTP_ROUTE)->table_kind,
                     gs_control_route_kind_of(GS_KIND_GRPC_ROUTE)->table_kind);
}
END_TEST

static const char *const manifest =
    "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: gs}\n"
    "spec: {controllerName: gatesim.dev/controller}\n---\n"
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: "
    "infra}\nspec:\n  gatewayClassName: gs\n  listeners:\n"
    "  - {name: http, protocol: HTTP, port: 80}\n"
    "  - {name: https, protocol: HTTPS, port: 443, tls: {certificateRefs: [{name: missing}]}}\n"
    "  - {name: tls, protocol: TLS, port: 8443, tls: {mode: Passthrough}}\n"
    "  - {name: tcp, protocol: TCP, port: 9000}\n"
    "  - {name: udp, protocol: UDP, port: 9001}\n"
    "  - {name: tls-term, protocol: TLS, port: 8444, tls: {mode: Terminate, certificateRefs: "
    "[{name: missing}]}}\n";

/* The supportedKinds of a listener of protocol |p| without allowedRoutes.kinds, per the table;
 * a TLS Passthrough listener takes TLSRoute only. */
static void check_defaults(const gs_listener_status *l, gs_protocol p, bool passthrough)
{
    gs_kind_set want = gs_route_kinds_for_protocol(p) & gs_control_route_kinds();
    if (passthrough)
        want &= GS_KIND_BIT(GS_KIND_TLS_ROUTE);
    size_t n = 0;
    for (size_t i = 0; i < gs_route_kinds_count; i++) {
        const gs_route_kind *rk = &gs_route_kinds[i];
        if (!(want & GS_KIND_BIT(rk->kind)))
            continue;
        ck_assert_msg(n < l->n_supported_kinds, "listener %s lacks %s", l->name, rk->name);
        ck_assert_str_eq(l->supported_kinds[n].group, rk->group);
        ck_assert_str_eq(l->supported_kinds[n].kind, rk->name);
        n++;
    }
    ck_assert_msg(l->n_supported_kinds == n, "listener %s lists %zu kinds, the table gives %zu",
                  l->name, l->n_supported_kinds, n);
}

START_TEST(listener_default_kinds_come_from_the_table)
{
    gs_model *m = NULL;
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_buffer(m, "kinds.yaml", manifest, strlen(manifest), NULL, NULL),
                     0);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    gs_control *c = NULL;
    ck_assert_int_eq(gs_control_new(&c, NULL), 0);
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);
    const gs_status_set *s = gs_control_status(c);
    ck_assert_uint_eq(s->n_gateways, 1);
    const gs_gateway_status *g = &s->gateways[0];
    ck_assert_uint_eq(g->n_listeners, 6);
    static const gs_protocol protocols[] = {GS_PROTOCOL_HTTP, GS_PROTOCOL_HTTPS, GS_PROTOCOL_TLS,
                                            GS_PROTOCOL_TCP,  GS_PROTOCOL_UDP,   GS_PROTOCOL_TLS};
    for (size_t i = 0; i < g->n_listeners; i++)
        check_defaults(&g->listeners[i], protocols[i], i == 2);
    /* what the table gives today: HTTPRoute then GRPCRoute on HTTP and HTTPS, TLSRoute alone on
     * TLS Passthrough (upstream's TLSRouteListenerPassthroughSupportedKinds), TLSRoute then
     * TCPRoute on TLS Terminate, TCPRoute on TCP, UDPRoute on UDP */
    ck_assert_uint_eq(g->listeners[0].n_supported_kinds, 2);
    ck_assert_str_eq(g->listeners[0].supported_kinds[0].kind, "HTTPRoute");
    ck_assert_str_eq(g->listeners[0].supported_kinds[1].kind, "GRPCRoute");
    ck_assert_uint_eq(g->listeners[1].n_supported_kinds, 2);
    ck_assert_uint_eq(g->listeners[2].n_supported_kinds, 1);
    ck_assert_str_eq(g->listeners[2].supported_kinds[0].kind, "TLSRoute");
    ck_assert_uint_eq(g->listeners[5].n_supported_kinds, 2);
    ck_assert_str_eq(g->listeners[5].supported_kinds[0].kind, "TLSRoute");
    ck_assert_str_eq(g->listeners[5].supported_kinds[1].kind, "TCPRoute");
    ck_assert_uint_eq(g->listeners[3].n_supported_kinds, 1);
    ck_assert_str_eq(g->listeners[3].supported_kinds[0].kind, "TCPRoute");
    ck_assert_uint_eq(g->listeners[4].n_supported_kinds, 1);
    ck_assert_str_eq(g->listeners[4].supported_kinds[0].kind, "UDPRoute");
    gs_control_free(c);
    gs_model_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("control_kinds");
    TCase *tc = tcase_create("control_kinds");
    tcase_add_test(tc, every_modelled_route_kind_has_control_hooks);
    tcase_add_test(tc, listener_default_kinds_come_from_the_table);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
