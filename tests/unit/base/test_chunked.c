/* SPDX-License-Identifier: MIT */
/* gs_chunked: whole bodies, every split point, trailers, pipelined leftovers, malformed input. */
#include "gs_chunked.h"
#include "gs_error.h"
#include "gs_test.h"

#include <string.h>

static const char *k_body = "4\r\nWiki\r\n5;name=val\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
                            "0\r\nX-Trailer: yes\r\n\r\nNEXT";

START_TEST(decodes_whole_body)
{
    gs_chunked c;
    gs_chunked_init(&c);
    gs_buf out = {0};
    size_t len = strlen(k_body);
    ssize_t rc = gs_chunked_decode(&c, k_body, len, &out);
    ck_assert_int_eq(rc, (ssize_t)(len - 4));
    ck_assert(gs_chunked_done(&c));
    ck_assert_str_eq(out.data, "Wikipedia in\r\n\r\nchunks.");
    ck_assert_uint_eq(c.total, 23);
    /* Once done, nothing more is consumed. */
    ck_assert_int_eq(gs_chunked_decode(&c, "NEXT", 4, &out), 0);
    gs_buf_clear(&out);
}
END_TEST

START_TEST(decodes_at_every_split)
{
    size_t len = strlen(k_body) - 4;
    for (size_t cut = 0; cut <= len; cut++) {
        gs_chunked c;
        gs_chunked_init(&c);
        gs_buf out = {0};
        ssize_t a = gs_chunked_decode(&c, k_body, cut, &out);
        ck_assert_int_eq(a, (ssize_t)cut);
        ck_assert(!gs_chunked_done(&c) || cut == len);
        ssize_t b = gs_chunked_decode(&c, k_body + cut, strlen(k_body) - cut, &out);
        ck_assert_int_eq(a + b, (ssize_t)len);
        ck_assert(gs_chunked_done(&c));
        ck_assert_str_eq(out.data, "Wikipedia in\r\n\r\nchunks.");
        gs_buf_clear(&out);
    }
}
END_TEST

START_TEST(byte_by_byte_and_bare_lf)
{
    const char *s = "3\nabc\n0\n\n";
    gs_chunked c;
    gs_chunked_init(&c);
    gs_buf out = {0};
    for (size_t i = 0; s[i]; i++)
        ck_assert_int_eq(gs_chunked_decode(&c, s + i, 1, &out), 1);
    ck_assert(gs_chunked_done(&c));
    ck_assert_str_eq(out.data, "abc");
    gs_buf_clear(&out);
}
END_TEST

START_TEST(discards_without_output)
{
    gs_chunked c;
    gs_chunked_init(&c);
    const char *s = "a\r\n0123456789\r\n0\r\n\r\n";
    ck_assert_int_eq(gs_chunked_decode(&c, s, strlen(s), NULL), (ssize_t)strlen(s));
    ck_assert(gs_chunked_done(&c));
    ck_assert_uint_eq(c.total, 10);
}
END_TEST

static void assert_bad(const char *s)
{
    gs_chunked c;
    gs_chunked_init(&c);
    ssize_t rc = gs_chunked_decode(&c, s, strlen(s), NULL);
    ck_assert_msg(rc == GS_ERR_PARSE, "accepted: %s", s);
    /* The error is sticky. */
    ck_assert_int_eq(gs_chunked_decode(&c, "0\r\n\r\n", 5, NULL), GS_ERR_PARSE);
}

START_TEST(rejects_malformed)
{
    assert_bad("x\r\n");                 /* not hex */
    assert_bad("\r\n");                  /* empty size */
    assert_bad("-1\r\n");                /* sign */
    assert_bad("3\r\nabcX\r\n");         /* data longer than its size */
    assert_bad("3\r\nabc\rX");           /* CR without LF after data */
    assert_bad("3\rX");                  /* CR without LF after size */
    assert_bad("10000000000000000\r\n"); /* 17 hex digits: overflow */
    assert_bad("3x\r\nabc\r\n");         /* junk right after the size */
    assert_bad("3;a\x01\r\n");           /* CTL in an extension */
    assert_bad("0\r\nX: a\x01\r\n\r\n"); /* CTL in a trailer */
    assert_bad("0\r\nX: 1\rY");          /* bare CR in a trailer */
    char big[GS_CHUNKED_MAX_LINE + 32];
    memset(big, ' ', sizeof(big));
    big[0] = '1';
    big[1] = ';';
    big[sizeof(big) - 1] = '\0';
    assert_bad(big); /* extension too long */
}
END_TEST

START_TEST(accepts_16_hex_digits_and_extensions)
{
    gs_chunked c;
    gs_chunked_init(&c);
    const char *s = "00000000000000002 ; ext=\"q\"\r\nhi\r\n0\r\n\r\n";
    ck_assert_int_eq(gs_chunked_decode(&c, s, strlen(s), NULL), GS_ERR_PARSE); /* 17 digits */
    gs_chunked_init(&c);
    s = "0000000000000002 ; ext=\"q\"\r\nhi\r\n0\r\n\r\n";
    ck_assert_int_eq(gs_chunked_decode(&c, s, strlen(s), NULL), (ssize_t)strlen(s));
    ck_assert(gs_chunked_done(&c));
}
END_TEST

static Suite *chunked_suite(void)
{
    Suite *s = suite_create("chunked");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, decodes_whole_body);
    tcase_add_test(tc, decodes_at_every_split);
    tcase_add_test(tc, byte_by_byte_and_bare_lf);
    tcase_add_test(tc, discards_without_output);
    tcase_add_test(tc, rejects_malformed);
    tcase_add_test(tc, accepts_16_hex_digits_and_extensions);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(chunked_suite());
}
