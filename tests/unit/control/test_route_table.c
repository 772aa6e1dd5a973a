/* SPDX-License-Identifier: MIT */
/* The compiled route table on tables built directly (no YAML): listener selection, hostname
 * specificity and fall-through, every precedence criterion and worked example of
 * docs/semantics.md, GRPCRoute matching, regex, and the data-plane helpers. */
#include "gs_route_table.h"
#include "gs_test.h"
#include "route_fixture.h"

#include <stdio.h>
#include <string.h>

/* ---- small builders ------------------------------------------------------------------------ */

static void compile(void)
{
    ck_assert_int_eq(gs_route_table_compile(table, NULL), 0);
}

/* Route ns/r (the oldest) whose rule i has the one match ms[i]. */
static void add_match_rules(const gs_rt_match *ms, size_t n)
{
    gs_rt_rule rules[8];
    ck_assert_uint_le(n, 8);
    for (size_t i = 0; i < n; i++)
        rules[i] = (gs_rt_rule){.matches = &ms[i], .n_matches = 1};
    add_route("ns", "r", 1, NULL, rules, n);
}

/* Looks up |method| |path| with Host |host| and up to two headers "a: b" on port 80. */
static gs_rt_result lookup_h(const char *host, const char *method, const char *path,
                             const char *h1n, const char *h1v, const char *h2n, const char *h2v)
{
    gs_rt_header h[2] = {{.name = h1n, .value = h1v}, {.name = h2n, .value = h2v}};
    return lookup_req(host, method, path, h, h2n ? 2 : h1n ? 1 : 0);
}

static gs_rt_result lookup(const char *host, const char *method, const char *path)
{
    return lookup_h(host, method, path, NULL, NULL, NULL, NULL);
}

/* "ns/name#rule" of the winner, or "404"/"421". */
static const char *winner(gs_rt_result r)
{
    static char buf[256];
    if (r.outcome != GS_RT_MATCHED) {
        snprintf(buf, sizeof(buf), "%d", r.http_status);
        return buf;
    }
    snprintf(buf, sizeof(buf), "%s/%s#%zu", r.route->namespace, r.route->name, r.rule->index);
    return buf;
}

#define PREFIX(v)                                                                                  \
    {                                                                                              \
        .type = GS_RT_MATCH_PREFIX, .value = (v)                                                   \
    }
#define EXACT(v)                                                                                   \
    {                                                                                              \
        .type = GS_RT_MATCH_EXACT, .value = (v)                                                    \
    }
#define REGEX(v)                                                                                   \
    {                                                                                              \
        .type = GS_RT_MATCH_REGEX, .value = (v)                                                    \
    }

/* ---- listener selection -------------------------------------------------------------------- */

START_TEST(listener_selection_exact_wildcard_catch_all)
{
    gs_route_table_free(table);
    gs_route_table_new(&table, NULL);
    const char *hosts[] = {"foo.example.com", "*.example.com", "*.foo.example.com", NULL};
    const char *names[] = {"exact", "wild", "wild-long", "any"};
    for (int i = 0; i < 4; i++) {
        gs_rt_listener l = {.gateway_namespace = "infra",
                            .gateway_name = "gw",
                            .name = names[i],
                            .port = 80,
                            .protocol = GS_RT_PROTO_HTTP,
                            .hostname = hosts[i]};
        ck_assert_int_eq(gs_route_table_add_listener(table, &l, NULL, NULL), 0);
    }
    compile();
    const gs_rt_port *p = gs_route_table_find_port(table, "infra", "gw", 80);
    ck_assert_uint_eq(p->n_listeners, 4);
    ck_assert_str_eq(gs_rt_port_select_listener(p, "foo.example.com", 0)->name, "exact");
    ck_assert_str_eq(gs_rt_port_select_listener(p, "FOO.example.com:8080", 0)->name, "exact");
    ck_assert_str_eq(gs_rt_port_select_listener(p, "bar.example.com", 0)->name, "wild");
    ck_assert_str_eq(gs_rt_port_select_listener(p, "a.b.example.com", 0)->name, "wild");
    ck_assert_str_eq(gs_rt_port_select_listener(p, "a.foo.example.com", 0)->name, "wild-long");
    ck_assert_str_eq(gs_rt_port_select_listener(p, "example.com", 0)->name, "any");
    ck_assert_str_eq(gs_rt_port_select_listener(p, "other.org", 0)->name, "any");
    /* Malformed Host headers, as gs_hostname_matches answers: a trailing dot is the same host,
     * a wildcard covers only non-empty labels. */
    ck_assert_str_eq(gs_rt_port_select_listener(p, "bar.example.com.", 0)->name, "wild");
    ck_assert_str_eq(gs_rt_port_select_listener(p, ".example.com", 0)->name, "any");
    ck_assert_str_eq(gs_rt_port_select_listener(p, "a..example.com", 0)->name, "any");
    ck_assert_str_eq(gs_rt_port_select_listener(p, "a..foo.example.com", 0)->name, "any");
    ck_assert_str_eq(gs_rt_port_select_listener(p, "x.a..foo.example.com", 0)->name, "any");
}
END_TEST

