/* SPDX-License-Identifier: MIT */
/* Loading valid manifests into typed objects: kinds, defaults as the API server applies them,
 * positions, lists, replacement and removal, selectors, Secret data, Scenario documents, and the
 * Services the harness makes up (gs_synth_service) reading back. */
#include "gs_model.h"
#include "gs_synth.h"
#include "gs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>

static gs_model *load_valid(void)
{
    gs_model *m;
    ck_assert_int_eq(gs_model_new(&m), 0);
    gs_error err = {0};
    int rc = gs_model_load_path(m, gs_test_data("model/valid"), NULL, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    for (size_t i = 0; i < m->diags.len; i++) {
        char line[1024];
        gs_diag_format(&m->diags.items[i], line, sizeof line);
        ck_assert_msg(m->diags.items[i].severity == GS_DIAG_NOTE, "unexpected: %s", line);
    }
    return m;
}

START_TEST(model_loads_every_kind)
{
    gs_model *m = load_valid();
    ck_assert_uint_eq(m->n_gateway_classes, 1);
    ck_assert_uint_eq(m->n_gateways, 1);
    ck_assert_uint_eq(m->n_http_routes, 1);
    ck_assert_uint_eq(m->n_grpc_routes, 1);
    ck_assert_uint_eq(m->n_reference_grants, 1);
    ck_assert_uint_eq(m->n_namespaces, 2);
    ck_assert_uint_eq(m->n_services, 1);
    ck_assert_uint_eq(m->n_secrets, 1);
    ck_assert_uint_eq(m->n_objects, 9);
    ck_assert_uint_eq(m->n_skipped, 1); /* the Deployment */
    ck_assert_uint_eq(m->diags.nnotes, 1);
    ck_assert_str_eq(m->gateway_classes[0]->spec.controller_name.v, "gatesim.dev/controller");
    gs_model_free(m);
}
END_TEST

START_TEST(model_gateway_fields_and_defaults)
{
    gs_model *m = load_valid();
    gs_gateway *gw = (gs_gateway *)gs_model_find(m, GS_KIND_GATEWAY, "infra", "edge");
    ck_assert_ptr_nonnull(gw);
    ck_assert_str_eq(gw->obj.api_version, "gateway.networking.k8s.io/v1");
    ck_assert_str_eq(gw->obj.version, "v1");
    ck_assert_uint_eq(gw->spec.n_listeners, 2);
    gs_listener *http = &gw->spec.listeners[0], *https = &gw->spec.listeners[1];
    ck_assert_int_eq(http->protocol_kind, GS_PROTOCOL_HTTP);
    ck_assert_int_eq(http->port.v, 80);
    ck_assert_uint_eq(http->port.pos.line, 30);
    ck_assert_uint_eq(http->port.pos.col, 11);
    ck_assert_ptr_null(http->hostname.v);
    /* allowedRoutes defaults to namespaces from Same */
    ck_assert_int_eq(http->allowed_routes.from, GS_FROM_SAME);
    ck_assert(!http->allowed_routes.from_str.set);
    ck_assert(!http->allowed_routes.kinds_set);
    ck_assert_str_eq(https->hostname.v, "*.example.com");
    ck_assert(https->tls.set);
    ck_assert_int_eq(https->tls.mode, GS_TLS_MODE_TERMINATE); /* default */
    ck_assert(!https->tls.mode_str.set);
    ck_assert_uint_eq(https->tls.n_certificate_refs, 1);
    gs_secret_ref *cert = &https->tls.certificate_refs[0];
    ck_assert_str_eq(cert->kind.v, "Secret");
    ck_assert_str_eq(cert->group.v, "");
    ck_assert_str_eq(cert->namespace.v, "infra");
    ck_assert(!cert->namespace.set);
    ck_assert_int_eq(https->allowed_routes.from, GS_FROM_SELECTOR);
    ck_assert_uint_eq(https->allowed_routes.n_kinds, 1);
    ck_assert_str_eq(https->allowed_routes.kinds[0].group.v, GS_GATEWAY_GROUP);
    ck_assert_uint_eq(gw->spec.n_addresses, 1);
    ck_assert_str_eq(gw->spec.addresses[0].type.v, "IPAddress");

    /* selectors against namespace labels (plus kubernetes.io/metadata.name) */
    gs_namespace *team = (gs_namespace *)gs_model_find(m, GS_KIND_NAMESPACE, NULL, "team-a");
    gs_namespace *infra = (gs_namespace *)gs_model_find(m, GS_KIND_NAMESPACE, NULL, "infra");
    ck_assert_ptr_nonnull(team);
    ck_assert_str_eq(gs_labels_get(&team->obj.metadata.labels, "kubernetes.io/metadata.name"),
                     "team-a");
    ck_assert(gs_label_selector_matches(&https->allowed_routes.selector, &team->obj.metadata.labels));
    ck_assert(!gs_label_selector_matches(&https->allowed_routes.selector,
                                         &infra->obj.metadata.labels));
    gs_secret *sec = (gs_secret *)gs_model_find(m, GS_KIND_SECRET, "infra", "wildcard-cert");
    size_t len = 0;
    const unsigned char *crt = gs_secret_get(sec, "tls.crt", &len);
    ck_assert_uint_eq(len, 5);
    ck_assert_mem_eq(crt, "hello", 5);
    gs_model_free(m);
}
END_TEST

/* The API server admits any label-selector requirement in a custom resource; one Kubernetes'
 * selector parser refuses makes the selector select nothing, as in a controller that cannot
 * parse it (validate warns). */
START_TEST(model_invalid_selector_requirement_selects_nothing)
{
    const char *text =
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps, labels: {env: prod}}\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\n"
        "spec:\n  gatewayClassName: c\n  listeners:\n"
        "  - {name: l0, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, "
        "selector: {matchExpressions: [{key: env, operator: Exists}]}}}}\n"
        "  - {name: l1, port: 81, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, "
        "selector: {matchExpressions: [{key: env, operator: Exists, values: [prod]}]}}}}\n"
        "  - {name: l2, port: 82, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, "
        "selector: {matchExpressions: [{key: env, operator: In}]}}}}\n"
        "  - {name: l3, port: 83, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, "
        "selector: {matchExpressions: [{key: env, operator: NotIn}]}}}}\n"
        "  - {name: l4, port: 84, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, "
        "selector: {matchExpressions: [{key: env, operator: Equals, values: [prod]}]}}}}\n"
        "  - {name: l5, port: 85, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, "
        "selector: {matchExpressions: [{key: zone, operator: DoesNotExist}]}}}}\n";
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "sel.yaml", text, strlen(text), NULL, NULL);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    ck_assert_uint_eq(m->diags.nwarnings, 4);
    gs_gateway *gw = (gs_gateway *)gs_model_find(m, GS_KIND_GATEWAY, "default", "gw");
    gs_namespace *ns = (gs_namespace *)gs_model_find(m, GS_KIND_NAMESPACE, NULL, "apps");
    ck_assert_ptr_nonnull(gw);
    ck_assert_ptr_nonnull(ns);
    const bool want[] = {true, false, false, false, false, true};
    ck_assert_uint_eq(gw->spec.n_listeners, 6);
    for (size_t i = 0; i < 6; i++)
        ck_assert_msg(gs_label_selector_matches(&gw->spec.listeners[i].allowed_routes.selector,
                                                &ns->obj.metadata.labels) == want[i],
                      "listener l%zu", i);
    gs_model_free(m);
}
END_TEST

