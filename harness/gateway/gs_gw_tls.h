/* SPDX-License-Identifier: MIT */
/* TLS termination for HTTPS listeners: one SSL_CTX per listener certificate (built from the
 * Secret's PEM held by the route table), chosen per handshake by SNI through the listener the
 * table selects, with ALPN h2 / http/1.1, asking for and verifying client certificates when the
 * Gateway's tls.frontend says so. Contexts belong to a configuration snapshot. */
#ifndef GS_GW_TLS_H
#define GS_GW_TLS_H

#include "gs_error.h"
#include "gs_route_table.h"

#include <openssl/ssl.h>

typedef struct gs_gw_tls_store gs_gw_tls_store;

/* Builds a context for every HTTPS listener of |table| that has a usable certificate. Listeners
 * whose PEM does not load are skipped with a warning (their handshakes fail). Returns 0. */
int gs_gw_tls_store_new(gs_gw_tls_store **out, const gs_route_table *table, gs_error *err);
void gs_gw_tls_store_free(gs_gw_tls_store *s);

/* The context for |listener|, or NULL. Borrowed from the store. */
SSL_CTX *gs_gw_tls_store_ctx(const gs_gw_tls_store *s, const gs_rt_listener *listener);

/* Switches |ssl| (in its servername callback) to listener context |ctx|: the certificate, and
 * the client certificate validation the listener asks for. */
void gs_gw_tls_switch_ctx(SSL *ssl, SSL_CTX *ctx);

/* A server SSL_CTX with ALPN (h2, http/1.1) whose certificate is chosen by |on_sni|; the
 * callback's |arg| is the ex_data given to SSL objects. */
SSL_CTX *gs_gw_tls_server_ctx(int (*on_sni)(SSL *ssl, int *alert, void *arg), void *arg);

#endif