START_TEST(no_listener_for_host_is_404_and_sni_mismatch_is_421)
{
    gs_route_table_free(table);
    gs_route_table_new(&table, NULL);
    gs_rt_listener a = {.gateway_namespace = "infra",
                        .gateway_name = "gw",
                        .name = "a",
                        .port = 443,
                        .protocol = GS_RT_PROTO_HTTPS,
                        .hostname = "a.example.com"};
    gs_rt_listener w = a;
    w.name = "w";
    w.hostname = "*.example.com";
    size_t la, lw;
    ck_assert_int_eq(gs_route_table_add_listener(table, &a, &la, NULL), 0);
    ck_assert_int_eq(gs_route_table_add_listener(table, &w, &lw, NULL), 0);
    gs_rt_rule rule = {0};
    gs_rt_route r = {.namespace = "ns", .name = "r", .rules = &rule, .n_rules = 1};
    size_t both[] = {la, lw};
    ck_assert_int_eq(gs_route_table_add_route(table, &r, both, 2, NULL), 0);
    compile();
    const gs_rt_port *p = gs_route_table_find_port(table, "infra", "gw", 443);
    gs_rt_result res;
    gs_rt_request req = {.sni = "a.example.com", .host = "a.example.com", .path = "/"};
    gs_route_table_lookup(table, p, &req, &res);
    ck_assert_int_eq(res.outcome, GS_RT_MATCHED);
    ck_assert_str_eq(res.listener->name, "a");
    /* SNI chose the wildcard listener, the Host belongs to the more specific one. */
    req.sni = "b.example.com";
    gs_route_table_lookup(table, p, &req, &res);
    ck_assert_int_eq(res.outcome, GS_RT_MISDIRECTED);
    ck_assert_int_eq(res.http_status, 421);
    /* No listener serves the Host at all. */
    req.sni = "a.example.com";
    req.host = "other.org";
    gs_route_table_lookup(table, p, &req, &res);
    ck_assert_int_eq(res.outcome, GS_RT_NO_LISTENER);
    ck_assert_int_eq(res.http_status, 404);
    ck_assert_ptr_null(gs_route_table_find_port(table, "infra", "gw", 80));
}
END_TEST

START_TEST(route_hostnames_intersect_listener_hostname)
{
    gs_route_table_free(table);
    gs_route_table_new(&table, NULL);
    gs_rt_listener v = {.gateway_namespace = "infra",
                        .gateway_name = "gw",
                        .name = "very",
                        .port = 80,
                        .protocol = GS_RT_PROTO_HTTP,
                        .hostname = "very.specific.com"};
    gs_rt_listener w = v;
    w.name = "wild";
    w.hostname = "*.foo.example.com";
    size_t lv, lw;
    gs_route_table_add_listener(table, &v, &lv, NULL);
    gs_route_table_add_listener(table, &w, &lw, NULL);
    gs_rt_rule rule = {0};
    const char *h1[] = {"*.specific.com"};
    gs_rt_route r1 = {.namespace = "ns",
                      .name = "r1",
                      .hostnames = h1,
                      .n_hostnames = 1,
                      .rules = &rule,
                      .n_rules = 1};
    ck_assert_int_eq(gs_route_table_add_route(table, &r1, &lv, 1, NULL), 0);
    const char *h2[] = {"*.example.com"};
    gs_rt_route r2 = {.namespace = "ns",
                      .name = "r2",
                      .hostnames = h2,
                      .n_hostnames = 1,
                      .rules = &rule,
                      .n_rules = 1};
    ck_assert_int_eq(gs_route_table_add_route(table, &r2, &lw, 1, NULL), 0);
    compile();
    const gs_rt_port *p = gs_route_table_find_port(table, "infra", "gw", 80);
    gs_rt_result res;
    gs_rt_request req = {.host = "very.specific.com", .path = "/"};
    gs_route_table_lookup(table, p, &req, &res);
    ck_assert_str_eq(winner(res), "ns/r1#0");
    ck_assert_str_eq(res.hostname, "very.specific.com");
    req.host = "foo.specific.com";
    gs_route_table_lookup(table, p, &req, &res);
    ck_assert_int_eq(res.outcome, GS_RT_NO_LISTENER);
    /* *.example.com on listener *.foo.example.com behaves as *.foo.example.com. */
    req.host = "a.foo.example.com";
    gs_route_table_lookup(table, p, &req, &res);
    ck_assert_str_eq(winner(res), "ns/r2#0");
    ck_assert_str_eq(res.hostname, "*.foo.example.com");
}
END_TEST