START_TEST(model_http_route_fields_and_defaults)
{
    gs_model *m = load_valid();
    gs_http_route *r = (gs_http_route *)gs_model_find(m, GS_KIND_HTTP_ROUTE, "team-a", "store");
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->spec.n_parent_refs, 1);
    gs_parent_ref *p = &r->spec.parent_refs[0];
    ck_assert_str_eq(p->group.v, GS_GATEWAY_GROUP);
    ck_assert_str_eq(p->kind.v, "Gateway");
    ck_assert(!p->kind.set);
    /* a defaulted value is placed at the object that holds it */
    ck_assert_uint_eq(p->kind.pos.line, p->pos.line);
    ck_assert_str_eq(p->kind.pos.file, p->pos.file);
    ck_assert_str_eq(p->namespace.v, "infra");
    ck_assert(p->namespace.set);
    ck_assert_str_eq(p->section_name.v, "https");
    ck_assert(!p->port.has);
    ck_assert_uint_eq(r->spec.n_rules, 3);
    gs_http_route_rule *r0 = &r->spec.rules[0];
    ck_assert_int_eq(r0->matches[0].path.type, GS_PATH_EXACT);
    ck_assert_str_eq(r0->matches[0].path.value.v, "/checkout");
    ck_assert_int_eq(r0->matches[0].headers[0].type, GS_MATCH_EXACT);
    ck_assert_str_eq(r0->matches[0].query_params[0].value.v, "1");
    ck_assert_str_eq(r0->matches[0].method.v, "GET");
    ck_assert_int_eq(r0->filters[0].type, GS_FILTER_REQUEST_HEADER_MODIFIER);
    ck_assert_str_eq(r0->filters[0].request_header_modifier.remove[0].v, "X-Debug");
    ck_assert_uint_eq(r0->n_backend_refs, 2);
    ck_assert_int_eq(r0->backend_refs[0].weight.v, 90);
    ck_assert_int_eq(r0->backend_refs[1].weight.v, 1); /* default */
    ck_assert(!r0->backend_refs[1].weight.set);
    ck_assert_str_eq(r0->backend_refs[1].ref.kind.v, "Service");
    ck_assert_str_eq(r0->backend_refs[1].ref.namespace.v, "team-a");
    ck_assert_int_eq(r0->backend_refs[1].filters[0].type, GS_FILTER_RESPONSE_HEADER_MODIFIER);
    ck_assert_int_eq(r0->timeouts.request_ns, 10000000000LL);
    ck_assert_int_eq(r0->timeouts.backend_request_ns, 2000000000LL);
    /* rule 1 has no matches: the default PathPrefix "/" is applied */
    gs_http_route_rule *r1 = &r->spec.rules[1];
    ck_assert_uint_eq(r1->n_matches, 1);
    ck_assert_int_eq(r1->matches[0].path.type, GS_PATH_PREFIX);
    ck_assert_str_eq(r1->matches[0].path.value.v, "/");
    ck_assert(!r1->matches[0].path.value.set);
    ck_assert(r1->filters[0].request_mirror.has_fraction);
    ck_assert_int_eq(r1->filters[0].request_mirror.fraction_denominator.v, 100);
    ck_assert_int_eq(r1->filters[0].request_mirror.backend_ref.port.v, 80);
    gs_http_request_redirect *rr = &r->spec.rules[2].filters[0].request_redirect;
    ck_assert_int_eq(rr->status_code.v, 302);
    ck_assert_int_eq(rr->path.type, GS_PATH_MODIFIER_REPLACE_PREFIX_MATCH);
    ck_assert_str_eq(rr->path.replace_prefix_match.v, "/new");
    ck_assert_str_eq(rr->scheme.v, "https");

    gs_grpc_route *g = (gs_grpc_route *)gs_model_find(m, GS_KIND_GRPC_ROUTE, "team-a", "shop");
    ck_assert_ptr_nonnull(g);
    ck_assert(g->spec.rules[0].matches[0].method.set);
    ck_assert_int_eq(g->spec.rules[0].matches[0].method.type, GS_MATCH_EXACT);
    ck_assert_str_eq(g->spec.rules[0].matches[0].method.service.v, "shop.v1.Cart");
    gs_reference_grant *rg =
        (gs_reference_grant *)gs_model_find(m, GS_KIND_REFERENCE_GRANT, "infra", "allow-team-a");
    ck_assert_ptr_nonnull(rg);
    ck_assert_str_eq(rg->spec.from[0].namespace.v, "team-a");
    ck_assert_ptr_null(rg->spec.to[0].name.v);
    gs_service *svc = (gs_service *)gs_model_find(m, GS_KIND_SERVICE, "team-a", "store-v1");
    ck_assert_str_eq(svc->spec.ports[0].app_protocol.v, "kubernetes.io/h2c");
    ck_assert_str_eq(svc->spec.ports[0].protocol.v, "TCP");
    gs_model_free(m);
}
END_TEST

