/* SPDX-License-Identifier: MIT */
/* BackendTLSPolicy in control: CA references (a ConfigMap with a PEM ca.crt resolves; a
 * missing ConfigMap, one without a certificate, or another kind do not: ResolvedRefs=False
 * InvalidCACertificateRef / InvalidKind and Accepted=False NoValidCACertificate), conflicts
 * (the older policy keeps a target; a port named by sectionName beats the whole Service),
 * ancestors (the Gateways whose accepted routes send to a target), and the data plane: a port
 * covered by an accepted policy gets its TLS settings (CA PEM, SNI, SANs) in the table, one
 * covered by a policy that is not accepted fails closed (UnsupportedProtocol, its share answered
 * 500), an uncovered one is served plaintext. The Gateway's spec.tls.backend.clientCertificateRef:
 * its ResolvedRefs condition and the certificate its listeners carry in the table. */
#include "control_priv.h"
#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_explain.h"
#include "gs_json.h"
#include "ck_conditions.h"
#include "gs_test.h"
#include "gs_tls.h"

#include <stdlib.h>
#include <string.h>

static char *ca_config_map(const char *name)
{
    gs_tls_pem ca = {0};
    ck_assert_int_eq(gs_tls_ca_generate(&ca, "backend-ca", NULL), 0);
    gs_buf b = {0};
    gs_buf_printf(&b, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: apps}\n"
                      "data:\n  ca.crt: |\n    ",
                  name);
    for (const char *p = ca.cert; *p; p++) {
        gs_buf_putc(&b, *p);
        if (*p == '\n' && p[1])
            gs_buf_puts(&b, "    ");
    }
    gs_buf_puts(&b, "---\n");
    gs_tls_pem_clear(&ca);
    return gs_buf_take(&b);
}

#define HEAD                                                                                       \
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: "    \
    "apps}\nspec:\n  gatewayClassName: gs\n  listeners:\n"                                         \
    "  - {name: web, protocol: HTTP, port: 80}\n---\n"                                             \
    "apiVersion: v1\nkind: Service\nmetadata: {name: secure, namespace: apps}\nspec:\n"            \
    "  ports: [{name: https, port: 443}, {name: admin, port: 8443}]\n---\n"                        \
    "apiVersion: v1\nkind: Service\nmetadata: {name: plain, namespace: apps}\nspec:\n"             \
    "  ports: [{port: 8080}]\n---\n"                                                               \
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: empty, namespace: apps}\n"                  \
    "data: {ca.crt: not a certificate}\n---\n"                                                     \
    "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: "   \
    "apps}\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n"                                         \
    "  - matches: [{path: {value: /secure}}]\n    backendRefs: [{name: secure, port: 443}]\n"      \
    "  - matches: [{path: {value: /admin}}]\n    backendRefs: [{name: secure, port: 8443}]\n"      \
    "  - backendRefs: [{name: plain, port: 8080}]\n---\n"

#define POLICY(name, created, section, ca_kind, ca_name)                                           \
    "apiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata: {name: " name    \
    ", namespace: apps" created "}\nspec:\n  targetRefs: [{group: \"\", kind: Service, name: "     \
    "secure" section "}]\n  validation:\n    hostname: secure.example.com\n"                      \
    "    caCertificateRefs: [{group: \"\", kind: " ca_kind ", name: " ca_name "}]\n---\n"

static const gs_policy_status *policy_of(const gs_control *c, const char *name)
{
    const gs_status_set *s = gs_control_status(c);
    for (size_t i = 0; i < s->n_policies; i++)
        if (strcmp(s->policies[i].name, name) == 0)
            return &s->policies[i];
    ck_abort_msg("no policy %s", name);
    return NULL;
}

/* The first ancestor's conditions of policy |name| (every policy here has the Gateway). */
static const gs_conditions *anc(const gs_control *c, const char *name)
{
    const gs_policy_status *p = policy_of(c, name);
    ck_assert_uint_eq(p->n_ancestors, 1);
    ck_assert_str_eq(p->ancestors[0].ref.kind, "Gateway");
    ck_assert_str_eq(p->ancestors[0].ref.namespace, "apps");
    ck_assert_str_eq(p->ancestors[0].ref.name, "gw");
    return &p->ancestors[0].conditions;
}

