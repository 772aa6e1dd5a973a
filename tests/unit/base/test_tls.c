/* SPDX-License-Identifier: MIT */
/* gs_tls: generated CA + leaf certificates, server/client contexts, in-memory handshakes over a
 * BIO pair checking verification, ALPN selection, SNI and SNI-based certificate choice. */
#include "gs_error.h"
#include "gs_tls.h"
#include "gs_test.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct hs_result {
    bool ok;
    long verify;
    gs_tls_info server;
    char client_alpn[32];
    char peer_cn[128];
    bool server_peer; /* the server saw a client certificate */
    char server_peer_cn[128];
} hs_result;

/* Runs a handshake between |cctx| and |sctx| in memory. */
static hs_result handshake(SSL_CTX *cctx, SSL_CTX *sctx, const char *server_name)
{
    hs_result r;
    memset(&r, 0, sizeof(r));
    SSL *c = NULL;
    gs_error err;
    ck_assert_int_eq(gs_tls_client_ssl_new(&c, cctx, server_name, &err), 0);
    SSL *s = SSL_new(sctx);
    BIO *cb, *sb;
    ck_assert_int_eq(BIO_new_bio_pair(&cb, 0, &sb, 0), 1);
    SSL_set_bio(c, cb, cb);
    SSL_set_bio(s, sb, sb);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    int cdone = 0, sdone = 0;
    for (int i = 0; i < 50 && !(cdone && sdone); i++) {
        if (!cdone) {
            int rc = SSL_do_handshake(c);
            if (rc == 1)
                cdone = 1;
            else if (SSL_get_error(c, rc) != SSL_ERROR_WANT_READ)
                break;
        }
        if (!sdone) {
            int rc = SSL_do_handshake(s);
            if (rc == 1)
                sdone = 1;
            else if (SSL_get_error(s, rc) != SSL_ERROR_WANT_READ)
                break;
        }
    }
    ERR_clear_error();
    r.ok = cdone && sdone;
    r.verify = SSL_get_verify_result(c);
    if (r.ok) {
        gs_tls_info_get(s, &r.server);
        /* Strings borrowed from |s|: copy what we check after it is freed. */
        static char version[32], cipher[64], sni[256];
        snprintf(version, sizeof(version), "%s", r.server.version);
        snprintf(cipher, sizeof(cipher), "%s", r.server.cipher);
        snprintf(sni, sizeof(sni), "%s", r.server.server_name);
        r.server.version = version;
        r.server.cipher = cipher;
        r.server.server_name = sni;
        gs_tls_info ci;
        gs_tls_info_get(c, &ci);
        snprintf(r.client_alpn, sizeof(r.client_alpn), "%s", ci.alpn);
        char *pem = gs_tls_peer_cert_pem(s);
        if (pem != NULL) {
            r.server_peer = true;
            BIO *b = BIO_new_mem_buf(pem, -1);
            X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
            X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, r.server_peer_cn,
                                      sizeof(r.server_peer_cn));
            X509_free(x);
            BIO_free(b);
            free(pem);
        }
        X509 *peer = SSL_get1_peer_certificate(c);
        if (peer != NULL) {
            X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, r.peer_cn,
                                      sizeof(r.peer_cn));
            X509_free(peer);
        }
    }
    SSL_free(c);
    SSL_free(s);
    return r;
}

typedef struct fixture {
    gs_tls_pem ca, leaf, other;
} fixture;

static void fixture_make(fixture *f)
{
    gs_error err;
    memset(f, 0, sizeof(*f));
    ck_assert_int_eq(gs_tls_ca_generate(&f->ca, "gatesim test CA", &err), 0);
    const char *names[] = {"*.example.com", "example.com", "127.0.0.1"};
    ck_assert_int_eq(gs_tls_leaf_generate(&f->leaf, &f->ca, names, 3, &err), 0);
    const char *other[] = {"other.test"};
    ck_assert_int_eq(gs_tls_leaf_generate(&f->other, &f->ca, other, 1, &err), 0);
}

static void fixture_free(fixture *f)
{
    gs_tls_pem_clear(&f->ca);
    gs_tls_pem_clear(&f->leaf);
    gs_tls_pem_clear(&f->other);
}

