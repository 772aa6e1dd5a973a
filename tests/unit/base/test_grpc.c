/* SPDX-License-Identifier: MIT */
/* gs_grpc + gs_pb: framing edge cases, status mapping, grpc-message escaping, protobuf
 * primitives against known encodings, and the EchoResponse round trip. */
#include "gs_error.h"
#include "gs_grpc.h"
#include "gs_pb.h"
#include "gs_test.h"

#include <string.h>

START_TEST(frame_roundtrip_and_errors)
{
    gs_buf b = {0};
    gs_grpc_frame_write(&b, "hello", 5);
    ck_assert_uint_eq(b.len, 10);
    ck_assert_mem_eq(b.data, "\0\0\0\0\5hello", 10);
    const uint8_t *msg;
    size_t n;
    bool comp = true;
    ck_assert_int_eq(gs_grpc_frame_parse(b.data, b.len, &msg, &n, &comp, 0), 10);
    ck_assert_uint_eq(n, 5);
    ck_assert(!comp);
    ck_assert_mem_eq(msg, "hello", 5);
    for (size_t cut = 0; cut < 10; cut++)
        ck_assert_int_eq(gs_grpc_frame_parse(b.data, cut, &msg, &n, &comp, 0), GS_ERR_INCOMPLETE);
    ck_assert_int_eq(gs_grpc_frame_parse(b.data, b.len, &msg, &n, &comp, 4), GS_ERR_RANGE);
    ck_assert_int_eq(gs_grpc_frame_parse("\2\0\0\0\0", 5, &msg, &n, &comp, 0), GS_ERR_PARSE);
    ck_assert_int_eq(gs_grpc_frame_parse("\1\0\0\0\0", 5, &msg, &n, &comp, 0), 5);
    ck_assert(comp);
    ck_assert_int_eq(gs_grpc_frame_parse("\0\xff\0\0\0", 5, &msg, &n, &comp, 0), GS_ERR_RANGE);
    gs_buf_clear(&b);
}
END_TEST

START_TEST(status_helpers)
{
    ck_assert_str_eq(gs_grpc_code_name(0), "OK");
    ck_assert_str_eq(gs_grpc_code_name(14), "UNAVAILABLE");
    ck_assert_str_eq(gs_grpc_code_name(16), "UNAUTHENTICATED");
    ck_assert_str_eq(gs_grpc_code_name(99), "UNKNOWN");
    ck_assert_int_eq(gs_grpc_code_from_http(404), GS_GRPC_UNIMPLEMENTED);
    ck_assert_int_eq(gs_grpc_code_from_http(503), GS_GRPC_UNAVAILABLE);
    ck_assert_int_eq(gs_grpc_code_from_http(400), GS_GRPC_INTERNAL);
    ck_assert_int_eq(gs_grpc_code_from_http(500), GS_GRPC_UNKNOWN);
    gs_buf b = {0};
    gs_grpc_message_encode(&b, "50% off\ncaf\xc3\xa9", 13);
    ck_assert_str_eq(b.data, "50%25 off%0Acaf%C3%A9");
    gs_buf d = {0};
    gs_grpc_message_decode(&d, b.data, b.len);
    ck_assert_str_eq(d.data, "50% off\ncaf\xc3\xa9");
    gs_buf_reset(&d);
    gs_grpc_message_decode(&d, "bad %zz and %4", 14);
    ck_assert_str_eq(d.data, "bad %zz and %4");
    gs_buf_clear(&b);
    gs_buf_clear(&d);
}
END_TEST

START_TEST(pb_primitives)
{
    gs_buf b = {0};
    gs_pb_put_uint(&b, 1, 150);
    ck_assert_mem_eq(b.data, "\x08\x96\x01", 3); /* the protobuf documentation's example */
    gs_buf_reset(&b);
    gs_pb_put_string(&b, 2, "testing");
    ck_assert_mem_eq(b.data, "\x12\x07testing", 9);
    gs_pb_put_string(&b, 3, ""); /* proto3 default: omitted */
    ck_assert_uint_eq(b.len, 9);
    gs_pb_put_uint(&b, 536870911, UINT64_MAX);
    gs_pb_reader r;
    gs_pb_field f;
    gs_pb_reader_init(&r, b.data, b.len);
    ck_assert_int_eq(gs_pb_next(&r, &f), 1);
    ck_assert_uint_eq(f.number, 2);
    ck_assert_int_eq(f.wire, GS_PB_LEN);
    ck_assert_mem_eq(f.data, "testing", 7);
    ck_assert_int_eq(gs_pb_next(&r, &f), 1);
    ck_assert_uint_eq(f.number, 536870911);
    ck_assert(f.varint == UINT64_MAX);
    ck_assert_int_eq(gs_pb_next(&r, &f), 0);

    static const char *const bad[] = {"\x08",
                                      ("\x12\x05"
                                       "abc"),
                                      "\x00\x01",
                                      "\x0b",
                                      "\x0d\x01\x02",
                                      "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"};
    static const size_t bad_len[] = {1, 5, 2, 1, 3, 12};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        gs_pb_reader_init(&r, bad[i], bad_len[i]);
        ck_assert_msg(gs_pb_next(&r, &f) == GS_ERR_PARSE, "case %zu", i);
    }
    gs_buf_clear(&b);
}
END_TEST

