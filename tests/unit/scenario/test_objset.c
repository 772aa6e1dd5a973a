/* SPDX-License-Identifier: MIT */
/* The object set: flow-YAML re-emission keeps every scalar's type and text, manifests load with
 * replace-by-key and delete, and rendering synthesizes Namespaces (with labels), Services and TLS
 * Secrets without overriding what the user declared. */
#include "gs_objset.h"
#include "gs_alloc.h"
#include "gs_control.h"
#include "gs_json.h"
#include "gs_test.h"
#include "gs_tls.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdbool.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Loads the scenario file |path| into |list|: it must load (its diagnostics printed if not). */
static const gs_scenario *load_scenario(const char *path, gs_scenario_list *list)
{
    gs_diags diags = {0};
    int rc = gs_scenario_list_load(list, path, &diags, NULL);
    if (rc)
        gs_diags_print(&diags, stderr, false);
    gs_diags_clear(&diags);
    ck_assert_int_eq(rc, 0);
    return list->items[0];
}

/* Adds every manifest source of |sc| to |set|. */
static void add_manifests(gs_objset *set, const gs_scenario *sc)
{
    gs_error err = {0};
    for (size_t i = 0; i < sc->n_manifests; i++)
        ck_assert_msg(gs_objset_add_source(set, &sc->manifests[i], &err) == 0, "%s", err.msg);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void same_tree(const gs_yaml_node *a, const gs_yaml_node *b)
{
    ck_assert_int_eq(a->kind, b->kind);
    ck_assert_int_eq(gs_yaml_type_of(a), gs_yaml_type_of(b));
    switch (a->kind) {
    case GS_YAML_SCALAR:
        if (gs_yaml_type_of(a) == GS_YAML_T_STR || gs_yaml_type_of(a) == GS_YAML_T_INT)
            ck_assert_msg(a->len == b->len && memcmp(a->str, b->str, a->len) == 0,
                          "\"%s\" became \"%s\"", a->str, b->str);
        break;
    case GS_YAML_MAPPING:
        ck_assert_uint_eq(a->npairs, b->npairs);
        for (size_t i = 0; i < a->npairs; i++) {
            same_tree(a->pairs[i].key, b->pairs[i].key);
            same_tree(a->pairs[i].value, b->pairs[i].value);
        }
        break;
    case GS_YAML_SEQUENCE:
        ck_assert_uint_eq(a->nitems, b->nitems);
        for (size_t i = 0; i < a->nitems; i++)
            same_tree(a->items[i], b->items[i]);
        break;
    }
}

START_TEST(objset_emit_round_trip)
{
    const char *src = "kind: Thing\n"
                      "port: 80\nquoted: \"80\"\nbool: true\nqbool: \"true\"\nyes: yes\n"
                      "nothing: ~\nempty: \"\"\nfloat: 1.5\nneg: -3\nhex: 0x1f\n"
                      "colon: \"a: b\"\nhash: 'x #y'\nspaces: two words\ncomma: a,b\n"
                      "utf8: caf\xc3\xa9\nbraces: \"{x}\"\nlead: -dash\nstar: \"*.example.com\"\n"
                      "nl: |\n  line1\n  line2\n"
                      "list: [1, \"1\", {a: [b, c]}, [], {}]\n"
                      "nested:\n  - name: X-Header\n    value: \"max-age=1; includeSubDomains\"\n"
                      "tagged: !!str 42\n";
    gs_yaml_stream *s = NULL;
    gs_error err = {0};
    ck_assert_int_eq(gs_yaml_parse_buffer(&s, "in.yaml", src, strlen(src), &err), 0);
    gs_buf out = {0};
    gs_objset_emit_yaml(&out, s->docs[0]);
    gs_yaml_stream *back = NULL;
    int rc = gs_yaml_parse_buffer(&back, "out.yaml", out.data, out.len, &err);
    ck_assert_msg(rc == 0, "%s\n%s", err.msg, out.data);
    same_tree(s->docs[0], back->docs[0]);
    ck_assert_str_eq(gs_yaml_get(back->docs[0], "tagged")->str, "42");
    ck_assert(gs_yaml_is_string(gs_yaml_get(back->docs[0], "tagged")));
    ck_assert(strstr(out.data, "port: 80,") != NULL);
    ck_assert(strstr(out.data, "quoted: \"80\"") != NULL);
    gs_buf_clear(&out);
    gs_yaml_stream_free(s);
    gs_yaml_stream_free(back);
}
END_TEST

static const char *scenario_yaml =
    "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: objs}\nspec:\n"
    "  manifests:\n  - path: manifests.yaml\n"
    "  - inline: {apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute,\n"
    "             metadata: {name: r1, namespace: team-a}, spec: {}}\n"
    "  namespaces:\n  - {name: team-a, labels: {env: prod}}\n"
    "  backends:\n  - {service: team-a/app, ports: [80, 8080]}\n  - {service: \"123/x\"}\n"
    "  steps:\n  - name: s\n    send: {path: /}\n";

static const char *manifests_yaml =
    "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: gc}\n"
    "spec: {controllerName: example.com/x}\n---\n"
    "apiVersion: v1\nkind: List\nitems:\n"
    "- {apiVersion: gateway.networking.k8s.io/v1, kind: Gateway, metadata: {name: gw, namespace: "
    "infra}}\n"
    "- {apiVersion: v1, kind: Service, metadata: {name: x, namespace: \"123\"}, spec: {}}\n";

START_TEST(objset_load_replace_delete_render)
{
    char dir[] = "/tmp/gatesim-objset-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *sp = gs_xasprintf("%s/s.yaml", dir), *mp = gs_xasprintf("%s/manifests.yaml", dir);
    write_file(sp, scenario_yaml);
    write_file(mp, manifests_yaml);
    gs_scenario_list list = {0};
    const gs_scenario *sc = load_scenario(sp, &list);
    gs_objset set = {0};
    gs_error err = {0};
    add_manifests(&set, sc);
    ck_assert_uint_eq(set.len, 4); /* GatewayClass, Gateway, Service (from the List), HTTPRoute */
    ck_assert_ptr_nonnull(gs_objset_find(&set, "GatewayClass", "", "gc"));
    ck_assert_ptr_nonnull(gs_objset_find(&set, "Gateway", "infra", "gw"));
    ck_assert_ptr_nonnull(gs_objset_find(&set, "HTTPRoute", "team-a", "r1"));

    /* Replacing by key keeps the count; deleting removes; deleting again is NOT_FOUND. */
    ck_assert_int_eq(gs_objset_add_source(&set, &sc->manifests[1], &err), 0);
    ck_assert_uint_eq(set.len, 4);
    ck_assert_int_eq(gs_objset_delete(&set, "GatewayClass", "ignored", "gc"), 0);
    ck_assert_int_eq(gs_objset_delete(&set, "GatewayClass", NULL, "gc"), GS_ERR_NOT_FOUND);
    ck_assert_uint_eq(set.len, 3);

    gs_objset_secret sec = {"infra", "tls", "-----BEGIN CERTIFICATE-----\nAB\n", "key", false};
    char **docs;
    size_t n;
    gs_objset_render(&set, sc, &sec, 1, &docs, &n);
    /* 3 objects + namespaces infra, 123, team-a + Service team-a/app (123/x is declared) + Secret
     */
    ck_assert_uint_eq(n, 8);
    bool saw_ns = false, saw_svc = false, saw_secret = false;
    for (size_t i = 0; i < n; i++) {
        gs_yaml_stream *s = NULL;
        ck_assert_msg(gs_yaml_parse_buffer(&s, "doc", docs[i], strlen(docs[i]), &err) == 0,
                      "%s: %s", docs[i], err.msg);
        const gs_yaml_node *d = s->docs[0];
        const char *kind = gs_yaml_str(gs_yaml_get(d, "kind"));
        const gs_yaml_node *meta = gs_yaml_get(d, "metadata");
        const char *name = gs_yaml_str(gs_yaml_get(meta, "name"));
        if (strcmp(kind, "Namespace") == 0 && strcmp(name, "team-a") == 0) {
            saw_ns = true;
            ck_assert_str_eq(gs_yaml_str(gs_yaml_get(gs_yaml_get(meta, "labels"), "env")), "prod");
        }
        if (strcmp(kind, "Namespace") == 0 && strcmp(name, "123") == 0)
            ck_assert(gs_yaml_is_string(gs_yaml_get(meta, "name")));
        if (strcmp(kind, "Service") == 0 && strcmp(name, "app") == 0) {
            saw_svc = true;
            const gs_yaml_node *ports = gs_yaml_get(gs_yaml_get(d, "spec"), "ports");
            ck_assert_uint_eq(ports->nitems, 2);
            int64_t p;
            ck_assert(gs_yaml_int(gs_yaml_get(ports->items[1], "port"), &p));
            ck_assert_int_eq(p, 8080);
        }
        if (strcmp(kind, "Secret") == 0) {
            saw_secret = true;
            const gs_yaml_node *data = gs_yaml_get(d, "data");
            ck_assert_str_eq(gs_yaml_str(gs_yaml_get(data, "tls.key")), "a2V5");
            ck_assert_str_eq(gs_yaml_str(gs_yaml_get(d, "type")), "kubernetes.io/tls");
        }
        ck_assert(strcmp(kind, "Service") != 0 || strcmp(name, "x") != 0 ||
                  gs_yaml_get(gs_yaml_get(meta, "labels"), "gatesim.dev/backend") == NULL);
        gs_yaml_stream_free(s);
    }
    ck_assert(saw_ns && saw_svc && saw_secret);
    gs_objset_docs_free(docs, n);

    gs_scenario_source missing = {.path = "/nonexistent/m.yaml"};
    ck_assert_int_eq(gs_objset_add_source(&set, &missing, &err), GS_ERR_IO);

    gs_objset_clear(&set);
    gs_scenario_list_clear(&list);
    unlink(sp);
    unlink(mp);
    rmdir(dir);
    free(sp);
    free(mp);
}
END_TEST

/* A backend with 20 ports (the route uses the last) and a generated certificate for an HTTPS
 * listener: one object set gives the model explain uses and the YAML a target gets. */
static const char *synth_yaml =
    "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: synth}\nspec:\n"
    "  manifests:\n"
    "  - inline: {apiVersion: gateway.networking.k8s.io/v1, kind: GatewayClass,\n"
    "             metadata: {name: gc}, spec: {controllerName: example.com/x}}\n"
    "  - inline: {apiVersion: gateway.networking.k8s.io/v1, kind: Gateway,\n"
    "             metadata: {name: gw, namespace: infra}, spec: {gatewayClassName: gc,\n"
    "             listeners: [{name: web, port: 80, protocol: HTTP,\n"
    "                          allowedRoutes: {namespaces: {from: All}}},\n"
    "                         {name: secure, port: 443, protocol: HTTPS, hostname: a.example.com,\n"
    "                          tls: {certificateRefs: [{name: cert}]},\n"
    "                          allowedRoutes: {namespaces: {from: All}}}]}}\n"
    "  - inline: {apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute,\n"
    "             metadata: {name: r, namespace: team}, spec: {parentRefs: [{name: gw,\n"
    "             namespace: infra}], rules: [{backendRefs: [{name: many, port: 9020}]}]}}\n"
    "  backends:\n  - {service: team/many, ports: [9001, 9002, 9003, 9004, 9005, 9006, 9007,\n"
    "     9008, 9009, 9010, 9011, 9012, 9013, 9014, 9015, 9016, 9017, 9018, 9019, 9020]}\n"
    "  tls:\n  - {secret: infra/cert, hosts: [a.example.com]}\n"
    "  steps:\n  - name: s\n    send: {path: /}\n";

/* The status JSON control computes for |m|. */
static char *status_json(const gs_model *m)
{
    gs_control *c = NULL;
    gs_control_new(&c, NULL);
    gs_error err = {0};
    ck_assert_int_eq(gs_control_compute(c, m, &err), 0);
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, false);
    gs_status_write_json(gs_control_status(c), &j);
    gs_control_free(c);
    return gs_buf_take(&b);
}