START_TEST(model_replace_and_remove)
{
    gs_model *m;
    gs_model_new(&m);
    const char *a = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n";
    const char *b = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\n"
                    "spec:\n  ports: [{port: 81}]\n";
    ck_assert_int_eq(gs_model_load_buffer(m, "a.yaml", a, strlen(a), NULL, NULL), 0);
    ck_assert_int_eq(gs_model_load_buffer(m, "b.yaml", b, strlen(b), NULL, NULL), 0);
    ck_assert_uint_eq(m->n_services, 1);
    ck_assert_uint_eq(m->n_objects, 1);
    gs_service *s = (gs_service *)gs_model_find(m, GS_KIND_SERVICE, "default", "web");
    ck_assert_int_eq(s->spec.ports[0].port.v, 81);
    ck_assert_int_eq(gs_model_remove(m, GS_KIND_SERVICE, "default", "web"), 0);
    ck_assert_uint_eq(m->n_services, 0);
    ck_assert_uint_eq(m->n_objects, 0);
    ck_assert_int_eq(gs_model_remove(m, GS_KIND_SERVICE, "default", "web"), GS_ERR_NOT_FOUND);
    gs_model_free(m);
}
END_TEST

/* Scenario documents are recorded for the caller (the model does not decode them), and noted as
 * skipped unless the caller says it checks them; kinds outside the model are errors under
 * --strict. */