START_TEST(generated_pems_parse)
{
    fixture f;
    fixture_make(&f);
    ck_assert_ptr_nonnull(strstr(f.ca.cert, "BEGIN CERTIFICATE"));
    ck_assert_ptr_nonnull(strstr(f.leaf.key, "PRIVATE KEY"));
    /* Leaf PEM carries the leaf then the CA. */
    const char *second = strstr(strstr(f.leaf.cert, "END CERTIFICATE") + 1, "BEGIN CERTIFICATE");
    ck_assert_ptr_nonnull(second);
    gs_error err;
    gs_tls_pem bad = {0};
    const char *none[] = {NULL};
    ck_assert_int_eq(gs_tls_leaf_generate(&bad, &f.ca, none, 0, &err), GS_ERR_INVALID);
    fixture_free(&f);
}
END_TEST

/* A CA named after a long namespace/Service pair (over X.509's 64-character CommonName) is
 * generated with the name cut to 64 characters, not refused. */
START_TEST(long_ca_name_is_cut)
{
    const char *name = "gateway-conformance-infra/tcp-backend replica 0 of a very long name";
    ck_assert_uint_gt(strlen(name), 64);
    gs_tls_pem ca = {0};
    gs_error err;
    ck_assert_int_eq(gs_tls_ca_generate(&ca, name, &err), 0);
    BIO *b = BIO_new_mem_buf(ca.cert, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(x);
    char cn[128];
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
    ck_assert_int_eq(n, 64);
    ck_assert_int_eq(strncmp(cn, name, 64), 0);
    X509_free(x);
    BIO_free(b);
    gs_tls_pem_clear(&ca);
}
END_TEST

/* gs_tls_ctx_use_pem: the PEM loader the gateway's HTTPS listeners and client certificates
 * share. */
START_TEST(ctx_use_pem_installs_chain_and_checks_key)
{
    fixture f;
    fixture_make(&f);
    gs_error err = {0};
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    ck_assert_int_eq(gs_tls_ctx_use_pem(ctx, f.leaf.cert, f.leaf.key, &err), 0);
    STACK_OF(X509) *chain = NULL;
    ck_assert_int_eq(SSL_CTX_get0_chain_certs(ctx, &chain), 1);
    ck_assert_int_eq(sk_X509_num(chain), 1); /* the CA after the leaf */
    SSL_CTX_free(ctx);

    ctx = SSL_CTX_new(TLS_server_method());
    ck_assert_int_eq(gs_tls_ctx_use_pem(ctx, f.leaf.cert, f.other.key, &err), GS_ERR_TLS);
    ck_assert_ptr_nonnull(strstr(err.msg, "installing certificate and key"));
    ck_assert_int_eq(gs_tls_ctx_use_pem(ctx, "junk", f.leaf.key, &err), GS_ERR_TLS);
    ck_assert_ptr_nonnull(strstr(err.msg, "reading certificate PEM"));
    ck_assert_int_eq(gs_tls_ctx_use_pem(ctx, f.leaf.cert, "junk", &err), GS_ERR_TLS);
    ck_assert_ptr_nonnull(strstr(err.msg, "reading key PEM"));
    SSL_CTX_free(ctx);
    fixture_free(&f);
}
END_TEST

START_TEST(handshake_verifies_and_selects_h2)
{
    fixture f;
    fixture_make(&f);
    gs_error err;
    SSL_CTX *sctx, *cctx;
    ck_assert_int_eq(
        gs_tls_server_ctx_new_pem(&sctx, f.leaf.cert, f.leaf.key, gs_tls_alpn_h2_http11, &err), 0);
    ck_assert_int_eq(
        gs_tls_client_ctx_new(&cctx, gs_tls_alpn_h2_http11, NULL, f.ca.cert, false, &err), 0);

    hs_result r = handshake(cctx, sctx, "www.example.com");
    ck_assert(r.ok);
    ck_assert_int_eq(r.verify, X509_V_OK);
    ck_assert_str_eq(r.server.alpn, "h2");
    ck_assert_str_eq(r.client_alpn, "h2");
    ck_assert_str_eq(r.server.server_name, "www.example.com");
    ck_assert_str_eq(r.server.version, "TLSv1.3");
    ck_assert(strlen(r.server.cipher) > 0);

    /* An IP literal: no SNI sent, the IP SAN verifies. */
    r = handshake(cctx, sctx, "127.0.0.1");
    ck_assert(r.ok);
    ck_assert_str_eq(r.server.server_name, "");

    /* A name outside the certificate fails verification. */
    r = handshake(cctx, sctx, "a.b.example.com");
    ck_assert(!r.ok);
    SSL_CTX_free(cctx);

    /* A client offering only http/1.1 gets it; a client offering nothing known gets no ALPN. */
    ck_assert_int_eq(gs_tls_client_ctx_new(&cctx, gs_tls_alpn_http11, NULL, f.ca.cert, false, &err),
                     0);
    r = handshake(cctx, sctx, "example.com");
    ck_assert(r.ok);
    ck_assert_str_eq(r.server.alpn, "http/1.1");
    SSL_CTX_free(cctx);
    const char *weird[] = {"spdy/3", NULL};
    ck_assert_int_eq(gs_tls_client_ctx_new(&cctx, weird, NULL, NULL, true, &err), 0);
    r = handshake(cctx, sctx, "example.com");
    ck_assert(r.ok);
    ck_assert_str_eq(r.server.alpn, "");
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    fixture_free(&f);
}
END_TEST

START_TEST(untrusted_ca_fails_and_insecure_passes)
{
    fixture f;
    fixture_make(&f);
    gs_tls_pem other_ca = {0};
    gs_error err;
    ck_assert_int_eq(gs_tls_ca_generate(&other_ca, "another CA", &err), 0);
    SSL_CTX *sctx, *cctx;
    ck_assert_int_eq(gs_tls_server_ctx_new_pem(&sctx, f.leaf.cert, f.leaf.key, NULL, &err), 0);
    ck_assert_int_eq(gs_tls_client_ctx_new(&cctx, NULL, NULL, other_ca.cert, false, &err), 0);
    ck_assert(!handshake(cctx, sctx, "example.com").ok);
    SSL_CTX_free(cctx);
    ck_assert_int_eq(gs_tls_client_ctx_new(&cctx, NULL, NULL, NULL, true, &err), 0);
    hs_result r = handshake(cctx, sctx, "example.com");
    ck_assert(r.ok);
    ck_assert_str_eq(r.server.alpn, "");
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    gs_tls_pem_clear(&other_ca);
    fixture_free(&f);
}
END_TEST

/* A servername callback as the gateway installs one (gs_gw_tls.c): a name under example.com
 * switches the connection to the context passed as |arg|; others keep the default. */
static int on_test_servername(SSL *ssl, int *alert, void *arg)
{
    (void)alert;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    size_t n = name ? strlen(name) : 0;
    if (n > 12 && strcasecmp(name + n - 12, ".example.com") == 0)
        SSL_set_SSL_CTX(ssl, arg);
    return SSL_TLSEXT_ERR_OK;
}

START_TEST(files_and_servername_switch)
{
    fixture f;
    fixture_make(&f);
    gs_error err;
    char dir[] = "/tmp/gs-tls-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char cert[64], key[64], ca[64];
    snprintf(cert, sizeof(cert), "%s/tls.crt", dir);
    snprintf(key, sizeof(key), "%s/tls.key", dir);
    snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
    ck_assert_int_eq(gs_tls_pem_write(&f.other, cert, key, &err), 0);
    ck_assert_int_eq(gs_tls_pem_write(&f.ca, ca, NULL, &err), 0);

    SSL_CTX *def, *wild, *cctx;
    ck_assert_int_eq(gs_tls_server_ctx_new(&def, cert, key, gs_tls_alpn_h2_http11, &err), 0);
    ck_assert_int_eq(
        gs_tls_server_ctx_new_pem(&wild, f.leaf.cert, f.leaf.key, gs_tls_alpn_h2_http11, &err), 0);
    SSL_CTX_set_tlsext_servername_callback(def, on_test_servername);
    SSL_CTX_set_tlsext_servername_arg(def, wild);

    ck_assert_int_eq(gs_tls_client_ctx_new(&cctx, gs_tls_alpn_h2_http11, ca, NULL, false, &err), 0);
    hs_result r = handshake(cctx, def, "shop.example.com");
    ck_assert(r.ok);
    ck_assert_str_eq(r.peer_cn, "*.example.com");
    ck_assert_str_eq(r.server.alpn, "h2");
    r = handshake(cctx, def, "other.test");
    ck_assert(r.ok);
    ck_assert_str_eq(r.peer_cn, "other.test");

    SSL_CTX *bad = NULL;
    ck_assert_int_eq(gs_tls_server_ctx_new(&bad, "/nonexistent.crt", key, NULL, &err), GS_ERR_TLS);
    ck_assert(strlen(err.msg) > 0);
    SSL_CTX_free(cctx);
    SSL_CTX_free(def);
    SSL_CTX_free(wild);
    unlink(cert);
    unlink(key);
    unlink(ca);
    rmdir(dir);
    fixture_free(&f);
}
END_TEST

START_TEST(client_certificates)
{
    fixture f;
    fixture_make(&f);
    gs_error err;
    const char *cn[] = {"client.test"};
    gs_tls_pem client = {0}, other_ca = {0}, stranger = {0};
    ck_assert_int_eq(gs_tls_leaf_generate(&client, &f.ca, cn, 1, &err), 0);
    ck_assert_int_eq(gs_tls_ca_generate(&other_ca, "other CA", &err), 0);
    ck_assert_int_eq(gs_tls_leaf_generate(&stranger, &other_ca, cn, 1, &err), 0);

    SSL_CTX *sctx, *cctx;
    ck_assert_int_eq(gs_tls_server_ctx_new_pem(&sctx, f.leaf.cert, f.leaf.key, NULL, &err), 0);
    ck_assert_int_eq(gs_tls_server_ctx_verify_clients(sctx, NULL, f.ca.cert, false, &err), 0);

    /* No client certificate: accepted (not required), nothing to echo. */
    ck_assert_int_eq(gs_tls_client_ctx_new(&cctx, NULL, NULL, f.ca.cert, false, &err), 0);
    hs_result r = handshake(cctx, sctx, "example.com");
    ck_assert(r.ok);
    ck_assert(!r.server_peer);
    /* A certificate from the trusted CA: accepted and visible to the server. */
    ck_assert_int_eq(gs_tls_client_ctx_use_cert(cctx, client.cert, client.key, &err), 0);
    r = handshake(cctx, sctx, "example.com");
    ck_assert(r.ok);
    ck_assert(r.server_peer);
    ck_assert_str_eq(r.server_peer_cn, "client.test");
    SSL_CTX_free(cctx);
    /* A certificate from another CA: the handshake fails. */
    ck_assert_int_eq(gs_tls_client_ctx_new(&cctx, NULL, NULL, f.ca.cert, false, &err), 0);
    ck_assert_int_eq(gs_tls_client_ctx_use_cert(cctx, stranger.cert, stranger.key, &err), 0);
    ck_assert(!handshake(cctx, sctx, "example.com").ok);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);

    /* Required: a client without a certificate fails. */
    ck_assert_int_eq(gs_tls_server_ctx_new_pem(&sctx, f.leaf.cert, f.leaf.key, NULL, &err), 0);
    ck_assert_int_eq(gs_tls_server_ctx_verify_clients(sctx, NULL, f.ca.cert, true, &err), 0);
    ck_assert_int_eq(gs_tls_client_ctx_new(&cctx, NULL, NULL, f.ca.cert, false, &err), 0);
    ck_assert(!handshake(cctx, sctx, "example.com").ok);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    ck_assert_int_eq(gs_tls_client_ctx_new(&cctx, NULL, NULL, NULL, true, &err), 0);
    ck_assert_int_eq(gs_tls_client_ctx_use_cert(cctx, "junk", "junk", &err), GS_ERR_TLS);
    SSL_CTX_free(cctx);
    gs_tls_pem_clear(&client);
    gs_tls_pem_clear(&other_ca);
    gs_tls_pem_clear(&stranger);
    fixture_free(&f);
}
END_TEST

