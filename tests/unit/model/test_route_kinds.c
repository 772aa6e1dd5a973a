/* SPDX-License-Identifier: MIT */
/* The route kind table: every kind is described once and completely (a modelled kind has a
 * decoder and views of its common fields), attaches to the listener protocols the Gateway API
 * gives it, is found by name, and the views of decoded routes agree with their typed structs. */
#include "gs_route_kinds.h"
#include "gs_test.h"

#include <string.h>

#define P(x) GS_PROTOCOL_BIT(GS_PROTOCOL_##x)

/* The attachment the Gateway API specifies for each route kind. */
static const struct {
    const char *name;
    gs_protocol_set protocols;
    bool modelled;
} spec_kinds[] = {
    {"HTTPRoute", P(HTTP) | P(HTTPS), true},
    {"GRPCRoute", P(HTTP) | P(HTTPS), true},
    {"TLSRoute", P(TLS), true},
    {"TCPRoute", P(TCP) | P(TLS), true},
    {"UDPRoute", P(UDP), true},
};

START_TEST(every_kind_is_described_completely)
{
    ck_assert_uint_eq(gs_route_kinds_count, sizeof spec_kinds / sizeof spec_kinds[0]);
    for (size_t i = 0; i < gs_route_kinds_count; i++) {
        const gs_route_kind *rk = &gs_route_kinds[i];
        ck_assert_str_eq(rk->group, GS_GATEWAY_GROUP);
        ck_assert_str_eq(rk->name, gs_kind_name(rk->kind));
        ck_assert_ptr_eq(gs_route_kind_of(rk->kind), rk);
        ck_assert_ptr_eq(gs_route_kind_find(GS_GATEWAY_GROUP, rk->name), rk);
        ck_assert_msg(rk->protocols != 0, "%s attaches to no protocol", rk->name);
        ck_assert_msg(rk->protocols < GS_PROTOCOL_BIT(GS_PROTOCOL_UDP + 1),
                      "%s names an unknown protocol", rk->name);
        ck_assert_int_eq(gs_route_kind_modelled(rk), gs_kind_is_modelled(rk->kind));
        if (gs_route_kind_modelled(rk)) {
            /* semantic: gs_semantic_check_object finds a route kind's rules only here */
            ck_assert_msg(rk->decode && rk->view && rk->rule && rk->semantic &&
                              rk->size >= sizeof(gs_object),
                          "%s is modelled but not completely described", rk->name);
        } else {
            ck_assert_msg(!rk->view && !rk->rule && !rk->semantic && rk->size == 0,
                          "%s is half modelled", rk->name);
        }
        ck_assert_int_eq((rk->alias_from == NULL), (rk->alias_to == NULL));
    }
}
END_TEST

START_TEST(kinds_attach_to_the_protocols_of_the_spec)
{
    for (size_t i = 0; i < sizeof spec_kinds / sizeof spec_kinds[0]; i++) {
        const gs_route_kind *rk = gs_route_kind_find(GS_GATEWAY_GROUP, spec_kinds[i].name);
        ck_assert_msg(rk != NULL, "%s is not in the table", spec_kinds[i].name);
        ck_assert_msg(rk->protocols == spec_kinds[i].protocols, "%s: protocols %#x, want %#x",
                      rk->name, (unsigned)rk->protocols, (unsigned)spec_kinds[i].protocols);
        ck_assert_int_eq(gs_route_kind_modelled(rk), spec_kinds[i].modelled);
    }
    gs_kind_set http = GS_KIND_BIT(GS_KIND_HTTP_ROUTE) | GS_KIND_BIT(GS_KIND_GRPC_ROUTE);
    ck_assert_uint_eq(gs_route_kinds_for_protocol(GS_PROTOCOL_HTTP), http);
    ck_assert_uint_eq(gs_route_kinds_for_protocol(GS_PROTOCOL_HTTPS), http);
    ck_assert_uint_eq(gs_route_kinds_for_protocol(GS_PROTOCOL_TLS),
                      GS_KIND_BIT(GS_KIND_TLS_ROUTE) | GS_KIND_BIT(GS_KIND_TCP_ROUTE));
    ck_assert_uint_eq(gs_route_kinds_for_protocol(GS_PROTOCOL_TCP), GS_KIND_BIT(GS_KIND_TCP_ROUTE));
    ck_assert_uint_eq(gs_route_kinds_for_protocol(GS_PROTOCOL_UDP), GS_KIND_BIT(GS_KIND_UDP_ROUTE));
    ck_assert_uint_eq(gs_route_kinds_for_protocol(GS_PROTOCOL_OTHER), 0);
}
END_TEST

