/* SPDX-License-Identifier: MIT */
/* Gateway spec.tls.frontend in control: an HTTPS listener takes the perPort entry of its port,
 * else the default; CA references that are another kind (InvalidCACertificateKind), in another
 * namespace without a ReferenceGrant (RefNotPermitted), or missing / certificate-less
 * (InvalidCACertificateRef) make the listener ResolvedRefs=False, and with none valid
 * Accepted=False/NoValidCACertificate and out of the table; a valid one puts the CA PEM and the
 * mode in the listener's table entry; AllowInsecureFallback sets the Gateway's
 * InsecureFrontendValidationMode; HTTP listeners are untouched. */
#include "control_priv.h"
#include "gs_alloc.h"
#include "gs_buf.h"
#include "ck_conditions.h"
#include "gs_test.h"
#include "gs_tls.h"

#include <stdlib.h>
#include <string.h>

/* |pem| indented for a YAML block scalar at 4 spaces. */
static void put_block(gs_buf *b, const char *pem)
{
    gs_buf_puts(b, "|\n    ");
    for (const char *p = pem; *p; p++) {
        gs_buf_putc(b, *p);
        if (*p == '\n' && p[1])
            gs_buf_puts(b, "    ");
    }
}

/* A CA ConfigMap |ns|/|name| (of |ca|), a TLS Secret apps/cert, and |rest|. */
static char *objects(const gs_tls_pem *ca, const char *rest)
{
    gs_tls_pem leaf = {0};
    const char *names[] = {"example.com"};
    ck_assert_int_eq(gs_tls_leaf_generate(&leaf, ca, names, 1, NULL), 0);
    gs_buf b = {0};
    const char *cms[][2] = {{"apps", "client-ca"}, {"other", "shared-ca"}, {"granted", "ca"}};
    for (size_t i = 0; i < 3; i++) {
        gs_buf_printf(&b,
                      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: %s}\n"
                      "data:\n  ca.crt: ",
                      cms[i][1], cms[i][0]);
        put_block(&b, ca->cert);
        gs_buf_puts(&b, "---\n");
    }
    gs_buf_puts(&b, "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata: {name: cert, "
                    "namespace: apps}\nstringData:\n  tls.crt: ");
    put_block(&b, leaf.cert);
    gs_buf_puts(&b, "  tls.key: ");
    put_block(&b, leaf.key);
    gs_buf_puts(&b, "---\n");
    gs_buf_puts(&b, rest);
    gs_tls_pem_clear(&leaf);
    return gs_buf_take(&b);
}

#define LISTENER(name, proto, port)                                                                \
    "  - {name: " name ", protocol: " proto ", port: " port                                        \
    ", tls: {certificateRefs: [{name: cert}]}}\n"

#define REF(kind, name, ns) "[{group: \"\", kind: " kind ", name: " name ns "}]"

static const char gateway_yaml[] =
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: "
    "apps}\nspec:\n  gatewayClassName: gs\n"
    "  tls:\n    frontend:\n"
    "      default: {validation: {caCertificateRefs: " REF(
        "ConfigMap", "client-ca",
        "") "}}\n"
            "      perPort:\n"
            "      - {port: 80, tls: {validation: {caCertificateRefs: " REF(
                "ConfigMap", "nope",
                "") "}}}\n"
                    "      - {port: 8443, tls: {validation: {caCertificateRefs: " REF(
                        "ConfigMap", "nope",
                        "") "}}}\n"
                            "      - {port: 9443, tls: {validation: {caCertificateRefs: " REF(
                                "Secret", "cert",
                                "") "}}}\n"
                                    "      - {port: 7443, tls: {validation: "
                                    "{caCertificateRefs: " REF(
                                        "ConfigMap", "shared-ca",
                                        ", namespace: other") "}}}\n"
                                                              "      - {port: 6443, tls: "
                                                              "{validation: {mode: "
                                                              "AllowInsecureFallback, "
                                                              "caCertificateRefs: "
                                                              "[{group: \"\", kind: ConfigMap, "
                                                              "name: ca, namespace: granted}, "
                                                              "{group: \"\", kind: ConfigMap, "
                                                              "name: nope}]}}}\n"
                                                              "  listeners:\n" LISTENER(
                                                                  "main", "HTTPS",
                                                                  "443") LISTENER("missing",
                                                                                  "HTTPS", "8443")
                                                                  LISTENER("kind", "HTTPS",
                                                                           "9443") LISTENER("grant",
                                                                                            "HTTPS",
                                                                                            "7443")
                                                                      LISTENER(
                                                                          "fallback", "HTTPS",
                                                                          "6443") "  - {name: web, "
                                                                                  "protocol: HTTP, "
                                                                                  "port: 80}\n"
                                                                                  "---\n"
                                                                                  "apiVersion: "
                                                                                  "gateway."
                                                                                  "networking.k8s."
                                                                                  "io/"
                                                                                  "v1beta1\nkind: "
                                                                                  "ReferenceGrant\n"
                                                                                  "metadata: "
                                                                                  "{name: g, "
                                                                                  "namespace: "
                                                                                  "granted}\nspec:"
                                                                                  "\n  from: "
                                                                                  "[{group: "
                                                                                  "gateway."
                                                                                  "networking.k8s."
                                                                                  "io, kind: "
                                                                                  "Gateway, "
                                                                                  "namespace: "
                                                                                  "apps}]\n  to: "
                                                                                  "[{group: \"\", "
                                                                                  "kind: "
                                                                                  "ConfigMap}]\n---"
                                                                                  "\n";