/* ---- precedence ---------------------------------------------------------------------------- */

START_TEST(hostname_specificity_and_fallthrough)
{
    gs_rt_match root = {.path = PREFIX("/")};
    gs_rt_match api = {.path = PREFIX("/api")};
    gs_rt_rule r_root = {.matches = &root, .n_matches = 1};
    gs_rt_rule r_api = {.matches = &api, .n_matches = 1};
    add_route("ns", "none", 1, NULL, &r_root, 1);
    add_route("ns", "short-wild", 2, "*.com", &r_root, 1);
    add_route("ns", "long-wild", 3, "*.example.com", &r_root, 1);
    add_route("ns", "exact", 4, "a.example.com", &r_api, 1);
    compile();
    ck_assert_str_eq(winner(lookup("a.example.com", "GET", "/api/x")), "ns/exact#0");
    /* The exact host has no rule for "/": the next most specific hostname serves it. */
    ck_assert_str_eq(winner(lookup("a.example.com", "GET", "/")), "ns/long-wild#0");
    ck_assert_str_eq(winner(lookup("b.example.com", "GET", "/api")), "ns/long-wild#0");
    ck_assert_str_eq(winner(lookup("example.com", "GET", "/")), "ns/short-wild#0");
    ck_assert_str_eq(winner(lookup("example.org", "GET", "/")), "ns/none#0");
    ck_assert_str_eq(lookup("a.example.com", "GET", "/").hostname, "*.example.com");
    /* Wildcards cover only non-empty labels (gs_hostname.h). */
    ck_assert_str_eq(winner(lookup(".example.com", "GET", "/")), "ns/none#0");
    ck_assert_str_eq(winner(lookup("a..example.com", "GET", "/")), "ns/none#0");
    ck_assert_str_eq(winner(lookup("a.b..com", "GET", "/")), "ns/none#0");
    ck_assert_str_eq(winner(lookup("a.b.example.com", "GET", "/")), "ns/long-wild#0");
}
END_TEST

START_TEST(no_fallthrough_option_stops_at_most_specific_hostname)
{
    gs_rt_options opt = {.no_hostname_fallthrough = true};
    rt_fixture_reset(&opt, NULL);
    gs_rt_match api = {.path = PREFIX("/api")};
    gs_rt_rule r_api = {.matches = &api, .n_matches = 1};
    gs_rt_rule r_root = {0};
    add_route("ns", "none", 1, NULL, &r_root, 1);
    add_route("ns", "exact", 2, "a.example.com", &r_api, 1);
    compile();
    ck_assert_str_eq(winner(lookup("a.example.com", "GET", "/api")), "ns/exact#0");
    ck_assert_str_eq(winner(lookup("a.example.com", "GET", "/")), "404");
    ck_assert_str_eq(winner(lookup("b.example.com", "GET", "/")), "ns/none#0");
}
END_TEST

/* One hostname rule: specificity is that of the effective hostname (route hostname intersected
 * with the listener's). On listener example.com, routes listing [example.com], [*.com] or no
 * hostnames all have the effective hostname example.com, so they compete on the rest of the
 * precedence, in both fall-through modes. */
static void hostname_rule_case(bool no_fallthrough)
{
    gs_rt_options opt = {.no_hostname_fallthrough = no_fallthrough};
    rt_fixture_reset(&opt, "example.com");
    gs_rt_kv_match one[] = {{.type = GS_RT_MATCH_EXACT, .name = "x", .value = "1"}};
    gs_rt_kv_match two[] = {{.type = GS_RT_MATCH_EXACT, .name = "x", .value = "1"},
                            {.type = GS_RT_MATCH_EXACT, .name = "y", .value = "1"}};
    gs_rt_match m_plain = {.path = PREFIX("/")};
    gs_rt_match m_one = {.path = PREFIX("/"), .headers = one, .n_headers = 1};
    gs_rt_match m_two = {.path = PREFIX("/"), .headers = two, .n_headers = 2};
    gs_rt_match m_only = {.path = PREFIX("/only-none")};
    gs_rt_rule r_plain = {.matches = &m_plain, .n_matches = 1};
    gs_rt_rule r_one[] = {{.matches = &m_one, .n_matches = 1},
                          {.matches = &m_only, .n_matches = 1}};
    gs_rt_rule r_two = {.matches = &m_two, .n_matches = 1};
    add_route("ns", "listed", 1, "example.com", &r_plain, 1);
    add_route("ns", "none", 2, NULL, r_one, 2);
    add_route("ns", "wild", 3, "*.com", &r_two, 1);
    compile();
    ck_assert_str_eq(winner(lookup("example.com", "GET", "/")), "ns/listed#0");
    ck_assert_str_eq(winner(lookup_h("example.com", "GET", "/", "x", "1", NULL, NULL)),
                     "ns/none#0");
    ck_assert_str_eq(winner(lookup_h("example.com", "GET", "/", "x", "1", "y", "1")), "ns/wild#0");
    /* Not a fall-through: the route without hostnames is in the example.com bucket itself. */
    gs_rt_result r = lookup("example.com", "GET", "/only-none/a");
    ck_assert_str_eq(winner(r), "ns/none#1");
    ck_assert_str_eq(r.hostname, "example.com");
}

