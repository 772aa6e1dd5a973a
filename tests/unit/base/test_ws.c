/* SPDX-License-Identifier: MIT */
/* gs_ws: Sec-WebSocket-Accept against RFC 6455's example, frames written and read back in all
 * three length forms, masking, and every malformed frame the parser must refuse. */
#include "gs_error.h"
#include "gs_test.h"
#include "gs_ws.h"

#include <stdlib.h>
#include <string.h>

START_TEST(accept_matches_the_rfc_example)
{
    char out[29];
    const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
    gs_ws_accept(key, strlen(key), out);
    ck_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
END_TEST

START_TEST(frames_round_trip)
{
    static const size_t sizes[] = {0, 5, 125, 126, 65535, 65536, 70000};
    static const uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    uint8_t *payload = malloc(70000);
    for (size_t i = 0; i < 70000; i++)
        payload[i] = (uint8_t)(i * 7);
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        for (int masked = 0; masked < 2; masked++) {
            gs_buf b = {0};
            gs_ws_frame_write(&b, k % 2 == 0, GS_WS_BINARY, masked ? mask : NULL, payload,
                              sizes[k]);
            size_t head = (sizes[k] < 126 ? 2 : sizes[k] <= 0xffff ? 4 : 10) + (masked ? 4 : 0);
            ck_assert_uint_eq(b.len, head + sizes[k]);
            gs_ws_frame f;
            for (size_t cut = 0; cut < b.len; cut += 1 + b.len / 50)
                ck_assert_int_eq(gs_ws_frame_parse((uint8_t *)b.data, cut, 1u << 20, &f),
                                 GS_ERR_INCOMPLETE);
            ck_assert_int_eq(gs_ws_frame_parse((uint8_t *)b.data, b.len, 1u << 20, &f),
                             (int64_t)b.len);
            ck_assert_int_eq(f.fin, k % 2 == 0);
            ck_assert_int_eq(f.opcode, GS_WS_BINARY);
            ck_assert_int_eq(f.masked, masked);
            ck_assert_uint_eq(f.len, sizes[k]);
            uint8_t *copy = malloc(sizes[k] + 1);
            memcpy(copy, f.payload, sizes[k]);
            if (masked) {
                ck_assert(sizes[k] == 0 || memcmp(copy, payload, sizes[k]) != 0);
                gs_ws_unmask(copy, sizes[k], f.mask);
            }
            ck_assert(memcmp(copy, payload, sizes[k]) == 0);
            free(copy);
            /* over the caller's bound */
            if (sizes[k] > 0)
                ck_assert_int_eq(gs_ws_frame_parse((uint8_t *)b.data, b.len, sizes[k] - 1, &f),
                                 GS_ERR_RANGE);
            gs_buf_clear(&b);
        }
    }
    free(payload);
}
END_TEST

START_TEST(a_fragmented_echo_with_a_ping)
{
    /* a server's answer: a ping, then "hello" in two fragments */
    static const uint8_t in[] = {0x89, 0x02, 'h', 'i', 0x01, 0x02, 'h', 'e',
                                 0x80, 0x03, 'l',  'l', 'o'};
    gs_ws_frame f;
    ck_assert_int_eq(gs_ws_frame_parse(in, sizeof(in), 125, &f), 4);
    ck_assert_int_eq(f.opcode, GS_WS_PING);
    ck_assert(f.fin);
    ck_assert_int_eq(gs_ws_frame_parse(in + 4, sizeof(in) - 4, 125, &f), 4);
    ck_assert_int_eq(f.opcode, GS_WS_TEXT);
    ck_assert(!f.fin);
    ck_assert_mem_eq(f.payload, "he", 2);
    ck_assert_int_eq(gs_ws_frame_parse(in + 8, sizeof(in) - 8, 125, &f), 5);
    ck_assert_int_eq(f.opcode, GS_WS_CONTINUATION);
    ck_assert(f.fin);
    ck_assert_mem_eq(f.payload, "llo", 3);
}
END_TEST

START_TEST(malformed_frames_are_refused)
{
    static const struct {
        uint8_t bytes[12];
        size_t len;
    } bad[] = {
        {{0xc1, 0x00}, 2},                               /* RSV1 set */
        {{0x83, 0x00}, 2},                               /* opcode 3 is reserved */
        {{0x8b, 0x00}, 2},                               /* opcode 11 is reserved */
        {{0x09, 0x00}, 2},                               /* a fragmented ping */
        {{0x88, 0x7e, 0x00, 0x7e}, 4},                   /* a 126-byte close */
        {{0x82, 0x7e, 0x00, 0x05}, 4},                   /* 16-bit length under 126 */
        {{0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 10}, /* 64-bit length under 65536 */
        {{0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0}, 10},   /* 64-bit length with the top bit */
    };
    gs_ws_frame f;
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        ck_assert_msg(gs_ws_frame_parse(bad[k].bytes, bad[k].len, 1u << 20, &f) == GS_ERR_PARSE,
                      "case %zu", k);
    ck_assert(gs_ws_opcode_known(GS_WS_PONG));
    ck_assert(!gs_ws_opcode_known(7));
}
END_TEST

static Suite *ws_suite(void)
{
    Suite *s = suite_create("ws");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, accept_matches_the_rfc_example);
    tcase_add_test(tc, frames_round_trip);
    tcase_add_test(tc, a_fragmented_echo_with_a_ping);
    tcase_add_test(tc, malformed_frames_are_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(ws_suite());
}
