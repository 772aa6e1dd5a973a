/* SPDX-License-Identifier: MIT */
/* OpenSSL context setup, SNI selection and connection facts. Certificate generation lives in
 * gs_tls_cert.c. Errors carry the OpenSSL error queue in |err|. */
#include "gs_tls.h"

#include "gs_addr.h"
#include "gs_alloc.h"
#include "gs_buf.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const gs_tls_alpn_h2_http11[] = {"h2", "http/1.1", NULL};
const char *const gs_tls_alpn_http11[] = {"http/1.1", NULL};
const char *const gs_tls_alpn_h2[] = {"h2", NULL};

void gs_tls_pem_clear(gs_tls_pem *pem)
{
    if (pem == NULL)
        return;
    free(pem->cert);
    free(pem->key);
    pem->cert = NULL;
    pem->key = NULL;
}

/* ALPN lists in wire format (length-prefixed), stored on the SSL_CTX as ex_data. */
typedef struct tls_alpn_wire {
    unsigned char *data;
    unsigned len;
} tls_alpn_wire;

static int tls_alpn_index = -1;
static pthread_once_t tls_alpn_once = PTHREAD_ONCE_INIT;

static void tls_alpn_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
                          void *argp)
{
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    tls_alpn_wire *w = ptr;
    if (w != NULL) {
        free(w->data);
        free(w);
    }
}

static void tls_alpn_index_init(void)
{
    tls_alpn_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, tls_alpn_free);
}

static tls_alpn_wire *tls_alpn_encode(const char *const *alpn)
{
    gs_buf b = {0};
    for (size_t i = 0; alpn[i] != NULL; i++) {
        size_t n = strlen(alpn[i]);
        if (n == 0 || n > 255)
            continue;
        gs_buf_putc(&b, (char)n);
        gs_buf_append(&b, alpn[i], n);
    }
    tls_alpn_wire *w = gs_xmalloc(sizeof(*w));
    w->len = (unsigned)b.len;
    w->data = (unsigned char *)gs_buf_take(&b);
    return w;
}

/* Fires during the ClientHello: picks the first of the server's protocols the client offers. */
static int on_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                          const unsigned char *in, unsigned inlen, void *arg)
{
    (void)arg;
    SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
    tls_alpn_wire *w = SSL_CTX_get_ex_data(ctx, tls_alpn_index);
    if (w == NULL)
        return SSL_TLSEXT_ERR_NOACK;
    unsigned char *sel = NULL;
    if (SSL_select_next_proto(&sel, outlen, w->data, w->len, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *tls_server_ctx_base(const char *const *alpn, gs_error *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        gs_error_set_ssl(err, "SSL_CTX_new");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (alpn != NULL) {
        pthread_once(&tls_alpn_once, tls_alpn_index_init);
        SSL_CTX_set_ex_data(ctx, tls_alpn_index, tls_alpn_encode(alpn));
        SSL_CTX_set_alpn_select_cb(ctx, on_alpn_select, NULL);
    }
    return ctx;
}

int gs_tls_server_ctx_new(SSL_CTX **out, const char *cert_file, const char *key_file,
                          const char *const *alpn, gs_error *err)
{
    *out = NULL;
    SSL_CTX *ctx = tls_server_ctx_base(alpn, err);
    if (ctx == NULL)
        return GS_ERR_TLS;
    if (gs_tls_ctx_use_files(ctx, cert_file, key_file, err) != 0) {
        SSL_CTX_free(ctx);
        return GS_ERR_TLS;
    }
    *out = ctx;
    return 0;
}

/* gs_error_set_ssl with a malloc'd message |what|, which it frees. */
static int tls_file_error(gs_error *err, char *what)
{
    gs_error_set_ssl(err, what);
    free(what);
    return GS_ERR_TLS;
}

int gs_tls_ctx_use_files(SSL_CTX *ctx, const char *cert_file, const char *key_file,
                         gs_error *err)
{
    if (key_file == NULL)
        key_file = cert_file;
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1)
        return tls_file_error(err, gs_xasprintf("%s: no PEM certificate could be read", cert_file));
    /* OpenSSL compares the key with the certificate as it installs it */
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        unsigned long e = ERR_peek_last_error();
        if (ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
            return tls_file_error(err, gs_xasprintf("the key in %s does not match the "
                                                    "certificate in %s", key_file, cert_file));
        return tls_file_error(err, gs_xasprintf("%s: no PEM private key could be read", key_file));
    }
    return 0;
}

int gs_tls_check_cert_files(const char *cert_file, const char *key_file, gs_error *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL)
        return gs_error_set_ssl(err, "SSL_CTX_new");
    int rc = gs_tls_ctx_use_files(ctx, cert_file, key_file, err);
    SSL_CTX_free(ctx);
    return rc;
}

int gs_tls_ctx_use_pem(SSL_CTX *ctx, const char *cert_pem, const char *key_pem, gs_error *err)
{
    int rc = GS_ERR_TLS;
    BIO *cb = BIO_new_mem_buf(cert_pem, -1);
    BIO *kb = BIO_new_mem_buf(key_pem, -1);
    X509 *leaf = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    EVP_PKEY *key = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
    if (leaf == NULL || key == NULL) {
        gs_error_set_ssl(err, leaf == NULL ? "reading certificate PEM" : "reading key PEM");
        goto out;
    }
    if (SSL_CTX_use_certificate(ctx, leaf) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        gs_error_set_ssl(err, "installing certificate and key");
        goto out;
    }
    X509 *extra;
    while ((extra = PEM_read_bio_X509(cb, NULL, NULL, NULL)) != NULL) {
        if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
            X509_free(extra);
            gs_error_set_ssl(err, "adding chain certificate");
            goto out;
        }
    }
    ERR_clear_error(); /* the end-of-input "no start line" from the loop above */
    rc = 0;
out:
    X509_free(leaf);
    EVP_PKEY_free(key);
    BIO_free(cb);
    BIO_free(kb);
    return rc;
}