START_TEST(routes_without_hostnames_rank_by_the_listener_hostname)
{
    hostname_rule_case(false);
    hostname_rule_case(true);
}
END_TEST

START_TEST(exact_beats_prefix_and_longer_prefix_wins)
{
    gs_rt_match ms[] = {
        {.path = PREFIX("/")},
        {.path = PREFIX("/abc")},
        {.path = PREFIX("/abc/def/")},
        {.path = EXACT("/abc")},
    };
    add_match_rules(ms, 4);
    compile();
    ck_assert_str_eq(winner(lookup("h", "GET", "/abc")), "ns/r#3");
    ck_assert_str_eq(winner(lookup("h", "GET", "/abc/")), "ns/r#1");
    ck_assert_str_eq(winner(lookup("h", "GET", "/abc?x=1")), "ns/r#3");
    ck_assert_str_eq(winner(lookup("h", "GET", "/abcd")), "ns/r#0");
    ck_assert_str_eq(winner(lookup("h", "GET", "/abc/def")), "ns/r#2");
    ck_assert_str_eq(winner(lookup("h", "GET", "/abc/def/ghi")), "ns/r#2");
    ck_assert_str_eq(winner(lookup("h", "GET", "/abc/defg")), "ns/r#1");
    gs_rt_result r = lookup("h", "GET", "/abc/def/x");
    ck_assert_str_eq(r.matched_prefix, "/abc/def/");
    ck_assert_ptr_null(lookup("h", "GET", "/abc").matched_prefix);
}
END_TEST

/* PathPrefix matches element-wise (docs/semantics.md, Paths), in the compiled lookup. */
START_TEST(prefix_match_is_elementwise)
{
    gs_rt_match ms[] = {
        {.path = PREFIX("/abc")},
        {.path = PREFIX("/full")},
        {.path = PREFIX("/v2")},
        {.path = PREFIX("/x/")},
    };
    add_match_rules(ms, 4);
    compile();
    ck_assert_str_eq(winner(lookup("h", "GET", "/abc")), "ns/r#0");
    ck_assert_str_eq(winner(lookup("h", "GET", "/abc/")), "ns/r#0");
    ck_assert_str_eq(winner(lookup("h", "GET", "/abc/def")), "ns/r#0");
    ck_assert_str_eq(winner(lookup("h", "GET", "/abcd")), "404");
    ck_assert_str_eq(winner(lookup("h", "GET", "/full-path-and-host")), "404");
    ck_assert_str_eq(winner(lookup("h", "GET", "/v2/example")), "ns/r#2");
    ck_assert_str_eq(winner(lookup("h", "GET", "/v2example")), "404");
    ck_assert_str_eq(winner(lookup("h", "GET", "/x")), "ns/r#3"); /* "/x/" matches "/x" */
    ck_assert_str_eq(winner(lookup("h", "GET", "/x/y")), "ns/r#3");
    ck_assert_str_eq(winner(lookup("h", "GET", "/xy")), "404");
}
END_TEST

/* Precedence example 1 of docs/semantics.md: rule 1 = {path /} OR {header version:one}; rule 2 =
 * {path /v2} OR {header version:two}. "/" with version: two → rule 2 (both paths "/", one header
 * beats none). */
START_TEST(example_header_beats_no_header_at_equal_path)
{
    gs_rt_kv_match one = {.name = "version", .value = "one"};
    gs_rt_kv_match two = {.name = "version", .value = "two"};
    gs_rt_match m1[] = {{.path = PREFIX("/")}, {.headers = &one, .n_headers = 1}};
    gs_rt_match m2[] = {{.path = PREFIX("/v2")}, {.headers = &two, .n_headers = 1}};
    gs_rt_rule rules[] = {{.matches = m1, .n_matches = 2}, {.matches = m2, .n_matches = 2}};
    add_route("ns", "r", 1, NULL, rules, 2);
    compile();
    ck_assert_str_eq(winner(lookup_h("h", "GET", "/", "version", "two", NULL, NULL)), "ns/r#1");
    ck_assert_str_eq(winner(lookup_h("h", "GET", "/", "version", "one", NULL, NULL)), "ns/r#0");
    ck_assert_str_eq(winner(lookup("h", "GET", "/")), "ns/r#0");
    ck_assert_str_eq(winner(lookup("h", "GET", "/v2/x")), "ns/r#1");
}
END_TEST