START_TEST(policies_resolve_conflict_and_fail_closed)
{
    char *ca = ca_config_map("backend-ca");
    char *yaml = gs_xasprintf(
        "%s%s" POLICY("whole-old", ", creationTimestamp: \"2024-01-01T00:00:00Z\"", "",
                      "ConfigMap", "backend-ca")
            POLICY("whole-new", ", creationTimestamp: \"2024-02-01T00:00:00Z\"", "", "ConfigMap",
                   "backend-ca")
                POLICY("admin-port", "", ", sectionName: admin", "ConfigMap", "missing")
                    POLICY("bad-kind", "", ", sectionName: nothing", "Secret", "backend-ca")
                        POLICY("no-cert", "", ", sectionName: nothing", "ConfigMap", "empty"),
        HEAD, ca);
    gs_model *m = NULL;
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_buffer(m, "btls.yaml", yaml, strlen(yaml), NULL, NULL), 0);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    ck_assert_uint_eq(m->n_backend_tls_policies, 5);
    ck_assert_uint_eq(m->n_config_maps, 2);
    gs_control *c = NULL;
    ck_assert_int_eq(gs_control_new(&c, NULL), 0);
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);

    ck_cond(anc(c, "whole-old"), "Accepted", "True", "Accepted");
    ck_cond(anc(c, "whole-old"), "ResolvedRefs", "True", "ResolvedRefs");
    ck_cond(anc(c, "whole-new"), "Accepted", "False", "Conflicted");
    ck_cond(anc(c, "admin-port"), "ResolvedRefs", "False", "InvalidCACertificateRef");
    ck_cond(anc(c, "admin-port"), "Accepted", "False", "NoValidCACertificate");
    /* targets no port a route uses: no ancestor, but a note */
    ck_assert_uint_eq(policy_of(c, "bad-kind")->n_ancestors, 0);
    ck_assert_uint_ge(policy_of(c, "bad-kind")->n_notes, 1);

    /* the data plane: port 443 (whole-old, accepted) gets TLS, 8443 (admin-port, not
     * accepted) fails closed, plain is served plaintext */
    const gs_route_status *rs = &gs_control_status(c)->routes[0];
    ck_cond(&rs->parents[0].conditions, "ResolvedRefs", "False", "UnsupportedProtocol");
    /* sectionName beats the whole Service (admin-port has port 8443); otherwise the oldest */
    const char *msg = gs_conditions_get(&rs->parents[0].conditions, "ResolvedRefs")->message;
    ck_assert_ptr_null(strstr(msg, "port 443:"));
    ck_assert_ptr_nonnull(strstr(msg, "port 8443: BackendTLSPolicy admin-port is not accepted "
                                      "(NoValidCACertificate"));
    const gs_route_table *t = gs_control_table(c);
    const gs_rt_port *port = gs_route_table_port(t, 0);
    gs_rt_result res;
    gs_rt_request req = {.host = "x", .path = "/secure"};
    gs_route_table_lookup(t, port, &req, &res);
    ck_assert_int_eq(res.outcome, GS_RT_MATCHED);
    ck_assert_int_eq(res.rule->backends[0].state, GS_RT_BACKEND_OK);
    const gs_rt_backend_tls *tls = res.rule->backends[0].tls;
    ck_assert_ptr_nonnull(tls);
    ck_assert_str_eq(tls->policy, "apps/whole-old");
    ck_assert_str_eq(tls->hostname, "secure.example.com");
    ck_assert_ptr_nonnull(strstr(tls->ca_pem, "-----BEGIN CERTIFICATE-----"));
    ck_assert(!tls->system_ca);
    ck_assert_uint_eq(tls->n_san_hosts + tls->n_san_uris, 0);
    req.path = "/admin";
    gs_route_table_lookup(t, port, &req, &res);
    ck_assert_int_eq(res.outcome, GS_RT_MATCHED);
    ck_assert_int_eq(res.rule->backends[0].state, GS_RT_BACKEND_UNSUPPORTED_PROTOCOL);
    ck_assert_ptr_null(res.rule->backends[0].tls);
    req.path = "/other";
    gs_route_table_lookup(t, port, &req, &res);
    ck_assert_int_eq(res.outcome, GS_RT_MATCHED);
    ck_assert_int_eq(res.rule->backends[0].state, GS_RT_BACKEND_OK);
    ck_assert_ptr_null(res.rule->backends[0].tls);

    /* JSON */
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, false);
    gs_status_write_json(gs_control_status(c), &j);
    ck_assert_ptr_nonnull(strstr(b.data, "\"kind\":\"BackendTLSPolicy\",\"namespace\":\"apps\","
                                         "\"name\":\"whole-new\",\"status\":{\"ancestors\":[{"
                                         "\"ancestorRef\":{\"group\":\"gateway.networking.k8s.io\","
                                         "\"kind\":\"Gateway\""));
    gs_buf_clear(&b);
    /* explain names each policy, its ancestors and conditions, and the fail-closed note */
    gs_explain_describe(gs_control_status(c), t, false, &b);
    ck_assert_ptr_nonnull(strstr(b.data, "BackendTLSPolicy apps/whole-old\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "not accepted: requests to the ports it covers get 500"));
    ck_assert_ptr_nonnull(strstr(b.data, "  Ancestor Gateway apps/gw\n"));
    ck_assert_ptr_nonnull(strstr(b.data, "Conflicted"));
    gs_buf_clear(&b);
    gs_control_free(c);
    gs_model_free(m);
    free(yaml);
    free(ca);
}
END_TEST

START_TEST(invalid_kind_and_certificate_less_config_map)
{
    char *yaml = gs_xasprintf("%s" POLICY("bad-kind", "", "", "Secret", "x"), HEAD);
    gs_model *m = NULL;
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_buffer(m, "btls.yaml", yaml, strlen(yaml), NULL, NULL), 0);
    gs_control *c = NULL;
    gs_control_new(&c, NULL);
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);
    ck_cond(anc(c, "bad-kind"), "ResolvedRefs", "False", "InvalidKind");
    ck_cond(anc(c, "bad-kind"), "Accepted", "False", "NoValidCACertificate");
    gs_control_free(c);
    gs_model_free(m);
    free(yaml);
    yaml = gs_xasprintf("%s" POLICY("no-cert", "", "", "ConfigMap", "empty"), HEAD);
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_buffer(m, "btls.yaml", yaml, strlen(yaml), NULL, NULL), 0);
    gs_control_new(&c, NULL);
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);
    ck_cond(anc(c, "no-cert"), "ResolvedRefs", "False", "InvalidCACertificateRef");
    ck_assert_ptr_nonnull(strstr(gs_conditions_get(anc(c, "no-cert"), "ResolvedRefs")->message,
                                 "no PEM certificate under ca.crt"));
    gs_control_free(c);
    gs_model_free(m);
    free(yaml);
}
END_TEST

