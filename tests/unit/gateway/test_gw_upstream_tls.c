/* SPDX-License-Identifier: MIT */
/* TLS to backends (BackendTLSPolicy, docs/l4.md): the name check on its own (hostname without
 * SANs, wildcards, Hostname and URI SANs, the hostname not authenticating once SANs are given),
 * then the upstream client against a real gatesim-echo serving HTTPS with a leaf of a test CA
 * for abc.example.com and spiffe://abc.example.com/id: the right CA and hostname answer 200
 * with the SNI the echo saw, over HTTP/1.1 (the connection reused for a second call) and over
 * h2 (ALPN); a CA that did not sign the leaf, a hostname or SANs the leaf does not carry, and a
 * plaintext backend end the call with GS_ERR_TLS, counted as tls_failures; a backend that
 * requires a client certificate is served only with one of its CA, which it echoes. */
#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_gw_endpoints.h"
#include "gs_gw_upstream.h"
#include "gs_proc.h"
#include "gs_test.h"
#include "gs_time.h"
#include "gs_tls.h"

#include <event2/event.h>
#include <openssl/pem.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the name check ------------------------------------------------------------------------ */

static X509 *leaf_of(const gs_tls_pem *ca, const char *const *names, size_t n)
{
    gs_tls_pem leaf = {0};
    ck_assert_int_eq(gs_tls_leaf_generate(&leaf, ca, names, n, NULL), 0);
    BIO *b = BIO_new_mem_buf(leaf.cert, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    gs_tls_pem_clear(&leaf);
    ck_assert_ptr_nonnull(x);
    return x;
}

START_TEST(names_by_hostname_and_sans)
{
    gs_tls_pem ca = {0};
    ck_assert_int_eq(gs_tls_ca_generate(&ca, "names CA", NULL), 0);
    const char *names[] = {"abc.example.com", "*.wild.example.com", "spiffe://abc.example.com/id"};
    X509 *x = leaf_of(&ca, names, 3);
    /* no SANs: the hostname */
    ck_assert(gs_gw_upstream_tls_names_ok(x, "abc.example.com", NULL, 0, NULL, 0));
    ck_assert(gs_gw_upstream_tls_names_ok(x, "ABC.example.com", NULL, 0, NULL, 0));
    ck_assert(gs_gw_upstream_tls_names_ok(x, "x.wild.example.com", NULL, 0, NULL, 0));
    ck_assert(!gs_gw_upstream_tls_names_ok(x, "a.b.wild.example.com", NULL, 0, NULL, 0));
    ck_assert(!gs_gw_upstream_tls_names_ok(x, "mismatch.example.com", NULL, 0, NULL, 0));
    ck_assert(!gs_gw_upstream_tls_names_ok(x, NULL, NULL, 0, NULL, 0));
    /* SANs: the hostname no longer authenticates */
    const char *dce[] = {"dce.example.com"}, *abc[] = {"abc.example.com"};
    ck_assert(!gs_gw_upstream_tls_names_ok(x, "abc.example.com", dce, 1, NULL, 0));
    ck_assert(gs_gw_upstream_tls_names_ok(x, "mismatch.example.com", abc, 1, NULL, 0));
    const char *uri[] = {"spiffe://abc.example.com/id"}, *other[] = {"spiffe://abc.example.com/i"},
               *def[] = {"spiffe://def.example.com/id"};
    ck_assert(gs_gw_upstream_tls_names_ok(x, "abc.example.com", NULL, 0, uri, 1));
    ck_assert(!gs_gw_upstream_tls_names_ok(x, "abc.example.com", NULL, 0, other, 1));
    ck_assert(!gs_gw_upstream_tls_names_ok(x, "abc.example.com", NULL, 0, def, 1));
    /* a URI is not a DNS name and the other way round */
    ck_assert(!gs_gw_upstream_tls_names_ok(x, "x", uri, 1, NULL, 0));
    ck_assert(!gs_gw_upstream_tls_names_ok(x, "x", NULL, 0, abc, 1));
    /* any one of several */
    ck_assert(gs_gw_upstream_tls_names_ok(x, "x", dce, 1, uri, 1));
    ck_assert(!gs_gw_upstream_tls_names_ok(x, "x", dce, 1, def, 1));
    X509_free(x);
    gs_tls_pem_clear(&ca);
}
END_TEST

/* ---- the client against gatesim-echo ------------------------------------------------------- */

static gs_proc *echo_proc;
static char echo_tls[64], echo_plain[64], dir[64];
static gs_tls_pem ca, other_ca;

/* Starts the echo; with |require_client| it asks clients for a certificate of |ca| and refuses
 * a handshake without one (--client-ca, --require-client-cert). */
static void echo_start_with(bool require_client)
{
    snprintf(dir, sizeof(dir), "/tmp/gs-upstls-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(gs_tls_ca_generate(&ca, "backend CA", NULL), 0);
    ck_assert_int_eq(gs_tls_ca_generate(&other_ca, "unrelated CA", NULL), 0);
    const char *names[] = {"abc.example.com", "spiffe://abc.example.com/id"};
    gs_tls_pem leaf = {0};
    ck_assert_int_eq(gs_tls_leaf_generate(&leaf, &ca, names, 2, NULL), 0);
    char cert[128], key[128];
    snprintf(cert, sizeof(cert), "%s/tls.crt", dir);
    snprintf(key, sizeof(key), "%s/tls.key", dir);
    ck_assert_int_eq(gs_tls_pem_write(&leaf, cert, key, NULL), 0);
    gs_tls_pem_clear(&leaf);
    char ca_path[128];
    snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", dir);
    ck_assert_int_eq(gs_tls_pem_write(&ca, ca_path, NULL, NULL), 0);
    const char *argv[] = {gs_test_built("backends/gatesim-echo"),
                          "--service",
                          "default/secure",
                          "--listen",
                          "127.0.0.1:0",
                          "--tls-listen",
                          "127.0.0.1:0",
                          "--cert",
                          cert,
                          "--key",
                          key,
                          "--quiet",
                          require_client ? "--client-ca" : NULL,
                          ca_path,
                          "--require-client-cert",
                          NULL};
    gs_proc_opts o = {.capture_stdout = true};
    gs_error err = {0};
    ck_assert_msg(gs_proc_spawn(&echo_proc, argv, &o, &err) == 0, "%s", err.msg);
    gs_json_value *v = NULL;
    ck_assert_msg(gs_proc_wait_ready(echo_proc, gs_now_ns() + 10 * GS_NS_PER_S, &v, &err) == 0,
                  "%s", err.msg);
    const char *tls = gs_json_get_string(v, "tlsListen", NULL);
    const char *plain = gs_json_get_string(v, "listen", NULL);
    ck_assert_ptr_nonnull(tls);
    ck_assert_ptr_nonnull(plain);
    snprintf(echo_tls, sizeof(echo_tls), "%s", tls);
    snprintf(echo_plain, sizeof(echo_plain), "%s", plain);
    gs_json_value_free(v);
}

static void echo_start(void)
{
    echo_start_with(false);
}

static void echo_stop(void)
{
    int st = 0;
    gs_proc_stop(echo_proc, GS_NS_PER_S, &st);
    gs_proc_free(echo_proc);
    echo_proc = NULL;
    char path[128];
    snprintf(path, sizeof(path), "%s/tls.crt", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/tls.key", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/ca.pem", dir);
    unlink(path);
    rmdir(dir);
    gs_tls_pem_clear(&ca);
    gs_tls_pem_clear(&other_ca);
}

typedef struct result {
    bool done;
    int err;
    int status;
    char *body;
} result;

static void on_done(void *arg, int err, gs_gw_response *resp)
{
    result *r = arg;
    r->done = true;
    r->err = err;
    if (resp) {
        r->status = resp->status;
        r->body = gs_xstrdup(resp->body.data ? resp->body.data : "");
    }
}

typedef struct env {
    struct event_base *base;
    gs_gw_limits lim;
    gs_gw_upstream *u;
    gs_gw_endpoints eps;
    gs_gw_request req;
} env;

static void env_start(env *e)
{
    memset(e, 0, sizeof(*e));
    e->base = event_base_new();
    gs_gw_limits_defaults(&e->lim);
    ck_assert_int_eq(gs_gw_upstream_new(&e->u, e->base, &e->lim), 0);
    char spec[128];
    snprintf(spec, sizeof(spec), "default/secure:443=%s", echo_tls);
    ck_assert_int_eq(gs_gw_endpoints_add_spec(&e->eps, spec, NULL), 0);
    snprintf(spec, sizeof(spec), "default/plain:80=%s", echo_plain);
    ck_assert_int_eq(gs_gw_endpoints_add_spec(&e->eps, spec, NULL), 0);
    e->req.method = gs_xstrdup("GET");
    e->req.scheme = gs_xstrdup("http");
    e->req.authority = gs_xstrdup("front.example.com");
    e->req.target = gs_xstrdup("/tls");
}

static void env_end(env *e)
{
    gs_gw_request_clear(&e->req);
    gs_gw_upstream_free(e->u);
    gs_gw_endpoints_clear(&e->eps);
    event_base_free(e->base);
}

/* One call to Service |svc| with |tls| presenting |client|, run to its end (at most 5 s). */
static void call_as(env *e, const char *svc, bool h2, const gs_rt_backend_tls *tls,
                    const gs_rt_cert *client, result *r)
{
    memset(r, 0, sizeof(*r));
    gs_gw_service *s =
        gs_gw_endpoints_find(&e->eps, "default", svc, strcmp(svc, "plain") ? 443 : 80);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(gs_gw_upstream_send(e->u, gs_gw_service_next(s), h2, tls, client, &e->req,
                                         on_done, r, NULL),
                     0);
    int64_t end = gs_now_ns() + 5 * GS_NS_PER_S;
    while (!r->done && gs_now_ns() < end) {
        event_base_loop(e->base, EVLOOP_NONBLOCK);
        poll(NULL, 0, 1);
    }
    ck_assert_msg(r->done, "the call did not end in 5 s");
}

static void call(env *e, const char *svc, bool h2, const gs_rt_backend_tls *tls, result *r)
{
    call_as(e, svc, h2, tls, NULL, r);
}

static void result_clear(result *r)
{
    free(r->body);
    r->body = NULL;
}

START_TEST(verified_backend_h1_and_h2)
{
    echo_start();
    env e;
    env_start(&e);
    gs_rt_backend_tls tls = {
        .policy = "default/p", .hostname = "abc.example.com", .ca_pem = ca.cert};
    result r;
    call(&e, "secure", false, &tls, &r);
    ck_assert_int_eq(r.err, 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"serverName\":\"abc.example.com\""));
    ck_assert_ptr_nonnull(strstr(r.body, "\"negotiatedProtocol\":\"http/1.1\""));
    result_clear(&r);
    /* the same settings again: the pooled TLS connection carries it */
    call(&e, "secure", false, &tls, &r);
    ck_assert_int_eq(r.status, 200);
    result_clear(&r);
    const gs_gw_upstream_stats *st = gs_gw_upstream_get_stats(e.u);
    ck_assert_uint_eq(st->connects, 1);
    ck_assert_uint_eq(st->reuses, 1);
    /* h2 over TLS (ALPN h2), twice on one session */
    call(&e, "secure", true, &tls, &r);
    ck_assert_int_eq(r.err, 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"negotiatedProtocol\":\"h2\""));
    ck_assert_ptr_nonnull(strstr(r.body, "\"serverName\":\"abc.example.com\""));
    result_clear(&r);
    call(&e, "secure", true, &tls, &r);
    ck_assert_int_eq(r.status, 200);
    result_clear(&r);
    ck_assert_uint_eq(st->connects, 2);
    /* SANs: a URI the leaf carries, with a hostname it does not (only the SNI) */
    const char *uri[] = {"spiffe://abc.example.com/id"};
    gs_rt_backend_tls by_uri = {
        .hostname = "sni-only.example.com", .ca_pem = ca.cert, .san_uris = uri, .n_san_uris = 1};
    call(&e, "secure", false, &by_uri, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"serverName\":\"sni-only.example.com\""));
    result_clear(&r);
    ck_assert_uint_eq(st->tls_failures, 0);
    env_end(&e);
    echo_stop();
}
END_TEST