/* Example 2: "/path5" as PATCH — the prefix /path5 beats a method-only match; with
 * version: four, the method match beats the header match. */
START_TEST(example_prefix_beats_method_and_method_beats_header)
{
    gs_rt_kv_match four = {.name = "version", .value = "four"};
    gs_rt_match ms[] = {
        {.headers = &four, .n_headers = 1},
        {.method = "PATCH"},
        {.path = PREFIX("/path5")},
    };
    add_match_rules(ms, 3);
    compile();
    ck_assert_str_eq(winner(lookup("h", "PATCH", "/path5")), "ns/r#2");
    ck_assert_str_eq(winner(lookup_h("h", "PATCH", "/", "version", "four", NULL, NULL)), "ns/r#1");
    ck_assert_str_eq(winner(lookup_h("h", "GET", "/", "version", "four", NULL, NULL)), "ns/r#0");
    ck_assert_str_eq(winner(lookup("h", "GET", "/")), "404");
}
END_TEST

/* Example 3: a header match beats a query-parameter match. */
START_TEST(example_header_beats_query)
{
    gs_rt_kv_match hdr = {.name = "x-tier", .value = "gold"};
    gs_rt_kv_match qp = {.name = "tier", .value = "gold"};
    gs_rt_match ms[] = {{.query = &qp, .n_query = 1}, {.headers = &hdr, .n_headers = 1}};
    add_match_rules(ms, 2);
    compile();
    ck_assert_str_eq(winner(lookup_h("h", "GET", "/?tier=gold", "X-Tier", "gold", NULL, NULL)),
                     "ns/r#1");
    ck_assert_str_eq(winner(lookup("h", "GET", "/?tier=gold")), "ns/r#0");
    ck_assert_str_eq(winner(lookup("h", "GET", "/?a=b&tier=gold")), "ns/r#0");
    ck_assert_str_eq(winner(lookup("h", "GET", "/?TIER=gold")), "404");
    /* The first value of a repeated parameter counts. */
    ck_assert_str_eq(winner(lookup("h", "GET", "/?tier=silver&tier=gold")), "404");
}
END_TEST

/* Example 4: equal specificity (one header each) → the earlier rule; across routes the older
 * route, then namespace/name. */
START_TEST(example_ties_go_to_rule_order_then_age_then_name)
{
    gs_rt_kv_match two = {.name = "version", .value = "two"};
    gs_rt_kv_match blue = {.name = "color", .value = "blue"};
    gs_rt_match m_two = {.headers = &two, .n_headers = 1};
    gs_rt_match m_blue = {.headers = &blue, .n_headers = 1};
    gs_rt_rule rules[] = {{.matches = &m_two, .n_matches = 1},
                          {.matches = &m_blue, .n_matches = 1}};
    add_route("ns", "r", 5, NULL, rules, 2);
    gs_rt_match m_exact = {.path = EXACT("/same")};
    gs_rt_rule same = {.matches = &m_exact, .n_matches = 1};
    add_route("b-ns", "newer", 9, NULL, &same, 1);
    add_route("b-ns", "older", 2, NULL, &same, 1);
    add_route("a-ns", "z", 2, NULL, &same, 1);
    compile();
    ck_assert_str_eq(winner(lookup_h("h", "GET", "/", "version", "two", "color", "blue")),
                     "ns/r#0");
    ck_assert_str_eq(winner(lookup_h("h", "GET", "/", "color", "blue", NULL, NULL)), "ns/r#1");
    ck_assert_str_eq(winner(lookup("h", "GET", "/same")), "a-ns/z#0");
}
END_TEST

START_TEST(more_headers_and_more_query_params_win)
{
    gs_rt_kv_match h2[] = {{.name = "a", .value = "1"}, {.name = "b", .value = "2"}};
    gs_rt_kv_match q2[] = {{.name = "a", .value = "1"}, {.name = "b", .value = "2"}};
    gs_rt_match ms[] = {
        {.headers = h2, .n_headers = 1},
        {.headers = h2, .n_headers = 2},
        {.query = q2, .n_query = 1},
        {.query = q2, .n_query = 2},
    };
    add_match_rules(ms, 4);
    compile();
    ck_assert_str_eq(winner(lookup_h("h", "GET", "/", "a", "1", "B", "2")), "ns/r#1");
    ck_assert_str_eq(winner(lookup_h("h", "GET", "/", "a", "1", NULL, NULL)), "ns/r#0");
    ck_assert_str_eq(winner(lookup("h", "GET", "/?b=2&a=1")), "ns/r#3");
    ck_assert_str_eq(winner(lookup("h", "GET", "/?a=1")), "ns/r#2");
}
END_TEST