/* SANs by type, wellKnownCACertificates: System (accepted: the system store), and
 * appProtocol HTTPS, which needs a policy: without one the port is UnsupportedProtocol. */
START_TEST(sans_system_store_and_https_app_protocol)
{
    const char *yaml =
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, "
        "namespace: apps}\nspec:\n  gatewayClassName: gs\n  listeners:\n"
        "  - {name: web, protocol: HTTP, port: 80}\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {name: secure, namespace: apps}\nspec:\n"
        "  ports: [{name: https, port: 443, appProtocol: HTTPS}]\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {name: bare, namespace: apps}\nspec:\n"
        "  ports: [{port: 443, appProtocol: HTTPS}]\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, "
        "namespace: apps}\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n"
        "  - matches: [{path: {value: /secure}}]\n    backendRefs: [{name: secure, port: 443}]\n"
        "  - backendRefs: [{name: bare, port: 443}]\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata: {name: sys, "
        "namespace: apps}\nspec:\n  targetRefs: [{group: \"\", kind: Service, name: secure}]\n"
        "  validation:\n    hostname: secure.example.com\n    wellKnownCACertificates: System\n"
        "    subjectAltNames:\n    - {type: Hostname, hostname: a.example.com}\n"
        "    - {type: URI, uri: \"spiffe://example.com/a\"}\n";
    gs_model *m = NULL;
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_buffer(m, "btls.yaml", yaml, strlen(yaml), NULL, NULL), 0);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    gs_control *c = NULL;
    gs_control_new(&c, NULL);
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);
    ck_cond(anc(c, "sys"), "Accepted", "True", "Accepted");
    const gs_route_table *t = gs_control_table(c);
    gs_rt_result res;
    gs_rt_request req = {.host = "x", .path = "/secure"};
    gs_route_table_lookup(t, gs_route_table_port(t, 0), &req, &res);
    ck_assert_int_eq(res.rule->backends[0].state, GS_RT_BACKEND_OK);
    const gs_rt_backend_tls *tls = res.rule->backends[0].tls;
    ck_assert_ptr_nonnull(tls);
    ck_assert(tls->system_ca);
    ck_assert_ptr_null(tls->ca_pem);
    ck_assert_uint_eq(tls->n_san_hosts, 1);
    ck_assert_str_eq(tls->san_hosts[0], "a.example.com");
    ck_assert_uint_eq(tls->n_san_uris, 1);
    ck_assert_str_eq(tls->san_uris[0], "spiffe://example.com/a");
    req.path = "/other";
    gs_route_table_lookup(t, gs_route_table_port(t, 0), &req, &res);
    ck_assert_int_eq(res.rule->backends[0].state, GS_RT_BACKEND_UNSUPPORTED_PROTOCOL);
    const char *msg =
        gs_conditions_get(&gs_control_status(c)->routes[0].parents[0].conditions, "ResolvedRefs")
            ->message;
    ck_assert_ptr_nonnull(strstr(msg, "appProtocol HTTPS needs a BackendTLSPolicy"));
    gs_control_free(c);
    gs_model_free(m);
}
END_TEST

