/* SPDX-License-Identifier: MIT */
/* The ClientHello reader: a real OpenSSL ClientHello (SNI, ALPN), every truncation of it,
 * one split over two records, no SNI, and hostile inputs (not TLS, lying lengths, oversized,
 * too many records, duplicate extensions, SNI that is not a host name). */
#include "gs_error.h"
#include "gs_test.h"
#include "gs_tls_hello.h"

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <string.h>

/* The first flight of an OpenSSL client offering |sni| (NULL: none) and ALPN h2. */
static size_t real_hello(const char *sni, uint8_t *out, size_t cap)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = SSL_new(ctx);
    BIO *rd = BIO_new(BIO_s_mem()), *wr = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, rd, wr);
    if (sni != NULL)
        SSL_set_tlsext_host_name(ssl, sni);
    static const unsigned char alpn[] = {2, 'h', '2'};
    SSL_set_alpn_protos(ssl, alpn, sizeof alpn);
    SSL_set_connect_state(ssl);
    ck_assert_int_le(SSL_do_handshake(ssl), 0); /* wants to read the server's answer */
    int n = BIO_read(wr, out, (int)cap);
    ck_assert_int_gt(n, 0);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return (size_t)n;
}

/* A ClientHello built by hand around |exts| (|exts_len| bytes of extensions), in one record. */
static size_t hand_hello(const uint8_t *exts, size_t exts_len, uint8_t *out)
{
    size_t body = 2 + 32 + 1 + 2 + 2 + 1 + 1 + 2 + exts_len;
    uint8_t *p = out;
    size_t rec = 4 + body;
    *p++ = 22;
    *p++ = 3;
    *p++ = 1;
    *p++ = (uint8_t)(rec >> 8);
    *p++ = (uint8_t)rec;
    *p++ = 1;
    *p++ = 0;
    *p++ = (uint8_t)(body >> 8);
    *p++ = (uint8_t)body;
    *p++ = 3;
    *p++ = 3;
    memset(p, 0xab, 32);
    p += 32;
    *p++ = 0; /* session id */
    *p++ = 0; /* suites: 2 bytes */
    *p++ = 2;
    *p++ = 0x13;
    *p++ = 0x01;
    *p++ = 1; /* compression: null */
    *p++ = 0;
    *p++ = (uint8_t)(exts_len >> 8);
    *p++ = (uint8_t)exts_len;
    memcpy(p, exts, exts_len);
    p += exts_len;
    return (size_t)(p - out);
}

/* A server_name extension naming |name| (length |n|). */
static size_t sni_ext(const char *name, size_t n, uint8_t *out)
{
    size_t list = 3 + n;
    out[0] = 0;
    out[1] = 0;
    out[2] = (uint8_t)((list + 2) >> 8);
    out[3] = (uint8_t)(list + 2);
    out[4] = (uint8_t)(list >> 8);
    out[5] = (uint8_t)list;
    out[6] = 0;
    out[7] = (uint8_t)(n >> 8);
    out[8] = (uint8_t)n;
    memcpy(out + 9, name, n);
    return 9 + n;
}

START_TEST(real_client_hello)
{
    uint8_t buf[8192];
    size_t n = real_hello("App.Example.com", buf, sizeof buf);
    gs_tls_hello h;
    const char *why = NULL;
    ck_assert_int_eq(gs_tls_hello_parse(buf, n, &h, &why), 0);
    ck_assert(h.has_sni);
    ck_assert_str_eq(h.sni, "app.example.com");
    ck_assert(h.has_alpn);
    ck_assert_uint_eq(h.version, 0x0303);
    ck_assert_uint_eq(h.record_bytes, n);
    /* Every proper prefix asks for more, never succeeds or fails. */
    for (size_t k = 0; k < n; k++)
        ck_assert_msg(gs_tls_hello_parse(buf, k, &h, &why) == GS_ERR_INCOMPLETE,
                      "prefix %zu of %zu: %s", k, n, why);
    /* Bytes after it (the client's next flight) are not its business. */
    buf[n] = 0x17;
    ck_assert_int_eq(gs_tls_hello_parse(buf, n + 1, &h, &why), 0);
    ck_assert_uint_eq(h.record_bytes, n);

    n = real_hello(NULL, buf, sizeof buf);
    ck_assert_int_eq(gs_tls_hello_parse(buf, n, &h, &why), 0);
    ck_assert(!h.has_sni);
    ck_assert_str_eq(h.sni, "");
}
END_TEST

