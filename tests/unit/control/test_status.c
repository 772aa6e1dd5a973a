/* SPDX-License-Identifier: MIT */
/* Status data: conditions replace by type; JSON has the shape of docs/cli.md; YAML says the same
 * thing (checked by parsing it back with the model's YAML reader). */
#include "gs_status.h"
#include "gs_test.h"
#include "gs_yaml.h"

#include "gs_alloc.h"
#include "gs_json_parse.h"

#include <string.h>

static void fill(gs_status_set *s)
{
    memset(s, 0, sizeof(*s));
    s->classes = gs_xcalloc(1, sizeof(*s->classes));
    s->n_classes = 1;
    s->classes[0].name = gs_xstrdup("gs");
    gs_conditions_set(&s->classes[0].conditions, "Accepted", "True", "Accepted", "ok");
    s->gateways = gs_xcalloc(1, sizeof(*s->gateways));
    s->n_gateways = 1;
    gs_gateway_status *g = &s->gateways[0];
    g->namespace = gs_xstrdup("infra");
    g->name = gs_xstrdup("gw");
    gs_conditions_set(&g->conditions, "Accepted", "Unknown", "Pending", "first");
    gs_conditions_set(&g->conditions, "Programmed", "True", "Programmed", "p");
    gs_conditions_set(&g->conditions, "Accepted", "True", "Accepted", "second: \"quoted\"");
    g->listeners = gs_xcalloc(1, sizeof(*g->listeners));
    g->n_listeners = 1;
    g->listeners[0].name = gs_xstrdup("https");
    g->listeners[0].attached_routes = 2;
    g->listeners[0].supported_kinds[0] = (gs_group_kind){"gateway.networking.k8s.io", "HTTPRoute"};
    g->listeners[0].n_supported_kinds = 1;
    gs_conditions_set(&g->listeners[0].conditions, "ResolvedRefs", "False", "InvalidCertificateRef",
                      "secret infra/x not found");
    s->routes = gs_xcalloc(1, sizeof(*s->routes));
    s->n_routes = 1;
    gs_route_status *r = &s->routes[0];
    r->kind = gs_xstrdup("HTTPRoute");
    r->namespace = gs_xstrdup("team-a");
    r->name = gs_xstrdup("yes");
    r->parents = gs_xcalloc(1, sizeof(*r->parents));
    r->n_parents = 1;
    r->parents[0].ref = (gs_status_parent_ref){gs_xstrdup("gateway.networking.k8s.io"),
                                               gs_xstrdup("Gateway"),
                                               gs_xstrdup("infra"),
                                               gs_xstrdup("gw"),
                                               gs_xstrdup("https"),
                                               443};
    r->parents[0].controller_name = gs_xstrdup("gatesim.dev/builtin");
    gs_conditions_set(&r->parents[0].conditions, "Accepted", "False", "NotAllowedByListeners",
                      "namespace team-a: no");
    gs_status_strv_add(&r->parents[0].listeners, &r->parents[0].n_listeners, "https");
}

START_TEST(conditions_replace_by_type)
{
    gs_conditions c = {0};
    gs_conditions_set(&c, "Accepted", "Unknown", "Pending", "a");
    gs_conditions_set(&c, "Programmed", "False", "Invalid", "b");
    gs_conditions_set(&c, "Accepted", "True", "Accepted", "c%d", 1);
    ck_assert_uint_eq(c.n, 2);
    ck_assert_str_eq(c.items[0].type, "Accepted");
    ck_assert_str_eq(c.items[0].message, "c1");
    ck_assert(gs_conditions_true(&c, "Accepted"));
    ck_assert(!gs_conditions_true(&c, "Programmed"));
    ck_assert_ptr_null(gs_conditions_get(&c, "ResolvedRefs"));
    gs_conditions_clear(&c);
}
END_TEST

START_TEST(json_has_the_design_shape)
{
    gs_status_set s;
    fill(&s);
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, false);
    gs_status_write_json(&s, &j);
    gs_json_value *v = NULL;
    ck_assert_int_eq(gs_json_parse(b.data, b.len, NULL, &v, NULL), 0);
    const gs_json_value *objs = gs_json_get(v, "objects");
    ck_assert_uint_eq(objs->len, 3);
    const gs_json_value *gw = gs_json_at(objs, 1);
    ck_assert_str_eq(gs_json_get_string(gw, "kind", ""), "Gateway");
    ck_assert_str_eq(gs_json_get_string(gw, "namespace", ""), "infra");
    const gs_json_value *st = gs_json_get(gw, "status");
    const gs_json_value *l0 = gs_json_at(gs_json_get(st, "listeners"), 0);
    ck_assert_int_eq((int)gs_json_get_number(l0, "attachedRoutes", -1), 2);
    const gs_json_value *c0 = gs_json_at(gs_json_get(l0, "conditions"), 0);
    ck_assert_str_eq(gs_json_get_string(c0, "reason", ""), "InvalidCertificateRef");
    const gs_json_value *gc = gs_json_at(gs_json_get(st, "conditions"), 0);
    ck_assert_str_eq(gs_json_get_string(gc, "status", ""), "True");
    const gs_json_value *p0 =
        gs_json_at(gs_json_get(gs_json_get(gs_json_at(objs, 2), "status"), "parents"), 0);
    ck_assert_str_eq(gs_json_get_string(gs_json_get(p0, "parentRef"), "sectionName", ""), "https");
    ck_assert_int_eq((int)gs_json_get_number(gs_json_get(p0, "parentRef"), "port", 0), 443);
    ck_assert_str_eq(gs_json_get_string(p0, "controllerName", ""), "gatesim.dev/builtin");
    gs_json_value_free(v);
    gs_buf_clear(&b);
    gs_status_set_clear(&s);
}
END_TEST

START_TEST(yaml_reads_back_as_the_same_document)
{
    gs_status_set s;
    fill(&s);
    /* As `gatesim explain --output yaml` renders it: the JSON document, re-emitted as YAML. */
    gs_buf text = {0}, b = {0};
    gs_json j;
    gs_json_init(&j, &text, false);
    gs_status_write_json(&s, &j);
    ck_assert_int_eq(gs_status_json_to_yaml(text.data, text.len, &b), 0);
    gs_buf_clear(&text);
    gs_yaml_stream *y = NULL;
    gs_error err = {0};
    ck_assert_msg(gs_yaml_parse_buffer(&y, "status.yaml", b.data, b.len, &err) == 0, "%s\n%s",
                  err.msg, b.data);
    gs_yaml_node *objs = gs_yaml_get(y->docs[0], "objects");
    ck_assert_uint_eq(objs->nitems, 3);
    gs_yaml_node *route = objs->items[2];
    /* "yes" must stay a string, not become a boolean. */
    ck_assert(gs_yaml_is_string(gs_yaml_get(route, "name")));
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(route, "name")), "yes");
    gs_yaml_node *gw = gs_yaml_get(objs->items[1], "status");
    gs_yaml_node *cond = gs_yaml_get(gw, "conditions")->items[0];
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(cond, "message")), "second: \"quoted\"");
    int64_t n = 0;
    ck_assert(
        gs_yaml_int(gs_yaml_get(gs_yaml_get(gw, "listeners")->items[0], "attachedRoutes"), &n));
    ck_assert_int_eq(n, 2);
    gs_yaml_stream_free(y);
    gs_buf_clear(&b);
    gs_status_set_clear(&s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("status");
    tcase_add_test(tc, conditions_replace_by_type);
    tcase_add_test(tc, json_has_the_design_shape);
    tcase_add_test(tc, yaml_reads_back_as_the_same_document);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
