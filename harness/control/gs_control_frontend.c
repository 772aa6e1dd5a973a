/* SPDX-License-Identifier: MIT */
/* Gateway spec.tls.frontend (client certificate validation, docs/control.md): which validation
 * an HTTPS listener gets (the perPort entry for its port, else the default), its CA certificate
 * references (ConfigMaps with a PEM `ca.crt`; another namespace needs a ReferenceGrant), the
 * listener conditions they lead to, and the Gateway's InsecureFrontendValidationMode. The
 * data plane gets the CA bundle and the mode through the route table; no sockets here. */
#include "control_priv.h"

#include "gs_alloc.h"
#include "gs_buf.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const gs_frontend_validation *gs_ctl_frontend_for(const gs_gateway *gw, const gs_listener *l)
{
    const gs_gateway_frontend_tls *f = &gw->spec.tls_frontend;
    if (!f->set || l->protocol_kind != GS_PROTOCOL_HTTPS)
        return NULL;
    for (size_t i = 0; i < f->n_per_port; i++)
        if (f->per_port[i].port.v == l->port.v)
            return f->per_port[i].validation.set ? &f->per_port[i].validation : NULL;
    return f->default_validation.set ? &f->default_validation : NULL;
}

/* The PEM certificates in |pem| appended to |out|; returns how many. */
static size_t frontend_pem_certs(const unsigned char *pem, size_t len, gs_buf *out)
{
    BIO *in = BIO_new_mem_buf(pem, (int)len);
    size_t n = 0;
    X509 *x;
    while (in && (x = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
        BIO *o = BIO_new(BIO_s_mem());
        char *p = NULL;
        long olen = 0;
        if (o && PEM_write_bio_X509(o, x) == 1 && (olen = BIO_get_mem_data(o, &p)) > 0) {
            gs_buf_append(out, p, (size_t)olen);
            n++;
        }
        BIO_free(o);
        X509_free(x);
    }
    BIO_free(in);
    return n;
}

/* Resolves reference |i| of |v| for Gateway |gw|: appends its certificates to |pems| and
 * returns NULL, or returns the reason it is invalid with a message in |why|. */
static const char *frontend_ref(const gs_control *c, const gs_gateway *gw,
                                const gs_frontend_validation *v, size_t i, gs_buf *pems, char *why,
                                size_t n)
{
    const gs_local_ref *r = &v->ca_certificate_refs[i];
    const char *gw_ns = gw->obj.metadata.namespace.v;
    const char *group = r->group.v ? r->group.v : "";
    const char *kind = r->kind.v ? r->kind.v : "";
    const char *name = r->name.v ? r->name.v : "";
    const char *ns = r->namespace.v ? r->namespace.v : gw_ns;
    if (group[0] != '\0' || strcmp(kind, "ConfigMap") != 0) {
        snprintf(why, n, "caCertificateRefs[%zu] %s/%s %s: only core ConfigMaps are supported", i,
                 group[0] ? group : "core", kind, name);
        return "InvalidCACertificateKind";
    }
    if (strcmp(ns, gw_ns) != 0 &&
        !gs_ctl_grant_permits(c, GS_GATEWAY_GROUP, "Gateway", gw_ns, ns, "", "ConfigMap", name)) {
        snprintf(why, n,
                 "caCertificateRefs[%zu]: ConfigMap %s/%s is in another namespace and no "
                 "ReferenceGrant in %s allows Gateways of %s to use it",
                 i, ns, name, ns, gw_ns);
        return "RefNotPermitted";
    }
    const gs_config_map *cm =
        (const gs_config_map *)gs_model_find(c->m, GS_KIND_CONFIG_MAP, ns, name);
    size_t len = 0;
    const unsigned char *pem = cm ? gs_config_map_get(cm, "ca.crt", &len) : NULL;
    if (cm == NULL) {
        snprintf(why, n, "caCertificateRefs[%zu]: ConfigMap %s/%s does not exist", i, ns, name);
        return "InvalidCACertificateRef";
    }
    if (pem == NULL || frontend_pem_certs(pem, len, pems) == 0) {
        snprintf(why, n,
                 "caCertificateRefs[%zu]: ConfigMap %s/%s has no PEM certificate under "
                 "ca.crt",
                 i, ns, name);
        return "InvalidCACertificateRef";
    }
    return NULL;
}

void gs_ctl_frontend_listener(gs_control *c, ctl_listener *cl, gs_listener_status *ls)
{
    const gs_gateway *gw = cl->gw->gw;
    const gs_frontend_validation *v = gs_ctl_frontend_for(gw, cl->spec);
    if (v == NULL)
        return;
    gs_buf pems = {0};
    const char *reason = NULL;
    char why[512] = "";
    size_t n_valid = 0;
    for (size_t i = 0; i < v->n_ca_certificate_refs; i++) {
        char text[512];
        const char *bad = frontend_ref(c, gw, v, i, &pems, text, sizeof(text));
        if (bad == NULL)
            n_valid++;
        else if (reason == NULL) {
            reason = bad;
            snprintf(why, sizeof(why), "%s", text);
        }
    }
    if (reason && gs_conditions_true(&ls->conditions, "ResolvedRefs"))
        gs_conditions_set(&ls->conditions, "ResolvedRefs", "False", reason, "%s", why);
    if (n_valid == 0) {
        /* Every reference is invalid: the listener cannot verify a client, so it is not
         * served (rather than served without the validation it asks for). */
        if (reason == NULL)
            snprintf(why, sizeof(why), "tls.frontend validation lists no CA certificate");
        cl->accepted = cl->programmed = false;
        gs_conditions_set(&ls->conditions, "Accepted", "False", "NoValidCACertificate",
                          "No client CA certificate reference resolves: %s", why);
        gs_buf_clear(&pems);
        return;
    }
    free(cl->client_ca_pem);
    cl->client_ca_pem = gs_buf_take(&pems);
    cl->client_insecure_fallback = v->mode == GS_FRONTEND_ALLOW_INSECURE_FALLBACK;
}

void gs_ctl_frontend_gateway(const ctl_gateway *g, gs_conditions *out)
{
    for (size_t i = 0; i < g->n_listeners; i++) {
        const gs_frontend_validation *v = gs_ctl_frontend_for(g->gw, g->listeners[i].spec);
        if (v && v->mode == GS_FRONTEND_ALLOW_INSECURE_FALLBACK) {
            gs_conditions_set(out, "InsecureFrontendValidationMode", "True", "ConfigurationChanged",
                              "Listener %s accepts clients without a valid certificate "
                              "(tls.frontend mode AllowInsecureFallback)",
                              g->listeners[i].spec->name.v);
            return;
        }
    }
}
