/* SPDX-License-Identifier: MIT */
/* Test-certificate generation: a self-signed CA and server leaves signed by it (EC P-256,
 * SHA-256), returned as PEM strings, plus writing them to files. For tests and generated
 * scenario secrets only: keys are unencrypted and validity is short. */
#include "gs_tls.h"

#include "gs_addr.h"
#include "gs_alloc.h"
#include "gs_buf.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CERT_DAYS 30
#define CERT_CN_MAX 64

static char *cert_bio_take(BIO *b)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    return gs_xstrndup(p, n > 0 ? (size_t)n : 0);
}

static int cert_add_ext(X509 *issuer, X509 *subject, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, subject, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (ext == NULL)
        return -1;
    int ok = X509_add_ext(subject, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? 0 : -1;
}

/* A new certificate with a random serial, the validity window, |cn| and |key|'s public half. */
static X509 *cert_new(const char *cn, EVP_PKEY *key)
{
    X509 *x = X509_new();
    if (x == NULL)
        return NULL;
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof(serial)) != 1)
        goto fail;
    serial[0] &= 0x7f; /* positive */
    BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
    if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL) {
        BN_free(bn);
        goto fail;
    }
    BN_free(bn);
    if (X509_set_version(x, 2) != 1 || X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), (long)CERT_DAYS * 86400) == NULL ||
        X509_set_pubkey(x, key) != 1)
        goto fail;
    X509_NAME *name = X509_get_subject_name(x);
    /* X.509 caps a CommonName at 64 characters (ub-common-name); a longer one, e.g. a CA named
     * after a long namespace/Service, is cut: the CN is a label, the SANs carry the names. */
    size_t cn_len = strlen(cn);
    if (cn_len > CERT_CN_MAX)
        cn_len = CERT_CN_MAX;
    if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"gatesim", -1,
                                   -1, 0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn,
                                   (int)cn_len, -1, 0) != 1)
        goto fail;
    return x;
fail:
    X509_free(x);
    return NULL;
}

static int cert_to_pem(gs_tls_pem *out, X509 *x, X509 *chain, EVP_PKEY *key)
{
    BIO *cb = BIO_new(BIO_s_mem());
    BIO *kb = BIO_new(BIO_s_mem());
    int rc = -1;
    if (cb == NULL || kb == NULL || PEM_write_bio_X509(cb, x) != 1 ||
        (chain != NULL && PEM_write_bio_X509(cb, chain) != 1) ||
        PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) != 1)
        goto out;
    out->cert = cert_bio_take(cb);
    out->key = cert_bio_take(kb);
    rc = 0;
out:
    BIO_free(cb);
    BIO_free(kb);
    return rc;
}

int gs_tls_ca_generate(gs_tls_pem *out, const char *common_name, gs_error *err)
{
    out->cert = out->key = NULL;
    int rc = GS_ERR_TLS;
    X509 *x = NULL;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    if (key == NULL)
        return gs_error_set_ssl(err, "generating the CA key");
    x = cert_new(common_name, key);
    if (x == NULL || X509_set_issuer_name(x, X509_get_subject_name(x)) != 1 ||
        cert_add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
        cert_add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") < 0 ||
        cert_add_ext(x, x, NID_subject_key_identifier, "hash") < 0 ||
        X509_sign(x, key, EVP_sha256()) == 0 || cert_to_pem(out, x, NULL, key) < 0) {
        gs_error_set_ssl(err, "generating the CA certificate");
        goto out;
    }
    rc = 0;
out:
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

int gs_tls_leaf_generate(gs_tls_pem *out, const gs_tls_pem *ca, const char *const *names, size_t n,
                         gs_error *err)
{
    out->cert = out->key = NULL;
    if (n == 0)
        return gs_error_set(err, GS_ERR_INVALID, "a leaf certificate needs at least one name");
    int rc = GS_ERR_TLS;
    X509 *x = NULL, *ca_cert = NULL;
    EVP_PKEY *ca_key = NULL, *key = NULL;
    char *san = NULL;
    BIO *cb = BIO_new_mem_buf(ca->cert, -1);
    BIO *kb = BIO_new_mem_buf(ca->key, -1);
    ca_cert = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    ca_key = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
    if (ca_cert == NULL || ca_key == NULL) {
        gs_error_set_ssl(err, "reading the CA");
        goto out;
    }
    key = EVP_EC_gen("P-256");
    if (key == NULL) {
        gs_error_set_ssl(err, "generating the leaf key");
        goto out;
    }
    gs_buf sb = {0};
    for (size_t i = 0; i < n; i++) {
        if (strchr(names[i], ',') != NULL) {
            gs_buf_clear(&sb);
            rc = gs_error_set(err, GS_ERR_INVALID, "bad certificate name '%s'", names[i]);
            goto out;
        }
        gs_buf_printf(&sb, "%s%s:%s", i ? "," : "",
                      strstr(names[i], "://")              ? "URI"
                      : gs_addr_is_ip_literal(names[i]) ? "IP"
                                                        : "DNS",
                      names[i]);
    }
    san = gs_buf_take(&sb);
    x = cert_new(names[0], key);
    if (x == NULL || X509_set_issuer_name(x, X509_get_subject_name(ca_cert)) != 1 ||
        cert_add_ext(ca_cert, x, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
        cert_add_ext(ca_cert, x, NID_key_usage, "critical,digitalSignature,keyEncipherment") < 0 ||
        cert_add_ext(ca_cert, x, NID_ext_key_usage, "serverAuth,clientAuth") < 0 ||
        cert_add_ext(ca_cert, x, NID_subject_alt_name, san) < 0 ||
        cert_add_ext(ca_cert, x, NID_authority_key_identifier, "keyid:always") < 0 ||
        X509_sign(x, ca_key, EVP_sha256()) == 0 || cert_to_pem(out, x, ca_cert, key) < 0) {
        gs_error_set_ssl(err, "generating the leaf certificate");
        goto out;
    }
    rc = 0;
out:
    free(san);
    X509_free(x);
    X509_free(ca_cert);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    BIO_free(cb);
    BIO_free(kb);
    return rc;
}

static int cert_write_file(const char *path, const char *text, mode_t mode, gs_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0)
        return gs_error_set_errno(err, errno, "%s", path);
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return gs_error_set_errno(err, e, "%s", path);
        }
        off += (size_t)w;
    }
    if (close(fd) != 0)
        return gs_error_set_errno(err, errno, "%s", path);
    return 0;
}

int gs_tls_pem_write(const gs_tls_pem *pem, const char *cert_path, const char *key_path,
                     gs_error *err)
{
    int rc = 0;
    if (cert_path != NULL && pem->cert != NULL)
        rc = cert_write_file(cert_path, pem->cert, 0644, err);
    if (rc == 0 && key_path != NULL && pem->key != NULL)
        rc = cert_write_file(key_path, pem->key, 0600, err);
    return rc;
}

static X509 *cert_first_of(const char *pem)
{
    BIO *b = pem ? BIO_new_mem_buf(pem, -1) : NULL;
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return x;
}

bool gs_tls_pem_same_cert(const char *a, const char *b)
{
    X509 *x = cert_first_of(a), *y = cert_first_of(b);
    bool same = x && y && X509_cmp(x, y) == 0;
    X509_free(x);
    X509_free(y);
    ERR_clear_error();
    return same;
}