int gs_tls_server_ctx_new_pem(SSL_CTX **out, const char *cert_pem, const char *key_pem,
                              const char *const *alpn, gs_error *err)
{
    *out = NULL;
    SSL_CTX *ctx = tls_server_ctx_base(alpn, err);
    if (ctx == NULL)
        return GS_ERR_TLS;
    if (gs_tls_ctx_use_pem(ctx, cert_pem, key_pem, err) < 0) {
        SSL_CTX_free(ctx);
        return GS_ERR_TLS;
    }
    *out = ctx;
    return 0;
}

int gs_tls_client_ctx_use_cert(SSL_CTX *ctx, const char *cert_pem, const char *key_pem,
                               gs_error *err)
{
    return gs_tls_ctx_use_pem(ctx, cert_pem, key_pem, err);
}

static int tls_store_add_pem(X509_STORE *store, const char *pem, gs_error *err)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    int added = 0;
    X509 *x;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (X509_STORE_add_cert(store, x) == 1)
            added++;
        X509_free(x);
    }
    BIO_free(b);
    ERR_clear_error();
    if (added == 0)
        return gs_error_set(err, GS_ERR_TLS, "no certificate in the CA PEM");
    return 0;
}

int gs_tls_client_ctx_new(SSL_CTX **out, const char *const *alpn, const char *ca_file,
                          const char *ca_pem, bool insecure, gs_error *err)
{
    *out = NULL;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL)
        return gs_error_set_ssl(err, "SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (alpn != NULL) {
        tls_alpn_wire *w = tls_alpn_encode(alpn);
        int bad = SSL_CTX_set_alpn_protos(ctx, w->data, w->len);
        free(w->data);
        free(w);
        if (bad) {
            gs_error_set_ssl(err, "SSL_CTX_set_alpn_protos");
            goto fail;
        }
    }
    if (insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        if (ca_file == NULL && ca_pem == NULL) {
            if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
                gs_error_set_ssl(err, "loading the system CA store");
                goto fail;
            }
        }
        if (ca_file != NULL && SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
            gs_error_set_ssl(err, ca_file);
            goto fail;
        }
        if (ca_pem != NULL && tls_store_add_pem(SSL_CTX_get_cert_store(ctx), ca_pem, err) < 0)
            goto fail;
    }
    *out = ctx;
    return 0;