START_TEST(model_scenario_docs_and_strict)
{
    gs_model *m;
    gs_model_new(&m);
    const char *text = "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: x}\n"
                       "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n";
    gs_load_options strict = {.strict = true};
    gs_model_load_buffer(m, "s.yaml", text, strlen(text), &strict, NULL);
    ck_assert_uint_eq(m->n_scenarios, 1);
    ck_assert_ptr_nonnull(m->scenario_docs[0].stream);
    ck_assert_uint_eq(m->scenario_docs[0].doc->pos.line, 1);
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(gs_yaml_get(m->scenario_docs[0].doc, "metadata"),
                                             "name")),
                     "x");
    ck_assert_uint_eq(m->diags.nerrors, 1); /* the Deployment under --strict */
    gs_diags_sort(&m->diags);
    ck_assert_uint_eq(m->diags.len, 2);
    char line[512];
    gs_diag_format(&m->diags.items[0], line, sizeof line);
    ck_assert_msg(strstr(line, "s.yaml:1:1:") && strstr(line, "a Scenario, not an object"), "%s",
                  line);
    gs_diag_format(&m->diags.items[1], line, sizeof line);
    ck_assert_str_eq(line, "s.yaml:5:1: Deployment d: apps/v1 Deployment is not a kind "
                           "gatesim models (rejected by --strict)");
    gs_model_free(m);

    /* A caller that checks scenarios itself (gatesim validate, explain): no note. */
    gs_model_new(&m);
    gs_load_options checked = {.scenarios_checked_by_caller = true};
    gs_model_load_buffer(m, "s.yaml", text, strlen(text), &checked, NULL);
    ck_assert_uint_eq(m->n_scenarios, 1);
    for (size_t i = 0; i < m->diags.len; i++)
        ck_assert_msg(!strstr(m->diags.items[i].message, "Scenario"), "%s",
                      m->diags.items[i].message);
    gs_model_free(m);
}
END_TEST

START_TEST(model_load_node_copies)
{
    gs_model *m;
    gs_model_new(&m);
    gs_yaml_stream *s = NULL;
    const char *text = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                       "metadata: {name: r, namespace: ns1}\nspec:\n  parentRefs: [{name: gw}]\n";
    ck_assert_int_eq(gs_yaml_parse_buffer(&s, "inline.yaml", text, strlen(text), NULL), 0);
    ck_assert_uint_eq(gs_model_load_node(m, s->docs[0], NULL), 0);
    gs_yaml_stream_free(s);
    gs_http_route *r = (gs_http_route *)gs_model_find(m, GS_KIND_HTTP_ROUTE, "ns1", "r");
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->obj.pos.file, "inline.yaml");
    ck_assert_str_eq(r->spec.parent_refs[0].name.v, "gw");
    ck_assert_uint_eq(r->spec.parent_refs[0].name.pos.line, 5);
    ck_assert_str_eq(r->spec.parent_refs[0].namespace.v, "ns1");
    /* rules default to one rule matching PathPrefix / */
    ck_assert_uint_eq(r->spec.n_rules, 1);
    ck_assert_str_eq(r->spec.rules[0].matches[0].path.value.v, "/");
    gs_model_free(m);
}
END_TEST