/* Adds one YAML document as an inline source. */
static void add_yaml(gs_objset *set, gs_yaml_stream **streams, size_t *n, const char *text)
{
    gs_error err = {0};
    gs_yaml_stream *s = NULL;
    ck_assert_int_eq(gs_yaml_parse_buffer(&s, "gen.yaml", text, strlen(text), &err), 0);
    streams[(*n)++] = s;
    gs_scenario_source src = {.inline_obj = s->docs[0]};
    ck_assert_int_eq(gs_objset_add_source(set, &src, &err), 0);
}

static int64_t generation_of(const gs_objset *set, const char *name)
{
    const gs_objset_item *it = gs_objset_find(set, "HTTPRoute", "default", name);
    ck_assert_ptr_nonnull(it);
    int64_t g = 0;
    const gs_yaml_node *n = gs_yaml_get(gs_yaml_get(it->node, "metadata"), "generation");
    return n && gs_yaml_int(n, &g) ? g : 1;
}

START_TEST(objset_apply_bumps_generation_on_spec_change)
{
    gs_objset set = {0};
    gs_yaml_stream *streams[8];
    size_t n = 0;
    const char *v1 = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                     "metadata: {name: r}\nspec: {hostnames: [a.example]}\n";
    const char *v2 = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                     "metadata: {name: r, labels: {x: y}}\nspec: {hostnames: [b.example]}\n";
    const char *v2_labels = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                            "metadata: {name: r, labels: {x: z}}\nspec: {hostnames: [b.example]}\n";
    const char *written = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                          "metadata: {name: r, generation: 7}\nspec: {hostnames: [c.example]}\n";
    add_yaml(&set, streams, &n, v1);
    ck_assert_int_eq(generation_of(&set, "r"), 1);
    add_yaml(&set, streams, &n, v2); /* spec changed: 2 */
    ck_assert_int_eq(generation_of(&set, "r"), 2);
    /* The copy keeps the rest of the object. */
    const gs_objset_item *it = gs_objset_find(&set, "HTTPRoute", "default", "r");
    ck_assert_str_eq(gs_yaml_str(gs_yaml_get(gs_yaml_get(gs_yaml_get(it->node, "metadata"),
                                                         "labels"), "x")), "y");
    add_yaml(&set, streams, &n, v2_labels); /* only metadata changed: stays 2 */
    ck_assert_int_eq(generation_of(&set, "r"), 2);
    add_yaml(&set, streams, &n, v1); /* spec changed back: 3 */
    ck_assert_int_eq(generation_of(&set, "r"), 3);
    add_yaml(&set, streams, &n, written); /* written by the user: kept */
    ck_assert_int_eq(generation_of(&set, "r"), 7);
    /* The rendered object carries it, as an integer. */
    gs_scenario sc = {.name = "gen"};
    char **docs = NULL;
    size_t n_docs = 0;
    add_yaml(&set, streams, &n, v2);
    gs_objset_render(&set, &sc, NULL, 0, &docs, &n_docs);
    ck_assert_ptr_nonnull(strstr(docs[0], "generation: 8"));
    gs_objset_docs_free(docs, n_docs);
    gs_objset_clear(&set);
    for (size_t i = 0; i < n; i++)
        gs_yaml_stream_free(streams[i]);
}
END_TEST