/* A kubernetes.io/tls Secret apps/|name| with a fresh key pair (stringData), PEM in |pem|. */
static char *client_secret(const char *ns, const char *name, gs_tls_pem *pem)
{
    gs_tls_pem ca = {0};
    ck_assert_int_eq(gs_tls_ca_generate(&ca, "client-ca", NULL), 0);
    const char *names[] = {"gateway.example.com"};
    ck_assert_int_eq(gs_tls_leaf_generate(pem, &ca, names, 1, NULL), 0);
    gs_buf b = {0};
    gs_buf_printf(&b,
                  "apiVersion: v1\nkind: Secret\nmetadata: {name: %s, namespace: %s}\n"
                  "type: kubernetes.io/tls\nstringData:\n",
                  name, ns);
    const char *keys[] = {"tls.crt", "tls.key"}, *vals[] = {pem->cert, pem->key};
    for (int k = 0; k < 2; k++) {
        gs_buf_printf(&b, "  %s: |\n    ", keys[k]);
        for (const char *p = vals[k]; *p; p++) {
            gs_buf_putc(&b, *p);
            if (*p == '\n' && p[1])
                gs_buf_puts(&b, "    ");
        }
    }
    gs_buf_puts(&b, "---\n");
    gs_tls_pem_clear(&ca);
    return gs_buf_take(&b);
}

#define CLIENT_GW(name, ref)                                                                       \
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: " name              \
    ", namespace: apps}\nspec:\n  gatewayClassName: gs\n  listeners:\n"                            \
    "  - {name: web, protocol: HTTP, port: 80, hostname: " name ".example.com}\n"                  \
    "  tls: {backend: {clientCertificateRef: " ref "}}\n---\n"

/* The conditions of Gateway apps/|name|. */
static const gs_conditions *gw_conds(const gs_control *c, const char *name)
{
    const gs_status_set *s = gs_control_status(c);
    for (size_t i = 0; i < s->n_gateways; i++)
        if (strcmp(s->gateways[i].name, name) == 0)
            return &s->gateways[i].conditions;
    ck_abort_msg("no gateway %s", name);
    return NULL;
}

/* spec.tls.backend.clientCertificateRef: the Gateway's ResolvedRefs (True; InvalidClient-
 * CertificateRef for a missing Secret, another group, another kind, a Secret without the keys;
 * RefNotPermitted across namespaces without a grant, resolved with one), the Gateway Accepted in
 * every case, no ResolvedRefs on a Gateway without the field, and the resolved certificate on
 * the Gateway's listeners in the table (none on the others). */
