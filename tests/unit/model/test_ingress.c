/* SPDX-License-Identifier: MIT */
/* Ingress and IngressClass (networking.k8s.io/v1): every rule of the API server's validation
 * with its message, field path and line:column, and the typed objects of valid manifests. */
#include "gs_ingress.h"
#include "gs_model.h"
#include "gs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXPECT 4

typedef struct ingress_case {
    const char *name;
    const char *yaml;
    const char *expect[MAX_EXPECT]; /* "line:col: Kind ns/name: field: message" */
    size_t nerrors;
} ingress_case;

#define ING_HEAD "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i, namespace: ns}\n"
#define SVC "{service: {name: web, port: {number: 80}}}"
#define IC_HEAD "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: c}\n"
/* 64 bytes: one more than a DNS-1035 label may hold */
#define LONG_NAME "web-with-a-very-long-name-that-exceeds-sixty-three-characters-xy"
#define SUBDOMAIN_MSG                                                                          \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or " \
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "     \
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

static const ingress_case cases[] = {
    {"neither_rules_nor_default", ING_HEAD "spec: {}\n",
     {"4:7: Ingress ns/i: spec: Invalid value: \"null\": either `defaultBackend` or `rules` must "
      "be specified"},
     1},
    {"path_type_required",
     ING_HEAD "spec:\n  rules:\n  - http:\n      paths:\n      - {path: /, backend: " SVC "}\n",
     {"8:9: Ingress ns/i: spec.rules[0].http.paths[0].pathType: Required value: pathType must be "
      "specified"},
     1},
    {"path_type_unsupported",
     ING_HEAD "spec:\n  rules:\n  - http:\n      paths:\n"
              "      - {path: /, pathType: prefix, backend: " SVC "}\n",
     {"8:29: Ingress ns/i: spec.rules[0].http.paths[0].pathType: Unsupported value: \"prefix\": "
      "supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\"; did you mean "
      "\"Prefix\"?"},
     1},
    {"exact_path_not_absolute",
     ING_HEAD "spec:\n  rules:\n  - http:\n      paths:\n"
              "      - {path: api, pathType: Exact, backend: " SVC "}\n",
     {"8:16: Ingress ns/i: spec.rules[0].http.paths[0].path: Invalid value: \"api\": must be an "
      "absolute path"},
     1},
    {"prefix_path_sequences",
     ING_HEAD "spec:\n  rules:\n  - http:\n      paths:\n"
              "      - {path: \"/a//b/%2f/.\", pathType: Prefix, backend: " SVC "}\n",
     {"8:16: Ingress ns/i: spec.rules[0].http.paths[0].path: Invalid value: \"/a//b/%2f/.\": must "
      "not contain '//'",
      "8:16: Ingress ns/i: spec.rules[0].http.paths[0].path: Invalid value: \"/a//b/%2f/.\": must "
      "not contain '%2f'",
      "8:16: Ingress ns/i: spec.rules[0].http.paths[0].path: Invalid value: \"/a//b/%2f/.\": cannot "
      "end with '/.'"},
     3},
    {"implementation_specific_may_be_relative_only_when_empty",
     ING_HEAD "spec:\n  rules:\n  - http:\n      paths:\n"
              "      - {pathType: ImplementationSpecific, backend: " SVC "}\n"
              "      - {path: \"x(.*)\", pathType: ImplementationSpecific, backend: " SVC "}\n",
     {"9:16: Ingress ns/i: spec.rules[0].http.paths[1].path: Invalid value: \"x(.*)\": must be "
      "an absolute path"},
     1},
    {"host_ip", ING_HEAD "spec:\n  rules:\n  - host: 192.168.0.1\n",
     {"6:11: Ingress ns/i: spec.rules[0].host: Invalid value: \"192.168.0.1\": must be a DNS name, "
      "not an IP address"},
     1},
    {"host_two_wildcards", ING_HEAD "spec:\n  rules:\n  - host: \"*.*.example.com\"\n",
     {"6:11: Ingress ns/i: spec.rules[0].host: Invalid value: \"*.*.example.com\": a wildcard "
      "DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must "
      "consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric "
      "character (e.g. '*.example.com', regex used for validation is "
      "'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
     1},
    {"host_upper_case", ING_HEAD "spec:\n  rules:\n  - host: Foo.com\n",
     {"6:11: Ingress ns/i: spec.rules[0].host: Invalid value: \"Foo.com\": a lowercase RFC 1123 "
      "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
      "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
      "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
     1},
    {"http_without_paths", ING_HEAD "spec:\n  rules:\n  - host: a.com\n    http: {paths: []}\n",
     {"7:19: Ingress ns/i: spec.rules[0].http.paths: Required value"}, 1},
    {"backend_service_and_resource",
     ING_HEAD "spec:\n  defaultBackend:\n    service: {name: web, port: {number: 80}}\n"
              "    resource: {kind: Bucket, name: b}\n",
     {"6:5: Ingress ns/i: spec.defaultBackend: Invalid value: \"\": cannot set both resource and "
      "service backends"},
     1},
    {"backend_empty", ING_HEAD "spec:\n  defaultBackend: {x: 1}\n",
     {"5:20: Ingress ns/i: spec.defaultBackend.x: unknown field \"x\"",
      "5:19: Ingress ns/i: spec.defaultBackend: Invalid value: \"\": resource or service backend is "
      "required"},
     2},
    {"backend_port_name_and_number",
     ING_HEAD "spec:\n  defaultBackend: {service: {name: web, port: {name: http, number: 80}}}\n",
     {"5:19: Ingress ns/i: spec.defaultBackend: Invalid value: \"\": cannot set both port name & "
      "port number"},
     1},
    {"backend_port_missing", ING_HEAD "spec:\n  defaultBackend: {service: {name: web}}\n",
     {"5:19: Ingress ns/i: spec.defaultBackend: Required value: port name or number is required"},
     1},
    {"backend_port_number_range",
     ING_HEAD "spec:\n  defaultBackend: {service: {name: web, port: {number: 70000}}}\n",
     {"5:56: Ingress ns/i: spec.defaultBackend.service.port.number: Invalid value: 70000: must be "
      "between 1 and 65535, inclusive"},
     1},
    {"backend_port_name_iana",
     ING_HEAD "spec:\n  defaultBackend: {service: {name: web, port: {name: \"1234\"}}}\n",
     {"5:54: Ingress ns/i: spec.defaultBackend.service.port.name: Invalid value: \"1234\": must "
      "contain at least one letter (a-z)"},
     1},
    {"backend_service_name_dns1035",
     ING_HEAD "spec:\n  defaultBackend: {service: {name: 9web, port: {number: 80}}}\n",
     {"5:36: Ingress ns/i: spec.defaultBackend.service.name: Invalid value: \"9web\": a DNS-1035 "
      "label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
      "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex "
      "used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"},
     1},
    {"backend_resource_kind_required",
     ING_HEAD "spec:\n  defaultBackend: {resource: {apiGroup: k8s.example.com, name: b}}\n",
     {"5:30: Ingress ns/i: spec.defaultBackend.resource.kind: Required value: kind is required"},
     1},
    {"tls_host_and_secret",
     ING_HEAD "spec:\n  defaultBackend: " SVC "\n  tls:\n  - hosts: [\"a_b.com\"]\n"
              "    secretName: Cert\n",
     {"7:13: Ingress ns/i: spec.tls[0].hosts[0]: Invalid value: \"a_b.com\": a lowercase RFC 1123 "
      "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
      "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
      "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      "8:17: Ingress ns/i: spec.tls[0].secretName: Invalid value: \"Cert\": a lowercase RFC 1123 "
      "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
      "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
      "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
     2},
    {"class_annotation_disagrees",
     "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: i\n"
     "  annotations: {kubernetes.io/ingress.class: traefik}\n"
     "spec:\n  ingressClassName: nginx\n  defaultBackend: " SVC "\n",
     {"5:46: Ingress default/i: metadata.annotations[kubernetes.io/ingress.class]: Invalid value: "
      "\"traefik\": must match `ingressClassName` when both are specified"},
     1},
    {"unknown_field_did_you_mean",
     ING_HEAD "spec:\n  defaultBackend: " SVC "\n  rules:\n  - hots: a.com\n",
     {"7:5: Ingress ns/i: spec.rules[0].hots: unknown field \"hots\"; did you mean \"host\"?"}, 1},
    {"beta_version_removed",
     "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: i}\nspec: {}\n",
     {"1:13: Ingress default/i: apiVersion: Invalid value: \"extensions/v1beta1\": no matches for "
      "kind \"Ingress\" in version \"extensions/v1beta1\" (served as networking.k8s.io/v1 since "
      "Kubernetes 1.19; the beta versions were removed in 1.22)"},
     1},
    {"class_controller_not_prefixed",
     "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: c}\n"
     "spec: {controller: ingress-nginx}\n",
     {"4:20: IngressClass c: spec.controller: Invalid value: \"ingress-nginx\": must be a "
      "domain-prefixed path (such as \"acme.io/foo\")"},
     1},
    {"class_parameters_scope",
     "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: c}\n"
     "spec:\n  controller: k8s.io/ingress-nginx\n"
     "  parameters: {kind: Conf, name: \"a/b\", scope: Namespace}\n",
     {"6:34: IngressClass c: spec.parameters.name: Invalid value: \"a/b\": may not contain '/'",
      "6:15: IngressClass c: spec.parameters.namespace: Required value: `parameters.scope` is set "
      "to 'Namespace'"},
     2},
    {"class_parameters_cluster_namespace",
     "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: c}\n"
     "spec:\n  controller: k8s.io/ingress-nginx\n"
     "  parameters: {kind: Conf, name: p, scope: Cluster, namespace: x}\n",
     {"6:64: IngressClass c: spec.parameters.namespace: Forbidden: `parameters.scope` is set to "
      "'Cluster'"},
     1},
    /* the rules below were not covered before the issue #18 audit */
    {"class_controller_required_without_spec", IC_HEAD,
     {"1:1: IngressClass c: spec.controller: Required value"}, 1},
    {"class_controller_required_empty", IC_HEAD "spec: {controller: \"\"}\n",
     {"4:20: IngressClass c: spec.controller: Required value"}, 1},
    {"class_controller_required_with_parameters",
     IC_HEAD "spec:\n  parameters: {kind: Conf, name: p, scope: Cluster}\n",
     {"5:3: IngressClass c: spec.controller: Required value"}, 1},
    {"class_controller_domain_and_path", IC_HEAD "spec:\n  controller: \"Acme.io/a b\"\n",
     {"5:15: IngressClass c: spec.controller: Invalid value: \"Acme.io\": " SUBDOMAIN_MSG,
      "5:15: IngressClass c: spec.controller: Invalid value: \"a b\": Invalid path (regex used "
      "for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"},
     2},
    {"class_parameters_scope_required",
     IC_HEAD "spec:\n  controller: k8s.io/ingress-nginx\n  parameters: {kind: Conf, name: p}\n",
     {"6:15: IngressClass c: spec.parameters.scope: Required value"}, 1},
    {"class_parameters_each_field",
     IC_HEAD "spec:\n  controller: k8s.io/ingress-nginx\n"
             "  parameters: {apiGroup: A_b, kind: \".\", name: \"a%b\", scope: Global}\n",
     {"6:26: IngressClass c: spec.parameters.apiGroup: Invalid value: \"A_b\": " SUBDOMAIN_MSG,
      "6:37: IngressClass c: spec.parameters.kind: Invalid value: \".\": may not be '.'",
      "6:48: IngressClass c: spec.parameters.name: Invalid value: \"a%b\": may not contain '%'",
      "6:62: IngressClass c: spec.parameters.scope: Unsupported value: \"Global\": supported "
      "values: \"Cluster\", \"Namespace\""},
     4},
    {"class_parameters_namespace_label",
     IC_HEAD "spec:\n  controller: k8s.io/ingress-nginx\n"
             "  parameters: {kind: K, name: p, scope: Namespace, namespace: Bad_NS}\n",
     {"6:63: IngressClass c: spec.parameters.namespace: Invalid value: \"Bad_NS\": a lowercase "
      "RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
      "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
      "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"},
     1},
    {"class_parameters_namespace_dots",
     IC_HEAD "spec:\n  controller: k8s.io/ingress-nginx\n"
             "  parameters: {kind: K, name: p, scope: Namespace, namespace: a.b}\n",
     {"6:63: IngressClass c: spec.parameters.namespace: Invalid value: \"a.b\": must not contain "
      "dots"},
     1},
    {"ingress_class_name_subdomain", ING_HEAD "spec:\n  ingressClassName: Nginx\n  defaultBackend: " SVC "\n",
     {"5:21: Ingress ns/i: spec.ingressClassName: Invalid value: \"Nginx\": " SUBDOMAIN_MSG}, 1},
    {"host_ipv6_and_leading_zeros_not_a_dotted_triple",
     ING_HEAD "spec:\n  rules:\n  - host: \"::1\"\n  - host: 01.2.3.4\n  - host: 1.2.3\n",
     {"6:11: Ingress ns/i: spec.rules[0].host: Invalid value: \"::1\": must be a DNS name, not an "
      "IP address",
      "6:11: Ingress ns/i: spec.rules[0].host: Invalid value: \"::1\": " SUBDOMAIN_MSG,
      "7:11: Ingress ns/i: spec.rules[1].host: Invalid value: \"01.2.3.4\": must be a DNS name, "
      "not an IP address"},
     3},
    {"host_sloppy_ip_zeros",
     ING_HEAD "spec:\n  rules:\n  - host: 0001.2.3.4\n  - host: 256.1.1.1\n",
     {"6:11: Ingress ns/i: spec.rules[0].host: Invalid value: \"0001.2.3.4\": must be a DNS "
      "name, not an IP address"},
     1},
    {"tls_wildcard_hosts",
     ING_HEAD "spec:\n  defaultBackend: " SVC "\n  tls:\n  - hosts: [\"*.example.com\", \"*.*.x.com\"]\n",
     {"7:30: Ingress ns/i: spec.tls[0].hosts[1]: Invalid value: \"*.*.x.com\": a wildcard DNS-1123 "
      "subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of "
      "lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character "
      "(e.g. '*.example.com', regex used for validation is "
      "'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"},
     1},
    {"exact_and_prefix_dot_segments",
     ING_HEAD "spec:\n  rules:\n  - http:\n      paths:\n"
              "      - {path: \"/a/./b/..\", pathType: Exact, backend: " SVC "}\n"
              "      - {path: \"/a/../b\", pathType: Prefix, backend: " SVC "}\n",
     {"8:16: Ingress ns/i: spec.rules[0].http.paths[0].path: Invalid value: \"/a/./b/..\": must "
      "not contain '/./'",
      "8:16: Ingress ns/i: spec.rules[0].http.paths[0].path: Invalid value: \"/a/./b/..\": cannot "
      "end with '/..'",
      "9:16: Ingress ns/i: spec.rules[0].http.paths[1].path: Invalid value: \"/a/../b\": must not "
      "contain '/../'"},
     3},
    {"prefix_path_empty", ING_HEAD "spec:\n  rules:\n  - http:\n      paths:\n"
                          "      - {path: \"\", pathType: Prefix, backend: " SVC "}\n",
     {"8:16: Ingress ns/i: spec.rules[0].http.paths[0].path: Invalid value: \"\": must be an "
      "absolute path"},
     1},
    {"backend_port_name_charset_hyphens",
     ING_HEAD "spec:\n  defaultBackend: {service: {name: web, port: {name: \"-Http--x\"}}}\n",
     {"5:54: Ingress ns/i: spec.defaultBackend.service.port.name: Invalid value: \"-Http--x\": must "
      "contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
      "5:54: Ingress ns/i: spec.defaultBackend.service.port.name: Invalid value: \"-Http--x\": must "
      "not contain consecutive hyphens",
      "5:54: Ingress ns/i: spec.defaultBackend.service.port.name: Invalid value: \"-Http--x\": must "
      "not begin or end with a hyphen"},
     3},
    {"backend_port_name_length",
     ING_HEAD "spec:\n  defaultBackend: {service: {name: web, port: {name: http-abcdefghijk}}}\n",
     {"5:54: Ingress ns/i: spec.defaultBackend.service.port.name: Invalid value: "
      "\"http-abcdefghijk\": must be no more than 15 characters"},
     1},
    {"backend_service_name_length",
     ING_HEAD "spec:\n  defaultBackend: {service: {name: " LONG_NAME ", port: {number: 80}}}\n",
     {"5:36: Ingress ns/i: spec.defaultBackend.service.name: Invalid value: \"" LONG_NAME "\": "
      "must be no more than 63 characters"},
     1},
    {"path_backend_absent",
     ING_HEAD "spec:\n  rules:\n  - http:\n      paths:\n      - {path: /b, pathType: Exact}\n",
     {"8:9: Ingress ns/i: spec.rules[0].http.paths[0].backend: Invalid value: \"\": resource or "
      "service backend is required"},
     1},
    {"backend_resource_name_segment",
     ING_HEAD "spec:\n  defaultBackend: {resource: {kind: Bucket, name: \"..\"}}\n",
     {"5:51: Ingress ns/i: spec.defaultBackend.resource.name: Invalid value: \"..\": may not be "
      "'..'"},
     1},
};

static char *all_diags(const gs_model *m)
{
    gs_buf all = {0};
    for (size_t i = 0; i < m->diags.len; i++) {
        char line[4096];
        gs_diag_format(&m->diags.items[i], line, sizeof line);
        gs_buf_printf(&all, "  %s\n", line);
    }
    return all.data ? gs_buf_take(&all) : strdup("");
}

START_TEST(ingress_invalid_case)
{
    const ingress_case *c = &cases[_i];
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "t.yaml", c->yaml, strlen(c->yaml), NULL, NULL);
    char *all = all_diags(m);
    for (int e = 0; e < MAX_EXPECT && c->expect[e]; e++) {
        char want[4096];
        snprintf(want, sizeof want, "t.yaml:%s", c->expect[e]);
        ck_assert_msg(strstr(all, want) != NULL, "%s: missing\n  %s\ngot:\n%s", c->name, want, all);
    }
    ck_assert_msg(m->diags.nerrors == c->nerrors, "%s: %zu errors, want %zu:\n%s", c->name,
                  m->diags.nerrors, c->nerrors, all);
    /* the API server would have refused it: not in the object set */
    ck_assert_uint_eq(m->n_objects, 0);
    ck_assert_uint_eq(m->n_ingresses + m->n_ingress_classes, 0);
    free(all);
    gs_model_free(m);
}
END_TEST

static const char valid_yaml[] =
    "apiVersion: networking.k8s.io/v1\n"
    "kind: IngressClass\n"
    "metadata:\n"
    "  name: nginx\n"
    "  annotations: {ingressclass.kubernetes.io/is-default-class: \"true\"}\n"
    "spec: {controller: k8s.io/ingress-nginx}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\n"
    "kind: Ingress\n"
    "metadata:\n"
    "  name: shop\n"
    "  namespace: web\n"
    "  annotations: {nginx.ingress.kubernetes.io/rewrite-target: /$2}\n"
    "spec:\n"
    "  ingressClassName: nginx\n"
    "  defaultBackend: {service: {name: fallback, port: {name: http}}}\n"
    "  tls: [{hosts: [shop.example.com], secretName: shop-cert}]\n"
    "  rules:\n"
    "  - host: shop.example.com\n"
    "    http:\n"
    "      paths:\n"
    "      - {path: /cart, pathType: Exact, backend: {service: {name: cart, port: {number: 8080}}}}\n"
    "      - {path: /api(/|$)(.*), pathType: ImplementationSpecific,\n"
    "         backend: {service: {name: api, port: {number: 80}}}}\n"
    "      - {path: /static, pathType: Prefix,\n"
    "         backend: {resource: {apiGroup: k8s.example.com, kind: Bucket, name: assets}}}\n"
    "  - host: \"\"\n"
    "    http:\n"
    "      paths: [{pathType: ImplementationSpecific, backend: {service: {name: web, port: {number: 80}}}}]\n"
    "  - host: \"*.example.com\"\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\n"
    "kind: Ingress\n"
    "metadata:\n"
    "  name: legacy\n"
    "  annotations: {kubernetes.io/ingress.class: nginx}\n"
    "spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}\n";

START_TEST(ingress_valid_typed)
{
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "v.yaml", valid_yaml, strlen(valid_yaml), NULL, NULL);
    char *all = all_diags(m);
    ck_assert_msg(m->diags.len == 0, "problems:\n%s", all);
    free(all);
    ck_assert_uint_eq(m->n_ingresses, 2);
    ck_assert_uint_eq(m->n_ingress_classes, 1);
    ck_assert_uint_eq(m->n_skipped, 0);

    const gs_ingress *ing = (const gs_ingress *)gs_model_find(m, GS_KIND_INGRESS, "web", "shop");
    ck_assert_ptr_nonnull(ing);
    ck_assert_ptr_eq(ing, m->ingresses[0]);
    ck_assert_str_eq(gs_ingress_class_of(ing), "nginx");
    ck_assert_str_eq(gs_labels_get(&ing->obj.metadata.annotations,
                                   "nginx.ingress.kubernetes.io/rewrite-target"),
                     "/$2");
    ck_assert(ing->spec.default_backend.set);
    ck_assert_str_eq(ing->spec.default_backend.service_name.v, "fallback");
    ck_assert_str_eq(ing->spec.default_backend.port_name.v, "http");
    ck_assert(!ing->spec.default_backend.port_number.has);
    ck_assert_uint_eq(ing->spec.n_tls, 1);
    ck_assert_uint_eq(ing->spec.tls[0].n_hosts, 1);
    ck_assert_str_eq(ing->spec.tls[0].hosts[0].v, "shop.example.com");
    ck_assert_str_eq(ing->spec.tls[0].secret_name.v, "shop-cert");

    ck_assert_uint_eq(ing->spec.n_rules, 3);
    const gs_ingress_rule *r = &ing->spec.rules[0];
    ck_assert_str_eq(r->host.v, "shop.example.com");
    ck_assert_uint_eq(r->host.pos.line, 19);
    ck_assert_uint_eq(r->host.pos.col, 11);
    ck_assert_uint_eq(r->n_paths, 3);
    ck_assert_int_eq(r->paths[0].type, GS_INGRESS_PATH_EXACT);
    ck_assert_str_eq(r->paths[0].path.v, "/cart");
    ck_assert_int_eq(r->paths[0].backend.port_number.v, 8080);
    ck_assert(r->paths[0].backend.port_number.has);
    ck_assert_int_eq(r->paths[1].type, GS_INGRESS_PATH_IMPLEMENTATION_SPECIFIC);
    ck_assert_str_eq(r->paths[1].path.v, "/api(/|$)(.*)");
    ck_assert_int_eq(r->paths[2].type, GS_INGRESS_PATH_PREFIX);
    ck_assert_ptr_null(r->paths[2].backend.service_name.v);
    ck_assert_str_eq(r->paths[2].backend.resource_kind.v, "Bucket");
    ck_assert_str_eq(r->paths[2].backend.resource_group.v, "k8s.example.com");
    /* an empty host is every host, like an absent one; a path may be absent */
    ck_assert_ptr_null(ing->spec.rules[1].host.v);
    ck_assert_str_eq(ing->spec.rules[1].paths[0].path.v, "");
    /* a rule without http is valid and routes nothing */
    ck_assert_str_eq(ing->spec.rules[2].host.v, "*.example.com");
    ck_assert_uint_eq(ing->spec.rules[2].n_paths, 0);

    const gs_ingress *legacy = (const gs_ingress *)gs_model_find(m, GS_KIND_INGRESS, "default",
                                                                 "legacy");
    ck_assert_ptr_nonnull(legacy);
    ck_assert_ptr_null(legacy->spec.ingress_class_name.v);
    ck_assert_str_eq(gs_ingress_class_of(legacy), "nginx");

    const gs_ingress_class *ic = gs_ingress_default_class(m);
    ck_assert_ptr_nonnull(ic);
    ck_assert_str_eq(ic->spec.controller.v, "k8s.io/ingress-nginx");
    /* cluster-scoped: found whatever namespace is asked */
    ck_assert_ptr_eq(gs_model_find(m, GS_KIND_INGRESS_CLASS, "any", "nginx"), &ic->obj);
    ck_assert(!gs_kind_is_namespaced(GS_KIND_INGRESS_CLASS));
    ck_assert_str_eq(gs_kind_name(GS_KIND_INGRESS_CLASS), "IngressClass");
    gs_model_free(m);
}
END_TEST

/* --strict refuses kinds gatesim does not model; Ingress is modelled now, so it passes. */
START_TEST(ingress_strict_is_modelled)
{
    gs_model *m;
    gs_model_new(&m);
    gs_load_options opt = {.strict = true};
    gs_model_load_buffer(m, "v.yaml", valid_yaml, strlen(valid_yaml), &opt, NULL);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    ck_assert_uint_eq(m->n_ingresses, 2);
    gs_model_free(m);
}
END_TEST

/* A later definition of the same Ingress replaces the earlier one in place. */
START_TEST(ingress_redefined_replaces)
{
    static const char yaml[] =
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\n"
        "spec: {defaultBackend: {service: {name: one, port: {number: 80}}}}\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a}\n"
        "spec: {defaultBackend: {service: {name: two, port: {number: 80}}}}\n";
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "r.yaml", yaml, strlen(yaml), NULL, NULL);
    ck_assert_uint_eq(m->n_ingresses, 1);
    ck_assert_str_eq(m->ingresses[0]->spec.default_backend.service_name.v, "two");
    ck_assert_uint_eq(m->diags.nwarnings, 1);
    gs_model_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ingress");
    TCase *tc = tcase_create("ingress");
    tcase_add_loop_test(tc, ingress_invalid_case, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, ingress_valid_typed);
    tcase_add_test(tc, ingress_strict_is_modelled);
    tcase_add_test(tc, ingress_redefined_replaces);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