/* Whether |leaf_pem|'s first certificate verifies against CA |ca_pem| alone. */
static bool objset_verifies(const char *leaf_pem, const char *ca_pem)
{
    BIO *lb = BIO_new_mem_buf(leaf_pem, -1), *cb = BIO_new_mem_buf(ca_pem, -1);
    X509 *leaf = PEM_read_bio_X509(lb, NULL, NULL, NULL);
    X509 *ca = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    X509_STORE *store = X509_STORE_new();
    X509_STORE_add_cert(store, ca);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf, NULL);
    bool ok = X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    X509_free(ca);
    X509_free(leaf);
    BIO_free(lb);
    BIO_free(cb);
    return ok;
}

/* `issuer`: entries naming the same one share a CA made for the run (a client certificate and
 * the ConfigMap that must accept it), apart from the run's CA and from other issuers. */
START_TEST(objset_tls_issuers)
{
    static const char yaml[] =
        "apiVersion: gatesim.dev/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n"
        "  tls:\n"
        "  - {secret: infra/server, hosts: [a.example.com]}\n"
        "  - {configMap: infra/client-ca, issuer: clients}\n"
        "  - {secret: infra/client, issuer: clients, hosts: [client.example.com]}\n"
        "  - {secret: infra/stranger, issuer: strangers, hosts: [x.example.com]}\n"
        "  - {configMap: infra/run-ca}\n"
        "  steps:\n  - name: a\n    send: {host: a.example.com, clientCertificate: infra/client, "
        "requests: 1}\n";
    char *sp = gs_test_write_temp(".yaml", yaml);
    gs_scenario_list list = {0};
    const gs_scenario *sc = load_scenario(sp, &list);
    ck_assert_str_eq(sc->tls[1].issuer, "clients");
    ck_assert_ptr_null(sc->tls[0].issuer);
    ck_assert_int_eq(sc->steps[0].send.client_certificate, 2);
    gs_error err = {0};
    gs_tls_pem ca = {0};
    ck_assert_int_eq(gs_tls_ca_generate(&ca, "test CA", &err), 0);
    gs_objset_tls tls = {0};
    ck_assert_int_eq(gs_objset_tls_generate(&tls, sc, &ca, &err), 0);
    ck_assert_uint_eq(tls.n, 5);
    ck_assert_uint_eq(tls.n_issuers, 2);
    const char *client_ca = tls.secrets[1].cert_pem;
    ck_assert(objset_verifies(tls.secrets[0].cert_pem, ca.cert));
    ck_assert(objset_verifies(tls.secrets[2].cert_pem, client_ca));
    ck_assert(!objset_verifies(tls.secrets[2].cert_pem, ca.cert));
    ck_assert(!objset_verifies(tls.secrets[3].cert_pem, client_ca));
    ck_assert(!objset_verifies(tls.secrets[0].cert_pem, client_ca));
    ck_assert_str_eq(tls.secrets[4].cert_pem, ca.cert);
    gs_objset_tls_clear(&tls);
    gs_tls_pem_clear(&ca);
    gs_scenario_list_clear(&list);
    unlink(sp);
    free(sp);
}
END_TEST

