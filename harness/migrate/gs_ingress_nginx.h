/* SPDX-License-Identifier: MIT */
/* The "before" side of a migration: nginx.conf rendered from Ingresses the way ingress-nginx's
 * template renders it (docs/ingress.md, "ingress-nginx on a real nginx"), so that a real nginx
 * gives the Ingress answers: a server per host, locations with ingress-nginx's modifiers and
 * order (`= PATH` and `PATH/` for Prefix, `~* "^PATH"` for every path of a host where one Ingress
 * uses regular expressions or rewrites), `rewrite "(?i)PATH" TARGET break`, app-root, ssl and
 * permanent/temporal redirects, upstream-vhost, canary by header, cookie and weight (maps and
 * split_clients instead of ingress-nginx's Lua balancer). Pure: it writes into a buffer. */
#ifndef GS_INGRESS_NGINX_H
#define GS_INGRESS_NGINX_H

#include "gs_buf.h"
#include "gs_diag.h"
#include "gs_ingress.h"
#include "gs_model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gs_ingress_nginx_in {
    const gs_model *m;       /* its Ingresses (canaries included) and Services */
    const char *listen;      /* where nginx takes HTTP: "127.0.0.1:8080", "unix:/path" */
    /* NULL, or where nginx takes HTTPS: every server listens there too, as in ingress-nginx,
     * with the certificate ingress-nginx picks for its host (gs_ingress_nginx_tls_for, the
     * wildcard parent's), else ingress-nginx's fake default certificate. The caller writes the files: WORKDIR/certs/NS_NAME.crt and .key for each
     * Secret (gs_ingress_nginx_secret_usable), WORKDIR/certs/default.crt and .key. */
    const char *listen_tls;
    const char *workdir;     /* absolute: pid file, logs, temporary files */
    const char *main_extra;  /* NULL, or directives for the main context ("daemon off;\n") */
    const char *http_extra;  /* NULL, or text for the end of http {} (a probe server) */
    /* "127.0.0.1:PORT" of Service |ns|/|name| port |port| into |out|; false when the Service
     * has no endpoint (then the location answers 503, as ingress-nginx without endpoints). */
    bool (*resolve)(void *ctx, const char *ns, const char *name, int64_t port, char *out,
                    size_t n);
    void *resolve_ctx;
} gs_ingress_nginx_in;

/* The subject CN of the self-signed certificate ingress-nginx generates when it starts and serves
 * for every host without a certificate of its own, unknown hosts included (unless the controller
 * is given --default-ssl-certificate). */
#define GS_INGRESS_NGINX_FAKE_CN "Kubernetes Ingress Controller Fake Certificate"

/* The controller's ConfigMap (its --configmap flag, as the official manifests and chart deploy
 * it): `use-http2` (default "true") there says whether the TLS listener offers HTTP/2. */
#define GS_INGRESS_NGINX_CONFIGMAP_NS "ingress-nginx"
#define GS_INGRESS_NGINX_CONFIGMAP_NAME "ingress-nginx-controller"

/* True when |s| holds a certificate nginx can serve (tls.crt and tls.key). */
bool gs_ingress_nginx_secret_usable(const gs_secret *s);

/* The tls entry of |ing| whose Secret ingress-nginx serves for its rule host |host|, as its
 * extractTLSSecretName picks it: the entry listing the host (any letter case), else the first
 * entry naming a Secret of |m| whose certificate covers the host (a DNS SAN, else the CN);
 * NULL when none does. An Ingress with a tls section that gives its host none still makes
 * ingress-nginx serve the host with its fake certificate and redirect its HTTP requests. */
const gs_ingress_tls *gs_ingress_nginx_tls_for(const gs_model *m, const gs_ingress *ing,
                                               const char *host);

/* Whether Secret |s| holds a certificate covering |host| ("*.foo.com": one name it stands for),
 * as ingress-nginx checks it (Go's VerifyHostname). */
bool gs_ingress_nginx_cert_covers(const gs_secret *s, const char *host);

/* Appends the configuration to |conf|; notes on what the emulation leaves out to |notes|.
 * Returns the number of server blocks written (the default server included). */
size_t gs_ingress_nginx_render(const gs_ingress_nginx_in *in, gs_buf *conf, gs_diags *notes);
/* The notes gs_ingress_nginx_render gives on |m| alone (annotations not modelled, ConfigMap
 * values it cannot read, locations an earlier Ingress defines), with the positions of |m|'s
 * objects: what the ingress-nginx target's user is told once, before the run or the diff. */
void gs_ingress_nginx_notes(const gs_model *m, gs_diags *notes);

/* Whether the emulated controller validates annotation values (ingress-nginx's
 * --enable-annotation-validation, default true since v1.12). The input carries no controller
 * flags, so gatesim reads it from the controller ConfigMap's data key
 * enable-annotation-validation (docs/ingress.md, "Annotation validation"). */
bool gs_ingress_nginx_annotation_validation(const gs_model *m, gs_diags *notes);

#endif