START_TEST(model_metadata_creation_and_generation)
{
    ck_assert_int_eq(gs_parse_rfc3339("1970-01-01T00:00:00Z"), 0);
    ck_assert_int_eq(gs_parse_rfc3339("2024-05-01T10:00:00Z"), 1714557600LL);
    ck_assert_int_eq(gs_parse_rfc3339("2024-05-01T12:00:00.5+02:00"), 1714557600LL);
    ck_assert_int_eq(gs_parse_rfc3339("2024-05-01"), -1);
    ck_assert_int_eq(gs_parse_rfc3339("2024-13-01T00:00:00Z"), -1);
    gs_model *m;
    gs_model_new(&m);
    const char *text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"
                       "  creationTimestamp: 2024-05-01T10:00:00Z\n  generation: 3\n---\n"
                       "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n"
                       "  creationTimestamp: yesterday\n";
    gs_model_load_buffer(m, "t.yaml", text, strlen(text), NULL, NULL);
    gs_object *a = gs_model_find(m, GS_KIND_NAMESPACE, NULL, "a");
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(a->metadata.creation_time, 1714557600LL);
    ck_assert_int_eq(a->metadata.generation.v, 3);
    ck_assert_ptr_null(gs_model_find(m, GS_KIND_NAMESPACE, NULL, "b"));
    ck_assert_uint_eq(m->diags.nerrors, 1);
    char line[512];
    gs_diag_format(&m->diags.items[0], line, sizeof line);
    ck_assert_str_eq(line, "t.yaml:12:22: Namespace b: metadata.creationTimestamp: Invalid value: "
                           "\"yesterday\": must be an RFC 3339 date-time (2024-05-01T10:00:00Z)");
    gs_model_free(m);
}
END_TEST

START_TEST(model_cross_http_grpc_hostnames)
{
    gs_model *m;
    gs_model_new(&m);
    const char *text =
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\n"
        "spec:\n  parentRefs: [{name: gw}]\n  hostnames: [\"*.example.com\"]\n"
        "  rules: [{backendRefs: [{name: s, port: 80}]}]\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: rpc}\n"
        "spec:\n  parentRefs: [{name: gw, sectionName: http}]\n  hostnames: [api.example.com]\n"
        "  rules: [{backendRefs: [{name: s, port: 80}]}]\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: other}\n"
        "spec:\n  parentRefs: [{name: gw}]\n  hostnames: [api.example.org]\n"
        "  rules: [{backendRefs: [{name: s, port: 80}]}]\n";
    gs_model_load_buffer(m, "x.yaml", text, strlen(text), NULL, NULL);
    ck_assert_uint_eq(m->diags.len, 0);
    ck_assert_uint_eq(gs_model_check_cross(m), 1);
    char line[1024];
    gs_diag_format(&m->diags.items[0], line, sizeof line);
    ck_assert_str_eq(line, "x.yaml:14:15: warning: GRPCRoute default/rpc: spec.hostnames: hostname "
                           "api.example.com is also served by HTTPRoute default/web on Gateway "
                           "default/gw: a listener must not mix HTTPRoute and GRPCRoute for one "
                           "host (a controller rejects one of them)");
    gs_model_free(m);
}
END_TEST