START_TEST(gateway_backend_client_certificate)
{
    gs_tls_pem pem = {0}, other_pem = {0};
    char *secret = client_secret("apps", "client", &pem);
    char *other = client_secret("certs", "shared", &other_pem);
    char *yaml = gs_xasprintf(
        "%s%s%s" CLIENT_GW("good", "{name: client}") CLIENT_GW("missing", "{name: nope}") CLIENT_GW(
            "group",
            "{group: wrong.example.io, kind: Secret, name: client}") CLIENT_GW("kind",
                                                                               "{kind: WrongKind, "
                                                                               "name: client}")
            CLIENT_GW("malformed", "{name: keyless}") CLIENT_GW(
                "granted",
                "{name: shared, namespace: certs}") "apiVersion: v1\nkind: Secret\nmetadata: "
                                                    "{name: keyless, namespace: apps}\n"
                                                    "type: Opaque\ndata: {}\n---\n"
                                                    "apiVersion: "
                                                    "gateway.networking.k8s.io/v1beta1\nkind: "
                                                    "ReferenceGrant\nmetadata: "
                                                    "{name: g, namespace: certs}\nspec:\n  from: "
                                                    "[{group: gateway.networking.k8s.io, kind: "
                                                    "Gateway, namespace: apps}]\n  to: [{group: "
                                                    "\"\", kind: Secret, name: shared}]\n---\n",
        HEAD, secret, other);
    gs_model *m = NULL;
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_buffer(m, "client.yaml", yaml, strlen(yaml), NULL, NULL), 0);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    gs_control *c = NULL;
    gs_control_new(&c, NULL);
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);
    ck_cond(gw_conds(c, "good"), "ResolvedRefs", "True", "ResolvedRefs");
    ck_cond(gw_conds(c, "granted"), "ResolvedRefs", "True", "ResolvedRefs");
    ck_cond(gw_conds(c, "missing"), "ResolvedRefs", "False", "InvalidClientCertificateRef");
    ck_assert_ptr_nonnull(strstr(gs_conditions_get(gw_conds(c, "missing"), "ResolvedRefs")->message,
                                 "does not exist"));
    ck_cond(gw_conds(c, "group"), "ResolvedRefs", "False", "InvalidClientCertificateRef");
    ck_cond(gw_conds(c, "kind"), "ResolvedRefs", "False", "InvalidClientCertificateRef");
    ck_cond(gw_conds(c, "malformed"), "ResolvedRefs", "False", "InvalidClientCertificateRef");
    ck_assert_ptr_nonnull(
        strstr(gs_conditions_get(gw_conds(c, "malformed"), "ResolvedRefs")->message, "malformed"));
    const char *names[] = {"good", "missing", "group", "kind", "malformed", "granted"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        ck_cond(gw_conds(c, names[i]), "Accepted", "True", "Accepted");
    ck_assert_ptr_null(gs_conditions_get(gw_conds(c, "gw"), "ResolvedRefs"));

    /* the table: the good Gateway's listener carries its certificate, the others none */
    const gs_route_table *t = gs_control_table(c);
    size_t found = 0;
    for (size_t i = 0; i < gs_route_table_port_count(t); i++) {
        const gs_rt_port *p = gs_route_table_port(t, i);
        for (size_t k = 0; k < p->n_listeners; k++) {
            const gs_rt_listener *l = p->listeners[k];
            const char *gw = l->gateway_name;
            if (strcmp(gw, "good") == 0 || strcmp(gw, "granted") == 0) {
                ck_assert_ptr_nonnull(l->backend_client_cert);
                ck_assert_str_eq(l->backend_client_cert->cert_pem,
                                 strcmp(gw, "good") == 0 ? pem.cert : other_pem.cert);
                ck_assert_str_eq(l->backend_client_cert->key_pem,
                                 strcmp(gw, "good") == 0 ? pem.key : other_pem.key);
                found++;
            } else {
                ck_assert_ptr_null(l->backend_client_cert);
            }
        }
    }
    ck_assert_uint_eq(found, 2);
    gs_control_free(c);
    gs_model_free(m);
    free(yaml);

    /* without the grant: RefNotPermitted */
    yaml = gs_xasprintf("%s%s" CLIENT_GW("cross", "{name: shared, namespace: certs}"), HEAD, other);
    gs_model_new(&m);
    ck_assert_int_eq(gs_model_load_buffer(m, "client.yaml", yaml, strlen(yaml), NULL, NULL), 0);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    gs_control_new(&c, NULL);
    ck_assert_int_eq(gs_control_compute(c, m, NULL), 0);
    ck_cond(gw_conds(c, "cross"), "ResolvedRefs", "False", "RefNotPermitted");
    ck_cond(gw_conds(c, "cross"), "Accepted", "True", "Accepted");
    gs_control_free(c);
    gs_model_free(m);
    free(yaml);
    free(secret);
    free(other);
    gs_tls_pem_clear(&pem);
    gs_tls_pem_clear(&other_pem);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("control_btls");
    TCase *tc = tcase_create("control_btls");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, policies_resolve_conflict_and_fail_closed);
    tcase_add_test(tc, invalid_kind_and_certificate_less_config_map);
    tcase_add_test(tc, sans_system_store_and_https_app_protocol);
    tcase_add_test(tc, gateway_backend_client_certificate);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
