/* SPDX-License-Identifier: MIT */
/* OpenSSL helpers shared by the echo backends, the gateway, the traffic clients and the runner:
 * server and client SSL_CTX setup with ALPN, per-connection facts
 * (version, cipher, SNI, ALPN), and test-certificate generation (a CA and leaves signed by it,
 * as PEM strings). No sockets here: bufferevent_openssl does the I/O. */
#ifndef GS_TLS_H
#define GS_TLS_H

#include "gs_error.h"

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

/* ALPN preference lists (NULL-terminated) for the common cases. */
extern const char *const gs_tls_alpn_h2_http11[]; /* {"h2", "http/1.1", NULL} */
extern const char *const gs_tls_alpn_http11[];    /* {"http/1.1", NULL} */
extern const char *const gs_tls_alpn_h2[];        /* {"h2", NULL} */

/* A certificate (possibly followed by its chain) and its private key, both PEM. Owned strings;
 * gs_tls_pem_clear releases them. A zeroed struct is empty. */
typedef struct gs_tls_pem {
    char *cert;
    char *key;
} gs_tls_pem;

void gs_tls_pem_clear(gs_tls_pem *pem);

/* Server context from PEM files: |cert_file| may hold the leaf followed by intermediates.
 * |alpn| is the server's preference list (NULL: no ALPN); the first of its protocols the client
 * also offers is selected, and a client offering none of them gets no ALPN (the handshake still
 * succeeds, HTTP/1.1 is then implied). TLS 1.2 minimum. The caller frees *out with SSL_CTX_free.
 * Returns 0, GS_ERR_IO (unreadable file) or GS_ERR_TLS, with the OpenSSL errors in |err|. */
int gs_tls_server_ctx_new(SSL_CTX **out, const char *cert_file, const char *key_file,
                          const char *const *alpn, gs_error *err);

/* Installs the certificate chain of PEM file |cert_file| (leaf, then intermediates) and the
 * matching private key of PEM file |key_file| (NULL: the key is in |cert_file|) on any context
 * |ctx| (server or client). Returns 0 or GS_ERR_TLS, with a message naming the file at fault
 * (unreadable, no certificate, no key, a key that does not match) and the OpenSSL queue. */
int gs_tls_ctx_use_files(SSL_CTX *ctx, const char *cert_file, const char *key_file,
                         gs_error *err);

/* gs_tls_ctx_use_files on a throwaway client context: says before a run that a client
 * certificate and key given on a command line can be used. Returns 0 or GS_ERR_TLS. */
int gs_tls_check_cert_files(const char *cert_file, const char *key_file, gs_error *err);

/* Installs |cert_pem| (leaf, then chain) and the matching |key_pem| on any context |ctx|
 * (server or client). Returns 0 or GS_ERR_TLS, the reason (unreadable PEM, key mismatch, chain
 * certificate refused) and the OpenSSL queue in |err|. */
int gs_tls_ctx_use_pem(SSL_CTX *ctx, const char *cert_pem, const char *key_pem, gs_error *err);

/* As gs_tls_server_ctx_new, from PEM strings in memory. */
int gs_tls_server_ctx_new_pem(SSL_CTX **out, const char *cert_pem, const char *key_pem,
                              const char *const *alpn, gs_error *err);

/* Asks clients of server context |ctx| for a certificate and verifies it against |ca_file|
 * and/or |ca_pem|. With |require| false a client without a certificate is still accepted (Go's
 * VerifyClientCertIfGiven); a certificate that does not verify fails the handshake either way.
 * Returns 0 or GS_ERR_TLS. */
int gs_tls_server_ctx_verify_clients(SSL_CTX *ctx, const char *ca_file, const char *ca_pem,
                                     bool require, gs_error *err);

/* The peer's certificate as PEM (malloc'd; the caller frees it), or NULL when it sent none. */
char *gs_tls_peer_cert_pem(SSL *ssl);

/* Client context offering |alpn| (NULL: no ALPN). Peers are verified against |ca_file| and/or
 * |ca_pem| when given, else against the system store; |insecure| disables verification. The
 * caller frees *out with SSL_CTX_free. */
int gs_tls_client_ctx_new(SSL_CTX **out, const char *const *alpn, const char *ca_file,
                          const char *ca_pem, bool insecure, gs_error *err);

/* Makes client context |ctx| present |cert_pem| (leaf, then chain) with |key_pem| when a
 * server asks for a certificate. Returns 0 or GS_ERR_TLS. */
int gs_tls_client_ctx_use_cert(SSL_CTX *ctx, const char *cert_pem, const char *key_pem,
                               gs_error *err);

/* A client SSL for one connection: sends |server_name| as SNI (unless NULL or an IP literal) and,
 * when the context verifies peers, checks the certificate against it. The caller owns *out (or
 * hands it to bufferevent_openssl_socket_new with BEV_OPT_CLOSE_ON_FREE). */
int gs_tls_client_ssl_new(SSL **out, SSL_CTX *ctx, const char *server_name, gs_error *err);

/* A readable text for OpenSSL error code |code| seen on a connection to |peer| ("server"):
 * a received alert as "TLS alert certificate required from server", an EOF without
 * close_notify as "connection closed during TLS", else OpenSSL's reason ("certificate verify
 * failed"). NULL when |code| is no OpenSSL error code (libevent also records SSL_get_error's
 * values, e.g. SSL_ERROR_SYSCALL for a reset socket). Returns |buf| or a static string. */
const char *gs_tls_error_text(unsigned long code, const char *peer, char *buf, size_t n);

/* What a connection negotiated. Strings are borrowed from |ssl| (or static) and valid while it
 * lives; a missing value is "" (e.g. no SNI, no ALPN). */
typedef struct gs_tls_info {
    const char *version;     /* "TLSv1.3" */
    const char *cipher;      /* "TLS_AES_128_GCM_SHA256" */
    const char *server_name; /* SNI sent by the client */
    char alpn[32];           /* negotiated protocol, e.g. "h2" */
} gs_tls_info;

void gs_tls_info_get(SSL *ssl, gs_tls_info *info);

/* Generates a self-signed CA (EC P-256, valid from one hour ago for 30 days) with |common_name|.
 * Returns 0 or GS_ERR_TLS; the caller frees |out| with gs_tls_pem_clear. */
int gs_tls_ca_generate(gs_tls_pem *out, const char *common_name, gs_error *err);

/* Generates a server leaf certificate for |names| (|n| DNS names, wildcards like "*.example.com"
 * allowed; names that parse as IPv4/IPv6 addresses become IP SANs, names with "://" URI SANs),
 * signed by |ca|. The first
 * name is also the subject CN. |out->cert| holds the leaf followed by the CA certificate. */
int gs_tls_leaf_generate(gs_tls_pem *out, const gs_tls_pem *ca, const char *const *names, size_t n,
                         gs_error *err);

/* Writes |pem| to |cert_path| and |key_path| (key file mode 0600). Either path may be NULL. */
int gs_tls_pem_write(const gs_tls_pem *pem, const char *cert_path, const char *key_path,
                     gs_error *err);

/* Whether the first certificates of PEM texts |a| and |b| are the same certificate (equal DER);
 * false when either holds none. */
bool gs_tls_pem_same_cert(const char *a, const char *b);

#endif