START_TEST(model_features_load_clean)
{
    gs_model *m;
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_path(m, gs_test_data("model/features"), NULL, NULL), 0);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    ck_assert_uint_eq(m->diags.nwarnings, 0);
    ck_assert_uint_eq(m->diags.nnotes, 1); /* ReferenceGrant v1alpha2 validated as v1beta1 */
    ck_assert_uint_eq(m->n_objects, 6);
    gs_gateway *gw = (gs_gateway *)gs_model_find(m, GS_KIND_GATEWAY, "infra", "multi");
    ck_assert_int_eq(gw->obj.metadata.creation_time, 1714557600LL);
    ck_assert_int_eq(gw->spec.listeners[0].protocol_kind, GS_PROTOCOL_TLS);
    ck_assert_int_eq(gw->spec.listeners[0].tls.mode, GS_TLS_MODE_PASSTHROUGH);
    ck_assert_int_eq(gw->spec.listeners[1].protocol_kind, GS_PROTOCOL_TCP);
    ck_assert_str_eq(gs_labels_get(&gw->spec.listeners[2].tls.options, "example.net/cert-provider"),
                     "vault");
    ck_assert_int_eq(gw->spec.listeners[3].allowed_routes.from, GS_FROM_ALL);
    ck_assert_str_eq(gw->spec.addresses[1].type.v, "example.net/custom");
    ck_assert_str_eq(gs_labels_get(&gw->spec.infrastructure.labels, "example.net/team"), "edge");
    gs_http_route *r = (gs_http_route *)gs_model_find(m, GS_KIND_HTTP_ROUTE, "infra", "features");
    ck_assert_str_eq(r->obj.version, "v1beta1");
    gs_route_filter *cors = &r->spec.rules[0].filters[0];
    ck_assert_int_eq(cors->type, GS_FILTER_CORS);
    ck_assert_uint_eq(cors->cors.n_allow_origins, 2);
    ck_assert(cors->cors.allow_credentials.v);
    ck_assert_int_eq(cors->cors.max_age.v, 600);
    gs_route_filter *rw = &r->spec.rules[0].filters[1];
    ck_assert_str_eq(rw->url_rewrite.hostname.v, "internal.example.net");
    ck_assert_int_eq(rw->url_rewrite.path.type, GS_PATH_MODIFIER_REPLACE_PREFIX_MATCH);
    ck_assert_int_eq(r->spec.rules[0].timeouts.request_ns, 90LL * 1000000000LL);
    ck_assert_int_eq(r->spec.rules[0].timeouts.backend_request_ns, -1);
    gs_route_filter *mir = &r->spec.rules[1].filters[0];
    ck_assert(mir->request_mirror.percent.has);
    ck_assert_int_eq(mir->request_mirror.percent.v, 25);
    ck_assert(!mir->request_mirror.has_fraction);
    ck_assert_int_eq(r->spec.rules[1].backend_refs[0].weight.v, 0);
    gs_http_route_rule *r1 = &r->spec.rules[1];
    ck_assert(r1->retry.set);
    ck_assert_int_eq(r1->retry.attempts.v, 3);
    ck_assert_int_eq(r1->retry.backoff_ns, 100000000LL);
    ck_assert_uint_eq(r1->retry.n_codes, 2);
    ck_assert_int_eq(r1->retry.codes[1].v, 503);
    ck_assert(r1->session_persistence.set);
    ck_assert_str_eq(r1->session_persistence.type.v, "Cookie");
    ck_assert_str_eq(r1->session_persistence.lifetime_type.v, "Permanent");
    ck_assert_int_eq(r1->session_persistence.absolute_timeout_ns, 3600LL * 1000000000LL);
    ck_assert(!r->spec.rules[0].retry.set);
    ck_assert(r->spec.rules[1].backend_refs[0].weight.set);
    gs_http_request_redirect *rr = &r->spec.rules[2].filters[0].request_redirect;
    ck_assert_int_eq(rr->status_code.v, 301);
    ck_assert_int_eq(rr->port.v, 8443);
    ck_assert_str_eq(rr->path.replace_full_path.v, "/new-page");
    gs_route_filter *ext = &r->spec.rules[3].filters[0];
    ck_assert_int_eq(ext->type, GS_FILTER_EXTENSION_REF);
    ck_assert_str_eq(ext->extension_ref.kind.v, "RateLimit");
    ck_assert_str_eq(r->spec.rules[3].backend_refs[0].ref.kind.v, "Backend");
    ck_assert(!r->spec.rules[3].backend_refs[0].ref.port.has);
    gs_grpc_route *g = (gs_grpc_route *)gs_model_find(m, GS_KIND_GRPC_ROUTE, "apps", "grpc-all");
    ck_assert_str_eq(g->spec.rules[0].matches[0].method.method.v, "GetItem");
    ck_assert_int_eq(g->spec.rules[0].backend_refs[0].weight.v, 3);
    ck_assert_int_eq(g->spec.rules[0].backend_refs[0].filters[0].type,
                     GS_FILTER_RESPONSE_HEADER_MODIFIER);
    ck_assert(!g->spec.rules[1].matches[1].method.set);
    gs_reference_grant *rg =
        (gs_reference_grant *)gs_model_find(m, GS_KIND_REFERENCE_GRANT, "infra", "from-apps");
    ck_assert_str_eq(rg->obj.version, "v1alpha2");
    ck_assert_str_eq(rg->spec.to[0].name.v, "shadow");
    gs_secret *sec = (gs_secret *)gs_model_find(m, GS_KIND_SECRET, "infra", "plain");
    size_t len;
    ck_assert_str_eq((const char *)gs_secret_get(sec, "token", &len), "not-base64 at all");
    gs_model_free(m);
}
END_TEST

