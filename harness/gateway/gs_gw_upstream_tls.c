/* SPDX-License-Identifier: MIT */
/* TLS to backends (BackendTLSPolicy, docs/l4.md): one client context per distinct set of TLS
 * settings, kept for the upstream's lifetime (a reload that keeps the settings keeps the pools
 * and their connections), and the bufferevent_openssl of each new upstream connection. The
 * chain is verified against the policy's CA certificates (or the system store) during the
 * handshake, and the leaf's names in the same verify callback, so a certificate that does not
 * name the policy's hostname (or one of its subjectAltNames) fails the handshake before a byte
 * of the request leaves. */
#include "gs_gw_upstream_priv.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_tls.h"

#include <event2/bufferevent_ssl.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

/* The identity of a settings set: every field and the client certificate, in one string. */
static char *tls_key(const gs_rt_backend_tls *cfg, const gs_rt_cert *client_cert)
{
    gs_buf b = {0};
    gs_buf_printf(&b, "%s\n%d\n%s\n", cfg->hostname ? cfg->hostname : "", cfg->system_ca,
                  cfg->ca_pem ? cfg->ca_pem : "");
    if (client_cert)
        gs_buf_printf(&b, "C%s\nK%s\n", client_cert->cert_pem ? client_cert->cert_pem : "",
                      client_cert->key_pem ? client_cert->key_pem : "");
    for (size_t i = 0; i < cfg->n_san_hosts; i++)
        gs_buf_printf(&b, "H%s\n", cfg->san_hosts[i]);
    for (size_t i = 0; i < cfg->n_san_uris; i++)
        gs_buf_printf(&b, "U%s\n", cfg->san_uris[i]);
    return gs_buf_take(&b);
}

static char **strv_dup(const char *const *v, size_t n)
{
    char **out = gs_xcalloc(n ? n : 1, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = gs_xstrdup(v[i]);
    return out;
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Whether the leaf |x| carries URI subjectAltName |uri| (compared exactly). */
static bool cert_has_uri(X509 *x, const char *uri)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    bool found = false;
    for (int i = 0; names && !found && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type != GEN_URI)
            continue;
        const unsigned char *d = ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
        int len = ASN1_STRING_length(g->d.uniformResourceIdentifier);
        found = len >= 0 && (size_t)len == strlen(uri) && memcmp(d, uri, (size_t)len) == 0;
    }
    GENERAL_NAMES_free(names);
    return found;
}

bool gs_gw_upstream_tls_names_ok(X509 *leaf, const char *hostname, const char *const *san_hosts,
                                 size_t n_san_hosts, const char *const *san_uris, size_t n_san_uris)
{
    if (n_san_hosts == 0 && n_san_uris == 0)
        return hostname && X509_check_host(leaf, hostname, 0, 0, NULL) == 1;
    for (size_t i = 0; i < n_san_hosts; i++)
        if (X509_check_host(leaf, san_hosts[i], 0, 0, NULL) == 1)
            return true;
    for (size_t i = 0; i < n_san_uris; i++)
        if (cert_has_uri(leaf, san_uris[i]))
            return true;
    return false;
}

/* The chain as OpenSSL verified it, then at depth 0 the names. */
static int on_verify(int preverify_ok, X509_STORE_CTX *store)
{
    if (!preverify_ok)
        return 0;
    if (X509_STORE_CTX_get_error_depth(store) != 0)
        return 1;
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    const upstream_tls *t = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
    X509 *leaf = X509_STORE_CTX_get_current_cert(store);
    if (t == NULL || leaf == NULL)
        return 0;
    if (gs_gw_upstream_tls_names_ok(leaf, t->hostname, (const char *const *)t->san_hosts,
                                    t->n_san_hosts, (const char *const *)t->san_uris,
                                    t->n_san_uris))
        return 1;
    X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
    return 0;
}

