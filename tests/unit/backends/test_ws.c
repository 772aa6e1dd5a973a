/* SPDX-License-Identifier: MIT */
/* gatesim-echo's WebSocket module: the upgrade test, Sec-WebSocket-Accept (RFC 6455's own
 * example), and the frame echo fed byte by byte (partial frames wait, extended lengths, the
 * close answers to protocol errors). */
#include "echo_ws.h"
#include "gs_test.h"
#include "gs_ws.h"

#include <string.h>

#define HDR(n, v) {n, sizeof(n) - 1, v, sizeof(v) - 1}

START_TEST(upgrade_and_accept)
{
    gs_echo_header h[] = {HDR("Upgrade", "WebSocket"), HDR("Connection", "keep-alive, Upgrade"),
                          HDR("Sec-WebSocket-Version", "13"),
                          HDR("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")};
    gs_echo_request req = {.method = "GET", .method_len = 3, .target = "/ws", .target_len = 3,
                           .headers = h, .n_headers = 4};
    ck_assert(gs_echo_ws_is_upgrade(&req));
    char accept[29];
    gs_ws_accept(h[3].value, h[3].value_len, accept);
    ck_assert_str_eq(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="); /* RFC 6455, section 1.3 */
    req.n_headers = 3; /* no key */
    ck_assert(!gs_echo_ws_is_upgrade(&req));
    req.n_headers = 4;
    req.method = "POST";
    req.method_len = 4;
    ck_assert(!gs_echo_ws_is_upgrade(&req));
    req.method = "GET";
    req.method_len = 3;
    req.h2 = true; /* RFC 8441 is not offered */
    ck_assert(!gs_echo_ws_is_upgrade(&req));
}
END_TEST

/* A masked client frame of |n| payload bytes into |out|; returns its length. */
static size_t client_frame(uint8_t *out, int b0, const uint8_t *p, size_t n)
{
    static const uint8_t mask[4] = {0x11, 0x22, 0x33, 0x44};
    size_t hl = 2;
    out[0] = (uint8_t)b0;
    if (n < 126) {
        out[1] = (uint8_t)(0x80 | n);
    } else {
        out[1] = 0x80 | 126;
        out[2] = (uint8_t)(n >> 8);
        out[3] = (uint8_t)n;
        hl = 4;
    }
    memcpy(out + hl, mask, 4);
    for (size_t i = 0; i < n; i++)
        out[hl + 4 + i] = p[i] ^ mask[i % 4];
    return hl + 4 + n;
}

START_TEST(frames_are_echoed)
{
    uint8_t in[400], payload[300];
    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)i;
    size_t len = client_frame(in, 0x82, payload, 300); /* binary, 16-bit length */
    gs_buf out = {0};
    size_t used = 0;
    for (size_t have = 0; have < len; have++) /* every prefix is incomplete */
        ck_assert_int_eq(gs_echo_ws_step(in, have, &out, &used), GS_ECHO_WS_MORE);
    ck_assert_uint_eq(out.len, 0);
    ck_assert_int_eq(gs_echo_ws_step(in, len, &out, &used), GS_ECHO_WS_FRAME);
    ck_assert_uint_eq(used, len);
    ck_assert_uint_eq(out.len, 4 + 300);
    ck_assert_int_eq((uint8_t)out.data[0], 0x82);
    ck_assert_int_eq((uint8_t)out.data[1], 126); /* unmasked */
    ck_assert_mem_eq(out.data + 4, payload, 300);
    /* A ping is answered with a pong; a close with a close carrying its code. */
    gs_buf_reset(&out);
    len = client_frame(in, 0x89, (const uint8_t *)"hi", 2);
    ck_assert_int_eq(gs_echo_ws_step(in, len, &out, &used), GS_ECHO_WS_FRAME);
    ck_assert_mem_eq(out.data, "\x8a\x02hi", 4);
    gs_buf_reset(&out);
    len = client_frame(in, 0x88, (const uint8_t *)"\x03\xe8", 2);
    ck_assert_int_eq(gs_echo_ws_step(in, len, &out, &used), GS_ECHO_WS_CLOSE);
    ck_assert_mem_eq(out.data, "\x88\x02\x03\xe8", 4);
    gs_buf_clear(&out);
}
END_TEST

START_TEST(protocol_errors_close)
{
    gs_buf out = {0};
    size_t used = 0;
    uint8_t unmasked[] = {0x81, 0x01, 'x'};
    ck_assert_int_eq(gs_echo_ws_step(unmasked, 3, &out, &used), GS_ECHO_WS_CLOSE);
    ck_assert_mem_eq(out.data, "\x88\x02\x03\xea", 4); /* 1002 */
    gs_buf_reset(&out);
    uint8_t too_big[] = {0x82, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 1}; /* 65537 bytes announced */
    ck_assert_int_eq(gs_echo_ws_step(too_big, sizeof(too_big), &out, &used), GS_ECHO_WS_CLOSE);
    ck_assert_mem_eq(out.data, "\x88\x02\x03\xf1", 4); /* 1009, before the payload arrives */
    gs_buf_reset(&out);
    uint8_t frag_ping[] = {0x09, 0x80, 1, 2, 3, 4};
    ck_assert_int_eq(gs_echo_ws_step(frag_ping, sizeof(frag_ping), &out, &used),
                     GS_ECHO_WS_CLOSE);
    ck_assert_mem_eq(out.data, "\x88\x02\x03\xea", 4);
    gs_buf_clear(&out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("echo_ws");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, upgrade_and_accept);
    tcase_add_test(tc, frames_are_echoed);
    tcase_add_test(tc, protocol_errors_close);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