/* A Header{key, value} of the conformance suite's Assertions, appended to |a|. */
static void conf_header(gs_buf *a, const char *key, const char *value)
{
    gs_buf h = {0};
    gs_pb_put_string(&h, 1, key);
    gs_pb_put_string(&h, 2, value);
    gs_pb_put_bytes(a, 2, h.data, h.len);
    gs_buf_clear(&h);
}

START_TEST(conformance_echo_decoded)
{
    /* The upstream suite's EchoResponse{assertions = 1, request = 2}, written field by field. */
    gs_buf a = {0}, sub = {0}, msg = {0};
    gs_pb_put_string(&a, 1, "/" GS_GRPC_CONFORMANCE_SERVICE "/Echo");
    conf_header(&a, ":authority", "grpc.example.com");
    conf_header(&a, "x-multi", "one");
    conf_header(&a, "content-type", "application/grpc");
    conf_header(&a, "x-multi", "two");
    gs_pb_put_string(&a, 3, "grpc.example.com");
    gs_pb_put_string(&sub, 1, "infra");
    gs_pb_put_string(&sub, 2, "ignored-ingress");
    gs_pb_put_string(&sub, 3, "grpc-echo");
    gs_pb_put_string(&sub, 4, "grpc-echo-0");
    gs_pb_put_bytes(&a, 4, sub.data, sub.len);
    gs_buf_reset(&sub);
    gs_pb_put_string(&sub, 1, "TLSv1.3");
    gs_pb_put_string(&sub, 2, "h2");
    gs_pb_put_string(&sub, 3, "sni.example.com");
    gs_pb_put_string(&sub, 4, "TLS_AES_128_GCM_SHA256");
    gs_pb_put_bytes(&a, 5, sub.data, sub.len);
    gs_pb_put_bytes(&msg, 1, a.data, a.len);
    gs_pb_put_bytes(&msg, 2, "", 0);

    gs_grpc_echo out;
    ck_assert_int_eq(gs_grpc_conformance_echo_decode(&out, msg.data, msg.len), 0);
    ck_assert_str_eq(out.path, "/" GS_GRPC_CONFORMANCE_SERVICE "/Echo");
    ck_assert_str_eq(out.host, "grpc.example.com");
    ck_assert_str_eq(out.method, ""); /* that format has none */
    ck_assert_str_eq(out.ns, "infra");
    ck_assert_str_eq(out.service, "grpc-echo");
    ck_assert_str_eq(out.pod, "grpc-echo-0");
    ck_assert_str_eq(out.backend, "infra/grpc-echo/grpc-echo-0");
    ck_assert(out.has_tls);
    ck_assert_str_eq(out.tls_version, "TLSv1.3");
    ck_assert_str_eq(out.tls_negotiated_protocol, "h2");
    ck_assert_str_eq(out.tls_server_name, "sni.example.com");
    ck_assert_str_eq(out.tls_cipher_suite, "TLS_AES_128_GCM_SHA256");
    /* Repeated keys are grouped in first-seen order, values in the order they came. */
    ck_assert_uint_eq(out.n_headers, 3);
    ck_assert_str_eq(out.headers[0].name, ":authority");
    ck_assert_str_eq(out.headers[1].name, "x-multi");
    ck_assert_uint_eq(out.headers[1].n_values, 2);
    ck_assert_str_eq(out.headers[1].values[0], "one");
    ck_assert_str_eq(out.headers[1].values[1], "two");
    ck_assert_str_eq(gs_grpc_echo_header_find(&out, "content-type")->values[0],
                     "application/grpc");
    gs_grpc_echo_free(&out);

    /* A header that is not a message, and a truncated reply, are parse errors. */
    gs_buf_reset(&a);
    gs_pb_put_uint(&a, 2, 7);
    gs_buf_reset(&msg);
    gs_pb_put_bytes(&msg, 1, a.data, a.len);
    ck_assert_int_eq(gs_grpc_conformance_echo_decode(&out, msg.data, msg.len), GS_ERR_PARSE);
    ck_assert_int_eq(gs_grpc_conformance_echo_decode(&out, "\x0a\x05" "ab", 4), GS_ERR_PARSE);
    gs_buf_clear(&a);
    gs_buf_clear(&sub);
    gs_buf_clear(&msg);
}
END_TEST