upstream_tls *gs_gw_upstream_tls_get(gs_gw_upstream *u, const gs_rt_backend_tls *cfg,
                                     const gs_rt_cert *client_cert)
{
    char *key = tls_key(cfg, client_cert);
    for (upstream_tls *t = u->tls; t; t = t->next)
        if (strcmp(t->key, key) == 0) {
            free(key);
            return t;
        }
    gs_error err = {0};
    SSL_CTX *ctx = NULL;
    if (gs_tls_client_ctx_new(&ctx, NULL, NULL, cfg->system_ca ? NULL : cfg->ca_pem, false, &err) <
        0) {
        free(key);
        return NULL; /* the calls fail (502): control checked the PEM, so this is rare */
    }
    if (client_cert &&
        gs_tls_client_ctx_use_cert(ctx, client_cert->cert_pem, client_cert->key_pem, &err) < 0) {
        SSL_CTX_free(ctx);
        free(key);
        return NULL; /* likewise: control checked that the pair matches */
    }
    upstream_tls *t = gs_xcalloc(1, sizeof(*t));
    t->key = key;
    t->ctx = ctx;
    t->hostname = cfg->hostname ? gs_xstrdup(cfg->hostname) : NULL;
    t->san_hosts = strv_dup(cfg->san_hosts, cfg->n_san_hosts);
    t->n_san_hosts = cfg->n_san_hosts;
    t->san_uris = strv_dup(cfg->san_uris, cfg->n_san_uris);
    t->n_san_uris = cfg->n_san_uris;
    SSL_CTX_set_app_data(ctx, t);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, on_verify);
    t->next = u->tls;
    u->tls = t;
    return t;
}

void gs_gw_upstream_tls_free_all(gs_gw_upstream *u)
{
    upstream_tls *t = u->tls;
    while (t) {
        upstream_tls *next = t->next;
        SSL_CTX_free(t->ctx);
        free(t->key);
        free(t->hostname);
        strv_free(t->san_hosts, t->n_san_hosts);
        strv_free(t->san_uris, t->n_san_uris);
        free(t);
        t = next;
    }
    u->tls = NULL;
}

/* A bufferevent starting the TLS handshake of |ssl| (freed on failure) on connected |fd|, with
 * SNI |hostname| when set. A backend that closes without close_notify is an EOF, not an error:
 * the caller's framing decides (it ends a read-until-close HTTP/1.1 body or a layer-4
 * direction; it cuts a Content-Length or chunked body, an error there). OpenSSL 3 reports such a
 * close as an error unless SSL_OP_IGNORE_UNEXPECTED_EOF is set; before OpenSSL 3, libevent's
 * dirty-shutdown option turns it into an EOF. */
static struct bufferevent *tls_connecting_bev(gs_gw_upstream *u, SSL *ssl, const char *hostname,
                                              int fd)
{
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    if (hostname)
        SSL_set_tlsext_host_name(ssl, hostname);
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        u->base, fd, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        SSL_free(ssl);
        return NULL;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

struct bufferevent *gs_gw_upstream_tls_bev(gs_gw_upstream *u, const upstream_pool *p, int fd,
                                           bool h2)
{
    SSL *ssl = SSL_new(p->tls->ctx);
    if (ssl == NULL)
        return NULL;
    static const unsigned char alpn_h2[] = "\x02h2", alpn_h1[] = "\x08http/1.1";
    if (h2)
        SSL_set_alpn_protos(ssl, alpn_h2, sizeof(alpn_h2) - 1);
    else
        SSL_set_alpn_protos(ssl, alpn_h1, sizeof(alpn_h1) - 1);
    return tls_connecting_bev(u, ssl, p->tls->hostname, fd);
}

struct bufferevent *gs_gw_upstream_tls_l4_bev(gs_gw_upstream *u, const gs_rt_backend_tls *cfg,
                                              const gs_rt_cert *client_cert, int fd)
{
    upstream_tls *t = gs_gw_upstream_tls_get(u, cfg, client_cert);
    SSL *ssl = t ? SSL_new(t->ctx) : NULL;
    if (ssl == NULL)
        return NULL;
    return tls_connecting_bev(u, ssl, t->hostname, fd);
}