START_TEST(split_over_two_records)
{
    uint8_t one[8192], two[8300];
    size_t n = real_hello("split.example.com", one, sizeof one);
    size_t frag = n - 5, first = frag / 3;
    /* record 1: the first third of the handshake bytes; record 2: the rest */
    memcpy(two, one, 5);
    two[3] = (uint8_t)(first >> 8);
    two[4] = (uint8_t)first;
    memcpy(two + 5, one + 5, first);
    uint8_t *r2 = two + 5 + first;
    memcpy(r2, one, 5);
    r2[3] = (uint8_t)((frag - first) >> 8);
    r2[4] = (uint8_t)(frag - first);
    memcpy(r2 + 5, one + 5 + first, frag - first);
    size_t total = n + 5;
    gs_tls_hello h;
    ck_assert_int_eq(gs_tls_hello_parse(two, total, &h, NULL), 0);
    ck_assert_str_eq(h.sni, "split.example.com");
    ck_assert_uint_eq(h.record_bytes, total);
    for (size_t k = 0; k < total; k++)
        ck_assert_int_eq(gs_tls_hello_parse(two, k, &h, NULL), GS_ERR_INCOMPLETE);
}
END_TEST

START_TEST(hostile_inputs)
{
    gs_tls_hello h;
    const char *why = NULL;
    static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    ck_assert_int_eq(gs_tls_hello_parse(http, sizeof http - 1, &h, &why), GS_ERR_PARSE);
    ck_assert_str_eq(why, "not a TLS handshake record");
    ck_assert_int_eq(gs_tls_hello_parse(http, 1, &h, &why), GS_ERR_PARSE);
    ck_assert_int_eq(gs_tls_hello_parse(http, 0, &h, &why), GS_ERR_INCOMPLETE);

    uint8_t buf[40000], ext[600];
    size_t n = hand_hello(ext, sni_ext("a.example.com", 13, ext), buf);
    ck_assert_int_eq(gs_tls_hello_parse(buf, n, &h, &why), 0);
    ck_assert_str_eq(h.sni, "a.example.com");
    ck_assert(!h.has_alpn);

    /* the handshake length claims more than the record holds, then the next "record" is junk */
    uint8_t lie[sizeof buf];
    memcpy(lie, buf, n);
    lie[8] = (uint8_t)(lie[8] + 10);
    lie[n] = 0x17;
    memset(lie + n + 1, 0, 4);
    ck_assert_int_eq(gs_tls_hello_parse(lie, n + 5, &h, &why), GS_ERR_PARSE);

    /* an extension length running past the end of the block */
    size_t e = sni_ext("a.example.com", 13, ext);
    ext[3] = 200;
    n = hand_hello(ext, e, buf);
    ck_assert_int_eq(gs_tls_hello_parse(buf, n, &h, &why), GS_ERR_PARSE);

    /* two server_name extensions */
    e = sni_ext("a.example.com", 13, ext);
    e += sni_ext("b.example.com", 13, ext + e);
    n = hand_hello(ext, e, buf);
    ck_assert_int_eq(gs_tls_hello_parse(buf, n, &h, &why), GS_ERR_PARSE);
    ck_assert_str_eq(why, "duplicate extension");

    /* names that are not host names */
    static const char *const bad_names[] = {"a b.com", "a.com.", "a\x01.com", "\xc3\xa9.com"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        n = hand_hello(ext, sni_ext(bad_names[i], strlen(bad_names[i]), ext), buf);
        ck_assert_int_eq(gs_tls_hello_parse(buf, n, &h, &why), GS_ERR_PARSE);
    }
    n = hand_hello(ext, sni_ext("", 0, ext), buf);
    ck_assert_int_eq(gs_tls_hello_parse(buf, n, &h, &why), GS_ERR_PARSE);

    /* an oversized ClientHello: the handshake header says 20,000 bytes */
    n = hand_hello(ext, sni_ext("a.example.com", 13, ext), buf);
    buf[6] = 0;
    buf[7] = 0x4e;
    buf[8] = 0x20;
    ck_assert_int_eq(gs_tls_hello_parse(buf, 9, &h, &why), GS_ERR_RANGE);

    /* a record length over 2^14 */
    buf[3] = 0x40;
    buf[4] = 0x01;
    ck_assert_int_eq(gs_tls_hello_parse(buf, 5, &h, &why), GS_ERR_PARSE);

    /* five records of one byte each: more records than a ClientHello may take */
    uint8_t tiny[64];
    for (int r = 0; r < 5; r++) {
        uint8_t *p = tiny + r * 6;
        p[0] = 22;
        p[1] = 3;
        p[2] = 1;
        p[3] = 0;
        p[4] = 1;
        p[5] = r == 0 ? 1 : r == 3 ? 0x10 : 0; /* type 1, body length 16 */
    }
    ck_assert_int_eq(gs_tls_hello_parse(tiny, 30, &h, &why), GS_ERR_RANGE);

    /* a ServerHello (handshake type 2) is not a ClientHello */
    n = hand_hello(ext, 0, buf);
    buf[5] = 2;
    ck_assert_int_eq(gs_tls_hello_parse(buf, n, &h, &why), GS_ERR_PARSE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tls_hello");
    TCase *tc = tcase_create("tls_hello");
    tcase_add_test(tc, real_client_hello);
    tcase_add_test(tc, split_over_two_records);
    tcase_add_test(tc, hostile_inputs);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