START_TEST(lookups_reject_what_is_not_a_route_kind)
{
    ck_assert_ptr_null(gs_route_kind_of(GS_KIND_GATEWAY));
    ck_assert_ptr_null(gs_route_kind_of(GS_KIND_UNKNOWN));
    ck_assert_ptr_null(gs_route_kind_find(GS_GATEWAY_GROUP, "Gateway"));
    ck_assert_ptr_null(gs_route_kind_find("example.com", "HTTPRoute"));
    ck_assert_ptr_null(gs_route_kind_find(GS_GATEWAY_GROUP, "httproute"));
    ck_assert_ptr_null(gs_route_kind_find(NULL, "HTTPRoute"));
    ck_assert(!gs_route_kind_modelled(NULL));
}
END_TEST

/* The views of the decoded routes of tests/data/model/valid show the typed structs' fields. */
START_TEST(views_show_the_decoded_fields)
{
    gs_model *m;
    ck_assert_int_eq(gs_model_new(&m), 0);
    gs_error err = {0};
    ck_assert_int_eq(gs_model_load_path(m, gs_test_data("model/valid"), NULL, &err), 0);
    ck_assert_uint_eq(m->n_http_routes, 1);
    ck_assert_uint_eq(m->n_grpc_routes, 1);

    const gs_http_route *h = m->http_routes[0];
    gs_route_view v;
    gs_route_view_of(&h->obj, &v);
    ck_assert_ptr_eq(v.obj, &h->obj);
    ck_assert_uint_eq(v.n_parent_refs, 1);
    ck_assert_str_eq(v.parent_refs[0].section_name.v, "https");
    ck_assert_uint_eq(v.n_hostnames, 1);
    ck_assert_str_eq(v.hostnames[0].v, "store.example.com");
    ck_assert_uint_eq(v.n_rules, h->spec.n_rules);
    gs_route_rule_view rv;
    gs_route_rule_view_of(&h->obj, 0, &rv);
    ck_assert_uint_eq(rv.n_filters, 1);
    ck_assert_int_eq(rv.filters[0].type, GS_FILTER_REQUEST_HEADER_MODIFIER);
    ck_assert_uint_eq(rv.n_backend_refs, 2);
    ck_assert_str_eq(rv.backend_refs[0].ref.name.v, "store-v1");
    ck_assert_int_eq(rv.backend_refs[0].weight.v, 90);
    ck_assert_uint_eq(rv.pos.line, h->spec.rules[0].pos.line);
    ck_assert_uint_eq(h->spec.rules[0].matches[0].path.type, GS_PATH_EXACT);
    ck_assert_str_eq(h->spec.rules[0].matches[0].method.v, "GET");

    const gs_grpc_route *g = m->grpc_routes[0];
    gs_route_view_of(&g->obj, &v);
    ck_assert_ptr_eq(v.obj, &g->obj);
    ck_assert_uint_eq(v.n_parent_refs, 1);
    ck_assert_str_eq(v.parent_refs[0].section_name.v, "http");
    ck_assert_uint_eq(v.n_hostnames, 0);
    ck_assert_uint_eq(v.n_rules, 1);
    gs_route_rule_view_of(&g->obj, 0, &rv);
    ck_assert_uint_eq(rv.n_filters, 0);
    ck_assert_uint_eq(rv.n_backend_refs, 1);
    ck_assert_int_eq(rv.backend_refs[0].weight.v, 1); /* defaulted */
    ck_assert_str_eq(g->spec.rules[0].matches[0].method.service.v, "shop.v1.Cart");
    ck_assert_int_eq(g->spec.rules[0].matches[0].method.type, GS_MATCH_EXACT);
    gs_model_free(m);
}
END_TEST

/* TLSRoute, TCPRoute and UDPRoute decode into gs_l4_route: their own lists, hostnames only on
 * TLSRoute, defaulted weights, rules without filters; the all-zero-weights warning. */