START_TEST(unverified_backends_fail_closed)
{
    echo_start();
    env e;
    env_start(&e);
    result r;
    /* a CA that did not sign the leaf */
    gs_rt_backend_tls wrong_ca = {.hostname = "abc.example.com", .ca_pem = other_ca.cert};
    call(&e, "secure", false, &wrong_ca, &r);
    ck_assert_int_eq(r.err, GS_ERR_TLS);
    /* a hostname the leaf does not carry (SNI mismatch) */
    gs_rt_backend_tls wrong_host = {.hostname = "mismatch.example.com", .ca_pem = ca.cert};
    call(&e, "secure", false, &wrong_host, &r);
    ck_assert_int_eq(r.err, GS_ERR_TLS);
    call(&e, "secure", true, &wrong_host, &r);
    ck_assert_int_eq(r.err, GS_ERR_TLS);
    /* SANs the leaf does not carry, though the hostname is on it */
    const char *dce[] = {"dce.example.com"}, *def[] = {"spiffe://def.example.com/id"};
    gs_rt_backend_tls wrong_san = {.hostname = "abc.example.com",
                                   .ca_pem = ca.cert,
                                   .san_hosts = dce,
                                   .n_san_hosts = 1,
                                   .san_uris = def,
                                   .n_san_uris = 1};
    call(&e, "secure", false, &wrong_san, &r);
    ck_assert_int_eq(r.err, GS_ERR_TLS);
    /* a CA PEM that is no certificate: no context, the call fails */
    gs_rt_backend_tls bad_pem = {.hostname = "abc.example.com", .ca_pem = "not a certificate"};
    call(&e, "secure", false, &bad_pem, &r);
    ck_assert_int_eq(r.err, GS_ERR_TLS);
    /* a plaintext backend: the handshake fails */
    gs_rt_backend_tls right = {.hostname = "abc.example.com", .ca_pem = ca.cert};
    call(&e, "plain", false, &right, &r);
    ck_assert_int_eq(r.err, GS_ERR_TLS);
    const gs_gw_upstream_stats *st = gs_gw_upstream_get_stats(e.u);
    ck_assert_uint_eq(st->tls_failures, 6);
    /* and the right settings still work on the same upstream */
    call(&e, "secure", false, &right, &r);
    ck_assert_int_eq(r.status, 200);
    result_clear(&r);
    env_end(&e);
    echo_stop();
}
END_TEST