START_TEST(method_is_exact_and_head_is_not_get)
{
    gs_rt_match m = {.path = EXACT("/get"), .method = "GET"};
    add_match_rules(&m, 1);
    compile();
    ck_assert_str_eq(winner(lookup("h", "GET", "/get")), "ns/r#0");
    ck_assert_str_eq(winner(lookup("h", "HEAD", "/get")), "404");
}
END_TEST

START_TEST(duplicate_header_names_count_once)
{
    gs_rt_kv_match hs[] = {{.name = "foo", .value = "1"}, {.name = "Foo", .value = "2"}};
    gs_rt_match m = {.headers = hs, .n_headers = 2};
    add_match_rules(&m, 1);
    compile();
    ck_assert_str_eq(winner(lookup_h("h", "GET", "/", "FOO", "1", NULL, NULL)), "ns/r#0");
    ck_assert_str_eq(winner(lookup_h("h", "GET", "/", "foo", "2", NULL, NULL)), "404");
}
END_TEST

START_TEST(regex_is_whole_value_and_ranks_between_exact_and_prefix)
{
    gs_rt_kv_match hre = {.type = GS_RT_MATCH_REGEX, .name = "x-id", .value = "[0-9]+"};
    gs_rt_match ms[] = {
        {.path = PREFIX("/users")},
        {.path = REGEX("/users/[0-9]+")},
        {.path = EXACT("/users/42")},
        {.path = PREFIX("/h"), .headers = &hre, .n_headers = 1},
    };
    add_match_rules(ms, 4);
    compile();
    ck_assert_str_eq(winner(lookup("h", "GET", "/users/42")), "ns/r#2");
    ck_assert_str_eq(winner(lookup("h", "GET", "/users/7")), "ns/r#1");
    ck_assert_str_eq(winner(lookup("h", "GET", "/users/7/x")), "ns/r#0");
    ck_assert_str_eq(winner(lookup_h("h", "GET", "/h", "x-id", "123", NULL, NULL)), "ns/r#3");
    ck_assert_str_eq(winner(lookup_h("h", "GET", "/h", "x-id", "12a", NULL, NULL)), "404");
}
END_TEST

START_TEST(bad_regex_is_rejected_with_reason)
{
    gs_rt_match m = {.path = REGEX("/a(")};
    gs_rt_rule rule = {.matches = &m, .n_matches = 1};
    gs_rt_route r = {.namespace = "ns", .name = "bad", .rules = &rule, .n_rules = 1};
    gs_error err = {0};
    ck_assert_int_eq(gs_route_table_add_route(table, &r, &l_http, 1, &err), GS_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "ns/bad"));
    ck_assert_ptr_nonnull(strstr(err.msg, "/a("));
}
END_TEST

START_TEST(default_rule_matches_everything)
{
    gs_rt_rule rule = {0};
    add_route("ns", "r", 1, NULL, &rule, 1);
    compile();
    gs_rt_result r = lookup("h", "DELETE", "/any/thing?x");
    ck_assert_str_eq(winner(r), "ns/r#0");
    ck_assert_str_eq(r.matched_prefix, "/");
    ck_assert_uint_eq(r.rule->n_backends, 0);
}
END_TEST

/* ---- GRPCRoute ----------------------------------------------------------------------------- */

