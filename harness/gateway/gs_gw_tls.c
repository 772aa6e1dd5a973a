/* SPDX-License-Identifier: MIT */
/* SSL_CTX construction for HTTPS listeners: PEM loading, ALPN selection, SNI switching, and
 * client certificate validation (the Gateway's tls.frontend). */
#include "gs_gw_tls.h"

#include "gs_alloc.h"
#include "gs_log.h"
#include "gs_tls.h"

#include <stdlib.h>
#include <string.h>

typedef struct tls_entry {
    const gs_rt_listener *listener;
    SSL_CTX *ctx;
} tls_entry;

struct gs_gw_tls_store {
    tls_entry *entries;
    size_t n;
};

static int on_tls_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    static const unsigned char prefs[] = "\x02h2\x08http/1.1";
    if (SSL_select_next_proto((unsigned char **)(uintptr_t)out, outlen, prefs, sizeof(prefs) - 1,
                              in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    return SSL_TLSEXT_ERR_OK;
}

/* |http|: offer h2 and http/1.1 by ALPN (HTTPS); a TLS Terminate listener carries opaque
 * bytes, so it selects no protocol. */
static SSL_CTX *tls_ctx_base(bool http)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (http)
        SSL_CTX_set_alpn_select_cb(ctx, on_tls_alpn, NULL);
    return ctx;
}

/* AllowInsecureFallback: the certificate is asked for, and whether it verifies does not decide
 * anything (the connection is served with or without one). */
static int on_client_verify_fallback(int preverify_ok, X509_STORE_CTX *store)
{
    (void)preverify_ok;
    (void)store;
    return 1;
}

/* The Gateway's tls.frontend validation for |l|: ask for a client certificate and verify it
 * against the listener's CA bundle; AllowValidOnly fails the handshake of a client without a
 * valid one. */
static int tls_ctx_client_validation(SSL_CTX *ctx, const gs_rt_listener *l, gs_error *err)
{
    if (l->client_ca_pem == NULL)
        return 0;
    if (gs_tls_server_ctx_verify_clients(ctx, NULL, l->client_ca_pem, !l->client_insecure_fallback,
                                         err) < 0)
        return -1;
    if (l->client_insecure_fallback)
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, on_client_verify_fallback);
    return 0;
}

void gs_gw_tls_switch_ctx(SSL *ssl, SSL_CTX *ctx)
{
    SSL_set_SSL_CTX(ssl, ctx);
    /* SSL_set_SSL_CTX moves the certificate and the trust store, not the verification mode:
     * copied here, as nginx does in its servername callback. */
    int mode = SSL_CTX_get_verify_mode(ctx);
    SSL_set_verify(ssl, mode, SSL_CTX_get_verify_callback(ctx));
    if (mode != SSL_VERIFY_NONE)
        SSL_set_num_tickets(ssl, 0); /* no resumption past the client check */
}

static bool listener_terminates(const gs_rt_listener *l)
{
    return l->protocol == GS_RT_PROTO_HTTPS ||
           (l->protocol == GS_RT_PROTO_TLS && !l->tls_passthrough);
}

int gs_gw_tls_store_new(gs_gw_tls_store **out, const gs_route_table *table, gs_error *err)
{
    (void)err;
    gs_gw_tls_store *s = gs_xcalloc(1, sizeof(*s));
    size_t n = gs_route_table_listener_count(table);
    s->entries = gs_xcalloc(n + 1, sizeof(*s->entries));
    for (size_t i = 0; i < n; i++) {
        const gs_rt_listener *l = gs_route_table_listener(table, i);
        if (!listener_terminates(l) || l->n_certs == 0 || l->certs[0].cert_pem == NULL ||
            l->certs[0].key_pem == NULL)
            continue;
        SSL_CTX *ctx = tls_ctx_base(l->protocol == GS_RT_PROTO_HTTPS);
        gs_error e = {0};
        if (gs_tls_ctx_use_pem(ctx, l->certs[0].cert_pem, l->certs[0].key_pem, &e) < 0 ||
            tls_ctx_client_validation(ctx, l, &e) < 0) {
            gs_log_warn("listener %s/%s %s: %s", l->gateway_namespace, l->gateway_name, l->name,
                        e.msg);
            SSL_CTX_free(ctx);
            continue;
        }
        s->entries[s->n].listener = l;
        s->entries[s->n].ctx = ctx;
        s->n++;
    }
    *out = s;
    return 0;
}

void gs_gw_tls_store_free(gs_gw_tls_store *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        SSL_CTX_free(s->entries[i].ctx);
    free(s->entries);
    free(s);
}

SSL_CTX *gs_gw_tls_store_ctx(const gs_gw_tls_store *s, const gs_rt_listener *listener)
{
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < s->n; i++)
        if (s->entries[i].listener == listener)
            return s->entries[i].ctx;
    return NULL;
}

SSL_CTX *gs_gw_tls_server_ctx(int (*on_sni)(SSL *ssl, int *alert, void *arg), void *arg)
{
    SSL_CTX *ctx = tls_ctx_base(true);
    SSL_CTX_set_tlsext_servername_callback(ctx, on_sni);
    SSL_CTX_set_tlsext_servername_arg(ctx, arg);
    return ctx;
}