START_TEST(objset_model_is_what_the_target_gets)
{
    char dir[] = "/tmp/gatesim-objset-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *sp = gs_xasprintf("%s/s.yaml", dir);
    write_file(sp, synth_yaml);
    gs_scenario_list list = {0};
    const gs_scenario *sc = load_scenario(sp, &list);
    gs_objset set = {0};
    gs_error err = {0};
    add_manifests(&set, sc);
    gs_tls_pem ca = {0};
    ck_assert_int_eq(gs_tls_ca_generate(&ca, "test CA", &err), 0);
    gs_objset_tls tls = {0};
    ck_assert_int_eq(gs_objset_tls_generate(&tls, sc, &ca, &err), 0);
    ck_assert_uint_eq(tls.n, 1);

    /* The model explain and validate use. */
    gs_model *m = NULL;
    gs_model_new(&m);
    gs_load_options lo = {0};
    ck_assert_uint_eq(gs_objset_load_model(&set, sc, tls.secrets, tls.n, &lo, m), 0);
    ck_assert_uint_eq(m->n_services, 1);
    ck_assert_uint_eq(m->services[0]->spec.n_ports, 20); /* no cap on a backend's ports */
    ck_assert_uint_eq(m->n_secrets, 1);
    ck_assert_uint_eq(m->n_namespaces, 2); /* infra, team */
    ck_assert_uint_eq(m->diags.len, 0);    /* nothing defined twice, nothing unknown */

    /* The model a target builds from the rendered documents (objects.yaml). */
    char **docs;
    size_t n;
    gs_objset_render(&set, sc, tls.secrets, tls.n, &docs, &n);
    gs_model *from_yaml = NULL;
    gs_model_new(&from_yaml);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(
            gs_model_load_buffer(from_yaml, "objects.yaml", docs[i], strlen(docs[i]), &lo, &err),
            0);
    ck_assert_uint_eq(from_yaml->n_objects, m->n_objects);

    char *a = status_json(m), *b = status_json(from_yaml);
    ck_assert_str_eq(a, b);
    /* The route resolves port 9020 (the 20th) and the HTTPS listener its generated Secret. */
    ck_assert_msg(strstr(a, "BackendNotFound") == NULL &&
                      strstr(a, "InvalidCertificateRef") == NULL,
                  "%s", a);
    ck_assert_msg(strstr(a, "\"ResolvedRefs\"") != NULL, "%s", a);
    free(a);
    free(b);
    gs_objset_docs_free(docs, n);
    gs_model_free(from_yaml);
    gs_model_free(m);
    gs_objset_tls_clear(&tls);
    gs_tls_pem_clear(&ca);
    gs_objset_clear(&set);
    gs_scenario_list_clear(&list);
    unlink(sp);
    rmdir(dir);
    free(sp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("objset");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, objset_emit_round_trip);
    tcase_add_test(tc, objset_load_replace_delete_render);
    tcase_add_test(tc, objset_model_is_what_the_target_gets);
    tcase_add_test(tc, objset_apply_bumps_generation_on_spec_change);
    tcase_add_test(tc, objset_tls_issuers);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
