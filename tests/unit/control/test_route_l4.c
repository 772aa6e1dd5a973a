/* SPDX-License-Identifier: MIT */
/* Layer-4 entries of the route table (TLSRoute, TCPRoute, UDPRoute) on tables built directly:
 * listener choice by SNI, route precedence by hostname specificity then age then name, TCP and
 * UDP ports of one number kept apart, and the explain walk. */
#include "gs_route_table.h"
#include "gs_test.h"

#include <stdio.h>
#include <string.h>

static gs_route_table *table;

static size_t add_listener(const char *name, uint16_t port, gs_rt_protocol proto,
                           const char *hostname)
{
    gs_rt_listener l = {.gateway_namespace = "infra",
                        .gateway_name = "gw",
                        .name = name,
                        .port = port,
                        .protocol = proto,
                        .hostname = hostname,
                        .tls_passthrough = proto == GS_RT_PROTO_TLS};
    size_t idx = 0;
    gs_error err = {0};
    ck_assert_msg(gs_route_table_add_listener(table, &l, &idx, &err) == 0, "%s", err.msg);
    return idx;
}

/* A route of |kind| with one rule sending to Service default/|svc| port 9000. */
static void add_l4(gs_rt_route_kind kind, const char *name, int64_t created, const char *host,
                   size_t listener, const char *svc)
{
    const char *hosts[1] = {host};
    gs_rt_backend b = {.namespace = "default", .name = svc, .port = 9000, .weight = 1};
    gs_rt_rule rule = {.backends = &b, .n_backends = 1};
    gs_rt_route r = {.kind = kind,
                     .namespace = "default",
                     .name = name,
                     .created = created,
                     .hostnames = hosts,
                     .n_hostnames = host ? 1 : 0,
                     .rules = &rule,
                     .n_rules = 1};
    gs_error err = {0};
    ck_assert_msg(gs_route_table_add_route(table, &r, &listener, 1, &err) == 0, "%s", err.msg);
}

static void setup(void)
{
    ck_assert_int_eq(gs_route_table_new(&table, NULL), 0);
}

static void teardown(void)
{
    gs_route_table_free(table);
    table = NULL;
}

/* The route name |sni| reaches on TLS port 443, or the outcome as "#n". */
static const char *tls_winner(const char *sni)
{
    static char buf[8];
    const gs_rt_port *p = gs_route_table_find_port(table, "infra", "gw", 443);
    ck_assert_ptr_nonnull(p);
    gs_rt_result r;
    ck_assert_int_eq(gs_route_table_lookup_l4(table, p, sni, &r), 0);
    if (r.outcome == GS_RT_MATCHED)
        return r.rule->backends[0].name;
    buf[0] = '#';
    buf[1] = (char)('0' + r.outcome);
    buf[2] = '\0';
    return buf;
}

START_TEST(sni_picks_most_specific_hostname_then_age_then_name)
{
    size_t l = add_listener("tls", 443, GS_RT_PROTO_TLS, NULL);
    add_l4(GS_RT_ROUTE_TLS, "wild-short", 1, "*.com", l, "s-short");
    add_l4(GS_RT_ROUTE_TLS, "wild-long", 5, "*.example.com", l, "s-long");
    add_l4(GS_RT_ROUTE_TLS, "exact-young", 9, "a.example.com", l, "s-young");
    add_l4(GS_RT_ROUTE_TLS, "exact-old", 2, "a.example.com", l, "s-old");
    add_l4(GS_RT_ROUTE_TLS, "b-same-age", 3, "b.example.com", l, "s-b2");
    add_l4(GS_RT_ROUTE_TLS, "a-same-age", 3, "b.example.com", l, "s-b1");
    add_l4(GS_RT_ROUTE_TLS, "any", 0, NULL, l, "s-any");
    ck_assert_int_eq(gs_route_table_compile(table, NULL), 0);
    ck_assert_str_eq(tls_winner("a.example.com"), "s-old");  /* exact, older */
    ck_assert_str_eq(tls_winner("A.Example.COM."), "s-old"); /* case, trailing dot */
    ck_assert_str_eq(tls_winner("b.example.com"), "s-b1");   /* same age: by name */
    ck_assert_str_eq(tls_winner("c.example.com"), "s-long"); /* longer wildcard */
    ck_assert_str_eq(tls_winner("x.org.com"), "s-short");
    ck_assert_str_eq(tls_winner("other.net"), "s-any"); /* routes without hostnames take any */
    ck_assert_str_eq(tls_winner(NULL), "s-any");        /* and connections without SNI */
}
END_TEST

START_TEST(no_sni_reaches_only_hostname_less_listener_and_route)
{
    size_t named = add_listener("named", 443, GS_RT_PROTO_TLS, "*.example.com");
    size_t any = add_listener("any", 443, GS_RT_PROTO_TLS, NULL);
    add_l4(GS_RT_ROUTE_TLS, "named", 1, NULL, named, "s-named");
    add_l4(GS_RT_ROUTE_TLS, "with-host", 1, "x.other.org", any, "s-host");
    ck_assert_int_eq(gs_route_table_compile(table, NULL), 0);
    ck_assert_str_eq(tls_winner("a.example.com"), "s-named");
    ck_assert_str_eq(tls_winner("x.other.org"), "s-host");
    /* no SNI: the listener without hostname, whose only route wants a server name */
    char want[4] = {'#', (char)('0' + GS_RT_NO_ROUTE), 0, 0};
    ck_assert_str_eq(tls_winner(NULL), want);
    ck_assert_str_eq(tls_winner("y.other.org"), want);
}
END_TEST