START_TEST(model_directory_symlink_loop)
{
    char dir[] = "/tmp/gs_model_dirXXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char sub[256], file[300], link[300];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    snprintf(file, sizeof file, "%s/ns.yml", sub);
    FILE *f = fopen(file, "w");
    fputs("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n", f);
    fclose(f);
    snprintf(link, sizeof link, "%s/loop", sub);
    ck_assert_int_eq(symlink(dir, link), 0);
    gs_model *m;
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_path(m, dir, NULL, NULL), 0);
    ck_assert_uint_eq(m->n_files, 1);
    ck_assert_uint_eq(m->n_namespaces, 1);
    ck_assert_uint_eq(m->diags.nnotes, 1);
    gs_model_free(m);
    unlink(link);
    unlink(file);
    rmdir(sub);
    rmdir(dir);
}
END_TEST

START_TEST(model_synth_service_reads_back)
{
    /* A Service for backends given outside the objects: every port once (a port given twice,
     * as two --backend flags of one Service port do, would be a duplicate the API rejects), a
     * name that needs quoting stays a string, and the model loads it without a remark. */
    const unsigned ports[] = {80, 8080, 80, 9090};
    gs_buf doc = {0};
    gs_synth_service(&doc, "team-a", "true", ports, 4);
    gs_model *m;
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_buffer(m, "synth", doc.data, doc.len, NULL, NULL), 0);
    ck_assert_uint_eq(m->diags.len, 0);
    ck_assert_uint_eq(m->n_services, 1);
    const gs_service *svc = m->services[0];
    ck_assert_str_eq(svc->obj.metadata.name.v, "true");
    ck_assert_str_eq(svc->obj.metadata.namespace.v, "team-a");
    ck_assert_str_eq(gs_labels_get(&svc->obj.metadata.labels, "gatesim.dev/backend"), "true");
    ck_assert_uint_eq(svc->spec.n_ports, 3);
    ck_assert_int_eq(svc->spec.ports[0].port.v, 80);
    ck_assert_int_eq(svc->spec.ports[1].port.v, 8080);
    ck_assert_int_eq(svc->spec.ports[2].port.v, 9090);
    ck_assert_str_eq(svc->spec.ports[2].name.v, "port-9090");
    gs_model_free(m);
    gs_buf_clear(&doc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, model_loads_every_kind);
    tcase_add_test(tc, model_gateway_fields_and_defaults);
    tcase_add_test(tc, model_http_route_fields_and_defaults);
    tcase_add_test(tc, model_invalid_selector_requirement_selects_nothing);
    tcase_add_test(tc, model_replace_and_remove);
    tcase_add_test(tc, model_scenario_docs_and_strict);
    tcase_add_test(tc, model_load_node_copies);
    tcase_add_test(tc, model_metadata_creation_and_generation);
    tcase_add_test(tc, model_cross_http_grpc_hostnames);
    tcase_add_test(tc, model_features_load_clean);
    tcase_add_test(tc, model_directory_symlink_loop);
    tcase_add_test(tc, model_synth_service_reads_back);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