START_TEST(l4_routes_decode_into_their_lists)
{
    static const char text[] = "apiVersion: gateway.networking.k8s.io/v1\n"
                               "kind: TLSRoute\n"
                               "metadata: {name: tls, namespace: team-a}\n"
                               "spec:\n"
                               "  parentRefs: [{name: gw, sectionName: tls}]\n"
                               "  hostnames: [a.example.com, b.example.com]\n"
                               "  rules:\n"
                               "  - backendRefs: [{name: a, port: 443}, {name: b, port: 443, "
                               "weight: 3}]\n"
                               "---\n"
                               "apiVersion: gateway.networking.k8s.io/v1\n"
                               "kind: TCPRoute\n"
                               "metadata: {name: tcp}\n"
                               "spec:\n"
                               "  parentRefs: [{name: gw, port: 5432}]\n"
                               "  rules:\n"
                               "  - name: db\n"
                               "    backendRefs: [{name: db, port: 5432}]\n"
                               "---\n"
                               "apiVersion: gateway.networking.k8s.io/v1alpha2\n"
                               "kind: UDPRoute\n"
                               "metadata: {name: udp}\n"
                               "spec:\n"
                               "  parentRefs: [{name: gw}]\n"
                               "  rules:\n"
                               "  - backendRefs: [{name: dns, port: 53, weight: 0}]\n"
                               "  - backendRefs: [{name: dns2, port: 53}]\n";
    gs_model *m;
    ck_assert_int_eq(gs_model_new(&m), 0);
    gs_error err = {0};
    ck_assert_int_eq(gs_model_load_buffer(m, "l4.yaml", text, strlen(text), NULL, &err), 0);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    ck_assert_uint_eq(m->n_skipped, 0);
    ck_assert_uint_eq(m->n_tls_routes, 1);
    ck_assert_uint_eq(m->n_tcp_routes, 1);
    ck_assert_uint_eq(m->n_udp_routes, 1);

    const gs_l4_route *t = m->tls_routes[0];
    ck_assert_int_eq(t->obj.kind, GS_KIND_TLS_ROUTE);
    gs_route_view v;
    gs_route_view_of(&t->obj, &v);
    ck_assert_uint_eq(v.n_hostnames, 2);
    ck_assert_str_eq(v.hostnames[1].v, "b.example.com");
    ck_assert_str_eq(v.parent_refs[0].section_name.v, "tls");
    ck_assert_str_eq(v.parent_refs[0].namespace.v, "team-a"); /* defaulted */
    ck_assert_uint_eq(v.n_rules, 1);
    gs_route_rule_view rv;
    gs_route_rule_view_of(&t->obj, 0, &rv);
    ck_assert_uint_eq(rv.n_filters, 0);
    ck_assert_uint_eq(rv.n_backend_refs, 2);
    ck_assert_int_eq(rv.backend_refs[0].weight.v, 1); /* defaulted */
    ck_assert_int_eq(rv.backend_refs[1].weight.v, 3);
    ck_assert_int_eq(rv.backend_refs[1].ref.port.v, 443);
    ck_assert_uint_eq(rv.pos.line, 8);

    const gs_l4_route *c = m->tcp_routes[0];
    ck_assert_str_eq(c->obj.metadata.namespace.v, "default");
    ck_assert_uint_eq(c->spec.n_hostnames, 0);
    ck_assert_str_eq(c->spec.rules[0].name.v, "db");
    ck_assert_int_eq(c->spec.parent_refs[0].port.v, 5432);
    ck_assert_ptr_eq(gs_model_find(m, GS_KIND_TCP_ROUTE, "default", "tcp"), &c->obj);

    const gs_l4_route *u = m->udp_routes[0];
    ck_assert_str_eq(u->obj.version, "v1alpha2");
    ck_assert_uint_eq(u->spec.n_rules, 2);
    ck_assert_str_eq(u->spec.rules[1].backend_refs[0].ref.name.v, "dns2");
    /* rule 0 sends nowhere */
    bool warned = false;
    for (size_t i = 0; i < m->diags.len; i++)
        if (m->diags.items[i].severity == GS_DIAG_WARNING &&
            strstr(m->diags.items[i].message, "every datagram this rule takes is refused") &&
            strcmp(m->diags.items[i].field, "spec.rules[0].backendRefs") == 0)
            warned = true;
    ck_assert_msg(warned, "no weight-0 warning on the UDPRoute");
    ck_assert_int_eq(gs_model_remove(m, GS_KIND_UDP_ROUTE, "default", "udp"), 0);
    ck_assert_uint_eq(m->n_udp_routes, 0);
    gs_model_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("route_kinds");
    TCase *tc = tcase_create("route_kinds");
    tcase_add_test(tc, every_kind_is_described_completely);
    tcase_add_test(tc, kinds_attach_to_the_protocols_of_the_spec);
    tcase_add_test(tc, lookups_reject_what_is_not_a_route_kind);
    tcase_add_test(tc, views_show_the_decoded_fields);
    tcase_add_test(tc, l4_routes_decode_into_their_lists);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