START_TEST(echo_roundtrip)
{
    const char *accept[] = {"a", "b"};
    const char *te[] = {"trailers"};
    gs_grpc_echo_header headers[] = {{"accept", accept, 2}, {"te", te, 1}, {"empty", NULL, 0}};
    gs_grpc_echo in = {
        .path = "/foo.v1.Shop/Get",
        .host = "grpc.example.com",
        .method = "POST",
        .proto = "HTTP/2.0",
        .headers = headers,
        .n_headers = 3,
        .ns = "default",
        .service = "shop",
        .pod = "shop-1",
        .has_tls = true,
        .tls_version = "TLSv1.3",
        .tls_server_name = "grpc.example.com",
        .tls_negotiated_protocol = "h2",
        .tls_cipher_suite = "TLS_AES_128_GCM_SHA256",
        .tls_peer_certificate = "-----BEGIN CERTIFICATE-----\n",
        .request = (const uint8_t *)"\x0a\x02hi",
        .request_len = 4,
        .backend = "default/shop/shop-1",
    };
    gs_buf b = {0};
    gs_grpc_echo_encode(&in, &b);
    gs_grpc_echo out;
    ck_assert_int_eq(gs_grpc_echo_decode(&out, b.data, b.len), 0);
    ck_assert_str_eq(out.path, "/foo.v1.Shop/Get");
    ck_assert_str_eq(out.host, "grpc.example.com");
    ck_assert_str_eq(out.method, "POST");
    ck_assert_str_eq(out.proto, "HTTP/2.0");
    ck_assert_str_eq(out.ns, "default");
    ck_assert_str_eq(out.service, "shop");
    ck_assert_str_eq(out.pod, "shop-1");
    ck_assert_str_eq(out.backend, "default/shop/shop-1");
    ck_assert(out.has_tls);
    ck_assert_str_eq(out.tls_server_name, "grpc.example.com");
    ck_assert_str_eq(out.tls_negotiated_protocol, "h2");
    ck_assert_str_eq(out.tls_cipher_suite, "TLS_AES_128_GCM_SHA256");
    ck_assert_str_eq(out.tls_peer_certificate, "-----BEGIN CERTIFICATE-----\n");
    ck_assert_uint_eq(out.request_len, 4);
    ck_assert_mem_eq(out.request, "\x0a\x02hi", 4);
    ck_assert_uint_eq(out.n_headers, 3);
    const gs_grpc_echo_header *h = gs_grpc_echo_header_find(&out, "accept");
    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(h->n_values, 2);
    ck_assert_str_eq(h->values[0], "a");
    ck_assert_str_eq(h->values[1], "b");
    h = gs_grpc_echo_header_find(&out, "te");
    ck_assert_uint_eq(h->n_values, 1);
    ck_assert_str_eq(h->values[0], "trailers");
    ck_assert_uint_eq(gs_grpc_echo_header_find(&out, "empty")->n_values, 0);
    ck_assert_ptr_null(gs_grpc_echo_header_find(&out, "missing"));
    gs_grpc_echo_free(&out);

    /* Absent fields decode as ""; no TLS stays no TLS. */
    gs_grpc_echo plain = {.path = "/x/y"};
    gs_buf_reset(&b);
    gs_grpc_echo_encode(&plain, &b);
    ck_assert_int_eq(gs_grpc_echo_decode(&out, b.data, b.len), 0);
    ck_assert_str_eq(out.path, "/x/y");
    ck_assert_str_eq(out.pod, "");
    ck_assert_str_eq(out.tls_peer_certificate, "");
    ck_assert(!out.has_tls);
    gs_grpc_echo_free(&out);

    /* Truncations never decode into something half-owned. */
    gs_buf_reset(&b);
    gs_grpc_echo_encode(&in, &b);
    int failures = 0;
    for (size_t cut = 1; cut < b.len; cut++) {
        if (gs_grpc_echo_decode(&out, b.data, cut) < 0) {
            ck_assert_ptr_null(out.owned);
            failures++;
        } else {
            gs_grpc_echo_free(&out);
        }
    }
    ck_assert_int_gt(failures, 0);
    /* A string field with the wrong wire type is an error. */
    ck_assert_int_eq(gs_grpc_echo_decode(&out, "\x08\x01", 2), GS_ERR_PARSE);
    gs_buf_clear(&b);
}
END_TEST

static Suite *grpc_suite(void)
{
    Suite *s = suite_create("grpc");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, frame_roundtrip_and_errors);
    tcase_add_test(tc, status_helpers);
    tcase_add_test(tc, pb_primitives);
    tcase_add_test(tc, echo_roundtrip);
    tcase_add_test(tc, conformance_echo_decoded);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(grpc_suite());
}