fail:
    SSL_CTX_free(ctx);
    return GS_ERR_TLS;
}

int gs_tls_server_ctx_verify_clients(SSL_CTX *ctx, const char *ca_file, const char *ca_pem,
                                     bool require, gs_error *err)
{
    if (ca_file != NULL) {
        if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1)
            return gs_error_set_ssl(err, ca_file);
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca_file);
        if (names != NULL)
            SSL_CTX_set_client_CA_list(ctx, names);
    }
    if (ca_pem != NULL && tls_store_add_pem(SSL_CTX_get_cert_store(ctx), ca_pem, err) < 0)
        return GS_ERR_TLS;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (require ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                       NULL);
    /* Session resumption across contexts with different verification is refused by OpenSSL
     * without an id context. */
    static const unsigned char sid[] = "gatesim";
    SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1);
    return 0;
}

char *gs_tls_peer_cert_pem(SSL *ssl)
{
    X509 *peer = SSL_get1_peer_certificate(ssl);
    if (peer == NULL)
        return NULL;
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (b != NULL && PEM_write_bio_X509(b, peer) == 1) {
        char *p = NULL;
        long n = BIO_get_mem_data(b, &p);
        out = gs_xstrndup(p, n > 0 ? (size_t)n : 0);
    }
    BIO_free(b);
    X509_free(peer);
    return out;
}

int gs_tls_client_ssl_new(SSL **out, SSL_CTX *ctx, const char *server_name, gs_error *err)
{
    *out = NULL;
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL)
        return gs_error_set_ssl(err, "SSL_new");
    if (server_name != NULL && *server_name != '\0') {
        bool ip = gs_addr_is_ip_literal(server_name);
        if (!ip) {
            /* The macro takes a non-const pointer; OpenSSL copies the name. */
            char *name = gs_xstrdup(server_name);
            long set = SSL_set_tlsext_host_name(ssl, name);
            free(name);
            if (set != 1)
                goto fail;
        }
        if (SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER) {
            int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), server_name)
                        : SSL_set1_host(ssl, server_name);
            if (ok != 1)
                goto fail;
        }
    }
    *out = ssl;
    return 0;
fail:
    SSL_free(ssl);
    return gs_error_set_ssl(err, "setting the server name");
}

void gs_tls_info_get(SSL *ssl, gs_tls_info *info)
{
    info->version = SSL_get_version(ssl);
    const char *c = SSL_get_cipher_name(ssl);
    info->cipher = c != NULL ? c : "";
    const char *sn = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    info->server_name = sn != NULL ? sn : "";
    const unsigned char *alpn = NULL;
    unsigned alpn_len = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    if (alpn_len >= sizeof(info->alpn))
        alpn_len = sizeof(info->alpn) - 1;
    if (alpn_len > 0)
        memcpy(info->alpn, alpn, alpn_len);
    info->alpn[alpn_len] = '\0';
}

const char *gs_tls_error_text(unsigned long code, const char *peer, char *buf, size_t n)
{
    if (ERR_GET_LIB(code) == 0)
        return NULL;
    int reason = ERR_GET_REASON(code);
    if (ERR_GET_LIB(code) == ERR_LIB_SSL && reason == SSL_R_UNEXPECTED_EOF_WHILE_READING)
        return "connection closed during TLS";
    const char *text = ERR_reason_error_string(code);
    if (text == NULL) {
        ERR_error_string_n(code, buf, n);
        return buf;
    }
    /* received alerts are reasons past SSL_AD_REASON_OFFSET, named "tlsv13 alert <name>" */
    const char *alert = strstr(text, "alert ");
    if (ERR_GET_LIB(code) == ERR_LIB_SSL && reason >= SSL_AD_REASON_OFFSET && alert != NULL) {
        snprintf(buf, n, "TLS alert %s from %s", alert + strlen("alert "), peer);
        return buf;
    }
    return text;
}
