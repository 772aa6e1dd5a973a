/* SPDX-License-Identifier: MIT */
/* gs_base64: RFC 4648 vectors in the URL alphabet, padding accepted or not, round trips of every
 * length and byte value, and the malformed inputs the strict decoder must refuse. */
#include "gs_base64.h"
#include "gs_error.h"
#include "gs_test.h"

#include <string.h>

static ssize_t decode_str(const char *s, uint8_t *out, size_t cap)
{
    return gs_base64_url_decode(s, strlen(s), out, cap);
}

START_TEST(rfc4648_vectors)
{
    static const struct {
        const char *plain, *unpadded, *padded;
    } v[] = {
        {"", "", ""},
        {"f", "Zg", "Zg=="},
        {"fo", "Zm8", "Zm8="},
        {"foo", "Zm9v", "Zm9v"},
        {"foob", "Zm9vYg", "Zm9vYg=="},
        {"fooba", "Zm9vYmE", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t out[16];
        size_t n = strlen(v[i].plain);
        ck_assert_int_eq(decode_str(v[i].unpadded, out, sizeof out), (ssize_t)n);
        ck_assert(memcmp(out, v[i].plain, n) == 0);
        ck_assert_int_eq(decode_str(v[i].padded, out, sizeof out), (ssize_t)n);
        ck_assert(memcmp(out, v[i].plain, n) == 0);
        char enc[16];
        size_t e = gs_base64_url_encode((const uint8_t *)v[i].plain, n, enc);
        ck_assert_uint_eq(e, gs_base64_url_encoded_len(n));
        ck_assert_uint_eq(e, strlen(v[i].unpadded));
        ck_assert(memcmp(enc, v[i].unpadded, e) == 0);
    }
}
END_TEST

START_TEST(url_alphabet)
{
    uint8_t out[4];
    /* 0xfb 0xff is "+/8=" in standard base64: the URL alphabet uses '-' and '_'. */
    ck_assert_int_eq(decode_str("-_8", out, sizeof out), 2);
    ck_assert_uint_eq(out[0], 0xfb);
    ck_assert_uint_eq(out[1], 0xff);
    ck_assert_int_eq(decode_str("+/8", out, sizeof out), GS_ERR_PARSE);
    char enc[4];
    ck_assert_uint_eq(gs_base64_url_encode(out, 2, enc), 3);
    ck_assert(memcmp(enc, "-_8", 3) == 0);
}
END_TEST

START_TEST(curl_http2_settings)
{
    /* What curl 7.88 sends: MAX_CONCURRENT_STREAMS 100, INITIAL_WINDOW_SIZE 32 MiB,
     * ENABLE_PUSH 0, each 6 bytes (16-bit id, 32-bit value). */
    static const uint8_t want[] = {0, 3, 0, 0, 0, 100, 0, 4, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0};
    uint8_t out[32];
    ck_assert_int_eq(decode_str("AAMAAABkAAQCAAAAAAIAAAAA", out, sizeof out), (ssize_t)sizeof want);
    ck_assert(memcmp(out, want, sizeof want) == 0);
}
END_TEST

START_TEST(round_trips_every_length)
{
    uint8_t in[300], out[300];
    char enc[400];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof in; n++) {
        size_t e = gs_base64_url_encode(in, n, enc);
        ck_assert_uint_eq(e, gs_base64_url_encoded_len(n));
        ck_assert_uint_ge(gs_base64_decoded_max(e), n);
        ck_assert_int_eq(gs_base64_url_decode(enc, e, out, n), (ssize_t)n);
        ck_assert(n == 0 || memcmp(in, out, n) == 0);
        if (n) /* one byte short of room */
            ck_assert_int_eq(gs_base64_url_decode(enc, e, out, n - 1), GS_ERR_RANGE);
    }
}
END_TEST

START_TEST(rejects_malformed)
{
    uint8_t out[32];
    static const char *bad[] = {
        "Z",        /* a lone character in the last quantum */
        "Zm9vY",    /* the same after a full quantum */
        "Zg=",      /* incomplete padding */
        "Zg===",    /* too much padding */
        "Zm9v====", /* a whole quantum of padding */
        "Zm8==",    /* padding that does not complete the quantum */
        "Zg==Zg==", /* padding in the middle */
        "Zm 9v",    /* whitespace */
        "Zm9v\n",   /* a line break */
        "Zm9v.",    /* outside the alphabet */
        "Zh",       /* unused bits set: not canonical ("f" is "Zg") */
        "Zm9",      /* the same for two bytes ("fo" is "Zm8") */
        "=",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(decode_str(bad[i], out, sizeof out) == GS_ERR_PARSE, "accepted \"%s\"",
                      bad[i]);
    /* An embedded NUL is a character outside the alphabet, not an end. */
    ck_assert_int_eq(gs_base64_url_decode("Zm\0v", 4, out, sizeof out), GS_ERR_PARSE);
}
END_TEST

static Suite *base64_suite(void)
{
    Suite *s = suite_create("base64");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, rfc4648_vectors);
    tcase_add_test(tc, url_alphabet);
    tcase_add_test(tc, curl_http2_settings);
    tcase_add_test(tc, round_trips_every_length);
    tcase_add_test(tc, rejects_malformed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(base64_suite());
}