/* Client certificate files as `gatesim load --cert/--key` checks them: each failure names the
 * file at fault, a key in the certificate's file is found without --key, and a context loaded
 * from the files presents the certificate in a handshake. */
START_TEST(cert_files_named_in_errors)
{
    fixture f;
    fixture_make(&f);
    gs_error err;
    char dir[] = "/tmp/gs-tls-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char cert[64], key[64], other_key[64], both[64], junk[64];
    snprintf(cert, sizeof(cert), "%s/c.crt", dir);
    snprintf(key, sizeof(key), "%s/c.key", dir);
    snprintf(other_key, sizeof(other_key), "%s/o.key", dir);
    snprintf(both, sizeof(both), "%s/both.pem", dir);
    snprintf(junk, sizeof(junk), "%s/junk.pem", dir);
    char other_crt[64];
    snprintf(other_crt, sizeof(other_crt), "%s/o.crt", dir);
    ck_assert_int_eq(gs_tls_pem_write(&f.other, cert, key, &err), 0);
    ck_assert_int_eq(gs_tls_pem_write(&f.leaf, other_crt, other_key, &err), 0);
    FILE *fp = fopen(both, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(f.other.cert, fp);
    fputs(f.other.key, fp);
    fclose(fp);
    fp = fopen(junk, "w");
    ck_assert_ptr_nonnull(fp);
    fputs("not a PEM file\n", fp);
    fclose(fp);

    ck_assert_int_eq(gs_tls_check_cert_files(cert, key, &err), 0);
    ck_assert_int_eq(gs_tls_check_cert_files(both, NULL, &err), 0);
    ck_assert_int_eq(gs_tls_check_cert_files(junk, key, &err), GS_ERR_TLS);
    ck_assert_msg(strstr(err.msg, "junk.pem: no PEM certificate could be read"), "%s", err.msg);
    ck_assert_int_eq(gs_tls_check_cert_files(cert, junk, &err), GS_ERR_TLS);
    ck_assert_msg(strstr(err.msg, "junk.pem: no PEM private key could be read"), "%s", err.msg);
    ck_assert_int_eq(gs_tls_check_cert_files(cert, NULL, &err), GS_ERR_TLS);
    ck_assert_msg(strstr(err.msg, "c.crt: no PEM private key could be read"), "%s", err.msg);
    ck_assert_int_eq(gs_tls_check_cert_files(cert, other_key, &err), GS_ERR_TLS);
    ck_assert_msg(strstr(err.msg, "o.key does not match the certificate in"), "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "c.crt"), "%s", err.msg);

    SSL_CTX *sctx, *cctx;
    ck_assert_int_eq(gs_tls_server_ctx_new_pem(&sctx, f.leaf.cert, f.leaf.key, NULL, &err), 0);
    ck_assert_int_eq(gs_tls_server_ctx_verify_clients(sctx, NULL, f.ca.cert, true, &err), 0);
    ck_assert_int_eq(gs_tls_client_ctx_new(&cctx, NULL, NULL, f.ca.cert, false, &err), 0);
    ck_assert_int_eq(gs_tls_ctx_use_files(cctx, both, NULL, &err), 0);
    hs_result r = handshake(cctx, sctx, "example.com");
    ck_assert(r.ok);
    ck_assert_str_eq(r.server_peer_cn, "other.test");
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    const char *files[] = {cert, key, other_key, other_crt, both, junk};
    for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++)
        unlink(files[k]);
    rmdir(dir);
    fixture_free(&f);
}
END_TEST

/* OpenSSL's error codes as the traffic engine words them: a received alert names the alert
 * and the peer, an EOF without close_notify is a closed connection, other reasons are
 * OpenSSL's, and a value that is no error code (SSL_get_error's, which libevent records too)
 * has no text. */
START_TEST(error_texts_are_readable)
{
    ck_assert_int_eq(OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS, NULL), 1);
    char buf[128];
    const char *t =
        gs_tls_error_text(ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED),
                          "server", buf, sizeof(buf));
    ck_assert_str_eq(t, "TLS alert certificate required from server");
    t = gs_tls_error_text(ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV1_ALERT_UNKNOWN_CA), "client", buf,
                          sizeof(buf));
    ck_assert_str_eq(t, "TLS alert unknown ca from client");
    t = gs_tls_error_text(ERR_PACK(ERR_LIB_SSL, 0, SSL_R_UNEXPECTED_EOF_WHILE_READING), "server",
                          buf, sizeof(buf));
    ck_assert_str_eq(t, "connection closed during TLS");
    t = gs_tls_error_text(ERR_PACK(ERR_LIB_SSL, 0, SSL_R_CERTIFICATE_VERIFY_FAILED), "server", buf,
                          sizeof(buf));
    ck_assert_str_eq(t, "certificate verify failed");
    ck_assert_ptr_null(gs_tls_error_text(SSL_ERROR_SYSCALL, "server", buf, sizeof(buf)));
    ck_assert_ptr_null(gs_tls_error_text(SSL_ERROR_SSL, "server", buf, sizeof(buf)));
}
END_TEST

static Suite *tls_suite(void)
{
    Suite *s = suite_create("tls");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, generated_pems_parse);
    tcase_add_test(tc, long_ca_name_is_cut);
    tcase_add_test(tc, ctx_use_pem_installs_chain_and_checks_key);
    tcase_add_test(tc, handshake_verifies_and_selects_h2);
    tcase_add_test(tc, untrusted_ca_fails_and_insecure_passes);
    tcase_add_test(tc, files_and_servername_switch);
    tcase_add_test(tc, client_certificates);
    tcase_add_test(tc, cert_files_named_in_errors);
    tcase_add_test(tc, error_texts_are_readable);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(tls_suite());
}