START_TEST(grpc_exact_service_method_precedence)
{
    gs_rt_kv_match canary = {.name = "x-canary", .value = "1"};
    gs_rt_grpc_match ms[] = {
        {.service = "shop.v1.Cart"},
        {.service = "shop.v1.Cart", .method = "Get"},
        {.method = "Get"},
        {.service = "shop.v1.Cart", .method = "Get", .headers = &canary, .n_headers = 1},
        {.type = GS_RT_MATCH_REGEX, .service = "shop\\.v1\\..*", .method = "List.*"},
    };
    gs_rt_rule rules[5];
    for (int i = 0; i < 5; i++)
        rules[i] = (gs_rt_rule){.grpc_matches = &ms[i], .n_grpc_matches = 1};
    gs_rt_route r = {
        .kind = GS_RT_ROUTE_GRPC, .namespace = "ns", .name = "g", .rules = rules, .n_rules = 5};
    gs_error err = {0};
    ck_assert_int_eq(gs_route_table_add_route(table, &r, &l_http, 1, &err), 0);
    compile();
    ck_assert_str_eq(winner(lookup("h", "POST", "/shop.v1.Cart/Get")), "ns/g#1");
    ck_assert_str_eq(
        winner(lookup_h("h", "POST", "/shop.v1.Cart/Get", "x-canary", "1", NULL, NULL)), "ns/g#3");
    ck_assert_str_eq(winner(lookup("h", "POST", "/shop.v1.Cart/Put")), "ns/g#0");
    ck_assert_str_eq(winner(lookup("h", "POST", "/other.Svc/Get")), "ns/g#2");
    ck_assert_str_eq(winner(lookup("h", "POST", "/shop.v1.Items/ListAll")), "ns/g#4");
    ck_assert_str_eq(winner(lookup("h", "POST", "/other.Svc/Put")), "404");
    ck_assert_str_eq(winner(lookup("h", "POST", "/shop.v1.Cart/Get/extra")), "404");
}
END_TEST

/* ---- helpers ------------------------------------------------------------------------------- */

START_TEST(weighted_pick_keeps_invalid_shares)
{
    gs_rt_backend b[] = {
        {.namespace = "ns", .name = "ok", .port = 80, .weight = 1},
        {.namespace = "ns",
         .name = "gone",
         .port = 80,
         .weight = 3,
         .state = GS_RT_BACKEND_NOT_FOUND},
        {.namespace = "ns", .name = "zero", .port = 80, .weight = 0},
    };
    gs_rt_rule rule = {.backends = b, .n_backends = 3};
    add_route("ns", "r", 1, NULL, &rule, 1);
    compile();
    const gs_rt_rule *cr = lookup("h", "GET", "/").rule;
    ck_assert_uint_eq(cr->total_weight, 4);
    int counts[3] = {0};
    for (uint64_t r = 0; r < (1ULL << 32); r += (1ULL << 24))
        counts[gs_rt_rule_pick_backend(cr, (uint32_t)r)]++;
    ck_assert_int_eq(counts[0], 64);
    ck_assert_int_eq(counts[1], 192);
    ck_assert_int_eq(counts[2], 0);
    ck_assert_int_eq(cr->backends[1].state, GS_RT_BACKEND_NOT_FOUND);
    ck_assert_str_eq(gs_rt_backend_state_reason(cr->backends[1].state), "BackendNotFound");
    gs_rt_rule none = {0};
    ck_assert_int_eq(gs_rt_rule_pick_backend(&none, 5), -1);
}
END_TEST

START_TEST(redirect_port_rules)
{
    gs_rt_redirect r = {0};
    ck_assert_uint_eq(gs_rt_redirect_port(&r, "http", 8080), 8080);
    ck_assert_uint_eq(gs_rt_redirect_port(&r, "http", 80), 0);
    r.port = 80;
    ck_assert_uint_eq(gs_rt_redirect_port(&r, "http", 8080), 0);
    r.port = 0;
    r.scheme = "http";
    ck_assert_uint_eq(gs_rt_redirect_port(&r, "http", 443), 0);
    r.scheme = "https";
    ck_assert_uint_eq(gs_rt_redirect_port(&r, "https", 8080), 0);
    r.port = 8443;
    ck_assert_uint_eq(gs_rt_redirect_port(&r, "https", 80), 8443);
}
END_TEST