/* A backend that requires a client certificate (the Gateway's spec.tls.backend): refused
 * without one and with one of a CA it does not trust; served, over HTTP/1.1 and h2, with one of
 * its CA, which it echoes; a call without the certificate does not reuse the pool of calls
 * with it (one client context and pool per settings and certificate). */
START_TEST(client_certificate_presented)
{
    echo_start_with(true);
    env e;
    env_start(&e);
    gs_tls_pem mine = {0}, stranger = {0};
    const char *names[] = {"gateway.example.com"};
    ck_assert_int_eq(gs_tls_leaf_generate(&mine, &ca, names, 1, NULL), 0);
    ck_assert_int_eq(gs_tls_leaf_generate(&stranger, &other_ca, names, 1, NULL), 0);
    gs_rt_cert cert = {"default", "client", mine.cert, mine.key};
    gs_rt_cert bad = {"default", "stranger", stranger.cert, stranger.key};
    gs_rt_backend_tls tls = {.hostname = "abc.example.com", .ca_pem = ca.cert};
    result r;
    call_as(&e, "secure", false, &tls, &cert, &r);
    ck_assert_int_eq(r.err, 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"peerCertificates\":[\"-----BEGIN CERTIFICATE-----"));
    result_clear(&r);
    call_as(&e, "secure", true, &tls, &cert, &r);
    ck_assert_int_eq(r.err, 0);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"negotiatedProtocol\":\"h2\""));
    ck_assert_ptr_nonnull(strstr(r.body, "\"peerCertificates\""));
    result_clear(&r);
    const gs_gw_upstream_stats *st = gs_gw_upstream_get_stats(e.u);
    ck_assert_uint_eq(st->connects, 2);
    /* no certificate: the backend refuses, the pooled connection with one is not used */
    call(&e, "secure", false, &tls, &r);
    ck_assert_int_ne(r.status, 200);
    ck_assert_int_ne(r.err, 0);
    result_clear(&r);
    ck_assert_uint_eq(st->reuses, 0);
    /* a certificate of a CA the backend does not trust: refused too */
    call_as(&e, "secure", false, &tls, &bad, &r);
    ck_assert_int_ne(r.status, 200);
    ck_assert_int_ne(r.err, 0);
    result_clear(&r);
    /* and the right one still works, on the pooled connection */
    call_as(&e, "secure", false, &tls, &cert, &r);
    ck_assert_int_eq(r.status, 200);
    result_clear(&r);
    ck_assert_uint_eq(st->reuses, 1);
    gs_tls_pem_clear(&mine);
    gs_tls_pem_clear(&stranger);
    env_end(&e);
    echo_stop();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gw_upstream_tls");
    TCase *tc = tcase_create("gw_upstream_tls");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, names_by_hostname_and_sans);
    tcase_add_test(tc, verified_backend_h1_and_h2);
    tcase_add_test(tc, unverified_backends_fail_closed);
    tcase_add_test(tc, client_certificate_presented);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