START_TEST(no_sni_without_catch_all_listener_is_no_listener)
{
    size_t named = add_listener("named", 443, GS_RT_PROTO_TLS, "a.example.com");
    add_l4(GS_RT_ROUTE_TLS, "r", 1, NULL, named, "s");
    ck_assert_int_eq(gs_route_table_compile(table, NULL), 0);
    char want[4] = {'#', (char)('0' + GS_RT_NO_LISTENER), 0, 0};
    ck_assert_str_eq(tls_winner(NULL), want);
    ck_assert_str_eq(tls_winner("b.example.com"), want);
    ck_assert_str_eq(tls_winner("a.example.com"), "s");
}
END_TEST

START_TEST(tcp_and_udp_share_a_port_number_apart)
{
    size_t tcp = add_listener("tcp", 53, GS_RT_PROTO_TCP, NULL);
    size_t udp = add_listener("udp", 53, GS_RT_PROTO_UDP, NULL);
    add_l4(GS_RT_ROUTE_TCP, "young", 7, NULL, tcp, "tcp-young");
    add_l4(GS_RT_ROUTE_TCP, "old", 4, NULL, tcp, "tcp-old");
    add_l4(GS_RT_ROUTE_UDP, "dns", 4, NULL, udp, "udp-dns");
    ck_assert_int_eq(gs_route_table_compile(table, NULL), 0);
    ck_assert_uint_eq(gs_route_table_port_count(table), 2);
    const gs_rt_port *pt = gs_route_table_find_port(table, "infra", "gw", 53);
    const gs_rt_port *pu = gs_route_table_find_udp_port(table, "infra", "gw", 53);
    ck_assert_int_eq(pt->protocol, GS_RT_PROTO_TCP);
    ck_assert_int_eq(pu->protocol, GS_RT_PROTO_UDP);
    gs_rt_result r;
    ck_assert_int_eq(gs_route_table_lookup_l4(table, pt, NULL, &r), 0);
    ck_assert_int_eq(r.outcome, GS_RT_MATCHED);
    ck_assert_str_eq(r.rule->backends[0].name, "tcp-old"); /* the older TCPRoute */
    ck_assert_ptr_eq(r.listener, gs_route_table_listener(table, tcp));
    /* an SNI means nothing on a TCP port */
    ck_assert_int_eq(gs_route_table_lookup_l4(table, pt, "x.example.com", &r), 0);
    ck_assert_str_eq(r.rule->backends[0].name, "tcp-old");
    ck_assert_int_eq(gs_route_table_lookup_l4(table, pu, NULL, &r), 0);
    ck_assert_str_eq(r.rule->backends[0].name, "udp-dns");
    ck_assert_int_eq(r.rule->total_weight, 1);
}
END_TEST

START_TEST(listener_without_routes_is_no_route)
{
    add_listener("tcp", 7000, GS_RT_PROTO_TCP, NULL);
    ck_assert_int_eq(gs_route_table_compile(table, NULL), 0);
    const gs_rt_port *p = gs_route_table_find_port(table, "infra", "gw", 7000);
    gs_rt_result r;
    ck_assert_int_eq(gs_route_table_lookup_l4(table, p, NULL, &r), 0);
    ck_assert_int_eq(r.outcome, GS_RT_NO_ROUTE);
    ck_assert_ptr_null(r.rule);
    ck_assert_int_eq(gs_route_table_lookup_l4(NULL, p, NULL, &r), GS_ERR_INVALID);
}
END_TEST

typedef struct visit_log {
    char text[512];
} visit_log;

static void on_visit(void *arg, const char *hostname, const gs_rt_route *route,
                     const gs_rt_rule *rule, const gs_rt_match *match,
                     const gs_rt_grpc_match *grpc_match, gs_rt_rank_key why)
{
    visit_log *v = arg;
    ck_assert_ptr_null(match);
    ck_assert_ptr_null(grpc_match);
    ck_assert_ptr_eq(rule, &route->rules[0]);
    size_t n = strlen(v->text);
    snprintf(v->text + n, sizeof(v->text) - n, "%s:%s:%d ", hostname ? hostname : "-", route->name,
             (int)why);
}

START_TEST(visit_walks_l4_candidates_in_lookup_order)
{
    size_t l = add_listener("tls", 443, GS_RT_PROTO_TLS, NULL);
    add_l4(GS_RT_ROUTE_TLS, "any", 1, NULL, l, "s");
    add_l4(GS_RT_ROUTE_TLS, "b", 2, "a.example.com", l, "s");
    add_l4(GS_RT_ROUTE_TLS, "a", 2, "a.example.com", l, "s");
    add_l4(GS_RT_ROUTE_TLS, "old", 1, "a.example.com", l, "s");
    ck_assert_int_eq(gs_route_table_compile(table, NULL), 0);
    visit_log v = {0};
    ck_assert_uint_eq(gs_route_table_visit(table, l, on_visit, &v), 4);
    char want[256];
    snprintf(want, sizeof(want), "a.example.com:old:%d a.example.com:a:%d a.example.com:b:%d -:any:%d ",
             GS_RT_RANK_FIRST, GS_RT_RANK_AGE, GS_RT_RANK_NAME, GS_RT_RANK_FIRST);
    ck_assert_str_eq(v.text, want);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("route_l4");
    TCase *tc = tcase_create("route_l4");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, sni_picks_most_specific_hostname_then_age_then_name);
    tcase_add_test(tc, no_sni_reaches_only_hostname_less_listener_and_route);
    tcase_add_test(tc, no_sni_without_catch_all_listener_is_no_listener);
    tcase_add_test(tc, tcp_and_udp_share_a_port_number_apart);
    tcase_add_test(tc, listener_without_routes_is_no_route);
    tcase_add_test(tc, visit_walks_l4_candidates_in_lookup_order);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