START_TEST(filters_are_copied_with_defaults)
{
    gs_rt_header_value set = {.name = "X-A", .value = "1"};
    const char *rm[] = {"x-b"};
    gs_rt_filter bf = {.type = GS_RT_FILTER_REQUEST_HEADER_MODIFIER,
                       .header_mod = {.set = &set, .n_set = 1}};
    gs_rt_filter f[] = {
        {.type = GS_RT_FILTER_RESPONSE_HEADER_MODIFIER,
         .header_mod = {.remove = rm, .n_remove = 1}},
        {.type = GS_RT_FILTER_REQUEST_MIRROR,
         .mirror = {.backend = {.namespace = "ns", .name = "shadow", .port = 80}}},
        {.type = GS_RT_FILTER_URL_REWRITE,
         .rewrite = {.path = {.type = GS_RT_PATH_REPLACE_PREFIX, .value = "/"}}},
    };
    gs_rt_backend b = {.namespace = "ns",
                       .name = "app",
                       .port = 8080,
                       .weight = 1,
                       .filters = &bf,
                       .n_filters = 1};
    gs_rt_rule rule = {.filters = f,
                       .n_filters = 3,
                       .backends = &b,
                       .n_backends = 1,
                       .request_timeout_ms = 1500,
                       .backend_request_timeout_ms = -1};
    add_route("ns", "r", 1, NULL, &rule, 1);
    gs_rt_filter redir = {.type = GS_RT_FILTER_REQUEST_REDIRECT, .redirect = {.scheme = "https"}};
    gs_rt_match m = {.path = EXACT("/r")};
    gs_rt_rule rrule = {.matches = &m, .n_matches = 1, .filters = &redir, .n_filters = 1};
    add_route("ns", "redir", 2, NULL, &rrule, 1);
    compile();
    const gs_rt_rule *cr = lookup("h", "GET", "/x").rule;
    ck_assert_ptr_ne(cr, &rule);
    ck_assert_uint_eq(cr->n_filters, 3);
    ck_assert_str_eq(cr->filters[0].header_mod.remove[0], "x-b");
    ck_assert_uint_eq(cr->filters[1].mirror.numerator, 100);
    ck_assert_uint_eq(cr->filters[1].mirror.denominator, 100);
    ck_assert_str_eq(cr->filters[1].mirror.backend.kind, "Service");
    ck_assert_int_eq(cr->filters[2].rewrite.path.type, GS_RT_PATH_REPLACE_PREFIX);
    ck_assert_str_eq(cr->backends[0].filters[0].header_mod.set[0].value, "1");
    ck_assert_int_eq(cr->request_timeout_ms, 1500);
    ck_assert_int_eq(cr->backend_request_timeout_ms, GS_RT_TIMEOUT_UNSET);
    ck_assert_str_eq(cr->route->name, "r");
    const gs_rt_rule *rr = lookup("h", "GET", "/r").rule;
    ck_assert_int_eq(rr->filters[0].redirect.status_code, 302);
    ck_assert_str_eq(gs_rt_filter_type_name(rr->filters[0].type), "RequestRedirect");
}
END_TEST

START_TEST(duplicate_listeners_and_late_adds_are_rejected)
{
    gs_rt_listener l = {
        .gateway_namespace = "infra", .gateway_name = "gw", .name = "other", .port = 80};
    gs_error err = {0};
    /* Same port, also without a hostname: control should have marked them conflicted. */
    ck_assert_int_eq(gs_route_table_add_listener(table, &l, NULL, &err), GS_ERR_INVALID);
    l.name = "http";
    l.port = 81;
    ck_assert_int_eq(gs_route_table_add_listener(table, &l, NULL, &err), GS_ERR_INVALID);
    l.name = "bad";
    l.hostname = "Not_A_Host";
    ck_assert_int_eq(gs_route_table_add_listener(table, &l, NULL, &err), GS_ERR_INVALID);
    compile();
    gs_rt_rule rule = {0};
    gs_rt_route r = {.namespace = "ns", .name = "late", .rules = &rule, .n_rules = 1};
    ck_assert_int_eq(gs_route_table_add_route(table, &r, &l_http, 1, &err), GS_ERR_INVALID);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("route_table");
    TCase *tc = tcase_create("route_table");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, listener_selection_exact_wildcard_catch_all);
    tcase_add_test(tc, no_listener_for_host_is_404_and_sni_mismatch_is_421);
    tcase_add_test(tc, route_hostnames_intersect_listener_hostname);
    tcase_add_test(tc, hostname_specificity_and_fallthrough);
    tcase_add_test(tc, no_fallthrough_option_stops_at_most_specific_hostname);
    tcase_add_test(tc, routes_without_hostnames_rank_by_the_listener_hostname);
    tcase_add_test(tc, exact_beats_prefix_and_longer_prefix_wins);
    tcase_add_test(tc, prefix_match_is_elementwise);
    tcase_add_test(tc, example_header_beats_no_header_at_equal_path);
    tcase_add_test(tc, example_prefix_beats_method_and_method_beats_header);
    tcase_add_test(tc, example_header_beats_query);
    tcase_add_test(tc, example_ties_go_to_rule_order_then_age_then_name);
    tcase_add_test(tc, more_headers_and_more_query_params_win);
    tcase_add_test(tc, method_is_exact_and_head_is_not_get);
    tcase_add_test(tc, duplicate_header_names_count_once);
    tcase_add_test(tc, regex_is_whole_value_and_ranks_between_exact_and_prefix);
    tcase_add_test(tc, bad_regex_is_rejected_with_reason);
    tcase_add_test(tc, default_rule_matches_everything);
    tcase_add_test(tc, grpc_exact_service_method_precedence);
    tcase_add_test(tc, weighted_pick_keeps_invalid_shares);
    tcase_add_test(tc, redirect_port_rules);
    tcase_add_test(tc, filters_are_copied_with_defaults);
    tcase_add_test(tc, duplicate_listeners_and_late_adds_are_rejected);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