static const gs_listener_status *listener(const gs_gateway_status *g, const char *name)
{
    for (size_t i = 0; i < g->n_listeners; i++)
        if (strcmp(g->listeners[i].name, name) == 0)
            return &g->listeners[i];
    ck_abort_msg("no listener %s", name);
    return NULL;
}

static const gs_rt_listener *table_listener(const gs_control *c, const char *name)
{
    const gs_route_table *t = gs_control_table(c);
    for (size_t i = 0; i < gs_route_table_listener_count(t); i++) {
        const gs_rt_listener *l = gs_route_table_listener(t, i);
        if (strcmp(l->name, name) == 0)
            return l;
    }
    return NULL;
}

START_TEST(frontend_validation_per_port_and_reasons)
{
    gs_tls_pem ca = {0};
    ck_assert_int_eq(gs_tls_ca_generate(&ca, "client-ca", NULL), 0);
    char *yaml = objects(&ca, gateway_yaml);
    gs_model *m = NULL;
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_buffer(m, "frontend.yaml", yaml, strlen(yaml), NULL, NULL), 0);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    gs_control *c = NULL;
    ck_assert_int_eq(gs_control_new(&c, NULL), 0);
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);
    const gs_gateway_status *g = &gs_control_status(c)->gateways[0];

    ck_cond(&listener(g, "main")->conditions, "ResolvedRefs", "True", "ResolvedRefs");
    ck_cond(&listener(g, "main")->conditions, "Accepted", "True", "Accepted");
    ck_cond(&listener(g, "main")->conditions, "Programmed", "True", "Programmed");
    const gs_rt_listener *main = table_listener(c, "main");
    ck_assert_ptr_nonnull(main);
    ck_assert_ptr_nonnull(main->client_ca_pem);
    ck_assert_ptr_nonnull(strstr(main->client_ca_pem, "BEGIN CERTIFICATE"));
    ck_assert(!main->client_insecure_fallback);

    ck_cond(&listener(g, "missing")->conditions, "ResolvedRefs", "False",
            "InvalidCACertificateRef");
    ck_cond(&listener(g, "missing")->conditions, "Accepted", "False", "NoValidCACertificate");
    ck_cond(&listener(g, "missing")->conditions, "Programmed", "False", "Invalid");
    ck_assert_ptr_nonnull(
        strstr(gs_conditions_get(&listener(g, "missing")->conditions, "ResolvedRefs")->message,
               "ConfigMap apps/nope does not exist"));
    ck_assert_ptr_null(table_listener(c, "missing"));
    ck_cond(&listener(g, "kind")->conditions, "ResolvedRefs", "False", "InvalidCACertificateKind");
    ck_cond(&listener(g, "kind")->conditions, "Accepted", "False", "NoValidCACertificate");
    ck_cond(&listener(g, "grant")->conditions, "ResolvedRefs", "False", "RefNotPermitted");
    ck_cond(&listener(g, "grant")->conditions, "Accepted", "False", "NoValidCACertificate");
    ck_assert_ptr_null(table_listener(c, "grant"));

    /* one of two references valid (the other namespace's by its grant): served with it, and
     * the invalid one still reported */
    ck_cond(&listener(g, "fallback")->conditions, "ResolvedRefs", "False",
            "InvalidCACertificateRef");
    ck_cond(&listener(g, "fallback")->conditions, "Accepted", "True", "Accepted");
    ck_cond(&listener(g, "fallback")->conditions, "Programmed", "True", "Programmed");
    const gs_rt_listener *fb = table_listener(c, "fallback");
    ck_assert_ptr_nonnull(fb);
    ck_assert_ptr_nonnull(fb->client_ca_pem);
    ck_assert(fb->client_insecure_fallback);
    ck_cond(&g->conditions, "InsecureFrontendValidationMode", "True", "ConfigurationChanged");

    /* the per-port entry of port 80 concerns no HTTPS listener */
    ck_cond(&listener(g, "web")->conditions, "ResolvedRefs", "True", "ResolvedRefs");
    ck_cond(&listener(g, "web")->conditions, "Accepted", "True", "Accepted");
    ck_assert_ptr_null(table_listener(c, "web")->client_ca_pem);

    gs_control_free(c);
    gs_model_free(m);
    free(yaml);
    gs_tls_pem_clear(&ca);
}
END_TEST

START_TEST(no_frontend_no_client_validation)
{
    gs_tls_pem ca = {0};
    ck_assert_int_eq(gs_tls_ca_generate(&ca, "client-ca", NULL), 0);
    char *yaml =
        objects(&ca, "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
                     "metadata: {name: gw, namespace: apps}\nspec:\n"
                     "  gatewayClassName: gs\n  listeners:\n" LISTENER("main", "HTTPS", "443"));
    gs_model *m = NULL;
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_buffer(m, "plain.yaml", yaml, strlen(yaml), NULL, NULL), 0);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    gs_control *c = NULL;
    ck_assert_int_eq(gs_control_new(&c, NULL), 0);
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);
    const gs_gateway_status *g = &gs_control_status(c)->gateways[0];
    ck_cond(&listener(g, "main")->conditions, "Programmed", "True", "Programmed");
    ck_assert_ptr_null(table_listener(c, "main")->client_ca_pem);
    ck_assert_ptr_null(gs_conditions_get(&g->conditions, "InsecureFrontendValidationMode"));
    gs_control_free(c);
    gs_model_free(m);
    free(yaml);
    gs_tls_pem_clear(&ca);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("control_frontend");
    TCase *tc = tcase_create("control_frontend");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, frontend_validation_per_port_and_reasons);
    tcase_add_test(tc, no_frontend_no_client_validation);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
